package tests

// One Chromium journey with htmx 4 through HAProxy (issue 15): sign up,
// add tasks, reload; HAProxy balances every request, and the instance
// header of each answer proves that they landed on different instances,
// while the screen stays what the database holds.

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/public"
)

// testClusterBrowser is the journey.
func testClusterBrowser(t *testing.T) {
	t.Parallel()
	cl := startCluster(t, clusterConfig{})
	ctx := newBrowser(t)
	b := &demoTab{t: t, ctx: ctx, base: cl.front, js: true, htmx: public.HTMXDefault}
	params := page.AddScriptToEvaluateOnNewDocumentParams{Source: settleCounterJS}
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, params); err != nil {
		t.Fatalf("install the settle counter: %v", err)
	}
	watchConsole(t, ctx)

	// Which instance answered each request, from the X-Instance header.
	type answered struct{ method, path, instance string }
	var mu sync.Mutex
	var seen []answered
	methods := map[network.RequestID]string{}
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			methods[ev.RequestID] = ev.Request.Method
		case *network.EventResponseReceived:
			path := strings.TrimPrefix(ev.Response.URL, cl.front)
			seen = append(seen, answered{methods[ev.RequestID], path, header(ev.Response.Headers, "X-Instance")})
		}
	}); err != nil {
		t.Fatal(err)
	}

	b.signup("traveller", "traveller-password")
	titles := []string{"first stop", "second stop", "third stop", "fourth stop"}
	for _, title := range titles {
		b.addTask(title)
	}
	b.open("/")
	var onScreen []string
	got := b.shownTasks()
	for _, s := range slices.Backward(got) { // the list shows the newest first
		onScreen = append(onScreen, s.Title)
	}
	if stored := cl.tasks("traveller"); !slices.Equal(onScreen, stored) || !slices.Equal(stored, titles) {
		t.Errorf("the screen shows %q, the database holds %q, want %q", onScreen, stored, titles)
	}

	mu.Lock()
	defer mu.Unlock()
	all, adds := map[string]bool{}, map[string]bool{}
	for _, a := range seen {
		if a.instance == "" {
			t.Errorf("%s %s: no X-Instance header", a.method, a.path)
			continue
		}
		all[a.instance] = true
		if a.method == "POST" && strings.HasPrefix(a.path, "/api/add_task") {
			adds[a.instance] = true
		}
	}
	t.Logf("answers by instance: %v", seen)
	if len(all) != 3 {
		t.Errorf("the journey's %d requests were answered by %v, want all three instances", len(seen), all)
	}
	if len(adds) < 2 {
		t.Errorf("the %d adds (htmx posts) all landed on %v: want at least two instances", len(titles), adds)
	}
}
