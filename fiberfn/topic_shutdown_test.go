package fiberfn

// Shutdown: streams end and never hold a graceful shutdown.

import (
	"bufio"
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

func TestHubShutdownEndsStreams(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{})
	a := openStream(t, srv.base+"/live?topic=t")
	b := openStream(t, srv.base+"/live?topic=u")
	a.next()
	b.next()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hub.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	for _, c := range []*sseClient{a, b} {
		evs, err := c.ended(5 * time.Second)
		if err != nil || len(evs) != 1 || evs[0].Retry == "" {
			t.Fatalf("after Shutdown: %+v, %v; want a retry field, then the end", evs, err)
		}
	}
	// A subscription during the shutdown is answered with a retry and ends.
	c := openStream(t, srv.base+"/live?topic=t")
	if evs, err := c.ended(5 * time.Second); err != nil || len(evs) != 1 || evs[0].Retry == "" {
		t.Fatalf("subscribing after Shutdown: %+v, %v", evs, err)
	}
	if n := hub.Connections(); n != 0 {
		t.Fatalf("%d connections after Shutdown", n)
	}
}

// TestAppShutdownIsNotHeldByStreams proves that open subscription streams
// end when the app shuts down, so app.Shutdown returns instead of waiting
// for them (fasthttp waits for every open connection); a raw streaming
// handler that ignores the shutdown, for comparison, holds it until the
// timeout.
func TestAppShutdownIsNotHeldByStreams(t *testing.T) {
	for _, tc := range []struct {
		name    string
		handler fiber.Handler
		held    bool
	}{
		{"Subscribe", Subscribe(SubscribeConfig{Hub: NewHub(), Authorize: func(*fiber.Ctx, []string) error { return nil }}), false},
		{"Stream", func(c *fiber.Ctx) error {
			return Stream(c, func(ctx context.Context, w *EventWriter) error {
				<-ctx.Done()
				return nil
			})
		}, false},
		{"a raw stream writer that ignores shutdown", func(c *fiber.Ctx) error {
			c.Set("Content-Type", "text/event-stream")
			c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
				w.WriteString(": hi\n\n")
				w.Flush()
				time.Sleep(3 * time.Second)
			})
			return nil
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			app := fiber.New(fiber.Config{DisableStartupMessage: true})
			app.Get("/live", tc.handler)
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			go app.Listener(ln)
			var clients []*sseClient
			for i := 0; i < 3; i++ {
				clients = append(clients, openStream(t, "http://"+ln.Addr().String()+"/live?topic=t"))
			}
			for _, c := range clients {
				select {
				case <-c.events:
				case <-time.After(5 * time.Second):
					t.Fatal("no opening block")
				}
			}
			start := time.Now()
			err = app.ShutdownWithTimeout(1500 * time.Millisecond)
			t.Logf("app.ShutdownWithTimeout(1.5s) returned %v after %v", err, time.Since(start).Round(time.Millisecond))
			if tc.held != errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Shutdown: %v; held by the streams: want %v", err, tc.held)
			}
			if !tc.held {
				for _, c := range clients {
					if _, err := c.ended(time.Second); err != nil {
						t.Fatalf("stream not ended: %v", err)
					}
				}
			}
		})
	}
}
