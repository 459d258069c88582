package fiberfn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestRemoveTarget checks the empty answer that removes the target: a
// 200 with HX-Reswap: delete and only the out-of-band parts for htmx (2
// and 4 send the same headers here), the value for JSON, a redirect back
// for everyone else; and that a failure or a redirect wins over it.
func TestRemoveTarget(t *testing.T) {
	app := setupApp(t, appSetup{register: func(r *Registry) {
		RegisterOn(r, "rm", func(c *fiber.Ctx, in routeIn) (taskOut, error) {
			RemoveTarget(c)
			return taskOut{Title: fmt.Sprint("deleted ", in.ID)}, nil
		}, Route("/rm/:id"), Method("DELETE"))
		RegisterOn(r, "rm_oob", func(c *fiber.Ctx, in routeIn) (taskOut, error) {
			RemoveTarget(c)
			OutOfBand(c, "counts", struct{ Open int }{2})
			return taskOut{}, nil
		}, Route("/rm_oob/:id"), Method("DELETE"), Render("frag"))
		RegisterOn(r, "rm_fail", func(c *fiber.Ctx, in routeIn) (taskOut, error) {
			RemoveTarget(c)
			return taskOut{}, ServerError("Locked.", http.StatusConflict)
		}, Route("/rm_fail/:id"), Method("DELETE"))
	}})
	for _, k := range allCallers {
		t.Run(k.name, func(t *testing.T) {
			resp, body := do(t, app, valuesWhereHTMXSends(k, http.MethodDelete, "/rm/4"))
			checkVary(t, resp)
			switch k.kind {
			case jsonCaller:
				if resp.StatusCode != 200 || resp.Header.Get("HX-Reswap") != "" {
					t.Errorf("got %d HX-Reswap %q", resp.StatusCode, resp.Header.Get("HX-Reswap"))
				}
				wantJSON(t, body, taskOut{Title: "deleted 4"})
			case htmxPartial:
				if resp.StatusCode != 200 || body != "" || resp.Header.Get("HX-Reswap") != "delete" {
					t.Errorf("got %d %q HX-Reswap %q, want an empty 200 that deletes", resp.StatusCode, body, resp.Header.Get("HX-Reswap"))
				}
			default:
				if resp.StatusCode != 302 || resp.Header.Get("Location") != k.back() || resp.Header.Get("HX-Reswap") != "" {
					t.Errorf("got %d to %q", resp.StatusCode, resp.Header.Get("Location"))
				}
			}
		})
	}
	htmx := map[string]string{"HX-Request": "true"}
	resp, body := do(t, app, req{method: "DELETE", path: "/rm_oob/4", headers: htmx})
	if resp.StatusCode != 200 || body != `<span hx-swap-oob="true" id="counts">2 open</span>` || resp.Header.Get("HX-Reswap") != "delete" {
		t.Errorf("with out-of-band parts: %d %q HX-Reswap %q", resp.StatusCode, body, resp.Header.Get("HX-Reswap"))
	}
	resp, body = do(t, app, req{method: "DELETE", path: "/rm_fail/4", headers: htmx})
	if resp.StatusCode != 409 || resp.Header.Get("HX-Reswap") != "innerHTML" || !strings.Contains(body, "Locked.") {
		t.Errorf("failed removal: %d %q HX-Reswap %q, want the error fragment", resp.StatusCode, body, resp.Header.Get("HX-Reswap"))
	}
}

// TestErrorSlotAndEvent checks the default error target (the form's
// slot, else the page's), the fiberfn:error event beside it, and that an
// ErrorTarget or an HX-Retarget set by the function wins.
func TestErrorSlotAndEvent(t *testing.T) {
	app := setupApp(t, appSetup{register: func(r *Registry) {
		RegisterOn(r, "fails", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
			return taskOut{}, ServerError(`Nope <b>"x"</b>.`, http.StatusConflict)
		})
		RegisterOn(r, "fails_targeted", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
			return taskOut{}, ServerError("Nope.", http.StatusConflict)
		}, ErrorTarget("#row-errors", "outerHTML"))
		RegisterOn(r, "fails_retargeted", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
			c.Set("HX-Retarget", "#mine")
			c.Set("HX-Trigger", `{"mine":1}`)
			return taskOut{}, ServerError("Nope.", http.StatusConflict)
		})
	}})
	resp, body := do(t, app, req{path: "/api/fails", body: "title=x", headers: htmxForm()})
	if resp.Header.Get("HX-Retarget") != "find .fiberfn-errors, #fiberfn-errors" || resp.Header.Get("HX-Reswap") != "innerHTML" {
		t.Errorf("default target %q swap %q", resp.Header.Get("HX-Retarget"), resp.Header.Get("HX-Reswap"))
	}
	var trig map[string]errorDetail
	if err := json.Unmarshal([]byte(resp.Header.Get("HX-Trigger")), &trig); err != nil {
		t.Fatalf("HX-Trigger %q: %v", resp.Header.Get("HX-Trigger"), err)
	}
	if d := trig[ErrorEvent]; d.Message != `Nope <b>"x"</b>.` || d.Status != 409 {
		t.Errorf("event detail %+v", d)
	}
	if strings.Contains(body, "<b>") || !strings.Contains(body, html.EscapeString(`Nope <b>"x"</b>.`)) {
		t.Errorf("fragment %q is not the escaped message", body)
	}
	resp, _ = do(t, app, req{path: "/api/fails_targeted", body: "title=x", headers: htmxForm()})
	if resp.Header.Get("HX-Retarget") != "#row-errors" || resp.Header.Get("HX-Reswap") != "outerHTML" || !strings.Contains(resp.Header.Get("HX-Trigger"), ErrorEvent) {
		t.Errorf("ErrorTarget: %q %q %q", resp.Header.Get("HX-Retarget"), resp.Header.Get("HX-Reswap"), resp.Header.Get("HX-Trigger"))
	}
	resp, _ = do(t, app, req{path: "/api/fails_retargeted", body: "title=x", headers: htmxForm()})
	if resp.Header.Get("HX-Retarget") != "#mine" || !strings.Contains(resp.Header.Get("HX-Trigger"), `"mine":1`) || !strings.Contains(resp.Header.Get("HX-Trigger"), ErrorEvent) {
		t.Errorf("function's own headers: %q %q", resp.Header.Get("HX-Retarget"), resp.Header.Get("HX-Trigger"))
	}
	// No event for JSON or page-like callers.
	for _, h := range []map[string]string{jsonAccept(formCT), formCT, withHeaders(formCT, "HX-Request", "true", "HX-Boosted", "true")} {
		resp, _ := do(t, app, req{path: "/api/fails", body: "title=x", headers: h})
		if resp.Header.Get("HX-Trigger") != "" {
			t.Errorf("%v: HX-Trigger %q", h, resp.Header.Get("HX-Trigger"))
		}
	}
}

// TestErrorScriptHandler checks the script's headers and revalidation.
func TestErrorScriptHandler(t *testing.T) {
	app := fiber.New()
	app.Get("/fiberfn.js", ErrorScriptHandler)
	resp, body := do(t, app, req{method: "GET", path: "/fiberfn.js"})
	if resp.StatusCode != 200 || body != ErrorScript || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") {
		t.Fatalf("got %d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, forbidden := range []string{"eval(", "innerHTML", "new Function", ".style"} {
		if strings.Contains(ErrorScript, forbidden) {
			t.Errorf("the script uses %s", forbidden)
		}
	}
	resp, _ = do(t, app, req{method: "GET", path: "/fiberfn.js", headers: map[string]string{"If-None-Match": resp.Header.Get("ETag")}})
	if resp.StatusCode != 304 {
		t.Errorf("revalidation: %d, want 304", resp.StatusCode)
	}
}

// rowComponent is a typed component with templ's method set.
type rowComponent struct{ Title string }

func (r rowComponent) Render(ctx context.Context, w io.Writer) error {
	if ctx == nil {
		return errors.New("no context")
	}
	_, err := io.WriteString(w, "<li>"+html.EscapeString(r.Title)+"</li>")
	return err
}

// TestTypedRenderers checks RenderFunc, PageFunc and an Out that renders
// itself, and their failures.
func TestTypedRenderers(t *testing.T) {
	type page struct{ Rows []string }
	app := setupApp(t, appSetup{register: func(r *Registry) {
		RegisterOn(r, "func", func(c *fiber.Ctx, in taskIn) (taskOut, error) { return taskOut(in), nil },
			RenderFunc(func(c *fiber.Ctx, w io.Writer, out taskOut) error {
				_, err := fmt.Fprintf(w, "<p>%s</p>", html.EscapeString(out.Title))
				return err
			}))
		RegisterOn(r, "component", func(c *fiber.Ctx, in taskIn) (rowComponent, error) { return rowComponent{Title: in.Title}, nil })
		RegisterOn(r, "component_iface", func(c *fiber.Ctx, in taskIn) (Component, error) {
			if in.Title == "" {
				return nil, nil
			}
			return rowComponent{Title: in.Title}, nil
		})
		RegisterOn(r, "pagefunc", func(c *fiber.Ctx, in taskIn) (page, error) { return page{Rows: []string{in.Title}}, nil },
			Method("GET"),
			RenderFunc(func(c *fiber.Ctx, w io.Writer, p page) error {
				_, err := io.WriteString(w, "rows:"+strings.Join(p.Rows, ","))
				return err
			}),
			PageFunc(func(c *fiber.Ctx, w io.Writer, p page) error {
				_, err := io.WriteString(w, "<html>page:"+strings.Join(p.Rows, ",")+"</html>")
				return err
			}))
		RegisterOn(r, "func_fails", func(c *fiber.Ctx, in taskIn) (taskOut, error) { return taskOut(in), nil },
			RenderFunc(func(c *fiber.Ctx, w io.Writer, out taskOut) error {
				_, _ = io.WriteString(w, "<p>half")
				return errors.New("disk on fire")
			}))
	}})
	tests := []struct {
		name   string
		req    req
		status int
		body   string
	}{
		{"RenderFunc", req{path: "/api/func", body: "title=<milk>", headers: htmxForm()}, 200, "<p>&lt;milk&gt;</p>"},
		{"RenderFunc is for htmx only", req{path: "/api/func", body: "title=milk", headers: jsonAccept(formCT)}, 200, `{"title":"milk"}`},
		{"a component Out", req{path: "/api/component", body: "title=<milk>", headers: htmxForm()}, 200, "<li>&lt;milk&gt;</li>"},
		{"a component interface Out", req{path: "/api/component_iface", body: "title=eggs", headers: htmxForm()}, 200, "<li>eggs</li>"},
		{"a nil component renders nothing", req{path: "/api/component_iface", body: "title=", headers: htmxForm()}, 200, ""},
		{"PageFunc for a plain GET", req{method: "GET", path: "/api/pagefunc?title=a"}, 200, "<html>page:a</html>"},
		{"RenderFunc for an htmx GET", req{method: "GET", path: "/api/pagefunc?title=a", headers: map[string]string{"HX-Request": "true"}}, 200, "rows:a"},
		{"a failing RenderFunc is a 500, nothing half-written", req{path: "/api/func_fails", body: "title=x", headers: htmxForm()}, 500, errorFragment(&Error{Message: internalMessage})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, app, tt.req)
			if resp.StatusCode != tt.status || body != tt.body {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.status, tt.body)
			}
		})
	}
}

// TestOneWriterAppliesOptionsEverywhere checks that what a guard set
// through Response reaches every kind of answer the writer writes: a
// value, a redirect, an error, a refusal, a once-only replay and a
// guard's own answer; and that the function's options reach its own.
func TestOneWriterAppliesOptionsEverywhere(t *testing.T) {
	mark := func(c *fiber.Ctx) error {
		Response(c).InsertHeader("X-Guard", "1")
		Response(c).SetCookie(&fiber.Cookie{Name: "g", Value: "1"})
		return nil
	}
	teapot := func(c *fiber.Ctx) error { return c.Status(http.StatusTeapot).SendString("short and stout") }
	app := setupApp(t, appSetup{register: func(r *Registry) {
		RegisterOn(r, "value", func(c *fiber.Ctx, in taskIn) (taskOut, error) { return taskOut(in), nil }, Guard(mark), Render("frag"))
		RegisterOn(r, "redirect", func(c *fiber.Ctx, in taskIn) (taskOut, error) { return taskOut{}, Redirect(c, "/x") }, Guard(mark))
		RegisterOn(r, "error", func(c *fiber.Ctx, in taskIn) (taskOut, error) { return taskOut{}, ServerError("no", 409) }, Guard(mark))
		RegisterOn(r, "once", func(c *fiber.Ctx, in taskIn) (taskOut, error) { return taskOut(in), nil }, Guard(mark), OnceOnly(), Render("frag"))
		RegisterOn(r, "kept", func(c *fiber.Ctx, in taskIn) (taskOut, error) { return taskOut(in), nil }, Guard(mark, teapot))
	}})
	key := withHeaders(htmxForm(), "Idempotency-Key", "k1")
	for _, r := range []req{
		{path: "/api/value", body: "title=a", headers: htmxForm()},
		{path: "/api/redirect", body: "title=a", headers: htmxForm()},
		{path: "/api/error", body: "title=a", headers: htmxForm()},
		{path: "/api/once", body: "title=a", headers: htmxForm()}, // refused: no token
		{path: "/api/once", body: "title=a", headers: key},        // runs
		{path: "/api/once", body: "title=a", headers: key},        // replayed
		{path: "/api/kept", body: "title=a", headers: htmxForm()},
	} {
		resp, body := do(t, app, r)
		if resp.Header.Get("X-Guard") != "1" || cookieNamed(resp, "g") == nil {
			t.Errorf("%s (%d %q): the guard's options are missing: %v", r.path, resp.StatusCode, body, resp.Header)
		}
		checkVary(t, resp)
	}
	resp, body := do(t, app, req{path: "/api/kept", body: "title=a", headers: jsonAccept(formCT)})
	if resp.StatusCode != http.StatusTeapot || body != `{"error":"short and stout"}` {
		t.Errorf("a guard's own 418 for JSON: %d %q", resp.StatusCode, body)
	}
}

// TestPanicGivesBackTheOnceToken checks that a once-only function that
// panics gives its token back, like one that fails: the next request with
// the token runs instead of waiting for a claim nobody holds.
func TestPanicGivesBackTheOnceToken(t *testing.T) {
	n := 0
	app := setupApp(t, appSetup{register: func(r *Registry) {
		RegisterOn(r, "flaky", func(c *fiber.Ctx, in taskIn) (taskOut, error) {
			n++
			if n == 1 {
				panic("first time")
			}
			return taskOut(in), nil
		}, OnceOnly())
	}})
	h := withHeaders(jsonAccept(formCT), "Idempotency-Key", "p1")
	if resp, _ := do(t, app, req{path: "/api/flaky", body: "title=a", headers: h}); resp.StatusCode != 500 {
		t.Fatalf("panic: %d", resp.StatusCode)
	}
	resp, body := do(t, app, req{path: "/api/flaky", body: "title=a", headers: h})
	if resp.StatusCode != 200 || body != `{"title":"a"}` || n != 2 {
		t.Errorf("after the panic: %d %q, %d runs", resp.StatusCode, body, n)
	}
}

// TestPanicDropsWhatTheFunctionSet checks both ways the headers from
// before a function are kept for a panic: with nothing set before (no
// copy is made) and with earlier middleware's headers (copied).
func TestPanicDropsWhatTheFunctionSet(t *testing.T) {
	boom := func(c *fiber.Ctx, in taskIn) (taskOut, error) {
		c.Set("X-Direct", "1")
		c.Set("Content-Type", "application/x-odd")
		c.Cookie(&fiber.Cookie{Name: "direct", Value: "1"})
		c.Status(http.StatusTeapot)
		panic("boom")
	}
	for _, before := range []bool{false, true} {
		s := appSetup{register: func(r *Registry) { RegisterOn(r, "boom", boom) }}
		if before {
			s.before = []fiber.Handler{func(c *fiber.Ctx) error {
				c.Set("X-Before", "kept")
				c.Cookie(&fiber.Cookie{Name: "before", Value: "1"})
				return c.Next()
			}}
		}
		app := setupApp(t, s)
		resp, body := do(t, app, req{path: "/api/boom", body: "title=a", headers: jsonAccept(formCT)})
		if resp.StatusCode != 500 || body != `{"error":"`+internalMessage+`"}` || resp.Header.Get("X-Direct") != "" || cookieNamed(resp, "direct") != nil {
			t.Errorf("before=%v: %d %q %v", before, resp.StatusCode, body, resp.Header)
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			t.Errorf("before=%v: Content-Type %q", before, resp.Header.Get("Content-Type"))
		}
		if before && (resp.Header.Get("X-Before") != "kept" || cookieNamed(resp, "before") == nil) {
			t.Errorf("earlier middleware's header or cookie lost: %v", resp.Header)
		}
		checkVary(t, resp)
	}
}
