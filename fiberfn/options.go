package fiberfn

import "github.com/gofiber/fiber/v2"

// meta describes a registered function, independent of its types.
type meta struct {
	name, path    string
	readOnly      bool
	render        string
	errorTemplate string
	errorTarget   string
	errorSwap     string
	bodyLimit     int
	sensitive     []string
	hidden        []string // kept in an over-cap flash (flash_cap.go)
	fallbackPage  string
	once          bool
	guards        []func(*fiber.Ctx) error
}

// Option configures a server function at registration.
type Option func(*meta)

// Route serves the function at path instead of "/api/<name>".
func Route(path string) Option {
	return func(m *meta) { m.path = path }
}

// ReadOnly marks a function without side effects: besides POST it may then
// be called with GET and query arguments (for hx-get, active search).
// Arguments are decoded by their `query` tag, falling back to `form`.
func ReadOnly() Option {
	return func(m *meta) { m.readOnly = true }
}

// Render names the template (in the app's view engine) rendered, without a
// layout, as the fragment HTMX callers get; the function's result is its
// binding. Without it HTMX callers get 204 No Content.
func Render(template string) Option {
	return func(m *meta) { m.render = template }
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

// Guard adds a check that runs before the function, after the plugin's own
// checks (method, origin, size) and before its arguments are decoded: "must
// be logged in", "must own the list". A guard that returns nil lets the
// request through. A non-nil error refuses it and is answered like an error
// of the function, for every kind of caller (JSON error, htmx error
// fragment, or a redirect back with the message for a plain form post). A
// guard that calls [Redirect] before refusing (to a login page, say) sends
// browsers there, while JSON callers get its error and the target in the
// [RedirectHeader] header. Guards run in the order given; several Guard
// options add up.
func Guard(guards ...func(c *fiber.Ctx) error) Option {
	return func(m *meta) { m.guards = append(m.guards, guards...) }
}
