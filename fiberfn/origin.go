package fiberfn

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// errCrossOrigin is the answer to a refused cross-origin request.
var errCrossOrigin = &Error{Code: http.StatusForbidden, Message: "Cross-origin request refused."}

// originAllowed applies the rules of Go's net/http CrossOriginProtection:
// safe methods pass; a Sec-Fetch-Site of same-origin or none passes; any
// other Sec-Fetch-Site is refused; without it, an Origin whose host differs
// from the request's Host is refused; a request with neither header (curl,
// server to server) passes. Trusted origins always pass.
func originAllowed(c *fiber.Ctx, trusted []string) bool {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return true
	}
	switch site := c.Get("Sec-Fetch-Site"); site {
	case "same-origin", "none":
		return true
	case "":
		origin := c.Get(fiber.HeaderOrigin)
		if origin == "" {
			return true
		}
		if u, err := url.Parse(origin); err == nil && u.Host != "" &&
			strings.EqualFold(u.Host, string(c.Request().Host())) {
			return true
		}
		return isTrusted(origin, trusted)
	default:
		return isTrusted(c.Get(fiber.HeaderOrigin), trusted)
	}
}

func isTrusted(origin string, trusted []string) bool {
	if origin == "" {
		return false
	}
	for _, t := range trusted {
		if strings.EqualFold(strings.TrimSuffix(t, "/"), origin) {
			return true
		}
	}
	return false
}
