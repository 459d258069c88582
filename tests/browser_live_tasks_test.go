package tests

// The demo's live task list (issue 18): two pages of one user, with 300 ms
// of latency; what page B changes shows on page A within a second or so,
// and after every step the screen, the page after a reload and the
// database agree on both pages. A row that page A is editing keeps the
// user's typing when a change arrives.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/fiberfn/fiberfn/internal/testsvc"
	"github.com/fiberfn/fiberfn/public"
)

// liveTimeout bounds the wait for a change to show on another page. The
// issue asks for 1 s; the test logs the times and waits longer on a
// loaded machine rather than asserting them.
const liveTimeout = 10 * time.Second

// newTab opens another tab of b's browser (the same cookies: the same
// user), with the settle counter and the console watched.
func (b *demoTab) newTab() *demoTab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx)
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		b.t.Fatalf("open a tab: %v", err)
	}
	if b.js {
		params := page.AddScriptToEvaluateOnNewDocumentParams{Source: settleCounterJS}
		if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, params); err != nil {
			b.t.Fatalf("install the settle counter: %v", err)
		}
	}
	watchConsole(b.t, ctx)
	return &demoTab{t: b.t, ctx: ctx, base: b.base, js: b.js, htmx: b.htmx}
}

// waitStored waits until page b shows what the database holds and returns
// how long that took.
func (b *demoTab) waitStored(d *demoServer, uid int64, what string) time.Duration {
	b.t.Helper()
	start := time.Now()
	deadline := start.Add(liveTimeout)
	for {
		want, counts := storedView(b, d, uid)
		got, gotCounts := b.shownTasks(), b.shownCounts()
		if slices.Equal(got, want) && gotCounts == counts {
			return time.Since(start)
		}
		if time.Now().After(deadline) {
			b.t.Logf("the page: subscription, scripts, requests, last notice: %s", eval[string](b, `(document.getElementById("task-live")?.outerHTML ?? "none") + " | " + [...document.scripts].map(s => s.src).join(" ") + " | " + performance.getEntriesByType("resource").map(e => e.name).join(" ") + " | " + document.getElementById("task-change")?.innerHTML`))
			b.t.Fatalf("%s: after %v the page shows %v (%s), the database holds %v (%s)", what, liveTimeout, got, gotCounts, want, counts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// expectReloadStored reloads page b and checks it shows the database.
func (b *demoTab) expectReloadStored(d *demoServer, uid int64, what string) {
	b.t.Helper()
	b.open(b.location())
	want, counts := storedView(b, d, uid)
	if got, gotCounts := b.shownTasks(), b.shownCounts(); !slices.Equal(got, want) || gotCounts != counts {
		b.t.Fatalf("%s, reloaded: the page shows %v (%s), the database holds %v (%s)", what, got, gotCounts, want, counts)
	}
}

// TestBrowserLiveTasks: page B adds, toggles, renames, deletes and clears;
// page A (same user, another tab, 300 ms latency on both) shows each
// change; after each step both pages, reloaded, show the database. Then
// page A edits a row while page B changes the list: the typing stays.
func TestBrowserLiveTasks(t *testing.T) {
	for _, mode := range browserModes {
		if !mode.js {
			continue // without JavaScript nothing subscribes: the page updates when it loads
		}
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, a := openDemo(t, mode)
			a.signup("watcher", secretPassword)
			uid := d.userID("watcher")
			a.open("/")
			b := a.newTab()
			b.open("/")
			a.slowNetwork(300 * time.Millisecond)
			b.slowNetwork(300 * time.Millisecond)

			var times []string
			step := func(what string, act func()) {
				t.Helper()
				act()
				took := a.waitStored(d, uid, what)
				times = append(times, fmt.Sprintf("%s %v", what, took.Round(time.Millisecond)))
				b.waitStored(d, uid, what)
			}
			step("add", func() { b.addTask("Buy milk") })
			step("add another", func() { b.addTask("Water plants") })
			step("toggle", func() { b.submit(b.task("Buy milk")+toggleSel, "/") })
			step("rename", func() {
				sel := b.task("Water plants")
				id := strings.TrimPrefix(sel, "#task-")
				b.openRename(sel)
				b.fill("#rename-title-"+id, "Water the plants")
				b.submit("#rename-"+id+" button[type=submit]", "/")
			})
			a.expectReloadStored(d, uid, "after rename")
			b.expectReloadStored(d, uid, "after rename")
			step("add a third", func() { b.addTask("Call mum") })
			step("delete", func() { b.submit(b.task("Call mum")+deleteSel, "/") })
			step("clear completed", func() { b.submit("#clear-completed-form button", "/") })
			a.expectReloadStored(d, uid, "after clear")
			b.expectReloadStored(d, uid, "after clear")

			// A fiberfn:reset (the broker lost what a reconnect missed)
			// refetches the view too: a task written behind the pages'
			// backs shows once the event fires.
			// A row that did not change keeps its element (and focus).
			kept := a.task("Water the plants")
			eval[chromedp.Void](a, `document.querySelector(`+jsQuote(kept)+`).__kept = true`)
			if _, err := d.App.Store.AddTask(uid, "Written directly"); err != nil {
				t.Fatal(err)
			}
			if mode.htmx == public.HTMXLegacy {
				eval[chromedp.Void](a, `htmx.trigger(document.getElementById("task-reset"), "sse:fiberfn:reset")`)
			} else {
				eval[chromedp.Void](a, `htmx.trigger(document.getElementById("task-live"), "fiberfn:reset")`)
			}
			a.waitStored(d, uid, "a reset event")
			if !eval[bool](a, `document.querySelector(`+jsQuote(kept)+`).__kept === true`) {
				t.Errorf("the unchanged row %s was replaced by a live change", kept)
			}

			// Page A edits a row; page B adds a task meanwhile. The new
			// task shows on page A and the typing in the edited row stays.
			a.slowNetwork(300 * time.Millisecond)
			sel := a.task("Water the plants")
			id := strings.TrimPrefix(sel, "#task-")
			a.openRename(sel)
			a.fill("#rename-title-"+id, "Typing in progress")
			b.addTask("Arrives while editing")
			deadline := time.Now().Add(liveTimeout)
			for !slices.Contains(a.taskTitles(), "Arrives while editing") {
				if time.Now().After(deadline) {
					t.Fatalf("the task added on page B did not show on page A while it edits a row: %q", a.taskTitles())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if got := a.value("#rename-title-" + id); got != "Typing in progress" {
				t.Errorf("the edited row's field holds %q after a live change, want the user's typing", got)
			}
			if !a.exists(sel + ".editing") {
				t.Errorf("the edited row left edit mode after a live change")
			}
			t.Logf("%s: page A shows page B's change after: %s", mode.name, strings.Join(times, ", "))
		})
	}
}

// TestBrowserLiveTasksTwoInstances: page A on instance 1 and page B on
// instance 2, sharing PostgreSQL and Redis (the Redis broker carries the
// notices). Page B adds, toggles, renames, deletes and clears; page A
// shows each. Then page A's stream is cut (the instance ends it and its
// reconnects are blocked) while page B changes the list; once the
// network is back it reconnects and catches up, no row lost or doubled.
func TestBrowserLiveTasksTwoInstances(t *testing.T) {
	for _, mode := range browserModes {
		if !mode.js {
			continue
		}
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			dbURL := testsvc.Postgres(t)
			redisURL, prefix := testsvc.Redis(t)
			opts := app.Options{Database: dbURL, Redis: redisURL, RedisPrefix: prefix, HTMXVersion: mode.htmx, Secret: []byte("a shared secret of the two instances, long enough")}
			d1 := startDemo(t, opts)
			d2 := startDemo(t, opts)
			_, a := openDemoWith(t, mode, opts)
			a.base = d1.URL
			a.signup("roamer", secretPassword)
			uid := d1.userID("roamer")
			a.open("/")
			b := a.newTab()
			b.base = d2.URL
			b.open("/")
			a.slowNetwork(300 * time.Millisecond)
			b.slowNetwork(300 * time.Millisecond)

			var times []string
			step := func(what string, act func()) {
				t.Helper()
				act()
				took := a.waitStored(d1, uid, what)
				times = append(times, fmt.Sprintf("%s %v", what, took.Round(time.Millisecond)))
				b.waitStored(d2, uid, what)
				a.expectReloadStored(d1, uid, what)
				b.expectReloadStored(d2, uid, what)
			}
			step("add", func() { b.addTask("Buy milk") })
			step("add another", func() { b.addTask("Water plants") })
			step("toggle", func() { b.submit(b.task("Buy milk")+toggleSel, "/") })
			step("rename", func() {
				sel := b.task("Water plants")
				id := strings.TrimPrefix(sel, "#task-")
				b.openRename(sel)
				b.fill("#rename-title-"+id, "Water the plants")
				b.submit("#rename-"+id+" button[type=submit]", "/")
			})
			step("add a third", func() { b.addTask("Call mum") })
			step("delete", func() { b.submit(b.task("Call mum")+deleteSel, "/") })
			step("clear completed", func() { b.submit("#clear-completed-form button", "/") })
			t.Logf("%s: page A (instance 1) shows page B's (instance 2) change after: %s", mode.name, strings.Join(times, ", "))

			// Cut page A's stream: its reconnects fail while page B
			// adds and toggles; then they pass again.
			cut := &liveTab{t: t, ctx: a.ctx}
			cut.block(true)
			waitConnections(t, d1, 0)
			b.addTask("Added while cut")
			b.addTask("Also added while cut")
			b.submit(b.task("Water the plants")+toggleSel, "/")
			cut.block(false)
			start := time.Now()
			a.waitStored(d1, uid, "catch up after the cut")
			t.Logf("%s: page A caught up %v after its network came back", mode.name, time.Since(start).Round(time.Millisecond))
			a.expectReloadStored(d1, uid, "after the cut")
		})
	}
}

// waitConnections ends the user streams of instance d (all of them: only
// page A subscribes there) and waits until it holds want streams.
func waitConnections(t *testing.T, d *demoServer, want int) {
	t.Helper()
	deadline := time.Now().Add(liveTimeout)
	for {
		for _, key := range []string{"1", "2", "3"} {
			d.App.Hub().Disconnect(key)
		}
		if d.App.Hub().Connections() == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance still holds %d streams, want %d", d.App.Hub().Connections(), want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
