package tests

// Two instances of the demo that share their state, as behind a load
// balancer (issue 15): on one SQLite file, and on one SQLite file plus one
// Redis (sessions and counts in Redis). Whatever one instance writes, the
// other sees at the very next request: a logout, a password change, the
// failures that lock an account, a cookie signed with a shared key.

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/fiberfn/fiberfn/internal/testsvc"
)

// sharedState is one way for instances to share their state.
type sharedState struct {
	name string
	// options returns the options of an instance; every call returns the
	// same shared state.
	options func(t *testing.T) func() app.Options
}

var sharedStates = []sharedState{
	{"one database", func(t *testing.T) func() app.Options {
		db := filepath.Join(t.TempDir(), "shared.db")
		return func() app.Options { return app.Options{DBPath: db} }
	}},
	{"one database and one Redis", func(t *testing.T) func() app.Options {
		redisURL, prefix := testsvc.Redis(t)
		db := filepath.Join(t.TempDir(), "shared.db")
		return func() app.Options { return app.Options{DBPath: db, Redis: redisURL, RedisPrefix: prefix} }
	}},
}

// startPair starts two instances on the same shared state, with opts'
// throttle and secret.
func startPair(t *testing.T, state sharedState, opts app.Options) (a, b *demoServer) {
	t.Helper()
	base := state.options(t)
	mk := func() app.Options {
		o := base()
		o.Throttle, o.Secret = opts.Throttle, opts.Secret
		return o
	}
	return startDemo(t, mk()), startDemo(t, mk())
}

// homeWith loads base's home page with only the session cookie id, as
// someone who kept a copy of the cookie would.
func homeWith(t *testing.T, base, id string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/", nil)
	req.AddCookie(&http.Cookie{Name: app.SessionCookie, Value: id})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// TestDemoInstancesSessions: a session made through one instance works
// through the other; a logout through one is refused by the other at the
// very next request (it used to be accepted for up to 4.95 s, from a
// per-process session cache), and a password change through one ends the
// other sessions on both at once.
func TestDemoInstancesSessions(t *testing.T) {
	t.Parallel()
	for _, state := range sharedStates {
		t.Run(state.name, func(t *testing.T) {
			t.Parallel()
			a, b := startPair(t, state, app.Options{Secret: []byte("shared secret of the instances")})
			onA := newPlainClient(t, a.URL)
			onA.signup("roamer", "roamer-password")
			onB := onA.withBase(b.URL)
			for round := range 5 {
				onA.login("roamer", "roamer-password", round%2 == 1)
				id := onA.cookie(app.SessionCookie)
				mustContain(t, "home through B", onB.get("/").Body, "Your tasks", "roamer")
				onB.expectLanded(onB.post("/api/add_task", url.Values{"title": {"added through B"}}), "/")
				mustContain(t, "B with a copy of the session", homeWith(t, b.URL, id), "Your tasks")
				onA.expectLanded(onA.post("/api/logout", nil), "/")
				mustNotContain(t, "B right after the logout through A", homeWith(t, b.URL, id), "Your tasks")
			}
			if n := len(a.tasks("roamer")); n != 5 {
				t.Errorf("%d tasks, want 5", n)
			}

			// A password change through A ends the session through B at once.
			onA.login("roamer", "roamer-password", false)
			other := newPlainClient(t, b.URL)
			other.login("roamer", "roamer-password", true)
			otherID := other.cookie(app.SessionCookie)
			mustContain(t, "other session through B", homeWith(t, b.URL, otherID), "Your tasks")
			onA.get("/settings")
			onA.expectLanded(onA.post("/api/change_password", url.Values{
				"current_password": {"roamer-password"}, "new_password": {"roamer-password-2"}, "confirm_password": {"roamer-password-2"}}), "/settings")
			for _, base := range []string{b.URL, a.URL} {
				mustNotContain(t, "the other session after a password change", homeWith(t, base, otherID), "Your tasks")
			}
			mustContain(t, "the changing session through B", homeWith(t, b.URL, onA.cookie(app.SessionCookie)), "Your tasks")
		})
	}
}

// TestDemoInstancesFailuresAddUp: failed logins through two instances
// count against one account together, also when they arrive at the same
// moment: no more password checks than the limit, then 429 everywhere.
func TestDemoInstancesFailuresAddUp(t *testing.T) {
	t.Parallel()
	const failures = 4
	for _, state := range sharedStates {
		t.Run(state.name, func(t *testing.T) {
			t.Parallel()
			a, b := startPair(t, state, app.Options{Throttle: app.Throttle{AccountFailures: failures, AddressAttempts: 1000}})
			newPlainClient(t, a.URL).signup("target", "target-password")
			checks := a.App.PasswordChecks() + b.App.PasswordChecks()

			// 24 wrong passwords at once, half through each instance.
			body, _ := json.Marshal(map[string]string{"username": "target", "password": "wrong-password"})
			var wg sync.WaitGroup
			statuses := make(chan int, 24)
			for i := range 24 {
				base := a.URL
				if i%2 == 1 {
					base = b.URL
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					req, _ := http.NewRequest(http.MethodPost, base+"/api/login", strings.NewReader(string(body)))
					req.Header.Set("Content-Type", "application/json")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					resp.Body.Close()
					statuses <- resp.StatusCode
				}()
			}
			wg.Wait()
			close(statuses)
			count := map[int]int{}
			for st := range statuses {
				count[st]++
			}
			if count[http.StatusUnauthorized] > failures || count[http.StatusUnauthorized]+count[http.StatusTooManyRequests] != 24 {
				t.Errorf("answers %v: want at most %d 401s and 429 for the rest", count, failures)
			}
			if n := a.App.PasswordChecks() + b.App.PasswordChecks() - checks; n > failures {
				t.Errorf("%d password checks for 24 concurrent wrong passwords over two instances, want at most %d", n, failures)
			}
			// Locked on both, the right password included.
			right, _ := json.Marshal(map[string]string{"username": "target", "password": "target-password"})
			for _, base := range []string{a.URL, b.URL} {
				if r := newPlainClient(t, base).postBody("/api/login", "application/json", string(right)); r.Status != http.StatusTooManyRequests {
					t.Errorf("right password through %s: %d, want 429", base, r.Status)
				}
			}
		})
	}
}
