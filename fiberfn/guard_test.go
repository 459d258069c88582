package fiberfn

import (
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/gofiber/fiber/v2"
)

type guardIn struct {
	Title string `form:"title" json:"title"`
	N     int    `form:"n" json:"n"`
}

// guardApp registers guarded functions; calls counts the runs of their
// bodies, trail records which guards ran.
func guardApp(t testing.TB) (*fiber.App, *atomic.Int64, *guardTrail) {
	var calls atomic.Int64
	trail := &guardTrail{}
	fn := func(c *fiber.Ctx, in guardIn) (taskOut, error) {
		calls.Add(1)
		return taskOut{Title: in.Title}, nil
	}
	refuse := func(c *fiber.Ctx) error {
		Response(c).InsertHeader("WWW-Authenticate", `Session realm="tasks"`)
		return ServerError("Log in first.", http.StatusUnauthorized)
	}
	toLogin := func(c *fiber.Ctx) error {
		if err := Redirect(c, "/login"); err != nil {
			return err
		}
		return ServerError("Log in first.", http.StatusUnauthorized)
	}
	step := func(name string, pass bool) func(*fiber.Ctx) error {
		return func(c *fiber.Ctx) error {
			trail.add(name)
			if !pass {
				return ServerError("Refused by "+name+".", http.StatusForbidden)
			}
			return nil
		}
	}
	app := setupApp(t, appSetup{register: func(r *Registry) {
		RegisterOn(r, "g_refuse", fn, Guard(refuse), Render("frag"))
		RegisterOn(r, "g_login", fn, Guard(toLogin), Render("frag"))
		RegisterOn(r, "g_order", fn, Guard(step("a", true), step("b", true)), Guard(step("c", false), step("d", true)), Render("frag"))
		RegisterOn(r, "g_pass", fn, Guard(step("p", true)), Render("frag"))
		validated := func(c *fiber.Ctx, in validatedIn) (taskOut, error) {
			calls.Add(1)
			return taskOut{Title: in.Title}, nil
		}
		RegisterOn(r, "g_refuse_validated", validated, Guard(refuse))
		RegisterOn(r, "g_pass_validated", validated, Guard(step("v", true)))
	}})
	return app, &calls, trail
}

// validatedIn needs a title.
type validatedIn struct {
	Title string `form:"title" json:"title"`
}

func (in *validatedIn) Validate() error {
	if in.Title == "" {
		return FieldErrors{"title": "required"}
	}
	return nil
}

type guardTrail struct {
	mu    sync.Mutex
	steps []string
}

func (g *guardTrail) add(s string) {
	g.mu.Lock()
	g.steps = append(g.steps, s)
	g.mu.Unlock()
}

func (g *guardTrail) take() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := strings.Join(g.steps, "")
	g.steps = nil
	return s
}

// TestGuardRefusal checks that a guard's refusal goes through the
// per-caller error answers, and that a guard that redirects sends browsers
// to its target.
func TestGuardRefusal(t *testing.T) {
	app, calls, _ := guardApp(t)
	referer := "http://example.com/tasks"
	jsonReq := func(path string) req {
		return req{path: path, body: `{"title":"milk"}`, headers: jsonCT}
	}
	formReq := func(path string, kv ...string) req {
		return req{path: path, body: "title=milk", headers: withHeaders(formCT, append([]string{"Referer", referer}, kv...)...)}
	}
	tests := []struct {
		name     string
		req      req
		status   int
		headers  map[string]string // "" means absent
		body     string            // exact, when not ""
		flashMsg string            // the flash cookie's message, when one is wanted
	}{
		{"refuse json", jsonReq("/api/g_refuse"), 401,
			map[string]string{"WWW-Authenticate": `Session realm="tasks"`, RedirectHeader: "", "Location": ""},
			`{"error":"Log in first."}`, ""},
		{"refuse htmx2", formReq("/api/g_refuse", "HX-Request", "true"), 401,
			map[string]string{"WWW-Authenticate": `Session realm="tasks"`, "HX-Retarget": "find .fiberfn-errors, #fiberfn-errors", "HX-Redirect": ""},
			errorFragment(&Error{Message: "Log in first."}), ""},
		{"refuse htmx4", formReq("/api/g_refuse", "HX-Request", "true", "HX-Request-Type", "partial"), 401,
			map[string]string{"HX-Retarget": "find .fiberfn-errors, #fiberfn-errors"},
			errorFragment(&Error{Message: "Log in first."}), ""},
		{"refuse plain", formReq("/api/g_refuse"), 302,
			map[string]string{"Location": "/tasks", "WWW-Authenticate": `Session realm="tasks"`}, "", "Log in first."},
		{"refuse boosted", formReq("/api/g_refuse", "HX-Request", "true", "HX-Boosted", "true"), 302,
			map[string]string{"Location": "/tasks", "HX-Retarget": ""}, "", "Log in first."},
		{"login json", jsonReq("/api/g_login"), 401,
			map[string]string{RedirectHeader: "/login", "Location": "", "HX-Redirect": ""},
			`{"error":"Log in first."}`, ""},
		{"login htmx2", formReq("/api/g_login", "HX-Request", "true"), 200,
			map[string]string{"HX-Redirect": "/login", "Location": "", "HX-Retarget": ""}, "", ""},
		{"login htmx4", formReq("/api/g_login", "HX-Request", "true", "HX-Request-Type", "partial"), 200,
			map[string]string{"HX-Redirect": "/login", "Location": ""}, "", ""},
		{"login plain", formReq("/api/g_login"), 302,
			map[string]string{"Location": "/login", "HX-Redirect": ""}, "", ""},
		{"login htmx4 boosted", formReq("/api/g_login", "HX-Request", "true", "HX-Boosted", "true", "HX-Request-Type", "full"), 302,
			map[string]string{"Location": "/login", "HX-Redirect": ""}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, app, tt.req)
			if resp.StatusCode != tt.status {
				t.Errorf("status = %d, want %d (body %q)", resp.StatusCode, tt.status, body)
			}
			checkVary(t, resp)
			for k, v := range tt.headers {
				wantHeader(t, resp, k, v)
			}
			if tt.body != "" && body != tt.body {
				t.Errorf("body = %q, want %q", body, tt.body)
			}
			if tt.body == "" && body != "" {
				t.Errorf("body = %q, want none", body)
			}
			flash := flashOf(t, resp)
			switch {
			case tt.flashMsg == "" && flash != nil:
				t.Errorf("flash = %+v, want none", flash)
			case tt.flashMsg != "" && flash == nil:
				t.Errorf("no flash, want %q", tt.flashMsg)
			case flash != nil && (flash.Message != tt.flashMsg || flash.Status != http.StatusUnauthorized || flash.Value("title") != "milk"):
				t.Errorf("flash = %+v, want message %q and the title carried", flash, tt.flashMsg)
			}
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("a refused function ran %d times", n)
	}
}

// TestGuardOrder checks that guards run in the order given, across Guard
// options, and stop at the first refusal; and that they run after the
// arguments are decoded (a malformed or duplicated field is a 400 before
// any guard reads the request) and before the input's Validate.
func TestGuardOrder(t *testing.T) {
	app, calls, trail := guardApp(t)
	resp, body := do(t, app, req{path: "/api/g_order", body: `{"title":"milk"}`, headers: jsonCT})
	if resp.StatusCode != http.StatusForbidden || body != `{"error":"Refused by c."}` {
		t.Errorf("g_order: %d %q, want 403 from guard c", resp.StatusCode, body)
	}
	if got := trail.take(); got != "abc" {
		t.Errorf("guards ran %q, want abc (in order, none after the refusal)", got)
	}

	// A malformed or duplicated argument: the decoder answers, and no
	// guard sees the request.
	for _, r := range []req{
		{path: "/api/g_refuse", body: `{"title":`, headers: jsonCT},
		{path: "/api/g_refuse", body: "n=not-a-number", headers: withHeaders(formCT, "Accept", "application/json")},
		{path: "/api/g_pass?title=decoy", body: "title=milk", headers: withHeaders(formCT, "Accept", "application/json")},
		{path: "/api/g_pass", body: "title=milk&title=decoy", headers: withHeaders(formCT, "Accept", "application/json")},
	} {
		resp, body := do(t, app, r)
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("malformed %s %q: %d %q, want the decoder's 400", r.path, r.body, resp.StatusCode, body)
		}
	}
	if got := trail.take(); got != "" {
		t.Errorf("guards ran %q for malformed requests, want none", got)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the function ran %d times", n)
	}
	// A refusing guard answers before the input's Validate: a caller it
	// refuses learns nothing of the input's rules.
	resp, body = do(t, app, req{path: "/api/g_refuse_validated", body: `{"title":""}`, headers: jsonCT})
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("refusing guard before Validate: %d %q, want the guard's 401", resp.StatusCode, body)
	}
	resp, _ = do(t, app, req{path: "/api/g_pass_validated", body: `{"title":""}`, headers: jsonCT})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("Validate behind a passing guard: %d, want 422", resp.StatusCode)
	}
	trail.take()
	resp, body = do(t, app, req{path: "/api/g_pass", body: `{"title":"milk"}`, headers: jsonCT})
	if resp.StatusCode != 200 || body != `{"title":"milk"}` || calls.Load() != 1 {
		t.Errorf("passing guard: %d %q after %d calls, want 200 and one call", resp.StatusCode, body, calls.Load())
	}
}
