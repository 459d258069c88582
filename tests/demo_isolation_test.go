package tests

// Users, restarts and concurrency: each user sees and changes only their
// own tasks, sessions and tasks survive a restart, and concurrent writes
// all land.

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/fiberfn/fiberfn/public"
)

func TestDemoUsersAreIsolated(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	alice := newHTMXClient(t, d.URL)
	alice.signup("alice", "alice-password")
	alice.post("/api/add_task", url.Values{"title": {"Alice's secret plan"}})
	alice.post("/api/add_task", url.Values{"title": {"Alice's done task"}})
	aliceIDs := taskIDs(alice.get("/").Body)
	alice.post("/api/toggle_task", url.Values{"id": {aliceIDs[1]}, "done": {"true"}})
	before := d.tasks("alice")

	for _, htmx := range []bool{true, false} {
		name := map[bool]string{true: "htmx", false: "plain"}[htmx]
		t.Run(name, func(t *testing.T) {
			var bob *webClient
			if htmx {
				bob = newHTMXClient(t, d.URL)
			} else {
				bob = newPlainClient(t, d.URL)
			}
			bob.signup("bob-"+name, "bob-password")
			bob.post("/api/add_task", url.Values{"title": {"Bob's task"}})
			page := bob.get("/")
			mustNotContain(t, "bob's page", page.Body, "Alice")
			if got := taskTitles(page.Body); !slices.Equal(got, []string{"Bob's task"}) {
				t.Errorf("bob sees %q", got)
			}

			for _, tt := range []struct {
				fn   string
				form url.Values
			}{
				{"toggle_task", url.Values{"id": {aliceIDs[0]}, "done": {"true"}}},
				{"rename_task", url.Values{"id": {aliceIDs[0]}, "title": {"pwned"}}},
				{"delete_task", url.Values{"id": {aliceIDs[0]}}},
				{"delete_task", url.Values{"id": {aliceIDs[1]}}},
			} {
				bob.get("/")
				r := bob.post("/api/"+tt.fn, tt.form)
				if htmx {
					if r.Status != http.StatusNotFound {
						t.Errorf("%s of alice's task: %d, want 404", tt.fn, r.Status)
					}
				} else if r.Redirect == nil || r.URL.Path != "/" {
					t.Errorf("%s of alice's task: ended at %s, want a redirect back", tt.fn, r.URL)
				}
				if !htmx && tt.fn == "delete_task" {
					// A plain delete of a task that is not there (a
					// double-clicked Delete without JavaScript) goes back
					// quietly: the task is gone, as asked, whoever's it was.
					mustNotContain(t, tt.fn+" of alice's task", r.Body, "That task does not exist (any more).")
				} else {
					mustContain(t, tt.fn+" of alice's task", r.Body, "That task does not exist (any more).")
				}
				mustNotContain(t, tt.fn+" of alice's task", r.Body, "Alice")
			}
			// Clearing bob's completed tasks leaves alice's alone.
			bob.post("/api/clear_completed", url.Values{})

			// JSON callers get the 404 too.
			req, _ := http.NewRequest(http.MethodPost, d.URL+"/api/delete_task", strings.NewReader(`{"id":`+aliceIDs[0]+`}`))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			resp, err := bob.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `"error":"That task does not exist (any more)."`) {
				t.Errorf("JSON delete of alice's task: %d %s", resp.StatusCode, body)
			}

			if after := d.tasks("alice"); !slices.Equal(after, before) {
				t.Errorf("alice's tasks changed:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}
	if got := taskTitles(alice.get("/").Body); !slices.Equal(got, []string{"Alice's done task", "Alice's secret plan"}) {
		t.Errorf("alice sees %q", got)
	}
}

// TestDemoRestart starts a second instance on the same database: it takes
// the first one's session cookies and shows the same tasks.
func TestDemoRestart(t *testing.T) {
	t.Parallel()
	first := startDemo(t, app.Options{})
	remembered := newPlainClient(t, first.URL)
	remembered.signup("restart", "restart-password")
	remembered.login("restart", "restart-password", true)
	remembered.post("/api/add_task", url.Values{"title": {"Survive a restart"}})
	browser := newHTMXClient(t, first.URL)
	browser.login("restart", "restart-password", false)
	first.Stop()

	second := startDemo(t, app.Options{Database: first.Database, HTMXVersion: public.HTMXLegacy})
	for _, c := range []*webClient{remembered.withBase(second.URL), browser.withBase(second.URL)} {
		page := c.get("/")
		mustContain(t, "home after the restart", page.Body, `<span class="sr-only">restart</span>`, "Survive a restart", "htmx-"+public.HTMXLegacy)
		if got := c.get("/settings"); got.URL.Path != "/settings" {
			t.Errorf("settings after the restart ended at %s", got.URL)
		}
	}
	r := browser.withBase(second.URL).post("/api/add_task", url.Values{"title": {"Added after the restart"}})
	if r.Status != http.StatusOK || !isFragment(r.Body) {
		t.Fatalf("add after the restart: %d\n%s", r.Status, r.Body)
	}
	if got := taskTitles(browser.withBase(second.URL).get("/").Body); !slices.Equal(got, []string{"Added after the restart", "Survive a restart"}) {
		t.Errorf("tasks after the restart: %q", got)
	}
}

// TestDemoConcurrentAdds sends 100 adds of one user at once: every one
// succeeds and lands exactly once.
func TestDemoConcurrentAdds(t *testing.T) {
	t.Parallel()
	const n = 100
	d := startDemo(t, app.Options{})
	c := newHTMXClient(t, d.URL)
	c.signup("busy", "busy-password")

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			form := url.Values{"title": {fmt.Sprintf("task %03d", i)}}
			req, _ := http.NewRequest(http.MethodPost, d.URL+"/api/add_task", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("HX-Request", "true")
			req.Header.Set("Idempotency-Key", fmt.Sprint("concurrent-", i))
			resp, err := c.hc.Do(req)
			if err != nil {
				errs <- err
				return
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || !isFragment(string(body)) {
				errs <- fmt.Errorf("add %d: status %d: %.200s", i, resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tasks := d.tasks("busy")
	if len(tasks) != n {
		t.Fatalf("%d tasks in the database, want %d", len(tasks), n)
	}
	seen := map[string]bool{}
	for _, task := range tasks {
		seen[task.Title] = true
	}
	for i := range n {
		if title := fmt.Sprintf("task %03d", i); !seen[title] {
			t.Errorf("%q is missing", title)
		}
	}
	if o, dn := counts(t, c.get("/").Body); o != n || dn != 0 {
		t.Errorf("page counts %d open, %d done; want %d and 0", o, dn, n)
	}
}

// TestDemoOnceAnswersStayWithTheirUser (issue 17.2): bob sending alice's
// Idempotency-Key, with her body or another, or posting the once-only
// token copied from her page, adds his own task; he never gets her stored
// answer, and nothing tells him the key was used.
func TestDemoOnceAnswersStayWithTheirUser(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	alice, bob, carol := newHTMXClient(t, d.URL), newHTMXClient(t, d.URL), newHTMXClient(t, d.URL)
	alice.signup("alice17", "alice-password")
	bob.signup("bob17", "bob-password")
	carol.signup("carol17", "carol-password")
	jsonAdd := func(c *webClient, key, title string) result {
		c.htmx = false // a JSON client with the same session
		defer func() { c.htmx = true }()
		return c.postBody("/api/add_task", "application/json", `{"title":"`+title+`"}`, "Idempotency-Key", key, "Accept", "application/json")
	}
	first := jsonAdd(alice, "alice-key-1", "Alice's secret")
	if first.Status != 200 {
		t.Fatalf("alice: %d %q", first.Status, first.Body)
	}
	// Bob with her body, carol with another: each gets a task of their
	// own, as with a fresh key (not her answer, not a 409).
	for _, u := range []struct {
		c     *webClient
		title string
	}{{bob, "Alice's secret"}, {carol, "Carol's own"}} {
		r := jsonAdd(u.c, "alice-key-1", u.title)
		if r.Status != 200 || r.Header.Get("Idempotent-Replayed") != "" || strings.Contains(r.Body, `"id":`+taskID(t, first.Body)+`,`) {
			t.Errorf("another user with alice's key (%s): %d %q replayed %q; want a task of their own", u.title, r.Status, r.Body, r.Header.Get("Idempotent-Replayed"))
		}
	}
	if r := jsonAdd(alice, "alice-key-1", "Alice's secret"); r.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("alice's own retry was not replayed: %d", r.Status)
	}

	// The token of alice's add form, posted by bob.
	page := alice.get("/")
	m := regexp.MustCompile(`name="_fiberfn_once" value="([^"]+)"`).FindStringSubmatch(page.Body)
	if m == nil {
		t.Fatal("alice's page has no once-only token")
	}
	form := url.Values{"_fiberfn_once": {m[1]}, "title": {"Alice's form"}}
	if r := alice.post("/api/add_task", form); r.Status != 200 {
		t.Fatalf("alice's form: %d", r.Status)
	}
	r := bob.post("/api/add_task", form)
	if r.Status != 200 || r.Header.Get("Idempotent-Replayed") != "" {
		t.Errorf("bob with alice's form token: %d replayed %q, want a run of his own", r.Status, r.Header.Get("Idempotent-Replayed"))
	}
	if got := len(d.tasks("alice17")); got != 2 {
		t.Errorf("alice has %d tasks, want 2", got)
	}
	if got := len(d.tasks("bob17")); got != 2 {
		t.Errorf("bob has %d tasks, want 2 (his own for alice's key and for her token)", got)
	}
	if got := len(d.tasks("carol17")); got != 1 {
		t.Errorf("carol has %d tasks, want 1", got)
	}
}

// taskID returns the task id of an add answer's JSON.
func taskID(t *testing.T, body string) string {
	t.Helper()
	var v struct {
		Task struct {
			ID int64 `json:"id"`
		} `json:"task"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil || v.Task.ID == 0 {
		t.Fatalf("add answer %q: %v", body, err)
	}
	return strconv.FormatInt(v.Task.ID, 10)
}
