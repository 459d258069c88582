package app

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Limit is a rate: at most Max attempts per Window.
//
// The window slides. It is estimated, as in Cloudflare's rate limiter, from
// two fixed windows of length Window aligned to the Unix epoch: the count of
// the current one, plus the count of the one before weighted by the share
// of it that the sliding window still covers. Each key and fixed window is
// one counter in SQL or Redis, changed by one atomic statement or script,
// so instances that share the store share the counts exactly. The windows'
// boundaries come from each instance's clock, which must be synchronised
// (NTP) to within a small part of Window.
type Limit struct {
	Max    int
	Window time.Duration
}

// Throttled is the error of an attempt over its limit.
type Throttled struct {
	// RetryAfter is how long until an attempt would be allowed, if nothing
	// else were counted meanwhile; at least a second.
	RetryAfter time.Duration
}

func (e *Throttled) Error() string {
	return fmt.Sprintf("app: throttled; retry after %v", e.RetryAfter)
}

// Attempts is the one place the demo counts attempts: logins and password
// changes per account, the account forms per client address, task writes
// per user. Server functions call it with exactly the values they
// decoded, before the work the limit protects (a bcrypt check, a write).
type Attempts struct {
	store counterStore
	now   func() time.Time
}

// counterStore keeps the counters of Attempts. A counter is named by its
// key and fixed window. The sliding window's estimate is exact integer
// arithmetic in milliseconds: with w the window's length and rem the time
// left in the current window (the part of the previous window that the
// sliding window still covers), an attempt fits when
//
//	(cur + 1) * w + prev * rem <= max * w
type counterStore interface {
	// take adds one to the counter cur if the attempt fits, atomically,
	// and reports whether it added. A new counter lives for ttl from now.
	// When it did not add, it returns the counts of cur and prev too.
	take(ctx context.Context, now time.Time, cur, prev string, f fit, ttl time.Duration) (curN, prevN int64, added bool, err error)
	// counts returns the counts of cur and prev without changing them.
	counts(ctx context.Context, now time.Time, cur, prev string) (curN, prevN int64, err error)
	// undo takes one back from the counter cur.
	undo(ctx context.Context, cur string) error
}

// fit is what decides whether an attempt fits: the limit's maximum, the
// window's length w and the time rem left in the current window, in
// milliseconds.
type fit struct {
	max, w, rem int64
}

// ok reports whether one more attempt fits, given the counts.
func (f fit) ok(curN, prevN int64) bool {
	return (curN+1)*f.w+prevN*f.rem <= f.max*f.w
}

// Attempt is an attempt that was counted; Undo gives it back.
type Attempt struct {
	a   *Attempts
	key string // the counter (key and fixed window)
}

// Undo gives the attempt back: a successful login does not count as a
// failure. It is a no-op on the zero Attempt.
func (t Attempt) Undo(ctx context.Context) error {
	if t.a == nil {
		return nil
	}
	return t.a.store.undo(ctx, t.key)
}

// window locates now in l's fixed windows: the counter names of the
// current and previous window of key, what decides the fit, and how long a
// new counter must live (to the end of the next window, where it is the
// previous one).
func window(now time.Time, l Limit, key string) (cur, prev string, f fit, ttl time.Duration) {
	w := max(l.Window.Milliseconds(), 1)
	ms := now.UnixMilli()
	idx, into := ms/w, ms%w
	name := key + "#" + strconv.FormatInt(w, 10) + "#"
	cur = name + strconv.FormatInt(idx, 10)
	prev = name + strconv.FormatInt(idx-1, 10)
	f = fit{max: int64(l.Max), w: w, rem: w - into}
	ttl = time.Duration(f.rem+w) * time.Millisecond
	return cur, prev, f, ttl
}

// Take counts one attempt on key against l. Over the limit it counts
// nothing and returns a *Throttled error.
func (a *Attempts) Take(ctx context.Context, l Limit, key string) (Attempt, error) {
	now := a.now()
	cur, prev, f, ttl := window(now, l, key)
	curN, prevN, added, err := a.store.take(ctx, now, cur, prev, f, ttl)
	if err != nil {
		return Attempt{}, err
	}
	if !added {
		return Attempt{}, &Throttled{RetryAfter: retryAfter(f, curN, prevN)}
	}
	return Attempt{a: a, key: cur}, nil
}

// Wait returns how long until an attempt on key would be allowed under l
// (0: now), without counting anything.
func (a *Attempts) Wait(ctx context.Context, l Limit, key string) (time.Duration, error) {
	now := a.now()
	cur, prev, f, _ := window(now, l, key)
	curN, prevN, err := a.store.counts(ctx, now, cur, prev)
	if err != nil || f.ok(curN, prevN) {
		return 0, err
	}
	return retryAfter(f, curN, prevN), nil
}

// retryAfter is how long until one more attempt fits, if nothing else is
// counted meanwhile, rounded up to whole seconds (at least one): while
// the current window runs, the previous one's share shrinks; after it, the
// current one becomes the previous one and shrinks in turn.
func retryAfter(f fit, curN, prevN int64) time.Duration {
	var ms int64
	switch room := f.max - 1; {
	case curN <= room && prevN > 0:
		// (curN+1)*w + prevN*(rem-t) <= max*w
		ms = f.rem - (room-curN)*f.w/prevN
	case curN > room:
		// after rem: (0+1)*w + curN*(w-s) <= max*w
		ms = f.rem + ceilDiv((curN-room)*f.w, curN)
	}
	secs := max(ceilDiv(ms, 1000), 1)
	return time.Duration(secs) * time.Second
}

// ceilDiv is a / b rounded up, for a >= 0 and b > 0.
func ceilDiv(a, b int64) int64 {
	return (a + b - 1) / b
}
