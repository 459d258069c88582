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
	"time"

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
	withTestClient(hr)
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

// testClient is the client cookie value the tests send where a client
// identity is needed (once-only requests); testClientCookie is its Cookie
// header.
const (
	testClient       = "test-client-0123456789"
	testClientCookie = "fiberfn_client=" + testClient
)

// clientOf returns the client identity a cookie of resp was sealed for:
// the client cookie resp set, else testClient.
func clientOf(resp *http.Response) string {
	for _, ck := range resp.Cookies() {
		if ck.Name == ConfigDefault.ClientCookie || ck.Name == hostPrefix+ConfigDefault.ClientCookie {
			return "c:" + ck.Value
		}
	}
	return "c:" + testClient
}

// noClient is a Cookie header value that keeps do and httpRequest from
// adding testClientCookie: the request comes from a client without one.
const noClient = "none=1"

// withTestClient adds testClientCookie to the request's Cookie header
// unless it names a client cookie already or is noClient: every test
// request comes from one browser that has its client cookie, unless a
// test says otherwise.
func withTestClient(hr *http.Request) {
	ck := hr.Header.Get("Cookie")
	switch {
	case ck == noClient:
		hr.Header.Del("Cookie")
	case strings.Contains(ck, ConfigDefault.ClientCookie+"="):
	case ck == "":
		hr.Header.Set("Cookie", testClientCookie)
	default:
		hr.Header.Set("Cookie", ck+"; "+testClientCookie)
	}
}

// sealForTest seals value for purpose, for the test client, as the plugin
// seals its cookies.
func sealForTest(sg signer, purpose, value string) string {
	return sg.seal(purpose, "c:"+testClient, time.Now().Add(cookieLifetime), value)
}

// alterSignature changes one character inside the signature of a signed
// value (not the last, whose low bits base64 ignores).
func alterSignature(signed string) string {
	i := len(signed) - 10
	c := byte('A')
	if signed[i] == 'A' {
		c = 'B'
	}
	return signed[:i] + string(c) + signed[i+1:]
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
