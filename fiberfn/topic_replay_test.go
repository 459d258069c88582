package fiberfn

// Reconnects: Last-Event-ID and the cursor query replay what was missed,
// or a reset when the buffer no longer reaches back; nothing lost or doubled.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSubscribeResumesWithLastEventID(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{})
	c := openStream(t, srv.base+"/live?topic=t")
	c.next()
	publish(t, hub, "t", "1")
	publish(t, hub, "t", "2")
	c.next()
	last := c.next().ID
	c.Close()
	waitUntil(t, "the stream to end", func() bool { return hub.Connections() == 0 })
	id3 := publish(t, hub, "t", "3")
	id4 := publish(t, hub, "t", "4")

	c = openStream(t, srv.base+"/live?topic=t", "Last-Event-ID", last)
	if open := c.next(); open.ID != "" || open.Retry == "" {
		t.Fatalf("a resumed stream's opening block %+v has an id", open)
	}
	for _, want := range []struct{ id, data string }{{id3, "3"}, {id4, "4"}} {
		if ev := c.next(); ev.ID != want.id || ev.Data != want.data {
			t.Fatalf("replay: got %+v, want %v", ev, want)
		}
	}
	id5 := publish(t, hub, "t", "5")
	if ev := c.next(); ev.ID != id5 {
		t.Fatalf("live after replay: got %+v", ev)
	}
	c.quiet(50 * time.Millisecond)
}

func TestSubscribeResumesFromCursorQuery(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{})
	publish(t, hub, "t", "before the page")
	cursor, err := hub.Cursor(context.Background(), "t")
	if err != nil {
		t.Fatal(err)
	}
	// Published after the page rendered, before it subscribed.
	id := publish(t, hub, "t", "between")
	c := openStream(t, srv.base+"/live?topic=t&last-event-id="+url.QueryEscape(cursor))
	c.next()
	if ev := c.next(); ev.ID != id || ev.Data != "between" {
		t.Fatalf("got %+v, want the event published between render and subscription", ev)
	}
	// The header wins over the query parameter.
	c2 := openStream(t, srv.base+"/live?topic=t&last-event-id="+url.QueryEscape(cursor), "Last-Event-ID", id)
	c2.next()
	c2.quiet(50 * time.Millisecond)
}

func TestSubscribeResetWhenReplayIsGone(t *testing.T) {
	hub := NewHub(HubConfig{Broker: NewMemoryBroker(MemoryBrokerConfig{BufferSize: 2}), MaxPending: 3})
	srv := hubApp(t, hub, SubscribeConfig{})
	first := publish(t, hub, "t", "0")
	var last string
	for i := 1; i <= 5; i++ {
		last = publish(t, hub, "t", fmt.Sprint(i))
	}
	epoch := fmt.Sprint(hub.broker.(*MemoryBroker).epoch)
	hostile := []struct{ name, lastEventID string }{
		{"older than the buffer", first},
		{"from before a restart", "1-1"},
		{"from the future", epoch + "-99"},
		{"not an id", "<script>"},
		{"too many ids", first + "," + first},
		{"oversized", strings.Repeat("9", 2000)},
	}
	for _, tt := range hostile {
		t.Run(tt.name, func(t *testing.T) {
			c := openStream(t, srv.base+"/live?topic=t", "Last-Event-ID", tt.lastEventID)
			c.next()
			ev := c.next()
			if ev.Name != ResetEvent || ev.Data != "t" || ev.ID != last {
				t.Fatalf("got %+v, want %s for t with id %s", ev, ResetEvent, last)
			}
			id := publish(t, hub, "t", "live")
			if ev := c.next(); ev.ID != id {
				t.Fatalf("after the reset: got %+v", ev)
			}
			last = id
		})
	}
	t.Run("more missed than MaxPending", func(t *testing.T) {
		from := publish(t, hub, "t", "x")
		for i := 0; i < 2; i++ {
			publish(t, hub, "t", "y")
		}
		// 2 missed, buffer 2: replayed.
		c := openStream(t, srv.base+"/live?topic=t", "Last-Event-ID", from)
		c.next()
		if ev := c.next(); ev.Name != "" || ev.Data != "y" {
			t.Fatalf("got %+v", ev)
		}
	})
}

func TestSubscribeReconnectsLoseNothing(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{})
	const total = 400
	var published []string
	var mu sync.Mutex
	// The page's position, taken before anything is published (as a
	// page renders it).
	cursor, _ := hub.Cursor(context.Background(), "t")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < total; i++ {
			id := publish(t, hub, "t", fmt.Sprint(i))
			mu.Lock()
			published = append(published, id)
			mu.Unlock()
			if i%8 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	}()
	var got []string
	last := ""
	for len(got) < total {
		kv := []string{}
		if last != "" {
			kv = []string{"Last-Event-ID", last}
		}
		c := openStream(t, srv.base+"/live?topic=t&last-event-id="+url.QueryEscape(cursor), kv...)
		if open := c.next(); open.ID != "" {
			t.Fatalf("opening id %q on a resumed stream", open.ID)
		}
		for n := 0; n < 37 && len(got) < total; n++ {
			ev := c.next()
			if ev.Name != "" {
				t.Fatalf("unexpected %+v", ev)
			}
			got = append(got, ev.ID)
			last = ev.ID
		}
		c.Close()
	}
	<-done
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(got, " ") != strings.Join(published, " ") {
		t.Fatalf("received %d events, published %d; first difference at %d", len(got), len(published), firstDiff(got, published))
	}
}

func firstDiff(a, b []string) int {
	for i := range a {
		if i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return len(a)
}

// TestSubscribeReplayWithinBudget: a reconnect whose replay would not fit
// in the connection's byte budget gets a reset (else it would be dropped
// and ask for the same replay forever); an event over half the budget is
// refused at Publish.
func TestSubscribeReplayWithinBudget(t *testing.T) {
	hub := NewHub(HubConfig{MaxPendingBytes: 64 << 10})
	srv := hubApp(t, hub, SubscribeConfig{})
	if _, err := hub.Publish(context.Background(), "t", Event{Data: strings.Repeat("x", 40<<10)}); !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("a 40 KiB event with a 64 KiB budget: %v", err)
	}
	from := publish(t, hub, "t", "start")
	var last string
	for i := 0; i < 4; i++ {
		last = publish(t, hub, "t", strings.Repeat("y", 20<<10))
	}
	c := openStream(t, srv.base+"/live?topic=t", "Last-Event-ID", from)
	c.next()
	if ev := c.next(); ev.Name != ResetEvent || ev.ID != last {
		t.Fatalf("got %+v, want a reset at %s", ev, last)
	}
}
