package tests

// Browser tests of fiberfn's topics: a page subscribes with htmx 4's
// hx-sse extension or htmx 2's sse extension (the vendored builds, under
// a strict CSP), an event published on the server is swapped into it, and
// a stream that is cut reconnects and catches up without losing or
// doubling anything, on one instance or, through Redis, on another.

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"

	"github.com/redis/go-redis/v9"

	"github.com/fiberfn/fiberfn/ext/redisstore"
	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/fiberfn/fiberfn/internal/testsvc"
	"github.com/fiberfn/fiberfn/public"
)

// livePage is the test page: a list that events append to, a counter that
// each event replaces out of band, and the element that subscribes.
var livePage = template.Must(template.New("live").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>Live</title>
{{ .Config }}
<script src="{{ .HTMX }}"></script>
<script src="{{ .Ext }}"></script>
{{ if .Legacy }}<script src="{{ .Resume }}"></script>{{ end }}
</head><body>
<p>Events: <span id="count">0</span></p>
<ul id="list"></ul>
{{ if .Legacy -}}
<div id="live" hx-ext="sse" sse-connect="{{ .Connect }}" sse-swap="message" hx-target="#list" hx-swap="beforeend"></div>
{{- else -}}
<div id="live" hx-sse:connect="{{ .Connect }}" hx-target="#list" hx-swap="beforeend"></div>
{{- end }}
</body></html>`))

// liveCSP is the policy of the test page: no inline script or style.
const liveCSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// liveEvent is the n-th event: a row for the list and the counter, out of
// band.
func liveEvent(n int) string {
	return fmt.Sprintf("<li id=\"e-%d\">event %d</li>\n<span id=\"count\" hx-swap-oob=\"true\">%d</span>", n, n, n)
}

// liveTopic is the topic the page subscribes to.
const liveTopic = "page:tasks"

// liveInstance is one app instance serving the page and its subscription.
type liveInstance struct {
	URL string
	hub *fiberfn.Hub
}

// startLiveInstance serves the page (GET /?htmx=VERSION) and /live on hub.
func startLiveInstance(t *testing.T, hub *fiberfn.Hub) *liveInstance {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use("/public", filesystem.New(filesystem.Config{Root: http.FS(public.FS)}))
	app.Get("/", func(c *fiber.Ctx) error {
		version := c.Query("htmx", public.HTMXDefault)
		cursor, err := hub.Cursor(c.UserContext(), liveTopic)
		if err != nil {
			return err
		}
		c.Set("Content-Security-Policy", liveCSP)
		c.Type("html", "utf-8")
		return livePage.Execute(c, map[string]any{
			"Config":  template.HTML(htmx.ConfigMeta),
			"HTMX":    public.HTMXScript(version),
			"Ext":     public.SSEExtScript(version),
			"Resume":  "/public/" + public.SSEResumeFile,
			"Legacy":  strings.HasPrefix(version, "2."),
			"Connect": "/live?last-event-id=" + url.QueryEscape(cursor),
		})
	})
	app.Get("/live", fiberfn.Subscribe(fiberfn.SubscribeConfig{
		Hub:    hub,
		Topics: func(*fiber.Ctx) ([]string, error) { return []string{liveTopic}, nil },
		Key:    func(*fiber.Ctx) string { return "page" },
	}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(ln)
	t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
	return &liveInstance{URL: "http://" + ln.Addr().String(), hub: hub}
}

// switchingProxy is a load balancer in front of instances: it sends every
// new request to the current one, or, while down, resets every new
// connection (as when the instance behind it was killed).
type switchingProxy struct {
	URL     string
	current atomic.Pointer[url.URL]
	isDown  atomic.Bool
}

func startSwitchingProxy(t *testing.T, first string) *switchingProxy {
	t.Helper()
	p := &switchingProxy{}
	p.to(first)
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(p.current.Load())
			r.Out.Host = r.In.Host
		},
		FlushInterval: -1, // streams pass at once
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p.isDown.Load() {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				if tcp, ok := conn.(*net.TCPConn); ok {
					_ = tcp.SetLinger(0) // a reset, not a clean close
				}
				conn.Close()
			}
			return
		}
		rp.ServeHTTP(w, r)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	p.URL = "http://" + ln.Addr().String()
	return p
}

// down resets every new connection (true) or serves again (false).
func (p *switchingProxy) down(on bool) { p.isDown.Store(on) }

// to sends the next requests to base.
func (p *switchingProxy) to(base string) {
	u, _ := url.Parse(base)
	p.current.Store(u)
}

// liveTab is a browser tab on the page.
type liveTab struct {
	t   *testing.T
	ctx context.Context
}

func (b *liveTab) eval(expr string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it holds, for at most
// within, and returns how long it took.
func (b *liveTab) waitFor(what, cond string, within time.Duration) time.Duration {
	b.t.Helper()
	start := time.Now()
	poll := chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingInterval(5*time.Millisecond), chromedp.WithPollingTimeout(within))
	if _, err := chromedp.Run(b.ctx, poll); errors.Is(err, chromedp.ErrPollingTimeout) {
		b.t.Fatalf("%s: not within %v; the list has %s", what, within, b.rows())
	} else if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return time.Since(start)
}

// rows is the ids of the list's rows, in order, and the counter.
func (b *liveTab) rows() string {
	return b.eval(`Array.from(document.querySelectorAll('#list li')).map(l => l.id).join(' ') + ' | count ' + document.getElementById('count').textContent`)
}

// block makes the tab's requests to /live fail (true), as an extension or
// a proxy's error would, or pass (false).
func (b *liveTab) block(on bool) {
	b.t.Helper()
	var patterns []*network.BlockPattern
	if on {
		patterns = []*network.BlockPattern{{URLPattern: "*://*:*/live*", Block: true}}
	}
	if _, err := chromedp.Call(b.ctx, network.Enable, network.EnableParams{}); err != nil {
		b.t.Fatal(err)
	}
	if _, err := chromedp.Call(b.ctx, network.SetBlockedURLs, network.SetBlockedURLsParams{URLPatterns: patterns}); err != nil {
		b.t.Fatalf("block /live: %v", err)
	}
}

// expectRows checks that the list holds exactly events 1..n, in order, once
// each, and the counter says n.
func (b *liveTab) expectRows(n int) {
	b.t.Helper()
	var want []string
	for i := 1; i <= n; i++ {
		want = append(want, fmt.Sprintf("e-%d", i))
	}
	if got, w := b.rows(), strings.Join(want, " ")+fmt.Sprintf(" | count %d", n); got != w {
		b.t.Fatalf("the page shows %q, want %q", got, w)
	}
}

// How the page's reconnects fail while its stream is cut.
const (
	cutByReset = iota // the load balancer resets connections (an instance was killed)
	cutByBlock        // the browser blocks the requests (an EventSource gives up)
)

// liveJourney opens the page through proxy, publishes events (in turn on
// each of hubs) and checks that each is swapped in within a second; then
// cut ends the page's stream while its reconnects fail (how), and the
// events published meanwhile arrive once they succeed again, none lost or
// doubled.
func liveJourney(t *testing.T, version string, proxy *switchingProxy, hubs []*fiberfn.Hub, served func() int, cut func(), how int) {
	pageURL := proxy.URL
	b := &liveTab{t: t, ctx: newBrowser(t)}
	down := proxy.down
	if how == cutByBlock {
		down = b.block
	}
	if _, err := chromedp.Run(b.ctx, chromedp.Navigate(pageURL+"/?htmx="+version)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for served() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the page did not subscribe")
		}
		time.Sleep(5 * time.Millisecond)
	}
	n := 0
	publish := func() {
		t.Helper()
		n++
		if _, err := hubs[n%len(hubs)].Publish(context.Background(), liveTopic, fiberfn.Event{Data: liveEvent(n)}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 3; i++ {
		publish()
		took := b.waitFor(fmt.Sprintf("event %d on the page", n), fmt.Sprintf(`document.getElementById('count').textContent === '%d'`, n), time.Second)
		t.Logf("htmx %s: event %d swapped in %v after it was published", version, n, took.Round(time.Millisecond))
	}
	b.expectRows(3)

	// Cut the stream; the reconnects fail until they are let through.
	down(true)
	cut()
	for i := 0; i < 3; i++ {
		publish()
	}
	time.Sleep(1500 * time.Millisecond)
	b.expectRows(3)
	down(false)
	took := b.waitFor("the missed events after the reconnect", `document.getElementById('count').textContent === '6'`, 30*time.Second)
	t.Logf("htmx %s: caught up %v after the reconnects were let through", version, took.Round(time.Millisecond))
	b.expectRows(6)

	publish()
	b.waitFor("an event after the reconnect", `document.getElementById('count').textContent === '7'`, time.Second)
	// One more event as a marker: events arrive in order, so once it is
	// shown, anything doubled before it would be too.
	publish()
	b.waitFor("the marker event", `document.getElementById('count').textContent === '8'`, time.Second)
	b.expectRows(8)
}

func TestBrowserLiveSwapAndReconnect(t *testing.T) {
	for _, version := range []string{public.HTMXDefault, public.HTMXLegacy} {
		for _, how := range []int{cutByReset, cutByBlock} {
			name := map[int]string{cutByReset: "connections reset", cutByBlock: "requests blocked"}[how]
			t.Run("htmx "+version+"/"+name, func(t *testing.T) {
				hub := fiberfn.NewHub()
				inst := startLiveInstance(t, hub)
				liveJourney(t, version, startSwitchingProxy(t, inst.URL), []*fiberfn.Hub{hub}, hub.Connections, func() {
					if hub.Disconnect("page") != 1 {
						t.Fatal("no stream to cut")
					}
				}, how)
			})
		}
	}
}

// TestBrowserLiveTwoInstances runs the journey with the page on instance
// one and events published on both, through Redis; the cut sends the
// reconnect to instance two, which replays what the page missed from the
// shared stream.
func TestBrowserLiveTwoInstances(t *testing.T) {
	for _, version := range []string{public.HTMXDefault, public.HTMXLegacy} {
		t.Run("htmx "+version, func(t *testing.T) {
			if testing.Short() {
				t.Skip("starts a browser; skipped with -short")
			}
			redisURL, prefix := testsvc.Redis(t)
			var hubs []*fiberfn.Hub
			var insts []*liveInstance
			for i := 0; i < 2; i++ {
				opts, err := redis.ParseURL(redisURL)
				if err != nil {
					t.Fatal(err)
				}
				client := redis.NewClient(opts)
				broker := redisstore.NewBroker(client, redisstore.BrokerConfig{Prefix: prefix})
				t.Cleanup(func() { broker.Close(); client.Close() })
				hub := fiberfn.NewHub(fiberfn.HubConfig{Broker: broker})
				hubs = append(hubs, hub)
				insts = append(insts, startLiveInstance(t, hub))
			}
			proxy := startSwitchingProxy(t, insts[0].URL)
			liveJourney(t, version, proxy, hubs, hubs[0].Connections, func() {
				proxy.to(insts[1].URL)
				if hubs[0].Disconnect("page") != 1 {
					t.Fatal("no stream to cut on instance one")
				}
			}, cutByReset)
			if hubs[1].Connections() != 1 || hubs[0].Connections() != 0 {
				t.Fatalf("after the cut: %d streams on one, %d on two; want 0 and 1", hubs[0].Connections(), hubs[1].Connections())
			}
		})
	}
}
