package tests

// Screenshots of the demo's main pages, on a desktop and on a phone. They
// go to $FIBERFN_SCREENSHOTS when it is set (docs/screenshots holds the
// ones in the repository; tasks.png is the README's); otherwise they are
// taken and thrown away, which still proves that every page renders.

import (
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/demo/app"
)

// screenshotTasks is the task list of the screenshots: title and done.
var screenshotTasks = []struct {
	title string
	done  bool
}{
	{"Buy oat milk and coffee beans", true},
	{"Write the quarterly report", false},
	{"Call the plumber about the kitchen sink", false},
	{"Renew passport", true},
	{"Book train tickets to Lyon", false},
}

func TestBrowserScreenshots(t *testing.T) {
	for _, vp := range []struct {
		name          string
		width, height int64
		suffix        string // of the file names
	}{
		{"desktop", 1280, 800, ""},
		{"phone", 390, 844, "-phone"},
	} {
		t.Run(vp.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, browserModes[0], withViewport(vp.width, vp.height))
			// Without a scrollbar, as on a phone: a full-page screenshot
			// of a page that scrolls would otherwise lose its right 15px
			// (the capture keeps the width the scrollbar left, and the
			// page, grown to its full height, lays out without one).
			if _, err := chromedp.Call(b.ctx, emulation.SetScrollbarsHidden, emulation.SetScrollbarsHiddenParams{Hidden: true}); err != nil {
				t.Fatalf("hide scrollbars: %v", err)
			}

			b.open("/login")
			screenshot(b.ctx, t, "login"+vp.suffix)

			b.open("/signup")
			b.fill("#signup-username", "Alice Smith")
			b.fill("#signup-password", secretPassword)
			b.fill("#signup-confirm", "something else")
			b.submit("#signup-form button[type=submit]", "/signup")
			b.expectText("#signup-confirm-error", "The passwords do not match.")
			screenshot(b.ctx, t, "signup-error"+vp.suffix)

			b.signup("alice", secretPassword)
			// The tasks go straight into the store: the journey tests
			// cover adding them through the page.
			uid := d.userID("alice")
			for _, task := range screenshotTasks {
				tk, err := d.App.Store.AddTask(uid, task.title)
				if err != nil {
					t.Fatal(err)
				}
				if task.done {
					if err := d.App.Store.SetDone(uid, tk.ID, true); err != nil {
						t.Fatal(err)
					}
				}
			}
			b.open("/")
			b.expectText("#count-done", "2")
			screenshot(b.ctx, t, "tasks"+vp.suffix)

			// A long list: its first page and the pager after it.
			for i := range 2 * app.PageSize {
				if _, err := d.App.Store.AddTask(uid, fmt.Sprintf("Task number %d", len(screenshotTasks)+i+1)); err != nil {
					t.Fatal(err)
				}
			}
			b.open("/")
			b.expectText("#task-older .when-js", "Load more")
			screenshot(b.ctx, t, "tasks-paged"+vp.suffix)

			b.open("/settings")
			b.expectText("#current-user", "alice")
			screenshot(b.ctx, t, "settings"+vp.suffix)
		})
	}
}
