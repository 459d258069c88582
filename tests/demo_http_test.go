package tests

// End-to-end HTTP flows of the demo over real HTTP: the same path through
// the app once as htmx and once as a browser without JavaScript.

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/fiberfn/fiberfn/public"
)

// sessionCookie is the demo's session cookie name.
const sessionCookie = app.SessionCookie

// checkSessionCookie checks the attributes of a Set-Cookie line of the
// session: HttpOnly, SameSite=Lax, and persistent (30 days) or not.
func checkSessionCookie(t *testing.T, line string, persistent bool) {
	t.Helper()
	if line == "" {
		t.Fatal("no session cookie was set")
	}
	lower := strings.ToLower(line)
	for _, attr := range []string{"httponly", "samesite=lax", "path=/"} {
		if !strings.Contains(lower, attr) {
			t.Errorf("session cookie %q lacks %s", line, attr)
		}
	}
	hasAge := strings.Contains(lower, "max-age=") || strings.Contains(lower, "expires=")
	switch {
	case persistent && !strings.Contains(lower, "max-age=2592000"):
		t.Errorf("remember-me cookie %q is not a 30-day cookie", line)
	case !persistent && hasAge:
		t.Errorf("browser-session cookie %q has an expiry", line)
	}
}

func TestDemoFlowHTMX(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newHTMXClient(t, d.URL)

	// Sign up: HX-Redirect home, logged in with a browser-session cookie.
	c.get("/signup")
	r := c.post("/api/signup", url.Values{"username": {"Alice"}, "password": {"correct horse"}, "confirm_password": {"correct horse"}})
	checkSessionCookie(t, setCookieHeader(r.Header, sessionCookie), false)
	home := c.expectLanded(r, "/")
	mustContain(t, "home after sign-up", home.Body, "Welcome! Your account is ready.", "Your tasks", `<span class="sr-only">alice</span>`)

	// Log out (POST only) and back in with "remember me".
	old := c.cookie(sessionCookie)
	r = c.post("/api/logout", nil)
	home = c.expectLanded(r, "/")
	mustContain(t, "home after logout", home.Body, "You have been logged out.", "Create an account")
	if stale := newPlainClient(t, d.URL); true {
		stale.hc.Jar.SetCookies(mustParse(t, d.URL), []*http.Cookie{{Name: sessionCookie, Value: old}})
		mustContain(t, "home with the logged-out session id", stale.get("/").Body, "Create an account")
	}
	c.get("/login")
	r = c.post("/api/login", url.Values{"username": {"ALICE"}, "password": {"correct horse"}, "remember": {"on"}})
	checkSessionCookie(t, setCookieHeader(r.Header, sessionCookie), true)
	if c.cookie(sessionCookie) == old {
		t.Error("the session id did not change on login")
	}
	home = c.expectLanded(r, "/")
	mustContain(t, "home after login", home.Body, "You are logged in.", "Nothing to do yet")

	// Task operations answer with the row that changed alone (or nothing
	// when it left the list), the summary (counts, filters, clear
	// completed) and an empty error slot out of band.
	op := func(fn string, form url.Values) result {
		t.Helper()
		r := c.post("/api/"+fn, form)
		if r.Status != http.StatusOK || !isFragment(r.Body) {
			t.Fatalf("%s: status %d, want 200 and a task fragment; body:\n%s", fn, r.Status, r.Body)
		}
		if v := r.Header.Get("Vary"); !strings.Contains(v, "HX-Request") {
			t.Errorf("%s: Vary = %q, want HX-Request in it", fn, v)
		}
		if fn != "clear_completed" {
			mustContain(t, fn+" answer", r.Body, `<div hx-swap-oob="true" id="task-errors" class="fiberfn-errors" data-error-slot></div>`)
			if n := len(taskIDs(r.Body)); n > 1 {
				t.Errorf("%s answered with %d rows, want at most 1", fn, n)
			}
		}
		return r
	}
	r = op("add_task", url.Values{"title": {"  Buy milk  "}, "filter": {"all"}})
	r = op("add_task", url.Values{"title": {"Walk the dgo"}, "filter": {"all"}})
	if got, want := taskTitles(mainFragment(r.Body)), []string{"Walk the dgo"}; !slices.Equal(got, want) {
		t.Fatalf("add answered with %q, want %q", got, want)
	}
	if o, dn := counts(t, r.Body); o != 2 || dn != 0 {
		t.Errorf("counts %d open %d done, want 2 and 0", o, dn)
	}
	// A fresh add form, out of band.
	mustContain(t, "answer to add", r.Body, `<form hx-swap-oob="true" id="add-task-form"`, `id="new-task-title" name="title" type="text" value=""`)
	ids := reversed(taskIDs(c.get("/").Body)) // oldest first; the list shows the newest first
	if got, want := taskTitles(c.get("/").Body), []string{"Walk the dgo", "Buy milk"}; !slices.Equal(got, want) {
		t.Fatalf("titles %q, want %q", got, want)
	}

	r = op("toggle_task", url.Values{"id": {ids[0]}, "done": {"true"}, "filter": {"all"}})
	if o, dn := counts(t, r.Body); o != 1 || dn != 1 {
		t.Errorf("after toggle: %d open %d done, want 1 and 1", o, dn)
	}
	if !strings.HasPrefix(mainFragment(r.Body), `<li id=task-`+ids[0]+` class=done>`) {
		t.Errorf("toggle answered with %q, want the row marked done", mainFragment(r.Body))
	}
	mustContain(t, "answer to toggle", r.Body, "Clear completed (1)")

	// With a filter, a row that leaves it leaves the list: an empty main
	// fragment (htmx swaps the row with nothing) and the summary.
	r = op("toggle_task", url.Values{"id": {ids[0]}, "done": {"true"}, "filter": {"open"}})
	if got := mainFragment(r.Body); got != "" {
		t.Errorf("open filter: toggle answered with %q, want nothing", got)
	}
	mustContain(t, "answer with the open filter", r.Body, `<a href="/?filter=open" aria-current="page">`)
	if got := taskIDs(c.get("/?filter=open").Body); !slices.Equal(got, reversed(ids[1:])) {
		t.Errorf("open filter shows %v, want %v", got, reversed(ids[1:]))
	}

	r = op("rename_task", url.Values{"id": {ids[1]}, "title": {"Walk the dog"}, "filter": {"all"}})
	if got, want := taskTitles(r.Body), []string{"Walk the dog"}; !slices.Equal(got, want) {
		t.Errorf("after rename: %q, want %q", got, want)
	}
	if got, want := taskTitles(c.get("/").Body), []string{"Walk the dog", "Buy milk"}; !slices.Equal(got, want) {
		t.Errorf("after rename: %q, want %q", got, want)
	}

	r = op("delete_task", url.Values{"id": {ids[1]}, "filter": {"all"}})
	if got := mainFragment(r.Body); got != "" {
		t.Errorf("delete answered with %q, want nothing", got)
	}
	if o, dn := counts(t, r.Body); o != 0 || dn != 1 {
		t.Errorf("after delete: %d open %d done, want 0 and 1", o, dn)
	}
	if got := taskIDs(c.get("/").Body); !slices.Equal(got, ids[:1]) {
		t.Errorf("after delete: %v, want %v", got, ids[:1])
	}

	r = op("clear_completed", url.Values{"filter": {"all"}})
	if got := taskIDs(r.Body); len(got) != 0 {
		t.Errorf("after clear completed: %v, want none", got)
	}
	mustNotContain(t, "fragment after clear completed", r.Body, "Clear completed")
	if n := d.taskCount("alice"); n != 0 {
		t.Errorf("%d tasks in the database, want 0", n)
	}

	// The page agrees after a reload.
	home = c.get("/")
	if o, dn := counts(t, home.Body); o != 0 || dn != 0 {
		t.Errorf("home: %d open %d done, want 0 and 0", o, dn)
	}

	r = c.post("/api/logout", nil)
	c.expectLanded(r, "/")
	if v := c.cookie(sessionCookie); v != "" {
		t.Errorf("session cookie %q still set after logout", v)
	}
}

func TestDemoFlowPlainForms(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)

	home := c.signup("bob", "hunter2hunter2")
	mustContain(t, "home after sign-up", home.Body, "Welcome! Your account is ready.", "Your tasks", "Nothing to do yet")

	r := c.post("/api/logout", nil)
	home = c.expectLanded(r, "/")
	mustContain(t, "home after logout", home.Body, "You have been logged out.", "Create an account")

	// A page that needs login sends the visitor to log in, then back.
	login := c.get("/settings")
	if login.URL.RequestURI() != "/login?next=%2Fsettings" {
		t.Fatalf("GET /settings logged out ended at %s, want /login?next=%%2Fsettings", login.URL)
	}
	mustContain(t, "login page", login.Body, `<input type="hidden" name="next" value="/settings">`)
	r = c.post("/api/login", url.Values{"username": {"bob"}, "password": {"hunter2hunter2"}, "next": {"/settings"}})
	settings := c.expectLanded(r, "/settings")
	mustContain(t, "settings", settings.Body, `<strong id="current-user">bob</strong>`, "You are logged in.")
	checkSessionCookie(t, setCookieHeader(r.Redirect.Header, sessionCookie), false)

	c.get("/")
	for _, title := range []string{"Buy milk", "Walk the dog", "Call mum"} {
		r = c.post("/api/add_task", url.Values{"title": {title}, "filter": {"all"}})
		c.expectLanded(r, "/")
	}
	page := c.get("/")
	ids := reversed(taskIDs(page.Body)) // oldest first; the list shows the newest first
	if got, want := taskTitles(page.Body), []string{"Call mum", "Walk the dog", "Buy milk"}; !slices.Equal(got, want) {
		t.Fatalf("titles %q, want %q", got, want)
	}

	// Toggle from the filtered page: the redirect keeps the filter.
	c.get("/?filter=open")
	r = c.post("/api/toggle_task", url.Values{"id": {ids[0]}, "done": {"true"}, "filter": {"open"}})
	c.expectLanded(r, "/?filter=open")
	if got := taskIDs(r.Body); !slices.Equal(got, reversed(ids[1:])) {
		t.Errorf("open tasks %v, want %v", got, reversed(ids[1:]))
	}
	if o, dn := counts(t, r.Body); o != 2 || dn != 1 {
		t.Errorf("counts %d open %d done, want 2 and 1", o, dn)
	}
	done := c.get("/?filter=done")
	if got := taskIDs(done.Body); !slices.Equal(got, ids[:1]) {
		t.Errorf("done tasks %v, want %v", got, ids[:1])
	}
	mustContain(t, "done page", done.Body, `<a href="/?filter=done" aria-current="page">`, `<li id=task-`+ids[0]+` class=done>`)

	c.get("/")
	r = c.post("/api/rename_task", url.Values{"id": {ids[2]}, "title": {"Call mum back"}, "filter": {"all"}})
	c.expectLanded(r, "/")
	r = c.post("/api/delete_task", url.Values{"id": {ids[1]}, "filter": {"all"}})
	c.expectLanded(r, "/")
	if got, want := taskTitles(r.Body), []string{"Call mum back", "Buy milk"}; !slices.Equal(got, want) {
		t.Errorf("after rename and delete: %q, want %q", got, want)
	}
	r = c.post("/api/clear_completed", url.Values{"filter": {"all"}})
	c.expectLanded(r, "/")
	if got, want := taskTitles(r.Body), []string{"Call mum back"}; !slices.Equal(got, want) {
		t.Errorf("after clear completed: %q, want %q", got, want)
	}
	if o, dn := counts(t, r.Body); o != 1 || dn != 0 {
		t.Errorf("counts %d open %d done, want 1 and 0", o, dn)
	}

	r = c.post("/api/logout", nil)
	home = c.expectLanded(r, "/")
	mustContain(t, "home after logout", home.Body, "You have been logged out.")
	mustNotContain(t, "home after logout", home.Body, "Call mum back")
	if got := c.get("/settings"); got.URL.Path != "/login" {
		t.Errorf("settings after logout ended at %s, want the login page", got.URL)
	}
}

// TestDemoPasswordChange changes the password both ways and checks that
// other sessions end while this one continues.
func TestDemoPasswordChange(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	for _, htmx := range []bool{true, false} {
		name := map[bool]string{true: "htmx", false: "plain"}[htmx]
		t.Run(name, func(t *testing.T) {
			user := "pw-" + name
			newClient := map[bool]func(testing.TB, string) *webClient{true: newHTMXClient, false: newPlainClient}[htmx]
			c := newClient(t, d.URL)
			c.signup(user, "first password")
			other := newPlainClient(t, d.URL)
			other.login(user, "first password", true)

			c.get("/settings")
			r := c.post("/api/change_password", url.Values{"current_password": {"wrong password"}, "new_password": {"second password"}, "confirm_password": {"second password"}})
			if htmx {
				if r.Status != http.StatusUnprocessableEntity {
					t.Fatalf("wrong current password: %d, want 422", r.Status)
				}
			} else if r.URL.Path != "/settings" {
				t.Fatalf("wrong current password ended at %s", r.URL)
			}
			mustContain(t, "password form", r.Body, "That is not your current password.", `id="current-password" name="current_password" type="password" autocomplete="current-password" aria-required="true"
    aria-invalid="true"`)
			mustNotContain(t, "password form", r.Body, "wrong password", "second password")

			r = c.post("/api/change_password", url.Values{"current_password": {"first password"}, "new_password": {"second password"}, "confirm_password": {"second password"}})
			page := c.expectLanded(r, "/settings")
			mustContain(t, "settings", page.Body, "Your password has been changed.", `<strong id="current-user">`+user+`</strong>`)

			if got := other.get("/settings"); got.URL.Path != "/login" {
				t.Errorf("the other session still reaches %s after the password change", got.URL)
			}
			fresh := newPlainClient(t, d.URL)
			fresh.get("/login")
			r = fresh.post("/api/login", url.Values{"username": {user}, "password": {"first password"}})
			mustContain(t, "login with the old password", r.Body, "Invalid username or password.")
			fresh.login(user, "second password", false)
		})
	}
}

func TestDemoPagesAndStatic(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	legacy := startDemo(t, app.Options{HTMXVersion: public.HTMXLegacy})
	c := newPlainClient(t, d.URL)

	tests := []struct {
		server *demoServer
		path   string
		status int
		want   []string
	}{
		{d, "/", 200, []string{`<meta name="htmx-config"`, `<script src="` + d.App.Assets.URL(public.HTMXFile(public.HTMXDefault)) + `">`, `href="` + d.App.Assets.URL("css/app.css") + `"`, `href="` + d.App.Assets.URL("css/demo.css") + `"`, `<script src="` + d.App.Assets.URL("js/app.js") + `" defer>`, `href="/signup"`}},
		{legacy, "/", 200, []string{`<script src="` + legacy.App.Assets.URL(public.HTMXFile(public.HTMXLegacy)) + `">`}},
		{d, "/login", 200, []string{`id="login-form"`, `action="/api/login" hx-post="/api/login"`, `<label for="login-username">`, `name="remember"`}},
		{d, "/signup", 200, []string{`id="signup-form"`, `action="/api/signup" hx-post="/api/signup"`, `name="confirm_password"`}},
		{d, "/no/such/page", 404, []string{"Page not found", "<code>/no/such/page</code>"}},
		{d, "/public/no-such-file.css", 404, []string{"Not found."}}, // plain text, see TestDemoStaticMiss
		{d, "/public/css/app.css", 200, []string{".fiberfn-errors"}},
		{d, "/public/css/demo.css", 200, []string{"ul.tasks > li > form > span"}},
		{d, "/public/vendor/htmx-" + public.HTMXDefault + "/htmx.min.js", 200, nil},
		{d, "/public/vendor/htmx-" + public.HTMXLegacy + "/htmx.min.js", 200, nil},
	}
	for _, tt := range tests {
		r := c.withBase(tt.server.URL).get(tt.path)
		if r.Status != tt.status {
			t.Errorf("GET %s: %d, want %d", tt.path, r.Status, tt.status)
		}
		mustContain(t, "GET "+tt.path, r.Body, tt.want...)
	}
}

// TestDemoDevDir serves templates and static files from the repository on
// disk, as `go run ./demo -dev` does.
func TestDemoDevDir(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{DevDir: ".."})
	c := newPlainClient(t, d.URL)
	mustContain(t, "home from disk", c.get("/").Body, "Create an account", `<meta name="htmx-config"`)
	if r := c.get("/public/css/demo.css"); r.Status != http.StatusOK {
		t.Errorf("demo.css from disk: %d", r.Status)
	}
	c.signup("dev", "dev-password")
	r := c.post("/api/add_task", url.Values{"title": {"from disk"}})
	mustContain(t, "home from disk", r.Body, "from disk")

	if _, err := app.New(app.Options{DBPath: t.TempDir() + "/x.db", DevDir: t.TempDir()}); err == nil {
		t.Error("app.New accepted a DevDir without templates/ and public/")
	}
	if _, err := app.New(app.Options{DBPath: t.TempDir() + "/x.db", HTMXVersion: "0.0.1"}); err == nil {
		t.Error("app.New accepted an htmx version that is not vendored")
	}
}

// TestDemoLoginNext checks that only same-site paths are followed after
// login.
func TestDemoLoginNext(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	newPlainClient(t, d.URL).signup("nexter", "password123")
	tests := []struct{ next, want string }{
		{"/settings", "/settings"},
		{"/?filter=done", "/?filter=done"},
		{"", "/"},
		{"//evil.example/", "/"},
		{`/\evil.example`, "/"},
		{"https://evil.example/", "/"},
		{"settings", "/"},
		{"/\r\nSet-Cookie: x=y", "/"},
	}
	for _, tt := range tests {
		for _, c := range []*webClient{newHTMXClient(t, d.URL), newPlainClient(t, d.URL)} {
			c.get("/login")
			r := c.post("/api/login", url.Values{"username": {"nexter"}, "password": {"password123"}, "next": {tt.next}})
			c.expectLanded(r, tt.want)
		}
	}
}

func mustParse(t testing.TB, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

var (
	formElement = regexp.MustCompile(`(?s)<form\b[^>]*>.*?</form>`)
	formTag     = regexp.MustCompile(`^<form\b[^>]*>`)
	buttonTag   = regexp.MustCompile(`<button\b[^>]*>`)
)

// TestDemoEveryFormWorksWithAndWithoutJS checks every form on every page,
// logged out and logged in with tasks: each posts to a server function
// both as a plain form (method and action) and through htmx (hx-post to
// the same path, set on the form or, for a form with several buttons such
// as a task row, on each button: the button's formaction or the form's
// action).
func TestDemoEveryFormWorksWithAndWithoutJS(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	pages := map[string]string{}
	for _, p := range []string{"/", "/login", "/signup", "/no/such/page"} {
		pages["logged out "+p] = c.get(p).Body
	}
	c.signup("former", "password123")
	c.post("/api/add_task", url.Values{"title": {"one"}})
	id := taskIDs(c.get("/").Body)[0]
	for _, p := range []string{"/", "/?filter=open", "/?filter=done", "/settings", "/?edit=" + id} {
		pages["logged in "+p] = c.get(p).Body
	}
	forms := 0
	for name, body := range pages {
		for _, form := range formElement.FindAllString(body, -1) {
			forms++
			tag := formTag.FindString(form)
			action := regexp.MustCompile(`\saction="?(/api/[a-z_]+)`).FindStringSubmatch(tag)
			hxPost := regexp.MustCompile(`\shx-post="?(/api/[a-z_]+)`).FindStringSubmatch(tag)
			if !regexpMatch(`method="?post`, tag) || action == nil {
				t.Errorf("%s: form without method=post and action=: %s", name, tag)
				continue
			}
			if hxPost != nil {
				if action[1] != hxPost[1] {
					t.Errorf("%s: form's hx-post differs from its action: %s", name, tag)
				}
				continue
			}
			for _, b := range buttonTag.FindAllString(form, -1) {
				want := action[1]
				if fa := regexp.MustCompile(`\sformaction="?(/api/[a-z_]+)`).FindStringSubmatch(b); fa != nil {
					want = fa[1]
				}
				if bp := regexp.MustCompile(`\shx-post="?(/api/[a-z_]+)`).FindStringSubmatch(b); bp == nil || bp[1] != want {
					t.Errorf("%s: a button of a form without hx-post has no hx-post to %s: %s in %s", name, want, b, form)
				}
			}
		}
	}
	if forms < 10 {
		t.Fatalf("found only %d forms on %d pages", forms, len(pages))
	}
}
