package fiberfn

import (
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// Config configures the plugin returned by [New].
type Config struct {
	// Next skips the plugin for a request when it returns true.
	//
	// Optional. Default: nil
	Next func(c *fiber.Ctx) bool

	// Registry holds the server functions the plugin serves.
	//
	// Optional. Default: DefaultRegistry
	Registry *Registry

	// TrustedOrigins are origins ("https://app.example.com") whose
	// cross-origin requests to server functions are allowed.
	//
	// Optional. Default: nil
	TrustedOrigins []string

	// DisableOriginCheck turns the cross-origin protection of server
	// functions off. Only do this behind another CSRF defence.
	//
	// Optional. Default: false
	DisableOriginCheck bool

	// AllowedRedirectHosts are hosts ("accounts.example.com") that
	// [Redirect] may send a browser to with an absolute http(s) URL.
	// Relative targets are always allowed.
	//
	// Optional. Default: nil
	AllowedRedirectHosts []string

	// RedirectStatus is the status of redirects to plain (non-HTMX)
	// callers, for example 303 See Other.
	//
	// Optional. Default: 302 Found
	RedirectStatus int

	// BodyLimit is the largest request body, in bytes, a server function
	// accepts; larger ones get 413. Per-function [BodyLimit] overrides it.
	//
	// Optional. Default: 1 MiB
	BodyLimit int

	// ErrorTarget is the HX-Retarget value sent with an HTMX error
	// response, so the error fragment lands in the form's error slot. It
	// is resolved by htmx relative to the element that made the request.
	// Per-function [ErrorTarget] overrides it.
	//
	// Optional. Default: "find .fiberfn-errors"
	ErrorTarget string

	// ErrorSwap is the HX-Reswap value sent with an HTMX error response.
	//
	// Optional. Default: "innerHTML"
	ErrorSwap string

	// FlashCookie is the name of the short-lived cookie that carries a
	// failed form's message and values across the redirect of a plain
	// (no-JavaScript) form post.
	//
	// Optional. Default: "fiberfn_flash"
	FlashCookie string

	// Logger receives unexpected errors and panics of server functions.
	//
	// Optional. Default: slog.Default()
	Logger *slog.Logger
}

// ConfigDefault is the default configuration.
var ConfigDefault = Config{
	Next:           nil,
	Registry:       nil, // DefaultRegistry
	RedirectStatus: http.StatusFound,
	BodyLimit:      1 << 20,
	ErrorTarget:    "find .fiberfn-errors",
	ErrorSwap:      "innerHTML",
	FlashCookie:    "fiberfn_flash",
}

// configDefault fills the unset fields of the first config with defaults.
func configDefault(config ...Config) Config {
	if len(config) < 1 {
		cfg := ConfigDefault
		cfg.Registry = DefaultRegistry
		cfg.Logger = slog.Default()
		return cfg
	}
	cfg := config[0]
	if cfg.Registry == nil {
		cfg.Registry = DefaultRegistry
	}
	if cfg.RedirectStatus < 300 || cfg.RedirectStatus > 399 {
		cfg.RedirectStatus = ConfigDefault.RedirectStatus
	}
	if cfg.BodyLimit <= 0 {
		cfg.BodyLimit = ConfigDefault.BodyLimit
	}
	if cfg.ErrorTarget == "" {
		cfg.ErrorTarget = ConfigDefault.ErrorTarget
	}
	if cfg.ErrorSwap == "" {
		cfg.ErrorSwap = ConfigDefault.ErrorSwap
	}
	if cfg.FlashCookie == "" {
		cfg.FlashCookie = ConfigDefault.FlashCookie
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return cfg
}
