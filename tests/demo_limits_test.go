package tests

// The limits of issue 17 (items 1 and 3) over real HTTP: the account
// throttle keys on exactly the username the login function decodes, the
// per-user write rate limit and the per-user task quota, each answered in
// the shape of every kind of caller.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
)

// callerKinds are the kinds of caller of DESIGN.md's caller table, as the
// request headers that make them. Page-like callers are answered with a
// redirect back to the form; the page they land on carries the answer.
var callerKinds = []struct {
	name     string
	header   []string
	pageLike bool
}{
	{"json", []string{"Accept", "application/json"}, false},
	{"htmx partial", []string{"HX-Request", "true"}, false},
	{"htmx 2 boosted", []string{"HX-Request", "true", "HX-Boosted", "true"}, true},
	{"htmx 4 full", []string{"HX-Request", "true", "HX-Request-Type", "full"}, true},
	{"history restore", []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, true},
	{"plain", nil, true},
}

// expectTooMany checks that r, what a caller finally got, is a 429 with a
// Retry-After of 1 to maxWait seconds (a sliding window may ask for up to
// twice its length) and the message; when the caller was
// redirected back to the form first, the redirect carries Retry-After too.
func expectTooMany(t *testing.T, what string, r result, maxWait time.Duration, message string) {
	t.Helper()
	if r.Status != http.StatusTooManyRequests {
		t.Errorf("%s: status %d, want 429; body:\n%s", what, r.Status, r.Body)
	}
	retry := func(h http.Header) {
		t.Helper()
		if s, err := strconv.Atoi(h.Get("Retry-After")); err != nil || s < 1 || time.Duration(s)*time.Second > maxWait+time.Second {
			t.Errorf("%s: Retry-After %q, want 1 to %d seconds", what, h.Get("Retry-After"), int(maxWait.Seconds()))
		}
	}
	retry(r.Header)
	if r.Redirect != nil {
		retry(r.Redirect.Header)
	}
	mustContain(t, what, r.Body, message)
}

// multipartBody encodes fields, in order, as multipart/form-data.
func multipartBody(t testing.TB, fields ...[2]string) (contentType, body string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), b.String()
}

// lockAccount fails to log in as user until the account is throttled.
func lockAccount(t *testing.T, base, user string, failures int) {
	t.Helper()
	for i := range failures {
		c := newPlainClient(t, base)
		body, _ := json.Marshal(map[string]string{"username": user, "password": "wrong-password"})
		if r := c.postBody("/api/login", "application/json", string(body)); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d\n%s", i+1, r.Status, r.Body)
		}
	}
}

// TestDemoLockoutKeysOnDecodedUsername is the regression test of issue 17
// item 1: the throttle found the account with c.FormValue("username"),
// which reads the query string first and the first multipart value, while
// the login function decodes the body (and the last multipart value). A
// decoy in the query logged in to a locked account, and a decoy as the
// first multipart value had the locked account's password checked. Now
// the throttle keys on the value the function decoded: a locked account
// is refused (429, or 400 for a duplicated field, also a JSON key set
// twice) without a password check, however the name is dressed up.
func TestDemoLockoutKeysOnDecodedUsername(t *testing.T) {
	t.Parallel()
	const failures = 3
	d := startDemo(t, app.Options{Throttle: app.Throttle{AccountFailures: failures, AddressAttempts: 1000}})
	newPlainClient(t, d.URL).signup("alice", "alice-password")
	lockAccount(t, d.URL, "alice", failures)
	checks := d.App.PasswordChecks()

	right := url.Values{"username": {"alice"}, "password": {"alice-password"}}
	jsonRight, _ := json.Marshal(map[string]string{"username": "alice", "password": "alice-password"})
	mpType, mpBody := multipartBody(t, [2]string{"username", "decoy"}, [2]string{"username", "alice"}, [2]string{"password", "alice-password"})
	for _, tc := range []struct {
		name, path, contentType, body string
	}{
		{"query decoy, form body alice", "/api/login?username=decoy", "application/x-www-form-urlencoded", right.Encode()},
		{"query decoy, JSON body alice", "/api/login?username=decoy", "application/json", string(jsonRight)},
		{"multipart decoy then alice", "/api/login", mpType, mpBody},
		{"multipart decoy then alice, query decoy", "/api/login?username=decoy", mpType, mpBody},
		{"JSON key twice, decoy then alice", "/api/login", "application/json", `{"username":"decoy","username":"alice","password":"alice-password"}`},
		{"JSON key twice, alice then decoy", "/api/login", "application/json", `{"username":"alice","password":"alice-password","username":"decoy"}`},
		{"JSON key twice, differing in case", "/api/login", "application/json", `{"Username":"decoy","username":"alice","password":"alice-password"}`},
		{"JSON key twice, escaped", "/api/login", "application/json", `{"user\u006eame":"decoy","username":"alice","password":"alice-password"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newPlainClient(t, d.URL)
			r := c.postBody(tc.path, tc.contentType, tc.body, "Accept", "application/json")
			if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `"username"`) {
				t.Errorf("status %d, want 400 naming the duplicated username; body:\n%s", r.Status, r.Body)
			}
			if c.cookie(app.SessionCookie) != "" {
				t.Errorf("logged in to a locked account")
			}
		})
	}
	// Every kind of caller: the locked account's right password gets a
	// 429 with Retry-After; the same with a decoy name in the query is a
	// duplicated field, refused with 400 before any guard or password
	// check (page-like callers are sent back to the form with it); nobody
	// is logged in either way.
	for _, kind := range callerKinds {
		t.Run("locked, as "+kind.name, func(t *testing.T) {
			c := newPlainClient(t, d.URL)
			c.get("/login")
			r := c.postBody("/api/login", "application/x-www-form-urlencoded", right.Encode(), kind.header...)
			expectTooMany(t, kind.name, r, 2*15*time.Minute, "Too many attempts.")
			if c.cookie(app.SessionCookie) != "" {
				t.Errorf("logged in to a locked account")
			}
		})
		t.Run("query decoy as "+kind.name, func(t *testing.T) {
			c := newPlainClient(t, d.URL)
			c.get("/login")
			r := c.postBody("/api/login?username=decoy", "application/x-www-form-urlencoded", right.Encode(), kind.header...)
			if !kind.pageLike && r.Status != http.StatusBadRequest {
				t.Errorf("status %d, want 400 for the duplicated username; body:\n%s", r.Status, r.Body)
			}
			mustContain(t, kind.name, r.Body, "username")
			if c.cookie(app.SessionCookie) != "" {
				t.Errorf("logged in to a locked account")
			}
		})
	}
	if n := d.App.PasswordChecks() - checks; n != 0 {
		t.Errorf("%d password checks against a locked account, want 0", n)
	}

	// A name repeated in the body is either refused (400) or decoded as
	// one of its values; the right password of the locked account never
	// logs in, whichever it is.
	for _, order := range [][2]string{{"decoy", "alice"}, {"alice", "decoy"}} {
		body := "username=" + order[0] + "&username=" + order[1] + "&password=alice-password"
		c := newPlainClient(t, d.URL)
		r := c.postBody("/api/login", "application/x-www-form-urlencoded", body, "Accept", "application/json")
		if r.Status != http.StatusTooManyRequests && r.Status != http.StatusBadRequest && r.Status != http.StatusUnauthorized {
			t.Errorf("form body %s: status %d\n%s", body, r.Status, r.Body)
		}
		if c.cookie(app.SessionCookie) != "" {
			t.Errorf("form body %s: logged in to a locked account", body)
		}
	}
}

// TestDemoWriteRateLimit: after UserWrites task writes in the window, the
// next write of that user (add, toggle, rename, delete, clear) is a 429
// with Retry-After in every caller's shape, and changes nothing; other
// users write on.
func TestDemoWriteRateLimit(t *testing.T) {
	t.Parallel()
	const writes = 4
	d := startDemo(t, app.Options{Throttle: app.Throttle{UserWrites: writes, UserWritesWindow: time.Minute}})
	for i, kind := range callerKinds {
		t.Run(kind.name, func(t *testing.T) {
			user := fmt.Sprintf("writer%d", i)
			c := newPlainClient(t, d.URL)
			c.signup(user, user+"-password")
			for j := range writes {
				if r := c.post("/api/add_task", url.Values{"title": {fmt.Sprintf("task %d", j)}}); r.Status != http.StatusOK {
					t.Fatalf("write %d: %d\n%s", j+1, r.Status, r.Body)
				}
			}
			r := c.postBody("/api/add_task", "application/x-www-form-urlencoded", url.Values{"title": {"one too many"}}.Encode(), kind.header...)
			expectTooMany(t, kind.name, r, 2*time.Minute, "Too many changes")
			id := strconv.FormatInt(d.tasks(user)[0].ID, 10)
			for _, fn := range []string{"toggle_task", "rename_task", "delete_task", "clear_completed"} {
				r := c.postBody("/api/"+fn, "application/x-www-form-urlencoded", url.Values{"id": {id}, "done": {"true"}, "title": {"renamed"}}.Encode(), kind.header...)
				expectTooMany(t, kind.name+" "+fn, r, 2*time.Minute, "Too many changes")
			}
			if ts := d.tasks(user); len(ts) != writes || ts[0].Done || ts[0].Title != "task 0" {
				t.Errorf("tasks after the refused writes: %+v", ts)
			}
		})
	}
	// Someone else is not affected.
	other := newHTMXClient(t, d.URL)
	other.signup("bystander", "bystander-password")
	if r := other.post("/api/add_task", url.Values{"title": {"mine"}}); r.Status != http.StatusOK {
		t.Errorf("another user's add: %d", r.Status)
	}
}

// TestDemoTaskQuota: an account keeps at most TaskQuota tasks; one more
// is refused with a message that says why and what to do, for every kind
// of caller, and deleting a task makes room again.
func TestDemoTaskQuota(t *testing.T) {
	t.Parallel()
	const quota = 3
	d := startDemo(t, app.Options{TaskQuota: quota})
	c := newPlainClient(t, d.URL)
	c.signup("hoarder", "hoarder-password")
	for i := range quota {
		if r := c.post("/api/add_task", url.Values{"title": {fmt.Sprintf("task %d", i)}}); r.Status != http.StatusOK {
			t.Fatalf("add %d: %d", i+1, r.Status)
		}
	}
	for _, kind := range callerKinds {
		r := c.postBody("/api/add_task", "application/x-www-form-urlencoded", url.Values{"title": {"one too many"}}.Encode(), kind.header...)
		mustContain(t, kind.name, r.Body, "You have 3 tasks, the most an account can keep. Delete some to add more.")
		if !kind.pageLike && r.Status != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", kind.name, r.Status)
		}
	}
	if n := d.taskCount("hoarder"); n != quota {
		t.Fatalf("%d tasks, want %d", n, quota)
	}
	id := strconv.FormatInt(d.tasks("hoarder")[0].ID, 10)
	c.post("/api/delete_task", url.Values{"id": {id}})
	if r := c.post("/api/add_task", url.Values{"title": {"room again"}}); r.Status != http.StatusOK || d.taskCount("hoarder") != quota {
		t.Errorf("add after a delete: %d, %d tasks", r.Status, d.taskCount("hoarder"))
	}
	if app.DefaultTaskQuota < 1000 {
		t.Errorf("DefaultTaskQuota %d", app.DefaultTaskQuota)
	}
}

// TestDemoWriteFlood is the proof of issue 17 item 3: one account adds
// tasks as fast as 16 connections allow for 10 s. Before the limits it
// added 8,345 tasks and the database grew from 0.13 MB to 37 MB. With the
// default write limit the flood is cut to a few hundred writes; with the
// write limit lifted, the quota bounds the tasks and so the growth.
func TestDemoWriteFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("a 10 s load; skipped with -short")
	}
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts app.Options
		max  int
	}{
		{"default limits", app.Options{}, 2 * app.DefaultUserWrites},
		// Adds at the same moment may each pass the quota's check: at
		// most one per connection over the quota.
		{"write limit lifted, quota 1000", app.Options{TaskQuota: 1000, Throttle: app.Throttle{UserWrites: 1 << 30}}, 1000 + floodConns},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := startDemo(t, tc.opts)
			c := newPlainClient(t, d.URL)
			c.signup("flooder", "flooder-password")
			before := dbSize(t, d)
			stats := flood(t, c, floodConns, 10*time.Second)
			n := d.taskCount("flooder")
			after := dbSize(t, d)
			t.Logf("%s: %d requests in 10 s (%v), %d tasks stored; database %.2f MB -> %.2f MB",
				tc.name, stats.total, stats.byStatus, n, float64(before)/1e6, float64(after)/1e6)
			if n > tc.max {
				t.Errorf("%d tasks stored, want at most %d", n, tc.max)
			}
			if stats.byStatus[http.StatusInternalServerError] > 0 {
				t.Errorf("500s during the flood: %v", stats.byStatus)
			}
		})
	}
}

// floodConns is the number of connections of a flood.
const floodConns = 16

// floodStats counts the answers of a flood.
type floodStats struct {
	total    int
	byStatus map[int]int
}

// flood adds tasks as c's user from conns connections for d, each add a
// JSON request with its own Idempotency-Key, and counts the answers.
func flood(t *testing.T, c *webClient, conns int, d time.Duration) floodStats {
	t.Helper()
	u, _ := url.Parse(c.base)
	var cookies []string
	for _, ck := range c.hc.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	tr := &http.Transport{MaxIdleConnsPerHost: conns}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	deadline := time.Now().Add(d)
	results := make(chan map[int]int, conns)
	for w := range conns {
		go func() {
			counts := map[int]int{}
			for i := 0; time.Now().Before(deadline); i++ {
				req, _ := http.NewRequest(http.MethodPost, c.base+"/api/add_task", strings.NewReader(`{"title":"flood task with a title of some length"}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json")
				req.Header.Set("Cookie", strings.Join(cookies, "; "))
				req.Header.Set("Idempotency-Key", fmt.Sprintf("flood-%d-%d", w, i))
				resp, err := hc.Do(req)
				if err != nil {
					counts[-1]++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				counts[resp.StatusCode]++
			}
			results <- counts
		}()
	}
	s := floodStats{byStatus: map[int]int{}}
	for range conns {
		for st, n := range <-results {
			s.byStatus[st] += n
			s.total += n
		}
	}
	return s
}

// dbSize is the size of the demo's database: the SQLite file after a
// checkpoint has moved the WAL into it, or PostgreSQL's size of the
// database.
func dbSize(t *testing.T, d *demoServer) int64 {
	t.Helper()
	path, ok := strings.CutPrefix(d.Database, "sqlite:")
	if !ok {
		var n int64
		if err := d.App.DB().QueryRow("SELECT pg_database_size(current_database())").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := d.App.DB().Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
