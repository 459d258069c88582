package fiberfn

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// pathPrefix is the prefix of a server function's default path.
const pathPrefix = "/api/"

// Registry holds server functions by name and by route. Most programs
// register on the default registry with [Register]; a program that wants
// several independent sets of functions creates registries with
// [NewRegistry], registers on them with [RegisterOn] and mounts each with
// its own plugin ([Config].Registry).
type Registry struct {
	mu     sync.Mutex // serialises registration and mounting
	byName atomic.Pointer[map[string]*meta]
	fns    []endpoint        // in registration order, for Mount
	routes map[string]string // routeKey -> the name of the function claiming it
	apps   atomic.Pointer[[]*fiber.App]
	// signers are those of the plugins serving the registry: fnOnce
	// signs with the newest, and every plugin accepts tokens of any.
	signers atomic.Pointer[[]signer]
	ttl     atomic.Int64 // once-only token lifetime, in ns
}

// defaultRegistry is the registry of Register, served by Mount and New
// unless Config.Registry says otherwise.
var defaultRegistry = NewRegistry()

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{routes: map[string]string{}}
	r.byName.Store(&map[string]*meta{})
	r.apps.Store(&[]*fiber.App{})
	return r
}

// endpoint is a registered server function, seen without its types.
type endpoint interface {
	info() *meta
	// handlers returns the Fiber handlers of the function's route for
	// method, or of its method-override route (a POST carrying
	// MethodField) when override is set.
	handlers(method string, override bool) []fiber.Handler
}

// Fn is a registered server function with input type In and output type
// Out. Keep it in a package-level variable and use it from Go ([Fn.Call],
// [Fn.URL]) and from templates ({{ .AddTask.Path }}, or fnPath "add_task"
// and fnURL "delete_task" .ID).
type Fn[In, Out any] struct {
	meta
	fn  func(*fiber.Ctx, In) (Out, error)
	dec *decoder
}

// Register registers a server function on the default registry, which
// [Mount] serves unless [Config].Registry names another, usually from a
// package-level var so it exists before the app starts (like Leptos'
// #[server] auto-registration):
//
//	var AddTask = fiberfn.Register("add_task", addTask, fiberfn.Render("partials/task"))
//
// Its route is POST "/api/<name>" unless [Route] and [Method] say
// otherwise.
//
// In must be a struct type (struct{} for no arguments); its fields are
// decoded by their `form` tags from form posts, `query` tags (else `form`)
// from the query string, `params` tags from the route's parameters and
// `json` tags (else `form`) from JSON bodies. Out may be any type
// (struct{} for no result).
//
// Register panics when the name or route is empty, malformed or already
// registered (two functions on one method and path, named both), when an
// option does not fit the function, or when the registry is already
// mounted: a mistake to fix at start-up, not at request time.
func Register[In, Out any](name string, fn func(*fiber.Ctx, In) (Out, error), opts ...Option) *Fn[In, Out] {
	return RegisterOn(defaultRegistry, name, fn, opts...)
}

// RegisterOn is [Register] on the given registry.
func RegisterOn[In, Out any](r *Registry, name string, fn func(*fiber.Ctx, In) (Out, error), opts ...Option) *Fn[In, Out] {
	fail := func(format string, args ...any) {
		panic(fmt.Sprintf("fiberfn: Register(%q): ", name) + fmt.Sprintf(format, args...))
	}
	if fn == nil {
		fail("nil function")
	}
	if !validName(name) {
		fail("a name is 1-64 characters of a-z A-Z 0-9 _ - .")
	}
	m := meta{name: name, path: pathPrefix + name, methods: []string{fiber.MethodPost}}
	for _, opt := range opts {
		opt(&m)
	}
	if m.fallbackPage == "" {
		m.fallbackPage = "/"
	}
	if t, _, err := checkRedirect(m.fallbackPage, "", nil); err != nil || t != m.fallbackPage {
		fail("fallback page %q must be a path on this site", m.fallbackPage)
	}
	route, err := parseRoute(m.path)
	if err != nil {
		fail("path %q: %v", m.path, err)
	}
	if !strings.HasPrefix(m.path, "/") || strings.ContainsAny(m.path, "# \t\r\n") || route.hasText("?") {
		fail("path %q must start with / and have no query, fragment or spaces", m.path)
	}
	m.route = route
	if err := m.checkMethods(); err != nil {
		fail("%v", err)
	}
	dec, err := newDecoder(reflectTypeOf[In](), &m.route)
	if err != nil {
		fail("%v", err)
	}
	if err := m.buildRenderers(reflectTypeOf[Out]()); err != nil {
		fail("%v", err)
	}
	if (m.fullPage != nil) && !m.get {
		fail("Page needs Method(%q) or ReadOnly()", fiber.MethodGet)
	}
	for i, g := range m.guards {
		if g == nil {
			fail("Guard %d is nil", i+1)
		}
	}
	f := &Fn[In, Out]{meta: m, fn: fn, dec: dec}
	r.add(f)
	return f
}

// checkMethods checks the function's methods and notes whether it
// answers GET.
func (m *meta) checkMethods() error {
	if len(m.methods) == 0 {
		return fmt.Errorf("Method() needs at least one method")
	}
	writes := false
	for i, method := range m.methods {
		switch method {
		case fiber.MethodGet:
			m.get = true
		case fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
			writes = true
		default:
			return fmt.Errorf("method %q: a server function answers GET, POST, PUT, PATCH or DELETE", method)
		}
		for _, prev := range m.methods[:i] {
			if prev == method {
				return fmt.Errorf("method %s given twice", method)
			}
		}
	}
	if m.once && !writes {
		return fmt.Errorf("OnceOnly needs a method that changes state (POST, PUT, PATCH or DELETE)")
	}
	return nil
}

func validName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '_' || ch == '-' || ch == '.') {
			return false
		}
	}
	return true
}

// routeKeys are the keys of the routes a function claims: one per method
// (GET also claims HEAD).
func (m *meta) routeKeys() []string {
	keys := make([]string, 0, len(m.methods)+1)
	for _, method := range m.methods {
		keys = append(keys, routeKey(method, &m.route))
		if method == fiber.MethodGet {
			keys = append(keys, routeKey(fiber.MethodHead, &m.route))
		}
	}
	return keys
}

func (r *Registry) add(e endpoint) {
	m := e.info()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(*r.apps.Load()) > 0 {
		panic(fmt.Sprintf("fiberfn: Register(%q): the registry is already mounted; register every function before fiberfn.Mount (in package-level vars)", m.name))
	}
	names := *r.byName.Load()
	if _, dup := names[m.name]; dup {
		panic(fmt.Sprintf("fiberfn: server function %q is already registered", m.name))
	}
	for _, key := range m.routeKeys() {
		if prev, dup := r.routes[key]; dup {
			method, _, _ := strings.Cut(key, " ")
			panic(fmt.Sprintf("fiberfn: server functions %q and %q both claim %s %s", prev, m.name, method, m.path))
		}
	}
	for _, key := range m.routeKeys() {
		r.routes[key] = m.name
	}
	nextNames := make(map[string]*meta, len(names)+1)
	for k, v := range names {
		nextNames[k] = v
	}
	nextNames[m.name] = m
	r.byName.Store(&nextNames)
	r.fns = append(r.fns, e)
}

// mount adds a route per method of every function to app: first the
// method-override routes (POST routes that pass on unless the form asks
// for the function's method), so they run before a POST function on the
// same path, then the functions' own routes. It panics when the registry
// is already mounted on app.
func (r *Registry) mount(app *fiber.App) {
	r.mu.Lock()
	defer r.mu.Unlock()
	apps := *r.apps.Load()
	for _, a := range apps {
		if a == app {
			panic("fiberfn: Mount: this registry is already mounted on this app")
		}
	}
	for _, e := range r.fns {
		m := e.info()
		for _, method := range m.methods {
			if overridable(method) {
				app.Add(fiber.MethodPost, m.path, e.handlers(method, true)...)
			}
		}
	}
	for _, e := range r.fns {
		m := e.info()
		for _, method := range m.methods {
			app.Add(method, m.path, e.handlers(method, false)...)
			if method == fiber.MethodGet {
				app.Add(fiber.MethodHead, m.path, e.handlers(method, false)...)
			}
		}
	}
	next := append(append([]*fiber.App(nil), apps...), app)
	r.apps.Store(&next)
}

// mountedOn reports whether the registry's functions are routes of app,
// or there are none.
func (r *Registry) mountedOn(app *fiber.App) bool {
	if len(*r.byName.Load()) == 0 {
		return true
	}
	for _, a := range *r.apps.Load() {
		if a == app {
			return true
		}
	}
	return false
}

// lookup returns the function registered under name, or nil.
func (r *Registry) lookup(name string) *meta {
	return (*r.byName.Load())[name]
}

// Path returns the path pattern of the function registered under name,
// and whether there is one. It takes no lock.
func (r *Registry) Path(name string) (string, bool) {
	m := r.lookup(name)
	if m == nil {
		return "", false
	}
	return m.path, true
}

// URL returns the URL of the function registered under name with its
// route's parameters filled by args in order, each path-escaped (see
// [Fn.URL]). It refuses an unknown name and a wrong number of arguments.
func (r *Registry) URL(name string, args ...any) (string, error) {
	m := r.lookup(name)
	if m == nil {
		return "", fmt.Errorf("fiberfn: no server function named %q", name)
	}
	return m.route.buildURL(name, args)
}

// servedBy records the keys and token lifetime of a plugin serving r, for
// the once-only tokens its templates render.
func (r *Registry) servedBy(p *plugin) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var next []signer
	if old := r.signers.Load(); old != nil {
		next = append(next, *old...)
	}
	next = append(next, p.signer)
	r.signers.Store(&next)
	r.ttl.Store(int64(p.cfg.OnceTTL))
}

// tokenSigner returns the signer and token lifetime for fnOnce.
func (r *Registry) tokenSigner() (signer, int64) {
	if s := r.signers.Load(); s != nil && len(*s) > 0 {
		return (*s)[len(*s)-1], r.ttl.Load()
	}
	return signer{keys: [][]byte{processKey()}}, int64(ConfigDefault.OnceTTL)
}

// validOnceToken reports whether token is a live once-only token of the
// function fn, signed by p or by another plugin serving r (several apps
// in one process may serve one registry).
func (r *Registry) validOnceToken(p *plugin, token, fn string) bool {
	now := time.Now()
	if checkOnceToken(p.signer, token, fn, now) {
		return true
	}
	if s := r.signers.Load(); s != nil {
		for _, sg := range *s {
			if checkOnceToken(sg, token, fn, now) {
				return true
			}
		}
	}
	return false
}

// Name returns the name the function was registered under.
func (f *Fn[In, Out]) Name() string { return f.name }

// Path returns the URL path pattern of the function as registered
// ("/api/add_task", "/contacts/:id"), for action= and hx-post= in
// templates when it has no parameters; see [Fn.URL] otherwise.
func (f *Fn[In, Out]) Path() string { return f.path }

// Methods returns the HTTP methods the function answers (GET also answers
// HEAD).
func (f *Fn[In, Out]) Methods() []string { return append([]string(nil), f.methods...) }

// URL returns the concrete URL of the function: its route with the
// parameters filled by args in order ("/contacts/:id" with 7 is
// "/contacts/7"), each value path-escaped. Strings, numbers, booleans,
// encoding.TextMarshaler and fmt.Stringer values are accepted. A wrong
// number of arguments, an empty value for a required parameter or a value
// of another type is an error.
func (f *Fn[In, Out]) URL(args ...any) (string, error) {
	return f.route.buildURL(f.name, args)
}

// Call runs the function directly from server code, without HTTP, decoding,
// guards or the plugin's error handling.
func (f *Fn[In, Out]) Call(c *fiber.Ctx, in In) (Out, error) {
	return f.fn(c, in)
}

// Form returns the state of the function's form for a page: the failed
// plain post carried over by [Flash] when it was this function's, with
// initial (which may be nil) under its values, else a fresh state holding
// initial. A value the user sent wins, even an empty one; initial fills
// the fields the post did not carry and those the flash had to drop to
// fit its cap ([Config].FlashMaxBytes), so an edit form stays an edit
// form. A checkbox (a bool field of In) that the post did not carry was
// left unchecked and does not take initial's value. Its result is never
// nil, so templates can call its methods directly.
func (f *Fn[In, Out]) Form(c *fiber.Ctx, initial map[string]string) *FormState {
	if fs := Flash(c).For(f.name); fs != nil {
		return fs.withInitial(initial, f.dec.checkboxNames())
	}
	return &FormState{Fn: f.name, Values: initial}
}

func (f *Fn[In, Out]) info() *meta { return &f.meta }
