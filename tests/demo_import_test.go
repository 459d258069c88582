package tests

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
)

// importLines is a text file of n task titles, one a line.
func importLines(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "imported task %d\n", i)
	}
	return b.String()
}

// importBody is a multipart body with file as the field "file".
func importBody(t testing.TB, filename, file string) (contentType, body string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte(file)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.String()
}

// TestDemoImportTasks: the Import tasks function (issue 18) for every
// caller, and its refusals: a bad line, an oversized file, the quota, an
// anonymous or cross-origin post, a replayed once-only key; on SQLite and
// on PostgreSQL.
func TestDemoImportTasks(t *testing.T) {
	t.Parallel()
	for _, db := range importDatabases {
		t.Run(db.name, func(t *testing.T) {
			t.Parallel()
			testDemoImportTasks(t, func() string { return db.url(t) })
		})
	}
}

// testDemoImportTasks is TestDemoImportTasks on the databases database
// returns (a fresh one each call).
func testDemoImportTasks(t *testing.T, database func() string) {
	d := startDemo(t, app.Options{Database: database(), TaskQuota: 20000})

	t.Run("plain post redirects to the list with a notice", func(t *testing.T) {
		c := newPlainClient(t, d.URL)
		c.signup("importer", "importer-password")
		if r := c.get("/import"); r.Status != http.StatusOK {
			t.Fatalf("GET /import: %d", r.Status)
		} else {
			mustContain(t, "import page", r.Body, `enctype="multipart/form-data"`, `hx-encoding="multipart/form-data"`, `aria-live="polite"`, `_fiberfn_once`)
		}
		ct, body := importBody(t, "tasks.txt", importLines(300))
		r := c.postBody("/api/import_tasks", ct, body)
		if r.Status != http.StatusOK || r.URL.Path != "/" {
			t.Fatalf("status %d at %s; body:\n%.2000s", r.Status, r.URL, r.Body)
		}
		mustContain(t, "list", r.Body, "Imported 300 tasks.")
		if n := d.taskCount("importer"); n != 300 {
			t.Errorf("%d tasks, want 300", n)
		}
	})

	t.Run("htmx 4 gets an event stream", func(t *testing.T) {
		c := newHTMXClient(t, d.URL)
		c.signup("streamer", "streamer-password")
		ct, body := importBody(t, "tasks.txt", importLines(1000))
		r := c.postBody("/api/import_tasks", ct, body, "Accept", "text/html, text/event-stream")
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/event-stream") {
			t.Fatalf("status %d, %q; body:\n%.2000s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		mustContain(t, "stream", r.Body, `<progress value="250" max="1000">`, "Imported 250 of 1,000", "Imported 750 of 1,000",
			`<progress value="1000" max="1000">`, "Imported 1,000 tasks", `href="/"`)
		if n := d.taskCount("streamer"); n != 1000 {
			t.Errorf("%d tasks, want 1000", n)
		}
	})

	t.Run("htmx 2 gets a placeholder that follows the job", func(t *testing.T) {
		c := newHTMXClient(t, d.URL)
		c.signup("legacy", "legacy-password")
		ct, body := importBody(t, "tasks.csv", "title\nfirst\n\"second, with a comma\"\n")
		r := c.postBody("/api/import_tasks", ct, body, "Accept", "text/html")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d; body:\n%s", r.Status, r.Body)
		}
		mustContain(t, "placeholder", r.Body, `sse-connect="/import/progress/`, `<progress value="0" max="3">`)
		_, events := followJob(t, c, jobPath(t, r.Body))
		mustContain(t, "done", events[len(events)-1].data, "Imported 3 tasks", `<progress value="3" max="3">`)
		if n := d.taskCount("legacy"); n != 3 {
			t.Errorf("%d tasks, want 3", n)
		}
	})

	t.Run("a bad line imports nothing and is named", func(t *testing.T) {
		c := newHTMXClient(t, d.URL)
		c.signup("careless", "careless-password")
		lines := strings.Split(importLines(5000), "\n")
		lines[3000] = strings.Repeat("x", 1000) // line 3,001: too long a title
		ct, body := importBody(t, "tasks.txt", strings.Join(lines, "\n"))
		for _, accept := range []string{"text/html, text/event-stream", "text/html", "application/json"} {
			r := c.postBody("/api/import_tasks", ct, body, "Accept", accept)
			mustContain(t, accept, r.Body, "Line 3,001:", "Nothing was imported.")
			if n := d.taskCount("careless"); n != 0 {
				t.Fatalf("%s: %d tasks, want 0", accept, n)
			}
		}
	})

	t.Run("an oversized file is refused", func(t *testing.T) {
		c := newPlainClient(t, d.URL)
		c.signup("bulky", "bulky-password")
		big := strings.Repeat(strings.Repeat("a", 99)+"\n", app.MaxImportBytes/100+1)
		ct, body := importBody(t, "tasks.txt", big)
		r := c.postBody("/api/import_tasks", ct, body, "Accept", "application/json")
		if r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413; body:\n%.500s", r.Status, r.Body)
		}
		// A body over the limit: 413, or the connection closed before
		// the client has written it all (the server does not read on).
		huge := strings.Repeat("a\n", app.MaxImportBytes)
		ct, body = importBody(t, "tasks.txt", huge)
		req, err := http.NewRequest(http.MethodPost, d.URL+"/api/import_tasks", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Origin", d.URL)
		req.Header.Set("Idempotency-Key", "huge")
		if resp, err := c.hc.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("a body over the limit: status %d, want 413", resp.StatusCode)
			}
		}
		if n := d.taskCount("bulky"); n != 0 {
			t.Errorf("%d tasks, want 0", n)
		}
	})

	t.Run("anonymous and cross-origin posts are refused", func(t *testing.T) {
		anon := newPlainClient(t, d.URL)
		ct, body := importBody(t, "tasks.txt", importLines(3))
		if r := anon.postBody("/api/import_tasks", ct, body, "Accept", "application/json"); r.Status != http.StatusUnauthorized && r.Status != http.StatusForbidden {
			t.Errorf("anonymous: status %d", r.Status)
		}
		c := newPlainClient(t, d.URL)
		c.signup("victim", "victim-password")
		r := c.postBody("/api/import_tasks", ct, body, "Accept", "application/json", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
		if r.Status != http.StatusForbidden {
			t.Errorf("cross-origin: status %d, want 403", r.Status)
		}
		if n := d.taskCount("victim"); n != 0 {
			t.Errorf("cross-origin: %d tasks, want 0", n)
		}
	})

	t.Run("a replayed once-only key imports once", func(t *testing.T) {
		for _, accept := range []string{"text/html, text/event-stream", "application/json"} {
			c := newHTMXClient(t, d.URL)
			user := "replayer" + fmt.Sprint(len(accept))
			c.signup(user, user+"-password")
			ct, body := importBody(t, "tasks.txt", importLines(10))
			first := c.postBody("/api/import_tasks", ct, body, "Accept", accept, "Idempotency-Key", "same-key-"+user)
			second := c.postBody("/api/import_tasks", ct, body, "Accept", accept, "Idempotency-Key", "same-key-"+user)
			// The count is read once the stream has ended; poll briefly in
			// case the database shows the commit a moment later.
			n := d.taskCount(user)
			for deadline := time.Now().Add(5 * time.Second); n != 10 && time.Now().Before(deadline); n = d.taskCount(user) {
				time.Sleep(20 * time.Millisecond)
			}
			if n != 10 {
				t.Errorf("%s: %d tasks, want 10 (first answer %d %q, second %d %q)", accept, n, first.Status, first.Body, second.Status, second.Body)
			}
		}
	})

	t.Run("malformed posts are refused", func(t *testing.T) {
		c := newPlainClient(t, d.URL)
		c.signup("hostile", "hostile-password")
		ct, empty := importBody(t, "tasks.txt", "\n\n")
		binCT, binary := importBody(t, "tasks.txt", "ok\n\xff\xfe\n")
		for _, tc := range []struct {
			name, contentType, body string
			status                  int
		}{
			{"no file", "application/x-www-form-urlencoded", "file=tasks.txt", http.StatusBadRequest},
			{"json", "application/json", `{"file":"x"}`, http.StatusBadRequest},
			{"broken multipart", "multipart/form-data; boundary=zzz", "--zzz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nno end", http.StatusBadRequest},
			{"no task in the file", ct, empty, http.StatusUnprocessableEntity},
			{"not UTF-8", binCT, binary, http.StatusUnprocessableEntity},
		} {
			r := c.postBody("/api/import_tasks", tc.contentType, tc.body, "Accept", "application/json")
			if r.Status != tc.status {
				t.Errorf("%s: status %d, want %d; body: %.300s", tc.name, r.Status, tc.status, r.Body)
			}
		}
		if n := d.taskCount("hostile"); n != 0 {
			t.Errorf("%d tasks, want 0", n)
		}
	})

	t.Run("the quota counts the file", func(t *testing.T) {
		q := startDemo(t, app.Options{Database: database(), TaskQuota: 5})
		c := newPlainClient(t, q.URL)
		c.signup("greedy", "greedy-password")
		ct, body := importBody(t, "tasks.txt", importLines(6))
		// The quota is checked before any stream starts: an ordinary
		// 403 for every caller, the message back on /import without JS.
		for _, caller := range [][]string{
			{"Accept", "application/json"},
			{"HX-Request", "true", "Accept", "text/html, text/event-stream"}, // htmx 4
			{"HX-Request", "true", "Accept", "text/html"},                    // htmx 2
		} {
			r := c.postBody("/api/import_tasks", ct, body, caller...)
			if r.Status != http.StatusForbidden || strings.Contains(r.Header.Get("Content-Type"), "stream") {
				t.Errorf("%q: status %d, %s, want 403", caller, r.Status, r.Header.Get("Content-Type"))
			}
			mustContain(t, strings.Join(caller, " "), r.Body, "The file holds 6 tasks", "5 more fit", "Nothing was imported.")
		}
		c.get("/import")
		r := c.postBody("/api/import_tasks", ct, body)
		if r.URL.Path != "/import" {
			t.Errorf("plain: landed at %s, want /import", r.URL)
		}
		mustContain(t, "plain", r.Body, "The file holds 6 tasks", "5 more fit")
		if n := q.taskCount("greedy"); n != 0 {
			t.Errorf("%d tasks, want 0", n)
		}
	})
}

// TestDemoImportRefusedPlain: without JavaScript a refused import
// (a bad line) lands back on /import with the message, and nothing is
// imported.
func TestDemoImportRefusedPlain(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("plainbad", "plainbad-password")
	c.get("/import")
	ct, body := importBody(t, "tasks.txt", "fine\n"+strings.Repeat("x", 1000)+"\n")
	r := c.postBody("/api/import_tasks", ct, body)
	if r.URL.Path != "/import" {
		t.Errorf("landed at %s, want /import", r.URL)
	}
	mustContain(t, "import page", r.Body, "Line 2:", "Nothing was imported.")
	if n := d.taskCount("plainbad"); n != 0 {
		t.Errorf("%d tasks, want 0", n)
	}
}
