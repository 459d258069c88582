package fiberfn

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Extract fills a struct of type T from the parts of the request named by
// Fiber's own tags: `reqHeader` (headers), `cookie`, `query` and `params`
// (route parameters). A value that cannot be converted is a 400 *[Error].
//
//	type Page struct {
//		Filter string `query:"filter"`
//		Lang   string `reqHeader:"Accept-Language"`
//		Theme  string `cookie:"theme"`
//	}
//	p, err := fiberfn.Extract[Page](c)
func Extract[T any](c *fiber.Ctx) (T, error) {
	var v T
	parsers := [...]struct {
		part  string
		parse func(any) error
	}{
		{"header", c.ReqHeaderParser},
		{"cookie", c.CookieParser},
		{"query parameter", c.QueryParser},
		{"route parameter", c.ParamsParser},
	}
	for _, p := range parsers {
		if err := p.parse(&v); err != nil {
			var zero T
			return zero, extractError(p.part, err)
		}
	}
	return v, nil
}

// extractError words a parser's error for the user: the part and the name
// of the value, never the decoder's internals or Go types.
func extractError(part string, err error) *Error {
	msg := err.Error()
	const marker = `converting value for "`
	if i := strings.Index(msg, marker); i >= 0 {
		name := msg[i+len(marker):]
		if j := strings.IndexByte(name, '"'); j >= 0 {
			name = name[:j]
			return &Error{Code: http.StatusBadRequest, Message: fmt.Sprintf("Invalid value for %s %q.", part, name), Fields: map[string]string{name: "is not valid"}}
		}
	}
	return &Error{Code: http.StatusBadRequest, Message: "Invalid " + part + "s."}
}
