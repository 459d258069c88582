package fiberfn

import (
	"io"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// meta describes a registered function, independent of its types.
type meta struct {
	name, path    string
	route         routePattern
	methods       []string // upper case; GET also answers HEAD
	render        string
	renderFunc    *typedRender
	page          string
	pageLayouts   []string
	pageFunc      *typedRender
	errorTemplate string
	errorTarget   string
	errorSwap     string
	bodyLimit     int
	sensitive     []string
	hidden        []string // kept in an over-cap flash (flash_cap.go)
	fallbackPage  string
	once          bool
	guards        []fiber.Handler

	// Built at registration from the options above and the Out type.
	fragment renderer // what htmx partial callers get, or nil
	fullPage renderer // what page-like callers of a GET get, or nil
	get      bool     // the function answers GET
}

// Option configures a server function at registration.
type Option func(*meta)

// Route serves the function at path instead of "/api/<name>". The path
// uses Fiber's route syntax: "/contacts/:id" fills the input's
// `params:"id"` field, and [Fn.URL] (or fnURL in templates) builds a
// concrete URL from it. [Fn.Path] returns the pattern as written.
func Route(path string) Option {
	return func(m *meta) { m.path = path }
}

// Method sets the HTTP methods the function answers, replacing the
// default POST: any of GET, POST, PUT, PATCH and DELETE (GET also answers
// HEAD). Each is a real Fiber route on the function's path, so the other
// methods on that path reach the app's own routes (a page GET /contacts
// beside a function POST /contacts).
//
// Arguments are read from wherever htmx sends them: the path's
// parameters, the query string (GET and DELETE: htmx 2 and htmx 4 put a
// form's values there) and the body (form, multipart or JSON), for every
// method.
//
// A plain HTML form can only GET or POST. A POST form reaches a PUT,
// PATCH or DELETE function through the [MethodField] field:
//
//	<form method="post" action="{{ fnURL "delete_contact" .ID }}">
//	  <input type="hidden" name="_method" value="DELETE">
//
// accepted only on a same-origin form post (url-encoded or multipart),
// never on GET and never to turn a POST into a GET.
func Method(methods ...string) Option {
	return func(m *meta) {
		m.methods = m.methods[:0]
		for _, method := range methods {
			m.methods = append(m.methods, strings.ToUpper(method))
		}
	}
}

// ReadOnly marks a function without side effects: it answers GET (with
// its arguments in the query string, for hx-get and active search) as
// well as POST. It is Method("GET", "POST"); use [Method]("GET") for a
// function that answers GET only, and [Page] to answer a plain browser's
// GET (a reload, a bookmark) with a full page.
func ReadOnly() Option {
	return Method(fiber.MethodGet, fiber.MethodPost)
}

// Render names the template (in the app's view engine) rendered, without a
// layout, as the fragment HTMX callers get; the function's result is its
// binding. Without it (and without [RenderFunc], or an Out that renders
// itself: see [Component]) HTMX callers get 204 No Content.
func Render(template string) Option {
	return func(m *meta) { m.render = template }
}

// RenderFunc writes the fragment HTMX callers get with a Go function
// instead of a template: a typed component, say. Its Out must be the
// function's Out; [Register] panics otherwise.
//
//	fiberfn.RenderFunc(func(c *fiber.Ctx, w io.Writer, t Task) error {
//		return views.TaskRow(t).Render(c.UserContext(), w)
//	})
func RenderFunc[Out any](fn func(c *fiber.Ctx, w io.Writer, out Out) error) Option {
	r := newTypedRender("RenderFunc", fn)
	return func(m *meta) { m.renderFunc = r }
}

// Page makes a GET function answer the callers that want a whole page
// (a plain browser's GET: the reload of a URL that hx-push-url pushed, a
// bookmark, a form with method="get"; boosted and htmx 4 "full" requests;
// history restore) with template rendered inside the app's layout
// (fiber.Config.ViewsLayout, or layouts given here; "" for none), the
// function's result as its binding. htmx partial callers still get the fragment and JSON
// callers the value; Vary says so. It needs [Method]("GET") or
// [ReadOnly].
func Page(template string, layouts ...string) Option {
	return func(m *meta) { m.page, m.pageLayouts = template, layouts }
}

// PageFunc is [Page] written by a Go function (a typed page component).
// Its Out must be the function's Out; [Register] panics otherwise.
func PageFunc[Out any](fn func(c *fiber.Ctx, w io.Writer, out Out) error) Option {
	r := newTypedRender("PageFunc", fn)
	return func(m *meta) { m.pageFunc = r }
}

// ErrorTemplate names the template rendered for HTMX callers when the
// function fails, with a *[FormState] (message, field errors and the
// submitted values) as its binding. Without it a built-in, HTML-escaped
// error fragment is sent.
func ErrorTemplate(template string) Option {
	return func(m *meta) { m.errorTemplate = template }
}

// ErrorTarget sets the HX-Retarget and HX-Reswap headers of the function's
// HTMX error responses (see [Config].ErrorTarget). htmx resolves the
// selector relative to the element that made the request, so use
// ("closest form", "outerHTML") with [ErrorTemplate] to re-render the whole
// form. Avoid "this": htmx 4 resolves it to the element carrying hx-target,
// not the requesting element.
func ErrorTarget(selector, swap string) Option {
	return func(m *meta) { m.errorTarget, m.errorSwap = selector, swap }
}

// BodyLimit sets the largest request body, in bytes, the function accepts
// (for file uploads, say), overriding [Config].BodyLimit.
func BodyLimit(n int) Option {
	return func(m *meta) { m.bodyLimit = n }
}

// Sensitive names form fields that are never carried back to a form after
// an error. Passwords, PINs, one-time codes, card numbers and CVCs, secrets
// and tokens (by the words of the field's name: "password", "pass", "pwd",
// "pin", "otp", "cvc", "cvv", "card", "secret", "token"...) are never
// carried back in any case.
func Sensitive(fields ...string) Option {
	return func(m *meta) { m.sensitive = append(m.sensitive, fields...) }
}

// FallbackPage is where a plain (no-JavaScript) form post is sent back to,
// on success or error, when its Referer is missing or from another site.
// Default "/".
func FallbackPage(path string) Option {
	return func(m *meta) { m.fallbackPage = path }
}

// Guard adds checks and middleware that run for this function only, after
// the plugin's own checks (origin, size) and the decoding of its arguments
// (so a duplicated or malformed field is a 400 before any guard reads the
// request), before its input's Validate and the function: "must be logged
// in", "must own the list", a rate limit. Guards run in the order given;
// several Guard options add up. Each is a handler of one of two kinds:
//
//   - a check, which returns without calling c.Next(): nil lets the
//     request through, an error refuses it and is answered like an error
//     of the function, for every kind of caller (JSON error, htmx error
//     fragment, or a redirect back with the message for a plain form
//     post). A check that calls [Redirect] before refusing (to a login
//     page, say) sends browsers there, while JSON callers get its error and
//     the target in the [RedirectHeader] header;
//   - Fiber middleware (limiter.New(...), say), which calls c.Next() to go
//     on and runs around the rest: later guards and the function, whose
//     answer is written when c.Next() returns. When it answers the request
//     itself instead, a 4xx or 5xx is answered in the caller's shape like
//     a refusal (its headers, Retry-After say, kept; one that asks for
//     credentials with WWW-Authenticate is kept as written), a redirect
//     becomes the caller's kind of redirect, and anything else (a cached
//     answer) is kept as written.
func Guard(guards ...fiber.Handler) Option {
	return func(m *meta) { m.guards = append(m.guards, guards...) }
}

// renderer writes a fragment or page for the function's result out.
type renderer func(c *fiber.Ctx, w io.Writer, out any) error
