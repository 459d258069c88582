package tests

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserFilterTitles checks that each filter of the task list has a
// page title of its own (they all read "Your tasks"), so that the tabs,
// the history and a screen reader's page announcement tell them apart.
func TestBrowserFilterTitles(t *testing.T) {
	d, b := openDemo(t, browserModes[2])
	b.signup("alice", secretPassword)
	seedTasks(t, d, "alice", "One")
	for _, tc := range []struct{ path, want string }{
		{"/", "Your tasks · fiberfn tasks"},
		{"/?filter=open", "Open tasks · fiberfn tasks"},
		{"/?filter=done", "Done tasks · fiberfn tasks"},
	} {
		b.open(tc.path)
		if got := eval[string](b, `document.title`); got != tc.want {
			t.Errorf("%s: title %q, want %q", tc.path, got, tc.want)
		}
	}
}

// TestBrowserFilterLinksStay checks that marking the first task done does
// not move the filter links (a layout shift: "Clear completed" appearing
// beside them pushed them 231 px to the left).
func TestBrowserFilterLinksStay(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("alice", secretPassword)
			seedTasks(t, d, "alice", "One", "Two")
			b.open("/")
			type box struct{ Left, Top float64 }
			const where = `(() => { const r = document.querySelector(".filter-links").getBoundingClientRect(); return {Left: r.left, Top: r.top + window.scrollY}; })()`
			before := eval[box](b, where)
			b.submit(b.task("One")+toggleSel, "/")
			b.waitFor("Clear completed", `document.querySelector("#clear-completed-form") !== null`)
			after := eval[box](b, where)
			if math.Abs(after.Left-before.Left) > 0.5 || math.Abs(after.Top-before.Top) > 0.5 {
				t.Errorf("the filter links moved from (%.0f, %.0f) to (%.0f, %.0f) when the first task was marked done", before.Left, before.Top, after.Left, after.Top)
			}
		})
	}
}

// TestBrowserEscapeLeavesEdit checks that Escape in a row's rename field
// leaves edit mode as Cancel does: the row is back in view mode, its
// title unchanged, and the focus is on its Rename link.
func TestBrowserEscapeLeavesEdit(t *testing.T) {
	for _, mode := range jsModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("alice", secretPassword)
			seedTasks(t, d, "alice", "One")
			b.open("/")
			row := b.task("One")
			id := strings.TrimPrefix(row, "#task-")
			b.openRename(row)
			b.waitFocus("#rename-title-" + id)
			b.fill("#rename-title-"+id, "Not this")
			b.press("\x1b")
			b.waitFor("the row in view mode", `document.querySelector(`+jsQuote(row)+`) && !document.querySelector(`+jsQuote(row+".editing")+`)`)
			b.waitFocus(row + renameSel)
			b.expectScreenIsDB(d, "alice")
			if got := b.taskTitles(); len(got) != 1 || got[0] != "One" {
				t.Errorf("after Escape the list shows %q, want [One]", got)
			}
		})
	}
}

// TestBrowserFailureFocus checks that a failed request puts the focus on
// the failure bar's Retry (it was lost: htmx 2 dropped it to <body>, and
// Retry was hundreds of Tab presses away on a long list), and that Retry
// puts it back on the control that failed.
func TestBrowserFailureFocus(t *testing.T) {
	for _, mode := range jsModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("alice", secretPassword)
			titles := make([]string, 40)
			for i := range titles {
				titles[i] = fmt.Sprintf("Task %02d", i+1)
			}
			seedTasks(t, d, "alice", titles...)
			b.open("/")
			row := b.task("Task 02")
			b.offline()
			b.run("click a toggle", chromedp.Click(chromedp.CSS(row+toggleSel)))
			b.waitFor("the failure bar", `document.querySelector("#failure p")?.textContent.includes("Could not reach the server") ?? false`)
			b.waitFocus(`#failure button[data-action=retry]`)
			b.online()
			before := b.settles()
			b.press("\r")
			b.waitSettles(before)
			b.waitFor("the toggled row", `document.querySelector(`+jsQuote(row+toggleSel)+`)?.getAttribute("aria-pressed") === "true"`)
			b.waitFocus(row + toggleSel)
			b.expectScreenIsDB(d, "alice")
		})
	}
}

// TestBrowserPhoneWraps checks at 390 px that the edit row keeps its
// field, Save and the × on one line, and that the failure bar keeps Retry
// and Dismiss together (Dismiss wrapped onto a line of its own).
func TestBrowserPhoneWraps(t *testing.T) {
	d, b := openDemo(t, jsModes[0], withViewport(390, 844))
	b.signup("alice", secretPassword)
	seedTasks(t, d, "alice", "Call the plumber about the kitchen sink")
	b.open("/")
	row := b.task("Call the plumber about the kitchen sink")
	id := strings.TrimPrefix(row, "#task-")
	b.openRename(row)
	const sameLine = `((a, b) => { const [r, q] = [a.getBoundingClientRect(), b.getBoundingClientRect()]; return r.top < q.bottom && q.top < r.bottom; })`
	if !eval[bool](b, sameLine+`(document.querySelector("#rename-title-`+id+`"), document.querySelector(`+jsQuote(row+" a.cancel")+`))`) {
		t.Error("the edit row wraps its × onto a second line: " + eval[string](b, `[...document.querySelector(`+jsQuote(row+" form")+`).children].map(e => e.tagName + "." + e.className + ":" + Math.round(e.getBoundingClientRect().top) + "w" + Math.round(e.getBoundingClientRect().width)).join(" ")`))
	}
	b.offline()
	b.run("click Save", chromedp.Click(chromedp.CSS(row+" button[type=submit]")))
	b.waitFor("the failure bar", `document.querySelector("#failure p")?.textContent.includes("Could not reach the server") ?? false`)
	if !eval[bool](b, sameLine+`(document.querySelector("#failure [data-action=retry]"), document.querySelector("#failure [data-action=dismiss]"))`) {
		t.Error("the failure bar wraps Dismiss away from Retry")
	}
}
