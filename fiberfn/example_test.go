package fiberfn_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// AddTaskInput is decoded from a form post (form tags) or JSON (json tags).
type AddTaskInput struct {
	Title string `form:"title" json:"title"`
}

// Task is the result of AddTask.
type Task struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
}

// AddTask is registered once, at package initialisation, on the default
// registry and served at /api/add_task.
var AddTask = fiberfn.Register("add_task", func(c *fiber.Ctx, in AddTaskInput) (Task, error) {
	title := strings.TrimSpace(in.Title)
	if title == "" {
		return Task{}, fiberfn.FieldErrors{"title": "Title must not be empty."}
	}
	return Task{ID: 1, Title: title}, nil
})

func send(app *fiber.App, method, path, body string, headers ...string) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	resp, _ := app.Test(r, -1)
	b, _ := io.ReadAll(resp.Body)
	line := fmt.Sprint(resp.StatusCode, " ", resp.Header.Get("Location")+resp.Header.Get("HX-Redirect"), " ", string(b))
	fmt.Println(strings.TrimSpace(line))
}

// A server function answers each kind of caller in its own shape.
func ExampleRegister() {
	app := fiber.New()
	fiberfn.Mount(app)

	fmt.Println(AddTask.Path())
	// JSON callers get JSON.
	send(app, "POST", AddTask.Path(), `{"title":"Buy milk"}`, "Content-Type", "application/json")
	send(app, "POST", AddTask.Path(), `{"title":" "}`, "Content-Type", "application/json")
	// A plain form post is redirected back to the page it came from.
	send(app, "POST", AddTask.Path(), "title=Buy+milk", "Content-Type", "application/x-www-form-urlencoded", "Referer", "http://example.com/tasks")
	// Output:
	// /api/add_task
	// 200  {"id":1,"title":"Buy milk"}
	// 422  {"error":"Please correct the highlighted fields.","fields":{"title":"Title must not be empty."}}
	// 302 /tasks
}

// Redirect does the right thing for HTMX and for plain requests.
func ExampleRedirect() {
	app := fiber.New()
	fiberfn.Mount(app)
	app.Post("/logout", func(c *fiber.Ctx) error {
		return fiberfn.Redirect(c, "/login")
	})
	send(app, "POST", "/logout", "")
	send(app, "POST", "/logout", "", "HX-Request", "true")
	// Output:
	// 302 /login
	// 200 /login
}

// Response shapes the response of page handlers as well as of server
// functions: here a real 404 page.
func ExampleResponse() {
	app := fiber.New()
	fiberfn.Mount(app)
	app.Use(func(c *fiber.Ctx) error {
		res := fiberfn.Response(c)
		res.SetStatus(fiber.StatusNotFound)
		res.InsertHeader("Cache-Control", "no-store")
		res.SetCookie(&fiber.Cookie{Name: "seen", Value: "1"})
		return c.SendString("no such page")
	})
	send(app, "GET", "/nowhere", "")
	// Output:
	// 404  no such page
}

// Tasks is a dependency handed to handlers by type.
type Tasks struct{ count int }

// Provide makes a value available to every later handler by its type.
func ExampleProvide() {
	app := fiber.New()
	app.Use(fiberfn.Provide(&Tasks{count: 3}))
	app.Get("/", func(c *fiber.Ctx) error {
		tasks := fiberfn.ExpectContext[*Tasks](c)
		return c.SendString(fmt.Sprint(tasks.count, " tasks"))
	})
	send(app, "GET", "/", "")
	// Output:
	// 200  3 tasks
}

// Extract fills a struct from query, headers, cookies and route parameters.
func ExampleExtract() {
	type listQuery struct {
		Filter string `query:"filter"`
		ID     int    `params:"id"`
	}
	app := fiber.New()
	app.Get("/lists/:id", func(c *fiber.Ctx) error {
		q, err := fiberfn.Extract[listQuery](c)
		if err != nil {
			return err
		}
		return c.SendString(fmt.Sprintf("list %d, %s", q.ID, q.Filter))
	})
	send(app, "GET", "/lists/4?filter=open", "")
	// Output:
	// 200  list 4, open
}

// WantsFragment chooses between a fragment and a whole page, for htmx 2
// and htmx 4 alike.
func ExampleWantsFragment() {
	app := fiber.New()
	app.Get("/", func(c *fiber.Ctx) error {
		if fiberfn.WantsFragment(c) {
			return c.SendString("<ul>fragment</ul>")
		}
		return c.SendString("<html>page</html>")
	})
	send(app, "GET", "/", "", "HX-Request", "true")
	send(app, "GET", "/", "", "HX-History-Restore-Request", "true", "HX-Request-Type", "full")
	// Output:
	// 200  <ul>fragment</ul>
	// 200  <html>page</html>
}
