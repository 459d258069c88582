package tests

// Bad input for every server function of the demo: each request is refused
// with the right status and changes nothing.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// demoState is everything a bad request could have changed.
type demoState struct {
	users int
	alice []app.Task
	bob   []app.Task
}

func (d *demoServer) state() demoState {
	return demoState{users: d.userCount(), alice: d.tasks("alice"), bob: d.tasks("bob")}
}

func (s demoState) equal(o demoState) bool {
	return s.users == o.users && slices.Equal(s.alice, o.alice) && slices.Equal(s.bob, o.bob)
}

func TestDemoBadInput(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	alice := newHTMXClient(t, d.URL)
	alice.signup("alice", "alice-password")
	alice.post("/api/add_task", url.Values{"title": {"Alice's task"}})
	alice.post("/api/add_task", url.Values{"title": {"Alice's other task"}})
	aliceTask := taskIDs(alice.get("/").Body)[1]
	bob := newHTMXClient(t, d.URL)
	bob.signup("bob", "bob-password")
	bob.post("/api/add_task", url.Values{"title": {"Bob's task"}})
	bobTask := taskIDs(bob.get("/").Body)[0]

	const form = "application/x-www-form-urlencoded"
	enc := func(kv ...string) string {
		v := url.Values{}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Add(kv[i], kv[i+1])
		}
		return v.Encode()
	}
	crossSite := []string{"Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site"}
	crossOriginOnly := []string{"Origin", "http://evil.example", "Sec-Fetch-Site", ""}
	big := strings.Repeat("x", 3<<19) // 1.5 MiB: over fiberfn's 1 MiB limit
	anon := newHTMXClient(t, d.URL)

	tests := []struct {
		name        string
		client      *webClient // nil: alice
		method      string
		fn          string
		contentType string
		body        string
		header      []string
		status      int
		contains    string
	}{
		// Titles.
		{"add: empty title", nil, "POST", "add_task", form, enc("title", ""), nil, 422, "Enter a title."},
		{"add: whitespace title", nil, "POST", "add_task", form, enc("title", " \t  "), nil, 422, "Enter a title."},
		{"add: 201 characters", nil, "POST", "add_task", form, enc("title", strings.Repeat("ä", 201)), nil, 422, "at most 200 characters"},
		{"add: 201 bytes of ASCII", nil, "POST", "add_task", form, enc("title", strings.Repeat("a", 201)), nil, 422, "at most 200 characters"},
		{"add: two lines", nil, "POST", "add_task", form, enc("title", "one\ntwo"), nil, 422, "single line"},
		{"add: JSON, empty title", nil, "POST", "add_task", "application/json", `{"title":"  "}`, []string{"Accept", "application/json"}, 422, `"fields":{"title":"Enter a title."}`},
		{"add: logged out, JSON", anon, "POST", "add_task", "application/json", `{"title":"x"}`, []string{"Accept", "application/json"}, 401, "Please log in first."},
		{"rename: empty title", nil, "POST", "rename_task", form, enc("id", aliceTask, "title", ""), nil, 422, "Enter a title."},
		{"rename: 201 characters", nil, "POST", "rename_task", form, enc("id", aliceTask, "title", strings.Repeat("ä", 201)), nil, 422, "at most 200 characters"},

		// Task ids.
		{"toggle: non-numeric id", nil, "POST", "toggle_task", form, enc("id", "abc", "done", "true"), nil, 400, `Invalid value for field &#34;id&#34;`},
		{"toggle: bad done", nil, "POST", "toggle_task", form, enc("id", aliceTask, "done", "maybe"), nil, 400, `&#34;done&#34;`},
		{"rename: non-numeric id", nil, "POST", "rename_task", form, enc("id", "1; DROP TABLE tasks", "title", "x"), nil, 400, `&#34;id&#34;`},
		{"delete: non-numeric id", nil, "POST", "delete_task", form, enc("id", "1.5"), nil, 400, `&#34;id&#34;`},
		{"delete: missing id", nil, "POST", "delete_task", form, enc("filter", "all"), nil, 400, "The task id is missing."},
		{"toggle: foreign id", nil, "POST", "toggle_task", form, enc("id", bobTask, "done", "true"), nil, 404, "That task does not exist"},
		{"rename: foreign id", nil, "POST", "rename_task", form, enc("id", bobTask, "title", "mine now"), nil, 404, "That task does not exist"},
		{"delete: foreign id", nil, "POST", "delete_task", form, enc("id", bobTask), nil, 404, "That task does not exist"},
		{"delete: unknown id", nil, "POST", "delete_task", form, enc("id", "999999"), nil, 404, "That task does not exist"},

		// Accounts.
		{"signup: 33-character username", anon, "POST", "signup", form, enc("username", strings.Repeat("u", 33), "password", "password1", "confirm_password", "password1"), nil, 422, "3 to 32 characters"},
		{"signup: 2-character username", anon, "POST", "signup", form, enc("username", "ab", "password", "password1", "confirm_password", "password1"), nil, 422, "3 to 32 characters"},
		{"signup: space", anon, "POST", "signup", form, enc("username", "new user", "password", "password1", "confirm_password", "password1"), nil, 422, "Use only letters"},
		{"signup: slash", anon, "POST", "signup", form, enc("username", "new/user", "password", "password1", "confirm_password", "password1"), nil, 422, "Use only letters"},
		{"signup: non-ASCII", anon, "POST", "signup", form, enc("username", "jörg", "password", "password1", "confirm_password", "password1"), nil, 422, "Use only letters"},
		{"signup: mismatched confirmation", anon, "POST", "signup", form, enc("username", "newuser", "password", "password1", "confirm_password", "password2"), nil, 422, "The passwords do not match."},
		{"signup: no confirmation", anon, "POST", "signup", form, enc("username", "newuser", "password", "password1"), nil, 422, "The passwords do not match."},
		{"signup: 7-byte password", anon, "POST", "signup", form, enc("username", "newuser", "password", "passwor", "confirm_password", "passwor"), nil, 422, "at least 8 bytes"},
		{"signup: 73-byte password", anon, "POST", "signup", form, enc("username", "newuser", "password", strings.Repeat("p", 73), "confirm_password", strings.Repeat("p", 73)), nil, 422, "at most 72 bytes"},
		{"signup: taken, other case", anon, "POST", "signup", form, enc("username", "Alice", "password", "password1", "confirm_password", "password1"), nil, 422, "That username is taken."},
		{"signup: taken, padded", anon, "POST", "signup", form, enc("username", " BOB ", "password", "password1", "confirm_password", "password1"), nil, 422, "That username is taken."},
		{"login: wrong password", anon, "POST", "login", form, enc("username", "alice", "password", "wrong-password"), nil, 401, "Invalid username or password."},
		{"login: unknown user", anon, "POST", "login", form, enc("username", "mallory", "password", "wrong-password"), nil, 401, "Invalid username or password."},
		{"password: wrong current", nil, "POST", "change_password", form, enc("current_password", "nope-nope", "new_password", "password9", "confirm_password", "password9"), nil, 422, "That is not your current password."},

		// Refusals before any function runs.
		{"add: cross-site", nil, "POST", "add_task", form, enc("title", "csrf"), crossSite, 403, "Cross-origin request refused."},
		{"add: foreign Origin", nil, "POST", "add_task", form, enc("title", "csrf"), crossOriginOnly, 403, "Cross-origin request refused."},
		{"signup: cross-site", anon, "POST", "signup", form, enc("username", "csrfuser", "password", "password1", "confirm_password", "password1"), crossSite, 403, "Cross-origin request refused."},
		{"login: cross-site", anon, "POST", "login", form, enc("username", "alice", "password", "alice-password"), crossSite, 403, "Cross-origin request refused."},
		{"logout: cross-site", nil, "POST", "logout", form, "", crossSite, 403, "Cross-origin request refused."},
		{"delete: cross-site", nil, "POST", "delete_task", form, enc("id", aliceTask), crossSite, 403, "Cross-origin request refused."},
		{"clear: cross-site", nil, "POST", "clear_completed", form, "", crossSite, 403, "Cross-origin request refused."},
		{"add: 1.5 MiB body", nil, "POST", "add_task", form, enc("title", big), nil, 413, "too large"},
		{"signup: 1.5 MiB body", anon, "POST", "signup", form, enc("username", "biguser", "password", big, "confirm_password", "x"), nil, 413, "too large"},
		// A function answers only its own method: a GET on its path
		// reaches the app's own routes, here the 404 page.
		{"add: GET", nil, "GET", "add_task", "", "", nil, 404, "Page not found"},
		{"logout: GET", nil, "GET", "logout", "", "", nil, 404, "Page not found"},
		{"delete: GET with id", nil, "GET", "delete_task?id=" + aliceTask, "", "", nil, 404, "Page not found"},
		{"add: text/plain", nil, "POST", "add_task", "text/plain", "title=x", nil, 415, "Unsupported content type"},
		{"signup: XML", anon, "POST", "signup", "application/xml", "<u>x</u>", nil, 415, "Unsupported content type"},
		{"add: gzip", nil, "POST", "add_task", form, enc("title", "x"), []string{"Content-Encoding", "gzip"}, 415, "Compressed"},
		{"add: malformed JSON", nil, "POST", "add_task", "application/json", `{"title":`, []string{"Accept", "application/json"}, 400, "Malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.client
			if c == nil {
				c = alice
			}
			c = c.withT(t)
			if strings.Contains(tt.contentType, "json") {
				c.htmx = false // a JSON caller, not htmx
			}
			before := d.state()
			var r result
			if tt.method == http.MethodGet {
				req, _ := http.NewRequest(http.MethodGet, d.URL+"/api/"+tt.fn, nil)
				r = c.do(req, c.htmx)
			} else {
				r = c.postBody("/api/"+tt.fn, tt.contentType, tt.body, tt.header...)
			}
			if r.Status != tt.status {
				t.Errorf("status %d, want %d; body:\n%.500s", r.Status, tt.status, r.Body)
			}
			mustContain(t, "answer", r.Body, tt.contains)
			if after := d.state(); !before.equal(after) {
				t.Errorf("state changed:\nbefore %+v\nafter  %+v", before, after)
			}
		})
	}

	// Still logged in after the refused logouts.
	mustContain(t, "alice's page", alice.get("/").Body, "Alice&#39;s task")
	if n := d.userCount(); n != 2 {
		t.Errorf("%d users, want 2", n)
	}
}

// TestDemoLoginMessageIsGeneric checks that an unknown user and a wrong
// password get the same answer, except for the username typed.
func TestDemoLoginMessageIsGeneric(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	newPlainClient(t, d.URL).signup("alice", "alice-password")
	answer := func(htmx bool, json bool, username string) (int, string) {
		c := newPlainClient(t, d.URL)
		c.htmx = htmx
		c.get("/login")
		var r result
		if json {
			r = c.postBody("/api/login", "application/json", `{"username":"`+username+`","password":"not-the-password"}`, "Accept", "application/json")
		} else {
			r = c.post("/api/login", url.Values{"username": {username}, "password": {"not-the-password"}})
		}
		return r.Status, strings.ReplaceAll(r.Body, username, "USER")
	}
	for _, mode := range []struct{ htmx, json bool }{{true, false}, {false, false}, {false, true}} {
		s1, known := answer(mode.htmx, mode.json, "alice")
		s2, unknown := answer(mode.htmx, mode.json, "zelda")
		if s1 != s2 || known != unknown {
			t.Errorf("htmx=%v json=%v: wrong password gives %d\n%s\nunknown user gives %d\n%s", mode.htmx, mode.json, s1, known, s2, unknown)
		}
		if !strings.Contains(known, "Invalid username or password.") {
			t.Errorf("htmx=%v json=%v: no generic message in\n%s", mode.htmx, mode.json, known)
		}
	}
	var body struct {
		Error string `json:"error"`
	}
	_, raw := answer(false, true, "zelda")
	if err := json.Unmarshal([]byte(raw), &body); err != nil || body.Error != "Invalid username or password." {
		t.Errorf("JSON answer %q (%v)", raw, err)
	}
}

// TestDemoLoggedOutFunctions checks that task functions send a visitor
// who is not logged in to the login page and change nothing.
func TestDemoLoggedOutFunctions(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	for _, fn := range []string{"add_task", "toggle_task", "rename_task", "delete_task", "clear_completed"} {
		form := url.Values{"title": {"x"}, "id": {"1"}, "done": {"true"}}
		h := newHTMXClient(t, d.URL)
		if r := h.post("/api/"+fn, form); r.Status != http.StatusOK || r.Header.Get("HX-Redirect") != "/login?next=%2F" {
			t.Errorf("htmx %s logged out: %d, HX-Redirect %q", fn, r.Status, r.Header.Get("HX-Redirect"))
		}
		p := newPlainClient(t, d.URL)
		if r := p.post("/api/"+fn, form); r.URL.Path != "/login" {
			t.Errorf("plain %s logged out ended at %s", fn, r.URL)
		}
	}
	if n := d.userCount(); n != 0 {
		t.Errorf("%d users", n)
	}
}

// TestDemoBodyOverFiberLimit sends a body larger than Fiber's own limit:
// Fiber answers 413 before reading it, and nothing is created. (A client
// still writing such a body may see the connection reset, so the request
// is written by hand: headers only.)
func TestDemoBodyOverFiberLimit(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(d.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/signup HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n",
		strings.TrimPrefix(d.URL, "http://"), app.BodyLimit+1)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
	if n := d.userCount(); n != 0 {
		t.Errorf("%d users", n)
	}
}
