package app

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// Throttle sets how often the account forms (log in, sign up, change
// password) may be tried and how often a user may change tasks. The counts
// live where the instances share them: in the database, or in Redis with
// Options.Redis. Zero fields take the defaults.
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
	// UserWrites is how many task writes (add, rename, toggle, delete,
	// clear completed) one user may make per UserWritesWindow; the next
	// are answered 429 and change nothing. Default 300.
	UserWrites int
	// UserWritesWindow is the window of UserWrites. Default 1 minute.
	UserWritesWindow time.Duration
}

// Default throttle settings.
const (
	DefaultAccountFailures  = 5
	DefaultAccountWindow    = 15 * time.Minute
	DefaultAddressAttempts  = 100
	DefaultAddressWindow    = 15 * time.Minute
	DefaultUserWrites       = 300
	DefaultUserWritesWindow = time.Minute
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
	if t.UserWrites <= 0 {
		t.UserWrites = DefaultUserWrites
	}
	if t.UserWritesWindow <= 0 {
		t.UserWritesWindow = DefaultUserWritesWindow
	}
	return t
}

// throttle applies the Throttle settings through the Attempts service.
// The server functions get it with fiberfn.ExpectContext[*throttle] and
// call it with the values they decoded, before the work it protects: a
// login on the normalized username of its input, never on a raw field of
// the request, so a decoy in the query string or a repeated field can no
// longer steer the count to another account. (Not an io.Closer: it
// travels in the request's locals, see Sessions.)
type throttle struct {
	attempts *Attempts
	account  Limit
	address  Limit
	writes   Limit
	logger   *slog.Logger
}

func newThrottle(attempts *Attempts, cfg Throttle, logger *slog.Logger) *throttle {
	cfg = cfg.withDefaults()
	return &throttle{
		attempts: attempts,
		account:  Limit{Max: cfg.AccountFailures, Window: cfg.AccountWindow},
		address:  Limit{Max: cfg.AddressAttempts, Window: cfg.AddressWindow},
		writes:   Limit{Max: cfg.UserWrites, Window: cfg.UserWritesWindow},
		logger:   logger,
	}
}

// Attempt keys: an account is named by what the function decoded (the
// normalized username of a login, the user id of a password change).
func loginKey(username string) string { return "login:" + username }
func passwordKey(uid int64) string    { return "password:" + strconv.FormatInt(uid, 10) }
func writeKey(uid int64) string       { return "write:" + strconv.FormatInt(uid, 10) }
func addressKey(c *fiber.Ctx) string  { return "addr:" + c.IP() }

// throttleOf returns the request's throttle.
func throttleOf(c *fiber.Ctx) *throttle {
	return fiberfn.ExpectContext[*throttle](c)
}

// takeAddress counts an attempt of an account form from the client's
// address (c.IP(), which believes X-Forwarded-For only from trusted
// proxies).
func (t *throttle) takeAddress(c *fiber.Ctx) error {
	_, err := t.take(c, t.address, addressKey(c), tooManyAttempts)
	return err
}

// takeAccount counts an attempt on an account before its password is
// checked. Give it back (Undo) when the password was right: only failures
// count. Counting before the check, rather than after a failure, bounds
// the checks of concurrent guesses by the limit too.
func (t *throttle) takeAccount(c *fiber.Ctx, key string) (Attempt, error) {
	return t.take(c, t.account, key, tooManyAttempts)
}

// takeWrite counts a task write of the user.
func (t *throttle) takeWrite(c *fiber.Ctx, uid int64) error {
	_, err := t.take(c, t.writes, writeKey(uid), tooManyWrites)
	return err
}

// take counts an attempt on key under l. Over the limit it answers 429:
// the message (for every kind of caller, through fiberfn) and Retry-After.
func (t *throttle) take(c *fiber.Ctx, l Limit, key string, message func(time.Duration) string) (Attempt, error) {
	a, err := t.attempts.Take(c.UserContext(), l, key)
	var th *Throttled
	if errors.As(err, &th) {
		return Attempt{}, tooMany(c, th.RetryAfter, message)
	}
	return a, err
}

// giveBack undoes a counted attempt (a login that succeeded). A failure
// to undo is logged, not shown: the user did log in.
func (t *throttle) giveBack(c *fiber.Ctx, a Attempt) {
	if err := a.Undo(c.UserContext()); err != nil {
		t.logger.Warn("demo: could not give back a successful attempt", "err", err)
	}
}

// tooMany is the answer to a throttled request: 429 with Retry-After and a
// message, which fiberfn gives every kind of caller in its shape.
func tooMany(c *fiber.Ctx, wait time.Duration, message func(time.Duration) string) error {
	fiberfn.Response(c).InsertHeader(fiber.HeaderRetryAfter, strconv.Itoa(retrySeconds(wait)))
	return &fiberfn.Error{Code: http.StatusTooManyRequests, Message: message(wait)}
}

// retrySeconds is wait in whole seconds, rounded up, at least 1.
func retrySeconds(wait time.Duration) int {
	return max(1, int((wait+time.Second-1)/time.Second))
}

// tooManyAttempts is the message of a throttled account form.
func tooManyAttempts(wait time.Duration) string {
	return "Too many attempts. Please wait " + inMinutes(wait) + " and try again."
}

// tooManyWrites is the message of a throttled task write.
func tooManyWrites(wait time.Duration) string {
	if s := retrySeconds(wait); s < 60 {
		unit := " seconds"
		if s == 1 {
			unit = " second"
		}
		return "Too many changes in a short time. Please wait " + strconv.Itoa(s) + unit + " and try again."
	}
	return "Too many changes in a short time. Please wait " + inMinutes(wait) + " and try again."
}

// inMinutes says wait in whole minutes, rounded up.
func inMinutes(wait time.Duration) string {
	if m := (retrySeconds(wait) + 59) / 60; m > 1 {
		return strconv.Itoa(m) + " minutes"
	}
	return "1 minute"
}

// limitWrites is the guard of the task functions (after loggedIn): a
// user's writes are counted before the function is decoded or claimed.
func limitWrites(c *fiber.Ctx) error {
	return throttleOf(c).takeWrite(c, userOf(c).ID)
}

// flashRetry is how long the caller must still wait when the page shows a
// form whose plain (no-JavaScript) post was throttled: the page then
// answers 429 with Retry-After too, like the post's redirect, so every
// kind of caller ends on a 429. ok is false when the form was not
// throttled.
func (t *throttle) flashRetry(c *fiber.Ctx, f *fiberfn.FormState) (wait time.Duration, ok bool, err error) {
	if f == nil || f.Status != http.StatusTooManyRequests {
		return 0, false, nil
	}
	ctx := c.UserContext()
	var checks []func(context.Context) (time.Duration, error)
	check := func(l Limit, key string) {
		checks = append(checks, func(ctx context.Context) (time.Duration, error) { return t.attempts.Wait(ctx, l, key) })
	}
	u, err := CurrentUser(c)
	if err != nil {
		return 0, false, err
	}
	switch f.Fn {
	case "login":
		check(t.address, addressKey(c))
		check(t.account, loginKey(normalizeUsername(f.Value("username"))))
	case "signup":
		check(t.address, addressKey(c))
	case "change_password":
		check(t.address, addressKey(c))
		if u != nil {
			check(t.account, passwordKey(u.ID))
		}
	default:
		if u != nil {
			check(t.writes, writeKey(u.ID))
		}
	}
	for _, ch := range checks {
		w, err := ch(ctx)
		if err != nil {
			return 0, false, err
		}
		wait = max(wait, w)
	}
	return max(wait, time.Second), true, nil
}
