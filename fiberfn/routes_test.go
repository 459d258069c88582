package fiberfn

import (
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// routeIn is the input of the routed functions: an id from the path, a
// title from wherever htmx sends it.
type routeIn struct {
	ID    int    `params:"id"`
	Title string `form:"title" json:"title"`
}

// routeApp registers one function per method on /r/:id, a page GET /c
// beside a function POST /c and DELETE /c/:id, and functions sharing
// POST /m with a DELETE reachable by method override.
func routeApp(t testing.TB) *fiber.App {
	t.Helper()
	echo := func(c *fiber.Ctx, in routeIn) (taskOut, error) {
		return taskOut{Title: fmt.Sprintf("%s %d %s", c.Method(), in.ID, in.Title)}, nil
	}
	return setupApp(t, appSetup{register: func(r *Registry) {
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			RegisterOn(r, "r_"+strings.ToLower(m), echo, Route("/r/:id"), Method(m), Render("frag"))
		}
		RegisterOn(r, "c_create", func(c *fiber.Ctx, in taskIn) (taskOut, error) { return taskOut{Title: "created " + in.Title}, nil },
			Route("/c"), Render("frag"))
		RegisterOn(r, "c_delete", echo, Route("/c/:id"), Method("DELETE"), Render("frag"))
		RegisterOn(r, "m_post", func(c *fiber.Ctx, in taskIn) (taskOut, error) { return taskOut{Title: "posted " + in.Title}, nil },
			Route("/m"), Render("frag"))
		RegisterOn(r, "m_delete", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
			return taskOut{Title: c.Method() + " " + in.Title}, nil
		}, Route("/m"), Method("DELETE", "PUT"), Render("frag"))
	}, routes: func(app *fiber.App) {
		app.Get("/c", func(c *fiber.Ctx) error { return c.SendString("the contacts page") })
		app.Get("/c/:id", func(c *fiber.Ctx) error { return c.SendString("contact page " + c.Params("id")) })
		app.Post("/m", func(c *fiber.Ctx) error { return c.SendString("the app's POST /m") })
	}})
}

// valuesWhereHTMXSends builds the request of a caller that htmx (or a
// form, or fetch) makes for method: GET and DELETE carry the values in the
// query string (htmx 2 and htmx 4 alike; htmx 2 still sends the form
// Content-Type with an empty body), the others in the body.
func valuesWhereHTMXSends(k callerCase, method, path string) req {
	r := k.request(http.MethodPost, path)
	r.method = method
	if method == http.MethodGet || method == http.MethodDelete {
		r.path += "?title=milk"
		r.body = ""
		if k.jsonBody { // fetch: no body to say JSON, so Accept does
			delete(r.headers, "Content-Type")
			r.headers["Accept"] = "application/json"
		}
	}
	return r
}

// TestRouteMethods checks that a function answers its own method, with
// its arguments from where htmx sends them, for every kind of caller.
func TestRouteMethods(t *testing.T) {
	app := routeApp(t)
	for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		for _, k := range allCallers {
			t.Run(method+"/"+k.name, func(t *testing.T) {
				resp, body := do(t, app, valuesWhereHTMXSends(k, method, "/r/7"))
				checkVary(t, resp)
				want := method + " 7 milk"
				switch {
				case k.kind == jsonCaller:
					if resp.StatusCode != 200 {
						t.Fatalf("status %d %q", resp.StatusCode, body)
					}
					wantJSON(t, body, taskOut{Title: want})
				case k.kind == htmxPartial:
					if resp.StatusCode != 200 || body != `<li class="task">`+want+`</li>` {
						t.Errorf("got %d %q, want the fragment of %q", resp.StatusCode, body, want)
					}
				default: // no Page: back to the page, as before
					if resp.StatusCode != 302 || resp.Header.Get("Location") != k.back() {
						t.Errorf("got %d to %q, want 302 to %q", resp.StatusCode, resp.Header.Get("Location"), k.back())
					}
				}
			})
		}
	}
}

// TestRouteValuesAsHTMXSendsThem replays the exact shapes of htmx 2's and
// htmx 4's requests for each method (as their sources build them).
func TestRouteValuesAsHTMXSendsThem(t *testing.T) {
	app := routeApp(t)
	var mp strings.Builder
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("title", "milk")
	_ = w.Close()
	htmx2 := map[string]string{"HX-Request": "true"}
	htmx4 := map[string]string{"HX-Request": "true", "HX-Request-Type": "partial", "Accept": "text/html"}
	tests := []struct {
		name string
		req  req
		want string
	}{
		{"htmx 2 GET: query, no body", req{method: "GET", path: "/r/7?title=milk&org.htmx.cache-buster=list", headers: htmx2}, "GET 7 milk"},
		{"htmx 4 GET: query", req{method: "GET", path: "/r/7?title=milk", headers: htmx4}, "GET 7 milk"},
		{"htmx 2 DELETE: query, form type, empty body", req{method: "DELETE", path: "/r/7?title=milk", headers: withHeaders(htmx2, "Content-Type", "application/x-www-form-urlencoded")}, "DELETE 7 milk"},
		{"htmx 4 DELETE: query, no body", req{method: "DELETE", path: "/r/7?title=milk", headers: htmx4}, "DELETE 7 milk"},
		{"htmx 2 PUT: form body", req{method: "PUT", path: "/r/7", body: "title=milk", headers: withHeaders(htmx2, "Content-Type", "application/x-www-form-urlencoded")}, "PUT 7 milk"},
		{"htmx 4 PATCH: form body", req{method: "PATCH", path: "/r/7", body: "title=milk", headers: withHeaders(htmx4, "Content-Type", "application/x-www-form-urlencoded")}, "PATCH 7 milk"},
		{"hx-encoding multipart PUT", req{method: "PUT", path: "/r/7", body: mp.String(), headers: withHeaders(htmx4, "Content-Type", w.FormDataContentType())}, "PUT 7 milk"},
		{"htmx 2 POST to a URL with a query", req{method: "POST", path: "/r/7?title=milk", headers: withHeaders(htmx2, "Content-Type", "application/x-www-form-urlencoded")}, "POST 7 milk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, app, tt.req)
			if want := `<li class="task">` + tt.want + `</li>`; resp.StatusCode != 200 || body != want {
				t.Fatalf("got %d %q, want %q", resp.StatusCode, body, want)
			}
		})
	}
	resp, body := do(t, app, req{method: "PATCH", path: "/r/7", body: `{"title":"milk"}`, headers: jsonCT})
	if resp.StatusCode != 200 {
		t.Fatalf("fetch PATCH with JSON: %d %q", resp.StatusCode, body)
	}
	wantJSON(t, body, taskOut{Title: "PATCH 7 milk"})
}

// TestMethodOverride checks the _method field: a same-origin form post
// reaches a PUT, PATCH or DELETE function; nothing else does.
func TestMethodOverride(t *testing.T) {
	app := routeApp(t)
	var mp strings.Builder
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("_method", "PUT")
	_ = w.WriteField("title", "milk")
	_ = w.Close()
	same := withHeaders(formCT, "Sec-Fetch-Site", "same-origin", "Origin", "http://example.com", "Accept", "application/json")
	tests := []struct {
		name   string
		req    req
		status int
		want   string // the JSON title, or a substring of the body
	}{
		{"form DELETE", req{path: "/r/7", body: "_method=DELETE&title=milk", headers: same}, 200, "DELETE 7 milk"},
		{"form PUT, lower case", req{path: "/r/7", body: "_method=put&title=milk", headers: same}, 200, "PUT 7 milk"},
		{"form PATCH without browser headers (curl)", req{path: "/r/7", body: "_method=PATCH&title=milk", headers: withHeaders(formCT, "Accept", "application/json")}, 200, "PATCH 7 milk"},
		{"multipart PUT", req{path: "/m", body: mp.String(), headers: withHeaders(same, "Content-Type", w.FormDataContentType())}, 200, "PUT milk"},
		{"override beside a POST function on the path", req{path: "/m", body: "_method=DELETE&title=milk", headers: same}, 200, "DELETE milk"},
		{"no override: the POST function", req{path: "/m", body: "title=milk", headers: same}, 200, "posted milk"},
		{"_method=GET never makes a GET", req{path: "/m", body: "_method=GET&title=milk", headers: same}, 200, "posted milk"},
		{"_method=POST is a POST", req{path: "/r/7", body: "_method=POST&title=milk", headers: same}, 200, "POST 7 milk"},
		{"a method the path has no function for stays POST", req{path: "/m", body: "_method=PATCH&title=milk", headers: same}, 200, "posted milk"},
		{"_method in the query is not read", req{path: "/m?_method=DELETE", body: "title=milk", headers: same}, 200, "posted milk"},
		{"_method in JSON is not read", req{path: "/m", body: `{"_method":"DELETE","title":"milk"}`, headers: withHeaders(jsonCT, "Sec-Fetch-Site", "same-origin")}, 200, "posted milk"},
		{"cross-site form", req{path: "/r/7", body: "_method=DELETE&title=milk", headers: withHeaders(formCT, "Sec-Fetch-Site", "cross-site", "Origin", "http://evil.example", "Accept", "application/json")}, 403, "Cross-origin"},
		{"same-site form", req{path: "/r/7", body: "_method=DELETE&title=milk", headers: withHeaders(formCT, "Sec-Fetch-Site", "same-site", "Origin", "http://a.example.com", "Accept", "application/json")}, 403, "Cross-origin"},
		{"foreign Origin", req{path: "/r/7", body: "_method=DELETE&title=milk", headers: withHeaders(formCT, "Origin", "http://evil.example", "Accept", "application/json")}, 403, "Cross-origin"},
		{"sent twice", req{path: "/r/7", body: "_method=DELETE&_method=PUT&title=milk", headers: same}, 400, `"_method":"must be sent only once"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, app, tt.req)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d %q, want %d", resp.StatusCode, body, tt.status)
			}
			if tt.status == 200 {
				wantJSON(t, body, taskOut{Title: tt.want})
			} else if !strings.Contains(body, tt.want) {
				t.Errorf("body %q lacks %q", body, tt.want)
			}
		})
	}
	// A GET form never overrides: GET /c/7?_method=DELETE is the app's page.
	resp, body := do(t, app, req{method: "GET", path: "/c/7?_method=DELETE"})
	if resp.StatusCode != 200 || body != "contact page 7" {
		t.Errorf("GET with _method: %d %q, want the page", resp.StatusCode, body)
	}
	// The trusted origins of Config do not extend to method override.
	trusted := setupApp(t, appSetup{cfg: Config{TrustedOrigins: []string{"https://partner.example"}}, register: func(r *Registry) {
		RegisterOn(r, "d", func(c *fiber.Ctx, in struct{}) (string, error) { return c.Method(), nil }, Route("/d"), Method("POST", "DELETE"))
	}})
	partner := withHeaders(formCT, "Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example", "Accept", "application/json")
	if resp, body := do(t, trusted, req{path: "/d", body: "x=1", headers: partner}); resp.StatusCode != 200 || body != `"POST"` {
		t.Errorf("trusted partner's POST: %d %q", resp.StatusCode, body)
	}
	if resp, _ := do(t, trusted, req{path: "/d", body: "_method=DELETE", headers: partner}); resp.StatusCode != 403 {
		t.Errorf("trusted partner's override: %d, want 403", resp.StatusCode)
	}
}

// TestRoutesDoNotShadow checks that a function answers only its methods on
// its path: the app's page GET /c lives beside POST /c and DELETE /c/:id,
// and the rest is Fiber's 405 with Allow.
func TestRoutesDoNotShadow(t *testing.T) {
	app := routeApp(t)
	tests := []struct {
		name         string
		req          req
		status       int
		body, allows string
	}{
		{"page GET /c", req{method: "GET", path: "/c"}, 200, "the contacts page", ""},
		{"function POST /c", req{path: "/c", body: "title=milk", headers: htmxForm()}, 200, `<li class="task">created milk</li>`, ""},
		{"page GET /c/3", req{method: "GET", path: "/c/3"}, 200, "contact page 3", ""},
		{"function DELETE /c/3", req{method: "DELETE", path: "/c/3?title=milk", headers: map[string]string{"HX-Request": "true"}}, 200, `<li class="task">DELETE 3 milk</li>`, ""},
		{"PATCH /c: no route", req{method: "PATCH", path: "/c"}, 405, "", "GET, HEAD, POST"},
		// POST: the route that lets a form reach DELETE with _method.
		{"PUT /c/3: no route", req{method: "PUT", path: "/c/3"}, 405, "", "GET, HEAD, POST, DELETE"},
		{"the function's POST /m runs before the app's, registered after Mount", req{path: "/m", body: "title=milk", headers: htmxForm()}, 200, `<li class="task">posted milk</li>`, ""},
		{"a HEAD of a GET function", req{method: "HEAD", path: "/r/7?title=milk", headers: map[string]string{"HX-Request": "true"}}, 200, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, app, tt.req)
			if resp.StatusCode != tt.status || (tt.body != "" && body != tt.body) {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
			if resp.Header.Get("Allow") != tt.allows {
				t.Errorf("Allow = %q, want %q", resp.Header.Get("Allow"), tt.allows)
			}
		})
	}
}

// TestRouteParams checks that params fields are filled from the path,
// unescaped, and that a bad value is a 400 naming the field in every
// caller's shape.
func TestRouteParams(t *testing.T) {
	type slugIn struct {
		Slug string `params:"slug"`
		Tab  string `params:"tab"`
	}
	type fileIn struct {
		Path string `params:"*"`
	}
	app := setupApp(t, appSetup{register: func(r *Registry) {
		RegisterOn(r, "by_id", func(c *fiber.Ctx, in routeIn) (int, error) { return in.ID, nil }, Route("/n/:id"), ReadOnly())
		RegisterOn(r, "by_slug", func(c *fiber.Ctx, in slugIn) (string, error) { return in.Slug + "|" + in.Tab, nil }, Route("/s/:slug/:tab?"), ReadOnly())
		RegisterOn(r, "by_file", func(c *fiber.Ctx, in fileIn) (string, error) { return in.Path, nil }, Route("/f/*"), ReadOnly())
		RegisterOn(r, "by_int", func(c *fiber.Ctx, in routeIn) (int, error) { return in.ID, nil }, Route("/i/:id<int>"), ReadOnly())
	}})
	j := map[string]string{"Accept": "application/json"}
	tests := []struct {
		path   string
		status int
		body   string
	}{
		{"/n/7", 200, "7"},
		{"/n/%37", 200, "7"},
		{"/n/-3", 200, "-3"},
		{"/n/abc", 400, `{"error":"Invalid value for field \"id\": must be a whole number.","fields":{"id":"must be a whole number"}}`},
		{"/n/99999999999999999999", 400, `"id":"is out of range"`},
		{"/n/%zz", 400, `"id":"is not a valid URL path segment"`},
		{"/s/a%2Fb", 200, `"a/b|"`},
		{"/s/caf%C3%A9/notes", 200, `"café|notes"`},
		{"/s/%3Cb%3E%22", 200, `"\u003cb\u003e\"|"`},
		{"/f/a/b%20c.txt", 200, `"a/b c.txt"`},
		{"/i/12", 200, "12"},
		{"/i/x", 404, ""}, // the constraint: no route
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			status, body := doRaw(app, "GET", tt.path, j)
			if status != tt.status || !strings.Contains(body, tt.body) {
				t.Errorf("got %d %q, want %d %q", status, body, tt.status, tt.body)
			}
		})
	}
	// A bad value is answered in each caller's shape, naming the field.
	for _, k := range allCallers {
		t.Run("bad value/"+k.name, func(t *testing.T) {
			r := k.request(http.MethodPost, "/n/abc")
			resp, body := do(t, app, r)
			switch {
			case k.kind == jsonCaller:
				if resp.StatusCode != 400 || !strings.Contains(body, `"id":"must be a whole number"`) {
					t.Errorf("got %d %q", resp.StatusCode, body)
				}
			case k.kind == htmxPartial:
				if resp.StatusCode != 400 || !strings.Contains(body, `data-field="id"`) {
					t.Errorf("got %d %q", resp.StatusCode, body)
				}
			default:
				f := flashOf(t, resp)
				if resp.StatusCode != 302 || f == nil || f.Fields["id"] != "must be a whole number" {
					t.Errorf("got %d, flash %+v", resp.StatusCode, f)
				}
			}
		})
	}
}

// TestURL checks Fn.URL, Registry.URL and fnURL: values path-escaped, a
// wrong number of arguments refused, and every value round-trips through
// a request to the same function.
func TestURL(t *testing.T) {
	type echoIn struct {
		A string `params:"a"`
		B string `params:"b"`
	}
	var echo *Fn[echoIn, string]
	var file *Fn[struct {
		P string `params:"*"`
	}, string]
	reg := NewRegistry()
	app := setupApp(t, appSetup{register: func(r *Registry) {
		reg = r
		echo = RegisterOn(r, "echo", func(c *fiber.Ctx, in echoIn) (string, error) { return in.A + "|" + in.B, nil },
			Route("/e/:a/x-:b"), ReadOnly())
		file = RegisterOn(r, "file", func(c *fiber.Ctx, in struct {
			P string `params:"*"`
		}) (string, error) {
			return in.P, nil
		}, Route("/files/*"), ReadOnly())
		RegisterOn(r, "opt", func(c *fiber.Ctx, in struct{}) (string, error) { return "", nil }, Route("/o/:tab?"), ReadOnly())
	}})
	if echo.Path() != "/e/:a/x-:b" {
		t.Errorf("Path = %q, want the pattern", echo.Path())
	}
	for _, v := range []string{"plain", "a b", "a/b", "a%2Fb", "../..", "?x=1#f", "café", "<script>", `"'`, "a+b", "%", "-", "."} {
		u, err := echo.URL(v, v)
		if err != nil {
			t.Fatalf("URL(%q): %v", v, err)
		}
		if strings.ContainsAny(u[3:], "?# ") || strings.Count(u, "/") != 3 {
			t.Errorf("URL(%q) = %q: not one escaped segment each", v, u)
		}
		resp, body := do(t, app, req{method: "GET", path: u, headers: map[string]string{"Accept": "application/json"}})
		if resp.StatusCode != 200 {
			t.Errorf("GET %s (%q): %d %q", u, v, resp.StatusCode, body)
			continue
		}
		wantJSON(t, body, v+"|"+v)
	}
	if u, _ := file.URL("docs/a b.txt"); u != "/files/docs/a%20b.txt" {
		t.Errorf("wildcard URL = %q", u)
	}
	type name struct{ s string }
	tests := []struct {
		name string
		args []any
		want string
		err  string
	}{
		{"echo", []any{7, int64(-2)}, "/e/7/x--2", ""},
		{"echo", []any{uint8(3), true}, "/e/3/x-true", ""},
		{"echo", []any{1.5, fmt.Stringer(stringer("s t"))}, "/e/1.5/x-s%20t", ""},
		{"echo", []any{"a"}, "", "takes 2 URL argument(s) (a, b), got 1"},
		{"echo", []any{"a", "b", "c"}, "", "got 3"},
		{"echo", []any{"", "b"}, "", "is empty"},
		{"echo", []any{name{"x"}, "b"}, "", "cannot be written in a URL"},
		{"echo", []any{nil, "b"}, "", "nil value"},
		{"opt", []any{""}, "/o/", ""},
		{"opt", []any{"notes"}, "/o/notes", ""},
		{"nope", nil, "", `no server function named "nope"`},
	}
	for _, tt := range tests {
		got, err := reg.URL(tt.name, tt.args...)
		if tt.err == "" && (err != nil || got != tt.want) {
			t.Errorf("URL(%s, %v) = %q, %v; want %q", tt.name, tt.args, got, err, tt.want)
		}
		if tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("URL(%s, %v) = %q, %v; want an error with %q", tt.name, tt.args, got, err, tt.err)
		}
	}
	// In templates: fnURL, and a failed render for a wrong arity.
	fm := FuncMap(reg)
	fnURL := fm["fnURL"].(func(string, ...any) (string, error))
	if u, err := fnURL("echo", "a b", 5); err != nil || u != "/e/a%20b/x-5" {
		t.Errorf("fnURL = %q, %v", u, err)
	}
	if _, err := fnURL("echo", 5); err == nil {
		t.Errorf("fnURL with one argument for two: no error")
	}
}

type stringer string

func (s stringer) String() string { return string(s) }
