package tests

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/demo/app"
)

// The one set of screen-versus-database helpers of the browser tests: what
// the task page shows (shownTasks, shownCounts), what the database holds
// in the same shape (storedTasks, storedView), and the checks and waits
// built on them.

// shownTask is a task as a page shows it, or as the database holds it.
type shownTask struct {
	ID    string
	Title string
	Done  bool
}

// shownTasks returns the rows of the task list on the screen.
func (b *demoTab) shownTasks() []shownTask {
	b.t.Helper()
	rows := eval[[][]string](b, `[...document.querySelectorAll("#task-list > li")].map(li => [
		li.id.replace("task-", ""),
		li.querySelector("form > span")?.textContent.trim() ?? "(editing)",
		String(li.querySelector("button[name=done]")?.getAttribute("aria-pressed") === "true"),
	])`)
	out := make([]shownTask, len(rows))
	for i, r := range rows {
		out[i] = shownTask{ID: r[0], Title: r[1], Done: r[2] == "true"}
	}
	return out
}

// shownCounts returns the open and done counts above the list.
func (b *demoTab) shownCounts() string {
	b.t.Helper()
	return eval[string](b, `(document.querySelector("#count-open")?.textContent ?? "") + "/" + (document.querySelector("#count-done")?.textContent ?? "")`)
}

// storedView is the user's tasks and counts in the database, as
// shownTasks and shownCounts show them.
func storedView(b *demoTab, d *demoServer, uid int64) ([]shownTask, string) {
	b.t.Helper()
	n, err := d.App.Store.Counts(uid)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.storedTasks(d, uid), fmt.Sprintf("%d/%d", n.Open, n.Done)
}

// storedTasks returns the user's tasks in the database, newest first as
// the list shows them.
func (b *demoTab) storedTasks(d *demoServer, uid int64) []shownTask {
	b.t.Helper()
	tasks, err := d.App.Store.Tasks(uid, app.FilterAll)
	if err != nil {
		b.t.Fatal(err)
	}
	var out []shownTask
	for _, task := range slices.Backward(tasks) {
		out = append(out, shownTask{ID: fmt.Sprint(task.ID), Title: task.Title, Done: task.Done})
	}
	return out
}

// waitShown waits until the list on the screen satisfies ok and htmx has
// settled (htmx 2 makes swapped-in forms work only when they settle: a
// keystroke before that would post the new add form without htmx).
func (b *demoTab) waitShown(ok func([]shownTask) bool, what string) {
	b.t.Helper()
	deadline := time.Now().Add(swapTimeout)
	for {
		ts := b.shownTasks()
		if ok(ts) {
			b.waitIdle()
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("waiting for %s: the screen shows %v", what, ts)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitIdle waits until htmx has no request, swap or settle under way.
func (b *demoTab) waitIdle() {
	b.t.Helper()
	idle := chromedp.Poll[chromedp.Void](htmxIdleJS, chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(swapTimeout))
	if _, err := chromedp.Run(b.ctx, idle); err != nil {
		b.t.Fatalf("waiting for htmx to be idle: %v", err)
	}
}

func titlesOf(ts []shownTask) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Title)
	}
	return out
}

func doneTitles(ts []shownTask) string {
	var out []string
	for _, t := range ts {
		if t.Done {
			out = append(out, t.Title)
		}
	}
	return strings.Join(out, ",")
}

// expectScreenIsDB checks that the list on screen is the user's list in
// the database under the page's filter: the same tasks in the same order
// (newest first), each as done as stored, and counts that agree. The
// page must show the whole list (fewer tasks than a page).
func (b *demoTab) expectScreenIsDB(d *demoServer, username string) {
	b.t.Helper()
	filter := app.ParseFilter(eval[string](b, `new URLSearchParams(location.search).get("filter") ?? ""`))
	all, counts := storedView(b, d, d.userID(username))
	var want []shownTask
	for _, t := range all {
		if filter == app.FilterOpen && t.Done || filter == app.FilterDone && !t.Done {
			continue
		}
		want = append(want, t)
	}
	if got, gotCounts := b.shownTasks(), b.shownCounts(); !slices.Equal(got, want) || gotCounts != counts {
		b.t.Fatalf("the screen differs from the database (filter %s):\n screen   %v, %s open/done\n database %v, %s open/done",
			filter, got, gotCounts, want, counts)
	}
}
