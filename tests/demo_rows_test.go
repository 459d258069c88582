package tests

// Per-row htmx updates: a task action answers with its own row (or
// nothing) and the summary out of band, so its size does not depend on the
// length of the list; the page's markup is lean; rows follow the list's
// filter; rename is click-to-edit through page routes that work without
// JavaScript too.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// seedNTasks adds n tasks with realistic titles to a user's list, straight
// into the store, and returns their ids.
func seedNTasks(t testing.TB, d *demoServer, username string, n int) []int64 {
	t.Helper()
	uid := d.userID(username)
	ids := make([]int64, n)
	for i := range n {
		task, err := d.App.Store.AddTask(uid, fmt.Sprintf("Water the plants on the balcony #%d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = task.ID
	}
	return ids
}

// oobSummary is how the summary arrives in an htmx answer.
const oobSummary = `<div hx-swap-oob="true" id="task-summary"`

// TestDemoRowAnswersAreSmall: toggle, rename and delete answer with one
// row (none for delete) and the summary out of band, under 2 KB, the same
// size for a list of 3 tasks and of 150.
func TestDemoRowAnswersAreSmall(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	sizes := map[int]map[string]int{}
	for _, n := range []int{3, 150} {
		user := fmt.Sprint("rows", n)
		c := newHTMXClient(t, d.URL)
		c.signup(user, "rows-password")
		ids := seedNTasks(t, d, user, n)
		c.get("/")
		id := strconv.FormatInt(ids[1], 10)
		sizes[n] = map[string]int{}
		for _, step := range []struct {
			fn   string
			form url.Values
			rows int
		}{
			{"toggle_task", url.Values{"id": {id}, "done": {"true"}}, 1},
			{"toggle_task", url.Values{"id": {id}, "done": {"false"}}, 1},
			{"rename_task", url.Values{"id": {id}, "title": {"Water the plants in the kitchen"}}, 1},
			{"delete_task", url.Values{"id": {id}}, 0},
		} {
			r := c.post("/api/"+step.fn, step.form)
			if r.Status != http.StatusOK {
				t.Fatalf("%d tasks, %s: %d\n%s", n, step.fn, r.Status, r.Body)
			}
			if got := len(taskIDs(r.Body)); got != step.rows {
				t.Errorf("%d tasks, %s: %d rows in the answer, want %d:\n%s", n, step.fn, got, step.rows, r.Body)
			}
			if strings.Count(r.Body, oobSummary) != 1 {
				t.Errorf("%d tasks, %s: the answer has no summary out of band:\n%s", n, step.fn, r.Body)
			}
			if len(r.Body) >= 2048 {
				t.Errorf("%d tasks, %s: %d bytes, want under 2 KB", n, step.fn, len(r.Body))
			}
			sizes[n][step.fn] = len(r.Body)
		}
		if o, dn := counts(t, c.get("/").Body); o != n-1 || dn != 0 {
			t.Errorf("%d tasks: page counts %d open %d done, want %d and 0", n, o, dn, n-1)
		}
	}
	for fn, small := range sizes[3] {
		// Only the digits of the counts may differ.
		if big := sizes[150][fn]; big-small > 12 {
			t.Errorf("%s answers %d bytes with 150 tasks, %d with 3: it grows with the list", fn, big, small)
		}
	}
	t.Logf("answer sizes in bytes (3 tasks / 150 tasks): %v / %v", sizes[3], sizes[150])
}

// TestDemoPageWeight: the home page shows one page of rows (app.PageSize)
// however long the list: with 100 tasks it stays under 41 KB (40 KB
// before the live subscription's element and two scripts, issue 18: a
// fixed cost, not one per row), and with 1,000 it is the same size but
// for the digits of the counts and ids.
func TestDemoPageWeight(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("heavy", "heavy-password")
	empty := len(c.get("/").Body)
	ids := seedNTasks(t, d, "heavy", 100)
	for _, id := range ids[70:] {
		if _, err := d.App.Store.SetDoneTask(d.userID("heavy"), id, true); err != nil {
			t.Fatal(err)
		}
	}
	page := c.get("/")
	if n := len(taskIDs(page.Body)); n != app.PageSize {
		t.Fatalf("%d rows, want %d", n, app.PageSize)
	}
	if len(page.Body) > 41*1024 {
		t.Errorf("GET / with 100 tasks: %d bytes, want at most 41 KB", len(page.Body))
	}
	seedNTasks(t, d, "heavy", 900)
	long := c.get("/")
	if n := len(taskIDs(long.Body)); n != app.PageSize || len(long.Body)-len(page.Body) > 2*app.PageSize+64 {
		t.Errorf("GET / with 1,000 tasks: %d rows, %d bytes; with 100 tasks %d bytes", n, len(long.Body), len(page.Body))
	}
	t.Logf("GET / with 100 tasks: %d bytes, with 1,000: %d (%d without tasks, %d per row)", len(page.Body), len(long.Body), empty, (len(page.Body)-empty)/app.PageSize)
}

// TestDemoRowsFollowTheFilter: the list's filter comes from the page's URL
// (htmx sends it as HX-Current-URL); a row that leaves the filter leaves
// the list, and a task added outside it is not inserted.
func TestDemoRowsFollowTheFilter(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newHTMXClient(t, d.URL)
	c.signup("filterer", "filter-password")
	ids := seedNTasks(t, d, "filterer", 3)
	id := strconv.FormatInt(ids[0], 10)

	c.get("/?filter=open")
	r := c.post("/api/toggle_task", url.Values{"id": {id}, "done": {"true"}}) // no filter field: a row's form has none
	if r.Status != http.StatusOK || mainFragment(r.Body) != "" {
		t.Fatalf("toggle done under ?filter=open: %d, main fragment %q, want 200 and nothing", r.Status, mainFragment(r.Body))
	}
	mustContain(t, "the answer", r.Body, oobSummary, `<a href="/?filter=open" aria-current="page">`, `<span id="count-open">2</span>`)

	c.get("/?filter=done")
	r = c.post("/api/toggle_task", url.Values{"id": {id}, "done": {"true"}})
	if !strings.HasPrefix(mainFragment(r.Body), `<li id=task-`+id+` class=done>`) {
		t.Errorf("toggle under ?filter=done answered %q, want the row", mainFragment(r.Body))
	}
	mustContain(t, "the row's rename link", r.Body, `href="/?filter=done&amp;edit=`+id+`"`)

	page := c.get("/?filter=done")
	token := regexp.MustCompile(`name="_fiberfn_once" value="([^"]+)"`).FindStringSubmatch(page.Body)
	r = c.post("/api/add_task", url.Values{"title": {"Not done yet"}, "filter": {"done"}, "_fiberfn_once": {token[1]}})
	if r.Status != http.StatusOK || mainFragment(r.Body) != "" {
		t.Fatalf("add under ?filter=done: %d, main fragment %q, want 200 and nothing", r.Status, mainFragment(r.Body))
	}
	mustContain(t, "the answer to add", r.Body, `<form hx-swap-oob="true" id="add-task-form"`, `<span id="count-open">3</span>`)
	mustNotContain(t, "the answer to add", r.Body, token[1])
	if got := taskTitles(c.get("/?filter=open").Body); !slices.Contains(got, "Not done yet") {
		t.Errorf("the added task is not stored: %q", got)
	}
}

// TestDemoDoubleAddStoresOne: two htmx submits of one add form (one
// token), at once and again after, store one task; the repeats are not
// swapped in again.
func TestDemoDoubleAddStoresOne(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newHTMXClient(t, d.URL)
	c.signup("doubler", "double-password")
	page := c.get("/")
	token := regexp.MustCompile(`name="_fiberfn_once" value="([^"]+)"`).FindStringSubmatch(page.Body)[1]
	form := url.Values{"title": {"Only once"}, "filter": {"all"}, "_fiberfn_once": {token}}
	var wg sync.WaitGroup
	res := make([]result, 3)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = c.post("/api/add_task", form)
		}()
	}
	wg.Wait()
	res[2] = c.post("/api/add_task", form)
	replayed := 0
	for i, r := range res {
		if r.Status != http.StatusOK {
			t.Errorf("submit %d: %d\n%s", i, r.Status, r.Body)
		}
		if r.Header.Get("Idempotent-Replayed") == "true" {
			replayed++
			if r.Header.Get("HX-Reswap") != "none" {
				t.Errorf("submit %d: a replay without HX-Reswap: none", i)
			}
		}
	}
	if replayed != 2 {
		t.Errorf("%d replayed answers, want 2", replayed)
	}
	if got := d.tasks("doubler"); len(got) != 1 {
		t.Errorf("%d tasks stored, want 1: %v", len(got), got)
	}
}

// TestDemoRenameInPlace: the Rename link works as a page (?edit=ID) and,
// for htmx, through GET /tasks/:id/edit and GET /tasks/:id, which answer
// with the row alone; a plain rename goes back to the list in view mode.
func TestDemoRenameInPlace(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	hx := newHTMXClient(t, d.URL)
	hx.signup("editor", "editor-password")
	ids := seedNTasks(t, d, "editor", 2)
	id := strconv.FormatInt(ids[1], 10)
	hx.get("/?filter=open")

	r := hx.do(mustRequest(t, d.URL+"/tasks/"+id+"/edit"), true)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, `<li id="task-`+id+`" class="editing">`) || strings.Contains(r.Body, "<html") {
		t.Fatalf("htmx GET /tasks/%s/edit: %d\n%s", id, r.Status, r.Body)
	}
	mustContain(t, "the edit row", r.Body, `name="filter" value="open"`, `href="/?filter=open#task-`+id+`"`, `hx-get="/tasks/`+id+`"`)
	r = hx.do(mustRequest(t, d.URL+"/tasks/"+id), true)
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, `<li id=task-`+id+`>`) || len(taskIDs(r.Body)) != 1 {
		t.Fatalf("htmx GET /tasks/%s: %d\n%s", id, r.Status, r.Body)
	}
	if v := r.Header.Get("Vary"); !strings.Contains(v, "HX-Request") {
		t.Errorf("Vary %q lacks HX-Request", v)
	}
	// Another user's task, or none: 404 into the error slot.
	r = hx.do(mustRequest(t, d.URL+"/tasks/999999/edit"), true)
	if r.Status != http.StatusNotFound || r.Header.Get("HX-Retarget") != "#task-errors" {
		t.Errorf("htmx GET of a missing task: %d, HX-Retarget %q", r.Status, r.Header.Get("HX-Retarget"))
	}
	// ... with the message as an alert, and the stale row removed.
	mustContain(t, "htmx GET of a missing task", r.Body, `role="alert"><p>That task does not exist (any more).</p>`, `<li id="task-999999" hx-swap-oob="delete"></li>`)

	// A rename of a task that is gone: the message goes to the error
	// slot, the row goes out of band (see TestDemoGoneTaskCorrectsThePage).
	r = hx.post("/api/rename_task", url.Values{"id": {"999999"}, "title": {"Renamed"}})
	if r.Status != http.StatusNotFound || r.Header.Get("HX-Retarget") != "#task-errors" {
		t.Errorf("htmx rename of a missing task: %d\n%s", r.Status, r.Body)
	}
	mustContain(t, "htmx rename of a missing task", r.Body, `<div class="fiberfn-error" role="alert"><p>That task does not exist (any more).</p>`, `<li id="task-999999" hx-swap-oob="delete"></li>`)

	// Without JavaScript: the page with the row in edit mode.
	plain := newPlainClient(t, d.URL)
	plain.login("editor", "editor-password", false)
	page := plain.get("/tasks/" + id + "/edit?filter=open")
	if page.URL.RequestURI() != "/?filter=open&edit="+id {
		t.Errorf("GET /tasks/%s/edit ended at %s", id, page.URL)
	}
	mustContain(t, "the page in edit mode", page.Body, `<li id="task-`+id+`" class="editing">`, " autofocus")
	if n := strings.Count(page.Body, `class="editing"`); n != 1 {
		t.Errorf("%d rows in edit mode, want 1", n)
	}
	r = plain.post("/api/rename_task", url.Values{"id": {id}, "title": {"Renamed"}, "filter": {"open"}})
	if r.Status != http.StatusOK || r.URL.RequestURI() != "/?filter=open" || r.Redirect == nil {
		t.Fatalf("plain rename ended at %s with %d", r.URL, r.Status)
	}
	if strings.Contains(r.Body, `class="editing"`) || !slices.Contains(taskTitles(r.Body), "Renamed") {
		t.Errorf("after a plain rename the row is not back in view mode, renamed")
	}

	// Logged out: to the login page.
	anon := newPlainClient(t, d.URL)
	if got := anon.get("/tasks/" + id + "/edit"); got.URL.Path != "/login" {
		t.Errorf("logged out GET /tasks/%s/edit ended at %s", id, got.URL)
	}
}

// TestDemoTaskJSON: JSON callers get the task (or the deleted id) and the
// counts.
func TestDemoTaskJSON(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("jason", "jason-password")
	ids := seedNTasks(t, d, "jason", 2)
	id := strconv.FormatInt(ids[0], 10)
	var got struct {
		Task *struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
			Done  bool   `json:"done"`
		} `json:"task"`
		Deleted int64      `json:"deleted"`
		Counts  app.Counts `json:"counts"`
	}
	r := c.postBody("/api/toggle_task", "application/json", `{"id":`+id+`,"done":true}`, "Accept", "application/json")
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil || r.Status != 200 {
		t.Fatalf("toggle: %d %v\n%s", r.Status, err, r.Body)
	}
	if got.Task == nil || got.Task.ID != ids[0] || !got.Task.Done || got.Counts != (app.Counts{Open: 1, Done: 1}) {
		t.Errorf("toggle answered %s", r.Body)
	}
	got.Task = nil
	r = c.postBody("/api/delete_task", "application/json", `{"id":`+id+`}`, "Accept", "application/json")
	if err := json.Unmarshal([]byte(r.Body), &got); err != nil || got.Deleted != ids[0] || got.Task != nil || got.Counts != (app.Counts{Open: 1}) {
		t.Errorf("delete answered %d %s", r.Status, r.Body)
	}
}

func mustRequest(t testing.TB, u string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestDemoGoneTaskCorrectsThePage: a toggle, rename or delete of a task
// deleted elsewhere is a 404 that still corrects the page: htmx 4 and
// htmx 2 get the message in the error slot, the row removed and the
// summary with the right counts out of band, and the tasks:stale event
// (live.js then refetches the rows around it); JSON callers get the
// message, the id and the counts.
func TestDemoGoneTaskCorrectsThePage(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("stale", "stale-password")
	uid := d.userID("stale")
	for _, caller := range []struct {
		name   string
		header []string
	}{
		{"htmx 4", []string{"HX-Request", "true", "HX-Request-Type", "partial"}},
		{"htmx 2", []string{"HX-Request", "true"}},
		{"JSON", []string{"Accept", "application/json"}},
	} {
		for _, fn := range []string{"toggle_task", "rename_task", "delete_task"} {
			ids := seedNTasks(t, d, "stale", 3)
			if _, err := d.App.Store.SetDoneTask(uid, ids[0], true); err != nil {
				t.Fatal(err)
			}
			gone := strconv.FormatInt(ids[1], 10)
			if err := d.App.Store.DeleteTask(uid, ids[1]); err != nil {
				t.Fatal(err)
			}
			n, err := d.App.Store.Counts(uid)
			if err != nil {
				t.Fatal(err)
			}
			c.get("/")
			r := c.post("/api/"+fn, url.Values{"id": {gone}, "done": {"true"}, "title": {"Renamed"}}, caller.header...)
			what := caller.name + " " + fn
			if r.Status != http.StatusNotFound {
				t.Errorf("%s of a task deleted elsewhere: %d, want 404\n%s", what, r.Status, r.Body)
			}
			if caller.name == "JSON" {
				var got struct {
					Error  string
					Gone   int64
					Counts app.Counts
				}
				if err := json.Unmarshal([]byte(r.Body), &got); err != nil || got.Error != "That task does not exist (any more)." || got.Gone != ids[1] || got.Counts != n {
					t.Errorf("%s answered %s, want the error, the id and the counts %+v", what, r.Body, n)
				}
			} else {
				if r.Header.Get("HX-Retarget") != "#task-errors" || r.Header.Get("HX-Reswap") != "innerHTML" {
					t.Errorf("%s: HX-Retarget %q, HX-Reswap %q", what, r.Header.Get("HX-Retarget"), r.Header.Get("HX-Reswap"))
				}
				mustContain(t, what+" (HX-Trigger)", r.Header.Get("HX-Trigger"), `"tasks:stale"`, `"fiberfn:error"`)
				mustContain(t, what, r.Body, `role="alert"><p>That task does not exist (any more).</p>`,
					`<li id="task-`+gone+`" hx-swap-oob="delete"></li>`, oobSummary,
					fmt.Sprintf(`<span id="count-open">%d</span> open · <span id="count-done">%d</span> done`, n.Open, n.Done))
			}
		}
	}
	// A plain form post: back to the page with the message, the row gone.
	ids := seedNTasks(t, d, "stale", 1)
	if err := d.App.Store.DeleteTask(uid, ids[0]); err != nil {
		t.Fatal(err)
	}
	c.get("/")
	r := c.post("/api/toggle_task", url.Values{"id": {strconv.FormatInt(ids[0], 10)}, "done": {"true"}})
	if r.Redirect == nil || r.URL.Path != "/" || slices.Contains(taskIDs(r.Body), strconv.FormatInt(ids[0], 10)) {
		t.Errorf("plain toggle of a gone task ended at %s (%d)", r.URL, r.Status)
	}
	mustContain(t, "plain toggle of a gone task", r.Body, "That task does not exist (any more).")
}
