package tests

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserNoJSReturnsToTheRow uses a list of 60 tasks without
// JavaScript: a toggle far down the list comes back scrolled to its row,
// not to the top; a double-clicked Delete (with 300 ms of latency, so
// that the browser sends both posts) deletes the task, shows no error
// and comes back at the next row.
func TestBrowserNoJSReturnsToTheRow(t *testing.T) {
	mode := browserModes[2]
	d, b := openDemo(t, mode)
	b.signup("alice", secretPassword)
	titles := make([]string, 60)
	for i := range titles {
		titles[i] = fmt.Sprintf("Task %02d", i+1)
	}
	seedTasks(t, d, "alice", titles...)
	b.open("/")
	row, next := b.task("Task 15"), b.task("Task 14") // newest first: Task 15 is row 46 of the first page

	// inView waits for the page that the post leads to and checks that
	// it is scrolled to the row sel.
	inView := func(what, sel string) {
		t.Helper()
		b.waitNewPage(what)
		b.mark()
		if got := eval[string](b, `location.hash`); got != sel {
			t.Errorf("%s: at %q, want %q", what, got, sel)
		}
		type place struct {
			ScrollY float64 `json:"scrollY"`
			Top     float64 `json:"top"`
			Height  float64 `json:"height"`
		}
		p := eval[place](b, `({scrollY: window.scrollY, top: document.querySelector(`+jsQuote(sel)+`).getBoundingClientRect().top, height: window.innerHeight})`)
		if p.ScrollY < 100 || p.Top < 0 || p.Top > p.Height {
			t.Errorf("%s: scrolled to %.0f px, the row %s at %.0f px of a %.0f px window; want the row in view", what, p.ScrollY, sel, p.Top, p.Height)
		}
	}

	b.run("scroll to "+row, chromedp.ScrollIntoView(chromedp.CSS(row)))
	b.run("toggle "+row, chromedp.Click(chromedp.CSS(row+toggleSel)))
	inView("toggle", row)
	if got := b.attr(row+toggleSel, "aria-pressed"); got != "true" {
		t.Errorf("the toggled row has aria-pressed=%q", got)
	}

	log := recordResponses(t, b.ctx)
	b.slowNetwork(300 * time.Millisecond)
	type point struct {
		X float64 `json:"x"`
		Y float64 `json:"y"`
	}
	at := eval[point](b, `(() => {
		const r = document.querySelector(`+jsQuote(row+deleteSel)+`).getBoundingClientRect();
		return {x: r.left + r.width / 2, y: r.top + r.height / 2};
	})()`)
	b.run("double-click Delete of "+row, chromedp.MouseClickXY(at.X, at.Y), chromedp.MouseClickXY(at.X, at.Y))
	inView("double-clicked delete", next)
	posts := 0
	for _, r := range log.since(0) {
		if r.Method == "POST" && strings.HasSuffix(r.URL, "/api/delete_task") {
			posts++
		}
	}
	// Chromium sends the second post and drops the first answer, or
	// (when the first answer comes first) navigates before the second
	// click; TestDemoPlainPostsReturnToTheRow repeats a delete for sure.
	t.Logf("the double click sent %d posts to delete_task", posts)
	if b.exists(row) {
		t.Errorf("the deleted row %s is still shown", row)
	}
	if msg := b.text("#task-errors"); msg != "" {
		t.Errorf("after a double-clicked delete the page says %q", msg)
	}
	if body := b.text("body"); strings.Contains(body, "does not exist") {
		t.Errorf("after a double-clicked delete the page says the task does not exist")
	}
	if n := d.taskCount("alice"); n != 59 {
		t.Errorf("%d tasks stored, want 59", n)
	}
}

// waitNewPage waits until a page other than the one mark was set on has
// loaded. (Evaluating fails while the document is being replaced; it
// tries again.)
func (b *demoTab) waitNewPage(what string) {
	b.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		loaded, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && window.__marker !== 1`))
		if err == nil && loaded {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: no new page within %v (last error: %v)", what, stepTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
