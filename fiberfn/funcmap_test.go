package fiberfn

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
)

func TestFuncMapWithTheHTMLEngine(t *testing.T) {
	reg := NewRegistry()
	RegisterOn(reg, "add_task", func(c *fiber.Ctx, in struct{}) (struct{}, error) { return struct{}{}, nil })
	RegisterOn(reg, "search", func(c *fiber.Ctx, in struct{}) (struct{}, error) { return struct{}{}, nil }, Route("/rpc/search"), ReadOnly())
	views := fstest.MapFS{
		"form.html":    {Data: []byte(`<head>{{ fnHTMXConfig }}</head><form action="{{ fnPath "add_task" }}" hx-post="{{ fnPath "add_task" }}"></form><input hx-get="{{ fnPath "search" }}">`)},
		"unknown.html": {Data: []byte(`<form action="{{ fnPath "no_such_fn" }}"></form>`)},
	}
	engine := html.NewFileSystem(http.FS(views), ".html")
	engine.AddFuncMap(FuncMap(reg))
	if err := engine.Load(); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := engine.Render(&b, "form", nil); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`action="/api/add_task"`, `hx-post="/api/add_task"`, `hx-get="/rpc/search"`, htmx.ConfigMeta} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("rendered %s\nwithout %s", b.String(), want)
		}
	}
	b.Reset()
	err := engine.Render(&b, "unknown", nil)
	if err == nil || !strings.Contains(err.Error(), `no server function named "no_such_fn"`) {
		t.Fatalf("an unknown name rendered (%q), err %v", b.String(), err)
	}
}
