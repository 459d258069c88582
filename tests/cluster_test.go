package tests

// The demo as three stateless instances on PostgreSQL and Redis behind
// HAProxy (issue 15's proof list): whatever one instance writes, the
// others act on at the very next request; once-only requests run once
// across instances and across a crash; failures lock an account together;
// keys are shared and rotate; load survives a kill -9 and a rolling
// restart. Real processes, a real HAProxy, real PostgreSQL and Redis:
// skipped under -short, and without the services unless
// FIBERFN_REQUIRE_SERVICES=1 (CI), which makes their absence a failure.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// TestCluster builds the demo once and runs every several-instances test
// as a subtest on clusters of their own. The functional ones run in
// parallel; the load tests after them, one at a time (their failure
// counts must not depend on another test's load).
func TestCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("three demo processes, PostgreSQL, Redis and HAProxy; skipped with -short")
	}
	needHAProxy(t)
	clusterBinary = buildDemo(t)
	t.Cleanup(func() { clusterBinary = "" })
	t.Run("functional", func(t *testing.T) {
		t.Run("sessions", testClusterSessions)
		t.Run("once-only at once", testClusterOnceAtOnce)
		t.Run("kill -9 between run and answer", testClusterCrash)
		t.Run("lockout", testClusterLockout)
		t.Run("flash and key rotation", testClusterKeys)
		t.Run("browser journey, htmx 4", testClusterBrowser)
	})
	t.Run("load: kill -9", testClusterKill)
	t.Run("load: rolling restart", testClusterRollingRestart)
}

// testClusterSessions: log in through A, add through B, list through C:
// the same data. A logout through A is refused by B at the very next
// request; a password change through A ends the sessions on B and C.
func testClusterSessions(t *testing.T) {
	t.Parallel()
	cl := startCluster(t, clusterConfig{})
	a := newPlainClient(t, cl.url(0))
	a.signup("roamer", "roamer-password")
	for round := range 3 {
		a.login("roamer", "roamer-password", round%2 == 1)
		id := a.cookie(app.SessionCookie)
		b, c := a.withBase(cl.url(1)), a.withBase(cl.url(2))
		title := "added through B, round " + string(rune('1'+round))
		b.expectLanded(b.post("/api/add_task", url.Values{"title": {title}}), "/")
		mustContain(t, "the list through C", c.get("/").Body, title)
		if got := taskTitles(c.get("/").Body); len(got) != round+1 {
			t.Errorf("C lists %q, want %d tasks", got, round+1)
		}
		mustContain(t, "B with a copy of the session", homeWith(t, cl.url(1), id), "Your tasks")
		a.expectLanded(a.post("/api/logout", nil), "/")
		mustNotContain(t, "B right after the logout through A", homeWith(t, cl.url(1), id), "Your tasks")
	}
	if got := cl.tasks("roamer"); len(got) != 3 {
		t.Errorf("the database holds %q, want 3 tasks", got)
	}

	// A password change through A ends the sessions through B and C.
	a.login("roamer", "roamer-password", false)
	others := map[int]string{}
	for _, i := range []int{1, 2} {
		o := newPlainClient(t, cl.url(i))
		o.login("roamer", "roamer-password", true)
		others[i] = o.cookie(app.SessionCookie)
		mustContain(t, "the other session", homeWith(t, cl.url(i), others[i]), "Your tasks")
	}
	a.get("/settings")
	a.expectLanded(a.post("/api/change_password", url.Values{
		"current_password": {"roamer-password"}, "new_password": {"roamer-password-2"}, "confirm_password": {"roamer-password-2"}}), "/settings")
	for i, id := range others {
		for _, j := range []int{0, 1, 2} {
			mustNotContain(t, "a session of "+cl.name(i)+" through "+cl.name(j)+" after a password change through app1", homeWith(t, cl.url(j), id), "Your tasks")
		}
	}
	for j := range 3 {
		mustContain(t, "the changing session through "+cl.name(j), homeWith(t, cl.url(j), a.cookie(app.SessionCookie)), "Your tasks")
	}
}

// testClusterOnceAtOnce: the same once-only request sent to the three
// instances at the same moment, 50 rounds with a form token and 50 with
// an Idempotency-Key: exactly one record per round, and of each round's
// three answers one is the first and the others replay it.
func testClusterOnceAtOnce(t *testing.T) {
	t.Parallel()
	cl := startCluster(t, clusterConfig{})
	h := newHTMXClient(t, cl.url(0))
	h.signup("racer", "racer-password")
	const rounds = 50
	for _, kind := range []string{"form token", "Idempotency-Key"} {
		for round := range rounds {
			title := kind + " " + strings.Repeat("x", round%3) + " #" + url.QueryEscape(string(rune('A'+round%26))) + string(rune('0'+round/26))
			form := url.Values{"title": {title}}
			var header []string
			if kind == "form token" {
				m := onceTokenField.FindStringSubmatch(h.withBase(cl.url(round % 3)).get("/").Body)
				if m == nil {
					t.Fatal("no once-only token in the add form")
				}
				form.Set("_fiberfn_once", m[1])
			} else {
				header = []string{"Idempotency-Key", "race-" + title}
			}
			start := make(chan struct{})
			answers := make([]result, 3)
			errs := make([]error, 3)
			var wg sync.WaitGroup
			for i := range 3 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					answers[i], errs[i] = h.rawSend(context.Background(), cl.url(i), "/api/add_task", "application/x-www-form-urlencoded", form.Encode(), header...)
				}()
			}
			close(start)
			wg.Wait()
			firsts := 0
			for i, r := range answers {
				switch {
				case errs[i] != nil:
					t.Fatalf("%s round %d through %s: %v", kind, round, cl.name(i), errs[i])
				case r.Status != http.StatusOK:
					t.Errorf("%s round %d through %s: %d %s", kind, round, cl.name(i), r.Status, r.Body)
				case r.Header.Get("Idempotent-Replayed") == "":
					firsts++
				case r.Body != answers[(i+1)%3].Body && r.Body != answers[(i+2)%3].Body:
					t.Errorf("%s round %d: the replay through %s differs from both other answers", kind, round, cl.name(i))
				}
			}
			if firsts != 1 {
				t.Errorf("%s round %d: %d first answers, want 1 (and 2 replays)", kind, round, firsts)
			}
		}
	}
	if got := cl.tasks("racer"); len(got) != 2*rounds {
		t.Errorf("%d records for %d once-only requests sent three times each, want %d", len(got), 2*rounds, 2*rounds)
	}
}

// testClusterCrash: an instance killed (SIGKILL, from the crash hook)
// after the function ran and before its answer was stored; the retry
// through another instance is not run again and gets a 409 that says
// what happened; so does a later one.
func testClusterCrash(t *testing.T) {
	t.Parallel()
	cl := startCluster(t, clusterConfig{env: map[int][]string{0: {"FIBERFN_CRASH_AFTER_RUN=add_task"}}})
	h := newHTMXClient(t, cl.url(1))
	h.signup("crasher", "crasher-password")
	for n, kind := range []string{"form token", "Idempotency-Key"} {
		if n > 0 {
			cl.start(0) // again, with the hook
		}
		title := "crash with a " + kind
		form := url.Values{"title": {title}}
		var header []string
		if kind == "form token" {
			m := onceTokenField.FindStringSubmatch(h.get("/").Body)
			if m == nil {
				t.Fatal("no once-only token in the add form")
			}
			form.Set("_fiberfn_once", m[1])
		} else {
			header = []string{"Idempotency-Key", "crash-key-1"}
		}
		r, err := h.rawSend(context.Background(), cl.url(0), "/api/add_task", "application/x-www-form-urlencoded", form.Encode(), header...)
		if err == nil {
			t.Fatalf("%s: the armed instance answered %d: %s", kind, r.Status, r.Body)
		}
		if err := cl.waitExit(0); err == nil || !strings.Contains(err.Error(), "killed") {
			t.Errorf("%s: app1 exited with %v, want killed", kind, err)
		}
		mustContain(t, "app1's last words", cl.procs[0].output(true), "crash hook")
		if got := cl.tasks("crasher"); len(got) != n+1 || got[n] != title {
			t.Fatalf("%s: the database holds %q: the function should have run once before the kill", kind, got)
		}
		for _, i := range []int{1, 2} {
			r, err := h.rawSend(context.Background(), cl.url(i), "/api/add_task", "application/x-www-form-urlencoded", form.Encode(), header...)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != http.StatusConflict || !strings.Contains(r.Body, "stopped before it answered") || !strings.Contains(r.Body, "not run again") {
				t.Errorf("%s: the retry through %s: %d %s; want 409 saying the server stopped before it answered", kind, cl.name(i), r.Status, r.Body)
			}
		}
		if got := cl.tasks("crasher"); len(got) != n+1 {
			t.Errorf("%s: after the retries the database holds %q: a second record", kind, got)
		}
	}
}

// testClusterLockout: 5 failed logins spread over the three instances
// lock the account on all of them, the right password included.
func testClusterLockout(t *testing.T) {
	t.Parallel()
	cl := startCluster(t, clusterConfig{})
	newPlainClient(t, cl.url(0)).signup("target", "target-password")
	wrong, _ := json.Marshal(map[string]string{"username": "target", "password": "wrong-password"})
	for n := range 5 {
		r := newPlainClient(t, cl.url(n%3)).postBody("/api/login", "application/json", string(wrong))
		if r.Status != http.StatusUnauthorized {
			t.Errorf("failure %d through %s: %d, want 401", n+1, cl.name(n%3), r.Status)
		}
	}
	right, _ := json.Marshal(map[string]string{"username": "target", "password": "target-password"})
	for i := range 3 {
		if r := newPlainClient(t, cl.url(i)).postBody("/api/login", "application/json", string(right)); r.Status != http.StatusTooManyRequests {
			t.Errorf("the right password through %s after 5 failures: %d, want 429", cl.name(i), r.Status)
		}
	}
}

// testClusterKeys: a flash (the error and values of a plain form post)
// signed by A is shown by B; after B restarts with -secret new,old, the
// cookies and form tokens signed with old are still valid there.
func testClusterKeys(t *testing.T) {
	t.Parallel()
	const old, newer = clusterSecret, "the next secret of the cluster"
	cl := startCluster(t, clusterConfig{secret: old})
	c := newPlainClient(t, cl.url(0))
	c.signup("flasher", "flasher-password")
	c.get("/")
	noFollow := func(base string, form url.Values) *http.Response {
		t.Helper()
		hc := *c.hc
		hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		req, _ := http.NewRequest(http.MethodPost, base+"/api/add_task", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Referer", base+"/")
		req.Header.Set("Origin", base)
		req.Header.Set("Idempotency-Key", "flash-"+form.Get("title")+base)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("a refused plain post: %d, want 302", resp.StatusCode)
		}
		return resp
	}
	// A title of spaces is refused; the 302 back carries the error and
	// the value in the flash cookie, signed by app1, shown by app2.
	noFollow(cl.url(0), url.Values{"title": {"   "}})
	mustContain(t, "app2 showing app1's flash", c.withBase(cl.url(1)).get("/").Body, "Enter a title.")

	// Signed with old: a flash, a notice (after a login) and a form token.
	noFollow(cl.url(0), url.Values{"title": {"   "}})
	m := onceTokenField.FindStringSubmatch(c.withBase(cl.url(2)).get("/").Body)
	if m == nil {
		t.Fatal("no once-only token in the add form")
	}
	token := m[1]
	noFollow(cl.url(0), url.Values{"title": {"   "}})

	// app2 restarts with the new key in front of the old one.
	cl.stop(1)
	cl.cfg.secret = newer + "," + old
	cl.start(1)
	b := c.withBase(cl.url(1))
	mustContain(t, "app2 (new,old) showing a flash signed with old", b.get("/").Body, "Enter a title.")
	r := b.post("/api/add_task", url.Values{"title": {"signed with old"}, "_fiberfn_once": {token}})
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "signed with old") {
		t.Errorf("app2 (new,old) with a form token signed with old: %d\n%s", r.Status, r.Body)
	}
	// What app2 signs now, app1 (old only) cannot read: the new key signs.
	noFollow(cl.url(1), url.Values{"title": {"   "}})
	mustNotContain(t, "app1 (old only) showing a flash signed with new", c.withBase(cl.url(0)).get("/").Body, "Enter a title.")
}
