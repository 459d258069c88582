package fiberfn_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing/fstest"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"
)

// views are the templates of the examples, in a real html/v2 engine.
var views = fstest.MapFS{
	"row.html":    {Data: []byte(`<li id="t{{ .ID }}">{{ .Title }}</li>`)},
	"counts.html": {Data: []byte(`<span id="counts">{{ . }} tasks</span>`)},
	"form.html":   {Data: []byte(`<form><b>{{ .Message }}</b><input name="title" value="{{ .Value "title" }}"> {{ .Error "title" }}</form>`)},
	"page.html":   {Data: []byte(`{{ with .Notice }}<p>{{ . }}</p>{{ end }}{{ template "form" .Form }}`)},
	"add.html":    {Data: []byte(`<form method="post" action="{{ fnPath "add_once" }}">{{ fnOnce "add_once" }}</form>`)},
}

// exampleApp is an app with the html/v2 engine and the plugin on reg.
func exampleApp(reg *fiberfn.Registry, cfg fiberfn.Config) *fiber.App {
	engine := html.NewFileSystem(http.FS(views), ".html")
	engine.AddFuncMap(fiberfn.FuncMap(reg))
	app := fiber.New(fiber.Config{Views: engine})
	cfg.Registry = reg
	fiberfn.Mount(app, cfg)
	return app
}

// call sends a request and returns the response and its body.
func call(app *fiber.App, method, path, body string, headers ...string) (*http.Response, string) {
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	resp, err := app.Test(r, -1)
	if err != nil {
		panic(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const formType = "application/x-www-form-urlencoded"

// cookies returns the cookies resp set, as a browser sends them back.
func cookies(resp *http.Response) string {
	var pairs []string
	for _, ck := range resp.Cookies() {
		pairs = append(pairs, ck.Name+"="+ck.Value)
	}
	return strings.Join(pairs, "; ")
}

// Mount takes a Config in Fiber's style: unset fields get ConfigDefault's
// values. Here plain redirects are 303 See Other and cookies always Secure.
func ExampleMount() {
	reg := fiberfn.NewRegistry()
	fiberfn.RegisterOn(reg, "save", func(c *fiber.Ctx, in struct{}) (struct{}, error) {
		return struct{}{}, nil
	})
	app := fiber.New()
	fiberfn.Mount(app, fiberfn.Config{
		Registry:       reg,
		RedirectStatus: fiber.StatusSeeOther,
		SecureCookies:  true,
		Keys:           [][]byte{[]byte("a secret of at least 32 bytes......")},
	})
	resp, _ := call(app, "POST", "/api/save", "", "Referer", "http://example.com/settings")
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	// Output:
	// 303 /settings
}

// Render names the fragment htmx callers get; ErrorTemplate the one they get
// when the function fails, with the form's state (message, field errors,
// what was typed) as its binding.
func ExampleRender() {
	type input struct {
		Title string `form:"title"`
	}
	type task struct {
		ID    int
		Title string
	}
	reg := fiberfn.NewRegistry()
	add := fiberfn.RegisterOn(reg, "add", func(c *fiber.Ctx, in input) (task, error) {
		if strings.TrimSpace(in.Title) == "" {
			return task{}, fiberfn.FieldErrors{"title": "Required."}
		}
		return task{ID: 7, Title: in.Title}, nil
	}, fiberfn.Render("row"), fiberfn.ErrorTemplate("form"), fiberfn.ErrorTarget("closest form", "outerHTML"))
	app := exampleApp(reg, fiberfn.Config{})

	_, body := call(app, "POST", add.Path(), "title=Milk", "Content-Type", formType, "HX-Request", "true")
	fmt.Println(body)
	resp, body := call(app, "POST", add.Path(), "title=+", "Content-Type", formType, "HX-Request", "true")
	fmt.Println(resp.StatusCode, resp.Header.Get("HX-Retarget"), body)
	// Output:
	// <li id="t7">Milk</li>
	// 422 closest form <form><b>Please correct the highlighted fields.</b><input name="title" value=" "> Required.</form>
}

// After a failed plain (no-JavaScript) form post, the page it is sent back
// to shows the error and what the user typed: Fn.Form returns the flash
// once, else a fresh state.
func ExampleFlash() {
	type input struct {
		Title string `form:"title"`
	}
	reg := fiberfn.NewRegistry()
	add := fiberfn.RegisterOn(reg, "add", func(c *fiber.Ctx, in input) (struct{}, error) {
		return struct{}{}, fiberfn.FieldErrors{"title": "Too short."}
	})
	app := exampleApp(reg, fiberfn.Config{})
	app.Get("/", func(c *fiber.Ctx) error {
		return c.Render("page", fiber.Map{"Form": add.Form(c, nil)})
	})

	resp, _ := call(app, "POST", add.Path(), "title=ab", "Content-Type", formType, "Referer", "http://example.com/")
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	// The browser sends back its cookies: the flash, and the client
	// cookie the flash is bound to.
	_, page := call(app, "GET", "/", "", "Cookie", cookies(resp))
	fmt.Println(page)
	// Output:
	// 302 /
	// <form><b>Please correct the highlighted fields.</b><input name="title" value="ab"> Too short.</form>
}

// OutOfBand updates another part of the page in the same htmx answer: the
// task's row is the main fragment, the counts elsewhere follow.
func ExampleOutOfBand() {
	reg := fiberfn.NewRegistry()
	done := fiberfn.RegisterOn(reg, "done", func(c *fiber.Ctx, in struct{}) (fiber.Map, error) {
		fiberfn.OutOfBand(c, "counts", 2)
		return fiber.Map{"ID": 1, "Title": "Milk ✓"}, nil
	}, fiberfn.Render("row"))
	app := exampleApp(reg, fiberfn.Config{})

	_, body := call(app, "POST", done.Path(), "", "HX-Request", "true")
	fmt.Println(body)
	// Output:
	// <li id="t1">Milk ✓</li><span hx-swap-oob="true" id="counts">2 tasks</span>
}

// A once-only function runs once per form token, however often the form
// is sent: a double click, a double Enter, a retry after a lost answer.
func ExampleOnceOnly() {
	reg := fiberfn.NewRegistry()
	runs := 0
	fiberfn.RegisterOn(reg, "add_once", func(c *fiber.Ctx, in struct{}) (struct{}, error) {
		runs++
		return struct{}{}, fiberfn.Redirect(c, "/tasks")
	}, fiberfn.OnceOnly())
	app := exampleApp(reg, fiberfn.Config{})
	app.Get("/new", func(c *fiber.Ctx) error { return c.Render("add", nil) })

	page, form := call(app, "GET", "/new", "")
	token := regexp.MustCompile(`value="([^"]+)"`).FindStringSubmatch(form)[1]
	client := cookies(page) // the page gave the browser its client cookie
	for i := 0; i < 3; i++ {
		resp, _ := call(app, "POST", "/api/add_once", fiberfn.OnceField+"="+token, "Content-Type", formType, "Cookie", client)
		fmt.Println(strings.TrimSpace(fmt.Sprint(resp.StatusCode, " ", resp.Header.Get("Location"), " ", resp.Header.Get(fiberfn.ReplayedHeader))))
	}
	fmt.Println("runs:", runs)
	// Output:
	// 302 /tasks
	// 302 /tasks true
	// 302 /tasks true
	// runs: 1
}

// A guard refuses a request before the function runs, in the shape each
// caller expects: here browsers are sent to the login page and JSON
// clients get a 401.
func ExampleGuard() {
	loggedIn := func(c *fiber.Ctx) error {
		if c.Cookies("session") != "" {
			return nil
		}
		_ = fiberfn.Redirect(c, "/login")
		return fiberfn.ServerError("Please log in first.", fiber.StatusUnauthorized)
	}
	reg := fiberfn.NewRegistry()
	fiberfn.RegisterOn(reg, "secret", func(c *fiber.Ctx, in struct{}) (string, error) {
		return "the secret", nil
	}, fiberfn.Guard(loggedIn))
	app := exampleApp(reg, fiberfn.Config{})

	resp, _ := call(app, "POST", "/api/secret", "")
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	resp, _ = call(app, "POST", "/api/secret", "", "HX-Request", "true")
	fmt.Println(resp.StatusCode, resp.Header.Get("HX-Redirect"))
	resp, body := call(app, "POST", "/api/secret", "", "Accept", "application/json")
	fmt.Println(resp.StatusCode, resp.Header.Get(fiberfn.RedirectHeader), body)
	_, body = call(app, "POST", "/api/secret", "", "Accept", "application/json", "Cookie", "session=1")
	fmt.Println(body)
	// Output:
	// 302 /login
	// 200 /login
	// 401 /login {"error":"Please log in first."}
	// "the secret"
}

// Notify carries a success message across the redirect of a plain form
// post; the next page reads it once with Notice. htmx callers get it as the
// "fiberfn:notice" event instead.
func ExampleNotify() {
	reg := fiberfn.NewRegistry()
	save := fiberfn.RegisterOn(reg, "save", func(c *fiber.Ctx, in struct{}) (struct{}, error) {
		fiberfn.Notify(c, "Saved.")
		return struct{}{}, nil
	})
	app := exampleApp(reg, fiberfn.Config{})
	app.Get("/", func(c *fiber.Ctx) error {
		return c.Render("page", fiber.Map{"Notice": fiberfn.Notice(c), "Form": save.Form(c, nil)})
	})

	resp, _ := call(app, "POST", save.Path(), "")
	_, page := call(app, "GET", "/", "", "Cookie", cookies(resp))
	fmt.Println(page)
	resp, _ = call(app, "POST", save.Path(), "", "HX-Request", "true")
	fmt.Println(resp.Header.Get("HX-Trigger"))
	// Output:
	// <p>Saved.</p><form><b></b><input name="title" value=""> </form>
	// {"fiberfn:notice":"Saved."}
}

// Navigate loads another page for htmx callers without a full reload
// (HX-Location, as a full-page request for htmx 2 and htmx 4 alike), and
// redirects everyone else.
func ExampleNavigate() {
	app := fiber.New()
	fiberfn.Mount(app)
	app.Post("/next", func(c *fiber.Ctx) error { return fiberfn.Navigate(c, "/step/2") })

	resp, _ := call(app, "POST", "/next", "", "HX-Request", "true")
	fmt.Println(resp.StatusCode, resp.Header.Get("HX-Location"))
	resp, _ = call(app, "POST", "/next", "")
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))
	// Output:
	// 200 {"path":"/step/2","target":"body","headers":{"HX-Request-Type":"full"}}
	// 302 /step/2
}

// Several instances of an app share one OnceStore (here two apps in one
// process and the in-memory store; across processes, ext/sqlstore or
// ext/redisstore) and their signing keys: a key sent to one and retried on
// the other runs once, and only its client gets the stored answer.
func ExampleOnceStore() {
	store := fiberfn.NewMemoryOnceStore()
	keys := [][]byte{[]byte("the instances' shared signing key, 32+ bytes")}
	runs := 0
	instance := func() *fiber.App {
		reg := fiberfn.NewRegistry()
		fiberfn.RegisterOn(reg, "pay", func(c *fiber.Ctx, in struct{}) (int, error) {
			runs++
			return runs, nil
		}, fiberfn.OnceOnly())
		return exampleApp(reg, fiberfn.Config{OnceStore: store, Keys: keys})
	}
	a, b := instance(), instance()
	send := func(app *fiber.App, client string) {
		resp, body := call(app, "POST", "/api/pay", "{}", "Content-Type", "application/json",
			"Idempotency-Key", "order-7", "Cookie", "fiberfn_client="+client)
		fmt.Println(strings.TrimSpace(fmt.Sprint(resp.StatusCode, " ", body, " ", resp.Header.Get(fiberfn.ReplayedHeader))))
	}
	send(a, "ann-client-00000000000")
	send(b, "ann-client-00000000000") // ann's retry on the other instance
	send(b, "bob-client-00000000000") // bob with ann's key: his own run
	// Output:
	// 200 1
	// 200 1 true
	// 200 2
}
