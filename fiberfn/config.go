package fiberfn

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Config configures the plugin that [Mount] installs (or [New] returns).
type Config struct {
	// Next skips the plugin for a request when it returns true; the
	// server functions then do not answer it either (it goes on to the
	// app's routes).
	//
	// Optional. Default: nil
	Next func(c *fiber.Ctx) bool

	// Registry holds the server functions the plugin serves.
	//
	// Optional. Default: the registry of [Register]
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
	// Relative targets and absolute URLs of the request's own host are
	// always allowed.
	//
	// Optional. Default: nil
	AllowedRedirectHosts []string

	// RedirectStatus is the status of real redirects (plain, boosted and
	// history-restore callers), for example 303 See Other.
	//
	// Optional. Default: 302 Found
	RedirectStatus int

	// BodyLimit is the largest request body, in bytes, a server function
	// accepts; larger ones get 413. Per-function [BodyLimit] overrides it.
	//
	// Optional. Default: 1 MiB
	BodyLimit int

	// ErrorTarget is the HX-Retarget value sent with an htmx error
	// answer, so the error fragment lands in the form's error slot. htmx
	// resolves it relative to the element that made the request, and
	// takes the first match of a comma-separated list: by default the
	// form's own slot (an element with class "fiberfn-errors" inside the
	// form), else the page's (the element with id "fiberfn-errors", which
	// [ErrorScript] creates when the page has none). Per-function
	// [ErrorTarget] overrides it.
	//
	// Optional. Default: "find .fiberfn-errors, #fiberfn-errors"
	ErrorTarget string

	// ErrorSwap is the HX-Reswap value sent with an htmx error answer.
	//
	// Optional. Default: "innerHTML"
	ErrorSwap string

	// ErrorHandler, when set, writes every error answer of a server
	// function instead of the built-in one: refusals (403, 405, 413, 415),
	// bad arguments, guard refusals and errors the function returned. err
	// is what the user may see; [WantsJSON] and [WantsFragment] tell who is
	// asking. A non-nil return goes on to Fiber's error handler.
	//
	// Optional. Default: nil (the per-caller answers described in the
	// package documentation)
	ErrorHandler func(c *fiber.Ctx, err *Error) error

	// Keys sign the cookies fiberfn sets (flash, notice) and the tokens of
	// once-only forms with HMAC-SHA256. The first key signs; every key
	// verifies, so a key can be rotated by putting the new one first.
	// Each key must be at least 32 bytes. Several instances of an app
	// behind one load balancer must share their keys.
	//
	// Optional. Default: a random key per process (cookies and tokens
	// then do not survive a restart and are not shared between instances)
	Keys [][]byte

	// SecureCookies marks every cookie fiberfn sets, and every cookie set
	// through [ResponseOptions.SetCookie], Secure. Without it they are
	// Secure when the request came over HTTPS (c.Protocol(), which honours
	// Fiber's trusted-proxy settings).
	//
	// Optional. Default: false
	SecureCookies bool

	// FlashCookie is the name of the short-lived cookie that carries a
	// failed form's message and values across the redirect of a plain
	// (no-JavaScript) form post. See [Flash].
	//
	// Optional. Default: "fiberfn_flash"
	FlashCookie string

	// NoticeCookie is the name of the short-lived cookie that carries a
	// success message across a redirect. See [Notify].
	//
	// Optional. Default: "fiberfn_notice"
	NoticeCookie string

	// FlashMaxBytes caps the flash and notice cookies. Every later request
	// of the browser carries them in its headers, which Fiber reads into a
	// buffer of ReadBufferSize bytes (4096 by default; an overflow is a
	// 431), beside the session cookie and the URL; raise both together.
	//
	// Optional. Default: a quarter of the app's ReadBufferSize, at least
	// 512 bytes
	FlashMaxBytes int

	// OnceStorage keeps the answers of once-only functions (see
	// [OnceOnly]) by token. Use a shared storage (SQLite, Redis) for
	// several instances or to keep tokens across restarts.
	//
	// Optional. Default: an in-memory storage
	OnceStorage fiber.Storage

	// OnceScope returns what makes a once-only key unique besides the key
	// itself, typically the user or session id: an Idempotency-Key is
	// chosen by the client, so without a scope two users who send the same
	// key and body share one stored answer. Form tokens are made by the
	// server and need no scope.
	//
	// Optional. Default: nil (keys are scoped by function only)
	OnceScope func(c *fiber.Ctx) string

	// OnceTTL is how long a once-only token is valid and its answer kept.
	//
	// Optional. Default: 24 hours
	OnceTTL time.Duration

	// Logger receives unexpected errors and panics of server functions.
	//
	// Optional. Default: slog.Default()
	Logger *slog.Logger
}

// ConfigDefault is the default configuration.
var ConfigDefault = Config{
	RedirectStatus: http.StatusFound,
	BodyLimit:      1 << 20,
	ErrorTarget:    "find .fiberfn-errors, #fiberfn-errors",
	ErrorSwap:      "innerHTML",
	FlashCookie:    "fiberfn_flash",
	NoticeCookie:   "fiberfn_notice",
	OnceTTL:        24 * time.Hour,
}

// minKeyLen is the shortest signing key accepted.
const minKeyLen = 32

// configDefault fills the unset fields of the first config with defaults.
// It panics on a key that is too short: a mistake to fix at start-up.
func configDefault(config ...Config) Config {
	var cfg Config
	if len(config) > 0 {
		cfg = config[0]
	}
	if cfg.Registry == nil {
		cfg.Registry = defaultRegistry
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
	if cfg.NoticeCookie == "" {
		cfg.NoticeCookie = ConfigDefault.NoticeCookie
	}
	if cfg.OnceTTL <= 0 {
		cfg.OnceTTL = ConfigDefault.OnceTTL
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	for i, k := range cfg.Keys {
		if len(k) < minKeyLen {
			panic(fmt.Sprintf("fiberfn: Config.Keys[%d] is %d bytes; a key must have at least %d", i, len(k), minKeyLen))
		}
	}
	if len(cfg.Keys) == 0 {
		cfg.Keys = [][]byte{processKey()}
	}
	return cfg
}
