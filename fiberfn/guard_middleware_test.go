package fiberfn

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/basicauth"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// TestGuardFiberMiddleware checks that Fiber's own middleware guards one
// function: limiter.New allows two calls, then its 429 is answered in
// each caller's shape (Retry-After kept), and other functions on the
// registry are not limited.
func TestGuardFiberMiddleware(t *testing.T) {
	var calls atomic.Int64
	for _, k := range allCallers {
		t.Run(k.name, func(t *testing.T) {
			app := setupApp(t, appSetup{register: func(r *Registry) {
				limit := limiter.New(limiter.Config{Max: 2, Expiration: time.Minute})
				fn := func(c *fiber.Ctx, in taskIn) (taskOut, error) { calls.Add(1); return taskOut(in), nil }
				RegisterOn(r, "limited", fn, Guard(limit), Render("frag"))
				RegisterOn(r, "free", fn, Render("frag"))
			}})
			calls.Store(0)
			for i := 0; i < 2; i++ {
				if resp, body := do(t, app, k.request(http.MethodPost, "/api/limited")); resp.StatusCode >= 400 {
					t.Fatalf("call %d: %d %q", i+1, resp.StatusCode, body)
				}
			}
			resp, body := do(t, app, k.request(http.MethodPost, "/api/limited"))
			checkVary(t, resp)
			if calls.Load() != 2 {
				t.Errorf("the function ran %d times, want 2", calls.Load())
			}
			if resp.Header.Get("Retry-After") == "" {
				t.Errorf("Retry-After is missing: %v", resp.Header)
			}
			switch k.kind {
			case jsonCaller:
				if resp.StatusCode != 429 || body != `{"error":"Too Many Requests"}` {
					t.Errorf("got %d %q", resp.StatusCode, body)
				}
			case htmxPartial:
				if resp.StatusCode != 429 || !strings.Contains(body, "Too Many Requests") || resp.Header.Get("HX-Retarget") == "" {
					t.Errorf("got %d %q HX-Retarget %q", resp.StatusCode, body, resp.Header.Get("HX-Retarget"))
				}
			default:
				f := flashOf(t, resp)
				if resp.StatusCode != 302 || resp.Header.Get("Location") != k.back() || f == nil || f.Status != 429 || f.Message != "Too Many Requests" || f.Value("title") != "milk" {
					t.Errorf("got %d to %q, flash %+v", resp.StatusCode, resp.Header.Get("Location"), f)
				}
			}
			if resp, _ := do(t, app, k.request(http.MethodPost, "/api/free")); resp.StatusCode >= 400 {
				t.Errorf("an unguarded function: %d", resp.StatusCode)
			}
		})
	}
}

// TestGuardMiddlewareKinds checks middleware that runs around the
// function (it sees the answer's status), answers with a redirect, asks
// for credentials, or serves an answer of its own; mixed with checks.
func TestGuardMiddlewareKinds(t *testing.T) {
	var after atomic.Int64
	var order []string
	around := func(name string) fiber.Handler {
		return func(c *fiber.Ctx) error {
			order = append(order, name+">")
			err := c.Next()
			order = append(order, "<"+name)
			after.Store(int64(c.Response().StatusCode()))
			return err
		}
	}
	check := func(name string) fiber.Handler {
		return func(c *fiber.Ctx) error { order = append(order, name); return nil }
	}
	toLogin := func(c *fiber.Ctx) error { return c.Redirect("/login?next=x", http.StatusSeeOther) }
	offsite := func(c *fiber.Ctx) error { return c.Redirect("https://evil.example/", http.StatusFound) }
	cached := func(c *fiber.Ctx) error { return c.Status(200).SendString("<li>from cache</li>") }
	auth := basicauth.New(basicauth.Config{Users: map[string]string{"ann": "pw"}})
	app := setupApp(t, appSetup{register: func(r *Registry) {
		fn := func(c *fiber.Ctx, in taskIn) (taskOut, error) {
			order = append(order, "fn")
			if in.Title == "fail" {
				return taskOut{}, ServerError("No.", http.StatusConflict)
			}
			return taskOut(in), nil
		}
		RegisterOn(r, "around", fn, Guard(check("a"), around("m"), check("b")), Guard(around("n")), Render("frag"))
		RegisterOn(r, "login", fn, Guard(toLogin))
		RegisterOn(r, "offsite", fn, Guard(offsite))
		RegisterOn(r, "cached", fn, Guard(cached), Render("frag"))
		RegisterOn(r, "auth", fn, Guard(auth), Render("frag"))
	}})
	htmx := htmxForm()
	resp, body := do(t, app, req{path: "/api/around", body: "title=milk", headers: htmx})
	if got := strings.Join(order, " "); resp.StatusCode != 200 || got != "a m> b n> fn <n <m" || after.Load() != 200 {
		t.Errorf("around: %d %q, order %q, middleware saw %d", resp.StatusCode, body, got, after.Load())
	}
	order = nil
	resp, _ = do(t, app, req{path: "/api/around", body: "title=fail", headers: htmx})
	if resp.StatusCode != 409 || after.Load() != 409 {
		t.Errorf("around a failure: %d, middleware saw %d, want 409 both", resp.StatusCode, after.Load())
	}
	order = nil

	tests := []struct {
		name    string
		req     req
		status  int
		headers map[string]string
		body    string
	}{
		{"a redirect, htmx", req{path: "/api/login", body: "title=a", headers: htmx}, 200, map[string]string{"HX-Redirect": "/login?next=x", "Location": ""}, ""},
		{"a redirect, plain, keeps its 303", req{path: "/api/login", body: "title=a", headers: formCT}, 303, map[string]string{"Location": "/login?next=x"}, ""},
		{"a redirect, JSON", req{path: "/api/login", body: "title=a", headers: jsonAccept(formCT)}, 200, map[string]string{RedirectHeader: "/login?next=x", "Location": ""}, ""},
		{"an off-site redirect stays as the middleware wrote it", req{path: "/api/offsite", body: "title=a", headers: htmx}, 302, map[string]string{"Location": "https://evil.example/", "HX-Redirect": ""}, ""},
		{"a cached answer is kept", req{path: "/api/cached", body: "title=a", headers: htmx}, 200, map[string]string{"HX-Retarget": ""}, "<li>from cache</li>"},
		{"a credentials prompt is kept", req{path: "/api/auth", body: "title=a", headers: formCT}, 401, map[string]string{"WWW-Authenticate": "basic realm=Restricted", "Location": ""}, "Unauthorized"},
		{"credentials pass", req{path: "/api/auth", body: "title=a", headers: withHeaders(htmx, "Authorization", "Basic YW5uOnB3")}, 200, nil, `<li class="task">a</li>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			order = nil
			resp, body := do(t, app, tt.req)
			if resp.StatusCode != tt.status || body != tt.body {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
			for k, v := range tt.headers {
				wantHeader(t, resp, k, v)
			}
			if tt.status != 200 || tt.body == "<li>from cache</li>" {
				if len(order) > 0 {
					t.Errorf("the function ran: %v", order)
				}
			}
		})
	}
}
