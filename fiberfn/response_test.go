package fiberfn

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestAppendHeaderKeepsEveryValue(t *testing.T) {
	app, _ := fnApp(t, Config{})
	resp, _ := do(t, app, req{path: "/api/shaped", headers: htmxForm()})
	if got := resp.Header.Values("X-Many"); len(got) != 2 || got[0] != "1" || got[1] != "2" {
		t.Fatalf("X-Many = %q, want [1 2]", got)
	}
}

func TestResponseOptions(t *testing.T) {
	var r ResponseOptions
	r.SetStatus(http.StatusCreated)
	r.InsertHeader("X-One", "a")
	r.InsertHeader("X-One", "b")
	r.AppendHeader("X-Two", "c")
	r.InsertHeader("X-Split\r\nSet-Cookie: evil=1", "v\r\nSet-Cookie: evil=1")
	ck := &fiber.Cookie{Name: "sid", Value: "one"}
	r.SetCookie(ck)
	r.SetCookie(nil)
	ck.Value = "changed after SetCookie"

	if r.Status() != http.StatusCreated {
		t.Errorf("Status() = %d", r.Status())
	}
	if v, ok := r.Header("x-one"); !ok || v != "b" {
		t.Errorf("Header(x-one) = %q, %v; want the last value, any case", v, ok)
	}
	if _, ok := r.Header("X-None"); ok {
		t.Errorf("Header(X-None) found")
	}
	if v, ok := r.Header("X-SplitSet-Cookie: evil=1"); !ok || strings.ContainsAny(v, "\r\n") {
		t.Errorf("CR/LF not removed: %q, %v", v, ok)
	}
	if got := r.Cookies(); len(got) != 1 || got[0].Value != "one" {
		t.Errorf("Cookies() = %+v; want one copy taken at SetCookie", got)
	}
	r.reset()
	if r.Status() != 0 || len(r.Cookies()) != 0 {
		t.Errorf("reset left %d, %v", r.Status(), r.Cookies())
	}
	if _, ok := r.Header("X-One"); ok {
		t.Errorf("reset left headers")
	}
}

// A page handler shapes its response through Response(c) like a server
// function; what it sets is applied after it returns, and wins.
func TestResponseFromPageHandler(t *testing.T) {
	app, _ := testApp(t, Config{}, nil, func(app *fiber.App) {
		app.Get("/missing", func(c *fiber.Ctx) error {
			r := Response(c)
			r.SetStatus(http.StatusNotFound)
			r.InsertHeader("Cache-Control", "no-store")
			r.AppendHeader("X-Trace", "1")
			r.AppendHeader("X-Trace", "2")
			r.SetCookie(&fiber.Cookie{Name: "seen", Value: "yes"})
			return c.Status(http.StatusOK).SendString("not here")
		})
	})
	resp, body := do(t, app, req{method: "GET", path: "/missing"})
	if resp.StatusCode != http.StatusNotFound || body != "not here" {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Cache-Control") != "no-store" || len(resp.Header.Values("X-Trace")) != 2 {
		t.Fatalf("headers %v", resp.Header)
	}
	if sc := resp.Header.Get("Set-Cookie"); !strings.HasPrefix(sc, "seen=yes") {
		t.Fatalf("Set-Cookie %q", sc)
	}
}

// Response works without the plugin (its options are then simply not
// applied) instead of panicking.
func TestResponseWithoutThePlugin(t *testing.T) {
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error {
		Response(c).SetStatus(http.StatusTeapot)
		return c.SendString("ok")
	})
	resp, body := do(t, app, req{method: "GET", path: "/"})
	if resp.StatusCode != http.StatusOK || body != "ok" {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
}
