package tests

// What the user types or where the keyboard is must survive the swaps:
// the add form that comes back after an Add keeps what was typed while
// the request was in flight.

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserTypeWhileAdding types "First", presses Enter, and types
// "Second" while the Add is in flight (1 s of latency): the fresh add form
// that replaces the old one keeps "Second" (it wiped it), and the focus
// stays in the field.
func TestBrowserTypeWhileAdding(t *testing.T) {
	for _, mode := range jsModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("alice", secretPassword)
			b.open("/")
			b.run("focus the add field", chromedp.Focus(chromedp.CSS("#new-task-title")))
			b.slowNetwork(time.Second)
			before := b.settles()
			b.press("First")
			b.press("\r")
			b.waitFor("the Add in flight", `document.querySelector("#add-task-form button[type=submit]").disabled`)
			b.press("Second")
			b.waitSettles(before)
			b.waitFor("the new row", `document.querySelector("#task-list")?.textContent.includes("First") ?? false`)
			b.expectValue("#new-task-title", "Second")
			b.waitFocus("#new-task-title")
			b.expectTasks([]string{"First"}, nil)
			b.expectScreenIsDB(d, "alice")

			// Enter adds "Second" as typed.
			b.slowNetwork(0)
			before = b.settles()
			b.press("\r")
			b.waitSettles(before)
			b.expectValue("#new-task-title", "")
			b.expectTasks([]string{"First", "Second"}, nil)
			b.expectScreenIsDB(d, "alice")
		})
	}
}
