package fiberfn

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
)

// publish publishes data to topic and returns the id.
func publish(t testing.TB, hub *Hub, topic, data string) string {
	t.Helper()
	id, err := hub.Publish(context.Background(), topic, Event{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestSubscribeDeliversPublished(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{})
	c := openStream(t, srv.base+"/live?topic=t1")
	if ct := c.resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cc := c.resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q", cc)
	}
	open := c.next()
	if open.Retry != "1000" || open.ID == "" || open.Data != "" {
		t.Fatalf("opening block %+v, want retry 1000 and the position", open)
	}
	fragment := "<li id=\"task-1\">a</li>\n<span id=\"counts\" hx-swap-oob=\"true\">1 open</span>"
	id := publish(t, hub, "t1", fragment)
	if ev := c.next(); ev.ID != id || ev.Data != fragment || ev.Name != "" {
		t.Fatalf("got %+v, want id %s and the fragment", ev, id)
	}
	named, err := hub.Publish(context.Background(), "t1", Event{Name: "tasks-changed", Data: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if ev := c.next(); ev.ID != named || ev.Name != "tasks-changed" {
		t.Fatalf("got %+v, want the named event", ev)
	}
	publish(t, hub, "other", "not for t1")
	c.quiet(50 * time.Millisecond)
}

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
	waitFor(t, "the stream to end", func() bool { return hub.Connections() == 0 })
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

func TestSubscribeSeveralTopics(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{})
	c := openStream(t, srv.base+"/live?topic=a&topic=b&topic=a")
	open := c.next()
	if strings.Count(open.ID, ",") != 1 {
		t.Fatalf("opening id %q, want one position per topic", open.ID)
	}
	ida := publish(t, hub, "a", "A1")
	ev := c.next()
	if ev.Data != "A1" || !strings.HasPrefix(ev.ID, ida+",") {
		t.Fatalf("got %+v, want A1 with id %s,...", ev, ida)
	}
	idb := publish(t, hub, "b", "B1")
	ev = c.next()
	if ev.ID != ida+","+idb {
		t.Fatalf("id %q, want %s,%s", ev.ID, ida, idb)
	}
	c.Close()
	a2 := publish(t, hub, "a", "A2")
	b2 := publish(t, hub, "b", "B2")
	c = openStream(t, srv.base+"/live?topic=a&topic=b", "Last-Event-ID", ev.ID)
	c.next()
	got := []string{c.next().ID, c.next().ID}
	if got[0] != a2+","+idb || got[1] != a2+","+b2 {
		t.Fatalf("replay ids %v", got)
	}
}

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
	waitFor(t, "the streams to end", func() bool { return hub.Connections() == 0 })
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

func TestSubscribeServerChosenTopics(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{
		Topics: func(c *fiber.Ctx) ([]string, error) {
			user := c.Get("X-User")
			if user == "" {
				return nil, fiber.ErrUnauthorized
			}
			return []string{"user:" + user + ":tasks"}, nil
		},
	})
	c, err := tryOpenStream(srv.base + "/live?topic=user:1:tasks")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	if c.resp.StatusCode != 401 {
		t.Fatalf("without a user: %d, want the Topics error's 401", c.resp.StatusCode)
	}
	s := openStream(t, srv.base+"/live?topic=user:1:tasks", "X-User", "2")
	s.next()
	publish(t, hub, "user:1:tasks", "someone else's")
	id := publish(t, hub, "user:2:tasks", "mine")
	if ev := s.next(); ev.ID != id {
		t.Fatalf("got %+v, want only user 2's event", ev)
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
	waitFor(t, "a's first stream to end", func() bool { return hub.Connections() == 2 })
	openStream(t, srv.base+"/live?topic=t", "X-User", "a")
}

func TestSubscribeJSONLines(t *testing.T) {
	hub := NewHub()
	srv := hubApp(t, hub, SubscribeConfig{})
	req, _ := http.NewRequest("GET", srv.base+"/live?topic=t", nil)
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		t.Fatalf("Content-Type %q", ct)
	}
	r := bufio.NewReader(resp.Body)
	line, _ := r.ReadString('\n')
	if !strings.HasPrefix(line, `{"id":"`) {
		t.Fatalf("first line %q, want the position", line)
	}
	id := publish(t, hub, "t", "<li>\"a\"</li>\n")
	line, _ = r.ReadString('\n')
	if want := `{"id":"` + id + `","data":"\u003cli\u003e\"a\"\u003c/li\u003e\n"}` + "\n"; line != want {
		t.Fatalf("got %q, want %q", line, want)
	}
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
	waitFor(t, "both subscriptions", func() bool { return hub.Connections() == 2 })
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

func TestSubscribeConcurrentPublishersKeepOrder(t *testing.T) {
	hub := NewHub(HubConfig{MaxPending: 1000})
	srv := hubApp(t, hub, SubscribeConfig{})
	const subs, pubs, each = 4, 4, 100
	clients := make([]*sseClient, subs)
	for i := range clients {
		clients[i] = openStream(t, srv.base+"/live?topic=t")
		clients[i].next()
	}
	var wg sync.WaitGroup
	for p := 0; p < pubs; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				publish(t, hub, "t", "x")
			}
		}()
	}
	wg.Wait()
	for _, c := range clients {
		prev := ""
		for i := 0; i < pubs*each; i++ {
			ev := c.next()
			if prev != "" && CompareEventIDs(prev, ev.ID) >= 0 {
				t.Fatalf("event %d: %s after %s", i, ev.ID, prev)
			}
			prev = ev.ID
		}
	}
}

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

func TestStreamSendsEventsAndErrors(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/ok", func(c *fiber.Ctx) error {
		n := c.QueryInt("n")
		return Stream(c, func(ctx context.Context, w *EventWriter) error {
			for i := 0; i < n; i++ {
				if err := w.Send(Event{Data: fmt.Sprint(i)}); err != nil {
					return err
				}
			}
			return nil
		})
	})
	app.Get("/user-error", func(c *fiber.Ctx) error {
		return Stream(c, func(ctx context.Context, w *EventWriter) error {
			_ = w.Send(Event{Data: "half"})
			return ServerError("Line 3001: no title.", 422)
		})
	})
	app.Get("/internal-error", func(c *fiber.Ctx) error {
		return Stream(c, func(ctx context.Context, w *EventWriter) error {
			return errors.New("database password is hunter2")
		}, StreamConfig{Logger: discardLogger()})
	})
	app.Get("/bad-field", func(c *fiber.Ctx) error {
		return Stream(c, func(ctx context.Context, w *EventWriter) error {
			if err := w.Send(Event{Name: "a\nb"}); !errors.Is(err, errEventField) {
				t.Errorf("Send with a bad name: %v", err)
			}
			return nil
		})
	})
	srv := startApp(t, app)
	tests := []struct {
		path string
		want []sseEvent
	}{
		{"/ok?n=3", []sseEvent{{Retry: "1000"}, {Data: "0"}, {Data: "1"}, {Data: "2"}}},
		{"/user-error", []sseEvent{{Retry: "1000"}, {Data: "half"}, {Name: ErrorEvent, Data: "Line 3001: no title."}}},
		{"/internal-error", []sseEvent{{Retry: "1000"}, {Name: ErrorEvent, Data: internalMessage}}},
		{"/bad-field", []sseEvent{{Retry: "1000"}}},
	}
	for _, tt := range tests {
		c := openStream(t, srv.base+tt.path)
		evs, err := c.ended(5 * time.Second)
		if err != nil || fmt.Sprint(evs) != fmt.Sprint(tt.want) {
			t.Errorf("%s: got %+v, %v; want %+v", tt.path, evs, err, tt.want)
		}
	}
}

func TestStreamHeartbeat(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/s", func(c *fiber.Ctx) error {
		return Stream(c, func(ctx context.Context, w *EventWriter) error {
			<-ctx.Done()
			return nil
		}, StreamConfig{Heartbeat: 20 * time.Millisecond})
	})
	hub := NewHub(HubConfig{Stream: StreamConfig{Heartbeat: 20 * time.Millisecond}})
	app.Get("/live", Subscribe(SubscribeConfig{Hub: hub, Authorize: func(*fiber.Ctx, []string) error { return nil }}))
	srv := startApp(t, app)
	for _, path := range []string{"/s", "/live?topic=t"} {
		c := openStream(t, srv.base+path)
		comments := 0
		timeout := time.After(5 * time.Second)
		for comments < 3 {
			select {
			case ev := <-c.events:
				if ev.Comment {
					comments++
				}
			case <-timeout:
				t.Fatalf("%s: %d heartbeats in 5 s", path, comments)
			}
		}
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
	waitFor(t, "a's streams to be counted out", func() bool { return hub.Connections() == 1 })
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

// TestSubscribeThroughCompression: behind Fiber's compress middleware and
// the fiberfn plugin, a gzip stream still delivers each event at once
// (fasthttp flushes the compressor with every write of a stream).
func TestSubscribeThroughCompression(t *testing.T) {
	hub := NewHub()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(compress.New())
	app.Use(New())
	app.Get("/live", Subscribe(SubscribeConfig{Hub: hub, Authorize: func(*fiber.Ctx, []string) error { return nil }}))
	srv := startApp(t, app)
	c := openStream(t, srv.base+"/live?topic=t") // Go's client asks for gzip and decodes it
	if !c.resp.Uncompressed {
		t.Fatal("the stream was not compressed; this test proves nothing")
	}
	c.next()
	for i := 0; i < 3; i++ {
		id := publish(t, hub, "t", fmt.Sprint(i))
		if ev := c.next(); ev.ID != id {
			t.Fatalf("got %+v, want %s", ev, id)
		}
	}
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
