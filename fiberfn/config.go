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

	// AllowedRedirectHosts are hosts ("accounts.example.com", or with a
	// port, "accounts.example.com:8443") that [Redirect] may send a browser
	// to with an absolute http(s) URL. Relative targets and absolute URLs
	// of the request's own host are always allowed.
	//
	// A request that came over HTTPS is never redirected to plain http://
	// (a downgrade), whatever the host, except to loopback hosts and to
	// hosts listed here with the scheme written out, "http://legacy.example",
	// for a site that has no HTTPS.
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
	// then do not survive a restart and are not shared between
	// instances). Required with OnceStore or OnceStorage: New panics
	// without it, since a store shared by instances (or kept across
	// restarts) is useless when their tokens differ.
	Keys [][]byte

	// SecureCookies marks every cookie fiberfn sets, and every cookie set
	// through [ResponseOptions.SetCookie], Secure. Without it they are
	// Secure when the request came over HTTPS ([IsHTTPS], which honours
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

	// ClientID returns the identity of the client making the request,
	// for example a session id or, for JSON clients without cookies, the
	// account of their API key. fiberfn binds per-client state to it: the
	// flash and notice cookies are signed with it, and once-only answers
	// are stored under it (unless OnceScope gives a value), so they are
	// replayed only to the client that stored them. It must return the
	// same value in the request that sets a flash or notice and in the
	// next one (a session id that logging in renews would lose the
	// login's notice). "" means: use the client cookie.
	//
	// Optional. Default: nil (the client cookie, see ClientCookie)
	ClientID func(c *fiber.Ctx) string

	// ClientCookie is the name of the cookie that identifies a client when
	// ClientID gives no value: 128 random bits, set with the first HTML
	// page, once-only request, flash or notice that needs it, for a year.
	// It is named with the "__Host-" prefix when Secure.
	//
	// Optional. Default: "fiberfn_client"
	ClientCookie string

	// OnceStore keeps the claims and answers of once-only functions (see
	// [OnceOnly]). Several instances of an app must share one, and share
	// Keys: github.com/fiberfn/fiberfn/ext/redisstore and
	// github.com/fiberfn/fiberfn/ext/sqlstore claim keys atomically in
	// Redis, SQLite or PostgreSQL. New panics when OnceStore (or
	// OnceStorage) is set and Keys is empty: with a random key per
	// process, each instance would refuse the form tokens of the others.
	//
	// Optional. Default: [NewMemoryOnceStore] (this process only)
	OnceStore OnceStore

	// OnceStorage keeps the answers of once-only functions in a
	// fiber.Storage. A fiber.Storage has no atomic operation, so the
	// claims then stay in this process: two instances sharing the storage
	// may both run a key sent to both at once (New logs a warning). A
	// storage that also implements [OnceStore] is used as one.
	//
	// Deprecated: use OnceStore, with an adapter that claims atomically.
	OnceStorage fiber.Storage

	// OnceScope returns whose once-only keys a request's are, typically
	// the user id: when it returns a value, form tokens and
	// Idempotency-Keys are stored under it instead of the client identity
	// (ClientID or the client cookie), so a user's retry from another
	// device, or from a JSON client without cookies, is answered too.
	// Return "" for requests it cannot place (no user yet).
	//
	// Optional. Default: nil (the client identity)
	OnceScope func(c *fiber.Ctx) string

	// OnceTTL is how long a once-only token is valid and its answer kept.
	//
	// Optional. Default: 24 hours
	OnceTTL time.Duration

	// OnceLease is how long a claim on a once-only key lasts without
	// word from the instance running the function; the instance renews
	// it every third of the lease while the function runs. A claim whose
	// lease ran out with no answer stored means the instance died (or
	// lost the store) between claiming the key and storing the answer:
	// the key is never run again, and every later request with it gets
	// 409. So a crash is noticed after at most one lease; instances'
	// clocks (for the SQL store) must agree to well within it.
	//
	// Optional. Default: 10 seconds
	OnceLease time.Duration

	// OnceWait bounds how long a request waits for a first run of its key
	// still in progress (on any instance) before it gets 409 with
	// Retry-After.
	//
	// Optional. Default: 15 seconds
	OnceWait time.Duration

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
	ClientCookie:   "fiberfn_client",
	OnceTTL:        24 * time.Hour,
	OnceLease:      10 * time.Second,
	OnceWait:       15 * time.Second,
}

// errSharedStoreNoKeys is the start-up panic of a shared once store
// without shared keys.
const errSharedStoreNoKeys = "fiberfn: Config.OnceStore (or OnceStorage) is set but Config.Keys is empty: " +
	"the instances sharing a once-only store must share their signing keys, or each refuses the form tokens " +
	"(and flash and notice cookies) of the others, and every restart refuses them all; set Config.Keys to the same keys on every instance"

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
	if cfg.ClientCookie == "" {
		cfg.ClientCookie = ConfigDefault.ClientCookie
	}
	if cfg.OnceTTL <= 0 {
		cfg.OnceTTL = ConfigDefault.OnceTTL
	}
	if cfg.OnceLease <= 0 {
		cfg.OnceLease = ConfigDefault.OnceLease
	}
	if cfg.OnceWait <= 0 {
		cfg.OnceWait = ConfigDefault.OnceWait
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
		if cfg.OnceStore != nil || cfg.OnceStorage != nil {
			panic(errSharedStoreNoKeys)
		}
		cfg.Keys = [][]byte{processKey()}
	}
	return cfg
}
