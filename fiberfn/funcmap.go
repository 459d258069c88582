package fiberfn

import (
	"fmt"
	"html/template"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn/htmx"
)

// FuncMap returns template functions for Go's html/template engines (add
// them with engine.AddFuncMap of github.com/gofiber/template/html/v2):
//
//   - fnPath "name": the path of the server function registered under name
//     on the given registry (the default registry when none is given); an
//     unknown name fails the render instead of producing a broken form.
//   - fnURL "name" args...: its concrete URL, the route's parameters
//     filled by args in order and path-escaped ({{ fnURL "delete_contact"
//     .ID }} is "/contacts/7"; see [Fn.URL]); an unknown name or a wrong
//     number of arguments fails the render.
//   - fnOnce "name": a hidden input with a fresh one-time token for the
//     once-only function name (see [OnceOnly]), signed with the keys of the
//     plugin serving the registry.
//   - fnHTMXConfig: the htmx configuration <meta> tag ([htmx.ConfigMeta])
//     for the page <head>.
func FuncMap(registry ...*Registry) template.FuncMap {
	r := defaultRegistry
	if len(registry) > 0 && registry[0] != nil {
		r = registry[0]
	}
	return template.FuncMap{
		"fnPath": func(name string) (string, error) {
			if p, ok := r.Path(name); ok {
				return p, nil
			}
			return "", fmt.Errorf("fiberfn: no server function named %q", name)
		},
		"fnURL": func(name string, args ...any) (string, error) {
			return r.URL(name, args...)
		},
		"fnOnce": func(name string) (template.HTML, error) {
			if _, ok := r.Path(name); !ok {
				return "", fmt.Errorf("fiberfn: no server function named %q", name)
			}
			sg, ttl := r.tokenSigner()
			return onceInput(sg, name, time.Duration(ttl)), nil
		},
		"fnHTMXConfig": func() template.HTML {
			return template.HTML(htmx.ConfigMeta)
		},
	}
}
