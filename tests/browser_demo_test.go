package tests

// A demoTab drives one browser tab through the demo the way a visitor
// does: it opens pages, types into fields and clicks buttons. The same
// test code runs with JavaScript on, where htmx swaps each answer into the
// page, and off, where each form post loads a new page after a 302.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/fiberfn/fiberfn/public"
)

// stepTimeout bounds one step (a click and its answer, a read), so that a
// step that never completes fails with its own name well before the
// browser's deadline (browserTimeout) ends the whole test.
const stepTimeout = 15 * time.Second

// swapTimeout bounds the wait for htmx to swap an answer in.
const swapTimeout = 10 * time.Second

// browserMode is a way of visiting the demo.
type browserMode struct {
	name string
	js   bool
	htmx string // the htmx version the demo serves
}

// browserModes are the ways the browser tests visit the demo: with the
// default htmx 4, with htmx 2 (the server side must work with both), and
// without JavaScript.
var browserModes = []browserMode{
	{"js/htmx-" + public.HTMXDefault, true, public.HTMXDefault},
	{"js/htmx-" + public.HTMXLegacy, true, public.HTMXLegacy},
	{"nojs", false, public.HTMXDefault},
}

// settleCounterJS runs in every page before its own scripts. It counts
// the swaps that htmx has finished in window.__settles: htmx 2 fires
// htmx:afterSettle once the new content is processed (its forms are
// htmx-enabled only then); htmx 4 fires htmx:after:settle and processes
// the new content right after, in the same task, hence the setTimeout.
// The events of one swap (htmx 2 fires one per new element) count once.
const settleCounterJS = `
window.__settles = 0;
let pending = false;
for (const name of ["htmx:afterSettle", "htmx:after:settle"]) {
	document.addEventListener(name, () => {
		if (pending) return;
		pending = true;
		setTimeout(() => { pending = false; window.__settles++ }, 0);
	});
}`

// htmxIdleJS is true when htmx has no request, swap or settle under way.
const htmxIdleJS = `!document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added")`

// demoTab is a browser tab on a running demo.
type demoTab struct {
	t    *testing.T
	ctx  context.Context
	base string
	js   bool
	htmx string
}

// openDemo starts the demo for the mode and a browser to visit it.
func openDemo(t *testing.T, mode browserMode, opts ...browserOption) (*demoServer, *demoTab) {
	t.Helper()
	return openDemoWith(t, mode, app.Options{}, opts...)
}

// openDemoWith is openDemo with options for the app; the mode sets its
// HTMXVersion.
func openDemoWith(t *testing.T, mode browserMode, appOpts app.Options, opts ...browserOption) (*demoServer, *demoTab) {
	t.Helper()
	appOpts.HTMXVersion = mode.htmx
	d := startDemo(t, appOpts)
	if !mode.js {
		opts = append(opts, withoutJS())
	}
	ctx := newBrowser(t, opts...)
	b := &demoTab{t: t, ctx: ctx, base: d.URL, js: mode.js, htmx: mode.htmx}
	if mode.js {
		params := page.AddScriptToEvaluateOnNewDocumentParams{Source: settleCounterJS}
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, params); err != nil {
			t.Fatalf("install the settle counter: %v", err)
		}
	}
	watchConsole(t, ctx)
	return d, b
}

// watchConsole collects what the pages write to the console and, when
// the test ends, logs it; an uncaught exception fails the test, and so
// does an error or a warning that htmx logs (a selector that matches
// nothing, a swap that failed...), unless it is one of expectedHTMXLogs.
func watchConsole(t *testing.T, ctx context.Context) {
	ctx, cancel := context.WithCancel(ctx)
	var (
		mu   sync.Mutex
		msgs []chromedp.ConsoleMessage
		done = make(chan struct{})
	)
	messages := chromedp.Console(ctx)
	go func() {
		defer close(done)
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			msgs = append(msgs, m)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		for _, m := range msgs {
			switch {
			case m.IsException():
				t.Errorf("browser console: uncaught %s (%s:%d)", m.Text, m.URL, m.Line)
			case htmxComplaint(m):
				t.Errorf("browser console: htmx %s: %s (%s:%d)", m.Type, m.Text, m.URL, m.Line)
			default:
				t.Logf("browser console: %s: %s (%s)", m.Type, m.Text, m.URL)
			}
		}
	})
}

// expectedHTMXLogs are the errors htmx logs for failures that the demo
// expects and handles, each a prefix of the console text (read from
// htmx's sources: htmx 2 logs the error of every error event it fires,
// htmx 4 the error of htmx:error):
//
//   - "Response Status Error Code": htmx 2's htmx:responseError, an
//     error answer (a wrong password, a throttled form, a field error, a
//     task deleted elsewhere) that htmx swaps in or app.js shows;
//   - "htmx:afterRequest,", "htmx:sendError", "htmx:sendAbort",
//     "htmx:timeout": htmx 2, a request that failed on the network
//     (offline) or was cut;
//   - "[object Event]": htmx 2's SSE extension (htmx:sseError, whose
//     error is the EventSource's error event), a live stream that the
//     server ended (a logout) or that lost the network; it reconnects;
//   - "htmx: htmx:error: Failed to fetch": htmx 4, a request that failed
//     on the network (offline);
//   - "htmx: htmx:sse:error: Failed to fetch": htmx 4's hx-sse, a live
//     stream whose reconnect failed on the network (cut, or its instance
//     gone); it tries again.
//
// Anything else htmx logs (a selector that matched nothing, a swap or
// target error, a bad attribute) is a mistake in the markup.
var expectedHTMXLogs = []string{
	"Response Status Error Code ",
	"htmx:afterRequest,",
	"htmx:sendError",
	"htmx:sendAbort",
	"htmx:timeout",
	"[object Event]",
	"htmx: htmx:error: Failed to fetch",
	"htmx: htmx:sse:error: Failed to fetch",
}

// htmxComplaint reports whether m is an error or warning that htmx
// wrote to the console (a console API call from an htmx script) and
// that is not one of expectedHTMXLogs. The browser's own log entries
// ("Failed to load resource: ... 401") are not htmx's and do not count.
func htmxComplaint(m chromedp.ConsoleMessage) bool {
	if m.Type != chromedp.ConsoleError && m.Type != chromedp.ConsoleWarning || len(m.Args) == 0 {
		return false
	}
	if !strings.Contains(m.URL, "htmx") && !strings.HasPrefix(m.Text, "htmx") {
		return false
	}
	for _, p := range expectedHTMXLogs {
		if strings.HasPrefix(m.Text, p) {
			return false
		}
	}
	return true
}

// run runs actions within stepTimeout, failing the test with what as the
// step's name.
func (b *demoTab) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval returns the value of a JavaScript expression in the page. It
// works with the page's JavaScript off too: DevTools still evaluates.
func eval[T any](b *demoTab, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// jsQuote quotes s as a JavaScript string literal.
func jsQuote(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// open loads the page at path (such as "/login") as a new page.
func (b *demoTab) open(path string) {
	b.t.Helper()
	b.run("open "+path, chromedp.Navigate(b.base+path))
	b.mark()
}

// mark sets window.__marker on the page. It disappears when the page
// reloads, which is how a test sees that htmx swapped in place.
func (b *demoTab) mark() {
	b.t.Helper()
	eval[chromedp.Void](b, `window.__marker = 1`)
}

// reloaded reports whether the page was loaded again since mark.
func (b *demoTab) reloaded() bool {
	b.t.Helper()
	return !eval[bool](b, `window.__marker === 1`)
}

// location returns the path and query of the page, such as "/?filter=open".
func (b *demoTab) location() string {
	b.t.Helper()
	return eval[string](b, `location.pathname + location.search`)
}

// fill types v into the input sel, replacing what it held.
func (b *demoTab) fill(sel, v string) {
	b.t.Helper()
	// Not chromedp.SetValue(sel, ""): chromedp v0.23.0 passes the empty
	// string as undefined, and the field then holds "undefined".
	eval[chromedp.Void](b, fmt.Sprintf(`document.querySelector(%s).value = ""`, jsQuote(sel)))
	b.run("fill "+sel, chromedp.SendKeys(chromedp.CSS(sel), v))
}

// submit clicks sel, a button of a form whose answer stays on the page
// at path (such as "/"). With JavaScript, it waits until htmx has swapped
// the answer in and the new content is ready for the next click, and
// checks that the page did not reload. Without JavaScript, it waits for
// the page that the post is redirected to, and checks that it is path.
func (b *demoTab) submit(sel, path string) {
	b.t.Helper()
	if !b.js {
		b.follow(sel, path)
		return
	}
	before := eval[int](b, `window.__settles`)
	b.run("click "+sel, chromedp.Click(chromedp.CSS(sel)))
	settled := chromedp.Poll[chromedp.Void](fmt.Sprintf(`window.__settles > %d && %s`, before, htmxIdleJS),
		chromedp.WithPollingInterval(10*time.Millisecond), chromedp.WithPollingTimeout(swapTimeout))
	if _, err := chromedp.Run(b.ctx, settled); errors.Is(err, chromedp.ErrPollingTimeout) {
		b.t.Fatalf("click %s: htmx swapped no answer in within %v (see the browser console below)", sel, swapTimeout)
	} else if err != nil {
		b.t.Fatalf("click %s: waiting for htmx to settle: %v", sel, err)
	}
	if b.reloaded() {
		b.t.Fatalf("click %s: the page reloaded; want htmx to swap the answer in", sel)
	}
	if got := b.location(); got != path {
		b.t.Fatalf("click %s: at %s, want to stay at %s", sel, got, path)
	}
}

// follow clicks sel, a link or the button of a form whose answer is
// another page (a redirect: HX-Redirect for htmx, 302 without), waits
// until that page has loaded and checks that it is path.
func (b *demoTab) follow(sel, path string) {
	b.t.Helper()
	b.followTo(sel, path, 200)
}

// submitRefused is submit for a post that is refused with status (a
// throttled form: 429): with JavaScript htmx swaps the error in; without,
// the post is redirected back to path, which answers with status.
func (b *demoTab) submitRefused(sel, path string, status int64) {
	b.t.Helper()
	if b.js {
		b.submit(sel, path)
		return
	}
	b.followTo(sel, path, status)
}

// followTo is follow for a next page that answers with status.
func (b *demoTab) followTo(sel, path string, status int64) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s and wait for the next page: %v", sel, err)
	}
	if resp.Status != status {
		b.t.Fatalf("click %s: the next page %s is a %d, want %d", sel, resp.URL, resp.Status, status)
	}
	u, err := url.Parse(resp.URL)
	if err != nil {
		b.t.Fatal(err)
	}
	if got := u.RequestURI(); got != path {
		b.t.Fatalf("click %s: landed at %s, want %s", sel, got, path)
	}
	if !b.reloaded() {
		b.t.Fatalf("click %s: the page did not load anew", sel)
	}
	b.mark()
}

// exists reports whether an element matches sel.
func (b *demoTab) exists(sel string) bool {
	b.t.Helper()
	return eval[bool](b, `document.querySelector(`+jsQuote(sel)+`) !== null`)
}

// text returns the text of the element sel, trimmed; it fails the test
// when there is none.
func (b *demoTab) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(() => {
		const e = document.querySelector(%s);
		if (!e) throw new Error("no element " + %[1]s);
		return e.textContent.trim();
	})()`, jsQuote(sel)))
}

// value returns the current value of the input sel; it fails the test
// when there is none.
func (b *demoTab) value(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(() => {
		const e = document.querySelector(%s);
		if (!e) throw new Error("no input " + %[1]s);
		return e.value;
	})()`, jsQuote(sel)))
}

// attr returns an attribute of the element sel, or "" when it has none.
func (b *demoTab) attr(sel, name string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`document.querySelector(%s)?.getAttribute(%s) ?? ""`, jsQuote(sel), jsQuote(name)))
}

// expectText checks that the element sel holds the text want.
func (b *demoTab) expectText(sel, want string) {
	b.t.Helper()
	if got := b.text(sel); got != want {
		b.t.Errorf("%s says %q, want %q", sel, got, want)
	}
}

// expectValue checks that the input sel holds want.
func (b *demoTab) expectValue(sel, want string) {
	b.t.Helper()
	if got := b.value(sel); got != want {
		b.t.Errorf("%s holds %q, want %q", sel, shorten(got), shorten(want))
	}
}

// shorten keeps long values readable in failure messages.
func shorten(s string) string {
	if r := []rune(s); len(r) > 40 {
		return fmt.Sprintf("%s… (%d characters)", string(r[:20]), len(r))
	}
	return s
}

// The parts of a task row in view mode (partials/task_item.html), below
// its <li>: the title, the toggle, the rename link and the delete button.
const (
	taskTitleSel = "#task-list > li:not(.editing) > form > span"
	toggleSel    = " button[name=done]"
	renameSel    = " form > a"
	deleteSel    = " button[formaction]"
)

// openRename clicks the Rename link of the task sel (such as "#task-3"):
// with JavaScript htmx swaps the row in edit mode in place; without, the
// page loads again with the row in edit mode (/?edit=ID).
func (b *demoTab) openRename(sel string) {
	b.t.Helper()
	id := strings.TrimPrefix(sel, "#task-")
	if b.js {
		b.submit(sel+renameSel, b.location())
	} else {
		b.follow(sel+renameSel, "/?edit="+id)
	}
	if !b.exists(sel + ".editing #rename-title-" + id) {
		b.t.Fatalf("the rename link of %s did not show the rename form", sel)
	}
}

// taskTitles returns the titles of the tasks on the page, in order.
func (b *demoTab) taskTitles() []string {
	b.t.Helper()
	return eval[[]string](b, `[...document.querySelectorAll(`+jsQuote(taskTitleSel)+`)].map(e => e.textContent.trim())`)
}

// task returns the selector of the task with the title, such as
// "#task-3"; it fails the test when there is none.
func (b *demoTab) task(title string) string {
	b.t.Helper()
	id := eval[string](b, fmt.Sprintf(`[...document.querySelectorAll(%s)]
		.find(e => e.textContent.trim() === %s)?.closest("li").id ?? ""`, jsQuote(taskTitleSel), jsQuote(title)))
	if id == "" {
		b.t.Fatalf("no task %q among %q", title, b.taskTitles())
	}
	return "#" + id
}

// expectTasks checks the titles of the tasks shown, the done ones among
// them, and the counts above the list. titles and done are in the order
// the tasks were added: the list shows them newest first.
func (b *demoTab) expectTasks(titles, done []string) {
	b.t.Helper()
	got := b.taskTitles()
	slices.Reverse(got)
	if strings.Join(got, "\n") != strings.Join(titles, "\n") {
		b.t.Fatalf("tasks %q, want %q", got, titles)
	}
	gotDone := eval[[]string](b, `[...document.querySelectorAll("#task-list > li.done > form > span")].map(e => e.textContent.trim())`)
	slices.Reverse(gotDone)
	if strings.Join(gotDone, "\n") != strings.Join(done, "\n") {
		b.t.Errorf("done tasks %q, want %q", gotDone, done)
	}
	b.expectText("#count-open", fmt.Sprint(len(titles)-len(done)))
	b.expectText("#count-done", fmt.Sprint(len(done)))
}

// signup creates an account through the sign-up page and lands on the
// task list.
func (b *demoTab) signup(username, password string) {
	b.t.Helper()
	b.open("/signup")
	b.fill("#signup-username", username)
	b.fill("#signup-password", password)
	b.fill("#signup-confirm", password)
	b.follow("#signup-form button[type=submit]", "/")
	b.expectText("p.notice", "Welcome! Your account is ready.")
}

// addTask adds a task through the add form of the task list.
func (b *demoTab) addTask(title string) {
	b.t.Helper()
	b.fill("#new-task-title", title)
	b.submit("#add-task-form button[type=submit]", b.location())
}
