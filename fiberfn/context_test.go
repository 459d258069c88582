package fiberfn

import (
	"bytes"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

type store struct{ name string }

type clock interface{ Now() string }

type fixedClock string

func (f fixedClock) Now() string { return string(f) }

func TestExpectContextMissingIsA500NamingTheType(t *testing.T) {
	var logs bytes.Buffer
	app, _ := testApp(t, Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, nil, func(app *fiber.App) {
		app.Get("/missing", func(c *fiber.Ctx) error {
			_ = ExpectContext[*bytes.Buffer](c)
			return nil
		})
	})
	resp, body := do(t, app, req{method: "GET", path: "/missing"})
	if resp.StatusCode != 500 || strings.Contains(body, "bytes.Buffer") {
		t.Fatalf("missing context: %d %q, want a 500 that does not leak the type", resp.StatusCode, body)
	}
	if !strings.Contains(logs.String(), "no *bytes.Buffer in context") {
		t.Fatalf("log does not name the missing type: %s", logs.String())
	}
}

func TestProvideThenUse(t *testing.T) {
	reg := NewRegistry()
	RegisterOn(reg, "who", func(c *fiber.Ctx, in struct{}) (string, error) {
		return ExpectContext[*store](c).name + " at " + ExpectContext[clock](c).Now(), nil
	})
	app := fiber.New()
	app.Use(Provide(&store{name: "db"}), Provide[clock](fixedClock("noon")))
	Mount(app, Config{Registry: reg})
	app.Get("/use", func(c *fiber.Ctx) error {
		s, ok := UseContext[*store](c)
		if _, okBuf := UseContext[*bytes.Buffer](c); !ok || okBuf {
			return c.SendString("wrong")
		}
		ProvideContext(c, &store{name: "override"})
		return c.SendString(s.name + "/" + ExpectContext[*store](c).name)
	})
	_, body := do(t, app, req{path: "/api/who", headers: jsonCT})
	if body != `"db at noon"` {
		t.Fatalf("server function saw %s", body)
	}
	_, body = do(t, app, req{method: "GET", path: "/use"})
	if body != "db/override" {
		t.Fatalf("page saw %s", body)
	}
}

// closer counts how often it is closed.
type closer struct{ closed int }

func (c *closer) Close() error { c.closed++; return nil }

func TestProvidedClosersAreNotClosedAfterARequest(t *testing.T) {
	shared, perRequest := &closer{}, &closer{}
	app := fiber.New()
	app.Use(Provide(shared))
	app.Get("/", func(c *fiber.Ctx) error {
		ProvideContext[io.Closer](c, perRequest)
		return c.SendString("ok")
	})
	for i := 0; i < 3; i++ {
		do(t, app, req{method: "GET", path: "/"})
	}
	if shared.closed != 0 || perRequest.closed != 0 {
		t.Fatalf("provided values closed %d and %d times; Fiber's locals must not close them", shared.closed, perRequest.closed)
	}
}
