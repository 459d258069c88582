package app

import (
	"html"
	"html/template"
	"strings"
)

// htmxDisable returns the template function htmxDisable for the htmx
// version the pages load: {{ htmxDisable "find button" }} is the attribute
// that makes htmx disable those elements while the form's request is in
// flight. htmx 4 calls it hx-disable; htmx 2 calls it hx-disabled-elt, and
// its hx-disable would instead turn htmx off for the element.
func htmxDisable(version string) func(sel string) template.HTMLAttr {
	name := "hx-disable"
	if strings.HasPrefix(version, "2.") {
		name = "hx-disabled-elt"
	}
	return func(sel string) template.HTMLAttr {
		return template.HTMLAttr(name + `="` + html.EscapeString(sel) + `"`)
	}
}
