package fiberfn_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"testing/fstest"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
	htmlviews "github.com/gofiber/template/html/v2"
)

// contactIn names a contact by the route's :id.
type contactIn struct {
	ID int `params:"id"`
}

// A function answers its own methods on its path, a real Fiber route:
// here DELETE /contacts/:id beside the app's page GET /contacts/:id. A
// plain form reaches it with the _method field.
func ExampleMethod() {
	reg := fiberfn.NewRegistry()
	fiberfn.RegisterOn(reg, "delete_contact", func(c *fiber.Ctx, in contactIn) (string, error) {
		return fmt.Sprint("deleted ", in.ID), nil
	}, fiberfn.Route("/contacts/:id"), fiberfn.Method("DELETE"))
	app := fiber.New()
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})
	app.Get("/contacts/:id", func(c *fiber.Ctx) error { return c.SendString("contact " + c.Params("id")) })

	_, body := call(app, "DELETE", "/contacts/7", "", "Accept", "application/json")
	fmt.Println(body)
	_, body = call(app, "GET", "/contacts/7", "")
	fmt.Println(body)
	_, body = call(app, "POST", "/contacts/7", "_method=DELETE", "Content-Type", formType, "Accept", "application/json")
	fmt.Println(body)
	// Output:
	// "deleted 7"
	// contact 7
	// "deleted 7"
}

// Route uses Fiber's route syntax; params fields are filled from it, and
// Fn.URL (fnURL in templates) builds a concrete URL, values escaped.
func ExampleFn_URL() {
	type noteIn struct {
		Slug string `params:"slug"`
		Tab  string `query:"tab"`
	}
	reg := fiberfn.NewRegistry()
	note := fiberfn.RegisterOn(reg, "note", func(c *fiber.Ctx, in noteIn) (string, error) {
		return in.Slug + " (" + in.Tab + ")", nil
	}, fiberfn.Route("/notes/:slug"), fiberfn.Method("GET"))
	app := fiber.New()
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})

	u, _ := note.URL("a/b c")
	fmt.Println(note.Path(), u)
	_, body := call(app, "GET", u+"?tab=x", "", "Accept", "application/json")
	fmt.Println(body)
	_, err := note.URL()
	fmt.Println(err)
	// Output:
	// /notes/:slug /notes/a%2Fb%20c
	// "a/b c (x)"
	// fiberfn: note takes 1 URL argument(s) (slug), got 0
}

// Page makes a GET function answer a plain browser (the reload of a URL
// that hx-push-url pushed, a bookmark, a form with method="get") with a
// whole page, htmx with the fragment, JSON callers with the value. Each
// answer has an ETag; a matching If-None-Match is a 304.
func ExamplePage() {
	type results struct{ Q string }
	engine := htmlviews.NewFileSystem(http.FS(fstest.MapFS{
		"layout.html":  {Data: []byte(`<html>{{ embed }}</html>`)},
		"results.html": {Data: []byte(`<p>Results for {{ .Q }}</p>`)},
		"search.html":  {Data: []byte(`<input name="q" value="{{ .Q }}">{{ template "results" . }}`)},
	}), ".html")
	reg := fiberfn.NewRegistry()
	fiberfn.RegisterOn(reg, "search", func(c *fiber.Ctx, in struct {
		Q string `query:"q"`
	}) (results, error) {
		return results{Q: in.Q}, nil
	}, fiberfn.Route("/search"), fiberfn.Method("GET"), fiberfn.Render("results"), fiberfn.Page("search"))
	app := fiber.New(fiber.Config{Views: engine, ViewsLayout: "layout"})
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})

	resp, body := call(app, "GET", "/search?q=joe", "")
	fmt.Println(body)
	_, body = call(app, "GET", "/search?q=joe", "", "HX-Request", "true")
	fmt.Println(body)
	resp, _ = call(app, "GET", "/search?q=joe", "", "If-None-Match", resp.Header.Get("ETag"))
	fmt.Println(resp.StatusCode)
	// Output:
	// <html><input name="q" value="joe"><p>Results for joe</p></html>
	// <p>Results for joe</p>
	// 304
}

// SetVersion makes the ETag from the function's own version of its data:
// a caller that has it gets a 304 and nothing is rendered.
func ExampleSetVersion() {
	reg := fiberfn.NewRegistry()
	fiberfn.RegisterOn(reg, "count", func(c *fiber.Ctx, in struct{}) (int, error) {
		if fiberfn.SetVersion(c, "2024-05-01T10:00") {
			return 0, nil
		}
		return 42, nil
	}, fiberfn.Method("GET"))
	app := fiber.New()
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})
	resp, body := call(app, "GET", "/api/count", "", "Accept", "application/json")
	fmt.Println(resp.StatusCode, body)
	resp, body = call(app, "GET", "/api/count", "", "Accept", "application/json", "If-None-Match", resp.Header.Get("ETag"))
	fmt.Println(resp.StatusCode, body == "")
	// Output:
	// 200 42
	// 304 true
}

// RemoveTarget removes the element that made an htmx request (its
// hx-target) without a template: an empty 200 with HX-Reswap: delete,
// which htmx 2 and htmx 4 both honour.
func ExampleRemoveTarget() {
	reg := fiberfn.NewRegistry()
	fiberfn.RegisterOn(reg, "delete_row", func(c *fiber.Ctx, in contactIn) (struct{}, error) {
		fiberfn.RemoveTarget(c)
		return struct{}{}, nil
	}, fiberfn.Route("/rows/:id"), fiberfn.Method("DELETE"))
	app := fiber.New()
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})
	resp, body := call(app, "DELETE", "/rows/3", "", "HX-Request", "true")
	fmt.Printf("%d %q %s\n", resp.StatusCode, body, resp.Header.Get("HX-Reswap"))
	// Output:
	// 200 "" delete
}

// RenderFunc writes the htmx fragment with Go code, typed by the
// function's result.
func ExampleRenderFunc() {
	type task struct{ Title string }
	reg := fiberfn.NewRegistry()
	fiberfn.RegisterOn(reg, "add", func(c *fiber.Ctx, in struct {
		Title string `form:"title"`
	}) (task, error) {
		return task{Title: in.Title}, nil
	}, fiberfn.RenderFunc(func(c *fiber.Ctx, w io.Writer, t task) error {
		_, err := fmt.Fprintf(w, "<li>%s</li>", html.EscapeString(t.Title))
		return err
	}))
	app := fiber.New()
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})
	_, body := call(app, "POST", "/api/add", "title=<milk>", "Content-Type", formType, "HX-Request", "true")
	fmt.Println(body)
	// Output:
	// <li>&lt;milk&gt;</li>
}

// greeting is a typed component: it has templ's method set, so a
// function returning it needs no Render option.
type greeting struct{ Name string }

func (g greeting) Render(ctx context.Context, w io.Writer) error {
	_, err := io.WriteString(w, "<p>Hello, "+html.EscapeString(g.Name)+"</p>")
	return err
}

// An Out that is a Component (templ.Component, say) renders itself for
// htmx callers; JSON callers still get the value.
func ExampleComponent() {
	reg := fiberfn.NewRegistry()
	fiberfn.RegisterOn(reg, "greet", func(c *fiber.Ctx, in struct {
		Name string `form:"name" json:"name"`
	}) (greeting, error) {
		return greeting{Name: in.Name}, nil
	})
	app := fiber.New()
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})
	_, body := call(app, "POST", "/api/greet", "name=Ann", "Content-Type", formType, "HX-Request", "true")
	fmt.Println(body)
	_, body = call(app, "POST", "/api/greet", `{"name":"Ann"}`, "Content-Type", "application/json")
	fmt.Println(body)
	// Output:
	// <p>Hello, Ann</p>
	// {"Name":"Ann"}
}

// Guard takes Fiber middleware as well as checks: here Fiber's limiter
// guards one function, and its 429 is answered in the caller's shape.
func ExampleGuard_middleware() {
	reg := fiberfn.NewRegistry()
	loggedIn := func(c *fiber.Ctx) error { // a check: nil lets the request through
		if c.Get("X-User") == "" {
			return fiberfn.ServerError("Log in first.", http.StatusUnauthorized)
		}
		return nil
	}
	fiberfn.RegisterOn(reg, "send", func(c *fiber.Ctx, in struct{}) (string, error) {
		return "sent", nil
	}, fiberfn.Guard(loggedIn, limiter.New(limiter.Config{Max: 1, Expiration: time.Minute})))
	app := fiber.New()
	fiberfn.Mount(app, fiberfn.Config{Registry: reg})
	for i := 0; i < 2; i++ {
		_, body := call(app, "POST", "/api/send", "", "Accept", "application/json", "X-User", "ann")
		fmt.Println(body)
	}
	_, body := call(app, "POST", "/api/send", "", "Accept", "application/json")
	fmt.Println(body)
	// Output:
	// "sent"
	// {"error":"Too Many Requests"}
	// {"error":"Log in first."}
}

// ErrorScriptHandler serves the script that shows an htmx error answer in
// the page's #fiberfn-errors when the element that made the request has
// no error slot of its own.
func ExampleErrorScriptHandler() {
	app := fiber.New()
	app.Get("/fiberfn.js", fiberfn.ErrorScriptHandler)
	resp, body := call(app, "GET", "/fiberfn.js", "")
	fmt.Println(resp.Header.Get("Content-Type"), strings.Contains(body, "fiberfn-errors"))
	// Output:
	// text/javascript; charset=utf-8 true
}
