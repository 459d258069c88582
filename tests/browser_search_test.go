package tests

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// searchFieldSel is the task search's field.
const searchFieldSel = "#task-search-q"

// search runs a search as the user does: with JavaScript, types q into
// the search field (the active search fetches the results after a pause)
// and waits until the results and the URL show it, without a reload;
// without JavaScript, fills the field and presses Enter, and waits for
// the results page.
func (b *demoTab) search(q, wantStatus string) {
	b.t.Helper()
	want := "/?q=" + strings.ReplaceAll(q, " ", "+")
	if !b.js {
		b.fill(searchFieldSel, q)
		b.follow("#task-search button[type=submit]", want)
	} else {
		b.fill(searchFieldSel, q)
		b.waitFor("the results of "+q, fmt.Sprintf(`location.pathname + location.search === %s && document.querySelector("#search-status").textContent.trim() === %s && %s`,
			jsQuote(want), jsQuote(wantStatus), htmxIdleJS))
		if b.reloaded() {
			b.t.Fatalf("search %q: the page reloaded; want htmx to swap the results in", q)
		}
		// The user may go on typing: the focus stays in the field.
		if f := b.activeElement(); !eval[bool](b, `document.activeElement?.matches(`+jsQuote(searchFieldSel)+`) ?? false`) {
			b.t.Errorf("search %q: the focus moved to %s", q, f)
		}
	}
	b.expectText("#search-status", wantStatus)
}

// backTo presses Back until the page is at path (at most n times) and
// waits until it shows status.
func (b *demoTab) backTo(path, status string, n int) {
	b.t.Helper()
	for i := 0; ; i++ {
		b.back()
		// Back may load a page anew (no JavaScript; an entry of the page
		// before a reload) or let htmx restore it in place: wait through
		// either, retrying while the page changes under the evaluation.
		b.waitLoaded(fmt.Sprintf(`document.readyState === "complete" && !!document.querySelector("#search-status") && %s`, htmxIdleJS))
		if b.location() == path {
			break
		}
		if i == n {
			b.t.Fatalf("%d Backs did not reach %s (at %s)", n, path, b.location())
		}
	}
	b.waitLoaded(fmt.Sprintf(`document.querySelector("#search-status")?.textContent.trim() === %s && %s`, jsQuote(status), htmxIdleJS))
	b.mark()
}

// waitLoaded polls cond until it is true (swapTimeout), also while a
// navigation replaces the page (an evaluation then fails and is tried
// again).
func (b *demoTab) waitLoaded(cond string) {
	b.t.Helper()
	deadline := time.Now().Add(swapTimeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: not within %v (last error %v)", cond, swapTimeout, err)
		}
		time.Sleep(20 * time.Millisecond) // a poll's interval, not a wait for an event
	}
}

// expectResults checks the titles shown, in order, and what the search
// field holds.
func (b *demoTab) expectResults(q string, titles []string) {
	b.t.Helper()
	b.expectValue(searchFieldSel, q)
	b.expectTitles(q, titles)
}

// expectTitles checks the titles shown, in order.
func (b *demoTab) expectTitles(q string, titles []string) {
	b.t.Helper()
	if got := b.taskTitles(); !slices.Equal(got, titles) {
		b.t.Fatalf("search %q shows %q, want %q", q, got, titles)
	}
}

// TestBrowserSearch types searches into the task page with htmx 4, htmx 2
// and without JavaScript: the results and the URL follow, a reload shows
// the same results, and Back returns to the previous results and then to
// the whole list.
func TestBrowserSearch(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			d, b := openDemo(t, mode)
			b.signup("seeker", "seeker-password")
			d.addTasks("seeker", "Buy milk", "Call the plumber", "Milkshake recipe", "Pay bills")
			b.open("/")
			all := b.taskTitles()
			if len(all) != 4 {
				t.Fatalf("the list shows %q", all)
			}
			b.expectText("#search-status", "")

			b.search("milk", "2 tasks match “milk”.")
			b.expectResults("milk", []string{"Milkshake recipe", "Buy milk"})
			b.search("zebra", "No task matches “zebra”.")
			b.expectResults("zebra", []string{})
			b.search("pay", "1 task matches “pay”.")
			b.expectResults("pay", []string{"Pay bills"})

			b.run("reload", chromedp.Reload())
			b.waitFor("the reloaded page", `document.readyState === "complete"`)
			if got := b.location(); got != "/?q=pay" {
				t.Fatalf("reloaded at %s", got)
			}
			b.expectText("#search-status", "1 task matches “pay”.")
			b.expectResults("pay", []string{"Pay bills"})

			// After Back without JavaScript the browser puts back what
			// was typed in the field when the page was left (the next
			// search), as it does in any form; the results are the
			// page's own. htmx renders the field anew.
			afterBack := b.expectResults
			if !mode.js {
				afterBack = b.expectTitles
			}
			// Typing slower than the 300 ms pause pushes the URLs of a
			// few letters too (/?q=ze): Back may pass them first.
			b.backTo("/?q=zebra", "No task matches “zebra”.", 6)
			afterBack("zebra", []string{})
			b.backTo("/?q=milk", "2 tasks match “milk”.", 6)
			afterBack("milk", []string{"Milkshake recipe", "Buy milk"})
			b.backTo("/", "", 6)
			afterBack("", all)

			if mode.js {
				// Clearing the field (Escape in a search field) shows the
				// whole list again, at the list's own URL.
				b.search("bills", "1 task matches “bills”.")
				b.run("click the field", chromedp.Click(chromedp.CSS(searchFieldSel)))
				b.press(kb.Escape)
				b.waitFor("the whole list", fmt.Sprintf(`location.pathname + location.search === "/" && document.querySelectorAll(%s).length === 4 && %s`, jsQuote(taskTitleSel), htmxIdleJS))
				b.expectText("#search-status", "")

				// Enter (submit and the search event) searches at once,
				// through htmx too: the page does not reload.
				b.fill(searchFieldSel, "plumber")
				b.press(kb.Enter)
				b.waitFor("the results of Enter", `location.search === "?q=plumber" && document.querySelector("#search-status").textContent.trim() === "1 task matches “plumber”." && `+htmxIdleJS)
				if b.reloaded() {
					t.Errorf("Enter in the search field reloaded the page")
				}
				b.expectResults("plumber", []string{"Call the plumber"})
			}
		})
	}
}
