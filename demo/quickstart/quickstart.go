// Command quickstart is the README's quick start: one server function,
// "add_task", behind an HTML form that works with htmx and without
// JavaScript. Run it with go run ./demo/quickstart and open
// http://localhost:3000.
package main

import (
	"embed"
	"log"
	"net/http"
	"strings"
	"sync"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
)

// templates are index.html and partials/*.html, named "index",
// "partials/task" and so on.
//
//go:embed *.html partials
var templates embed.FS

// Task is one item of the list.
type Task struct {
	ID    int
	Title string
}

// Store keeps the tasks in memory.
type Store struct {
	mu    sync.Mutex
	tasks []Task
}

// Add stores a task and returns it.
func (s *Store) Add(title string) (Task, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := Task{ID: len(s.tasks) + 1, Title: title}
	s.tasks = append(s.tasks, t)
	return t, nil
}

// All returns the tasks, oldest first.
func (s *Store) All() []Task {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Task(nil), s.tasks...)
}

// AddTaskInput is what the form sends.
type AddTaskInput struct {
	Title string `form:"title" json:"title"`
}

// AddTask is registered once, at package init, on the default registry:
// POST /api/add_task.
var AddTask = fiberfn.Register("add_task",
	func(c *fiber.Ctx, in AddTaskInput) (Task, error) {
		title := strings.TrimSpace(in.Title)
		if title == "" {
			return Task{}, fiberfn.FieldErrors{"title": "Title must not be empty."}
		}
		return fiberfn.ExpectContext[*Store](c).Add(title)
	},
	fiberfn.Render("partials/task"),                  // HTMX callers get this fragment
	fiberfn.ErrorTemplate("partials/add_form"),       // ...and this form, with errors and input, on failure
	fiberfn.ErrorTarget("closest form", "outerHTML")) // (not "this": htmx 4 resolves it differently)

// newApp builds the app around a store.
func newApp(store *Store) *fiber.App {
	engine := html.NewFileSystem(http.FS(templates), ".html")
	engine.AddFuncMap(fiberfn.FuncMap()) // {{ fnPath "add_task" }}, {{ fnHTMXConfig }}
	app := fiber.New(fiber.Config{Views: engine})
	app.Use(fiberfn.Provide(store)) // typed context, like provide_context
	fiberfn.Mount(app)              // every registered server function, as a route
	app.Get("/", func(c *fiber.Ctx) error {
		return c.Render("index", fiber.Map{
			"Tasks": store.All(),
			"Form":  fiberfn.Flash(c).For("add_task"), // a failed no-JS post, once
		})
	})
	return app
}

func main() {
	log.Fatal(newApp(&Store{}).Listen(":3000"))
}
