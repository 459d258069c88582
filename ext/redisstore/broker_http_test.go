package redisstore

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"
)

// instance is one app instance: a hub on a Redis broker, serving /live.
type instance struct {
	hub  *fiberfn.Hub
	base string
}

func startInstance(t testing.TB, client redis.UniversalClient, prefix string) *instance {
	t.Helper()
	hub := fiberfn.NewHub(fiberfn.HubConfig{Broker: newBroker(t, client, prefix)})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/live", fiberfn.Subscribe(fiberfn.SubscribeConfig{Hub: hub, Authorize: func(*fiber.Ctx, []string) error { return nil }}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return &instance{hub: hub, base: "http://" + ln.Addr().String()}
}

// stream is an SSE client that reads "id:"/"data:" pairs.
type stream struct {
	t    testing.TB
	resp *http.Response
	evs  chan [2]string // id, data
}

func openSSE(t testing.TB, url string, lastEventID string) *stream {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	s := &stream{t: t, resp: resp, evs: make(chan [2]string, 100)}
	t.Cleanup(func() { resp.Body.Close() })
	go func() {
		defer close(s.evs)
		r := bufio.NewReader(resp.Body)
		var id, data string
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "":
				if data != "" || id != "" {
					s.evs <- [2]string{id, data}
				}
				id, data = "", ""
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case strings.HasPrefix(line, "event: "):
				data = "event " + line[7:] + " " + data
			}
		}
	}()
	return s
}

func (s *stream) next() (id, data string) {
	s.t.Helper()
	select {
	case ev, ok := <-s.evs:
		if !ok {
			s.t.Fatal("stream ended")
		}
		return ev[0], ev[1]
	case <-time.After(5 * time.Second):
		s.t.Fatal("no event within 5 s")
	}
	return "", ""
}

// TestTwoInstances: a page subscribed on one instance gets what another
// instance publishes, and a page that reconnects to the other instance
// gets what it missed, from the shared stream.
func TestTwoInstances(t *testing.T) {
	client, prefix := testRedis(t)
	one := startInstance(t, client, prefix)
	two := startInstance(t, newClient(t, client, nil), prefix)
	ctx := context.Background()

	onTwo := openSSE(t, two.base+"/live?topic=user:1:tasks", "")
	onTwo.next() // wait: the stream's opening is written once it listens
	id, err := one.hub.Publish(ctx, "user:1:tasks", fiberfn.Event{Data: "<li>from one</li>"})
	if err != nil {
		t.Fatal(err)
	}
	if gotID, data := onTwo.next(); gotID != id || data != "<li>from one</li>" {
		t.Fatalf("instance two got %s %q, want %s", gotID, data, id)
	}

	onOne := openSSE(t, one.base+"/live?topic=user:1:tasks", "")
	onOne.next()
	a, _ := two.hub.Publish(ctx, "user:1:tasks", fiberfn.Event{Data: "a"})
	if gotID, _ := onOne.next(); gotID != a {
		t.Fatalf("instance one got %s, want %s", gotID, a)
	}
	onOne.resp.Body.Close()
	// Published while the page is away, on both instances.
	b, _ := one.hub.Publish(ctx, "user:1:tasks", fiberfn.Event{Data: "b"})
	c, _ := two.hub.Publish(ctx, "user:1:tasks", fiberfn.Event{Data: "c"})
	back := openSSE(t, two.base+"/live?topic=user:1:tasks", a)
	for _, want := range []string{b, c} {
		if gotID, _ := back.next(); gotID != want {
			t.Fatalf("replay on the other instance: %s, want %s", gotID, want)
		}
	}
	d, _ := one.hub.Publish(ctx, "user:1:tasks", fiberfn.Event{Data: "d"})
	if gotID, _ := back.next(); gotID != d {
		t.Fatalf("live after replay: %s, want %s", gotID, d)
	}
}
