package fiberfn

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// onceStore runs once-only functions once per key, across every instance
// sharing its [OnceStore]. In this process it coordinates per key only:
// its mutex guards the map of keys that a request of this process is
// claiming or running, and is never held across the store's I/O.
type onceStore struct {
	store OnceStore
	lease time.Duration // of a claim, renewed every third
	wait  time.Duration // for a first run in progress, at most
	log   *slog.Logger
	mu    sync.Mutex
	local map[string]chan struct{} // closed when this process's request for the key is done
}

func newOnceStore(cfg *Config) *onceStore {
	store := cfg.OnceStore
	if store == nil && cfg.OnceStorage != nil {
		if s, ok := cfg.OnceStorage.(OnceStore); ok {
			store = s
		} else {
			store = newStorageOnceStore(cfg.OnceStorage)
			cfg.Logger.Warn("fiberfn: Config.OnceStorage is a fiber.Storage, which cannot claim a key atomically: " +
				"once-only keys are claimed in this process only, so instances sharing the storage may run a key sent to both at once; " +
				"use Config.OnceStore with github.com/fiberfn/fiberfn/ext/redisstore or ext/sqlstore")
		}
	}
	if store == nil {
		store = NewMemoryOnceStore()
	}
	return &onceStore{store: store, lease: cfg.OnceLease, wait: cfg.OnceWait, log: cfg.Logger, local: map[string]chan struct{}{}}
}

// The refusals of once-only requests besides a bad token: no client to
// keep the answer for, a first run still running, a first run whose
// instance died, a stored answer that cannot be read.
var (
	errOnceNoClient = &Error{Code: http.StatusBadRequest, Message: "This request was sent without this site's client cookie, " +
		"which a once-only request needs (its answer is kept for its sender alone); " +
		"please reload the page, with cookies allowed, and try again."}
	errOnceLost = &Error{Code: http.StatusConflict, Message: "This was sent before, but the server handling it stopped before it answered. " +
		"It runs at most once, also across crashes, so it is not run again: " +
		"reload the page to see whether it took effect."}
	errOnceSent = &Error{Code: http.StatusConflict, Message: "This form was already sent."}
)

// onceOwner returns whose once-only keys the request's are: OnceScope's
// value, else the client identity; "" when the request has neither.
func (p *plugin) onceOwner(c *fiber.Ctx) string {
	if p.cfg.OnceScope != nil {
		if v := p.cfg.OnceScope(c); v != "" {
			return "s:" + v
		}
	}
	return p.clientID(c)
}

// onceKey is the storage key of a once-only request: the function, the
// token or Idempotency-Key, its owner and, for form tokens, the values
// sent (a form token belongs to the form as rendered: an htmx form that
// stays on the page sends it again with new values, a new submission).
func onceKey(fn, token, owner, digest string, clientKey bool) string {
	h := sha256.New()
	h.Write([]byte(fn))
	h.Write([]byte{0})
	h.Write([]byte(token))
	h.Write([]byte{0})
	h.Write([]byte(owner))
	if !clientKey && digest != "" {
		h.Write([]byte{0})
		h.Write([]byte(digest))
	}
	var sum [sha256.Size]byte
	return "fiberfn_once_" + base64.RawURLEncoding.EncodeToString(h.Sum(sum[:0]))
}

// runPrefix makes run ids unique across processes; runSeq within one.
var (
	runPrefix = func() string {
		var b [9]byte
		if _, err := rand.Read(b[:]); err != nil {
			panic("fiberfn: no randomness for run ids: " + err.Error())
		}
		return base64.RawURLEncoding.EncodeToString(b[:])
	}()
	runSeq atomic.Uint64
)

// newRunID returns an id for one attempt to run a once-only key.
func newRunID() string {
	return runPrefix + strconv.FormatUint(runSeq.Add(1), 36)
}

// Polling another instance's run: the first pause and the longest.
const (
	pollFirst = 2 * time.Millisecond
	pollMax   = 200 * time.Millisecond
)

// acquire claims key for a run, waiting (up to s.wait) while a run of the
// key is in progress here or on another instance. It returns the claim
// when the run is this request's, else what the store reported: answered,
// lease expired, or still running when the wait ran out.
func (s *onceStore) acquire(ctx context.Context, key string, ttl time.Duration) (*onceClaim, ClaimResult, error) {
	deadline := time.Now().Add(s.wait)
	runID := newRunID()
	pause := pollFirst
	for {
		s.mu.Lock()
		if busy, ok := s.local[key]; ok {
			// A request of this process claims or runs the key: wait for
			// it without asking the store.
			s.mu.Unlock()
			if !waitFor(busy, deadline) {
				return nil, ClaimResult{Status: ClaimRunning}, nil
			}
			continue
		}
		done := make(chan struct{})
		s.local[key] = done
		s.mu.Unlock()

		res, err := s.store.Claim(ctx, key, runID, s.lease, ttl)
		if err == nil && res.Status == ClaimWon {
			cl := &onceClaim{s: s, key: key, runID: runID, ttl: ttl, done: done}
			cl.mu.Lock()
			cl.renewal = time.AfterFunc(s.lease/3, cl.renew)
			cl.mu.Unlock()
			return cl, res, nil
		}
		s.unmark(key, done)
		if err != nil || res.Status != ClaimRunning {
			return nil, res, err
		}
		// Another instance runs the key: ask again, less and less often.
		left := time.Until(deadline)
		if left <= 0 {
			return nil, res, nil
		}
		time.Sleep(min(pause, left))
		pause = min(2*pause, pollMax)
	}
}

// waitFor waits until busy is closed (true) or the deadline passes.
func waitFor(busy <-chan struct{}, deadline time.Time) bool {
	left := time.Until(deadline)
	if left <= 0 {
		return false
	}
	t := time.NewTimer(left)
	defer t.Stop()
	select {
	case <-busy:
		return true
	case <-t.C:
		return false
	}
}

// unmark ends this process's request for key and wakes its waiters.
func (s *onceStore) unmark(key string, done chan struct{}) {
	s.mu.Lock()
	if s.local[key] == done {
		delete(s.local, key)
	}
	s.mu.Unlock()
	close(done)
}

// onceClaim is the right of one request to run a once-only function.
type onceClaim struct {
	s      *onceStore
	key    string
	runID  string
	ttl    time.Duration
	digest string
	done   chan struct{}

	mu      sync.Mutex // guards renewal and ended
	renewal *time.Timer
	ended   bool
}

// renew extends the claim's lease while the function runs, every third of
// the lease, until the claim ends.
func (cl *onceClaim) renew() {
	cl.mu.Lock()
	ended := cl.ended
	cl.mu.Unlock()
	if ended {
		return
	}
	ok, err := cl.s.store.Renew(context.Background(), cl.key, cl.runID, cl.s.lease)
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.ended || err == nil && !ok {
		return // answered, released, or lost: nothing left to renew
	}
	// After an error, try again: the lease may still be saved.
	cl.renewal.Reset(cl.s.lease / 3)
}

// end stops the renewals and wakes the requests of this process waiting
// for the key.
func (cl *onceClaim) end() {
	cl.mu.Lock()
	cl.ended = true
	cl.renewal.Stop()
	cl.mu.Unlock()
	cl.s.unmark(cl.key, cl.done)
}

// store writes the answer of the claim's run, only if the claim is still
// its own; it reports whether it was.
func (cl *onceClaim) store(answer []byte) (bool, error) {
	defer cl.end()
	return cl.s.store.Finish(context.Background(), cl.key, cl.runID, answer, cl.ttl)
}

// abandon gives the key back after a failed run. Safe on a nil claim.
func (cl *onceClaim) abandon() {
	if cl == nil {
		return
	}
	defer cl.end()
	if err := cl.s.store.Release(context.Background(), cl.key, cl.runID); err != nil {
		// The claim stays until its lease runs out: then the key is
		// refused as if its instance had died.
		cl.s.log.Error("fiberfn: giving back a once-only key failed", "err", err)
	}
}

// retryAfter is the Retry-After of a request that waited in vain for a
// first run: by then its lease was renewed or ran out.
func (s *onceStore) retryAfter() string {
	return strconv.Itoa(int((s.lease + time.Second - 1) / time.Second))
}
