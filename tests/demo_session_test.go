package tests

import (
	"io"
	"net/http"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// An id that was logged out, or replaced by a new login, stops working at
// once, even when it was just used. (The demo once kept what a session id
// stood for in memory for a few seconds; it now reads the session on every
// request, see TestDemoInstancesSessions for the same across instances.)
func TestDemoEndedSessionIsRefusedAtOnce(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("carol", "hunter2hunter2")

	// replay loads / with only the given session cookie, as someone who
	// kept a copy of it would.
	replay := func(id string) string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, d.URL+"/", nil)
		req.AddCookie(&http.Cookie{Name: sessionCookie, Value: id})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}

	first := c.cookie(sessionCookie)
	mustContain(t, "home with the session", replay(first), "Your tasks")

	// A new login replaces the id; the old one is over.
	c.login("carol", "hunter2hunter2", true)
	second := c.cookie(sessionCookie)
	if second == first {
		t.Fatal("login kept the session id")
	}
	mustContain(t, "home with the new session", replay(second), "Your tasks")
	mustNotContain(t, "home with the replaced session", replay(first), "Your tasks")

	// Logging out ends the id that was in use a moment ago.
	c.expectLanded(c.post("/api/logout", nil), "/")
	home := replay(second)
	mustNotContain(t, "home with the logged-out session", home, "Your tasks")
	mustContain(t, "home with the logged-out session", home, "Create an account")
}
