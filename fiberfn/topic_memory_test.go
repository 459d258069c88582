package fiberfn

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

// recorder is a Receiver that keeps what it gets.
type recorder struct {
	mu     sync.Mutex
	events []Event
	resets int
}

func (r *recorder) Receive(_ string, e Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func (r *recorder) Reset(string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.resets++
}

func TestMemoryBrokerSince(t *testing.T) {
	ctx := context.Background()
	b := NewMemoryBroker(MemoryBrokerConfig{BufferSize: 4})
	var ids []string
	for i := 1; i <= 6; i++ {
		id, err := b.Publish(ctx, "t", Event{Data: fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	epoch := fmt.Sprint(b.epoch)
	tests := []struct {
		name     string
		after    string
		limit    int
		data     string
		complete bool
	}{
		{"newest: nothing missed", ids[5], 10, "", true},
		{"two missed", ids[3], 10, "56", true},
		{"oldest kept reaches back", ids[1], 10, "3456", true},
		{"buffer no longer reaches back", ids[0], 10, "", false},
		{"more than the limit", ids[1], 2, "34", false},
		{"from the future", epoch + "-7", 10, "", false},
		{"from another epoch (a restart)", "1-3", 10, "", false},
		{"empty topic position before the first event", epoch + "-0", 10, "", false},
		{"not an id", "nonsense", 10, "", false},
		{"no id: only Last", "", 10, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp, err := b.Since(ctx, "t", tt.after, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			data := ""
			for _, e := range rp.Events {
				data += e.Data
			}
			if data != tt.data || rp.Complete != tt.complete || rp.Last != ids[5] {
				t.Fatalf("got %q complete=%v last=%s; want %q complete=%v last=%s", data, rp.Complete, rp.Last, tt.data, tt.complete, ids[5])
			}
		})
	}
	rp, _ := b.Since(ctx, "empty", "", 0)
	if rp.Last != epoch+"-0" {
		t.Fatalf("Last of an empty topic = %q", rp.Last)
	}
	if rp, _ := b.Since(ctx, "empty", rp.Last, 10); !rp.Complete {
		t.Fatal("the position of an empty topic is not complete")
	}
}

func TestMemoryBrokerDeliversInOrderOnce(t *testing.T) {
	ctx := context.Background()
	b := NewMemoryBroker()
	r1, r2 := &recorder{}, &recorder{}
	_ = b.Listen(ctx, "t", r1)
	_ = b.Listen(ctx, "t", r2)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				if _, err := b.Publish(ctx, "t", Event{Data: "x"}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	b.Unlisten("t", r2)
	_, _ = b.Publish(ctx, "t", Event{Data: "after"})
	if len(r1.events) != 801 || len(r2.events) != 800 {
		t.Fatalf("got %d and %d events", len(r1.events), len(r2.events))
	}
	for i := 1; i < len(r1.events); i++ {
		if CompareEventIDs(r1.events[i-1].ID, r1.events[i].ID) >= 0 {
			t.Fatalf("out of order: %s then %s", r1.events[i-1].ID, r1.events[i].ID)
		}
	}
}

func TestMemoryBrokerForgetsIdleTopics(t *testing.T) {
	ctx := context.Background()
	b := NewMemoryBroker(MemoryBrokerConfig{IdleTTL: 20 * time.Millisecond})
	id, _ := b.Publish(ctx, "old", Event{Data: "x"})
	r := &recorder{}
	_ = b.Listen(ctx, "kept", r)
	time.Sleep(30 * time.Millisecond)
	_, _ = b.Publish(ctx, "new", Event{Data: "y"}) // sweeps
	b.mu.Lock()
	_, old := b.topics["old"]
	_, kept := b.topics["kept"]
	b.mu.Unlock()
	if old || !kept {
		t.Fatalf("after the sweep: old kept=%v, listened kept=%v", old, kept)
	}
	if rp, _ := b.Since(ctx, "old", id, 10); rp.Complete {
		t.Fatal("an id of a forgotten topic was answered as complete")
	}
}
