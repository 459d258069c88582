package tests

// Paging of the task list: a page of app.PageSize rows, newest first,
// keyset by id (?before=ID). Without JavaScript "Older tasks" and "Newest
// tasks" links; htmx partial callers (Load more) get the next page's rows
// with the pager and the summary out of band; boosted, full and
// history-restore requests get the whole page; JSON callers the list.

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// olderPattern finds the pager's Older tasks link.
var olderPattern = regexp.MustCompile(`<a id="task-older"[^>]* href="([^"]+)" hx-get="([^"]+)"`)

// olderURL returns the URL of the Older tasks link of a page or fragment,
// or "" when it has none.
func olderURL(t testing.TB, body string) string {
	t.Helper()
	m := olderPattern.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	if m[1] != m[2] {
		t.Errorf("the Older tasks link leads to %s, its hx-get to %s", m[1], m[2])
	}
	return html.UnescapeString(m[1])
}

// idsNewestFirst returns ids as strings, newest (largest) first.
func idsNewestFirst(ids []int64) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[len(ids)-1-i] = strconv.FormatInt(id, 10)
	}
	return out
}

// getWith loads path with the header pairs, without following redirects
// into another page.
func (c *webClient) getWith(path string, header ...string) result {
	c.t.Helper()
	req := mustRequest(c.t, c.base+path)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req, false)
}

// TestDemoPaging: 160 tasks, a third of them done. Every caller kind gets
// the pages it expects; following Older tasks walks the whole list once,
// newest first, under each filter.
func TestDemoPaging(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("pager", "pager-password")
	ids := seedNTasks(t, d, "pager", 160)
	uid := d.userID("pager")
	var open, done []int64
	for i, id := range ids {
		if i%3 == 0 {
			if _, err := d.App.Store.SetDoneTask(uid, id, true); err != nil {
				t.Fatal(err)
			}
			done = append(done, id)
		} else {
			open = append(open, id)
		}
	}

	t.Run("plain", func(t *testing.T) {
		c := c.withT(t)
		for _, tc := range []struct {
			filter string
			ids    []int64
		}{{"", ids}, {"open", open}, {"done", done}} {
			path := "/"
			if tc.filter != "" {
				path = "/?filter=" + tc.filter
			}
			var seen []string
			for pages := 1; path != ""; pages++ {
				r := c.get(path)
				if r.Status != http.StatusOK {
					t.Fatalf("%s: %d\n%s", path, r.Status, r.Body)
				}
				rows := taskIDs(r.Body)
				if len(rows) > app.PageSize || len(rows) == 0 {
					t.Fatalf("%s: %d rows, want 1 to %d", path, len(rows), app.PageSize)
				}
				if o, dn := counts(t, r.Body); o != len(open) || dn != len(done) {
					t.Errorf("%s: counts %d/%d, want %d/%d", path, o, dn, len(open), len(done))
				}
				first := pages == 1
				if hasNewest := strings.Contains(r.Body, `id="task-newest"`); hasNewest == first {
					t.Errorf("%s: a Newest tasks link %v, want %v", path, hasNewest, !first)
				}
				seen = append(seen, rows...)
				next := olderURL(t, r.Body)
				if next != "" && !strings.Contains(next, "before="+rows[len(rows)-1]) {
					t.Errorf("%s: Older tasks leads to %s, want the tasks before %s", path, next, rows[len(rows)-1])
				}
				if tc.filter != "" && next != "" && !strings.Contains(next, "filter="+tc.filter) {
					t.Errorf("%s: Older tasks leads to %s, which loses the filter", path, next)
				}
				path = strings.TrimPrefix(next, d.URL)
				if pages > 10 {
					t.Fatal("more than 10 pages")
				}
			}
			if want := idsNewestFirst(tc.ids); !slices.Equal(seen, want) {
				t.Errorf("filter %q: the pages showed %v,\nwant %v", tc.filter, seen, want)
			}
		}
	})

	page2 := "/?before=" + strconv.FormatInt(ids[160-app.PageSize], 10)
	wantPage2 := idsNewestFirst(ids[160-2*app.PageSize : 160-app.PageSize])
	wantOlder := "/?before=" + strconv.FormatInt(ids[160-2*app.PageSize], 10)

	// htmx partial requests (Load more) get the rows alone, the pager
	// with the next link and the counts out of band.
	for _, caller := range []struct {
		name   string
		header []string
	}{
		{"htmx 4 partial", []string{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Current-URL", d.URL + "/"}},
		{"htmx 2 partial", []string{"HX-Request", "true", "HX-Current-URL", d.URL + "/"}},
	} {
		t.Run(caller.name, func(t *testing.T) {
			r := c.withT(t).getWith(page2, caller.header...)
			if r.Status != http.StatusOK || strings.Contains(r.Body, "<html") || !strings.HasPrefix(r.Body, "<li id=task-") {
				t.Fatalf("%d, want 200 and the rows alone:\n%s", r.Status, r.Body)
			}
			if got := taskIDs(r.Body); !slices.Equal(got, wantPage2) {
				t.Errorf("rows %v, want %v", got, wantPage2)
			}
			mustContain(t, "the answer", r.Body, `<div hx-swap-oob="true" id="task-pager"`, oobSummary, `hx-push-url="false"`)
			if got := olderURL(t, r.Body); got != wantOlder {
				t.Errorf("the next Load more leads to %q, want %q", got, wantOlder)
			}
			if v := r.Header.Get("Vary"); !strings.Contains(v, "HX-Request") {
				t.Errorf("Vary %q lacks HX-Request", v)
			}
			// The last page: no next link, the pager emptied.
			r = c.withT(t).getWith("/?before="+strconv.FormatInt(ids[10], 10), caller.header...)
			if got := taskIDs(r.Body); len(got) != 10 || olderURL(t, r.Body) != "" {
				t.Errorf("the last page: rows %v, older %q", got, olderURL(t, r.Body))
			}
			mustContain(t, "the last page", r.Body, `<div hx-swap-oob="true" id="task-pager" class="pager" data-through="0"></div>`)
		})
	}

	// Boosted, htmx 4 full, history restore and plain: the whole page.
	for _, caller := range []struct {
		name   string
		header []string
	}{
		{"boosted", []string{"HX-Request", "true", "HX-Boosted", "true"}},
		{"htmx 4 full", []string{"HX-Request", "true", "HX-Request-Type", "full"}},
		{"history restore", []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}},
		{"plain", nil},
	} {
		t.Run(caller.name, func(t *testing.T) {
			r := c.withT(t).getWith(page2, caller.header...)
			if r.Status != http.StatusOK || !strings.Contains(r.Body, "<html") {
				t.Fatalf("%d, want the whole page:\n%.300s", r.Status, r.Body)
			}
			if got := taskIDs(r.Body); !slices.Equal(got, wantPage2) {
				t.Errorf("rows %v, want %v", got, wantPage2)
			}
			mustContain(t, "the page", r.Body, `<a id="task-newest" href="/">Newest tasks</a>`, `<div id="task-pager"`)
			if got := olderURL(t, r.Body); got != wantOlder {
				t.Errorf("Older tasks leads to %q, want %q", got, wantOlder)
			}
		})
	}

	t.Run("JSON", func(t *testing.T) {
		r := c.withT(t).getWith(page2+"&filter=all", "Accept", "application/json")
		var got struct {
			Filter string
			Counts app.Counts
			Tasks  []struct{ ID int64 }
			Pager  struct {
				Older, Newest string
				Through       int64
			}
		}
		if err := json.Unmarshal([]byte(r.Body), &got); err != nil || r.Status != http.StatusOK {
			t.Fatalf("%d %v\n%.300s", r.Status, err, r.Body)
		}
		var gotIDs []string
		for _, task := range got.Tasks {
			gotIDs = append(gotIDs, strconv.FormatInt(task.ID, 10))
		}
		if !slices.Equal(gotIDs, wantPage2) || got.Pager.Older != wantOlder+"" && got.Pager.Older != "/?before="+wantPage2[len(wantPage2)-1] ||
			got.Pager.Newest != "/" || got.Counts != (app.Counts{Open: len(open), Done: len(done)}) {
			t.Errorf("JSON page 2: %s", r.Body)
		}
	})

	// The live list's refetch: every row down to an id, newest first.
	t.Run("down to", func(t *testing.T) {
		to := ids[160-3*app.PageSize]
		r := c.withT(t).get("/?down_to=" + strconv.FormatInt(to, 10))
		if got, want := taskIDs(r.Body), idsNewestFirst(ids[160-3*app.PageSize:]); !slices.Equal(got, want) {
			t.Errorf("down_to %d: %d rows, want %d", to, len(got), len(want))
		}
		mustContain(t, "the refetched page", r.Body, fmt.Sprintf(`data-through="%d"`, to), `href="/?before=`+strconv.FormatInt(to, 10)+`"`)
	})

	// Rename without JavaScript on a later page: the page with the row.
	t.Run("edit on page 3", func(t *testing.T) {
		id := strconv.FormatInt(ids[5], 10)
		r := c.withT(t).get("/?edit=" + id)
		mustContain(t, "the page", r.Body, `<li id="task-`+id+`" class="editing">`, `id="task-newest"`)
	})
}

// TestDemoPagingHostileCursors: a cursor that is no task id is a clear
// 400 for every caller; another user's task id, or a huge one, shows only
// the user's own tasks (older than it); nothing is changed.
func TestDemoPagingHostileCursors(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	alice := newPlainClient(t, d.URL)
	alice.signup("alice", "alice-password")
	bob := newPlainClient(t, d.URL)
	bob.signup("bob", "bob-password")
	aliceIDs := seedNTasks(t, d, "alice", 30)
	bobIDs := seedNTasks(t, d, "bob", 3)
	aliceIDs = append(aliceIDs, seedNTasks(t, d, "alice", 30)...)

	for _, bad := range []string{"-1", "0", "abc", "1e3", "99999999999999999999", "%00", "1;DROP TABLE tasks", "0x10", " 5"} {
		for _, param := range []string{"before", "down_to"} {
			for _, caller := range [][]string{nil, {"HX-Request", "true"}, {"Accept", "application/json"}} {
				r := alice.getWith("/?"+param+"="+bad, caller...)
				if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "page cursor must be a task id") {
					t.Errorf("%s=%q (%v): %d, want 400 with the reason\n%.300s", param, bad, caller, r.Status, r.Body)
				}
				if strings.Contains(r.Body, "Water the plants") {
					t.Errorf("%s=%q: the refusal shows tasks", param, bad)
				}
			}
		}
	}
	// Bob's task ids lie between Alice's: her page before one of them
	// holds only her own tasks, older than it.
	for _, cursor := range []int64{bobIDs[2], 1 << 62, aliceIDs[59] + 1} {
		r := alice.get("/?before=" + strconv.FormatInt(cursor, 10))
		got := taskIDs(r.Body)
		for _, id := range got {
			if slices.Contains(idsNewestFirst(bobIDs), id) {
				t.Errorf("before=%d shows Bob's task %s", cursor, id)
			}
			if n, _ := strconv.ParseInt(id, 10, 64); n >= cursor {
				t.Errorf("before=%d shows task %s, not older", cursor, id)
			}
		}
		if r.Status != http.StatusOK || len(got) == 0 {
			t.Errorf("before=%d: %d, %d rows", cursor, r.Status, len(got))
		}
	}
	if r := alice.get("/?before=1"); r.Status != http.StatusOK || len(taskIDs(r.Body)) != 0 || olderURL(t, r.Body) != "" {
		t.Errorf("before=1: %d, rows %v, want an empty page", r.Status, taskIDs(r.Body))
	}
	if n := d.taskCount("alice"); n != 60 {
		t.Errorf("alice has %d tasks, want 60", n)
	}
	if n := d.taskCount("bob"); n != 3 {
		t.Errorf("bob has %d tasks, want 3", n)
	}
}
