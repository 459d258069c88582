package tests

// The real-browser proofs of issue 8: what htmx 4.0.1 and htmx 2.0.11
// really send, in Chromium, for boosted forms, history restore after a
// logout in another tab, Navigate (HX-Location), out-of-band updates and
// double-submitted once-only forms, and what fiberfn answers. Each test
// runs a purpose-made app (browser_protocol_app_test.go) that logs every
// request's htmx headers and every answer's status and redirect headers;
// the comments say what htmx did, as the logs showed it.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/public"
)

// protoVersions are the htmx versions every scenario runs with.
var protoVersions = []string{public.HTMXDefault, public.HTMXLegacy}

// protoTab is a browser tab on a protoApp. It has demoTab's helpers
// (open, fill, text, mark/reloaded...) and waits of its own that survive
// page loads.
type protoTab struct {
	*demoTab
	app *protoApp
}

// openProto starts the app for an htmx version and a browser tab on it,
// with JavaScript on or off.
func openProto(t *testing.T, version string, js bool) (*protoApp, *protoTab) {
	t.Helper()
	a := startProtoApp(t, version)
	var opts []browserOption
	if !js {
		opts = append(opts, withoutJS())
	}
	ctx := newBrowser(t, opts...)
	if js {
		params := page.AddScriptToEvaluateOnNewDocumentParams{Source: settleCounterJS}
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, params); err != nil {
			t.Fatalf("install the settle counter: %v", err)
		}
	}
	watchConsole(t, ctx)
	b := &protoTab{demoTab: &demoTab{t: t, ctx: ctx, base: a.URL, js: js, htmx: version}, app: a}
	t.Cleanup(func() {
		if t.Failed() {
			a.dumpRequests(t, "on failure")
			if html, err := b.try(`document.documentElement.outerHTML`); err == nil {
				t.Logf("the page at failure:\n%s", html)
			}
		}
	})
	return a, b
}

// try evaluates a JavaScript expression that yields a string, returning
// the error instead of failing the test.
func (b *protoTab) try(expr string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[string](expr))
}

// waitUntil polls the JavaScript condition cond until it holds, across
// page loads (an evaluation that fails while a page loads counts as
// false), and fails the test naming what after swapTimeout.
func (b *protoTab) waitUntil(what, cond string) {
	b.t.Helper()
	deadline := time.Now().Add(swapTimeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not within %v (last error: %v)", what, swapTimeout, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitQuiet waits until the server has served nothing for quiet and the
// page is at rest: htmx idle with JavaScript, loaded without.
func (b *protoTab) waitQuiet(what string, quiet time.Duration) {
	b.t.Helper()
	cond := htmxIdleJS
	if !b.js {
		cond = `document.readyState === "complete"`
	}
	deadline := time.Now().Add(stepTimeout)
	for {
		if b.app.quietFor(quiet) {
			ctx, cancel := context.WithTimeout(b.ctx, 2*time.Second)
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
			cancel()
			if err == nil && ok && b.app.quietFor(quiet) {
				return
			}
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: the page and the server did not come to rest within %v", what, stepTimeout)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// click clicks sel (a real mouse click), without waiting for anything.
func (b *protoTab) click(sel string) {
	b.t.Helper()
	b.run("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// reload reloads the page and checks that it answers 200.
func (b *protoTab) reload() {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Reload())
	if err != nil {
		b.t.Fatalf("reload: %v", err)
	}
	if resp.Status != 200 {
		b.t.Fatalf("reload %s: status %d, want 200", resp.URL, resp.Status)
	}
	b.mark()
}

// title returns document.title.
func (b *protoTab) title() string {
	b.t.Helper()
	return eval[string](b.demoTab, `document.title`)
}

// expectPage checks the path in the address bar, the document title and
// the page's heading.
func (b *protoTab) expectPage(path, title, heading string) {
	b.t.Helper()
	if got := b.location(); got != path {
		b.t.Errorf("the address bar shows %s, want %s", got, path)
	}
	if got := b.title(); got != title {
		b.t.Errorf("document.title = %q, want %q", got, title)
	}
	b.expectText("#heading", heading)
}

// lastRequest returns the last logged request with the method and path,
// failing the test when there is none.
func (a *protoApp) lastRequest(t *testing.T, method, path string) protoRequest {
	t.Helper()
	reqs := a.requests(path)
	for i := len(reqs) - 1; i >= 0; i-- {
		if reqs[i].Method == method {
			return reqs[i]
		}
	}
	a.dumpRequests(t, "missing "+method+" "+path)
	t.Fatalf("the server saw no %s %s", method, path)
	return protoRequest{}
}

// expectHeaders checks request (req) or response headers of a logged
// request: each name must have the value, "" meaning absent.
func expectHeaders(t *testing.T, r protoRequest, side string, want map[string]string) {
	t.Helper()
	got := r.Req
	if side == "response" {
		got = r.Resp
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s %s: %s header %s = %q, want %q", r.Method, r.Path, side, k, got[k], v)
		}
	}
}

// htmx4 reports whether the app serves htmx 4.
func (a *protoApp) htmx4() bool { return strings.HasPrefix(a.HTMX, "4.") }

// TestBrowserProtocolBoostedForm: a form in an hx-boost="true" body posts
// (plain action= and method=post) to server functions. The browser must
// end on the page the form is on, re-rendered with the new record (and
// the function's Notify message, once), with the page's URL and title,
// and a reload must work; a function that
// redirects sends it to the target; a validation error shows on the page
// through Flash with the typed value.
//
// What htmx does (server log):
//   - htmx 4: POST /api/add_record with HX-Request, HX-Boosted: true and
//     HX-Request-Type: full (the boosted target is <body>); fiberfn answers
//     302 to the Referer; fetch follows it and sends GET /records with the
//     same headers (fetch keeps them across a redirect), which the page
//     answers with the whole page (WantsFragment is false); htmx takes the
//     <title>, swaps the <body> and pushes response.url, /records.
//   - htmx 2: the same POST with HX-Request and HX-Boosted (no
//     HX-Request-Type); XHR follows the 302 with the same headers; htmx
//     swaps the body's children in, sets the title and pushes
//     xhr.responseURL.
func TestBrowserProtocolBoostedForm(t *testing.T) {
	for _, v := range protoVersions {
		t.Run("htmx-"+v, func(t *testing.T) {
			a, b := openProto(t, v, true)
			b.open("/records")
			b.expectPage("/records", "Records", "Records")

			// A record is added: the Referer page comes back with it.
			b.fill("#title", "Milk")
			b.click("#add")
			b.waitUntil("the page shows the new record", `document.querySelectorAll("#records li").length === 1 && `+htmxIdleJS)
			if b.reloaded() {
				t.Errorf("the page reloaded; want htmx to swap the boosted answer in")
			}
			b.expectPage("/records", "Records", "Records")
			b.expectText("#records li", "Milk")
			b.expectText("#notice", "Record added.") // Notify, carried across the 302
			if b.exists("#records #records, body body, #add-form #add-form") {
				t.Errorf("the answer was nested inside the old page")
			}
			post := a.lastRequest(t, "POST", "/api/add_record")
			want := map[string]string{"HX-Request": "true", "HX-Boosted": "true"}
			if a.htmx4() {
				want["HX-Request-Type"] = "full"
			}
			expectHeaders(t, post, "request", want)
			if post.Status != 302 || post.Resp["Location"] != "/records" {
				t.Errorf("POST /api/add_record answered %d, Location %q; want 302 back to /records", post.Status, post.Resp["Location"])
			}
			get := a.lastRequest(t, "GET", "/records")
			expectHeaders(t, get, "request", want)
			if get.Status != 200 {
				t.Errorf("GET /records (the followed redirect) answered %d", get.Status)
			}
			a.dumpRequests(t, "boosted form, success")

			// The address bar holds the page's URL: a reload shows it
			// again (not a 405 of GET /api/add_record).
			b.reload()
			b.expectPage("/records", "Records", "Records")
			b.expectText("#records li", "Milk")
			if b.exists("#notice") {
				t.Errorf("the notice is still shown after a reload; want it read once")
			}

			// A validation error: the page shows it through Flash, with
			// the typed value.
			a.clearLog()
			b.fill("#title", "ab")
			b.click("#add")
			b.waitUntil("the page shows the error", `document.querySelector("#form-error") && `+htmxIdleJS)
			if b.reloaded() {
				t.Errorf("the page reloaded; want htmx to swap the boosted answer in")
			}
			b.expectPage("/records", "Records", "Records")
			b.expectText("#form-error", "Please correct the highlighted fields.")
			b.expectText("#title-error", "A title has at least 3 characters.")
			b.expectValue("#title", "ab")
			if n := eval[int](b.demoTab, `document.querySelectorAll("#records li").length`); n != 1 {
				t.Errorf("%d records shown after the error, want 1", n)
			}
			post = a.lastRequest(t, "POST", "/api/add_record")
			if post.Status != 302 || post.Resp["Location"] != "/records" {
				t.Errorf("POST /api/add_record with an error answered %d, Location %q; want 302 back to /records (the flash carries the error)", post.Status, post.Resp["Location"])
			}
			a.dumpRequests(t, "boosted form, validation error")

			// The flash is read once: a reload shows the page without it.
			b.reload()
			if b.exists("#form-error") {
				t.Errorf("the error is still shown after a reload")
			}

			// A function that redirects sends the browser to the target.
			a.clearLog()
			b.click("#go")
			b.waitUntil("the browser lands on /other", `location.pathname === "/other" && document.querySelector("#heading")?.textContent === "Other page" && `+htmxIdleJS)
			if b.reloaded() {
				t.Errorf("the page reloaded; want htmx to swap the boosted answer in")
			}
			b.expectPage("/other", "Other", "Other page")
			post = a.lastRequest(t, "POST", "/api/go_other")
			if post.Status != 302 || post.Resp["Location"] != "/other" {
				t.Errorf("POST /api/go_other answered %d, Location %q; want 302 to /other", post.Status, post.Resp["Location"])
			}
			a.dumpRequests(t, "boosted form, Redirect")
			b.reload()
			b.expectPage("/other", "Other", "Other page")

			a.mu.Lock()
			records := slices.Clone(a.records)
			a.mu.Unlock()
			if !slices.Equal(records, []string{"Milk"}) {
				t.Errorf("the server stored %q, want [Milk]", records)
			}
		})
	}
}

// TestBrowserProtocolHistoryRestoreAfterLogout: a visitor navigates with
// htmx (boosted links) from /private to /other, logs out in another tab,
// and goes Back. htmx misses its history cache and asks the server for
// /private, which now redirects to /login with fiberfn.Redirect: the tab
// must show the login page, not a blank one.
//
// What htmx does (server log):
//   - htmx 4 keeps no history cache: on a traverse to an entry it pushed
//     (its Navigation API "navigate" listener in Chromium) it always asks
//     the server, with only HX-History-Restore-Request: true and
//     HX-Request-Type: full (no HX-Request: its restore options replace
//     the request's core headers). fiberfn answers a real 302; fetch
//     follows it with the same headers to /login, whose whole page htmx
//     swaps into <body> ("outerSync") with its title.
//   - htmx 2.0.11 caches pages in sessionStorage ("htmx-history-cache"; not
//     localStorage); the test removes it to force the miss. On popstate it
//     sends an XHR with HX-Request: true (historyRestoreAsHxRequest),
//     HX-History-Restore-Request: true and HX-Current-URL; fiberfn
//     answers 302, XHR follows with the same headers, and htmx swaps the
//     login page's body in and takes its title.
//
// Both leave the address bar at /private (the history entry traversed to):
// neither version learns the URL a restore request was redirected to.
func TestBrowserProtocolHistoryRestoreAfterLogout(t *testing.T) {
	for _, v := range protoVersions {
		t.Run("htmx-"+v, func(t *testing.T) {
			a, b := openProto(t, v, true)
			b.open("/signin") // sets the cookie, redirects to /private
			b.expectPage("/private", "Private", "Private")

			b.click("#to-other") // a boosted link
			b.waitUntil("htmx loads /other", `location.pathname === "/other" && document.querySelector("#heading")?.textContent === "Other page" && `+htmxIdleJS)
			if b.reloaded() {
				t.Fatalf("the boosted link reloaded the page; want htmx to load it")
			}
			b.expectPage("/other", "Other", "Other page")
			expectHeaders(t, a.lastRequest(t, "GET", "/other"), "request", map[string]string{"HX-Request": "true", "HX-Boosted": "true"})

			// Log out in another tab of the same browser.
			tab, closeTab := chromedp.NewContext(b.ctx)
			if err := chromedp.Do(tab, chromedp.Navigate(a.URL+"/logout")); err != nil {
				t.Fatalf("log out in another tab: %v", err)
			}
			if h, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("#heading"))); err != nil || h != "Logged out" {
				t.Fatalf("the other tab shows %q (%v), want the logged-out page", h, err)
			}
			closeTab()

			// Force a history cache miss.
			if a.htmx4() {
				t.Logf("htmx 4 has no history cache: %s", eval[string](b.demoTab, `String(htmx.config.history)`))
			} else {
				// htmx.ConfigMeta sets historyCacheSize 0: htmx 2 keeps no
				// copy of a page in sessionStorage (where a private page
				// would outlive the logout), so Back always misses.
				cached := eval[string](b.demoTab, `JSON.parse(sessionStorage.getItem("htmx-history-cache") ?? "[]").map(i => i.url).join(" ")`)
				if size := eval[float64](b.demoTab, `htmx.config.historyCacheSize`); size != 0 || cached != "" {
					t.Errorf("htmx 2 history cache: size %v, holds %q; want none (htmx.ConfigMeta)", size, cached)
				}
				eval[chromedp.Void](b.demoTab, `sessionStorage.removeItem("htmx-history-cache")`)
			}

			a.clearLog()
			eval[chromedp.Void](b.demoTab, `history.back()`)
			b.waitUntil("Back shows the login page", `document.querySelector("#heading")?.textContent === "Log in" && `+htmxIdleJS)
			a.dumpRequests(t, "history restore after logout")
			if b.reloaded() {
				t.Errorf("Back reloaded the page; want htmx to restore it")
			}
			if got := b.title(); got != "Log in" {
				t.Errorf("document.title = %q, want %q", got, "Log in")
			}
			b.expectText("#login-page", "Please log in.")
			if b.exists("#secret") {
				t.Errorf("the private page is still shown")
			}
			if b.exists("body body") {
				t.Errorf("the login page was nested inside the body")
			}
			t.Logf("after Back the address bar shows %s", b.location())

			restore := a.lastRequest(t, "GET", "/private")
			want := map[string]string{"HX-History-Restore-Request": "true"}
			if a.htmx4() {
				want["HX-Request-Type"] = "full"
				want["HX-Request"] = ""
			} else {
				want["HX-Request"] = "true"
			}
			expectHeaders(t, restore, "request", want)
			if restore.Status != 302 || restore.Resp["Location"] != "/login" {
				t.Errorf("the restore request for /private answered %d, Location %q, HX-Redirect %q; want a real 302 to /login",
					restore.Status, restore.Resp["Location"], restore.Resp["HX-Redirect"])
			}
			login := a.lastRequest(t, "GET", "/login")
			expectHeaders(t, login, "request", want)
			if login.Status != 200 {
				t.Errorf("GET /login (the followed redirect) answered %d", login.Status)
			}

			// A reload of the entry lands on the login page too.
			b.reload()
			b.expectPage("/login", "Log in", "Log in")
		})
	}
}

// TestBrowserProtocolNavigate: a button posts with hx-post into a small
// target, and the function calls fiberfn.Navigate: the browser must show
// the whole destination page, with its title, not nested in the target,
// and push its URL.
//
// What htmx does (server log): POST /api/navigate (htmx 4 adds
// HX-Request-Type: partial); fiberfn answers 200 with
// HX-Location {"path":"/dest","target":"body","headers":{"HX-Request-Type":"full"}}.
// Both versions then GET /dest with HX-Request: true and
// HX-Request-Type: full (htmx 2 only because of the headers in
// HX-Location; htmx 4 also because the target is <body>), get the whole
// page, swap its body's children into <body>, take its title and push
// /dest.
func TestBrowserProtocolNavigate(t *testing.T) {
	for _, v := range protoVersions {
		t.Run("htmx-"+v, func(t *testing.T) {
			a, b := openProto(t, v, true)
			b.open("/start")
			b.expectPage("/start", "Start", "Start")

			b.click("#navigate")
			b.waitUntil("the destination page shows", `location.pathname === "/dest" && document.querySelector("#dest") && `+htmxIdleJS)
			a.dumpRequests(t, "Navigate")
			if b.reloaded() {
				t.Errorf("the page reloaded; want htmx to load the destination (HX-Location)")
			}
			b.expectPage("/dest", "Destination", "Destination")
			if b.exists("#result") {
				t.Errorf("the destination was swapped into the old #result")
			}
			if b.exists("body body, body title, body meta[name=htmx-config]") {
				t.Errorf("the whole document was nested inside <body>")
			}
			if n := eval[int](b.demoTab, `document.querySelectorAll("h1").length`); n != 1 {
				t.Errorf("%d <h1> on the page, want 1", n)
			}

			post := a.lastRequest(t, "POST", "/api/navigate")
			if post.Status != 200 || !strings.Contains(post.Resp["HX-Location"], `"path":"/dest"`) {
				t.Errorf("POST /api/navigate answered %d, HX-Location %q", post.Status, post.Resp["HX-Location"])
			}
			get := a.lastRequest(t, "GET", "/dest")
			expectHeaders(t, get, "request", map[string]string{"HX-Request": "true", "HX-Request-Type": "full"})

			b.reload()
			b.expectPage("/dest", "Destination", "Destination")
		})
	}
}

// TestBrowserProtocolOutOfBand: a function with Render("row") that calls
// fiberfn.OutOfBand(c, "counts", counts): one click updates the task's
// row (the main fragment, hx-target="closest li", outerHTML) and the
// counts elsewhere on the page (the out-of-band part, which fiberfn marks
// hx-swap-oob="true": htmx 2 and htmx 4 both swap it by id, outerHTML).
func TestBrowserProtocolOutOfBand(t *testing.T) {
	for _, v := range protoVersions {
		t.Run("htmx-"+v, func(t *testing.T) {
			a, b := openProto(t, v, true)
			b.open("/tasks")
			b.expectText("#count-open", "2")
			b.expectText("#count-done", "0")

			b.click("#toggle-1")
			b.waitUntil("the row and the counts change", `document.querySelector("#task-1.done") && document.querySelector("#count-done")?.textContent === "1" && `+htmxIdleJS)
			if b.reloaded() {
				t.Errorf("the page reloaded; want htmx to swap the answer in")
			}
			b.expectText("#count-open", "1")
			if b.exists("#task-2.done") {
				t.Errorf("task 2 shows done")
			}
			for sel, want := range map[string]int{"#counts": 1, "#task-1": 1, "#tasks > li": 2, "[hx-swap-oob]": 0, "aside #counts": 1, "#tasks #counts": 0} {
				if n := eval[int](b.demoTab, `document.querySelectorAll(`+jsQuote(sel)+`).length`); n != want {
					t.Errorf("%d elements match %s, want %d", n, sel, want)
				}
			}
			if n := len(a.requests("/api/toggle")); n != 1 {
				t.Errorf("%d requests to /api/toggle for one click, want 1", n)
			}

			// The swapped-in row works again: both regions change back.
			b.click("#toggle-1")
			b.waitUntil("the row and the counts change back", `!document.querySelector("#task-1.done") && document.querySelector("#count-done")?.textContent === "0" && `+htmxIdleJS)
			b.expectText("#count-open", "2")
			a.dumpRequests(t, "out-of-band")
		})
	}
}

// setLatency emulates a network round trip of ms milliseconds for every
// request of the tab (0 turns it off). cdproto v0.159 has only
// Network.emulateNetworkConditionsByRule; an empty URL pattern matches
// every request.
func (b *protoTab) setLatency(ms float64) {
	b.t.Helper()
	params := network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: []*network.Conditions{{
		Latency: ms, DownloadThroughput: -1, UploadThroughput: -1,
	}}}
	if _, err := chromedp.Call(b.ctx, network.EmulateNetworkConditionsByRule, params); err != nil {
		b.t.Fatalf("emulate a latency of %v ms: %v", ms, err)
	}
}

// onceList returns the items the once-only page shows.
func (b *protoTab) onceList() []string {
	b.t.Helper()
	return eval[[]string](b.demoTab, `[...document.querySelectorAll("#once-list li")].map(e => e.textContent.trim())`)
}

// onceSummary describes the requests of a once-only submission: who ran
// the function and who got a replay.
func onceSummary(a *protoApp, since time.Time) string {
	var parts []string
	for _, r := range a.requests("/api/once_add") {
		if r.Start.Before(since) {
			continue
		}
		s := fmt.Sprintf("+%dms..+%dms %d", r.Start.Sub(since).Milliseconds(), r.End.Sub(since).Milliseconds(), r.Status)
		if r.Resp[fiberfn.ReplayedHeader] != "" {
			s += " replayed"
		}
		if loc := r.Resp["Location"]; loc != "" {
			s += " Location " + loc
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, "; ")
}

// waitOnceAnswered waits until the app has answered a request to
// /api/once_add that started at or after since.
func waitOnceAnswered(t *testing.T, a *protoApp, since time.Time) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		for _, r := range a.requests("/api/once_add") {
			if !r.Start.Before(since) && !r.End.IsZero() {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server saw no submission of the once-only form within %v", stepTimeout)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// TestBrowserProtocolOnceOnly: a form with {{ fnOnce "once_add" }} posts
// to a fiberfn.OnceOnly() function that inserts into a list (and takes
// 150 ms), with 300 ms of emulated network latency. A double click on its
// button, then Enter pressed twice in its field: the server must store
// one record each time, with htmx 4, htmx 2 and without JavaScript; after
// a reload the page shows each record once.
//
// What happens (server log; Chromium's emulated latency holds the
// answer, not the request: the POST reaches the server at once):
//   - htmx 4: the second submit, while the first request runs, is queued
//     (hx-sync's default "queue first") with the body collected at that
//     submit, so with the same token. It is sent when the first answer
//     arrives (~+320 ms); fiberfn replays the stored fragment (200,
//     Idempotent-Replayed: true) without running the function, and htmx
//     appends it again.
//   - htmx 2: the second submit is queued too (default queue "last"); it
//     collects the form again when it runs, and the form still holds the
//     same token (the answer goes to #once-list, not into the form): the
//     same replay, the same second append.
//   - without JavaScript: for Enter twice Chromium sends both POSTs
//     (cancelling the first navigation); for the double click it sends
//     one or two, depending on timing. The second carries the same token,
//     waits for the first and replays its 302 back to /once, which shows
//     the record once.
//
// So with htmx the screen shows the record twice until a reload, though
// the server stored it once: the replay repeats a fragment that htmx
// already swapped in. The test logs what the screen shows and does not
// fail on it (a replay is what OnceOnly documents).
func TestBrowserProtocolOnceOnly(t *testing.T) {
	type mode struct {
		name    string
		version string
		js      bool
	}
	modes := []mode{
		{"js/htmx-" + public.HTMXDefault, public.HTMXDefault, true},
		{"js/htmx-" + public.HTMXLegacy, public.HTMXLegacy, true},
		{"nojs", public.HTMXDefault, false},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			a, b := openProto(t, m.version, m.js)
			b.open("/once")
			submissions := []struct {
				name   string
				title  string
				submit func()
			}{
				{"double click", "Double click", func() {
					// A real double click: two presses at the button's
					// centre, the second with click count 2
					// (chromedp.DoubleClick sends only the second, one
					// click event). By coordinates, not by node: without
					// JavaScript the first click may already have replaced
					// the document when the second comes.
					xy := eval[[]float64](b.demoTab, `(() => {
						const r = document.querySelector("#once-submit").getBoundingClientRect();
						return [r.x + r.width / 2, r.y + r.height / 2];
					})()`)
					start := time.Now()
					b.run("click #once-submit", chromedp.MouseClickXY(xy[0], xy[1]))
					first := time.Since(start)
					b.run("click #once-submit again", chromedp.MouseClickXY(xy[0], xy[1], chromedp.ClickCount(2)))
					t.Logf("double click: the presses ended at +%dms and +%dms", first.Milliseconds(), time.Since(start).Milliseconds())
				}},
				{"double Enter", "Double enter", func() {
					b.run("press Enter twice", chromedp.SendKeys(chromedp.CSS("#once-title"), "\r\r"))
				}},
			}
			var want []string
			for i, s := range submissions {
				b.fill("#once-title", s.title)
				b.setLatency(300)
				start := time.Now()
				s.submit()
				// The server must have answered the first submission before
				// "quiet" means anything: on a loaded machine Chromium may
				// send it later than any fixed quiet period.
				waitOnceAnswered(t, a, start)
				b.waitQuiet(s.name, 700*time.Millisecond)
				shown := b.onceList()
				t.Logf("%s: the server saw %s; the screen shows %q", s.name, onceSummary(a, start), shown)
				want = append(want, s.title)

				a.mu.Lock()
				items := slices.Clone(a.items)
				a.mu.Unlock()
				if !slices.Equal(items, want) {
					t.Errorf("%s: the server stored %q, want %q", s.name, items, want)
				}
				if runs := int(a.onceRuns.Load()); runs != i+1 {
					t.Errorf("%s: the function ran %d times in all, want %d", s.name, runs, i+1)
				}
				if !m.js && !slices.Equal(shown, want) {
					t.Errorf("%s: the page shows %q, want %q", s.name, shown, want)
				}

				// After a reload the page shows each record once.
				b.setLatency(0)
				if !m.js {
					b.waitUntil("the page is at /once", `location.pathname === "/once"`)
				}
				b.reload()
				if got := b.onceList(); !slices.Equal(got, want) {
					t.Errorf("%s: after a reload the page shows %q, want %q", s.name, got, want)
				}
			}
			a.dumpRequests(t, "once-only "+m.name)
		})
	}
}

// TestBrowserProtocolOnceOnlyFormUsedTwice: with JavaScript, an htmx form
// posting to a once-only function stays on the page (its answer goes to
// the list, hx-swap="beforeend"), so it keeps the token it was rendered
// with. A visitor who adds a record and then, without reloading, types
// another one and submits must get the second record stored too: that is
// a new submission, not a repeat of the first.
func TestBrowserProtocolOnceOnlyFormUsedTwice(t *testing.T) {
	for _, v := range protoVersions {
		t.Run("htmx-"+v, func(t *testing.T) {
			a, b := openProto(t, v, true)
			b.open("/once")
			for i, title := range []string{"First", "Second"} {
				b.fill("#once-title", title)
				b.click("#once-submit")
				b.waitQuiet(title, 300*time.Millisecond)
				t.Logf("after %q the screen shows %q, and the form's error slot %q", title, b.onceList(), b.text("#once-errors"))
				if runs := int(a.onceRuns.Load()); runs != i+1 {
					t.Errorf("after %q the function ran %d times, want %d", title, runs, i+1)
				}
			}
			a.dumpRequests(t, "once-only form used twice")
			a.mu.Lock()
			items := slices.Clone(a.items)
			a.mu.Unlock()
			if want := []string{"First", "Second"}; !slices.Equal(items, want) {
				// FAILS BECAUSE OF A LIBRARY BUG (fiberfn/once.go,
				// onceStore.begin and plugin.replay): the stored answer is
				// keyed by the token alone, the first answer used it up
				// and nothing gives the page a fresh one, so the second
				// post (same token, other values) is refused with 409
				// "This form was already sent with other values; please
				// reload the page." (errOnceConflict), which lands in the
				// form's .fiberfn-errors slot. A once-only htmx form that
				// stays on the page works once per page load.
				t.Errorf("the server stored %q, want %q", items, want)
			}
		})
	}
}
