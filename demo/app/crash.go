package app

// A test hook for crash tests of once-only functions across instances
// (Options.CrashAfterRun, $FIBERFN_CRASH_AFTER_RUN of the demo binary):
// the process kills itself right after a run of the named function and
// before its answer is stored, the one moment a retry can neither replay
// an answer nor safely run again.
//
// It lives in the demo, not in fiberfn: it wraps the app's OnceStore
// (fiberfn's public interface), so the library has no hook at all. A
// middleware on the function's path marks the request's context; the
// wrapped Claim remembers the keys that such requests won; the wrapped
// Finish of one of those keys, which fiberfn calls after the function ran
// and its answer was written to the response (not yet sent), kills the
// process instead of storing it.

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// crashableFns are the demo's once-only functions by name, with their
// paths: the names CrashAfterRun accepts.
func crashableFns() map[string]string {
	return map[string]string{fnAddTask: AddTask.Path()}
}

// crasher is the app's once store with the crash hook.
type crasher struct {
	onceStore
	fn   string
	path string
	mu   sync.Mutex
	keys map[string]bool // won by a request to fn
}

// crashMark marks the context of a request to the crashing function.
type crashMark struct{}

func newCrasher(fn string, store onceStore) *crasher {
	return &crasher{onceStore: store, fn: fn, path: crashableFns()[fn], keys: map[string]bool{}}
}

// checkCrashFn reports an error unless fn names a once-only function.
func checkCrashFn(fn string) error {
	if _, ok := crashableFns()[fn]; !ok {
		return fmt.Errorf("app: CrashAfterRun %q is not a once-only function of the demo (want %q)", fn, fnAddTask)
	}
	return nil
}

// mark is the middleware on the function's path.
func (c *crasher) mark(ctx *fiber.Ctx) error {
	ctx.SetUserContext(context.WithValue(ctx.UserContext(), crashMark{}, true))
	return ctx.Next()
}

// Claim implements fiberfn.OnceStore.
func (c *crasher) Claim(ctx context.Context, key, runID string, lease, ttl time.Duration) (fiberfn.ClaimResult, error) {
	res, err := c.onceStore.Claim(ctx, key, runID, lease, ttl)
	if err == nil && res.Status == fiberfn.ClaimWon && ctx.Value(crashMark{}) != nil {
		c.mu.Lock()
		c.keys[key] = true
		c.mu.Unlock()
	}
	return res, err
}

// Release implements fiberfn.OnceStore: a failed run's key is forgotten.
func (c *crasher) Release(ctx context.Context, key, runID string) error {
	c.mu.Lock()
	delete(c.keys, key)
	c.mu.Unlock()
	return c.onceStore.Release(ctx, key, runID)
}

// Finish implements fiberfn.OnceStore: for a key that fn won, it kills
// the process.
func (c *crasher) Finish(ctx context.Context, key, runID string, answer []byte, ttl time.Duration) (bool, error) {
	c.mu.Lock()
	crash := c.keys[key]
	c.mu.Unlock()
	if crash {
		fmt.Fprintf(os.Stderr, "demo: crash hook: %s ran; killing the process before its answer is stored\n", c.fn)
		if p, err := os.FindProcess(os.Getpid()); err == nil {
			_ = p.Kill() // SIGKILL: no deferred function, no shutdown
		}
		os.Exit(137) // not reached on Unix
	}
	return c.onceStore.Finish(ctx, key, runID, answer, ttl)
}
