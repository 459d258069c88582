package fiberfn

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
)

// benchFragment is a task row and the counts out of band, about the size
// of the demo's toggle answer.
var benchFragment = `<li id="task-42"><form><button name="done" value="true" aria-pressed="false">Done</button><span>Buy milk</span><a href="/?edit=42">Rename</a><button formaction="/api/delete_task">Delete</button></form></li>
<div id="task-summary" hx-swap-oob="true"><p>3 open · 2 done</p><nav><a href="/">All</a><a href="/?filter=open">Open</a><a href="/?filter=done">Done</a></nav></div>`

// benchSubscribers attaches n in-process subscribers of topic to hub, each
// drained by a goroutine as a stream would be, and returns a function that
// stops them.
func benchSubscribers(b *testing.B, hub *Hub, topic string, n int) func() {
	b.Helper()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < n; i++ {
		s := newSubscriber(hub, []string{topic}, "", 0)
		if err := hub.register(s); err != nil {
			b.Fatal(err)
		}
		s.syncing[0] = true
		t, err := hub.attach(context.Background(), s, 0)
		if err != nil {
			b.Fatal(err)
		}
		s.topics[0] = t
		if _, err := s.syncTopic(context.Background(), 0, "", false, false); err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer s.close()
			for {
				select {
				case <-s.wake:
					batch, _ := s.take()
					s.giveBack(batch)
				case <-stop:
					return
				}
			}
		}()
	}
	return func() { close(stop); wg.Wait() }
}

// BenchmarkHubPublish publishes a fragment to a topic with n local
// subscribers (in-process broker): the id, the ring buffer, one SSE
// encoding shared by all, and a queue entry per subscriber.
func BenchmarkHubPublish(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run("subscribers="+strconv.Itoa(n), func(b *testing.B) {
			hub := NewHub(HubConfig{MaxPending: 1 << 16, MaxPendingBytes: 1 << 30})
			stop := benchSubscribers(b, hub, "t", n)
			defer stop()
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := hub.Publish(ctx, "t", Event{Data: benchFragment}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRawFanout is the hand-written equivalent of BenchmarkHubPublish:
// a mutex, a counter for the id, the fragment encoded once as SSE, and a
// non-blocking send on each subscriber's buffered channel; no replay
// buffer, no per-connection limits.
func BenchmarkRawFanout(b *testing.B) {
	for _, n := range []int{1, 100, 1000} {
		b.Run("subscribers="+strconv.Itoa(n), func(b *testing.B) {
			var mu sync.Mutex
			var seq uint64
			chans := make([]chan []byte, n)
			var wg sync.WaitGroup
			for i := range chans {
				chans[i] = make(chan []byte, 1024)
				wg.Add(1)
				go func(ch chan []byte) {
					defer wg.Done()
					for range ch {
					}
				}(chans[i])
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				mu.Lock()
				seq++
				msg := fmt.Appendf(nil, "id: %d\n", seq)
				msg = appendDataLines(msg, benchFragment)
				msg = append(msg, '\n')
				for _, ch := range chans {
					select {
					case ch <- msg:
					default:
					}
				}
				mu.Unlock()
			}
			b.StopTimer()
			for _, ch := range chans {
				close(ch)
			}
			wg.Wait()
		})
	}
}

// BenchmarkEventAppendSSE encodes a two-line fragment.
func BenchmarkEventAppendSSE(b *testing.B) {
	e := Event{ID: "1700000000000-1", Data: benchFragment}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf, _ = e.AppendSSE(buf[:0])
	}
}
