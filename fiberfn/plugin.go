package fiberfn

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
)

// plugin is the middleware installed by Mount (or New).
type plugin struct {
	cfg    Config
	signer signer
	once   *onceStore
	// app is the last app found to have the registry's functions as
	// routes, with what decoding needs of its config: the check costs one
	// comparison per request.
	app    atomic.Pointer[appInfo]
	warned atomic.Bool
}

// appInfo is what the plugin keeps of an app it serves.
type appInfo struct {
	app          *fiber.App
	unescapePath bool // fiber.Config.UnescapePath: route parameters arrive unescaped
}

func newAppInfo(app *fiber.App) *appInfo {
	return &appInfo{app: app, unescapePath: app.Config().UnescapePath}
}

func newPlugin(config ...Config) *plugin {
	cfg := configDefault(config...)
	p := &plugin{cfg: cfg, signer: signer{keys: cfg.Keys}}
	p.once = newOnceStore(&p.cfg)
	cfg.Registry.servedBy(p)
	return p
}

// Mount installs fiberfn on app: the plugin (app.Use), then every function
// of [Config].Registry (the default registry of [Register] unless given)
// as a real Fiber route, one per method, with its guards as route-level
// handlers. Call it once, after the middleware the functions need
// (sessions, [Provide]) and before the app's own routes:
//
//	app.Use(fiberfn.Provide(store))
//	fiberfn.Mount(app)
//	app.Get("/", homePage)
//
// The plugin attaches [ResponseOptions] to every request and applies them
// after the handler returns, so a page handler can set status, headers,
// cookies, notices and redirects exactly like a server function. A
// function answers only its own methods on its path: any other method on
// that path goes on to the app's routes (or to Fiber's 405 with an Allow
// header). Mount takes the app, not a group: a function's URL is its path.
//
// Mount panics when the registry is already mounted on app; registering a
// function on a mounted registry panics too.
func Mount(app *fiber.App, config ...Config) {
	p := newPlugin(config...)
	app.Use(p.handle)
	p.cfg.Registry.mount(app)
	p.app.Store(newAppInfo(app))
}

// New returns the plugin alone, for app.Use in an app that has no server
// functions of its own: its pages still get [Response], [Redirect],
// [Navigate], [Flash], [Notice] and [OutOfBand]. Server functions need
// [Mount], which installs this plugin and their routes: a plugin from New
// whose registry holds functions that were never mounted on the app
// answers every request with a 500 and logs why, so the mistake cannot go
// unnoticed.
//
// A panic downstream becomes a 500 for that request only; its details are
// logged, never sent.
func New(config ...Config) fiber.Handler {
	return newPlugin(config...).handle
}

// stateKey is the fiber.Ctx locals key of the per-request state.
type stateKey struct{}

// requestState is what the plugin keeps for one request: who is asking
// (decided once), what the handler asked for the answer, and for a server
// function its progress through the route.
type requestState struct {
	resp   ResponseOptions
	plugin *plugin
	app    *appInfo
	oob    []oobPart
	notice string

	// The caller, classified once (classify).
	classified bool
	hdr        reqHeaders // read at once for server functions, lazily for pages
	kind       bodyKind
	who        caller
	varied     bool // the Vary header names the caller headers

	// A server function's request (see serve.go).
	fn      *meta // the function serving the request, nil for a page
	input   any   // its decoded input, a *In
	step    int   // the guards entered so far
	reached bool  // the function itself ran
	failed  bool  // the answer written is an error
	claim   *onceClaim
	// streamed: a RegisterStream function answers with an event stream.
	streamed bool
	// handed, when set, is closed once the plugin is done with the
	// request: a streamed answer's function then takes it over.
	handed  chan struct{}
	remove  bool   // RemoveTarget: htmx removes the element
	version string // SetVersion: the ETag's source
	// saved holds the response headers from before a server function
	// ran, restored if it panics.
	saved savedHeaders
	// passOn is the error a custom ErrorHandler returned, for Fiber's
	// error handler.
	passOn error
}

var statePool = sync.Pool{New: func() any { return new(requestState) }}

func (p *plugin) handle(c *fiber.Ctx) error {
	if p.cfg.Next != nil && p.cfg.Next(c) {
		return c.Next()
	}
	info := p.app.Load()
	if app := c.App(); info == nil || info.app != app {
		if !p.cfg.Registry.mountedOn(app) {
			return p.notMounted(c)
		}
		info = newAppInfo(app)
		p.app.Store(info)
	}
	st := statePool.Get().(*requestState)
	st.plugin, st.app = p, info
	c.Locals(stateKey{}, st)
	err := p.serve(c, st)
	c.Locals(stateKey{}, nil)
	handed := st.handed
	st.reset()
	statePool.Put(st)
	if handed != nil {
		close(handed) // a streamed answer's function may start (stream_fn.go)
	}
	return err
}

// serve runs the rest of the chain: a server function's route answers
// for itself; for anything else (a page) the response options are applied
// afterwards.
func (p *plugin) serve(c *fiber.Ctx, st *requestState) (err error) {
	defer func() {
		if r := recover(); r != nil {
			p.logPanic(c, "", r)
			err = fiber.NewError(http.StatusInternalServerError, internalMessage)
		}
	}()
	err = c.Next()
	if st.fn != nil {
		return err
	}
	return p.write(c, st, answer{kind: answerPage, err: err})
}

// errNotMounted explains a plugin from New on an app whose server
// functions have no routes.
var errNotMounted = errors.New("fiberfn: the registry's server functions are not routes of this app: " +
	"replace app.Use(fiberfn.New(cfg)) with fiberfn.Mount(app, cfg)")

// notMounted answers a request of an app whose functions were never
// mounted: a 500, and the reason in the log (once).
func (p *plugin) notMounted(c *fiber.Ctx) error {
	if p.warned.CompareAndSwap(false, true) {
		p.cfg.Logger.Error(errNotMounted.Error())
	}
	return fiber.NewError(http.StatusInternalServerError, internalMessage)
}

// reset clears the state so it can be reused.
func (st *requestState) reset() {
	st.resp.reset()
	st.plugin, st.app = nil, nil
	clear(st.oob)
	st.oob = st.oob[:0]
	st.notice = ""
	st.classified = false
	st.hdr = reqHeaders{}
	st.kind, st.who = 0, 0
	st.varied = false
	st.fn, st.input, st.step, st.reached, st.failed = nil, nil, 0, false, false
	st.claim, st.remove, st.version = nil, false, ""
	st.streamed, st.handed = false, nil
	st.saved.reset()
	st.passOn = nil
}

// stateOf returns the request's state, or a detached one when the plugin
// is not installed (its options are then never applied).
func stateOf(c *fiber.Ctx) *requestState {
	if st, ok := c.Locals(stateKey{}).(*requestState); ok {
		return st
	}
	st := &requestState{}
	c.Locals(stateKey{}, st)
	return st
}

// redirectStatus is the status of a real redirect: a 3xx set with
// ResponseOptions.SetStatus, else Config.RedirectStatus.
func (p *plugin) redirectStatus(r *ResponseOptions) int {
	if r.status >= 300 && r.status <= 399 {
		return r.status
	}
	return p.cfg.RedirectStatus
}

// backToPage redirects a plain form post (or a boosted, full or
// history-restore one) back to the page it came from: the same-origin
// Referer, else the function's fallback page.
func (p *plugin) backToPage(c *fiber.Ctx, m *meta, status int) {
	c.Location(sameOriginReferer(c.Get(fiber.HeaderReferer), string(c.Request().Header.Host()), m.fallbackPage))
	c.Status(status)
}

// asFiberError gives errors meant for the user (*Error, FieldErrors) the
// *fiber.Error shape that Fiber's error handlers understand; other errors
// pass unchanged.
func asFiberError(err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return err
	}
	if ue, internal := asUserError(err); !internal {
		return fiber.NewError(ue.Code, ue.Message)
	}
	return err
}

func (p *plugin) logPanic(c *fiber.Ctx, fn string, r any) {
	p.cfg.Logger.Error("fiberfn: panic", "fn", fn, "path", c.Path(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
}
