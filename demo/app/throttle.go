package app

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"
)

// Throttle sets how often the account forms (log in, sign up, change
// password) may be tried. Counts live in the demo's database (table
// "limits"), so a restart keeps them. Zero fields take the defaults.
type Throttle struct {
	// AccountFailures is how many failed logins (or failed password
	// changes) one account may have per AccountWindow; the next attempts
	// on that account are answered 429 without checking the password.
	// A success does not count. Default 5.
	AccountFailures int
	// AccountWindow is the window of AccountFailures. Default 15 minutes.
	AccountWindow time.Duration
	// AddressAttempts is how many attempts of the three forms together,
	// successful or not, one client address may make per AddressWindow.
	// Default 100.
	AddressAttempts int
	// AddressWindow is the window of AddressAttempts. Default 15 minutes.
	AddressWindow time.Duration
}

// Default throttle settings.
const (
	DefaultAccountFailures = 5
	DefaultAccountWindow   = 15 * time.Minute
	DefaultAddressAttempts = 100
	DefaultAddressWindow   = 15 * time.Minute
)

func (t Throttle) withDefaults() Throttle {
	if t.AccountFailures <= 0 {
		t.AccountFailures = DefaultAccountFailures
	}
	if t.AccountWindow <= 0 {
		t.AccountWindow = DefaultAccountWindow
	}
	if t.AddressAttempts <= 0 {
		t.AddressAttempts = DefaultAddressAttempts
	}
	if t.AddressWindow <= 0 {
		t.AddressWindow = DefaultAddressWindow
	}
	return t
}

// limitsTable is the table of the limiter storage.
const limitsTable = "limits"

// Locals keys of the throttle.
type (
	// throttledKey holds the seconds until a throttled request may be
	// retried.
	throttledKey struct{}
	// authFailedKey is set by a server function whose credentials were
	// wrong, so that the failure counts against the account.
	authFailedKey struct{}
	// realStatusKey keeps the status of a failed attempt that answered
	// below 400 (a no-JavaScript post is redirected back with 302).
	realStatusKey struct{}
)

// throttle is the rate limiting of the account forms: Fiber's limiter
// middleware over the demo's database (see newKVStorage), once per client
// address and once per account.
type throttle struct {
	storage fiber.Storage
}

// newThrottle keeps the counts in storage, which it owns from then on.
func newThrottle(storage fiber.Storage) *throttle {
	return &throttle{storage: storage}
}

// stop stops the storage's expiry sweeper; the database stays open. (Not
// Close: see Sessions.stop.)
func (t *throttle) stop() error {
	return t.storage.Close()
}

// install mounts the limiters on the paths of the three account
// functions. It must come after fiberfn.Provide (the password-change key
// needs the logged-in user) and before the fiberfn plugin.
//
// A request over a limit is not answered by the limiter itself: it marks
// the request (throttledKey) and lets it through to the server function,
// whose first step, checkThrottle, fails with 429 before any bcrypt work.
// fiberfn then answers each kind of caller the usual way: JSON gets
// {"error"} with 429, htmx gets the form re-rendered with the message and
// 429, a no-JavaScript post is sent back to the form with the message.
// The limiter's Retry-After header goes with all of them.
func (t *throttle) install(f *fiber.App, cfg Throttle) {
	cfg = cfg.withDefaults()
	reached := func(c *fiber.Ctx) error {
		secs, _ := strconv.Atoi(string(c.Response().Header.Peek(fiber.HeaderRetryAfter)))
		if secs < 1 {
			secs = 1
		}
		c.Locals(throttledKey{}, secs)
		return c.Next()
	}
	onlyPosts := func(c *fiber.Ctx) bool { return c.Method() != fiber.MethodPost }
	byAddress := limiter.New(limiter.Config{
		Next:         onlyPosts,
		Max:          cfg.AddressAttempts,
		Expiration:   cfg.AddressWindow,
		KeyGenerator: func(c *fiber.Ctx) string { return "addr:" + c.IP() },
		LimitReached: reached,
		Storage:      t.storage,
	})
	byAccount := func(key func(*fiber.Ctx) string) fiber.Handler {
		return limiter.New(limiter.Config{
			Next: func(c *fiber.Ctx) bool {
				return onlyPosts(c) || c.Locals(throttledKey{}) != nil || key(c) == ""
			},
			Max:                    cfg.AccountFailures,
			Expiration:             cfg.AccountWindow,
			KeyGenerator:           key,
			LimitReached:           reached,
			SkipSuccessfulRequests: true,
			Storage:                t.storage,
		})
	}
	f.Use(Signup.Path(), byAddress)
	f.Use(Login.Path(), byAddress, restoreStatus, byAccount(loginAccountKey), markFailure)
	f.Use(ChangePassword.Path(), byAddress, restoreStatus, byAccount(passwordAccountKey), markFailure)
}

// loginAccountKey is the limiter key of a login: the normalized username
// of the form (or JSON body). A name no account can have gets none: it is
// refused before any password check anyway.
func loginAccountKey(c *fiber.Ctx) string {
	var name string
	if strings.HasPrefix(strings.ToLower(c.Get(fiber.HeaderContentType)), fiber.MIMEApplicationJSON) {
		var in struct {
			Username string `json:"username"`
		}
		_ = json.Unmarshal(c.Body(), &in)
		name = in.Username
	} else {
		name = c.FormValue("username")
	}
	name = normalizeUsername(name)
	if usernameProblem(name) != "" {
		return ""
	}
	return "login:" + name
}

// passwordAccountKey is the limiter key of a password change: the
// logged-in user. Without one there is no key (the function asks to log
// in first).
func passwordAccountKey(c *fiber.Ctx) string {
	u, err := CurrentUser(c)
	if err != nil || u == nil {
		return ""
	}
	return "password:" + strconv.FormatInt(u.ID, 10)
}

// checkThrottle is the first step of a throttled server function: a 429
// when the limiter marked the request.
func checkThrottle(c *fiber.Ctx) error {
	secs, ok := c.Locals(throttledKey{}).(int)
	if !ok {
		return nil
	}
	return &fiberfn.Error{Code: http.StatusTooManyRequests, Message: tooManyAttempts(secs)}
}

// tooManyAttempts is the message of a throttled request.
func tooManyAttempts(secs int) string {
	wait := "1 minute"
	if m := (secs + 59) / 60; m > 1 {
		wait = strconv.Itoa(m) + " minutes"
	}
	return "Too many attempts. Please wait " + wait + " and try again."
}

// failedAttempt marks the request as a failed login or password change,
// which counts against the account.
func failedAttempt(c *fiber.Ctx) {
	c.Locals(authFailedKey{}, true)
}

// markFailure runs inside the account limiter, which counts only answers
// of 400 and above as failures. A failed attempt of a no-JavaScript form
// is a 302 back to the form, so it shows the limiter a 401 and keeps the
// real status for restoreStatus.
func markFailure(c *fiber.Ctx) error {
	err := c.Next()
	if failed, _ := c.Locals(authFailedKey{}).(bool); failed {
		if st := c.Response().StatusCode(); st < fiber.StatusBadRequest {
			c.Locals(realStatusKey{}, st)
			c.Status(fiber.StatusUnauthorized)
		}
	}
	return err
}

// restoreStatus runs around the account limiter and puts back the status
// that markFailure replaced.
func restoreStatus(c *fiber.Ctx) error {
	err := c.Next()
	if st, ok := c.Locals(realStatusKey{}).(int); ok {
		c.Status(st)
	}
	return err
}
