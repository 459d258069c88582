package app

import (
	"html"
	"html/template"
)

// htmxDisable returns the template function htmxDisable for the htmx
// version the pages load: {{ htmxDisable "find button" }} is the attribute
// that makes htmx disable those elements while the form's request is in
// flight. htmx 4 calls it hx-disable; htmx 2 calls it hx-disabled-elt, and
// its hx-disable would instead turn htmx off for the element.
func htmxDisable(version string) func(sel string) template.HTMLAttr {
	name := "hx-disable"
	if liveLegacy(version) {
		name = "hx-disabled-elt"
	}
	return func(sel string) template.HTMLAttr {
		return template.HTMLAttr(name + `="` + html.EscapeString(sel) + `"`)
	}
}

// htmxDisableNothing returns the template function htmxDisableNothing:
// {{ htmxDisableNothing }} on an element that makes its own request inside
// a form with htmxDisable (the rename form's Cancel link) stops it from
// inheriting the form's selector. htmx 2 inherits hx-disabled-elt from
// every ancestor, and "find button" below a link matches nothing (htmx 2
// logs `The selector "find button" ... returned no matches!`); "unset"
// ends the inheritance. htmx 4 inherits only hx-disable:inherited, so the
// attribute is not needed there and is left out.
func htmxDisableNothing(version string) func() template.HTMLAttr {
	return func() template.HTMLAttr {
		if liveLegacy(version) {
			return `hx-disabled-elt="unset"`
		}
		return ""
	}
}
