package redisstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/redis/go-redis/v9"
)

// recorder is a fiberfn.Receiver that keeps what it gets.
type recorder struct {
	mu     sync.Mutex
	events []fiberfn.Event
	resets int
	got    chan struct{}
}

func newRecorder() *recorder { return &recorder{got: make(chan struct{}, 1000)} }

func (r *recorder) Receive(_ string, e fiberfn.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
	r.got <- struct{}{}
}

func (r *recorder) Reset(string) {
	r.mu.Lock()
	r.resets++
	r.mu.Unlock()
	r.got <- struct{}{}
}

// wait waits until the recorder has n events, failing after 5 s.
func (r *recorder) wait(t testing.TB, n int) []fiberfn.Event {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		if len(r.events) >= n {
			evs := append([]fiberfn.Event(nil), r.events...)
			r.mu.Unlock()
			return evs
		}
		r.mu.Unlock()
		select {
		case <-r.got:
		case <-timeout:
			t.Fatalf("%d events within 5 s, want %d", len(r.events), n)
		}
	}
}

func newBroker(t testing.TB, client redis.UniversalClient, prefix string, cfg ...BrokerConfig) *Broker {
	t.Helper()
	c := BrokerConfig{Prefix: prefix}
	if len(cfg) > 0 {
		c = cfg[0]
		c.Prefix = prefix
	}
	b := NewBroker(client, c)
	t.Cleanup(func() { b.Close() })
	return b
}

func TestBrokerDeliversToEveryInstance(t *testing.T) {
	client, prefix := testRedis(t)
	ctx := context.Background()
	one := newBroker(t, client, prefix)
	two := newBroker(t, newClient(t, client, nil), prefix)
	r1, r2 := newRecorder(), newRecorder()
	if err := one.Listen(ctx, "t", r1); err != nil {
		t.Fatal(err)
	}
	if err := two.Listen(ctx, "t", r2); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := 0; i < 20; i++ {
		b := one
		if i%2 == 1 {
			b = two
		}
		id, err := b.Publish(ctx, "t", fiberfn.Event{Data: fmt.Sprintf("<li>%d</li>\n<li>x</li>", i), Name: map[bool]string{true: "n"}[i == 3], JSON: i == 4})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for _, r := range []*recorder{r1, r2} {
		evs := r.wait(t, 20)
		for i, e := range evs {
			if e.ID != ids[i] || e.Data != fmt.Sprintf("<li>%d</li>\n<li>x</li>", i) || (e.Name == "n") != (i == 3) || e.JSON != (i == 4) {
				t.Fatalf("event %d: %+v, want id %s", i, e, ids[i])
			}
		}
	}
	two.Unlisten("t", r2)
	if _, err := one.Publish(ctx, "t", fiberfn.Event{Data: "late"}); err != nil {
		t.Fatal(err)
	}
	r1.wait(t, 21)
	time.Sleep(50 * time.Millisecond)
	if n := len(r2.events); n != 20 {
		t.Fatalf("after Unlisten: %d events", n)
	}
}

func TestBrokerSince(t *testing.T) {
	client, prefix := testRedis(t)
	ctx := context.Background()
	b := newBroker(t, client, prefix, BrokerConfig{BufferSize: 1})
	empty, err := b.Since(ctx, "none", "", 0)
	if err != nil || empty.Last != "0-0" || !empty.Complete {
		t.Fatalf("empty topic: %+v, %v", empty, err)
	}
	var ids []string
	for i := 0; i < 250; i++ {
		id, err := b.Publish(ctx, "t", fiberfn.Event{Data: fmt.Sprint(i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// MAXLEN ~ 1 trims in whole blocks of 100 entries.
	kept, _ := client.XLen(ctx, prefix+"live:t").Result()
	if kept >= 250 {
		t.Fatalf("the stream was not trimmed: %d entries", kept)
	}
	firstKept := ids[250-kept]
	last := ids[249]
	tests := []struct {
		name     string
		after    string
		limit    int
		want     int
		complete bool
	}{
		{"newest", last, 10, 0, true},
		{"two missed", ids[247], 10, 2, true},
		{"more than the limit", ids[200], 10, 10, false},
		{"first kept", firstKept, 1000, int(kept) - 1, true},
		{"trimmed away", ids[0], 1000, 0, false},
		{"the empty position of a trimmed stream", "0-0", 1000, 0, false},
		{"from the future", "99999999999999-0", 10, 0, false},
		{"not an id", "(evil", 10, 0, false},
		{"another form", "1-2-3", 10, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rp, err := b.Since(ctx, "t", tt.after, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(rp.Events) != tt.want || rp.Complete != tt.complete || rp.Last != last {
				t.Fatalf("got %d events, complete=%v, last=%s; want %d, %v, %s", len(rp.Events), rp.Complete, rp.Last, tt.want, tt.complete, last)
			}
			for i, e := range rp.Events {
				if fiberfn.CompareEventIDs(e.ID, tt.after) <= 0 || (i > 0 && fiberfn.CompareEventIDs(e.ID, rp.Events[i-1].ID) <= 0) {
					t.Fatalf("event %d out of order: %s", i, e.ID)
				}
			}
		})
	}
	// A topic that never was trimmed replays from its empty position.
	for i := 0; i < 3; i++ {
		b.Publish(ctx, "small", fiberfn.Event{Data: "x"})
	}
	if rp, _ := b.Since(ctx, "small", "0-0", 10); !rp.Complete || len(rp.Events) != 3 {
		t.Fatalf("untrimmed from 0-0: %+v", rp)
	}
	// A stream that expired and came back does not answer for ids of
	// its earlier life.
	old, _ := b.Publish(ctx, "reborn", fiberfn.Event{Data: "x"})
	client.Del(ctx, prefix+"live:reborn")
	time.Sleep(2 * time.Millisecond)
	b.Publish(ctx, "reborn", fiberfn.Event{Data: "y"})
	if rp, _ := b.Since(ctx, "reborn", old, 10); rp.Complete {
		t.Fatalf("an id of the expired stream: %+v", rp)
	}
	if ttl := client.PTTL(ctx, prefix+"live:t").Val(); ttl <= 0 || ttl > 24*time.Hour {
		t.Fatalf("stream TTL %v", ttl)
	}
}

// TestBrokerCatchesUpAfterLostConnection kills the broker's pub/sub
// connection (its own, by client id) while events are added that it
// cannot hear; after go-redis reconnects, the broker reads them from the
// stream, in order, once.
func TestBrokerCatchesUpAfterLostConnection(t *testing.T) {
	base, prefix := testRedis(t)
	ctx := context.Background()
	name := strings.TrimSuffix(prefix, ":")
	client := newClient(t, base, func(o *redis.Options) { o.ClientName = name })
	b := newBroker(t, client, prefix)
	r := newRecorder()
	if err := b.Listen(ctx, "t", r); err != nil {
		t.Fatal(err)
	}
	first, _ := b.Publish(ctx, "t", fiberfn.Event{Data: "heard"})
	r.wait(t, 1)
	// Added to the stream without an announcement: what a broker misses
	// while its connection is down.
	var missed []string
	for i := 0; i < 3; i++ {
		id, err := base.XAdd(ctx, &redis.XAddArgs{Stream: prefix + "live:t", Values: []string{"n", "", "j", "0", "d", fmt.Sprint("missed ", i)}}).Result()
		if err != nil {
			t.Fatal(err)
		}
		missed = append(missed, id)
	}
	killPubSub(t, base, name)
	evs := r.wait(t, 4)
	got := []string{evs[0].ID, evs[1].ID, evs[2].ID, evs[3].ID}
	want := append([]string{first}, missed...)
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("after the reconnect: %v, want %v", got, want)
	}
	// And live delivery goes on, without duplicates.
	next, _ := b.Publish(ctx, "t", fiberfn.Event{Data: "live"})
	evs = r.wait(t, 5)
	time.Sleep(50 * time.Millisecond)
	if len(r.events) != 5 || evs[4].ID != next || r.resets != 0 {
		t.Fatalf("after catching up: %d events (last %s), %d resets", len(r.events), evs[len(evs)-1].ID, r.resets)
	}
}

// TestBrokerResetsWhenCatchUpCannotReachBack: events lost beyond the
// stream's reach become a Reset for the topic's receivers.
func TestBrokerResetsWhenCatchUpCannotReachBack(t *testing.T) {
	base, prefix := testRedis(t)
	ctx := context.Background()
	name := strings.TrimSuffix(prefix, ":")
	client := newClient(t, base, func(o *redis.Options) { o.ClientName = name })
	b := newBroker(t, client, prefix)
	r := newRecorder()
	if err := b.Listen(ctx, "t", r); err != nil {
		t.Fatal(err)
	}
	b.Publish(ctx, "t", fiberfn.Event{Data: "heard"})
	r.wait(t, 1)
	for i := 0; i < 300; i++ {
		base.XAdd(ctx, &redis.XAddArgs{Stream: prefix + "live:t", MaxLen: 1, Approx: true, Values: []string{"n", "", "j", "0", "d", "missed"}})
	}
	killPubSub(t, base, name)
	waitFor(t, "a reset", func() bool {
		r.mu.Lock()
		defer r.mu.Unlock()
		return r.resets == 1
	})
}

// killPubSub kills the pub/sub connections of the client named name, and
// no other connection of the shared server.
func killPubSub(t testing.TB, c *redis.Client, name string) {
	t.Helper()
	ctx := context.Background()
	list, err := c.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		if !strings.Contains(line, " name="+name+" ") || !strings.Contains(line, " sub=1 ") && !strings.Contains(line, "cmd=subscribe") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				if err := c.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
					t.Fatal(err)
				}
				killed++
			}
		}
	}
	if killed == 0 {
		t.Fatalf("no pub/sub connection named %s in\n%s", name, list)
	}
}

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
