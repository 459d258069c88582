package tests

// Paging in a browser: 160 tasks, three pages loaded (Load more with
// htmx 4 and htmx 2, the Older tasks link without JavaScript), a row of
// page 3 toggled and another deleted: the screen, the page after a reload
// and the database agree.

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// storedCounts returns the user's counts as shownCounts shows them.
func storedCounts(t *testing.T, d *demoServer, uid int64) string {
	t.Helper()
	n, err := d.App.Store.Counts(uid)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%d/%d", n.Open, n.Done)
}

// loadPages loads pages of the list after the first: Load more with
// JavaScript (the rows are appended, the URL stays), Older tasks without
// (the next page). It checks the pager's visible label on the way.
func (b *demoTab) loadPages(pages int) {
	b.t.Helper()
	label := "Older tasks"
	if b.js {
		label = "Load more"
	}
	for range pages {
		if got := eval[string](b, `document.querySelector("#task-older")?.innerText.trim() ?? ""`); got != label {
			b.t.Fatalf("the pager says %q, want %q", got, label)
		}
		if !b.js {
			b.follow("#task-older", b.attr("#task-older", "href"))
			continue
		}
		rows := len(b.shownTasks())
		at := b.location()
		b.submit("#task-older", at)
		if got := len(b.shownTasks()); got != rows+app.PageSize {
			b.t.Fatalf("Load more: %d rows, want %d", got, rows+app.PageSize)
		}
	}
}

// pageOfDB returns what the page at the tab's location should show of
// the stored tasks (newest first): with JavaScript the first loaded
// rows; without, the page of the tasks before the URL's cursor.
func (b *demoTab) pageOfDB(d *demoServer, uid int64, loaded int) []shownTask {
	b.t.Helper()
	stored := b.storedTasks(d, uid)
	u, err := url.Parse(b.location())
	if err != nil {
		b.t.Fatal(err)
	}
	if before := u.Query().Get("before"); before != "" {
		cursor, _ := strconv.ParseInt(before, 10, 64)
		stored = slices.DeleteFunc(stored, func(s shownTask) bool {
			id, _ := strconv.ParseInt(s.ID, 10, 64)
			return id >= cursor
		})
	}
	return stored[:min(loaded, len(stored))]
}

// TestBrowserPaging: a user with 160 tasks loads pages 2 and 3, toggles a
// row of page 3 and deletes another; the screen is the database, and so
// is the page after a reload (pages loaded again with JavaScript).
func TestBrowserPaging(t *testing.T) {
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("pager", secretPassword)
			uid := d.userID("pager")
			for i := range 160 {
				if _, err := d.App.Store.AddTask(uid, fmt.Sprintf("Task %d", i+1)); err != nil {
					t.Fatal(err)
				}
			}
			b.open("/")
			if got := b.shownTasks(); len(got) != app.PageSize || got[0].Title != "Task 160" {
				t.Fatalf("the first page shows %d rows from %v, want %d from Task 160", len(got), got[:1], app.PageSize)
			}
			if b.exists("#task-newest") {
				t.Errorf("the first page links to the newest tasks")
			}
			b.loadPages(2)
			loaded := 3 * app.PageSize
			if !b.js {
				loaded = app.PageSize
				if !b.exists("#task-newest") {
					t.Errorf("page 3 has no link to the newest tasks")
				}
			}
			if got, want := b.shownTasks(), b.pageOfDB(d, uid, loaded); !slices.Equal(got, want) {
				t.Fatalf("after loading 3 pages the screen shows %v,\nthe database %v", titlesOf(got), titlesOf(want))
			}

			// A row of page 3 toggled, another deleted.
			shown := b.shownTasks()
			third := shown[len(shown)-app.PageSize+2]
			other := shown[len(shown)-app.PageSize+7]
			at := b.location()
			b.submit("#task-"+third.ID+toggleSel, at)
			b.submit("#task-"+other.ID+deleteSel, at)
			if b.js {
				loaded--
			}
			screen, counts := b.shownTasks(), b.shownCounts()
			want, wantCounts := b.pageOfDB(d, uid, loaded), storedCounts(t, d, uid)
			if !slices.Equal(screen, want) || counts != wantCounts {
				t.Errorf("after a toggle and a delete on page 3 the screen shows %v (%s),\nthe database %v (%s)", titlesOf(screen), counts, titlesOf(want), wantCounts)
			}
			if i := slices.IndexFunc(screen, func(s shownTask) bool { return s.ID == third.ID }); i < 0 || !screen[i].Done {
				t.Errorf("the toggled row %s is not shown done", third.Title)
			}
			if wantCounts != "158/1" {
				t.Errorf("stored counts %s, want 158/1", wantCounts)
			}

			// Reloaded (and, with JavaScript, the pages loaded again).
			b.open(b.location())
			if b.js {
				b.loadPages(2)
				loaded = 3 * app.PageSize
			}
			if got := b.shownTasks(); !slices.Equal(got, b.pageOfDB(d, uid, loaded)) || b.shownCounts() != wantCounts {
				t.Errorf("reloaded, the screen shows %v (%s),\nthe database %v (%s)", titlesOf(got), b.shownCounts(), titlesOf(b.pageOfDB(d, uid, loaded)), wantCounts)
			}
		})
	}
}
