package fiberfn

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestRegisterRejectsMistakes(t *testing.T) {
	ok := func(c *fiber.Ctx, in struct{}) (struct{}, error) { return struct{}{}, nil }
	tests := []struct {
		name  string
		reg   func(r *Registry)
		panic string
	}{
		{"duplicate name", func(r *Registry) { RegisterOn(r, "a", ok); RegisterOn(r, "a", ok, Route("/other")) }, `"a" is already registered`},
		{"duplicate method and path", func(r *Registry) { RegisterOn(r, "a", ok); RegisterOn(r, "b", ok, Route("/api/a")) }, `"a" and "b" both claim POST /api/a`},
		{"duplicate route with other parameter names and a trailing slash", func(r *Registry) {
			RegisterOn(r, "a", ok, Route("/c/:id"), Method("DELETE"))
			RegisterOn(r, "b", ok, Route("/C/:cid/"), Method("PUT", "DELETE"))
		}, `"a" and "b" both claim DELETE /C/:cid/`},
		{"GET claims HEAD too", func(r *Registry) {
			RegisterOn(r, "a", ok, Route("/x"), ReadOnly())
			RegisterOn(r, "b", ok, Route("/x"), Method("GET"))
		}, `"a" and "b" both claim GET /x`},
		{"unknown method", func(r *Registry) { RegisterOn(r, "a", ok, Method("OPTIONS")) }, "a server function answers GET, POST, PUT, PATCH or DELETE"},
		{"no method", func(r *Registry) { RegisterOn(r, "a", ok, Method()) }, "at least one method"},
		{"once-only GET", func(r *Registry) { RegisterOn(r, "a", ok, Method("GET"), OnceOnly()) }, "OnceOnly needs a method"},
		{"page without GET", func(r *Registry) { RegisterOn(r, "a", ok, Page("page")) }, "Page needs"},
		{"params tag without the parameter", func(r *Registry) {
			RegisterOn(r, "p", func(c *fiber.Ctx, in struct {
				ID int `params:"id"`
			}) (struct{}, error) {
				return struct{}{}, nil
			}, Route("/p/:pid"))
		}, `params:"id", but the route has no such parameter`},
		{"params tag on a slice", func(r *Registry) {
			RegisterOn(r, "p", func(c *fiber.Ctx, in struct {
				IDs []int `params:"id"`
			}) (struct{}, error) {
				return struct{}{}, nil
			}, Route("/p/:id"))
		}, "cannot be decoded from a route parameter"},
		{"unnamed parameter", func(r *Registry) { RegisterOn(r, "a", ok, Route("/a/:/b")) }, "a parameter without a name"},
		{"RenderFunc of another type", func(r *Registry) {
			RegisterOn(r, "r", func(c *fiber.Ctx, in struct{}) (int, error) { return 1, nil },
				RenderFunc(func(c *fiber.Ctx, w io.Writer, s string) error { return nil }))
		}, "RenderFunc writes a string, but the function returns a int"},
		{"Render and RenderFunc", func(r *Registry) {
			RegisterOn(r, "r", func(c *fiber.Ctx, in struct{}) (int, error) { return 1, nil }, Render("x"),
				RenderFunc(func(c *fiber.Ctx, w io.Writer, n int) error { return nil }))
		}, "Render and RenderFunc both given"},
		{"nil guard", func(r *Registry) { RegisterOn(r, "g", ok, Guard(nil)) }, "Guard 1 is nil"},
		{"bad name", func(r *Registry) { RegisterOn(r, "a b", ok) }, "a name is"},
		{"bad path", func(r *Registry) { RegisterOn(r, "a", ok, Route("api/a")) }, "must start with /"},
		{"non-struct input", func(r *Registry) {
			RegisterOn(r, "s", func(c *fiber.Ctx, in string) (struct{}, error) { return struct{}{}, nil })
		}, "must be a struct"},
		{"undecodable tagged field", func(r *Registry) {
			RegisterOn(r, "m", func(c *fiber.Ctx, in struct {
				M map[string]string `form:"m"`
			}) (struct{}, error) {
				return struct{}{}, nil
			})
		}, "cannot be decoded from a form"},
		{"nil function", func(r *Registry) { RegisterOn[struct{}, struct{}](r, "n", nil) }, "nil function"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), tt.panic) {
					t.Fatalf("panic %v, want one containing %q", r, tt.panic)
				}
			}()
			tt.reg(NewRegistry())
		})
	}
}

func TestCustomPathAndCall(t *testing.T) {
	reg := NewRegistry()
	fn := RegisterOn(reg, "double", func(c *fiber.Ctx, in struct{ N int }) (int, error) { return in.N * 2, nil }, Route("/rpc/double"))
	if fn.Path() != "/rpc/double" || fn.Name() != "double" {
		t.Fatalf("path %q name %q", fn.Path(), fn.Name())
	}
	if got, err := fn.Call(nil, struct{ N int }{N: 21}); err != nil || got != 42 {
		t.Fatalf("Call = %d, %v", got, err)
	}
	if p, ok := reg.Path("double"); !ok || p != "/rpc/double" {
		t.Fatalf("Registry.Path = %q, %v", p, ok)
	}
	app := fiber.New()
	Mount(app, Config{Registry: reg})
	resp, err := app.Test(httptestJSON("/rpc/double", `{"N":4}`), -1)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %v, %v", resp, err)
	}
}

// Registering from several goroutines is safe (run with -race), and
// registering on a mounted registry panics: its function would have no
// route.
func TestRegisterConcurrentlyThenMount(t *testing.T) {
	reg := NewRegistry()
	echo := func(c *fiber.Ctx, in struct {
		N int `form:"n"`
	}) (int, error) {
		return in.N, nil
	}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				RegisterOn(reg, fmt.Sprintf("f%d_%d", g, i), echo)
				reg.Path("f0_0")
			}
		}()
	}
	wg.Wait()
	app := fiber.New()
	Mount(app, Config{Registry: reg})
	for g := 0; g < 4; g++ {
		for i := 0; i < 25; i++ {
			name := fmt.Sprintf("f%d_%d", g, i)
			resp, body := do(t, app, req{path: "/api/" + name, body: "n=7", headers: withHeaders(formCT, "Accept", "application/json")})
			if resp.StatusCode != http.StatusOK || body != "7" {
				t.Fatalf("%s: status %d body %q", name, resp.StatusCode, body)
			}
		}
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "already mounted") {
				t.Errorf("register after Mount: panic %v, want one saying the registry is mounted", r)
			}
		}()
		RegisterOn(reg, "late", echo)
	}()
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "already mounted on this app") {
				t.Errorf("second Mount: panic %v, want one saying so", r)
			}
		}()
		Mount(app, Config{Registry: reg})
	}()
}

// Register uses the default registry, which Mount serves when
// Config.Registry is nil.
// defaultRegistryApp registers on the process-wide default registry and
// mounts it once, however often TestRegisterOnTheDefaultRegistry runs
// (go test -count=N): a mounted registry takes no new names.
var defaultRegistryApp = sync.OnceValues(func() (*fiber.App, *Fn[struct{}, string]) {
	fn := Register("default_registry_test_fn", func(c *fiber.Ctx, in struct{}) (string, error) { return "from the default registry", nil })
	app := fiber.New()
	Mount(app)
	return app, fn
})

func TestRegisterOnTheDefaultRegistry(t *testing.T) {
	app, fn := defaultRegistryApp()
	name := "default_registry_test_fn"
	if p, ok := defaultRegistry.Path(name); !ok || p != fn.Path() || p != "/api/"+name {
		t.Fatalf("defaultRegistry.Path = %q, %v", p, ok)
	}
	resp, body := do(t, app, req{path: fn.Path(), headers: map[string]string{"Accept": "application/json"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "from the default registry") {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
}

// A plugin from New whose registry has functions that were never mounted
// on the app fails every request loudly (a 500 and a log line), instead
// of answering the functions' paths with 404s.
func TestNewWithoutMountFailsLoudly(t *testing.T) {
	reg := NewRegistry()
	RegisterOn(reg, "f", func(c *fiber.Ctx, in struct{}) (struct{}, error) { return struct{}{}, nil })
	var logs strings.Builder
	app := fiber.New()
	app.Use(New(Config{Registry: reg, Logger: slog.New(slog.NewTextHandler(&logs, nil))}))
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("page") })
	for _, r := range []req{{path: "/api/f"}, {method: http.MethodGet, path: "/"}, {method: http.MethodGet, path: "/"}} {
		resp, body := do(t, app, r)
		if resp.StatusCode != http.StatusInternalServerError || strings.Contains(body, "Mount") {
			t.Errorf("%s %s: %d %q, want a 500 that does not explain itself to the client", r.method, r.path, resp.StatusCode, body)
		}
	}
	if n := strings.Count(logs.String(), "fiberfn.Mount(app, cfg)"); n != 1 {
		t.Errorf("the log says how to fix it %d times, want once: %s", n, logs.String())
	}
	// An empty registry needs no Mount: New serves pages.
	page := fiber.New()
	page.Use(New(Config{Registry: NewRegistry()}))
	page.Get("/", func(c *fiber.Ctx) error { return Redirect(c, "/next") })
	if resp, _ := do(t, page, req{method: http.MethodGet, path: "/"}); resp.StatusCode != http.StatusFound {
		t.Errorf("page-only plugin: %d, want 302", resp.StatusCode)
	}
}
