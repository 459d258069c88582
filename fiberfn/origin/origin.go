// Package origin is Fiber middleware that refuses cross-origin browser
// requests that may change state, by the rules of Go's net/http
// CrossOriginProtection. fiberfn's server functions are checked by the
// same code; use this for the app's own routes that change state (a
// logout page, a settings form handled by hand):
//
//	app.Post("/logout", origin.New(), logout)
//
// The rules: GET, HEAD and OPTIONS pass (they must not change state); a
// request whose Sec-Fetch-Site is same-origin or none passes, any other
// Sec-Fetch-Site is refused; without Sec-Fetch-Site, an Origin whose host
// differs from the request's Host is refused; a request with neither
// header (curl, server to server, an old browser) passes. An origin listed
// in Config.TrustedOrigins always passes. It depends on Fiber only.
package origin

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Config configures the middleware returned by [New].
type Config struct {
	// Next skips the middleware for a request when it returns true.
	//
	// Optional. Default: nil
	Next func(c *fiber.Ctx) bool

	// TrustedOrigins are origins ("https://app.example.com") whose
	// cross-origin requests are allowed.
	//
	// Optional. Default: nil
	TrustedOrigins []string

	// ErrorHandler answers a refused request, with [ErrCrossOrigin] as
	// err.
	//
	// Optional. Default: return err, for Fiber's error handler (a 403)
	ErrorHandler fiber.ErrorHandler
}

// ConfigDefault is the default configuration.
var ConfigDefault = Config{
	ErrorHandler: func(c *fiber.Ctx, err error) error { return err },
}

// ErrCrossOrigin is the error of a refused request: 403 Forbidden.
var ErrCrossOrigin = fiber.NewError(http.StatusForbidden, "Cross-origin request refused.")

// New returns the middleware.
func New(config ...Config) fiber.Handler {
	cfg := ConfigDefault
	if len(config) > 0 {
		cfg = config[0]
		if cfg.ErrorHandler == nil {
			cfg.ErrorHandler = ConfigDefault.ErrorHandler
		}
	}
	return func(c *fiber.Ctx) error {
		if cfg.Next != nil && cfg.Next(c) {
			return c.Next()
		}
		h := &c.Request().Header
		if !Allowed(c.Method(), h.Peek("Sec-Fetch-Site"), h.Peek(fiber.HeaderOrigin), h.Host(), cfg.TrustedOrigins) {
			return cfg.ErrorHandler(c, ErrCrossOrigin)
		}
		return c.Next()
	}
}

// Allowed applies the rules to a request of method whose Sec-Fetch-Site,
// Origin and Host headers are given (empty when absent).
func Allowed(method string, secFetchSite, origin, host []byte, trusted []string) bool {
	switch method {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return true
	}
	switch string(secFetchSite) {
	case "same-origin", "none":
		return true
	case "":
		if len(origin) == 0 {
			return true
		}
		if oh := originHost(origin); len(oh) > 0 && bytes.EqualFold(oh, host) {
			return true
		}
		return isTrusted(origin, trusted)
	default:
		return isTrusted(origin, trusted)
	}
}

// originHost returns the host[:port] of an Origin header value
// ("https://example.com:8443"), or nil when it is not an http(s) origin.
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

func isTrusted(origin []byte, trusted []string) bool {
	if len(origin) == 0 {
		return false
	}
	for _, t := range trusted {
		if strings.EqualFold(strings.TrimSuffix(t, "/"), string(origin)) {
			return true
		}
	}
	return false
}
