package fiberfn

import (
	"fmt"
	"html/template"
)

// FuncMap returns template functions for Go's html/template engines (add
// them with engine.AddFuncMap of github.com/gofiber/template/html/v2):
//
//   - fnPath "name": the path of the server function registered under name
//     on the given registry (DefaultRegistry when none is given); an
//     unknown name fails the render instead of producing a broken form.
//   - fnHTMXConfig: the [HTMXConfigMeta] tag for the page <head>.
func FuncMap(registry ...*Registry) template.FuncMap {
	r := DefaultRegistry
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
		"fnHTMXConfig": func() template.HTML {
			return template.HTML(HTMXConfigMeta)
		},
	}
}
