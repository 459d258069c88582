package tests

// The demo for people who use a keyboard, a screen reader, a phone or a
// bad network: failures are shown with a way to retry, successes are
// announced, the focus lands somewhere sensible after each swap, the focus
// ring can be seen, and the rows keep their titles readable at 390 px.

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// jsModes are the browser modes with JavaScript: htmx 4 and htmx 2.
var jsModes = browserModes[:2]

// seedTasks stores tasks for a user straight in the database.
func seedTasks(t *testing.T, d *demoServer, username string, titles ...string) {
	t.Helper()
	uid := d.userID(username)
	for _, title := range titles {
		if _, err := d.App.Store.AddTask(uid, title); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBrowserOfflineAdd loses the network before a click on Add: the
// failure bar says so (an alert, with Retry), nothing changes on screen
// or in the database, and what was typed stays. Back online, Retry sends
// the same form again and the task is added once.
func TestBrowserOfflineAdd(t *testing.T) {
	for _, mode := range jsModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("alice", secretPassword)
			b.addTask("Buy milk")
			b.expectScreenIsDB(d, "alice")

			b.offline()
			b.fill("#new-task-title", "Water the plants")
			b.run("click Add", chromedp.Click(chromedp.CSS("#add-task-form button[type=submit]")))
			b.waitFor("the failure bar", `document.querySelector("#failure p")?.textContent.includes("Could not reach the server") ?? false`)
			if got := b.attr("#failure", "role"); got != "alert" {
				t.Errorf("#failure has role %q, want alert", got)
			}
			if !b.exists(`#failure button[data-action=retry]`) {
				t.Fatalf("the failure bar has no Retry button: %q", b.text("#failure"))
			}
			b.expectValue("#new-task-title", "Water the plants")
			b.expectScreenIsDB(d, "alice")
			if mode.htmx == jsModes[0].htmx {
				screenshot(b.ctx, t, "tasks-offline")
			}
			if n := d.taskCount("alice"); n != 1 {
				t.Fatalf("%d tasks stored while offline, want 1", n)
			}
			if b.reloaded() {
				t.Fatal("the page reloaded")
			}

			b.online()
			before := b.settles()
			b.run("click Retry", chromedp.Click(chromedp.CSS(`#failure button[data-action=retry]`)))
			b.waitSettles(before)
			b.waitFor("the failure bar to empty", `document.querySelector("#failure").childElementCount === 0`)
			b.expectTasks([]string{"Buy milk", "Water the plants"}, nil)
			b.expectScreenIsDB(d, "alice")
			b.waitFor("the announcement", `document.querySelector("#live").textContent === "Added: Water the plants"`)
			b.waitFocus("#new-task-title")

			// Offline, a row's toggle fails the same way; its buttons are
			// usable again, and Retry clicks the same toggle again.
			milk := b.task("Buy milk")
			b.offline()
			b.run("click a toggle", chromedp.Click(chromedp.CSS(milk+toggleSel)))
			b.waitFor("the failure bar", `document.querySelector("#failure p")?.textContent.includes("Could not reach the server") ?? false`)
			b.waitFor("the row's buttons available again", `![...document.querySelectorAll(`+jsQuote(milk+" button")+`)].some(b => b.disabled || b.hasAttribute("aria-disabled"))`)
			if got := b.attr(milk+toggleSel, "aria-pressed"); got != "false" {
				t.Errorf("the toggle shows aria-pressed=%q after the failed request", got)
			}
			b.online()
			before = b.settles()
			b.run("click Retry", chromedp.Click(chromedp.CSS(`#failure button[data-action=retry]`)))
			b.waitSettles(before)
			b.waitFor("the toggled row", `document.querySelector(`+jsQuote(milk+toggleSel)+`)?.getAttribute("aria-pressed") === "true"`)
			b.expectScreenIsDB(d, "alice")
			b.waitFor("the announcement", `document.querySelector("#live").textContent === "Marked as done: Buy milk"`)
			b.waitFocus(milk + toggleSel)
		})
	}
}

// TestBrowserKeyboardAdd adds tasks with the keyboard only: Tab reaches the
// add field and then the Add button, Enter adds, and the focus stays in
// the add field (emptied) for the next task; a success is announced in
// the polite live region.
func TestBrowserKeyboardAdd(t *testing.T) {
	for _, mode := range jsModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("alice", secretPassword)

			n := b.tabTo("#new-task-title", 12)
			t.Logf("%d Tabs from the top of the page to the add field", n)
			b.press("\t")
			b.waitFocus("#add-task-form button[type=submit]")

			// Back in the field (Shift+Tab), type and press Enter.
			b.run("focus the add field", chromedp.Focus(chromedp.CSS("#new-task-title")))
			for _, title := range []string{"Buy milk", "Call mum"} {
				before := b.settles()
				b.press(title)
				b.press("\r")
				b.waitSettles(before)
				b.waitFocus("#new-task-title")
				b.expectValue("#new-task-title", "")
				b.waitFor("the announcement of "+title, `document.querySelector("#live").textContent === "Added: `+title+`"`)
			}
			b.expectTasks([]string{"Buy milk", "Call mum"}, nil)
			b.expectScreenIsDB(d, "alice")

			// The Add button, pressed with Enter, also leaves the focus
			// in the add field.
			b.press("Renew passport")
			b.press("\t")
			b.waitFocus("#add-task-form button[type=submit]")
			before := b.settles()
			b.press("\r")
			b.waitSettles(before)
			b.waitFocus("#new-task-title")
			b.expectScreenIsDB(d, "alice")
		})
	}
}

// TestBrowserFocusAfterSwaps checks where the focus lands after each task
// button, used with the keyboard: a toggle keeps it on the row's toggle; a
// row that leaves the list (deleted, or toggled out of the filter) hands
// it to the next row's toggle, or the previous row's after the last row;
// a rename puts it back on the row's Rename; with no row left it goes to
// the add field.
func TestBrowserFocusAfterSwaps(t *testing.T) {
	for _, mode := range jsModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("alice", secretPassword)
			seedTasks(t, d, "alice", "Four", "Three", "Two", "One") // shown newest first: One to Four
			b.open("/")
			one, two, three, four := b.task("One"), b.task("Two"), b.task("Three"), b.task("Four")

			// activate focuses sel and presses Enter on it, then waits for
			// the swap.
			activate := func(sel string) {
				t.Helper()
				b.run("focus "+sel, chromedp.Focus(chromedp.CSS(sel)))
				before := b.settles()
				b.press("\r")
				b.waitSettles(before)
			}

			activate(two + toggleSel)
			b.waitFocus(two + toggleSel)
			b.waitFor("the toggle announcement", `document.querySelector("#live").textContent === "Marked as done: Two"`)
			if got := b.attr(two+toggleSel, "aria-pressed"); got != "true" {
				t.Errorf("Two's toggle has aria-pressed=%q after the toggle", got)
			}

			// The list is newest first: Four, Three, Two, One.
			activate(two + deleteSel)
			b.waitFocus(one + toggleSel)
			b.waitFor("the delete announcement", `document.querySelector("#live").textContent === "Deleted: Two"`)

			activate(four + deleteSel)
			b.waitFocus(three + toggleSel)

			// Rename Three with the keyboard: open the form, type, Enter.
			id := strings.TrimPrefix(three, "#task-")
			// Rename Three with the keyboard: Enter on Rename swaps the row
			// in edit mode with its field focused; type, Enter; the focus
			// is back on Rename. Cancel does the same without a change.
			activate(three + renameSel)
			b.waitFocus("#rename-title-" + id)
			b.fill("#rename-title-"+id, "Three and a half")
			before := b.settles()
			b.press("\r")
			b.waitSettles(before)
			b.waitFocus(three + renameSel)
			b.waitFor("the rename announcement", `document.querySelector("#live").textContent === "Renamed to: Three and a half"`)
			activate(three + renameSel)
			b.waitFocus("#rename-title-" + id)
			activate(three + " a.cancel")
			b.waitFocus(three + renameSel)

			// Under the open filter, a toggled row leaves the list.
			b.open("/?filter=open")
			activate(one + toggleSel)
			b.waitFocus(three + toggleSel)
			b.expectScreenIsDB(d, "alice")
			activate(three + toggleSel)
			b.waitFocus("#new-task-title")
			b.expectScreenIsDB(d, "alice")
		})
	}
}

// TestBrowserFocusRing measures the focus ring of the keyboard-focused
// controls against what is behind it, in the light and the dark scheme:
// WCAG 2.2 wants at least 3:1 (the old ring was a 35% shadow, ~1.7:1).
func TestBrowserFocusRing(t *testing.T) {
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, jsModes[0])
			params := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}
			if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, params); err != nil {
				t.Fatal(err)
			}
			b.signup("alice", secretPassword)
			seedTasks(t, d, "alice", "One")
			b.open("/")
			// Use the keyboard once: from then on, focus moved by a script
			// is shown as keyboard focus (:focus-visible) too.
			b.press("\t")
			for _, sel := range []string{"#new-task-title", "#add-task-form button[type=submit]", "#task-list" + toggleSel, "#task-list" + renameSel, "#task-list" + deleteSel, `nav a[href="/settings"]`} {
				eval[chromedp.Void](b, `document.querySelector(`+jsQuote(sel)+`).focus()`)
				ring := eval[struct {
					Style    string  `json:"style"`
					Width    float64 `json:"width"`
					Contrast float64 `json:"contrast"`
				}](b, focusRingJS(sel))
				if ring.Style == "none" || ring.Width < 2 || ring.Contrast < 3 {
					t.Errorf("%s (%s): focus ring %s %.1fpx, contrast %.2f:1 against its background; want a ring of 2px or more at 3:1 or more",
						sel, scheme, ring.Style, ring.Width, ring.Contrast)
				} else {
					t.Logf("%s (%s): %.1fpx %s ring, %.2f:1", sel, scheme, ring.Width, ring.Style, ring.Contrast)
				}
			}
		})
	}
}

// focusRingJS returns the outline style and width of the focused element
// sel and the contrast ratio of its colour against the first opaque
// background behind the element (its parents', as the ring is drawn
// outside the element).
func focusRingJS(sel string) string {
	return `(() => {
		const el = document.querySelector(` + jsQuote(sel) + `);
		if (document.activeElement !== el || !el.matches(":focus-visible")) throw new Error("no keyboard focus on " + ` + jsQuote(sel) + `);
		const cs = getComputedStyle(el);
		const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
		const lum = ([r, g, b]) => {
			const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
			return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
		};
		let bg = null;
		for (let e = el.parentElement; e; e = e.parentElement) {
			const c = rgb(getComputedStyle(e).backgroundColor);
			if (c.length === 3 || (c.length === 4 && c[3] === 1)) { bg = c.slice(0, 3); break; }
		}
		bg ??= [255, 255, 255];
		const ring = rgb(cs.outlineColor).slice(0, 3);
		const [hi, lo] = [lum(ring), lum(bg)].sort((a, b) => b - a);
		return {style: cs.outlineStyle, width: parseFloat(cs.outlineWidth), contrast: (hi + 0.05) / (lo + 0.05)};
	})()`
}

// TestBrowserPhoneLayout checks the task rows at 390 px: the title gets
// most of the row, Rename and Delete are compact icon buttons that still
// have their names for screen readers and are big enough to tap, and
// nothing overflows sideways.
func TestBrowserPhoneLayout(t *testing.T) {
	d, b := openDemo(t, jsModes[0], withViewport(390, 844))
	b.signup("alice", secretPassword)
	seedTasks(t, d, "alice", "Call the plumber about the kitchen sink")
	b.open("/")
	row := b.task("Call the plumber about the kitchen sink")
	type box struct {
		Row, Title, Summary, Delete, SummaryH, DeleteH float64
		Overflow                                       bool
		SummaryName, DeleteName                        string
	}
	got := eval[box](b, `(() => {
		const li = document.querySelector(`+jsQuote(row)+`);
		const w = s => li.querySelector(s).getBoundingClientRect();
		return {
			Row: li.getBoundingClientRect().width,
			Title: w("form > span").width,
			Summary: w("form > a").width, SummaryH: w("form > a").height,
			Delete: w("button[formaction]").width, DeleteH: w("button[formaction]").height,
			Overflow: document.documentElement.scrollWidth > window.innerWidth,
			SummaryName: li.querySelector("form > a").textContent.trim(),
			DeleteName: li.querySelector("button[formaction]").textContent.trim(),
		};
	})()`)
	t.Logf("at 390px: row %.0fpx, title %.0fpx, Rename %.0fx%.0fpx, Delete %.0fx%.0fpx", got.Row, got.Title, got.Summary, got.SummaryH, got.Delete, got.DeleteH)
	if got.Title < 0.55*got.Row {
		t.Errorf("the title is %.0fpx of a %.0fpx row; want the title to get most of the width", got.Title, got.Row)
	}
	for _, c := range []struct {
		name       string
		w, h       float64
		accessible string
	}{{"Rename", got.Summary, got.SummaryH, got.SummaryName}, {"Delete", got.Delete, got.DeleteH, got.DeleteName}} {
		if c.w > 48 || c.w < 24 || c.h < 24 {
			t.Errorf("%s is %.0fx%.0fpx at 390px; want a compact control of 24 to 48px", c.name, c.w, c.h)
		}
		// The title is in the same list item, so the short name is
		// enough.
		if c.accessible != c.name {
			t.Errorf("%s's text is %q; want its name kept for screen readers", c.name, c.accessible)
		}
	}
	if got.Overflow {
		t.Errorf("the page scrolls sideways at 390px")
	}
}

// TestBrowserResponseSizes records the bytes of the first page load and of
// a toggle, and checks that HTML, CSS and JavaScript come compressed and
// that the static files come from the browser's cache on the next page.
func TestBrowserResponseSizes(t *testing.T) {
	for _, mode := range jsModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			log := recordResponses(t, b.ctx)
			b.signup("alice", secretPassword)
			titles := make([]string, 20)
			for i := range titles {
				titles[i] = "Task number " + string(rune('A'+i)) + " with a title of ordinary length"
			}
			seedTasks(t, d, "alice", titles...)

			// A cold page load: the tab has the static files cached from
			// the sign-up pages, so clear the cache first.
			if _, err := chromedp.Call(b.ctx, network.ClearBrowserCache, cdp.Empty{}); err != nil {
				t.Fatal(err)
			}
			m := log.mark()
			b.open("/")
			first := log.waitDone(t, m)
			for _, r := range first {
				path := strings.TrimPrefix(r.URL, d.URL)
				t.Logf("first load: %s %s %d %s: %d bytes on the wire, %d decoded%s", r.Method, path, r.Status, r.Encoding, r.Wire, r.Decoded, map[bool]string{true: " (cached)"}[r.Cached])
				if r.Cached {
					continue
				}
				if r.Encoding == "" && r.Decoded > 1000 {
					t.Errorf("%s came uncompressed (%d bytes)", path, r.Decoded)
				}
			}

			wire, decoded := total(first)
			t.Logf("first load of / with %d tasks: %d bytes on the wire, %d decoded", len(titles), wire, decoded)

			// The next page load asks for the page only: the static files,
			// under versioned URLs, are immutable.
			m = log.mark()
			b.open("/")
			for _, r := range log.waitDone(t, m) {
				if path := strings.TrimPrefix(r.URL, d.URL); strings.HasPrefix(path, "/public/") && !r.Cached {
					t.Errorf("reload: %s was fetched again: %+v", path, r)
				}
			}

			// A toggle answers with its row and the summary: under 2 KB
			// on the wire, headers included.
			toggle := func(title string) (wire, decoded int64) {
				t.Helper()
				m := log.mark()
				before := b.settles()
				b.run("click a toggle", chromedp.Click(chromedp.CSS(b.task(title)+toggleSel)))
				b.waitSettles(before)
				// The live task list's refetch of the page after its own
				// change notice (public/js/live.js) is not the toggle's.
				rs := slices.DeleteFunc(log.waitDone(t, m), func(r response) bool { return r.Method == "GET" })
				if len(rs) != 1 || rs[0].Method != "POST" {
					t.Fatalf("a toggle made these requests, want one POST: %+v", rs)
				}
				wire, decoded = total(rs)
				n := len(d.tasks("alice"))
				t.Logf("toggle with %d tasks: %d bytes on the wire (%s), %d decoded", n, wire, rs[0].Encoding, decoded)
				if wire >= 2048 {
					t.Errorf("a toggle with %d tasks answered %d bytes on the wire, want under 2 KB", n, wire)
				}
				return wire, decoded
			}
			// That the size does not grow with the list is
			// TestDemoRowAnswersAreSmall's (3 and 150 tasks, every row
			// function).
			toggle(titles[3])
		})
	}
}

// TestBrowserStaleError clicks the toggle of a task that another tab has
// deleted: the error shows in the task error slot as one alert (not an
// alert inside an alert), the stale row goes, and the error goes with the
// next successful request.
func TestBrowserStaleError(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("alice", secretPassword)
			seedTasks(t, d, "alice", "Gone elsewhere", "Still here", "Neighbour")
			b.open("/")
			gone := b.task("Gone elsewhere")
			stored := d.tasks("alice")
			if err := d.App.Store.DeleteTask(d.userID("alice"), stored[0].ID); err != nil {
				t.Fatal(err)
			}
			// A neighbour changed elsewhere too, unannounced (straight in
			// the store): the 404's answer makes the page refetch it.
			if _, err := d.App.Store.RenameTaskRow(d.userID("alice"), stored[2].ID, "Neighbour, renamed elsewhere"); err != nil {
				t.Fatal(err)
			}
			if want := "#task-" + strconv.FormatInt(stored[0].ID, 10); want != gone {
				t.Fatalf("task ids: %s on screen, %s stored", gone, want)
			}
			b.submit(gone+toggleSel, "/")
			b.expectText("#task-errors", "That task does not exist (any more).")
			if n := eval[int](b, `document.querySelectorAll("#task-errors [role=alert]").length`); n != 1 {
				t.Errorf("%d alerts in the error slot, want 1", n)
			}
			if n := eval[int](b, `document.querySelectorAll("[role=alert] [role=alert], [aria-live] [role=alert]").length`); n != 0 {
				t.Errorf("%d alerts nested in live regions", n)
			}
			if b.exists(gone) {
				t.Errorf("the stale row %s is still shown after the 404", gone)
			}
			// The counts are corrected, the neighbour refetched.
			b.waitShown(func(ts []shownTask) bool {
				return slices.Contains(titlesOf(ts), "Neighbour, renamed elsewhere")
			}, "the neighbour renamed elsewhere")
			if got, want := b.shownCounts(), storedCounts(t, d, d.userID("alice")); got != want {
				t.Errorf("after the 404 the counts show %s, the database %s", got, want)
			}

			b.addTask("Next thing")
			if got := b.text("#task-errors"); got != "" {
				t.Errorf("the error stayed up after a successful add: %q", got)
			}
			if mode.js {
				b.expectText("#new-task-error", "")
			}

			// Saving the rename of a task deleted meanwhile: the edit row
			// goes too, and the message shows in the error slot.
			still := b.task("Still here")
			b.openRename(still)
			if err := d.App.Store.DeleteTask(d.userID("alice"), stored[1].ID); err != nil {
				t.Fatal(err)
			}
			b.submit(still+" form.rename button", b.location())
			b.expectText("#task-errors", "That task does not exist (any more).")
			if b.exists(still) {
				t.Errorf("the stale row %s in edit mode is still shown after the 404", still)
			}
		})
	}
}

// TestBrowserControlBorderContrast measures the border of the controls
// whose edge is their only outline (the text inputs and the unchecked
// toggle) against the colours on either side of it, in the light and the
// dark scheme: WCAG 1.4.11 wants at least 3:1 (the borders were 1.32:1
// and 1.42:1).
func TestBrowserControlBorderContrast(t *testing.T) {
	for _, scheme := range []string{"light", "dark"} {
		t.Run(scheme, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, jsModes[0])
			params := emulation.SetEmulatedMediaParams{Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}}
			if _, err := chromedp.Call(b.ctx, emulation.SetEmulatedMedia, params); err != nil {
				t.Fatal(err)
			}
			b.signup("alice", secretPassword)
			seedTasks(t, d, "alice", "One")
			b.open("/")
			eval[chromedp.Void](b, `document.activeElement && document.activeElement.blur()`)
			for _, sel := range []string{"#new-task-title", "#task-list" + toggleSel} {
				got := eval[float64](b, borderContrastJS(sel))
				if got < 3 {
					t.Errorf("%s (%s): border contrast %.2f:1; want 3:1 or more", sel, scheme, got)
				} else {
					t.Logf("%s (%s): border %.2f:1", sel, scheme, got)
				}
			}
		})
	}
}

// borderContrastJS returns the lowest contrast ratio of the top border
// colour of sel against its own background (where opaque) and the first
// opaque background behind it.
func borderContrastJS(sel string) string {
	return `(() => {
		const el = document.querySelector(` + jsQuote(sel) + `);
		const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
		const opaque = c => c.length === 3 || (c.length === 4 && c[3] === 1);
		const lum = ([r, g, b]) => {
			const f = c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
			return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
		};
		const ratio = (a, b) => { const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x); return (hi + 0.05) / (lo + 0.05); };
		const cs = getComputedStyle(el);
		const border = rgb(cs.borderTopColor).slice(0, 3);
		const sides = [];
		const own = rgb(cs.backgroundColor);
		if (opaque(own)) sides.push(own.slice(0, 3));
		let behind = [255, 255, 255];
		for (let e = el.parentElement; e; e = e.parentElement) {
			const c = rgb(getComputedStyle(e).backgroundColor);
			if (opaque(c)) { behind = c.slice(0, 3); break; }
		}
		sides.push(behind);
		return Math.min(...sides.map(s => ratio(border, s)));
	})()`
}
