package fiberfn

import (
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"
)

type addInput struct {
	Title string `form:"title" json:"title"`
	Done  bool   `form:"done" json:"done"`
	N     int    `form:"n" json:"n"`
}

type task struct {
	Title string `json:"title"`
	Done  bool   `json:"done"`
	N     int    `json:"n"`
}

type loginInput struct {
	Username string `form:"username"`
	Password string `form:"password"`
	Pin      string `form:"pin"`
}

// fnApp registers the functions the plugin tests call and counts calls.
func fnApp(t testing.TB, cfg Config) (*fiber.App, *atomic.Int64) {
	var calls atomic.Int64
	app, _ := testApp(t, cfg, func(r *Registry) {
		RegisterOn(r, "add", func(c *fiber.Ctx, in addInput) (task, error) {
			calls.Add(1)
			return task(in), nil
		}, Render("task"))
		RegisterOn(r, "add_form", func(c *fiber.Ctx, in addInput) (task, error) {
			calls.Add(1)
			if strings.TrimSpace(in.Title) == "" {
				return task{}, FieldErrors{"title": "Title must not be empty."}
			}
			return task{Title: in.Title}, nil
		}, Render("task"), ErrorTemplate("form"), ErrorTarget("closest form", "outerHTML"))
		RegisterOn(r, "plain", func(c *fiber.Ctx, in struct{}) (struct{}, error) {
			calls.Add(1)
			return struct{}{}, nil
		})
		RegisterOn(r, "user_error", func(c *fiber.Ctx, in addInput) (struct{}, error) {
			calls.Add(1)
			return struct{}{}, ServerError("That title is <taken>.", http.StatusConflict)
		})
		RegisterOn(r, "internal", func(c *fiber.Ctx, in struct{}) (struct{}, error) {
			calls.Add(1)
			return struct{}{}, errors.New("db: password=hunter2 refused")
		})
		RegisterOn(r, "fiber_error", func(c *fiber.Ctx, in struct{}) (struct{}, error) {
			calls.Add(1)
			return struct{}{}, fiber.NewError(http.StatusTeapot, "I'm a teapot")
		})
		RegisterOn(r, "panics", func(c *fiber.Ctx, in struct{}) (struct{}, error) {
			calls.Add(1)
			panic("boom: secret detail")
		})
		RegisterOn(r, "redir", func(c *fiber.Ctx, in struct{}) (struct{}, error) {
			calls.Add(1)
			Response(c).SetCookie(&fiber.Cookie{Name: "sid", Value: "abc"})
			return struct{}{}, Redirect(c, "/done")
		})
		RegisterOn(r, "nav", func(c *fiber.Ctx, in struct{}) (struct{}, error) {
			calls.Add(1)
			return struct{}{}, Navigate(c, "/next")
		})
		RegisterOn(r, "evil_redir", func(c *fiber.Ctx, in struct{}) (struct{}, error) {
			calls.Add(1)
			return struct{}{}, Redirect(c, "//evil.example/")
		})
		RegisterOn(r, "shaped", func(c *fiber.Ctx, in struct{}) (task, error) {
			calls.Add(1)
			res := Response(c)
			res.SetStatus(http.StatusCreated)
			res.InsertHeader("X-One", "a")
			res.InsertHeader("X-One", "b")
			res.AppendHeader("X-Many", "1")
			res.AppendHeader("X-Many", "2")
			res.SetCookie(&fiber.Cookie{Name: "k", Value: "v"})
			return task{Title: "made"}, nil
		}, Render("task"))
		RegisterOn(r, "search", func(c *fiber.Ctx, in addInput) (task, error) {
			calls.Add(1)
			return task{Title: "found " + in.Title}, nil
		}, ReadOnly(), Render("task"))
		RegisterOn(r, "login", func(c *fiber.Ctx, in loginInput) (struct{}, error) {
			calls.Add(1)
			return struct{}{}, ServerError("Invalid username or password.", http.StatusUnauthorized)
		}, Sensitive("pin"))
		RegisterOn(r, "fallback", func(c *fiber.Ctx, in addInput) (struct{}, error) {
			calls.Add(1)
			if in.Title == "" {
				return struct{}{}, FieldErrors{"title": "required"}
			}
			return struct{}{}, nil
		}, FallbackPage("/tasks"))
		RegisterOn(r, "small", func(c *fiber.Ctx, in addInput) (struct{}, error) {
			calls.Add(1)
			return struct{}{}, nil
		}, BodyLimit(16))
	}, func(app *fiber.App) {
		app.Get("/page", func(c *fiber.Ctx) error {
			Response(c).SetStatus(http.StatusNotFound)
			Response(c).InsertHeader("X-Page", "yes")
			return c.Render("page", fiber.Map{"Title": "Missing"})
		})
	})
	return app, &calls
}

type want struct {
	status    int
	headers   map[string]string // "" means the header must be absent
	contains  []string
	excludes  []string
	calls     int64
	setCookie string // a substring of Set-Cookie
}

func TestServerFunctionWireContract(t *testing.T) {
	long := strings.Repeat("x", 40)
	tests := []struct {
		name string
		req  req
		want want
	}{
		{"form post redirects back to same-origin referer",
			req{path: "/api/add", body: "title=milk&n=2", headers: withHeaders(formCT, "Referer", "http://example.com/tasks?filter=open")},
			want{status: 302, headers: map[string]string{"Location": "/tasks?filter=open", "Vary": varyValue}, calls: 1}},
		{"form post with foreign referer redirects to /",
			req{path: "/api/add", body: "title=milk", headers: withHeaders(formCT, "Referer", "http://evil.example/x")},
			want{status: 302, headers: map[string]string{"Location": "/"}, calls: 1}},
		{"plain post without Referer goes to the fallback page",
			req{path: "/api/fallback", body: "title=a", headers: formCT},
			want{status: 302, headers: map[string]string{"Location": "/tasks"}, calls: 1}},
		{"failed plain post without Referer goes to the fallback page with a flash",
			req{path: "/api/fallback", body: "title=", headers: formCT},
			want{status: 302, headers: map[string]string{"Location": "/tasks"}, setCookie: "fiberfn_flash=", calls: 1}},
		{"htmx caller gets the rendered fragment without layout",
			req{path: "/api/add", body: "title=<b>milk</b>", headers: htmxForm()},
			want{status: 200, contains: []string{`<li id="task">&lt;b&gt;milk&lt;/b&gt;</li>`}, excludes: []string{"<html>"}, headers: map[string]string{"Vary": varyValue, "Location": ""}, calls: 1}},
		{"htmx caller with nothing to render gets 204",
			req{path: "/api/plain", headers: htmxForm()},
			want{status: 204, calls: 1}},
		{"json caller gets json",
			req{path: "/api/add", body: `{"title":"milk","done":true,"n":3}`, headers: jsonCT},
			want{status: 200, contains: []string{`{"title":"milk","done":true,"n":3}`}, calls: 1}},
		{"multipart form decodes",
			req{path: "/api/add", body: "--B\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nmulti\r\n--B--\r\n", headers: map[string]string{"Content-Type": "multipart/form-data; boundary=B", "HX-Request": "true"}},
			want{status: 200, contains: []string{">multi<"}, calls: 1}},
		{"status, headers and cookies set by the function are applied",
			req{path: "/api/shaped", headers: htmxForm()},
			want{status: 201, headers: map[string]string{"X-One": "b"}, contains: []string{"made"}, setCookie: "k=v", calls: 1}},
		{"redirect for a plain request is 302 + Location",
			req{path: "/api/redir", headers: formCT},
			want{status: 302, headers: map[string]string{"Location": "/done", "HX-Redirect": ""}, setCookie: "sid=abc", calls: 1}},
		{"redirect for htmx is 200 + HX-Redirect, no Location",
			req{path: "/api/redir", headers: htmxForm()},
			want{status: 200, headers: map[string]string{"HX-Redirect": "/done", "Location": "", "Vary": varyValue}, setCookie: "sid=abc", calls: 1}},
		{"navigate for htmx is HX-Location to the full page",
			req{path: "/api/nav", headers: htmxForm()},
			want{status: 200, headers: map[string]string{"HX-Location": `{"path":"/next","target":"body","headers":{"HX-Request-Type":"full"}}`, "HX-Redirect": ""}, calls: 1}},
		{"location for plain is 302",
			req{path: "/api/nav", headers: formCT},
			want{status: 302, headers: map[string]string{"Location": "/next"}, calls: 1}},
		{"refused redirect target never reaches a header",
			req{path: "/api/evil_redir", headers: jsonCT},
			want{status: 500, headers: map[string]string{"Location": ""}, excludes: []string{"evil"}, calls: 1}},
		{"read-only function answers GET with query arguments",
			req{method: "GET", path: "/api/search?title=abc", headers: map[string]string{"HX-Request": "true"}},
			want{status: 200, contains: []string{"found abc"}, calls: 1}},
		{"GET on a POST-only function is 405 with Allow",
			req{method: "GET", path: "/api/add?title=abc"},
			want{status: 405, headers: map[string]string{"Allow": "POST"}, calls: 0}},
		{"DELETE on a read-only function is 405",
			req{method: "DELETE", path: "/api/search"},
			want{status: 405, headers: map[string]string{"Allow": "GET, HEAD, POST"}, calls: 0}},
		{"malformed number is 400 naming the field",
			req{path: "/api/add", body: "title=a&n=many", headers: jsonAccept(formCT)},
			want{status: 400, contains: []string{`"fields":{"n":"must be a whole number"}`, `field \"n\"`}, calls: 0}},
		{"malformed bool is 400 naming the field",
			req{path: "/api/add", body: "done=maybe", headers: jsonAccept(formCT)},
			want{status: 400, contains: []string{`"done"`}, calls: 0}},
		{"out of range number is 400",
			req{path: "/api/add", body: "n=99999999999999999999999", headers: jsonAccept(formCT)},
			want{status: 400, contains: []string{"out of range"}, calls: 0}},
		{"malformed JSON is 400",
			req{path: "/api/add", body: `{"title":`, headers: jsonCT},
			want{status: 400, contains: []string{"Malformed JSON"}, calls: 0}},
		{"mistyped JSON is 400 naming the field",
			req{path: "/api/add", body: `{"n":"three"}`, headers: jsonCT},
			want{status: 400, contains: []string{`"fields":{"n":`}, calls: 0}},
		{"unsupported content type is 415",
			req{path: "/api/add", body: "<x/>", headers: map[string]string{"Content-Type": "application/xml"}},
			want{status: 415, contains: []string{"Unsupported content type"}, calls: 0}},
		{"compressed body is 415",
			req{path: "/api/add", body: "xx", headers: withHeaders(formCT, "Content-Encoding", "gzip")},
			want{status: 415, calls: 0}},
		{"body over the function's limit is 413",
			req{path: "/api/small", body: "title=" + long, headers: formCT},
			want{status: 413, calls: 0}},
		{"cross-site browser post is 403",
			req{path: "/api/add", body: "title=x", headers: withHeaders(formCT, "Sec-Fetch-Site", "cross-site", "Origin", "http://evil.example")},
			want{status: 403, calls: 0}},
		{"same-site (other subdomain) browser post is 403",
			req{path: "/api/add", body: "title=x", headers: withHeaders(formCT, "Sec-Fetch-Site", "same-site", "Origin", "http://a.example.com")},
			want{status: 403, calls: 0}},
		{"foreign Origin without Sec-Fetch-Site is 403",
			req{path: "/api/add", body: "title=x", headers: withHeaders(formCT, "Origin", "http://evil.example")},
			want{status: 403, calls: 0}},
		{"matching Origin passes",
			req{path: "/api/add", body: "title=x", headers: withHeaders(formCT, "Origin", "http://example.com")},
			want{status: 302, calls: 1}},
		{"same-origin Sec-Fetch-Site passes",
			req{path: "/api/add", body: "title=x", headers: withHeaders(formCT, "Sec-Fetch-Site", "same-origin", "Origin", "http://example.com")},
			want{status: 302, calls: 1}},
		{"user error keeps its status and message (json)",
			req{path: "/api/user_error", body: "title=x", headers: jsonAccept(formCT)},
			want{status: 409, contains: []string{`"error":"That title is \u003ctaken\u003e."`}, calls: 1}},
		{"user error for htmx is an escaped fragment retargeted to the error slot",
			req{path: "/api/user_error", body: "title=x", headers: htmxForm()},
			want{status: 409, headers: map[string]string{"HX-Retarget": "find .fiberfn-errors, #fiberfn-errors", "HX-Reswap": "innerHTML"}, contains: []string{"That title is &lt;taken&gt;."}, excludes: []string{"<taken>"}, calls: 1}},
		{"field errors for htmx re-render the form with the input kept",
			req{path: "/api/add_form", body: "title=+++&n=4", headers: htmxForm()},
			want{status: 422, headers: map[string]string{"HX-Retarget": "closest form", "HX-Reswap": "outerHTML"}, contains: []string{`<form id="f">`, "Please correct the highlighted fields.", "Title must not be empty.", `value="   "`}, calls: 1}},
		{"fiber errors keep code and message",
			req{path: "/api/fiber_error", headers: jsonCT},
			want{status: 418, contains: []string{"I&#39;m a teapot", "I'm a teapot"}[1:], calls: 1}},
		{"internal errors are a generic 500 without details",
			req{path: "/api/internal", headers: jsonCT},
			want{status: 500, contains: []string{internalMessage}, excludes: []string{"hunter2", "db:"}, calls: 1}},
		{"panic is a 500 for that request only",
			req{path: "/api/panics", headers: htmxForm()},
			want{status: 500, contains: []string{"Something went wrong"}, excludes: []string{"boom", "secret"}, calls: 1}},
		{"unknown path under the prefix falls through to the app",
			req{path: "/api/nope", headers: formCT},
			want{status: 404, calls: 0}},
		{"page handlers get their response options applied",
			req{method: "GET", path: "/page"},
			want{status: 404, headers: map[string]string{"X-Page": "yes"}, contains: []string{"<h1>Missing</h1>"}, calls: 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, calls := fnApp(t, Config{})
			if tt.req.headers == nil {
				tt.req.headers = map[string]string{}
			}
			if _, ok := tt.req.headers["Host"]; !ok {
				tt.req.headers = withHeaders(tt.req.headers, "Host", "example.com")
			}
			resp, body := do(t, app, tt.req)
			checkResponse(t, resp, body, tt.want)
			if got := calls.Load(); got != tt.want.calls {
				t.Errorf("function called %d times, want %d", got, tt.want.calls)
			}
		})
	}
}

func jsonAccept(h map[string]string) map[string]string {
	return withHeaders(h, "Accept", "application/json")
}

func checkResponse(t *testing.T, resp *http.Response, body string, w want) {
	t.Helper()
	if resp.StatusCode != w.status {
		t.Errorf("status = %d, want %d; body %q", resp.StatusCode, w.status, body)
	}
	for k, v := range w.headers {
		got := resp.Header.Get(k)
		if v == "" && got != "" {
			t.Errorf("header %s = %q, want none", k, got)
		}
		if v != "" && got != v {
			t.Errorf("header %s = %q, want %q", k, got, v)
		}
	}
	for _, s := range w.contains {
		if !strings.Contains(body, s) {
			t.Errorf("body %q does not contain %q", body, s)
		}
	}
	for _, s := range w.excludes {
		if strings.Contains(body, s) {
			t.Errorf("body %q contains %q", body, s)
		}
	}
	if w.setCookie != "" && !strings.Contains(strings.Join(resp.Header.Values("Set-Cookie"), "\n"), w.setCookie) {
		t.Errorf("Set-Cookie %q does not contain %q", resp.Header.Values("Set-Cookie"), w.setCookie)
	}
}

func TestPlainFormErrorCarriesMessageAndValuesOnce(t *testing.T) {
	app, _ := testApp(t, Config{}, func(r *Registry) {
		RegisterOn(r, "login", func(c *fiber.Ctx, in loginInput) (struct{}, error) {
			return struct{}{}, ServerError("Invalid username or password.", http.StatusUnauthorized)
		}, Sensitive("pin"))
	}, func(app *fiber.App) {
		app.Get("/login", func(c *fiber.Ctx) error {
			f := Flash(c).For("login")
			msg := ""
			if f != nil {
				msg = f.Message
			}
			return c.SendString("msg=" + msg + ";user=" + f.Value("username") + ";pw=" + f.Value("password") + ";pin=" + f.Value("pin"))
		})
	})
	resp, _ := do(t, app, req{path: "/api/login", body: "username=ann&password=hunter22&pin=1234",
		headers: withHeaders(formCT, "Referer", "http://example.com/login", "Host", "example.com")})
	if resp.StatusCode != 302 || resp.Header.Get("Location") != "/login" {
		t.Fatalf("got %d to %q, want 302 to /login", resp.StatusCode, resp.Header.Get("Location"))
	}
	var flash string
	for _, ck := range resp.Cookies() {
		if ck.Name == "fiberfn_flash" {
			flash = ck.Value
		}
	}
	if flash == "" || strings.Contains(flash, "hunter22") {
		t.Fatalf("flash cookie %q missing or leaks the password", flash)
	}
	resp, body := do(t, app, req{method: "GET", path: "/login", headers: map[string]string{"Cookie": "fiberfn_flash=" + flash}})
	if want := "msg=Invalid username or password.;user=ann;pw=;pin="; body != want {
		t.Fatalf("page = %q, want %q", body, want)
	}
	if sc := strings.Join(resp.Header.Values("Set-Cookie"), ";"); !strings.Contains(sc, "fiberfn_flash=;") {
		t.Fatalf("flash not cleared after reading: Set-Cookie %q", sc)
	}
	_, body = do(t, app, req{method: "GET", path: "/login"})
	if body != "msg=;user=;pw=;pin=" {
		t.Fatalf("second page = %q, want no flash", body)
	}
}

func TestPanicDoesNotStopServing(t *testing.T) {
	app, calls := fnApp(t, Config{})
	for i := 0; i < 3; i++ {
		resp, _ := do(t, app, req{path: "/api/panics", headers: formCT})
		if resp.StatusCode != 500 {
			t.Fatalf("panic answered %d, want 500", resp.StatusCode)
		}
	}
	resp, _ := do(t, app, req{path: "/api/add", body: "title=a", headers: htmxForm()})
	if resp.StatusCode != 200 || calls.Load() != 4 {
		t.Fatalf("after panics: status %d, calls %d", resp.StatusCode, calls.Load())
	}
}

func TestNextSkipsThePlugin(t *testing.T) {
	app, calls := fnApp(t, Config{Next: func(c *fiber.Ctx) bool { return true }})
	resp, _ := do(t, app, req{path: "/api/add", body: "title=a", headers: formCT})
	if resp.StatusCode != 404 || calls.Load() != 0 {
		t.Fatalf("with Next skipping: status %d, calls %d; want 404, 0", resp.StatusCode, calls.Load())
	}
}
