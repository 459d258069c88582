package fiberfn

// Refusals and limits: hostile and cross-site input, required
// configuration, the per-key limit, slow consumers, Disconnect.

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

func TestSubscribeRefusals(t *testing.T) {
	hub := NewHub()
	authorize := func(c *fiber.Ctx, topics []string) error {
		for _, t := range topics {
			if t == "secret" {
				return errors.New("no")
			}
			if t == "gone" {
				return fiber.ErrNotFound
			}
		}
		return nil
	}
	srv := hubApp(t, hub, SubscribeConfig{Authorize: authorize, TrustedOrigins: []string{"https://trusted.example"}})
	many := strings.Repeat("&topic=x", 17)
	tests := []struct {
		name   string
		query  string
		kv     []string
		status int
	}{
		{"no topic", "", nil, 400},
		{"empty topic", "topic=", nil, 400},
		{"too many topics", many[1:], nil, 400},
		{"space", "topic=a%20b", nil, 400},
		{"NUL", "topic=a%00", nil, 400},
		{"newline", "topic=a%0Ab", nil, 400},
		{"non-ASCII", "topic=t%C3%A9", nil, 400},
		{"too long", "topic=" + strings.Repeat("a", 257), nil, 400},
		{"refused by Authorize", "topic=secret", nil, 403},
		{"Authorize's status kept", "topic=gone", nil, 404},
		{"cross-site", "topic=ok", []string{"Sec-Fetch-Site", "cross-site"}, 403},
		{"same-site", "topic=ok", []string{"Sec-Fetch-Site", "same-site", "Origin", "https://sub.example"}, 403},
		{"foreign Origin", "topic=ok", []string{"Origin", "https://evil.example"}, 403},
		{"trusted origin", "topic=ok", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://trusted.example"}, 200},
		{"same-origin browser", "topic=ok", []string{"Sec-Fetch-Site", "same-origin"}, 200},
		{"htmx 4 partial", "topic=ok", []string{"HX-Request", "true", "HX-Request-Type", "partial", "Accept", "text/html, text/event-stream"}, 200},
		{"htmx 2 EventSource", "topic=ok", []string{"Accept", "text/event-stream", "Sec-Fetch-Mode", "cors", "Sec-Fetch-Site", "same-origin"}, 200},
		{"plain browser", "topic=ok", []string{"Accept", "text/html", "Sec-Fetch-Site", "none"}, 200},
		{"boosted", "topic=ok", []string{"HX-Request", "true", "HX-Boosted", "true", "Accept", "text/html, text/event-stream"}, 200},
		{"htmx 4 full page", "topic=ok", []string{"HX-Request", "true", "HX-Request-Type", "full", "Accept", "text/html, text/event-stream"}, 200},
		{"history restore", "topic=ok", []string{"HX-History-Restore-Request", "true", "HX-Request-Type", "full"}, 200},
		{"no browser headers", "topic=ok", nil, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := tryOpenStream(srv.base+"/live?"+tt.query, tt.kv...)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if c.resp.StatusCode != tt.status {
				b, _ := io.ReadAll(c.resp.Body)
				t.Fatalf("status %d (%s), want %d", c.resp.StatusCode, b, tt.status)
			}
			if tt.status == 200 && !strings.HasPrefix(c.resp.Header.Get("Content-Type"), "text/event-stream") {
				t.Fatalf("Content-Type %q", c.resp.Header.Get("Content-Type"))
			}
		})
	}
	waitUntil(t, "the streams to end", func() bool { return hub.Connections() == 0 })
}

func TestSubscribeRequiresConfig(t *testing.T) {
	for name, cfg := range map[string]SubscribeConfig{
		"no hub":                      {Authorize: func(*fiber.Ctx, []string) error { return nil }},
		"topics from query, no check": {Hub: NewHub()},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Subscribe did not panic", name)
				}
			}()
			Subscribe(cfg)
		}()
	}
}

func TestSubscribePerKeyLimit(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{MaxPerKey: 2, Key: func(c *fiber.Ctx) string { return c.Get("X-User") }})
	a1 := openStream(t, srv.base+"/live?topic=t", "X-User", "a")
	openStream(t, srv.base+"/live?topic=t", "X-User", "a")
	c, err := tryOpenStream(srv.base+"/live?topic=t", "X-User", "a")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if c.resp.StatusCode != 429 || c.resp.Header.Get("Retry-After") != "5" {
		t.Fatalf("third stream of a: %d Retry-After %q, want 429 and 5", c.resp.StatusCode, c.resp.Header.Get("Retry-After"))
	}
	openStream(t, srv.base+"/live?topic=t", "X-User", "b")
	a1.Close()
	waitUntil(t, "a's first stream to end", func() bool { return hub.Connections() == 2 })
	openStream(t, srv.base+"/live?topic=t", "X-User", "a")
}

func TestSubscribeDropsSlowConsumer(t *testing.T) {
	hub := NewHub(HubConfig{MaxPending: 4, Stream: StreamConfig{WriteTimeout: time.Second}})
	srv := hubApp(t, hub, SubscribeConfig{})
	// A client that subscribes and then never reads.
	conn, err := net.Dial("tcp", strings.TrimPrefix(srv.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /live?topic=t HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
	// A client that reads everything.
	fast := openStream(t, srv.base+"/live?topic=t")
	fast.next()
	waitUntil(t, "both subscriptions", func() bool { return hub.Connections() == 2 })
	big := strings.Repeat("x", 64<<10)
	var ids []string
	for i := 0; hub.Connections() == 2; i++ {
		if i > 10000 {
			t.Fatal("the slow consumer was never dropped")
		}
		ids = append(ids, publish(t, hub, "t", big))
		ev := fast.next()
		if ev.ID != ids[len(ids)-1] {
			t.Fatalf("the fast client got %s, want %s", ev.ID, ids[len(ids)-1])
		}
	}
	t.Logf("dropped after %d events of 64 KiB", len(ids))
	// Its connection is closed within WriteTimeout: reading the socket
	// reaches the end.
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.Copy(io.Discard, conn); err != nil {
		t.Fatalf("the slow consumer's connection was not closed: %v", err)
	}
}

func TestHubDisconnectEndsAKeysStreams(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{Key: func(c *fiber.Ctx) string { return c.Get("X-User") }})
	a1 := openStream(t, srv.base+"/live?topic=t", "X-User", "a")
	a2 := openStream(t, srv.base+"/live?topic=t", "X-User", "a")
	b := openStream(t, srv.base+"/live?topic=t", "X-User", "b")
	for _, c := range []*sseClient{a1, a2, b} {
		c.next()
	}
	if n := hub.Disconnect("a"); n != 2 {
		t.Fatalf("Disconnect ended %d streams, want 2", n)
	}
	for _, c := range []*sseClient{a1, a2} {
		if _, err := c.ended(5 * time.Second); err != nil {
			t.Fatal(err)
		}
	}
	id := publish(t, hub, "t", "x")
	if ev := b.next(); ev.ID != id {
		t.Fatalf("b's stream: %+v", ev)
	}
	waitUntil(t, "a's streams to be counted out", func() bool { return hub.Connections() == 1 })
}

// TestSubscribeOverLimitKeepsEventSourceResuming: over the per-key limit,
// htmx 4 and fresh connections get 429; an EventSource's reconnect gets a
// stream that only says when to retry, so it keeps its Last-Event-ID.
func TestSubscribeOverLimitKeepsEventSourceResuming(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{MaxPerKey: 1, RetryAfter: 3 * time.Second, Key: func(c *fiber.Ctx) string { return "k" }})
	first := openStream(t, srv.base+"/live?topic=t")
	id := first.next().ID
	for _, tt := range []struct {
		name   string
		kv     []string
		status int
	}{
		{"fresh", nil, 429},
		{"htmx 4 reconnect", []string{"Last-Event-ID", id, "HX-Request", "true"}, 429},
		{"JSON reconnect", []string{"Last-Event-ID", id, "Accept", "application/json"}, 429},
		{"EventSource reconnect", []string{"Last-Event-ID", id}, 200},
	} {
		c, err := tryOpenStream(srv.base+"/live?topic=t", tt.kv...)
		if err != nil {
			t.Fatal(err)
		}
		if c.resp.StatusCode != tt.status {
			t.Fatalf("%s: %d, want %d", tt.name, c.resp.StatusCode, tt.status)
		}
		if tt.status == 200 {
			c.t = t
			go c.read()
			evs, err := c.ended(5 * time.Second)
			if err != nil || len(evs) != 1 || evs[0].Retry != "3000" || evs[0].ID != "" {
				t.Fatalf("%s: %+v, %v; want only retry: 3000", tt.name, evs, err)
			}
		}
		c.Close()
	}
}
