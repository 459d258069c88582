// Package wire holds the servers of the over-the-wire benchmark: the same
// three endpoints written as fiberfn server functions, as hand-written
// Fiber handlers (with BodyParser, and with FormValue per field) and as Go
// net/http handlers. Every variant does the same work and the same checks:
//
//   - POST /api/login: decode username and password, set a cookie, and
//     redirect to /welcome (302 + Location for a plain post, 200 +
//     HX-Redirect for an htmx request);
//   - POST /api/add_task: decode a title, refuse an empty one, and answer
//     an htmx request with a one-line <li> rendered from the html/template
//     in templates/task.html (a plain post is redirected back to /).
//
// The checks are those fiberfn makes on every call: the cross-origin rule
// of Go's net/http CrossOriginProtection (Sec-Fetch-Site, else Origin
// against Host), a 1 MiB body limit, a form content type, the caller
// classification (an htmx partial request is HX-Request: true and not
// boosted, htmx 4 "full" or a history restore) and the Vary header naming
// the headers it reads.
//
// cmd/wireserver serves one variant on a port; cmd/benchrun drives them
// with wrk.
package wire

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
	fiberhtml "github.com/gofiber/template/html/v2"
)

// The variants a server can be built as (see [Modes]).
const (
	// ModeFiberfn serves the endpoints as fiberfn server functions; the
	// fragment goes through fiberfn.Render and the app's html/v2 engine.
	ModeFiberfn = "fiberfn"
	// ModeBodyParser is hand-written Fiber handlers decoding with
	// c.BodyParser, executing the html/template directly.
	ModeBodyParser = "bodyparser"
	// ModeFormValue is hand-written Fiber handlers reading each field
	// with c.FormValue, executing the html/template directly.
	ModeFormValue = "formvalue"
	// ModeFormValueEngine is ModeFormValue rendering the fragment through
	// c.Render and the html/v2 engine, as ModeFiberfn does: the
	// difference to ModeFormValue is the cost of the engine.
	ModeFormValueEngine = "formvalue-engine"
	// ModeNetHTTP is Go net/http handlers behind
	// http.CrossOriginProtection.
	ModeNetHTTP = "nethttp"
)

// Modes lists every variant, in the order the benchmark runs them.
func Modes() []string {
	return []string{ModeFiberfn, ModeBodyParser, ModeFormValue, ModeFormValueEngine, ModeNetHTTP}
}

// Paths of the endpoints.
const (
	LoginPath   = "/api/login"
	AddTaskPath = "/api/add_task"
	// WelcomePath is where a login redirects.
	WelcomePath = "/welcome"
	// BodyLimit is the largest body any variant accepts.
	BodyLimit = 1 << 20
	// TaskTemplate is the name of the fragment template.
	TaskTemplate = "task"
)

//go:embed templates
var templateFS embed.FS

// LoginInput is the login form.
type LoginInput struct {
	Username string `form:"username" json:"username"`
	Password string `form:"password" json:"password"`
}

// AddTaskInput is the add-task form.
type AddTaskInput struct {
	Title string `form:"title" json:"title"`
}

// Task is what add_task answers with; the fragment renders it.
type Task struct {
	ID    int64
	Title string
	Done  bool
}

// taskIDs numbers the tasks of every variant.
var taskIDs atomic.Int64

// parseTemplate parses the fragment for the hand-written variants.
func parseTemplate() (*template.Template, error) {
	return template.ParseFS(templateFS, "templates/task.html")
}

// Engine returns the html/v2 engine the fiberfn variant renders with,
// loaded.
func Engine() (*fiberhtml.Engine, error) {
	sub, err := subFS()
	if err != nil {
		return nil, err
	}
	engine := fiberhtml.NewFileSystem(http.FS(sub), ".html")
	if err := engine.Load(); err != nil {
		return nil, err
	}
	return engine, nil
}

func subFS() (fs.FS, error) {
	return fs.Sub(templateFS, "templates")
}

// New returns a Fiber app serving the endpoints as mode, which is one of
// the Fiber variants of [Modes] (not ModeNetHTTP; see [NewNetHTTP]).
func New(mode string) (*fiber.App, error) {
	engine, err := Engine()
	if err != nil {
		return nil, err
	}
	app := fiber.New(fiber.Config{
		Views:                 engine,
		BodyLimit:             4 * BodyLimit, // the handlers refuse over BodyLimit with 413 themselves
		DisableStartupMessage: true,
	})
	switch mode {
	case ModeFiberfn:
		reg := fiberfn.NewRegistry()
		fiberfn.RegisterOn(reg, "login", fnLogin)
		fiberfn.RegisterOn(reg, "add_task", fnAddTask, fiberfn.Render(TaskTemplate))
		fiberfn.Mount(app, fiberfn.Config{Registry: reg})
	case ModeBodyParser, ModeFormValue, ModeFormValueEngine:
		tmpl, err := parseTemplate()
		if err != nil {
			return nil, err
		}
		h := &fiberHandlers{tmpl: tmpl.Lookup("task.html"), engine: mode == ModeFormValueEngine}
		if mode == ModeBodyParser {
			app.Post(LoginPath, h.loginBodyParser)
			app.Post(AddTaskPath, h.addTaskBodyParser)
		} else {
			app.Post(LoginPath, h.loginFormValue)
			app.Post(AddTaskPath, h.addTaskFormValue)
		}
	default:
		return nil, fmt.Errorf("wire: unknown Fiber mode %q (want one of %s)", mode, strings.Join(Modes(), ", "))
	}
	return app, nil
}

// --- fiberfn ---------------------------------------------------------------

func fnLogin(c *fiber.Ctx, in LoginInput) (struct{}, error) {
	if in.Username == "" || in.Password == "" {
		return struct{}{}, fiberfn.FieldErrors{"username": "Enter your username and password."}
	}
	fiberfn.Response(c).SetCookie(&fiber.Cookie{Name: "user", Value: in.Username, HTTPOnly: true})
	return struct{}{}, fiberfn.Redirect(c, WelcomePath)
}

func fnAddTask(c *fiber.Ctx, in AddTaskInput) (Task, error) {
	if strings.TrimSpace(in.Title) == "" {
		return Task{}, fiberfn.FieldErrors{"title": "Title must not be empty."}
	}
	return Task{ID: taskIDs.Add(1), Title: in.Title}, nil
}

// --- hand-written Fiber ------------------------------------------------------

// fiberHandlers are careful hand-written Fiber handlers: the checks
// fiberfn makes, then the work.
type fiberHandlers struct {
	tmpl   *template.Template
	engine bool // render through c.Render and the app's engine
}

// VaryValue names the request headers the answers depend on, as fiberfn's
// do.
const VaryValue = "HX-Request, HX-Boosted, HX-Request-Type, HX-History-Restore-Request, Accept"

// isPartial reports whether an htmx request wants a fragment, reading the
// headers through get.
func isPartial(get func(string) string) bool {
	return get("HX-Request") == "true" && get("HX-Boosted") != "true" &&
		get("HX-Request-Type") != "full" && get("HX-History-Restore-Request") != "true"
}

// isPartialCtx is isPartial for a Fiber request.
func isPartialCtx(c *fiber.Ctx) bool {
	return c.Get("HX-Request") == "true" && c.Get("HX-Boosted") != "true" &&
		c.Get("HX-Request-Type") != "full" && c.Get("HX-History-Restore-Request") != "true"
}

// check makes the checks fiberfn makes before calling a function.
func check(c *fiber.Ctx) error {
	c.Response().Header.Add(fiber.HeaderVary, VaryValue)
	switch site := c.Get("Sec-Fetch-Site"); site {
	case "same-origin", "none":
	case "":
		if o := c.Get(fiber.HeaderOrigin); o != "" && o != "http://"+c.Hostname() && o != "https://"+c.Hostname() {
			return fiber.ErrForbidden
		}
	default:
		return fiber.ErrForbidden
	}
	if len(c.Request().Body()) > BodyLimit {
		return fiber.ErrRequestEntityTooLarge
	}
	if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationForm) {
		return fiber.ErrUnsupportedMediaType
	}
	return nil
}

// redirect is an htmx-aware redirect.
func redirect(c *fiber.Ctx, to string) error {
	if isPartialCtx(c) {
		c.Set("HX-Redirect", to)
		return nil
	}
	return c.Redirect(to)
}

func (h *fiberHandlers) login(c *fiber.Ctx, in LoginInput) error {
	if in.Username == "" || in.Password == "" {
		return fiber.NewError(fiber.StatusBadRequest, "Enter your username and password.")
	}
	c.Cookie(&fiber.Cookie{Name: "user", Value: in.Username, HTTPOnly: true})
	return redirect(c, WelcomePath)
}

func (h *fiberHandlers) addTask(c *fiber.Ctx, in AddTaskInput) error {
	if strings.TrimSpace(in.Title) == "" {
		return fiber.NewError(fiber.StatusBadRequest, "Title must not be empty.")
	}
	t := Task{ID: taskIDs.Add(1), Title: in.Title}
	if !isPartialCtx(c) {
		return c.Redirect("/")
	}
	if h.engine {
		return c.Render(TaskTemplate, t, "")
	}
	c.Type("html", "utf-8")
	return h.tmpl.Execute(c.Response().BodyWriter(), t)
}

func (h *fiberHandlers) loginBodyParser(c *fiber.Ctx) error {
	if err := check(c); err != nil {
		return err
	}
	var in LoginInput
	if err := c.BodyParser(&in); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	return h.login(c, in)
}

func (h *fiberHandlers) addTaskBodyParser(c *fiber.Ctx) error {
	if err := check(c); err != nil {
		return err
	}
	var in AddTaskInput
	if err := c.BodyParser(&in); err != nil {
		return fiber.NewError(fiber.StatusBadRequest, err.Error())
	}
	return h.addTask(c, in)
}

// The FormValue handlers copy each value out of the request buffer (as
// decoding into a struct does), since Fiber's strings point into it.

func (h *fiberHandlers) loginFormValue(c *fiber.Ctx) error {
	if err := check(c); err != nil {
		return err
	}
	in := LoginInput{Username: strings.Clone(c.FormValue("username")), Password: strings.Clone(c.FormValue("password"))}
	return h.login(c, in)
}

func (h *fiberHandlers) addTaskFormValue(c *fiber.Ctx) error {
	if err := check(c); err != nil {
		return err
	}
	return h.addTask(c, AddTaskInput{Title: strings.Clone(c.FormValue("title"))})
}

// --- net/http ----------------------------------------------------------------

// NewNetHTTP returns the endpoints as Go net/http handlers behind
// http.CrossOriginProtection.
func NewNetHTTP() (http.Handler, error) {
	tmpl, err := parseTemplate()
	if err != nil {
		return nil, err
	}
	tmpl = tmpl.Lookup("task.html")
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+LoginPath, func(w http.ResponseWriter, r *http.Request) {
		if !formRequest(w, r) {
			return
		}
		user, pass := r.PostForm.Get("username"), r.PostForm.Get("password")
		if user == "" || pass == "" {
			http.Error(w, "Enter your username and password.", http.StatusBadRequest)
			return
		}
		// The attributes Fiber gives the cookie of the other variants.
		http.SetCookie(w, &http.Cookie{Name: "user", Value: user, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		httpRedirect(w, r, WelcomePath)
	})
	mux.HandleFunc("POST "+AddTaskPath, func(w http.ResponseWriter, r *http.Request) {
		if !formRequest(w, r) {
			return
		}
		title := r.PostForm.Get("title")
		if strings.TrimSpace(title) == "" {
			http.Error(w, "Title must not be empty.", http.StatusBadRequest)
			return
		}
		t := Task{ID: taskIDs.Add(1), Title: title}
		if !isPartial(r.Header.Get) {
			http.Redirect(w, r, "/", http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if err := tmpl.Execute(w, t); err != nil {
			http.Error(w, "render failed", http.StatusInternalServerError)
		}
	})
	return http.NewCrossOriginProtection().Handler(mux), nil
}

// formRequest makes the checks of a form post (the origin check is the
// middleware's) and parses the form; false means it has answered.
func formRequest(w http.ResponseWriter, r *http.Request) bool {
	w.Header().Add("Vary", VaryValue)
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		http.Error(w, "unsupported content type", http.StatusUnsupportedMediaType)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, BodyLimit)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusRequestEntityTooLarge)
		return false
	}
	return true
}

func httpRedirect(w http.ResponseWriter, r *http.Request, to string) {
	if isPartial(r.Header.Get) {
		w.Header().Set("HX-Redirect", to)
		w.WriteHeader(http.StatusOK)
		return
	}
	http.Redirect(w, r, to, http.StatusFound)
}
