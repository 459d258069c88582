package fiberfn

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// oobApp registers functions that add out-of-band parts, and a page that
// does.
func oobApp(t testing.TB) *fiber.App {
	counts := fiber.Map{"Open": 3}
	return setupApp(t, appSetup{
		register: func(r *Registry) {
			RegisterOn(r, "oob_toggle", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				OutOfBand(c, "counts", counts)
				return taskOut(in), nil
			}, Render("frag"))
			RegisterOn(r, "oob_two", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				OutOfBand(c, "commented", counts)
				OutOfBand(c, "ownoob", counts)
				return taskOut(in), nil
			}, Render("frag"))
			RegisterOn(r, "oob_only", func(c *fiber.Ctx, in taskIn) (struct{}, error) {
				OutOfBand(c, "counts", counts)
				return struct{}{}, nil
			})
			RegisterOn(r, "oob_fail", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				OutOfBand(c, "counts", counts)
				return taskOut{}, ServerError("No such task.", http.StatusNotFound)
			}, Render("frag"))
			RegisterOn(r, "oob_missing", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
				OutOfBand(c, "no_such_template", counts)
				return taskOut(in), nil
			}, Render("frag"))
		},
		routes: func(app *fiber.App) {
			app.Get("/p/oob", func(c *fiber.Ctx) error {
				OutOfBand(c, "counts", counts)
				c.Type("html")
				return c.SendString("<main>page</main>")
			})
		},
	})
}

const (
	oobCounts    = `<span hx-swap-oob="true" id="counts">3 open</span>`
	oobFragment  = `<li class="task">milk</li>`
	oobCommented = "\n  \n  <span hx-swap-oob=\"true\" id=\"counts\">3</span>" // html/template drops the comment
	oobOwn       = `<div id="log" hx-swap-oob="beforeend">3</div>`
)

// TestOutOfBand checks who gets out-of-band parts: htmx partial callers
// of a successful function or page, nobody else, no error answer.
func TestOutOfBand(t *testing.T) {
	app := oobApp(t)
	htmx2 := htmxForm()
	htmx4 := htmxForm("HX-Request-Type", "partial", "HX-Source", "button#t")
	tests := []struct {
		name   string
		req    req
		status int
		body   string
	}{
		{"htmx2 fragment and oob", req{path: "/api/oob_toggle", body: "title=milk", headers: htmx2}, 200, oobFragment + oobCounts},
		{"htmx4 fragment and oob", req{path: "/api/oob_toggle", body: "title=milk", headers: htmx4}, 200, oobFragment + oobCounts},
		{"whitespace skipped, own hx-swap-oob kept", req{path: "/api/oob_two", body: "title=milk", headers: htmx4}, 200, oobFragment + oobCommented + oobOwn},
		{"oob without a Render", req{path: "/api/oob_only", body: "title=milk", headers: htmx2}, 200, oobCounts},
		{"plain", req{path: "/api/oob_toggle", body: "title=milk", headers: formCT}, 302, ""},
		{"boosted", req{path: "/api/oob_toggle", body: "title=milk", headers: htmxForm("HX-Boosted", "true")}, 302, ""},
		{"json", req{path: "/api/oob_toggle", body: `{"title":"milk"}`, headers: jsonCT}, 200, `{"title":"milk"}`},
		{"htmx error", req{path: "/api/oob_fail", body: "title=milk", headers: htmx2}, 404, errorFragment(&Error{Message: "No such task."})},
		{"json error", req{path: "/api/oob_fail", body: `{"title":"milk"}`, headers: jsonCT}, 404, `{"error":"No such task."}`},
		{"missing template", req{path: "/api/oob_missing", body: "title=milk", headers: htmx2}, 500, errorFragment(&Error{Message: internalMessage})},
		{"page, htmx2 partial", req{method: http.MethodGet, path: "/p/oob", headers: map[string]string{"HX-Request": "true"}}, 200, "<main>page</main>" + oobCounts},
		{"page, htmx4 partial", req{method: http.MethodGet, path: "/p/oob", headers: map[string]string{"HX-Request": "true", "HX-Request-Type": "partial"}}, 200, "<main>page</main>" + oobCounts},
		{"page, plain", req{method: http.MethodGet, path: "/p/oob"}, 200, "<main>page</main>"},
		{"page, htmx4 full", req{method: http.MethodGet, path: "/p/oob", headers: map[string]string{"HX-Request": "true", "HX-Request-Type": "full"}}, 200, "<main>page</main>"},
		{"page, history restore", req{method: http.MethodGet, path: "/p/oob", headers: map[string]string{"HX-History-Restore-Request": "true", "HX-Request-Type": "full"}}, 200, "<main>page</main>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, app, tt.req)
			if resp.StatusCode != tt.status || body != tt.body {
				t.Errorf("got %d %q\nwant %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
			if strings.HasPrefix(tt.name, "page") {
				checkVary(t, resp)
			}
		})
	}
}

func TestMarkOOB(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<div id="a">x</div>`, `<div hx-swap-oob="true" id="a">x</div>`},
		{`<h2>Counts</h2>`, `<h2 hx-swap-oob="true">Counts</h2>`},
		{`<custom-el id="a"></custom-el>`, `<custom-el hx-swap-oob="true" id="a"></custom-el>`},
		{"<div\nid=\"a\">", "<div hx-swap-oob=\"true\"\nid=\"a\">"},
		{`<br/>`, `<br hx-swap-oob="true"/>`},
		{"  \n\t<p id=\"p\">", "  \n\t<p hx-swap-oob=\"true\" id=\"p\">"},
		{`<!-- c --><div id="a">`, `<!-- c --><div hx-swap-oob="true" id="a">`},
		{`<!-- <div id="x"> --> <span id="s">`, `<!-- <div id="x"> --> <span hx-swap-oob="true" id="s">`},
		{`<!--a--><!--b--><i>`, `<!--a--><!--b--><i hx-swap-oob="true">`},
		{`<!doctype html><p>`, `<!doctype html><p hx-swap-oob="true">`},
		{`</div><p>`, `</div><p hx-swap-oob="true">`},
		{`<div id="a"><p hx-swap-oob="true"></p></div>`, `<div hx-swap-oob="true" id="a"><p hx-swap-oob="true"></p></div>`},
		{`<div id="a" hx-swap-oob="outerHTML:#b">`, `<div id="a" hx-swap-oob="outerHTML:#b">`},
		{`<div HX-SWAP-OOB="innerHTML">`, `<div HX-SWAP-OOB="innerHTML">`},
		{`<div data-hx-swap-oob="true">`, `<div data-hx-swap-oob="true">`},
		{`<div title="a > b" hx-swap-oob="innerHTML">`, `<div title="a > b" hx-swap-oob="innerHTML">`},
		{`<div title='>' hx-swap-oob="innerHTML">`, `<div title='>' hx-swap-oob="innerHTML">`},
		{`text only`, `text only`},
		{``, ``},
		{`<!-- unterminated <div>`, `<!-- unterminated <div>`},
		{`a < b`, `a < b`},
		{`<div id="a"`, `<div hx-swap-oob="true" id="a"`},
	}
	for _, tt := range tests {
		if got := string(markOOB([]byte(tt.in))); got != tt.want {
			t.Errorf("markOOB(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
