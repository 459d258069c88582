package fiberfn

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// pathPrefix is the prefix of a server function's default path.
const pathPrefix = "/api/"

// Registry holds server functions by name and by path. Most programs
// register on the default registry with [Register]; a program that wants
// several independent sets of functions creates registries with
// [NewRegistry], registers on them with [RegisterOn] and serves each with
// its own plugin ([Config].Registry).
type Registry struct {
	mu     sync.Mutex                  // serialises registration
	byPath atomic.Pointer[endpointMap] // read without locks per request
	byName atomic.Pointer[map[string]*meta]
	// signers are those of the plugins serving the registry: fnOnce
	// signs with the newest, and every plugin accepts tokens of any.
	signers atomic.Pointer[[]signer]
	ttl     atomic.Int64 // once-only token lifetime, in ns
}

type endpointMap map[string]endpoint

// defaultRegistry is the registry of Register, served by New unless
// Config.Registry says otherwise.
var defaultRegistry = NewRegistry()

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{}
	r.byPath.Store(&endpointMap{})
	r.byName.Store(&map[string]*meta{})
	return r
}

// endpoint is a registered server function, seen without its types.
type endpoint interface {
	info() *meta
	serve(c *fiber.Ctx, st *requestState, kind bodyKind) error
}

// Fn is a registered server function with input type In and output type
// Out. Keep it in a package-level variable and use it from Go ([Fn.Call])
// and from templates ({{ .AddTask.Path }}, or fnPath "add_task").
type Fn[In, Out any] struct {
	meta
	fn  func(*fiber.Ctx, In) (Out, error)
	dec *decoder
}

// Register registers a server function on the default registry, which
// [New] serves unless [Config].Registry names another, usually from a
// package-level var so it exists before the app starts (like Leptos'
// #[server] auto-registration):
//
//	var AddTask = fiberfn.Register("add_task", addTask, fiberfn.Render("partials/task"))
//
// Its path is "/api/<name>" unless [Route] says otherwise.
//
// In must be a struct type (struct{} for no arguments); its fields are
// decoded by their `form` tags from form posts and by their `json` tags
// from JSON bodies. Out may be any type (struct{} for no result).
//
// Register panics when the name or path is empty, malformed or already
// registered: a mistake to fix at start-up, not at request time.
func Register[In, Out any](name string, fn func(*fiber.Ctx, In) (Out, error), opts ...Option) *Fn[In, Out] {
	return RegisterOn(defaultRegistry, name, fn, opts...)
}

// RegisterOn is [Register] on the given registry.
func RegisterOn[In, Out any](r *Registry, name string, fn func(*fiber.Ctx, In) (Out, error), opts ...Option) *Fn[In, Out] {
	if fn == nil {
		panic(fmt.Sprintf("fiberfn: Register(%q): nil function", name))
	}
	if !validName(name) {
		panic(fmt.Sprintf("fiberfn: Register(%q): a name is 1-64 characters of a-z A-Z 0-9 _ - .", name))
	}
	m := meta{name: name, path: pathPrefix + name}
	for _, opt := range opts {
		opt(&m)
	}
	if m.fallbackPage == "" {
		m.fallbackPage = "/"
	}
	if t, _, err := checkRedirect(m.fallbackPage, "", nil); err != nil || t != m.fallbackPage {
		panic(fmt.Sprintf("fiberfn: Register(%q): fallback page %q must be a path on this site", name, m.fallbackPage))
	}
	if !strings.HasPrefix(m.path, "/") || strings.ContainsAny(m.path, "?# \t\r\n") {
		panic(fmt.Sprintf("fiberfn: Register(%q): path %q must start with / and have no query, fragment or spaces", name, m.path))
	}
	dec, err := newDecoder(reflect.TypeOf((*In)(nil)).Elem())
	if err != nil {
		panic(fmt.Sprintf("fiberfn: Register(%q): %v", name, err))
	}
	f := &Fn[In, Out]{meta: m, fn: fn, dec: dec}
	r.add(f)
	return f
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

func (r *Registry) add(e endpoint) {
	m := e.info()
	r.mu.Lock()
	defer r.mu.Unlock()
	names := *r.byName.Load()
	if _, dup := names[m.name]; dup {
		panic(fmt.Sprintf("fiberfn: server function %q is already registered", m.name))
	}
	old := *r.byPath.Load()
	if prev, dup := old[m.path]; dup {
		panic(fmt.Sprintf("fiberfn: server function %q: path %s is already used by %q", m.name, m.path, prev.info().name))
	}
	nextPaths := make(endpointMap, len(old)+1)
	for k, v := range old {
		nextPaths[k] = v
	}
	nextPaths[m.path] = e
	nextNames := make(map[string]*meta, len(names)+1)
	for k, v := range names {
		nextNames[k] = v
	}
	nextNames[m.name] = m
	r.byPath.Store(&nextPaths)
	r.byName.Store(&nextNames)
}

// lookup returns the function served at path, or nil.
func (r *Registry) lookup(path string) endpoint {
	return (*r.byPath.Load())[path]
}

// Path returns the path of the function registered under name, and whether
// there is one. It takes no lock.
func (r *Registry) Path(name string) (string, bool) {
	m, ok := (*r.byName.Load())[name]
	if !ok {
		return "", false
	}
	return m.path, true
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

// Path returns the URL path of the function, for action= and hx-post= in
// templates.
func (f *Fn[In, Out]) Path() string { return f.path }

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
