package tests

// Validation errors of the demo's forms, both ways: htmx gets the form
// back (422/401) with the message beside the field and the input kept; a
// plain post is redirected back and the page shows the same. Passwords are
// never echoed, not even in the flash cookie.

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// secretPassword is a password the tests type and must never see again.
const secretPassword = "Sup3r-Secret-Passw0rd"

func TestDemoValidationErrors(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	newPlainClient(t, d.URL).signup("alice", secretPassword)

	long := strings.Repeat("é", app.MaxTitleLength+1)
	tests := []struct {
		name     string
		loggedIn bool
		page     string // where the form is
		fn       string
		form     url.Values
		status   int    // for htmx
		formID   string // the form that comes back
		message  string // shown beside the field or above the form
		kept     string // in the form again
		invalid  string // id of the input marked aria-invalid, if any
	}{
		{"add: empty title", true, "/", "add_task", url.Values{"title": {""}, "filter": {"all"}}, 422, "add-task-form", "Enter a title.", `value="all"`, "new-task-title"},
		{"add: blank title", true, "/?filter=open", "add_task", url.Values{"title": {"   "}, "filter": {"open"}}, 422, "add-task-form", "Enter a title.", `value="   "`, "new-task-title"},
		{"add: 201 characters", true, "/", "add_task", url.Values{"title": {long}, "filter": {"all"}}, 422, "add-task-form", "A title has at most 200 characters.", `value="` + long + `"`, "new-task-title"},
		{"signup: 33-character username", false, "/signup", "signup", url.Values{"username": {strings.Repeat("a", 33)}, "password": {secretPassword}, "confirm_password": {secretPassword}}, 422, "signup-form", "A username has 3 to 32 characters.", `value="` + strings.Repeat("a", 33) + `"`, "signup-username"},
		{"signup: bad characters", false, "/signup", "signup", url.Values{"username": {"bob smith!"}, "password": {secretPassword}, "confirm_password": {secretPassword}}, 422, "signup-form", "Use only letters a-z, digits 0-9, dots, dashes and underscores.", `value="bob smith!"`, "signup-username"},
		{"signup: confirmation differs", false, "/signup", "signup", url.Values{"username": {"carol"}, "password": {secretPassword}, "confirm_password": {secretPassword + "x"}}, 422, "signup-form", "The passwords do not match.", `value="carol"`, "signup-confirm"},
		{"signup: short password", false, "/signup", "signup", url.Values{"username": {"carol"}, "password": {"short"}, "confirm_password": {"short"}}, 422, "signup-form", "A password has at least 8 bytes.", `value="carol"`, "signup-password"},
		{"signup: username taken", false, "/signup", "signup", url.Values{"username": {"ALICE"}, "password": {secretPassword}, "confirm_password": {secretPassword}}, 422, "signup-form", "That username is taken.", `value="ALICE"`, "signup-username"},
		{"login: wrong password", false, "/login", "login", url.Values{"username": {"alice"}, "password": {secretPassword + "x"}, "remember": {"on"}, "next": {"/settings"}}, 401, "login-form", "Invalid username or password.", `value="/settings"`, ""},
		{"login: unknown user", false, "/login", "login", url.Values{"username": {"nobody"}, "password": {secretPassword}}, 401, "login-form", "Invalid username or password.", `value="nobody"`, ""},
		{"login: no password", false, "/login", "login", url.Values{"username": {"alice"}}, 422, "login-form", "Enter your password.", `value="alice"`, "login-password"},
		{"password: confirmation differs", true, "/settings", "change_password", url.Values{"current_password": {secretPassword}, "new_password": {"another password"}, "confirm_password": {"another passw0rd"}}, 422, "password-form", "The passwords do not match.", "", "confirm-password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, htmx := range []bool{true, false} {
				var c *webClient
				if htmx {
					c = newHTMXClient(t, d.URL)
				} else {
					c = newPlainClient(t, d.URL)
				}
				if tt.loggedIn {
					c.login("alice", secretPassword, false)
				}
				users, tasks := d.userCount(), d.taskCount("alice")
				c.get(tt.page)
				r := c.post("/api/"+tt.fn, tt.form)
				what := map[bool]string{true: "htmx answer", false: "page after the plain post"}[htmx]
				if htmx {
					if r.Status != tt.status {
						t.Errorf("htmx: status %d, want %d", r.Status, tt.status)
					}
					if !strings.HasPrefix(strings.TrimSpace(r.Body), `<form id="`+tt.formID+`"`) {
						t.Errorf("htmx: the answer is not the form %s alone:\n%s", tt.formID, r.Body)
					}
					if got := r.Header.Get("HX-Retarget") + " " + r.Header.Get("HX-Reswap"); got != "closest form outerHTML" {
						t.Errorf("htmx: HX-Retarget/HX-Reswap %q, want the form to replace itself", got)
					}
				} else {
					if r.Redirect == nil || r.Redirect.StatusCode != http.StatusFound {
						t.Errorf("plain: no 302 back to the form")
					}
					if r.Status != http.StatusOK || r.URL.RequestURI() != tt.page {
						t.Errorf("plain: ended at %s (%d), want %s", r.URL, r.Status, tt.page)
					}
					if flash := setCookieHeader(r.Redirect.Header, "fiberfn_flash"); flash == "" {
						t.Errorf("plain: no flash cookie")
					} else {
						v, _, _ := strings.Cut(strings.TrimPrefix(flash, "fiberfn_flash="), ";")
						raw, _ := base64.RawURLEncoding.DecodeString(v)
						if strings.Contains(string(raw), secretPassword) {
							t.Errorf("plain: the flash cookie carries the password: %s", raw)
						}
					}
					mustContain(t, what, r.Body, "<html")
				}
				mustContain(t, what, r.Body, `id="`+tt.formID+`"`, tt.message, tt.kept)
				if tt.invalid != "" {
					mustContain(t, what, r.Body, `id="`+tt.invalid+`"`)
					if !regexpMatch(`id="`+tt.invalid+`"[^>]*aria-invalid="true"`, r.Body) {
						t.Errorf("%s: #%s is not aria-invalid", what, tt.invalid)
					}
				}
				mustNotContain(t, what, r.Body, secretPassword, "another passw")
				if u, n := d.userCount(), d.taskCount("alice"); u != users || n != tasks {
					t.Errorf("%s: users %d→%d, tasks %d→%d; want nothing created", what, users, u, tasks, n)
				}
				// The flash is shown once.
				if !htmx {
					again := c.get(tt.page)
					mustNotContain(t, "the page loaded again", again.Body, tt.message)
				}
			}
		})
	}
}

// TestDemoRenameErrorBesideTask checks that a failed rename shows its
// error on the task's own form, open, both ways.
func TestDemoRenameErrorBesideTask(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	for _, htmx := range []bool{true, false} {
		var c *webClient
		user := "renamer-plain"
		if htmx {
			c, user = newHTMXClient(t, d.URL), "renamer-htmx"
		} else {
			c = newPlainClient(t, d.URL)
		}
		c.signup(user, secretPassword)
		c.post("/api/add_task", url.Values{"title": {"first"}})
		c.post("/api/add_task", url.Values{"title": {"second"}})
		page := c.get("/")
		ids := taskIDs(page.Body)
		r := c.post("/api/rename_task", url.Values{"id": {ids[1]}, "title": {" \t "}, "filter": {"all"}})
		if htmx {
			// The edit row re-rendered, to replace the row (closest li).
			if r.Status != 422 || !strings.HasPrefix(strings.TrimSpace(r.Body), `<li id="task-`+ids[1]+`" class="editing"><form id="rename-`+ids[1]+`"`) {
				t.Fatalf("htmx rename: %d\n%s", r.Status, r.Body)
			}
			if got := r.Header.Get("HX-Retarget"); got != "closest li" {
				t.Errorf("HX-Retarget %q, want closest li", got)
			}
		} else {
			// Back on the page, the row in edit mode with the error and
			// the input; the other row in view mode.
			mustContain(t, "page after the failed rename", r.Body, `<li id="task-`+ids[1]+`" class="editing">`, `value=" `+"\t"+` "`)
			first := r.Body[strings.Index(r.Body, `<li id=task-`+ids[0]):strings.Index(r.Body, `<li id="task-`+ids[1]+`"`)]
			mustNotContain(t, "the other task", first, "Enter a title.", "editing")
		}
		mustContain(t, "rename form", r.Body, "Enter a title.", `aria-invalid="true" aria-describedby="rename-error-`+ids[1]+`"`)
		if got := d.tasks(user)[1].Title; got != "second" {
			t.Errorf("title changed to %q", got)
		}
	}
}
