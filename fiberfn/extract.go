package fiberfn

import (
	"net/http"

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
		{"headers", c.ReqHeaderParser},
		{"cookies", c.CookieParser},
		{"query", c.QueryParser},
		{"route parameters", c.ParamsParser},
	}
	for _, p := range parsers {
		if err := p.parse(&v); err != nil {
			var zero T
			return zero, &Error{Code: http.StatusBadRequest, Message: "Invalid " + p.part + ": " + err.Error() + "."}
		}
	}
	return v, nil
}
