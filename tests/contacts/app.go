// Package contacts is a REST-shaped example app built only on fiberfn's
// public API: the Contact.app of the htmx book ("Hypermedia Systems"),
// contacts with a first and last name, a phone and an email. It is the
// proof of issue 16 and is driven by the tests in tests/ over real HTTP
// and in Chromium with htmx 4, htmx 2 and JavaScript off.
//
// Every route is a real Fiber route, every one a server function:
//
//	GET    /contacts             the list: active search, "Load more" (a page for browsers, rows for htmx)
//	POST   /contacts             add a contact             (GET /contacts/new is its form)
//	DELETE /contacts             delete the checked contacts (bulk)
//	GET    /contacts/:id/edit    the edit page
//	PUT    /contacts/:id         save it (a plain form: POST with _method=PUT)
//	DELETE /contacts/:id         delete one, from its row or from its edit page
//
// Templates are html/template through gofiber/template/html/v2, the
// engine fiberfn's FuncMap (fnPath, fnURL) is written for, with no code
// generation step; tests/templviews proves templ components separately.
package contacts

import (
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/filesystem"
	"github.com/gofiber/template/html/v2"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/public"
)

//go:embed templates
var templates embed.FS

// ContentSecurityPolicy is the policy of every answer: scripts and styles
// from the site's own files only; no inline script or style, no eval.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// Options configure New.
type Options struct {
	// HTMXVersion is the vendored htmx the pages load: public.HTMXDefault
	// (4.0.1) or public.HTMXLegacy (2.0.11).
	//
	// Optional. Default: public.HTMXDefault
	HTMXVersion string

	// Logger receives fiberfn's errors (failed renders, panics).
	//
	// Optional. Default: slog.Default()
	Logger *slog.Logger
}

// New returns the app serving store.
func New(store *Store, opts Options) (*fiber.App, error) {
	if opts.HTMXVersion == "" {
		opts.HTMXVersion = public.HTMXDefault
	}
	if _, err := fs.Stat(public.FS, public.HTMXFile(opts.HTMXVersion)); err != nil {
		return nil, fmt.Errorf("contacts: htmx %q is not vendored in public/: %w", opts.HTMXVersion, err)
	}
	views, err := fs.Sub(templates, "templates")
	if err != nil {
		return nil, err
	}
	engine := html.NewFileSystem(http.FS(views), ".html")
	engine.AddFuncMap(fiberfn.FuncMap(Registry))
	script := public.HTMXScript(opts.HTMXVersion)
	engine.AddFunc("htmxScript", func() string { return script })
	engine.AddFunc("htmx2", func() bool { return opts.HTMXVersion[0] == '2' })
	app := fiber.New(fiber.Config{
		Views:                 fiberfn.LayoutSafe(engine),
		ViewsLayout:           "layouts/main",
		DisableStartupMessage: true,
	})
	app.Use(func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentSecurityPolicy, ContentSecurityPolicy)
		c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
		c.Set(fiber.HeaderReferrerPolicy, "same-origin")
		return c.Next()
	})
	app.Use("/public", filesystem.New(filesystem.Config{Root: http.FS(public.FS)}))
	app.Get("/fiberfn.js", fiberfn.ErrorScriptHandler)
	app.Use(fiberfn.Provide(store))
	fiberfn.Mount(app, fiberfn.Config{Registry: Registry, Logger: opts.Logger})
	app.Get("/", func(c *fiber.Ctx) error { return c.Redirect(ListContacts.Path()) })
	return app, nil
}
