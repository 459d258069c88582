package fiberfn

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
)

// signKey signs the cookies and tokens of the caller, once-only, guard,
// notice and signing tests, so they can decode what the plugin wrote.
var signKey = []byte("0123456789abcdef0123456789abcdef")

// callerViews are the templates of the caller, once-only, out-of-band, guard
// and notice tests, rendered by a real html/v2 engine.
var callerViews = fstest.MapFS{
	"frag.html":      {Data: []byte(`<li class="task">{{ .Title }}</li>`)},
	"counts.html":    {Data: []byte(`<span id="counts">{{ .Open }} open</span>`)},
	"commented.html": {Data: []byte("\n  <!-- the counts -->\n  <span id=\"counts\">{{ .Open }}</span>")},
	"ownoob.html":    {Data: []byte(`<div id="log" hx-swap-oob="beforeend">{{ .Open }}</div>`)},
	"once.html":      {Data: []byte(`<form method="post" action="{{ fnPath .Fn }}">{{ fnOnce .Fn }}<input name="title"></form>`)},
	"notice.html":    {Data: []byte(`<p>{{ .Notice }}</p>`)},
}

// appSetup describes an app for the caller, once-only, guard and notice tests.
type appSetup struct {
	views    fstest.MapFS // callerViews when nil
	cfg      Config
	fiber    fiber.Config
	before   []fiber.Handler // middleware in front of the plugin
	register func(r *Registry)
	routes   func(app *fiber.App)
	noPlugin bool
}

// setupApp builds a Fiber app with the html/v2 engine over callerViews, the
// middleware of s.before, the plugin on a fresh registry and s.routes.
func setupApp(t testing.TB, s appSetup) *fiber.App {
	t.Helper()
	reg := NewRegistry()
	if s.register != nil {
		s.register(reg)
	}
	views := s.views
	if views == nil {
		views = callerViews
	}
	engine := html.NewFileSystem(http.FS(views), ".html")
	engine.AddFuncMap(FuncMap(reg))
	fc := s.fiber
	fc.Views = engine
	fc.DisableStartupMessage = true
	app := fiber.New(fc)
	for _, h := range s.before {
		app.Use(h)
	}
	cfg := s.cfg
	cfg.Registry = reg
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Keys == nil {
		cfg.Keys = [][]byte{signKey}
	}
	if !s.noPlugin {
		Mount(app, cfg)
	}
	if s.routes != nil {
		s.routes(app)
	}
	return app
}

// cookieNamed returns the Set-Cookie of name in resp, or nil.
func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// varyNames are the request headers every answer must name in Vary.
var varyNames = []string{"HX-Request", "HX-Boosted", "HX-Request-Type", "HX-History-Restore-Request", "Accept"}

// checkVary fails unless the answer's Vary names every header of varyNames.
func checkVary(t *testing.T, resp *http.Response) {
	t.Helper()
	got := map[string]bool{}
	for _, v := range resp.Header.Values("Vary") {
		for _, name := range strings.Split(v, ",") {
			got[strings.ToLower(strings.TrimSpace(name))] = true
		}
	}
	for _, name := range varyNames {
		if !got[strings.ToLower(name)] {
			t.Errorf("Vary = %q, missing %s", resp.Header.Values("Vary"), name)
		}
	}
}

// wantHeader fails unless header k of resp is v ("" means absent).
func wantHeader(t *testing.T, resp *http.Response, k, v string) {
	t.Helper()
	if v == "" {
		if got, ok := resp.Header[http.CanonicalHeaderKey(k)]; ok {
			t.Errorf("header %s = %q, want none", k, got)
		}
		return
	}
	if got := resp.Header.Get(k); got != v {
		t.Errorf("header %s = %q, want %q", k, got, v)
	}
}

// callerCase is a kind of caller, with the headers its client sends.
type callerCase struct {
	name     string
	kind     caller
	headers  []string // alternating names and values
	jsonBody bool
	referer  bool
}

// allCallers are the callers of the DESIGN caller table, as htmx 2, htmx 4,
// fetch and a browser without JavaScript send them.
var allCallers = []callerCase{
	{name: "json accept", kind: jsonCaller, headers: []string{"Accept", "application/json"}, referer: true},
	{name: "json body", kind: jsonCaller, jsonBody: true, referer: true},
	{name: "htmx2 partial", kind: htmxPartial, headers: []string{"HX-Request", "true", "HX-Current-URL", "http://example.com/tasks?f=open", "HX-Target", "list"}, referer: true},
	{name: "htmx4 partial", kind: htmxPartial, headers: []string{"HX-Request", "true", "HX-Request-Type", "partial", "HX-Source", "button#x", "Accept", "text/html"}, referer: true},
	{name: "htmx2 boosted", kind: htmxFullPage, headers: []string{"HX-Request", "true", "HX-Boosted", "true"}, referer: true},
	{name: "htmx4 boosted", kind: htmxFullPage, headers: []string{"HX-Request", "true", "HX-Boosted", "true", "HX-Request-Type", "full"}, referer: true},
	{name: "htmx4 full", kind: htmxFullPage, headers: []string{"HX-Request", "true", "HX-Request-Type", "full", "Accept", "text/html"}, referer: true},
	{name: "htmx2 history restore", kind: historyRestore, headers: []string{"HX-Request", "true", "HX-History-Restore-Request", "true"}, referer: true},
	{name: "htmx4 history restore", kind: historyRestore, headers: []string{"HX-History-Restore-Request", "true", "HX-Request-Type", "full"}, referer: true},
	{name: "plain with referer", kind: plainCaller, referer: true},
	{name: "plain without referer", kind: plainCaller},
}

const testReferer = "http://example.com/tasks?f=open"

// back is where a page-like caller is sent back to.
func (k callerCase) back() string {
	if k.referer {
		return "/tasks?f=open"
	}
	return "/"
}

// request builds a request of the caller to path, with the value milk.
func (k callerCase) request(method, path string) req {
	h := map[string]string{}
	body := ""
	if method == http.MethodPost {
		if k.jsonBody {
			h["Content-Type"] = "application/json"
			body = `{"title":"milk"}`
		} else {
			h["Content-Type"] = "application/x-www-form-urlencoded"
			body = "title=milk"
		}
	}
	for i := 0; i+1 < len(k.headers); i += 2 {
		h[k.headers[i]] = k.headers[i+1]
	}
	if k.referer {
		h["Referer"] = testReferer
	}
	return req{method: method, path: path, body: body, headers: h}
}

type taskIn struct {
	Title string `form:"title" json:"title"`
}

type taskOut struct {
	Title string `json:"title"`
}

// setOptions sets a header and a cookie through Response(c), which must
// reach every answer but a panic's.
func setOptions(c *fiber.Ctx) {
	r := Response(c)
	r.InsertHeader("X-Fn", "set")
	r.SetCookie(&fiber.Cookie{Name: "fn_cookie", Value: "1"})
}

// callerApp registers one function per outcome, behind a middleware that
// sets X-Frame-Options, and page handlers that redirect, navigate and ask
// WantsFragment.
func callerApp(t testing.TB) *fiber.App {
	return setupApp(t, appSetup{
		before: []fiber.Handler{func(c *fiber.Ctx) error {
			c.Set("X-Frame-Options", "DENY")
			return c.Next()
		}},
		register: func(r *Registry) {
			RegisterOn(r, "k_success", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				setOptions(c)
				return taskOut(in), nil
			}, Render("frag"))
			RegisterOn(r, "k_field", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				setOptions(c)
				return taskOut{}, FieldErrors{"title": "Title <b>taken</b>"}
			}, Render("frag"))
			RegisterOn(r, "k_server", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				setOptions(c)
				return taskOut{}, ServerError("Quota <exceeded>", http.StatusConflict)
			}, Render("frag"))
			RegisterOn(r, "k_redirect", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				setOptions(c)
				return taskOut(in), Redirect(c, "/done")
			}, Render("frag"))
			RegisterOn(r, "k_panic", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				setOptions(c)
				c.Set("X-Direct", "1")
				c.Cookie(&fiber.Cookie{Name: "direct_cookie", Value: "1"})
				panic("kaboom: secret detail")
			}, Render("frag"))
		},
		routes: func(app *fiber.App) {
			app.Get("/p/redirect", func(c *fiber.Ctx) error {
				Response(c).InsertHeader("X-Page", "1")
				if err := Redirect(c, "/login"); err != nil {
					return err
				}
				return c.SendString("page body")
			})
			app.Get("/p/navigate", func(c *fiber.Ctx) error {
				if err := Navigate(c, "/next"); err != nil {
					return err
				}
				return c.SendString("page body")
			})
			app.Get("/p/fragment", func(c *fiber.Ctx) error {
				return c.SendString(strconv.FormatBool(WantsFragment(c)))
			})
		},
	})
}

// flashOf decodes the flash cookie of resp, or returns nil.
func flashOf(t *testing.T, resp *http.Response) *FormState {
	t.Helper()
	ck := cookieNamed(resp, ConfigDefault.FlashCookie)
	if ck == nil || ck.Value == "" {
		return nil
	}
	f := decodeFlash(signer{keys: [][]byte{signKey}}, clientOf(resp), ck.Value)
	if f == nil {
		t.Errorf("flash cookie %q does not verify", ck.Value)
	}
	return f
}

// wantJSON fails unless body is the JSON of want.
func wantJSON(t *testing.T, body string, want any) {
	t.Helper()
	wb, _ := json.Marshal(want)
	var got, exp any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Errorf("body %q is not JSON: %v", body, err)
		return
	}
	_ = json.Unmarshal(wb, &exp)
	gb, _ := json.Marshal(got)
	eb, _ := json.Marshal(exp)
	if string(gb) != string(eb) {
		t.Errorf("body = %s, want %s", gb, eb)
	}
}

// TestCallerOutcomes checks every caller kind against every outcome of a
// server function: status, the headers the caller needs, Vary, cookies and
// body, as the DESIGN caller table says.
func TestCallerOutcomes(t *testing.T) {
	app := callerApp(t)
	outcomes := []string{"success", "field", "server", "redirect", "panic"}
	for _, k := range allCallers {
		for _, outcome := range outcomes {
			t.Run(k.name+"/"+outcome, func(t *testing.T) {
				resp, body := do(t, app, k.request(http.MethodPost, "/api/k_"+outcome))
				checkVary(t, resp)
				wantHeader(t, resp, "X-Frame-Options", "DENY")
				if strings.Contains(body, "kaboom") || strings.Contains(body, "secret") {
					t.Errorf("body leaks the panic: %q", body)
				}
				if outcome == "panic" {
					wantHeader(t, resp, "X-Fn", "")
					wantHeader(t, resp, "X-Direct", "")
					if ck := cookieNamed(resp, "fn_cookie"); ck != nil {
						t.Errorf("fn_cookie survived the panic")
					}
					if ck := cookieNamed(resp, "direct_cookie"); ck != nil {
						t.Errorf("direct_cookie survived the panic")
					}
				} else {
					wantHeader(t, resp, "X-Fn", "set")
					if ck := cookieNamed(resp, "fn_cookie"); ck == nil || ck.Value != "1" {
						t.Errorf("fn_cookie = %v, want it set to 1", ck)
					}
				}
				flash := flashOf(t, resp)
				wantFlash := k.kind.pageLike() && (outcome == "field" || outcome == "server")
				if (flash != nil) != wantFlash {
					t.Errorf("flash cookie = %+v, want one: %v", flash, wantFlash)
				}
				if resp.StatusCode >= 300 && resp.StatusCode <= 399 && body != "" {
					t.Errorf("a %d has body %q", resp.StatusCode, body)
				}
				checkOutcome(t, k, outcome, resp, body, flash)
			})
		}
	}
}

func checkOutcome(t *testing.T, k callerCase, outcome string, resp *http.Response, body string, flash *FormState) {
	t.Helper()
	wantStatus := func(code int) {
		t.Helper()
		if resp.StatusCode != code {
			t.Errorf("status = %d, want %d (body %q)", resp.StatusCode, code, body)
		}
	}
	ct := resp.Header.Get("Content-Type")
	switch k.kind {
	case jsonCaller:
		wantHeader(t, resp, "Location", "")
		wantHeader(t, resp, "HX-Redirect", "")
		if !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type = %q, want JSON", ct)
		}
		switch outcome {
		case "success":
			wantStatus(200)
			wantHeader(t, resp, RedirectHeader, "")
			wantJSON(t, body, taskOut{Title: "milk"})
		case "field":
			wantStatus(422)
			wantJSON(t, body, errorBody{Error: validationMessage, Fields: map[string]string{"title": "Title <b>taken</b>"}})
		case "server":
			wantStatus(409)
			wantJSON(t, body, errorBody{Error: "Quota <exceeded>"})
		case "redirect":
			wantStatus(200)
			wantHeader(t, resp, RedirectHeader, "/done")
			wantJSON(t, body, taskOut{Title: "milk"})
		case "panic":
			wantStatus(500)
			wantHeader(t, resp, RedirectHeader, "")
			wantJSON(t, body, errorBody{Error: internalMessage})
		}
	case htmxPartial:
		wantHeader(t, resp, "Location", "")
		wantHeader(t, resp, RedirectHeader, "")
		errFragment := func(code int, ue *Error) {
			t.Helper()
			wantStatus(code)
			wantHeader(t, resp, "HX-Retarget", "find .fiberfn-errors, #fiberfn-errors")
			wantHeader(t, resp, "HX-Reswap", "innerHTML")
			wantHeader(t, resp, "HX-Redirect", "")
			if !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want HTML", ct)
			}
			if body != errorFragment(ue) {
				t.Errorf("body = %q, want %q", body, errorFragment(ue))
			}
			if strings.Contains(body, "<b>") || strings.Contains(body, "<exceeded>") {
				t.Errorf("error fragment is not escaped: %q", body)
			}
		}
		switch outcome {
		case "success":
			wantStatus(200)
			wantHeader(t, resp, "HX-Redirect", "")
			if !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want HTML", ct)
			}
			if body != `<li class="task">milk</li>` {
				t.Errorf("body = %q, want the fragment", body)
			}
		case "field":
			errFragment(422, &Error{Message: validationMessage, Fields: map[string]string{"title": "Title <b>taken</b>"}})
		case "server":
			errFragment(409, &Error{Message: "Quota <exceeded>"})
		case "redirect":
			wantStatus(200)
			wantHeader(t, resp, "HX-Redirect", "/done")
			wantHeader(t, resp, "HX-Retarget", "")
			if body != "" {
				t.Errorf("body = %q, want none", body)
			}
		case "panic":
			errFragment(500, &Error{Message: internalMessage})
		}
	default: // plain, boosted, full, history restore: like a plain form post
		wantHeader(t, resp, "HX-Redirect", "")
		wantHeader(t, resp, "HX-Retarget", "")
		wantHeader(t, resp, RedirectHeader, "")
		switch outcome {
		case "success":
			wantStatus(302)
			wantHeader(t, resp, "Location", k.back())
		case "field", "server":
			wantStatus(302)
			wantHeader(t, resp, "Location", k.back())
			if flash == nil {
				return
			}
			want := &FormState{Fn: "k_" + outcome, Status: 422, Message: validationMessage,
				Fields: map[string]string{"title": "Title <b>taken</b>"}, Values: map[string]string{"title": "milk"}}
			if outcome == "server" {
				want = &FormState{Fn: "k_server", Status: 409, Message: "Quota <exceeded>", Values: map[string]string{"title": "milk"}}
			}
			gb, _ := json.Marshal(flash)
			wb, _ := json.Marshal(want)
			if string(gb) != string(wb) {
				t.Errorf("flash = %s, want %s", gb, wb)
			}
		case "redirect":
			wantStatus(302)
			wantHeader(t, resp, "Location", "/done")
		case "panic":
			wantStatus(500)
			wantHeader(t, resp, "Location", "")
			if body != internalMessage {
				t.Errorf("body = %q, want %q", body, internalMessage)
			}
		}
	}
}

// TestCallerPages checks page handlers (not server functions) behind the
// plugin: Redirect, Navigate and WantsFragment for every caller kind.
func TestCallerPages(t *testing.T) {
	app := callerApp(t)
	for _, k := range allCallers {
		if k.jsonBody {
			continue // a GET has no body
		}
		t.Run(k.name+"/redirect", func(t *testing.T) {
			resp, body := do(t, app, k.request(http.MethodGet, "/p/redirect"))
			checkVary(t, resp)
			wantHeader(t, resp, "X-Page", "1")
			wantHeader(t, resp, "X-Frame-Options", "DENY")
			checkPageRedirect(t, k, resp, body, "/login", false)
		})
		t.Run(k.name+"/navigate", func(t *testing.T) {
			resp, body := do(t, app, k.request(http.MethodGet, "/p/navigate"))
			checkVary(t, resp)
			checkPageRedirect(t, k, resp, body, "/next", true)
		})
		t.Run(k.name+"/WantsFragment", func(t *testing.T) {
			resp, body := do(t, app, k.request(http.MethodGet, "/p/fragment"))
			checkVary(t, resp)
			if want := strconv.FormatBool(k.kind == htmxPartial); body != want {
				t.Errorf("WantsFragment = %s, want %s", body, want)
			}
		})
	}
}

func checkPageRedirect(t *testing.T, k callerCase, resp *http.Response, body, target string, navigate bool) {
	t.Helper()
	switch k.kind {
	case jsonCaller:
		if resp.StatusCode != 200 {
			t.Errorf("status = %d, want 200", resp.StatusCode)
		}
		wantHeader(t, resp, RedirectHeader, target)
		wantHeader(t, resp, "Location", "")
		wantHeader(t, resp, "HX-Redirect", "")
		if body != "page body" {
			t.Errorf("body = %q, want the page's", body)
		}
	case htmxPartial:
		if resp.StatusCode != 200 {
			t.Errorf("status = %d, want 200", resp.StatusCode)
		}
		wantHeader(t, resp, "Location", "")
		wantHeader(t, resp, RedirectHeader, "")
		if body != "" {
			t.Errorf("body = %q, want none", body)
		}
		if !navigate {
			wantHeader(t, resp, "HX-Redirect", target)
			wantHeader(t, resp, "HX-Location", "")
			return
		}
		wantHeader(t, resp, "HX-Redirect", "")
		var spec struct {
			Path    string            `json:"path"`
			Target  string            `json:"target"`
			Headers map[string]string `json:"headers"`
		}
		if err := json.Unmarshal([]byte(resp.Header.Get("HX-Location")), &spec); err != nil {
			t.Fatalf("HX-Location = %q: %v", resp.Header.Get("HX-Location"), err)
		}
		if spec.Path != target || spec.Target != "body" || spec.Headers["HX-Request-Type"] != "full" {
			t.Errorf("HX-Location = %+v, want path %s, target body, HX-Request-Type: full", spec, target)
		}
	default: // boosted, full, history restore, plain: a real redirect
		if resp.StatusCode != 302 {
			t.Errorf("status = %d, want 302", resp.StatusCode)
		}
		wantHeader(t, resp, "Location", target)
		wantHeader(t, resp, "HX-Redirect", "")
		wantHeader(t, resp, "HX-Location", "")
		wantHeader(t, resp, RedirectHeader, "")
		if body != "" {
			t.Errorf("body = %q, want none", body)
		}
	}
}

// TestCallerRedirectWithoutPlugin checks that Redirect and Navigate say
// the plugin is missing instead of doing nothing.
func TestCallerRedirectWithoutPlugin(t *testing.T) {
	var redirectErr, navigateErr error
	app := setupApp(t, appSetup{noPlugin: true, routes: func(app *fiber.App) {
		app.Get("/", func(c *fiber.Ctx) error {
			redirectErr = Redirect(c, "/login")
			navigateErr = Navigate(c, "/login")
			return c.SendString("page")
		})
	}})
	resp, _ := do(t, app, req{method: http.MethodGet, path: "/"})
	if !errors.Is(redirectErr, ErrNoPlugin) {
		t.Errorf("Redirect without the plugin = %v, want ErrNoPlugin", redirectErr)
	}
	if !errors.Is(navigateErr, ErrNoPlugin) {
		t.Errorf("Navigate without the plugin = %v, want ErrNoPlugin", navigateErr)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Location") != "" {
		t.Errorf("status %d Location %q, want 200 and no redirect", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// TestCallerClassification checks the classification itself, including
// the JSON body with an htmx header (htmx wins) and HX-Request: false.
func TestCallerClassification(t *testing.T) {
	tests := []struct {
		name    string
		headers []string
		kind    bodyKind
		want    caller
	}{
		{"nothing", nil, bodyURLEncoded, plainCaller},
		{"accept json", []string{"Accept", "application/json"}, bodyURLEncoded, jsonCaller},
		{"json body", nil, bodyJSON, jsonCaller},
		{"htmx json body", []string{"HX-Request", "true"}, bodyJSON, htmxPartial},
		{"hx-request false", []string{"HX-Request", "false"}, bodyURLEncoded, plainCaller},
		{"boosted without hx-request", []string{"HX-Boosted", "true"}, bodyURLEncoded, plainCaller},
		{"request type full, any case", []string{"HX-Request", "true", "HX-Request-Type", "Full"}, bodyURLEncoded, htmxFullPage},
		{"restore beats boosted", []string{"HX-Request", "true", "HX-Boosted", "true", "HX-History-Restore-Request", "true"}, bodyNone, historyRestore},
	}
	for _, k := range allCallers {
		kind := bodyURLEncoded
		if k.jsonBody {
			kind = bodyJSON
		}
		tests = append(tests, struct {
			name    string
			headers []string
			kind    bodyKind
			want    caller
		}{k.name, k.headers, kind, k.kind})
	}
	var got caller
	var kind bodyKind
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error {
		var hd reqHeaders
		hd.scan(c)
		got = hd.caller(kind)
		return nil
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := map[string]string{}
			for i := 0; i+1 < len(tt.headers); i += 2 {
				h[tt.headers[i]] = tt.headers[i+1]
			}
			got, kind = 255, tt.kind
			do(t, app, req{method: http.MethodGet, path: "/", headers: h})
			if got != tt.want {
				t.Errorf("caller = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestVaryOnce checks that the plugin names its request headers in Vary
// once per answer, beside a Vary set by earlier middleware, however often
// the answer's shape is asked for.
func TestVaryOnce(t *testing.T) {
	app := setupApp(t, appSetup{
		before: []fiber.Handler{func(c *fiber.Ctx) error {
			c.Vary("Origin")
			return c.Next()
		}},
		register: func(r *Registry) {
			RegisterOn(r, "v_redirect", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				return taskOut(in), Redirect(c, "/x")
			})
		},
		routes: func(app *fiber.App) {
			app.Get("/v", func(c *fiber.Ctx) error {
				WantsFragment(c)
				WantsJSON(c)
				return Redirect(c, "/x")
			})
		},
	})
	for _, r := range []req{
		{path: "/api/v_redirect", body: "title=a", headers: formCT},
		{path: "/api/v_redirect", body: "title=a", headers: htmxForm()},
		{method: http.MethodGet, path: "/v", headers: map[string]string{"HX-Request": "true"}},
		{method: http.MethodGet, path: "/v"},
	} {
		resp, _ := do(t, app, r)
		checkVary(t, resp)
		n := 0
		origin := false
		for _, v := range resp.Header.Values("Vary") {
			n += strings.Count(v, "HX-History-Restore-Request")
			origin = origin || strings.Contains(v, "Origin")
		}
		if n != 1 || !origin {
			t.Errorf("%s %s: Vary = %q, want Origin and the plugin's headers once", r.method, r.path, resp.Header.Values("Vary"))
		}
	}
}
