package fiberfn

import (
	"bytes"
	"net/http"
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
func originAllowed(c *fiber.Ctx, h *reqHeaders, trusted []string) bool {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return true
	}
	switch site := string(h.secFetchSite); site {
	case "same-origin", "none":
		return true
	case "":
		if len(h.origin) == 0 {
			return true
		}
		if host := originHost(h.origin); len(host) > 0 && bytes.EqualFold(host, c.Request().Header.Host()) {
			return true
		}
		return isTrusted(string(h.origin), trusted)
	default:
		return isTrusted(string(h.origin), trusted)
	}
}

// originHost returns the host[:port] of an Origin header value
// ("https://example.com:8443"), or "" when it is not an http(s) origin.
func originHost(origin []byte) []byte {
	var rest []byte
	switch {
	case bytes.HasPrefix(origin, []byte("https://")):
		rest = origin[len("https://"):]
	case bytes.HasPrefix(origin, []byte("http://")):
		rest = origin[len("http://"):]
	default:
		return nil
	}
	for _, b := range rest {
		switch b {
		case '/', '?', '#', '@':
			return nil
		}
	}
	return rest
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
