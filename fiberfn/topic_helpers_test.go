package fiberfn

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
)

// liveServer is a Fiber app listening on loopback.
type liveServer struct {
	app  *fiber.App
	base string // http://127.0.0.1:port
}

// startApp serves app on a loopback port until the test ends.
func startApp(t testing.TB, app *fiber.App) *liveServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = app.Listener(ln)
	}()
	t.Cleanup(func() {
		_ = app.ShutdownWithTimeout(5 * time.Second)
		<-done
	})
	return &liveServer{app: app, base: "http://" + ln.Addr().String()}
}

// hubApp is an app that serves hub's topics at /live with cfg (Hub set
// to hub; the topics from the query, any allowed, unless cfg says).
func hubApp(t testing.TB, hub *Hub, cfg SubscribeConfig) *liveServer {
	t.Helper()
	cfg.Hub = hub
	if cfg.Topics == nil && cfg.Authorize == nil {
		cfg.Authorize = func(*fiber.Ctx, []string) error { return nil }
	}
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/live", Subscribe(cfg))
	return startApp(t, app)
}

// sseEvent is an event as a client parses it.
type sseEvent struct {
	ID, Name, Data string
	Retry          string
	Comment        bool
}

// sseClient reads an event stream the way the SSE specification parses
// it.
type sseClient struct {
	t      testing.TB
	resp   *http.Response
	r      *bufio.Reader
	cancel context.CancelFunc
	events chan sseEvent
	errc   chan error
}

// openStream GETs url with the headers kv (name, value, ...) and starts
// reading its events.
func openStream(t testing.TB, url string, kv ...string) *sseClient {
	t.Helper()
	c, err := tryOpenStream(url, kv...)
	if err != nil {
		t.Fatal(err)
	}
	if c.resp.StatusCode != 200 {
		b, _ := io.ReadAll(c.resp.Body)
		c.Close()
		t.Fatalf("GET %s: %d %s", url, c.resp.StatusCode, b)
	}
	c.t = t
	t.Cleanup(c.Close)
	go c.read()
	return c
}

// tryOpenStream GETs url and returns the client without checking the
// status or starting to read.
func tryOpenStream(url string, kv ...string) (*sseClient, error) {
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Accept", "text/event-stream")
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header.Set(kv[i], kv[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, err
	}
	return &sseClient{resp: resp, r: bufio.NewReader(resp.Body), cancel: cancel, events: make(chan sseEvent, 1024), errc: make(chan error, 1)}, nil
}

// Close cuts the stream.
func (c *sseClient) Close() {
	c.cancel()
	c.resp.Body.Close()
}

// read parses events (and comments, as events with Comment set) until the
// stream ends.
func (c *sseClient) read() {
	var ev sseEvent
	var data []string
	has := false
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			c.errc <- err
			close(c.events)
			return
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if has {
				ev.Data = strings.Join(data, "\n")
				c.events <- ev
			}
			ev, data, has = sseEvent{}, nil, false
			continue
		}
		if strings.HasPrefix(line, ":") {
			c.events <- sseEvent{Comment: true, Data: strings.TrimPrefix(strings.TrimPrefix(line, ":"), " ")}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		has = true
		switch field {
		case "id":
			ev.ID = value
		case "event":
			ev.Name = value
		case "data":
			data = append(data, value)
		case "retry":
			ev.Retry = value
		}
	}
}

// next returns the next event that is not a comment, failing the test
// after 5 s.
func (c *sseClient) next() sseEvent {
	c.t.Helper()
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				c.t.Fatalf("stream ended: %v", <-c.errc)
			}
			if !ev.Comment {
				return ev
			}
		case <-time.After(5 * time.Second):
			c.t.Fatal("no event within 5 s")
		}
	}
}

// ended waits for the stream to end and returns the events (comments
// left out) that came before.
func (c *sseClient) ended(within time.Duration) ([]sseEvent, error) {
	var evs []sseEvent
	timeout := time.After(within)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				err := <-c.errc
				if errors.Is(err, io.EOF) {
					err = nil
				}
				return evs, err
			}
			if !ev.Comment {
				evs = append(evs, ev)
			}
		case <-timeout:
			return evs, errors.New("stream still open")
		}
	}
}

// quiet fails the test if an event arrives within d.
func (c *sseClient) quiet(d time.Duration) {
	c.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case ev, ok := <-c.events:
			if !ok {
				return
			}
			if !ev.Comment {
				c.t.Fatalf("unexpected event %+v", ev)
			}
		case <-timeout:
			return
		}
	}
}

// waitUntil polls cond every 5 ms until it holds, failing after 5 s.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// discardLogger logs nothing.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// publish publishes data to topic and returns the id.
func publish(t testing.TB, hub *Hub, topic, data string) string {
	t.Helper()
	id, err := hub.Publish(context.Background(), topic, Event{Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return id
}
