package tests

// Per-row updates under a slow network: with 300 ms of latency, rapid
// toggles on two rows, a double-clicked Add and a double Enter leave the
// screen, the page after a reload and the database in agreement, and every
// answer is small.

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// answerSizes returns the requests the page made with fetch or XHR since
// it loaded, with the size of each answer's body in bytes and the time it
// took in ms, in order.
func (b *demoTab) answerSizes() [][3]string {
	b.t.Helper()
	return eval[[][3]string](b, `performance.getEntriesByType("resource")
		.filter(e => e.initiatorType === "fetch" || e.initiatorType === "xmlhttprequest")
		.map(e => [new URL(e.name).pathname, String(e.decodedBodySize), String(Math.round(e.duration))])`)
}

// TestBrowserNoLostClicks: with 300 ms of latency (htmx 4 and htmx 2),
// two toggles 100 ms apart on two rows, a double click on a toggle, a
// toggle and Delete on one row before the first answer, a double click on
// Add and a double Enter in the add field. Afterwards the
// list on the screen, the list after a reload and the database are the
// same: the toggled rows done, each new task there once.
func TestBrowserNoLostClicks(t *testing.T) {
	for _, mode := range browserModes {
		if !mode.js {
			continue // without JavaScript each click loads a page: nothing to lose
		}
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("racer", secretPassword)
			uid := d.userID("racer")
			for i := range 4 {
				if _, err := d.App.Store.AddTask(uid, fmt.Sprintf("Task %d", i+1)); err != nil {
					t.Fatal(err)
				}
			}
			b.open("/")
			first, second := b.task("Task 2"), b.task("Task 3")
			b.slowNetwork(300 * time.Millisecond)

			// Two toggles on two rows, 100 ms apart.
			// The row's buttons are unavailable (aria-disabled) while its
			// request is in flight (public/js/app.js).
			b.run("toggle the first row", chromedp.Click(chromedp.CSS(first+toggleSel)))
			if !eval[bool](b, `[...document.querySelectorAll(`+jsQuote(first+" button")+`)].every(b => b.getAttribute("aria-disabled") === "true")`) {
				t.Errorf("the buttons of %s are available while its toggle is in flight", first)
			}
			b.run("toggle a second row 100 ms later",
				chromedp.Sleep(100*time.Millisecond),
				chromedp.Click(chromedp.CSS(second+toggleSel)))
			b.waitShown(func(ts []shownTask) bool {
				return doneTitles(ts) == "Task 3,Task 2"
			}, "both toggled rows done")

			// A double click on one toggle: the second click comes while
			// the row's request is in flight and is dropped (hx-sync on
			// the row, and app.js ignores it); it would send the same
			// wanted state anyway.
			b.run("double-click one toggle",
				chromedp.Click(chromedp.CSS(b.task("Task 4")+toggleSel)),
				chromedp.Click(chromedp.CSS(b.task("Task 4")+toggleSel)))
			b.waitShown(func(ts []shownTask) bool {
				return doneTitles(ts) == "Task 4,Task 3,Task 2"
			}, "the double-clicked row done")

			// A toggle and, before its answer, Delete on the same row: the
			// delete is dropped; whatever happens, the screen must show
			// what is stored.
			b.run("toggle and delete one row",
				chromedp.Click(chromedp.CSS(b.task("Task 1")+toggleSel)),
				chromedp.Sleep(50*time.Millisecond),
				chromedp.Click(chromedp.CSS(b.task("Task 1")+deleteSel)))
			b.run("let the answers arrive", chromedp.Sleep(1500*time.Millisecond))
			b.waitIdle()
			if screen, stored := b.shownTasks(), b.storedTasks(d, uid); !slices.Equal(screen, stored) {
				t.Errorf("after toggle + delete on one row, the screen and the database differ:\nscreen %v\nstored %v", screen, stored)
			}

			// A double click on Add.
			b.fill("#new-task-title", "Double click")
			b.run("double-click Add",
				chromedp.Click(chromedp.CSS("#add-task-form button[type=submit]")),
				chromedp.Click(chromedp.CSS("#add-task-form button[type=submit]")))
			b.waitShown(func(ts []shownTask) bool { return slices.Contains(titlesOf(ts), "Double click") }, "the double-clicked task")

			// A double Enter in the add field.
			b.fill("#new-task-title", "Double enter")
			b.run("press Enter twice", chromedp.SendKeys(chromedp.CSS("#new-task-title"), kb.Enter+kb.Enter))
			b.waitShown(func(ts []shownTask) bool { return slices.Contains(titlesOf(ts), "Double enter") }, "the double-entered task")

			// Let anything still queued arrive (a second insert would).
			b.run("let late answers arrive", chromedp.Sleep(1500*time.Millisecond))
			b.waitIdle()
			screen := b.shownTasks()
			sizes := b.answerSizes()

			b.open("/")
			reloaded := b.shownTasks()
			stored := b.storedTasks(d, uid)
			want := "Double enter,Double click,Task 4,Task 3,Task 2,Task 1"
			if got := strings.Join(titlesOf(stored), ","); got != want {
				t.Errorf("stored %s, want %s", got, want)
			}
			if got := doneTitles(stored); got != "Task 4,Task 3,Task 2,Task 1" {
				t.Errorf("stored done tasks %q, want Task 1 to 4", got)
			}
			if !slices.Equal(screen, stored) || !slices.Equal(reloaded, stored) {
				t.Errorf("the screen, the reloaded page and the database differ:\nscreen   %v\nreloaded %v\nstored   %v", screen, reloaded, stored)
			}

			// Every answer is small; the toggles under 2 KB.
			var log []string
			for _, s := range sizes {
				log = append(log, s[0]+" "+s[1]+" B in "+s[2]+" ms")
				var n, ms int
				fmt.Sscan(s[1], &n)
				fmt.Sscan(s[2], &ms)
				if strings.HasSuffix(s[0], "/toggle_task") && (n == 0 || n >= 2048) {
					t.Errorf("a toggle answered %d bytes, want under 2 KB", n)
				}
				if ms < 290 {
					t.Errorf("%s took %d ms: the emulated latency did not apply", s[0], ms)
				}
			}
			t.Logf("%s answers: %s", mode.name, strings.Join(log, ", "))
		})
	}
}

// TestBrowserRowsFollowTheFilter: with a filter active (htmx 4 and htmx
// 2), a row that leaves the filter leaves the list while the counts,
// filters and "clear completed" follow out of band; a task added outside
// the filter is not inserted; the last row leaving shows the empty-list
// message; Rename swaps the row in edit mode with its field focused, and
// Cancel swaps it back.
func TestBrowserRowsFollowTheFilter(t *testing.T) {
	for _, mode := range browserModes {
		if !mode.js {
			continue
		}
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("filterer", secretPassword)
			uid := d.userID("filterer")
			for _, title := range []string{"Open one", "Open two"} {
				if _, err := d.App.Store.AddTask(uid, title); err != nil {
					t.Fatal(err)
				}
			}
			b.open("/?filter=open")
			one, two := b.task("Open one"), b.task("Open two")

			b.submit(one+toggleSel, "/?filter=open")
			if got := titlesOf(b.shownTasks()); !slices.Equal(got, []string{"Open two"}) {
				t.Errorf("after toggling a row done under the open filter the list shows %q", got)
			}
			b.expectText("#count-open", "1")
			b.expectText("#count-done", "1")
			b.expectText(`#task-summary a[href="/?filter=done"] .count`, "(1)")
			b.expectText("#clear-completed-form button", "Clear completed (1)")
			if n := eval[int](b, `document.querySelectorAll("#task-summary").length`); n != 1 {
				t.Errorf("%d summaries on the page, want 1", n)
			}

			// Rename in place: the field is focused; Cancel comes back.
			id := strings.TrimPrefix(two, "#task-")
			b.openRename(two)
			if got := eval[string](b, `document.activeElement?.id ?? ""`); got != "rename-title-"+id {
				t.Errorf("after Rename the focus is on %q, want the title field", got)
			}
			b.submit(two+" a.cancel", "/?filter=open")
			if !b.exists(two+toggleSel) || b.exists(two+".editing") {
				t.Errorf("Cancel did not bring the row back in view mode")
			}

			// The last open row leaves: the empty-list message shows.
			b.submit(two+toggleSel, "/?filter=open")
			if got := b.shownTasks(); len(got) != 0 {
				t.Errorf("the open list still shows %v", got)
			}
			b.expectText("#task-list-empty", "Nothing open. Well done!")

			// Adding under the done filter inserts nothing, and clears
			// the form.
			b.open("/?filter=done")
			b.addTask("Not done yet")
			if got := titlesOf(b.shownTasks()); !slices.Equal(got, []string{"Open two", "Open one"}) {
				t.Errorf("after adding an open task under the done filter the list shows %q", got)
			}
			b.expectValue("#new-task-title", "")
			b.expectText("#count-open", "1")
			if n := d.taskCount("filterer"); n != 3 {
				t.Errorf("%d tasks stored, want 3", n)
			}
		})
	}
}
