package tests

// The htmx 2 import runs as a job (demo/app/import_job.go): the post
// answers at once with a placeholder whose sse-connect follows the job's
// progress, published on a topic of the app's hub. Over HTTP: the events,
// who may follow a job (only the user who started it), the once-only rule,
// and two instances on PostgreSQL and Redis, the progress followed on the
// instance that did not run the job.

import (
	"bufio"
	"context"
	"html"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/fiberfn/fiberfn/internal/testsvc"
)

// importDatabases are the databases the import tests run on.
var importDatabases = []struct {
	name string
	url  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "demo.db") }},
	{"postgres", func(t *testing.T) string { return testsvc.Postgres(t) }},
}

// htmx2Accept is what htmx 2 sends as Accept.
const htmx2Accept = "text/html, */*"

// jobEvent is one event of an import job's stream.
type jobEvent struct{ name, data string }

// sseConnect is the sse-connect attribute of a placeholder.
var sseConnect = regexp.MustCompile(`sse-connect="([^"]+)"`)

// jobPath returns the progress URL of the placeholder body.
func jobPath(t *testing.T, body string) string {
	t.Helper()
	m := sseConnect.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no sse-connect in the answer:\n%.1000s", body)
	}
	return html.UnescapeString(m[1])
}

// followJob opens the job's stream at path with c's cookies, as htmx 2's
// EventSource does, and reads its events up to the "done" one. A status
// other than 200 is returned with no events.
func followJob(t *testing.T, c *webClient, path string, header ...string) (int, []jobEvent) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return resp.StatusCode, nil
	}
	var events []jobEvent
	var e jobEvent
	var data []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if data != nil {
				e.data = strings.Join(data, "\n")
				events = append(events, e)
				if e.name == "done" {
					return resp.StatusCode, events
				}
			}
			e, data = jobEvent{}, nil
		case strings.HasPrefix(line, "event: "):
			e.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = append(data, strings.TrimPrefix(line, "data: "))
		}
	}
	t.Fatalf("the stream ended without a done event (%v); got %q", sc.Err(), events)
	return 0, nil
}

// startJob posts an import of file as htmx 2 and returns the placeholder's
// progress URL.
func startJob(t *testing.T, c *webClient, file string, header ...string) string {
	t.Helper()
	ct, body := importBody(t, "tasks.txt", file)
	r := c.postBody("/api/import_tasks", ct, body, append([]string{"Accept", htmx2Accept}, header...)...)
	if r.Status != http.StatusOK {
		t.Fatalf("status %d; body:\n%.1000s", r.Status, r.Body)
	}
	mustContain(t, "placeholder", r.Body, `hx-ext="sse"`, `sse-close="done"`, `sse-swap="message,done"`, `<progress value="0" max=`)
	return jobPath(t, r.Body)
}

// checkJobEvents checks a job's events for an import of total tasks:
// progress strictly between 0 and total, rising, then done with the count
// and the link back.
func checkJobEvents(t *testing.T, events []jobEvent, total string) {
	t.Helper()
	last := events[len(events)-1]
	if last.name != "done" {
		t.Fatalf("the last event is %q", last.name)
	}
	mustContain(t, "done event", last.data, "Imported "+total+" tasks", `href="/"`)
	progress := 0
	for _, e := range events[:len(events)-1] {
		if e.name != "" {
			t.Errorf("a progress event named %q", e.name)
		}
		if strings.Contains(e.data, "Imported") && strings.Contains(e.data, " of "+total) {
			progress++
		}
	}
	if progress == 0 {
		t.Errorf("no progress before the end: %q", events)
	}
}

// TestDemoImportJob: an htmx 2 import, followed over its job's stream, on
// SQLite and on PostgreSQL.
func TestDemoImportJob(t *testing.T) {
	t.Parallel()
	for _, db := range importDatabases {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			d := startDemo(t, app.Options{Database: db.url(t), TaskQuota: 20000})

			t.Run("the progress and the end", func(t *testing.T) {
				c := newHTMXClient(t, d.URL)
				c.signup("legacy", secretPassword)
				path := startJob(t, c, importLines(5000))
				status, events := followJob(t, c, path)
				if status != http.StatusOK {
					t.Fatalf("status %d", status)
				}
				checkJobEvents(t, events, "5,000")
				if n := d.taskCount("legacy"); n != 5000 {
					t.Errorf("%d tasks, want 5000", n)
				}
				// A page that connects again (a reload of the stream)
				// replays the same events.
				if _, again := followJob(t, c, path); len(again) != len(events) {
					t.Errorf("a second follower got %d events, want %d", len(again), len(events))
				}
			})

			t.Run("only its user follows a job", func(t *testing.T) {
				owner := newHTMXClient(t, d.URL)
				owner.signup("owner", secretPassword)
				path := startJob(t, owner, importLines(3))
				other := newHTMXClient(t, d.URL)
				other.signup("other", secretPassword)
				token := strings.TrimPrefix(path[:strings.IndexByte(path, '?')], app.ImportJobPath)
				forged := app.ImportJobPath + token[:len(token)-2] + "AA"
				for _, tc := range []struct {
					name   string
					c      *webClient
					path   string
					header []string
					status int
				}{
					{"anonymous", newPlainClient(t, d.URL), path, nil, http.StatusNotFound},
					{"another user", other, path, nil, http.StatusNotFound},
					{"a forged token", owner, forged, nil, http.StatusNotFound},
					{"a token of nothing", owner, app.ImportJobPath + "x", nil, http.StatusNotFound},
					{"cross-site", owner, path, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden},
				} {
					if status, _ := followJob(t, tc.c, tc.path, tc.header...); status != tc.status {
						t.Errorf("%s: status %d, want %d", tc.name, status, tc.status)
					}
				}
				if status, events := followJob(t, owner, path); status != http.StatusOK {
					t.Errorf("the owner: status %d", status)
				} else {
					mustContain(t, "done", events[len(events)-1].data, "Imported 3 tasks")
				}
			})

			t.Run("a replayed once-only key imports once", func(t *testing.T) {
				c := newHTMXClient(t, d.URL)
				c.signup("twice", secretPassword)
				first := startJob(t, c, importLines(10), "Idempotency-Key", "same-key")
				followJob(t, c, first)
				ct, body := importBody(t, "tasks.txt", importLines(10))
				r := c.postBody("/api/import_tasks", ct, body, "Accept", htmx2Accept, "Idempotency-Key", "same-key")
				if r.Status >= 500 {
					t.Errorf("the replay: status %d", r.Status)
				}
				if n := d.taskCount("twice"); n != 10 {
					t.Errorf("%d tasks, want 10", n)
				}
			})

			t.Run("refusals come before any job", func(t *testing.T) {
				c := newHTMXClient(t, d.URL)
				c.signup("refused", secretPassword)
				lines := strings.Split(importLines(5000), "\n")
				lines[3000] = strings.Repeat("x", 1000) // line 3,001
				ct, body := importBody(t, "tasks.txt", strings.Join(lines, "\n"))
				r := c.postBody("/api/import_tasks", ct, body, "Accept", htmx2Accept)
				if r.Status != http.StatusUnprocessableEntity || strings.Contains(r.Body, "sse-connect") {
					t.Errorf("status %d; body:\n%.500s", r.Status, r.Body)
				}
				mustContain(t, "bad line", r.Body, "Line 3,001:", "Nothing was imported.")
				if n := d.taskCount("refused"); n != 0 {
					t.Errorf("%d tasks, want 0", n)
				}
			})
		})
	}
}

// TestDemoImportEveryCaller: a 5,000-line import for every caller, on
// SQLite and on PostgreSQL: all of it is saved, once. Skipped under
// -short (40,000 rows).
func TestDemoImportEveryCaller(t *testing.T) {
	if testing.Short() {
		t.Skip("a 5,000-line import per caller and database; run without -short")
	}
	t.Parallel()
	for _, db := range importDatabases {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			d := startDemo(t, app.Options{Database: db.url(t), TaskQuota: 20000})
			file := importLines(5000)
			for _, tc := range []struct {
				name string
				c    func() *webClient
				head []string
			}{
				{"plain", func() *webClient { return newPlainClient(t, d.URL) }, nil},
				{"json", func() *webClient { return newPlainClient(t, d.URL) }, []string{"Accept", "application/json"}},
				{"htmx4", func() *webClient { return newHTMXClient(t, d.URL) }, []string{"Accept", "text/html, text/event-stream"}},
				{"htmx2", func() *webClient { return newHTMXClient(t, d.URL) }, []string{"Accept", htmx2Accept}},
			} {
				c := tc.c()
				user := "every" + tc.name
				c.signup(user, secretPassword)
				ct, body := importBody(t, "tasks.txt", file)
				r := c.postBody("/api/import_tasks", ct, body, tc.head...)
				if r.Status != http.StatusOK {
					t.Fatalf("%s: status %d; body:\n%.500s", tc.name, r.Status, r.Body)
				}
				if tc.name == "htmx2" {
					_, events := followJob(t, c, jobPath(t, r.Body))
					checkJobEvents(t, events, "5,000")
				} else if tc.name == "json" {
					mustContain(t, tc.name, r.Body, `{"data":{"Done":5000,"Total":5000,"Finished":true}}`)
				} else {
					mustContain(t, tc.name, r.Body, "Imported 5,000 tasks")
				}
				if n := d.taskCount(user); n != 5000 {
					t.Errorf("%s: %d tasks, want 5000", tc.name, n)
				}
			}
		})
	}
}

// TestDemoImportJobTwoInstances: two instances on one PostgreSQL database
// and one Redis. The htmx 2 post runs the job on instance 1; the page's
// progress stream lands on instance 2, which has only the Redis topic.
func TestDemoImportJobTwoInstances(t *testing.T) {
	t.Parallel()
	redisURL, prefix := testsvc.Redis(t)
	opts := app.Options{Database: testsvc.Postgres(t), Redis: redisURL, RedisPrefix: prefix, TaskQuota: 20000,
		Secret: []byte("a shared secret of the two instances, long enough")}
	d1 := startDemo(t, opts)
	d2 := startDemo(t, opts)
	c := newHTMXClient(t, d1.URL)
	c.signup("roamer", secretPassword)
	path := startJob(t, c, importLines(5000))
	status, events := followJob(t, c.withBase(d2.URL), path)
	if status != http.StatusOK {
		t.Fatalf("instance 2: status %d", status)
	}
	checkJobEvents(t, events, "5,000")
	if n := d2.taskCount("roamer"); n != 5000 {
		t.Errorf("%d tasks, want 5000", n)
	}
	other := newHTMXClient(t, d2.URL)
	other.signup("nosy", secretPassword)
	if status, _ := followJob(t, other, path); status != http.StatusNotFound {
		t.Errorf("another user on instance 2: status %d, want 404", status)
	}
}
