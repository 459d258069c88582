package tests

// The demo's Import tasks page (issue 18) in Chromium: a 5,000-line file
// imported with htmx 4 (progress streamed in the post's answer), htmx 2
// (a job whose progress the placeholder follows with the sse extension)
// and without JavaScript (the redirect to the list with a notice); the
// list then shows what the database holds.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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
				b.slowNetwork(300 * time.Millisecond)
				eval[bool](b, progressRecorderJS)
				b.run("click Import", chromedp.Click(chromedp.CSS("#import-form button")))
				poll := chromedp.Poll[chromedp.Void](fmt.Sprintf(`(document.querySelector("#import-status")?.textContent ?? "").includes(%s)`, jsQuote(want)),
					chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second))
				if _, err := chromedp.Run(b.ctx, poll); err != nil {
					t.Fatalf("waiting for %q: %v; the region holds %q", want, err, b.text("#import-progress"))
				}
				if got := b.attr("#import-progress progress", "value"); got != "5000" {
					t.Errorf("progress value %q, want 5000", got)
				}
				// The page showed the import on its way, not only its end.
				seen := eval[[]string](b, `window.__progress`)
				if !slices.ContainsFunc(seen, midway) {
					t.Errorf("no progress strictly between 0 and %d was shown; the page showed %q", importedLines, seen)
				}
				t.Logf("%s: progress shown: %s", mode.name, strings.Join(seen, " "))
				b.slowNetwork(0) // the list of 5,000 rows loads at full speed
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

// progressRecorderJS records in window.__progress every <progress> the
// page puts into #import-progress, as "value/max", from the mutation
// records themselves (so no swap is missed, however fast they follow
// each other).
const progressRecorderJS = `(() => {
	window.__progress = [];
	const region = document.querySelector("#import-progress");
	new MutationObserver((records) => {
		for (const r of records) {
			for (const n of r.addedNodes) {
				if (!(n instanceof Element)) continue;
				const all = n.matches("progress") ? [n] : [...n.querySelectorAll("progress")];
				for (const p of all) window.__progress.push(p.getAttribute("value") + "/" + p.getAttribute("max"));
			}
		}
	}).observe(region, {childList: true, subtree: true});
	return true;
})()`

// midway reports whether a recorded "value/max" is strictly between 0 and
// max.
func midway(s string) bool {
	v, m, ok := strings.Cut(s, "/")
	value, err1 := strconv.Atoi(v)
	limit, err2 := strconv.Atoi(m)
	return ok && err1 == nil && err2 == nil && value > 0 && value < limit
}

// TestBrowserImportRefused: a 5,000-line file with a bad line 3,001
// imports nothing, and the page says which line, with htmx 4, htmx 2 and
// without JavaScript.
func TestBrowserImportRefused(t *testing.T) {
	lines := strings.Split(importLines(importedLines), "\n")
	lines[3000] = strings.Repeat("x", 1000) // line 3,001: too long a title
	file := filepath.Join(t.TempDir(), "bad.txt")
	if err := os.WriteFile(file, []byte(strings.Join(lines, "\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, mode := range browserModes {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			d, b := openDemoWith(t, mode, app.Options{TaskQuota: 2 * importedLines})
			b.signup("careless", secretPassword)
			b.open("/import")
			b.run("choose the file", chromedp.SetUploadFiles("#import-file", []string{file}))
			if b.js {
				b.run("click Import", chromedp.Click(chromedp.CSS("#import-form button")))
				poll := chromedp.Poll[chromedp.Void](`(document.querySelector("#import-progress")?.textContent ?? "").includes("Line 3,001:")`,
					chromedp.WithPollingInterval(20*time.Millisecond), chromedp.WithPollingTimeout(swapTimeout))
				if _, err := chromedp.Run(b.ctx, poll); err != nil {
					t.Fatalf("waiting for the error: %v; the region holds %q", err, b.text("#import-progress"))
				}
			} else {
				b.follow("#import-form button", "/import")
			}
			if got := b.text("#import-progress"); !strings.Contains(got, "Line 3,001:") || !strings.Contains(got, "Nothing was imported.") {
				t.Errorf("the region holds %q", got)
			}
			if n := d.taskCount("careless"); n != 0 {
				t.Errorf("%d tasks, want 0", n)
			}
		})
	}
}
