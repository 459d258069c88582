package fiberfn

import (
	"fmt"
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
		{"duplicate path", func(r *Registry) { RegisterOn(r, "a", ok); RegisterOn(r, "b", ok, Route("/api/a")) }, `path /api/a is already used by "a"`},
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
	app.Use(New(Config{Registry: reg}))
	resp, err := app.Test(httptestJSON("/rpc/double", `{"N":4}`), -1)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %v, %v", resp, err)
	}
}

// Registering while requests are served is safe: the registry is copied on
// write and read without locks (run with -race).
func TestRegisterWhileServing(t *testing.T) {
	reg := NewRegistry()
	echo := func(c *fiber.Ctx, in struct {
		N int `form:"n"`
	}) (int, error) {
		return in.N, nil
	}
	RegisterOn(reg, "f0", echo)
	app := fiber.New()
	app.Use(New(Config{Registry: reg}))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i < 50; i++ {
			RegisterOn(reg, fmt.Sprintf("f%d", i), echo)
		}
	}()
	for i := 0; i < 50; i++ {
		resp, body := do(t, app, req{path: "/api/f0", body: "n=7", headers: withHeaders(formCT, "Accept", "application/json")})
		if resp.StatusCode != http.StatusOK || body != "7" {
			t.Fatalf("status %d body %q", resp.StatusCode, body)
		}
	}
	wg.Wait()
	for i := 0; i < 50; i++ {
		if p, ok := reg.Path(fmt.Sprintf("f%d", i)); !ok || p != fmt.Sprintf("/api/f%d", i) {
			t.Fatalf("f%d: path %q, %v", i, p, ok)
		}
	}
}

// Register uses the default registry, which New serves when Config.Registry is
// nil.
func TestRegisterOnTheDefaultRegistry(t *testing.T) {
	name := "default_registry_test_fn"
	fn := Register(name, func(c *fiber.Ctx, in struct{}) (string, error) { return "from the default registry", nil })
	if p, ok := defaultRegistry.Path(name); !ok || p != fn.Path() || p != "/api/"+name {
		t.Fatalf("defaultRegistry.Path = %q, %v", p, ok)
	}
	app := fiber.New()
	app.Use(New())
	resp, body := do(t, app, req{path: fn.Path(), headers: map[string]string{"Accept": "application/json"}})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "from the default registry") {
		t.Fatalf("status %d body %q", resp.StatusCode, body)
	}
}
