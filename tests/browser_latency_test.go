package tests

// No lost or doubled clicks over a slow link (300 ms of latency, emulated
// through the DevTools protocol): rapid toggles on two rows, a
// double-clicked Add and a double Enter in the add field. Afterwards the
// screen equals the database, and a reload shows the same screen.

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// settleAll waits until htmx has no request in flight and nothing to
// swap, and every request recorded since mark has finished.
func (b *demoTab) settleAll(log *responseLog, mark int) {
	b.t.Helper()
	log.waitDone(b.t, mark)
	b.waitFor("htmx to be idle", htmxIdleJS+` && !document.querySelector("[disabled]")`)
	// htmx 2 makes new content live 20 ms after the swap.
	time.Sleep(50 * time.Millisecond)
	b.waitFor("htmx to be idle", htmxIdleJS)
}

// expectReloadSame reloads the page and checks that it shows what it
// showed before, which is what the database holds.
func (b *demoTab) expectReloadSame(d *demoServer, username string) {
	b.t.Helper()
	b.expectScreenIsDB(d, username)
	tasks, open, done := b.screenTasks()
	before := fmt.Sprint(tasks, open, done)
	b.open(b.location())
	tasks, open, done = b.screenTasks()
	if after := fmt.Sprint(tasks, open, done); after != before {
		b.t.Fatalf("the screen changed on reload:\n before %s\n after  %s", before, after)
	}
	b.expectScreenIsDB(d, username)
}

func TestBrowserNoLostClicks(t *testing.T) {
	for _, mode := range jsModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			log := recordResponses(t, b.ctx)
			b.signup("alice", secretPassword)
			seedTasks(t, d, "alice", "One", "Two", "Three")
			b.open("/")
			b.slowNetwork(300 * time.Millisecond)

			// Two toggles on two rows, 100 ms apart; then the same two again
			// under the done filter, which the rows leave.
			for _, path := range []string{"/", "/?filter=done"} {
				if path != "/" {
					b.open(path)
				}
				rows := eval[[]string](b, `[...document.querySelectorAll("#task-list li.task")].map(li => "#" + li.id)`)
				if len(rows) < 2 {
					t.Fatalf("%s shows %d rows", path, len(rows))
				}
				m := log.mark()
				b.run("click the first toggle", chromedp.Click(chromedp.CSS(rows[0]+" .toggle")))
				time.Sleep(100 * time.Millisecond)
				b.run("click the second toggle", chromedp.Click(chromedp.CSS(rows[1]+" .toggle")))
				b.settleAll(log, m)
				b.expectReloadSame(d, "alice")
			}
			if n := len(d.tasks("alice")); n != 3 {
				t.Fatalf("%d tasks after the toggles, want 3", n)
			}

			// A double-click on Add stores one task and shows it once.
			b.open("/")
			b.fill("#new-task-title", "Double-clicked")
			m := log.mark()
			b.run("double-click Add", chromedp.DoubleClick(chromedp.CSS("#add-task-form button[type=submit]")))
			b.settleAll(log, m)
			b.expectReloadSame(d, "alice")

			// Enter twice in the add field: the same.
			b.fill("#new-task-title", "Entered twice")
			m = log.mark()
			b.press("\r")
			b.press("\r")
			b.settleAll(log, m)
			b.expectReloadSame(d, "alice")

			count := map[string]int{}
			for _, task := range d.tasks("alice") {
				count[task.Title]++
			}
			for _, title := range []string{"Double-clicked", "Entered twice"} {
				if count[title] != 1 {
					t.Errorf("%q stored %d times, want once", title, count[title])
				}
			}
		})
	}
}
