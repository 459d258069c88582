package tests

// The demo's Import tasks page (issue 18) in Chromium: a 5,000-line file
// imported with htmx 4 (progress streamed), htmx 2 (the last fragment) and
// without JavaScript (the redirect to the list with a notice); the list
// then shows what the database holds.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fiberfn/fiberfn/demo/app"
)

// importedLines is the size of the browser test's file: more than the
// default quota, so the test raises the quota.
const importedLines = 5000

func TestBrowserImportTasks(t *testing.T) {
	file := filepath.Join(t.TempDir(), "tasks.txt")
	if err := os.WriteFile(file, []byte(importLines(importedLines)), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemoWith(t, mode, app.Options{TaskQuota: 2 * importedLines})
			b.signup("importer", secretPassword)
			uid := d.userID("importer")
			b.open("/")
			if !b.exists("#import-link") {
				t.Fatal("no Import tasks link on the task page")
			}
			b.open("/import")
			b.run("choose the file", chromedp.SetUploadFiles("#import-file", []string{file}))
			want := fmt.Sprintf("Imported %s tasks", "5,000")
			if b.js {
				b.run("click Import", chromedp.Click(chromedp.CSS("#import-form button")))
				poll := chromedp.Poll[chromedp.Void](fmt.Sprintf(`(document.querySelector("#import-status")?.textContent ?? "").includes(%s)`, jsQuote(want)),
					chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))
				if _, err := chromedp.Run(b.ctx, poll); err != nil {
					t.Fatalf("waiting for %q: %v; the region holds %q", want, err, b.text("#import-progress"))
				}
				if got := b.attr("#import-progress progress", "value"); got != "5000" {
					t.Errorf("progress value %q, want 5000", got)
				}
				if b.location() != "/import" {
					t.Errorf("at %s, want to stay at /import", b.location())
				}
				b.open("/")
			} else {
				b.follow("#import-form button", "/")
				if got := b.text(".notice"); got != want+"." {
					t.Errorf("notice %q, want %q", got, want+".")
				}
			}
			n, err := d.App.Store.Counts(uid)
			if err != nil {
				t.Fatal(err)
			}
			if n.Total() != importedLines {
				t.Fatalf("the database holds %d tasks, want %d", n.Total(), importedLines)
			}
			if got, stored := b.shownCounts(), fmt.Sprintf("%d/%d", n.Open, n.Done); got != stored {
				t.Errorf("the page counts %s, the database %s", got, stored)
			}
			// The page lists the newest page of them.
			if shown, stored := b.shownTasks(), b.storedTasks(d, uid); !slices.Equal(shown, stored[:app.PageSize]) {
				t.Errorf("the page lists %d tasks, want the newest %d of the %d stored", len(shown), app.PageSize, len(stored))
			}
		})
	}
}

// TestBrowserImportRefused: a file with a bad line imports nothing, and
// the page says which line, with and without JavaScript.
func TestBrowserImportRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(file, []byte("fine\n"+strings.Repeat("x", 1000)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemo(t, mode)
			b.signup("careless", secretPassword)
			b.open("/import")
			b.run("choose the file", chromedp.SetUploadFiles("#import-file", []string{file}))
			if b.js {
				b.run("click Import", chromedp.Click(chromedp.CSS("#import-form button")))
				poll := chromedp.Poll[chromedp.Void](`(document.querySelector("#import-progress")?.textContent ?? "").includes("Line 2:")`,
					chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(swapTimeout))
				if _, err := chromedp.Run(b.ctx, poll); err != nil {
					t.Fatalf("waiting for the error: %v; the region holds %q", err, b.text("#import-progress"))
				}
			} else {
				b.follow("#import-form button", "/import")
			}
			if got := b.text("#import-progress"); !strings.Contains(got, "Nothing was imported.") {
				t.Errorf("the region holds %q", got)
			}
			if n := d.taskCount("careless"); n != 0 {
				t.Errorf("%d tasks, want 0", n)
			}
		})
	}
}
