package fiberfn

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
	"github.com/valyala/fasthttp"
)

// testViews are the templates the tests render through a real html/v2 engine.
var testViews = fstest.MapFS{
	"task.html":      {Data: []byte(`<li id="task">{{ .Title }}</li>`)},
	"form.html":      {Data: []byte(`<form id="f"><p class="msg">{{ .Message }}</p><input name="title" value="{{ .Value "title" }}"><span>{{ .Error "title" }}</span></form>`)},
	"page.html":      {Data: []byte(`<h1>{{ .Title }}</h1>`)},
	"layouts/x.html": {Data: []byte(`<html>{{ embed }}</html>`)},
}

// testApp is a Fiber app with the plugin on its own registry.
func testApp(t testing.TB, cfg Config, register func(r *Registry), routes func(app *fiber.App)) (*fiber.App, *Registry) {
	t.Helper()
	reg := NewRegistry()
	if register != nil {
		register(reg)
	}
	engine := html.NewFileSystem(http.FS(testViews), ".html")
	engine.AddFuncMap(FuncMap(reg))
	app := fiber.New(fiber.Config{Views: engine, DisableStartupMessage: true})
	cfg.Registry = reg
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	Mount(app, cfg)
	if routes != nil {
		routes(app)
	}
	return app, reg
}

// req describes one test request.
type req struct {
	method, path, body string
	headers            map[string]string
}

// Common header sets.
var (
	formCT = map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	jsonCT = map[string]string{"Content-Type": "application/json", "Accept": "application/json"}
)

func withHeaders(base map[string]string, kv ...string) map[string]string {
	h := map[string]string{}
	for k, v := range base {
		h[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		h[kv[i]] = kv[i+1]
	}
	return h
}

func htmxForm(kv ...string) map[string]string {
	return withHeaders(formCT, append([]string{"HX-Request", "true"}, kv...)...)
}

// do sends r to app and returns the response and its body.
func do(t testing.TB, app *fiber.App, r req) (*http.Response, string) {
	t.Helper()
	if r.method == "" {
		r.method = http.MethodPost
	}
	hr := httptest.NewRequest(r.method, r.path, strings.NewReader(r.body))
	for k, v := range r.headers {
		if strings.EqualFold(k, "Host") {
			hr.Host = v
			continue
		}
		hr.Header.Set(k, v)
	}
	resp, err := app.Test(hr, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", r.method, r.path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// fasthttpCtx is a bare request context for tests that drive a decoder
// without a server.
type fasthttpCtx = fasthttp.RequestCtx

func httptestJSON(path, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return r
}

// decodeForm fills in from url-encoded arguments alone (a form body), as
// a request's decoding does.
func (d *decoder) decodeForm(in reflect.Value, args *fasthttp.Args) error {
	var seen seenSet
	var errs fieldErrs
	d.decodeArgs(in, args, d.formKeys, d.form, &seen, &errs)
	return errs.asError()
}

// doRaw sends a request whose URI net/http would refuse to build (a bad
// escape, say) straight to the app's handler.
func doRaw(app *fiber.App, method, uri string, headers map[string]string) (int, string) {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod(method)
	ctx.Request.SetRequestURI(uri)
	ctx.Request.Header.SetHost("example.com")
	for k, v := range headers {
		ctx.Request.Header.Set(k, v)
	}
	app.Handler()(&ctx)
	return ctx.Response.StatusCode(), string(ctx.Response.Body())
}
