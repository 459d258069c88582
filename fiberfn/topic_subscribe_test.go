package fiberfn

// Subscriptions over loopback: delivery, several topics, server-chosen
// topics, JSON lines, compression, order under concurrent publishers.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/template/html/v2"
)

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

// TestSubscribeThroughCompression: behind Fiber's compress middleware and
// the fiberfn plugin, a gzip stream still delivers each event at once
// (fasthttp flushes the compressor with every write of a stream).
func TestSubscribeThroughCompression(t *testing.T) {
	hub := NewHub()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(compress.New())
	app.Use(New(Config{Registry: NewRegistry()})) // the plugin for pages; this app has no functions
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

// TestHubPublishTemplate: a handler publishes a template rendered by the
// app's view engine (escaped as in a page), which subscribers receive as
// the unnamed event htmx swaps; without a view engine it is an error.
func TestHubPublishTemplate(t *testing.T) {
	hub := NewHub()
	engine := html.NewFileSystem(http.FS(testViews), ".html")
	app := fiber.New(fiber.Config{Views: engine, DisableStartupMessage: true})
	app.Get("/live", Subscribe(SubscribeConfig{Hub: hub, Authorize: func(*fiber.Ctx, []string) error { return nil }}))
	app.Post("/rename", func(c *fiber.Ctx) error {
		_, err := hub.PublishTemplate(c, "t", "task", fiber.Map{"Title": c.FormValue("title")})
		return err
	})
	bare := fiber.New(fiber.Config{DisableStartupMessage: true})
	bare.Post("/rename", func(c *fiber.Ctx) error {
		_, err := hub.PublishTemplate(c, "t", "task", nil)
		if !errors.Is(err, errNoViews) {
			t.Errorf("without views: %v", err)
		}
		return nil
	})
	srv := startApp(t, app)
	c := openStream(t, srv.base+"/live?topic=t")
	c.next()
	resp, err := http.PostForm(srv.base+"/rename", url.Values{"title": {"<b>Milk</b>"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ev := c.next(); ev.Name != "" || ev.Data != `<li id="task">&lt;b&gt;Milk&lt;/b&gt;</li>` {
		t.Fatalf("got %+v", ev)
	}
	if _, err := bare.Test(httptest.NewRequest("POST", "/rename", nil)); err != nil {
		t.Fatal(err)
	}
}
