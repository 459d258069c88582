package tests

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// The login page's message after a form was sent from a page whose
// session has ended (demo/app/auth_fns.go).
const (
	sessionEndedMsg = "Your session ended. Log in again to continue."
	draftLostMsg    = "The task you were adding was not saved."
)

// TestDemoSessionEnded ends a session behind a page's back, by a logout
// in another tab (the cookie goes for every tab) and by a password change
// elsewhere (the cookie stays, its session no longer counts), and then
// adds a task from the page, as every kind of caller: browsers are sent to
// the login page with next= the page they were on (a 302, or HX-Redirect
// for htmx), which says why; a plain post of the add form also says that
// the task was not saved (with JavaScript app.js keeps it). Logging in
// goes back to the page. JSON callers get 401 and the login URL, no
// notice. Nothing is added.
func TestDemoSessionEnded(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	newPlainClient(t, d.URL).signup("ender", "ender-password")
	uid := d.userID("ender")
	const page, loginAt = "/?filter=open", "/login?next=%2F%3Ffilter%3Dopen"

	ends := []struct {
		name string
		end  func(t *testing.T, c *webClient)
	}{
		{"logout in another tab", func(t *testing.T, c *webClient) {
			other := c.withT(t) // the same cookies: another tab
			other.htmx = true
			if r := other.post("/api/logout", nil); r.Header.Get("HX-Redirect") != "/" {
				t.Fatalf("logout: %d %v", r.Status, r.Header)
			}
		}},
		{"password change elsewhere", func(t *testing.T, c *webClient) {
			u, err := d.App.Store.UserByID(uid)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.App.Store.SetPassword(uid, u.PasswordHash); err != nil { // same password, new epoch
				t.Fatal(err)
			}
		}},
	}
	for _, end := range ends {
		for _, kind := range callerKinds {
			t.Run(end.name+"/"+kind.name, func(t *testing.T) {
				c := newPlainClient(t, d.URL)
				c.login("ender", "ender-password", false)
				c.get(page)
				end.end(t, c)

				r := c.post("/api/add_task", url.Values{"title": {"Buy milk"}}, kind.header...)
				switch {
				case kind.name == "json":
					if r.Status != http.StatusUnauthorized || r.Header.Get("Fiberfn-Redirect") != loginAt {
						t.Errorf("status %d, Fiberfn-Redirect %q; want 401 and %q", r.Status, r.Header.Get("Fiberfn-Redirect"), loginAt)
					}
					if line := setCookieHeader(r.Header, "fiberfn_notice"); line != "" {
						t.Errorf("a JSON caller got a notice cookie: %s", line)
					}
					return
				case !kind.pageLike: // htmx partial: HX-Redirect, then the page
					if r.Status != http.StatusOK || r.Header.Get("HX-Redirect") != loginAt {
						t.Fatalf("status %d, HX-Redirect %q; want 200 and %q", r.Status, r.Header.Get("HX-Redirect"), loginAt)
					}
					r = c.get(loginAt)
					mustNotContain(t, "the login page", r.Body, draftLostMsg)
				default: // redirected, followed
					if r.Redirect == nil || r.URL.RequestURI() != loginAt {
						t.Fatalf("ended at %s (%d), want a redirect to %s", r.URL, r.Status, loginAt)
					}
					mustContain(t, "the login page", r.Body, draftLostMsg)
				}
				mustContain(t, "the login page", r.Body, `<p class="notice" role="status">`+sessionEndedMsg,
					`<input type="hidden" name="next" value="/?filter=open">`)

				// The message is shown once.
				mustNotContain(t, "the login page again", c.get(loginAt).Body, sessionEndedMsg)

				r = c.post("/api/login", url.Values{"username": {"ender"}, "password": {"ender-password"}, "next": {page}})
				c.expectLanded(r, page)
				if n := d.taskCount("ender"); n != 0 {
					t.Errorf("%d tasks added without a session", n)
				}
			})
		}
	}

	// A plain add without a title does not speak of a lost task.
	c := newPlainClient(t, d.URL)
	c.get("/")
	r := c.post("/api/add_task", url.Values{"title": {"  "}})
	mustContain(t, "login page", r.Body, sessionEndedMsg)
	mustNotContain(t, "login page", r.Body, draftLostMsg)
	if !strings.HasPrefix(r.URL.RequestURI(), "/login?next=") {
		t.Errorf("ended at %s", r.URL)
	}
}
