package tests

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// addTasks gives a user tasks through the Store.
func (d *demoServer) addTasks(username string, titles ...string) {
	d.t.Helper()
	id := d.userID(username)
	for _, title := range titles {
		if _, err := d.App.Store.AddTask(id, title); err != nil {
			d.t.Fatal(err)
		}
	}
}

// searchCaller is one kind of caller of GET /?q=..., with the headers
// it sends and the shape of answer it must get.
type searchCaller struct {
	name   string
	header []string
	shape  string // "page", "section" or "json"
}

// searchCallers are every kind of caller of the search.
var searchCallers = []searchCaller{
	{"plain", nil, "page"},
	{"json", []string{"Accept", "application/json"}, "json"},
	{"htmx 4 partial", []string{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Target", "section#tasks", "Accept", "text/html"}, "section"},
	{"htmx 2 partial", []string{"HX-Request", "true", "HX-Target", "tasks", "HX-Trigger", "task-search"}, "section"},
	{"htmx 2 boosted", []string{"HX-Request", "true", "HX-Boosted", "true"}, "page"},
	{"htmx 4 full", []string{"HX-Request", "true", "HX-Request-Type", "full", "HX-Target", "body"}, "page"},
	{"htmx 2 history restore", []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, "page"},
	{"htmx 4 history restore", []string{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Target", "body", "HX-History-Restore-Request", "true"}, "page"},
}

// searchAnswer is what one answer of the search shows: its titles in
// order and its status text.
type searchAnswer struct {
	titles []string
	status string
}

// readSearch checks the answer's shape for the caller and reads it.
func readSearch(t *testing.T, k searchCaller, r result) searchAnswer {
	t.Helper()
	switch k.shape {
	case "json":
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("%s: Content-Type %q, body:\n%.1000s", k.name, r.Header.Get("Content-Type"), r.Body)
		}
		var body struct {
			Tasks []struct {
				Title string `json:"title"`
			} `json:"tasks"`
			Search struct {
				Q     string `json:"q"`
				Count int    `json:"count"`
				More  string `json:"more"`
			} `json:"search"`
			Error string `json:"error"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatalf("%s: %v in %.1000s", k.name, err, r.Body)
		}
		a := searchAnswer{titles: []string{}, status: body.Error}
		for _, task := range body.Tasks {
			a.titles = append(a.titles, task.Title)
		}
		if body.Search.Q != "" && body.Search.Count != len(body.Tasks) {
			t.Errorf("%s: count %d for %d tasks", k.name, body.Search.Count, len(body.Tasks))
		}
		return a
	case "section":
		if !strings.HasPrefix(strings.TrimSpace(r.Body), `<section id="tasks"`) || strings.Contains(r.Body, "<html") {
			t.Fatalf("%s: not the task section:\n%.1000s", k.name, r.Body)
		}
		mustContain(t, k.name, r.Body, `id="search-status"`, `hx-swap-oob="true"`)
	case "page":
		mustContain(t, k.name, r.Body, "<html", `role="search"`, `<section id="tasks"`, `id="search-status"`)
	}
	if !strings.Contains(r.Header.Get("Vary"), "HX-Request") {
		t.Errorf("%s: Vary %q", k.name, r.Header.Get("Vary"))
	}
	titles := taskTitles(r.Body)
	if titles == nil {
		titles = []string{}
	}
	m := searchStatusPattern.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("%s: no search status in:\n%.2000s", k.name, r.Body)
	}
	return searchAnswer{titles: titles, status: html.UnescapeString(m[1])}
}

func TestDemoSearch(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	alice := newPlainClient(t, d.URL)
	alice.signup("alice", "alice-password")
	bob := newPlainClient(t, d.URL)
	bob.signup("bob", "bob-password")
	d.addTasks("alice", "Buy milk", "Call the plumber", "Milkshake recipe", "milk the goat", "Pay bills")
	d.addTasks("bob", "Buy milk for Bob", "Bob's milk")
	for _, task := range d.tasks("alice") {
		if task.Title == "milk the goat" {
			if err := d.App.Store.SetDone(d.userID("alice"), task.ID, true); err != nil {
				t.Fatal(err)
			}
		}
	}

	tests := []struct {
		path   string
		titles []string
		status string
	}{
		{"/?q=milk", []string{"milk the goat", "Milkshake recipe", "Buy milk"}, "3 tasks match “milk”."},
		{"/?q=MILK+buy", []string{"Buy milk"}, "1 task matches “MILK buy”."},
		{"/?q=milk&filter=open", []string{"Milkshake recipe", "Buy milk"}, "2 open tasks match “milk”."},
		{"/?filter=done&q=mil", []string{"milk the goat"}, "1 done task matches “mil”."},
		{"/?q=ilk", []string{}, "No task matches “ilk”."},
		{"/?q=bob", []string{}, "No task matches “bob”."}, // never another user's
		{"/?q=" + url.QueryEscape(`"milk" OR * NEAR (`), []string{}, "No task matches “\"milk\" OR * NEAR (”."},
		{"/?q=" + url.QueryEscape("milk\x00"), []string{"milk the goat", "Milkshake recipe", "Buy milk"}, "3 tasks match “milk\x00”."},
	}
	for _, k := range searchCallers {
		t.Run(k.name, func(t *testing.T) {
			c := alice.withT(t)
			for _, tt := range tests {
				r := c.getWith(tt.path, k.header...)
				if r.Status != http.StatusOK {
					t.Fatalf("%s: status %d, body:\n%.1000s", tt.path, r.Status, r.Body)
				}
				a := readSearch(t, k, r)
				if !slices.Equal(a.titles, tt.titles) {
					t.Errorf("%s: titles %q, want %q", tt.path, a.titles, tt.titles)
				}
				if k.shape != "json" && a.status != tt.status && !strings.Contains(tt.path, "%00") {
					t.Errorf("%s: status %q, want %q", tt.path, a.status, tt.status)
				}
			}
			// An empty search is the whole list; htmx pushes the list's
			// own URL.
			r := c.getWith("/?q=", k.header...)
			if a := readSearch(t, k, r); r.Status != http.StatusOK || len(a.titles) != 5 || a.status != "" {
				t.Errorf("empty search: %d, %q, status %q", r.Status, a.titles, a.status)
			}
			if push := r.Header.Get("HX-Push-Url"); (k.shape == "section") != (push == "/") {
				t.Errorf("empty search: HX-Push-Url %q", push)
			}
		})
	}

	t.Run("refused queries", func(t *testing.T) {
		for _, k := range searchCallers {
			for _, path := range []string{
				"/?q=" + strings.Repeat("x", 201),
				"/?q=" + url.QueryEscape(strings.Repeat("ab ", 700)), // 2 KB
				"/?q=" + url.QueryEscape("a b c d e f g h i j k l m n o p q"),
			} {
				r := alice.withT(t).getWith(path, k.header...)
				if r.Status != http.StatusBadRequest {
					t.Errorf("%s %.40s: status %d, want 400", k.name, path, r.Status)
					continue
				}
				a := readSearch(t, k, r)
				if !strings.Contains(a.status, "at most") {
					t.Errorf("%s %.40s: message %q", k.name, path, a.status)
				}
			}
			// A bad page cursor is refused as on the list.
			for _, path := range []string{"/?q=milk&before=abc", "/?q=milk&before=-1", "/?q=milk&down_to=x"} {
				r := alice.withT(t).getWith(path, k.header...)
				if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "page cursor") {
					t.Errorf("%s %s: status %d, body %.200s", k.name, path, r.Status, r.Body)
				}
			}
		}
	})

	t.Run("a 10 KB query", func(t *testing.T) {
		// Longer than the server reads of a request's head: refused
		// below the app, before any handler, with 431.
		r := alice.withT(t).getWith("/?q=" + url.QueryEscape(strings.Repeat("ab ", 3400)))
		if r.Status != http.StatusRequestHeaderFieldsTooLarge && r.Status != http.StatusBadRequest {
			t.Errorf("status %d, want 431 or 400", r.Status)
		}
	})

	t.Run("the page keeps the search", func(t *testing.T) {
		r := alice.get("/?q=milk&filter=open")
		mustContain(t, "page", r.Body, `<title>Open tasks matching “milk” · fiberfn tasks</title>`,
			`name="q" type="search" value="milk"`, `<input type="hidden" name="filter" value="open">`,
			`href="/?filter=done&amp;q=milk"`, `href="/?q=milk"`)
		mustContain(t, "form", r.Body, `hx-trigger="input changed delay:300ms, search, submit"`, `hx-push-url="true"`, `hx-target="#tasks"`, `method="get" action="/"`)
	})

	t.Run("logged out", func(t *testing.T) {
		r := newPlainClient(t, d.URL).get("/?q=milk")
		if r.Status != http.StatusOK || strings.Contains(r.Body, "milk") {
			t.Errorf("status %d; body has the tasks:\n%.500s", r.Status, r.Body)
		}
	})
}

func TestDemoSearchPages(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("pager", "pager-password")
	var titles []string
	for i := 1; i <= app.PageSize+10; i++ {
		titles = append(titles, fmt.Sprintf("match %d", i), fmt.Sprintf("other %d", i))
	}
	d.addTasks("pager", titles...)

	r := c.get("/?q=match")
	got := taskTitles(r.Body)
	if len(got) != app.PageSize || got[0] != fmt.Sprintf("match %d", app.PageSize+10) {
		t.Fatalf("first page: %d titles from %q", len(got), got[0])
	}
	mustContain(t, "first page", r.Body, "The newest 50 tasks that match “match” are shown; more follow.")
	m := moreResultsPattern.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("no Older tasks link in:\n%s", r.Body)
	}
	r = c.get(html.UnescapeString(m[1]))
	got = taskTitles(r.Body)
	want := []string{}
	for i := 10; i >= 1; i-- {
		want = append(want, fmt.Sprintf("match %d", i))
	}
	if !slices.Equal(got, want) || moreResultsPattern.MatchString(r.Body) {
		t.Errorf("second page %s: %q, want %q", r.URL, got, want)
	}

	// htmx's Load more (htmx 4 and 2): the next page's rows alone, to
	// append, with the pager (now without a next page) out of band.
	for _, hx := range [][]string{
		{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Target", "ul#task-list"},
		{"HX-Request", "true", "HX-Target", "task-list", "HX-Trigger", "task-older"},
	} {
		r = c.getWith(html.UnescapeString(m[1]), hx...)
		if got := taskTitles(mainFragment(r.Body)); r.Status != http.StatusOK || !slices.Equal(got, want) {
			t.Errorf("Load more %v: %d, %q, want %q", hx, r.Status, got, want)
		}
		mustContain(t, "Load more", r.Body, `hx-swap-oob="true" id="task-pager"`, `hx-swap-oob="true" id="search-status"`,
			"10 older tasks that match “match” loaded; that is all.")
		mustNotContain(t, "Load more", r.Body, `id="task-older"`, "<html")
	}

	// The live list's refetch (public/js/live.js) of a page that loaded
	// both pages: every result down to the oldest loaded row.
	oldest := d.tasks("pager")[0].ID // "match 1"
	r = c.getWith(fmt.Sprintf("/?q=match&down_to=%d", oldest), "Accept", "text/html")
	if got := taskTitles(r.Body); len(got) != app.PageSize+10 || got[len(got)-1] != "match 1" {
		t.Errorf("refetch down to %d: %d titles", oldest, len(got))
	}
}

// searchStatusPattern finds the text of the search's status.
var searchStatusPattern = regexp.MustCompile(`<p [^>]*id="search-status"[^>]*>([^<]*)</p>`)

// moreResultsPattern finds the link to the next page of results (Older
// tasks without JavaScript, Load more with htmx).
var moreResultsPattern = regexp.MustCompile(`<a id="task-older"[^>]* href="([^"]*)"`)

// TestDemoSearchKeptByActions: the answers of the task functions to a
// page that shows a search keep it: a toggle's summary links, and the
// section that clear completed re-renders (with the search's status).
func TestDemoSearchKeptByActions(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newHTMXClient(t, d.URL)
	c.signup("keeper", "keeper-password")
	d.addTasks("keeper", "Buy milk", "Pay bills", "Milk the goat")
	c.get("/?q=milk")
	var goat string
	for _, task := range d.tasks("keeper") {
		if task.Title == "Milk the goat" {
			goat = fmt.Sprint(task.ID)
		}
	}
	r := c.post("/api/toggle_task", url.Values{"id": {goat}, "done": {"true"}})
	if r.Status != http.StatusOK {
		t.Fatalf("toggle: %d %s", r.Status, r.Body)
	}
	mustContain(t, "toggle's summary", r.Body, `href="/?filter=done&amp;q=milk"`, `href="/?q=milk"`)
	r = c.post("/api/clear_completed", url.Values{})
	if r.Status != http.StatusOK {
		t.Fatalf("clear: %d %s", r.Status, r.Body)
	}
	if got := taskTitles(r.Body); !slices.Equal(got, []string{"Buy milk"}) {
		t.Errorf("clear completed shows %q, want the search's one result", got)
	}
	mustContain(t, "clear's answer", r.Body, `hx-swap-oob="true" id="search-status"`, "1 task matches “milk”.")

	// Without JavaScript: Rename from the results opens the row in edit
	// mode in the results, and saving comes back to them.
	p := newPlainClient(t, d.URL)
	p.login("keeper", "keeper-password", false)
	p.get("/?q=milk")
	milk := d.tasks("keeper")[0].ID // "Buy milk"
	r = p.getWith(fmt.Sprintf("/tasks/%d/edit", milk), "Referer", d.URL+"/?q=milk")
	if r.Status != http.StatusOK || r.URL.RequestURI() != fmt.Sprintf("/?q=milk&edit=%d", milk) {
		t.Fatalf("Rename: %d at %s", r.Status, r.URL)
	}
	mustContain(t, "edit mode", r.Body, fmt.Sprintf(`id="rename-title-%d"`, milk), "1 task matches “milk”.",
		fmt.Sprintf(`class="cancel" href="/?q=milk#task-%d"`, milk))
	p.page = r.URL.String()
	r = p.post("/api/rename_task", url.Values{"id": {fmt.Sprint(milk)}, "title": {"Buy more milk"}})
	if r.Status != http.StatusOK || r.URL.RequestURI() != "/?q=milk" || r.URL.Fragment != fmt.Sprintf("task-%d", milk) {
		t.Fatalf("rename: %d at %s", r.Status, r.URL)
	}
	if got := taskTitles(r.Body); !slices.Equal(got, []string{"Buy more milk"}) {
		t.Errorf("after the rename the page shows %q", got)
	}
}
