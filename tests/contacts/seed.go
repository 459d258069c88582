package contacts

import "fmt"

// Seed returns n contacts for a demo or a test: the first few by name,
// then "Person N". One has markup in its name, which must show as text.
func Seed(n int) []Contact {
	named := []Contact{
		{First: "Joe", Last: "Blow", Phone: "+1 555 0100", Email: "joe@example.com"},
		{First: "Joan", Last: "Smith", Phone: "555-0101", Email: "joan@example.com"},
		{First: "Ann", Last: "<b>Lee</b>", Phone: "(555) 0102", Email: "ann@example.com"},
		{First: "Zoë", Last: "Ångström", Phone: "", Email: "zoe@example.org"},
	}
	var out []Contact
	for i := range n {
		if i < len(named) {
			out = append(out, named[i])
			continue
		}
		out = append(out, Contact{First: "Person", Last: fmt.Sprint(i + 1), Phone: fmt.Sprintf("555 %04d", i+1), Email: fmt.Sprintf("person%d@example.net", i+1)})
	}
	return out
}
