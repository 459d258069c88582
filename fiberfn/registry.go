package fiberfn

import (
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"
)

// PathPrefix is the prefix of a server function's default path.
const PathPrefix = "/api/"

// Registry holds server functions by name and by path. Most programs use
// [DefaultRegistry] through [Register]; a program that wants several sets
// of functions creates registries with [NewRegistry] and registers on them
// with [RegisterOn].
type Registry struct {
	mu     sync.Mutex                  // serialises registration
	byPath atomic.Pointer[endpointMap] // read without locks per request
	byName map[string]*meta
}

type endpointMap map[string]endpoint

// DefaultRegistry is the registry used by [Register] and, unless
// [Config].Registry says otherwise, served by [New].
var DefaultRegistry = NewRegistry()

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	r := &Registry{byName: map[string]*meta{}}
	r.byPath.Store(&endpointMap{})
	return r
}

// endpoint is a registered server function, seen without its types.
type endpoint interface {
	info() *meta
	serve(c *fiber.Ctx, st *requestState) error
}

// Fn is a registered server function with input type In and output type Out.
type Fn[In, Out any] struct {
	meta
	fn     func(*fiber.Ctx, In) (Out, error)
	dec    *decoder
	inputs sync.Pool // of *In, zeroed, for decoding
}

// Register registers a server function on [DefaultRegistry], usually from a
// package-level var so it exists before the app starts (like Leptos'
// #[server] auto-registration). Its default path is "/api/<name>".
//
// In must be a struct type (struct{} for no arguments); its fields are
// decoded by their `form` tags from form posts and by their `json` tags
// from JSON bodies. Out may be any type (struct{} for no result).
//
// Register panics when the name or path is empty, malformed or already
// registered: a mistake to fix at start-up, not at request time.
func Register[In, Out any](name string, fn func(*fiber.Ctx, In) (Out, error), opts ...Option) *Fn[In, Out] {
	return RegisterOn(DefaultRegistry, name, fn, opts...)
}

// RegisterOn is [Register] on the given registry.
func RegisterOn[In, Out any](r *Registry, name string, fn func(*fiber.Ctx, In) (Out, error), opts ...Option) *Fn[In, Out] {
	if fn == nil {
		panic(fmt.Sprintf("fiberfn: Register(%q): nil function", name))
	}
	if !validName(name) {
		panic(fmt.Sprintf("fiberfn: Register(%q): a name is 1-64 characters of a-z A-Z 0-9 _ - .", name))
	}
	m := meta{name: name, path: PathPrefix + name}
	for _, opt := range opts {
		opt(&m)
	}
	if m.fallbackPage == "" {
		m.fallbackPage = "/"
	}
	if checkRedirect(m.fallbackPage, nil) != nil {
		panic(fmt.Sprintf("fiberfn: Register(%q): fallback page %q must be a path on this site", name, m.fallbackPage))
	}
	if !strings.HasPrefix(m.path, "/") || strings.ContainsAny(m.path, "?# \r\n") {
		panic(fmt.Sprintf("fiberfn: Register(%q): path %q must start with / and have no query, fragment or spaces", name, m.path))
	}
	dec, err := newDecoder(reflect.TypeFor[In]())
	if err != nil {
		panic(fmt.Sprintf("fiberfn: Register(%q): %v", name, err))
	}
	f := &Fn[In, Out]{meta: m, fn: fn, dec: dec}
	f.inputs.New = func() any { return new(In) }
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
	if _, dup := r.byName[m.name]; dup {
		panic(fmt.Sprintf("fiberfn: server function %q is already registered", m.name))
	}
	old := *r.byPath.Load()
	if prev, dup := old[m.path]; dup {
		panic(fmt.Sprintf("fiberfn: server function %q: path %s is already used by %q", m.name, m.path, prev.info().name))
	}
	next := make(endpointMap, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[m.path] = e
	r.byPath.Store(&next)
	r.byName[m.name] = m
}

// lookup returns the function served at path, or nil.
func (r *Registry) lookup(path string) endpoint {
	return (*r.byPath.Load())[path]
}

// Path returns the path of the function registered under name, and whether
// there is one.
func (r *Registry) Path(name string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, ok := r.byName[name]
	if !ok {
		return "", false
	}
	return m.path, true
}

// Name returns the name the function was registered under.
func (f *Fn[In, Out]) Name() string { return f.name }

// Path returns the URL path of the function, for action= and hx-post= in
// templates.
func (f *Fn[In, Out]) Path() string { return f.path }

// Call runs the function directly from server code, without HTTP, decoding
// or the plugin's error handling.
func (f *Fn[In, Out]) Call(c *fiber.Ctx, in In) (Out, error) {
	return f.fn(c, in)
}

func (f *Fn[In, Out]) info() *meta { return &f.meta }
