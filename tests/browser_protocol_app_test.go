package tests

// protoApp is a small, purpose-made Fiber app for the real-browser proofs
// of the htmx protocol (browser_protocol_test.go): its own fiberfn
// registry and plugin, html/v2 templates from a fstest.MapFS, the vendored
// htmx of one version, real HTTP on 127.0.0.1. It logs every request's
// htmx headers and every answer's status and redirect headers, so a test
// can say what htmx really sent and what it got.

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/template/html/v2"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/public"
)

// protoTemplates are the app's templates. Pages render inside "layout"
// (unless fiberfn.WantsFragment says an htmx partial request asks);
// "row", "counts" and "once_row" are fragments.
//
// A boosted page's <body> has hx-boost="true" for htmx 2 and
// hx-boost:inherited="true" for htmx 4, whose attributes are not inherited
// unless they say so (config.implicitInheritance is false): with
// hx-boost="true" alone, htmx 4 boosts nothing inside the body and the
// forms post natively.
var protoTemplates = fstest.MapFS{
	"layout.html": {Data: []byte(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>{{ .Title }}</title>
{{ fnHTMXConfig }}
<script src="{{ .HTMX }}"></script>
{{ if .ErrorScript }}<script src="/fiberfn.js" defer></script>{{ end }}
</head>
<body{{ if .Boost }} hx-boost="true" hx-boost:inherited="true"{{ end }}>
{{ embed }}
</body>
</html>`)},

	// Scenario 1: a boosted form posting to server functions.
	"records.html": {Data: []byte(`<h1 id="heading">Records</h1>
{{ with .Notice }}<p id="notice" role="status">{{ . }}</p>{{ end }}
{{ with .Form }}{{ if .HasError }}<p id="form-error" role="alert">{{ .Message }}</p>{{ end }}{{ end }}
<ul id="records">{{ range .Records }}<li>{{ . }}</li>{{ end }}</ul>
<form id="add-form" method="post" action="/api/add_record">
<input id="title" name="title" value="{{ .Form.Value "title" }}">
<span id="title-error">{{ .Form.Error "title" }}</span>
<button id="add" type="submit">Add</button>
</form>
<form id="go-form" method="post" action="/api/go_other"><button id="go" type="submit">Go elsewhere</button></form>`)},
	"other.html": {Data: []byte(`<h1 id="heading">Other page</h1>
<p><a id="to-private" href="/private">Private</a></p>`)},

	// Scenario 2: a page behind a cookie "login", and history restore.
	"private.html": {Data: []byte(`<h1 id="heading">Private</h1>
<p id="secret">Only for Ada.</p>
<p><a id="to-other" href="/other">Other</a></p>`)},
	"login.html":     {Data: []byte(`<h1 id="heading">Log in</h1><p id="login-page">Please log in.</p>`)},
	"loggedout.html": {Data: []byte(`<h1 id="heading">Logged out</h1>`)},

	// Scenario 3: Navigate from an htmx partial request.
	"start.html": {Data: []byte(`<h1 id="heading">Start</h1>
<button id="navigate" hx-post="/api/navigate" hx-target="#result">Go</button>
<div id="result"><p>No result yet.</p></div>`)},
	"dest.html": {Data: []byte(`<h1 id="heading">Destination</h1><p id="dest">You arrived.</p>`)},

	// Scenario 4: an out-of-band update.
	"tasks.html": {Data: []byte(`<h1 id="heading">Tasks</h1>
<aside>{{ template "counts" .Counts }}</aside>
<section><ul id="tasks">{{ range .Tasks }}{{ template "row" . }}{{ end }}</ul></section>`)},
	"row.html":    {Data: []byte(`<li id="task-{{ .ID }}" class="task{{ if .Done }} done{{ end }}"><span class="title">{{ .Title }}</span> <button id="toggle-{{ .ID }}" hx-post="/api/toggle" hx-vals='{"id": "{{ .ID }}"}' hx-target="closest li" hx-swap="outerHTML">Toggle</button></li>`)},
	"counts.html": {Data: []byte(`<p id="counts">Open: <b id="count-open">{{ .Open }}</b>, done: <b id="count-done">{{ .Done }}</b></p>`)},

	// Scenario 5: a once-only form. The htmx attributes are inert
	// without JavaScript: the form then posts to action=.
	"once.html": {Data: []byte(`<h1 id="heading">Once</h1>
<ul id="once-list">{{ range .Items }}<li>{{ . }}</li>{{ end }}</ul>
<form id="once-form" method="post" action="/api/once_add" hx-post="/api/once_add" hx-target="#once-list" hx-swap="beforeend">
{{ fnOnce "once_add" }}
<input id="once-title" name="title">
<button id="once-submit" type="submit">Add</button>
<div class="fiberfn-errors" id="once-errors"></div>
</form>`)},
	"once_row.html": {Data: []byte(`<li>{{ . }}</li>`)},

	// Scenario 6: a DELETE function removes its row without a template
	// (fiberfn.RemoveTarget), whatever the button's hx-swap; without
	// JavaScript the row's form posts _method=DELETE.
	"rows.html": {Data: []byte(`<h1 id="heading">Rows</h1>
{{ template "row_count" len .Rows }}
<table><tbody id="rows">{{ range .Rows }}{{ template "prow" . }}{{ end }}</tbody></table>`)},
	"prow.html":      {Data: []byte(`<tr id="row-{{ .ID }}"><td>{{ .Title }}</td><td><form method="post" action="{{ fnURL "remove_row" .ID }}"><input type="hidden" name="_method" value="DELETE"><button id="del-{{ .ID }}" hx-delete="{{ fnURL "remove_row" .ID }}" hx-target="closest tr" hx-swap="{{ if eq .ID 2 }}innerHTML{{ else }}outerHTML{{ end }}">Delete</button></form></td></tr>`)},
	"row_count.html": {Data: []byte(`<p id="row-count">{{ . }} rows</p>`)},

	// Scenario 7: errors from a form with its own slot and from a button
	// in a table row, which has none: the page's #fiberfn-errors, in the
	// markup or added by fiberfn's error script.
	"slots.html": {Data: []byte(`<h1 id="heading">Slots</h1>
{{ if .PageSlot }}<div id="fiberfn-errors"></div>{{ end }}
<form id="slot-form" hx-post="/api/refuse"><input id="slot-title" name="title" value="form"><button id="form-submit" type="submit">Send</button><div class="fiberfn-errors" id="form-slot"></div></form>
<table><tbody><tr id="slot-row"><td>A row</td><td><button id="row-button" hx-post="/api/refuse" hx-vals='{"title": "row"}' hx-target="closest tr" hx-swap="outerHTML">Refuse</button></td></tr></tbody></table>`)},

	// Scenario 8: a GET function with a Page: active search pushes its
	// URL, and a reload (or a search without JavaScript) gets the page.
	"search.html": {Data: []byte(`<h1 id="heading">Search</h1>
<form method="get" action="/search"><input id="q" name="q" value="{{ .Q }}" hx-get="/search" hx-trigger="input changed delay:50ms" hx-target="#results" hx-push-url="true"><button id="search-go" type="submit">Search</button></form>
<ul id="results">{{ template "search_rows" . }}</ul>`)},
	"search_rows.html": {Data: []byte(`{{ range .Rows }}<li>{{ . }}</li>{{ end }}`)},
}

// protoRow is a row of the RemoveTarget scenario.
type protoRow struct {
	ID    int
	Title string
}

// protoSearch is the result of the search scenario, and the binding of
// its page.
type protoSearch struct {
	Title, HTMX string
	Boost       bool
	ErrorScript bool
	Q           string
	Rows        []string
}

// protoTask is a task of the out-of-band scenario.
type protoTask struct {
	ID    int
	Title string
	Done  bool
}

// protoCounts are the open and done counts beside the task list.
type protoCounts struct{ Open, Done int }

// protoRequest is what the app saw of one request and its answer.
type protoRequest struct {
	Method, Path string
	Req          map[string]string // the htmx headers (and Accept) sent
	Status       int
	Resp         map[string]string // Location, HX-*, Idempotent-Replayed
	Start, End   time.Time
}

// String is one line for the test log.
func (r protoRequest) String() string {
	return fmt.Sprintf("%s %s %v -> %d %v", r.Method, r.Path, sortedPairs(r.Req), r.Status, sortedPairs(r.Resp))
}

func sortedPairs(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	b.WriteByte('[')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(k + "=" + m[k])
	}
	b.WriteByte(']')
	return b.String()
}

// loggedRequestHeaders are the request headers the log keeps.
var loggedRequestHeaders = []string{"HX-Request", "HX-Boosted", "HX-Request-Type", "HX-History-Restore-Request", "HX-Target", "HX-Source", "HX-Trigger", "Accept"}

// loggedResponseHeaders are the response headers the log keeps.
var loggedResponseHeaders = []string{"Location", "HX-Redirect", "HX-Location", "HX-Retarget", "HX-Reswap", "HX-Push-Url", "HX-Replace-Url", "HX-Trigger", fiberfn.ReplayedHeader}

// protoApp is a running instance.
type protoApp struct {
	URL  string
	HTMX string

	t      testing.TB
	fiber  *fiber.App
	served chan error

	mu       sync.Mutex
	reqs     []protoRequest
	records  []string
	tasks    []protoTask
	items    []string
	rows     []protoRow
	inflight atomic.Int32
	lastEnd  atomic.Int64 // unix nanoseconds
	onceRuns atomic.Int32
	errs     atomic.Int32 // errors the plugin logged
}

// startProtoApp starts the app serving htmx of the given version, and
// stops it when the test ends.
func startProtoApp(t testing.TB, version string) *protoApp {
	t.Helper()
	a := &protoApp{
		HTMX:   version,
		t:      t,
		served: make(chan error, 1),
		tasks:  []protoTask{{ID: 1, Title: "Milk"}, {ID: 2, Title: "Eggs"}},
		rows:   []protoRow{{ID: 1, Title: "One"}, {ID: 2, Title: "Two"}, {ID: 3, Title: "Three"}},
	}
	reg := fiberfn.NewRegistry()

	// Scenario 1. A record needs three characters: a validation error
	// otherwise, shown through Flash on the page.
	type recordIn struct {
		Title string `form:"title"`
	}
	addRecord := fiberfn.RegisterOn(reg, "add_record", func(c *fiber.Ctx, in recordIn) (struct{}, error) {
		title := strings.TrimSpace(in.Title)
		if len([]rune(title)) < 3 {
			return struct{}{}, fiberfn.FieldErrors{"title": "A title has at least 3 characters."}
		}
		a.mu.Lock()
		a.records = append(a.records, title)
		a.mu.Unlock()
		fiberfn.Notify(c, "Record added.")
		return struct{}{}, nil
	})
	fiberfn.RegisterOn(reg, "go_other", func(c *fiber.Ctx, _ struct{}) (struct{}, error) {
		return struct{}{}, fiberfn.Redirect(c, "/other")
	})

	// Scenario 3.
	fiberfn.RegisterOn(reg, "navigate", func(c *fiber.Ctx, _ struct{}) (struct{}, error) {
		return struct{}{}, fiberfn.Navigate(c, "/dest")
	})

	// Scenario 4.
	type toggleIn struct {
		ID int `form:"id"`
	}
	fiberfn.RegisterOn(reg, "toggle", func(c *fiber.Ctx, in toggleIn) (protoTask, error) {
		a.mu.Lock()
		defer a.mu.Unlock()
		i := slices.IndexFunc(a.tasks, func(t protoTask) bool { return t.ID == in.ID })
		if i < 0 {
			return protoTask{}, fiberfn.ServerError("No such task.", http.StatusNotFound)
		}
		a.tasks[i].Done = !a.tasks[i].Done
		fiberfn.OutOfBand(c, "counts", a.countsLocked())
		return a.tasks[i], nil
	}, fiberfn.Render("row"))

	// Scenario 5. The function takes a while, like a real insert, so a
	// second submission arrives while the first still runs.
	type onceIn struct {
		Title string `form:"title"`
	}
	fiberfn.RegisterOn(reg, "once_add", func(c *fiber.Ctx, in onceIn) (string, error) {
		if strings.TrimSpace(in.Title) == "" {
			// A stray click on a fresh form stores nothing.
			return "", fiberfn.FieldErrors{"title": "A title is required."}
		}
		a.onceRuns.Add(1)
		time.Sleep(150 * time.Millisecond)
		a.mu.Lock()
		a.items = append(a.items, in.Title)
		a.mu.Unlock()
		return in.Title, nil
	}, fiberfn.OnceOnly(), fiberfn.Render("once_row"))

	// Scenario 6.
	type rowIn struct {
		ID int `params:"id"`
	}
	fiberfn.RegisterOn(reg, "remove_row", func(c *fiber.Ctx, in rowIn) (struct{}, error) {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.rows = slices.DeleteFunc(a.rows, func(r protoRow) bool { return r.ID == in.ID })
		fiberfn.RemoveTarget(c)
		fiberfn.OutOfBand(c, "row_count", len(a.rows))
		return struct{}{}, nil
	}, fiberfn.Route("/rows/:id"), fiberfn.Method("DELETE"))

	// Scenario 7.
	fiberfn.RegisterOn(reg, "refuse", func(c *fiber.Ctx, in struct {
		Title string `form:"title"`
	}) (struct{}, error) {
		return struct{}{}, fiberfn.ServerError("Not allowed: "+in.Title+".", http.StatusConflict)
	})

	// Scenario 8.
	names := []string{"Joe", "Joan", "Ann", "Johanna"}
	fiberfn.RegisterOn(reg, "search", func(c *fiber.Ctx, in struct {
		Q string `query:"q"`
	}) (protoSearch, error) {
		out := protoSearch{Title: "Search", HTMX: public.HTMXScript(version), Q: in.Q}
		for _, n := range names {
			if in.Q != "" && strings.Contains(strings.ToLower(n), strings.ToLower(in.Q)) {
				out.Rows = append(out.Rows, n)
			}
		}
		return out, nil
	}, fiberfn.Route("/search"), fiberfn.Method("GET"), fiberfn.Render("search_rows"), fiberfn.Page("search", "layout"))

	engine := html.NewFileSystem(http.FS(protoTemplates), ".html")
	engine.AddFuncMap(fiberfn.FuncMap(reg))
	if err := engine.Load(); err != nil {
		t.Fatalf("templates: %v", err)
	}
	app := fiber.New(fiber.Config{Views: engine, DisableStartupMessage: true})
	a.fiber = app
	app.Use(a.logRequests)
	app.Use("/public", filesystem.New(filesystem.Config{Root: http.FS(public.FS)}))
	fiberfn.Mount(app, fiberfn.Config{
		Registry: reg,
		Logger:   slog.New(&testLogHandler{t: t, errs: &a.errs}),
	})

	page := func(c *fiber.Ctx, name, title string, bind fiber.Map) error {
		bind["Title"] = title
		bind["HTMX"] = public.HTMXScript(version)
		if fiberfn.WantsFragment(c) {
			return c.Render(name, bind)
		}
		return c.Render(name, bind, "layout")
	}
	app.Get("/records", func(c *fiber.Ctx) error {
		a.mu.Lock()
		records := slices.Clone(a.records)
		a.mu.Unlock()
		return page(c, "records", "Records", fiber.Map{"Boost": true, "Records": records, "Form": addRecord.Form(c, nil), "Notice": fiberfn.Notice(c)})
	})
	app.Get("/other", func(c *fiber.Ctx) error {
		return page(c, "other", "Other", fiber.Map{"Boost": true})
	})
	app.Get("/signin", func(c *fiber.Ctx) error {
		c.Cookie(&fiber.Cookie{Name: "user", Value: "ada", Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
		return fiberfn.Redirect(c, "/private")
	})
	app.Get("/private", func(c *fiber.Ctx) error {
		if c.Cookies("user") == "" {
			return fiberfn.Redirect(c, "/login")
		}
		return page(c, "private", "Private", fiber.Map{"Boost": true})
	})
	app.Get("/login", func(c *fiber.Ctx) error {
		return page(c, "login", "Log in", fiber.Map{"Boost": true})
	})
	app.Get("/logout", func(c *fiber.Ctx) error {
		c.Cookie(&fiber.Cookie{Name: "user", Path: "/", MaxAge: -1, Expires: time.Unix(1, 0), HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode})
		return page(c, "loggedout", "Logged out", fiber.Map{})
	})
	app.Get("/start", func(c *fiber.Ctx) error {
		return page(c, "start", "Start", fiber.Map{})
	})
	app.Get("/dest", func(c *fiber.Ctx) error {
		return page(c, "dest", "Destination", fiber.Map{})
	})
	app.Get("/tasks", func(c *fiber.Ctx) error {
		a.mu.Lock()
		tasks, counts := slices.Clone(a.tasks), a.countsLocked()
		a.mu.Unlock()
		return page(c, "tasks", "Tasks", fiber.Map{"Tasks": tasks, "Counts": counts})
	})
	app.Get("/fiberfn.js", fiberfn.ErrorScriptHandler)
	app.Get("/rows", func(c *fiber.Ctx) error {
		a.mu.Lock()
		rows := slices.Clone(a.rows)
		a.mu.Unlock()
		return page(c, "rows", "Rows", fiber.Map{"Rows": rows})
	})
	app.Get("/slots", func(c *fiber.Ctx) error {
		script := c.Query("script") == "1"
		return page(c, "slots", "Slots", fiber.Map{"PageSlot": !script, "ErrorScript": script})
	})
	app.Get("/once", func(c *fiber.Ctx) error {
		a.mu.Lock()
		items := slices.Clone(a.items)
		a.mu.Unlock()
		return page(c, "once", "Once", fiber.Map{"Items": items})
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	a.URL = "http://" + ln.Addr().String()
	go func() { a.served <- app.Listener(ln) }()
	t.Cleanup(a.stop)
	a.waitServing()
	return a
}

// countsLocked counts the open and done tasks; a.mu is held.
func (a *protoApp) countsLocked() protoCounts {
	var n protoCounts
	for _, t := range a.tasks {
		if t.Done {
			n.Done++
		} else {
			n.Open++
		}
	}
	return n
}

// logRequests records each request (but static files) and its answer.
func (a *protoApp) logRequests(c *fiber.Ctx) error {
	if strings.HasPrefix(c.Path(), "/public/") || c.Path() == "/favicon.ico" {
		return c.Next()
	}
	a.inflight.Add(1)
	// Fiber's strings alias the request's memory, which fasthttp reuses:
	// the log keeps copies.
	r := protoRequest{Method: strings.Clone(c.Method()), Path: strings.Clone(c.Path()), Req: map[string]string{}, Resp: map[string]string{}, Start: time.Now()}
	for _, h := range loggedRequestHeaders {
		if v := c.Get(h); v != "" {
			r.Req[h] = strings.Clone(v)
		}
	}
	err := c.Next()
	if err != nil {
		// What Fiber's error handler will send.
		_ = c.App().ErrorHandler(c, err)
		err = nil
	}
	r.Status = c.Response().StatusCode()
	for _, h := range loggedResponseHeaders {
		if v := c.GetRespHeader(h); v != "" {
			r.Resp[h] = strings.Clone(v)
		}
	}
	r.End = time.Now()
	a.mu.Lock()
	a.reqs = append(a.reqs, r)
	a.mu.Unlock()
	a.lastEnd.Store(r.End.UnixNano())
	a.inflight.Add(-1)
	return err
}

// requests returns the logged requests for path ("" for all).
func (a *protoApp) requests(path string) []protoRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []protoRequest
	for _, r := range a.reqs {
		if path == "" || r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// logRequests writes the logged requests to the test log, under a title.
func (a *protoApp) dumpRequests(t testing.TB, title string) {
	t.Helper()
	var b strings.Builder
	for _, r := range a.requests("") {
		b.WriteString("\n  ")
		b.WriteString(r.String())
	}
	t.Logf("%s (htmx %s), what the server saw:%s", title, a.HTMX, b.String())
}

// clearLog forgets the requests logged so far.
func (a *protoApp) clearLog() {
	a.mu.Lock()
	a.reqs = nil
	a.mu.Unlock()
}

// quietFor reports whether no request is being served and none ended
// within d.
func (a *protoApp) quietFor(d time.Duration) bool {
	return a.inflight.Load() == 0 && time.Since(time.Unix(0, a.lastEnd.Load())) >= d
}

// waitServing returns once the app answers.
func (a *protoApp) waitServing() {
	a.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(a.URL + public.HTMXScript(a.HTMX))
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("the app did not start serving: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// stop shuts the app down.
func (a *protoApp) stop() {
	if err := a.fiber.ShutdownWithTimeout(10 * time.Second); err != nil {
		a.t.Errorf("shutdown: %v", err)
	}
	select {
	case err := <-a.served:
		if err != nil {
			a.t.Errorf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		a.t.Errorf("the server did not stop")
	}
	if n := a.errs.Load(); n > 0 {
		a.t.Errorf("fiberfn logged %d error(s); see the log above", n)
	}
}
