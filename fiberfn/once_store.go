package fiberfn

import (
	"context"
	"time"
)

// OnceStore keeps the claims and stored answers of once-only functions
// (see [OnceOnly]) where every instance of the app sees them: the
// in-memory default ([NewMemoryOnceStore]) for one process, or an adapter
// over a shared database for several (github.com/fiberfn/fiberfn/ext/redisstore,
// github.com/fiberfn/fiberfn/ext/sqlstore).
//
// [fiber.Storage] cannot serve here: it has no atomic operation, so two
// instances that both read "no answer yet" would both run the function.
// (Fiber's own idempotency middleware takes a separate Locker for the same
// reason.) An OnceStore claims a key atomically before the function runs.
//
// A key's record goes through these states:
//
//	(none) --Claim--> claimed(runID, lease) --Finish--> answered(answer)
//	                     |      ^    |
//	                     |      Renew |--lease runs out--> claimed, lease expired
//	                     +--Release--> (none)
//
// Every record expires after the ttl given to Claim or Finish, and a key
// whose record expired is free again. A claim whose lease ran out with no
// answer stays in the store for its ttl: the instance that held it died
// (or lost touch with the store) somewhere between claiming the key and
// storing the answer, so the function may or may not have done its work,
// and the key must not run again. Finish, Renew and Release act only for
// the runID that holds the claim (a fence), so a run that outlived its
// lease can still store its answer but can never overwrite another's.
//
// Implementations must be safe for concurrent use, and every method must
// be atomic with respect to the others for the same key, across every
// instance sharing the store.
type OnceStore interface {
	// Claim claims key for the run runID when the key has no record (or
	// its record expired): it creates a claim held by runID whose lease
	// lasts lease, and a record that lasts ttl, and reports ClaimWon.
	// Otherwise it changes nothing and reports the record's state:
	// ClaimAnswered with the stored answer, ClaimRunning while the
	// holder's lease lasts, ClaimLeaseExpired after it ran out.
	Claim(ctx context.Context, key, runID string, lease, ttl time.Duration) (ClaimResult, error)

	// Renew extends the lease of runID's claim on key to lease from now.
	// It reports false, changing nothing, when key is not claimed by
	// runID or already has its answer.
	Renew(ctx context.Context, key, runID string, lease time.Duration) (bool, error)

	// Finish stores answer as the answer of key for ttl when runID holds
	// the claim on key (its lease may have run out), and reports false,
	// changing nothing, otherwise.
	Finish(ctx context.Context, key, runID string, answer []byte, ttl time.Duration) (bool, error)

	// Release removes runID's claim on key when it has no answer, so the
	// key can be claimed again: a failed first run gives its key back.
	Release(ctx context.Context, key, runID string) error
}

// ClaimStatus is the state of a key that [OnceStore.Claim] reports.
type ClaimStatus uint8

const (
	// ClaimWon: the key was free and is now claimed by the caller's run.
	ClaimWon ClaimStatus = iota + 1
	// ClaimRunning: another run holds the key and its lease lasts.
	ClaimRunning
	// ClaimAnswered: the first run finished; its answer is stored.
	ClaimAnswered
	// ClaimLeaseExpired: another run claimed the key, and its lease ran
	// out with no answer stored: its instance died or lost the store. The
	// key is never run again (at most once, also across crashes).
	ClaimLeaseExpired
)

// String returns the status's name.
func (s ClaimStatus) String() string {
	switch s {
	case ClaimWon:
		return "won"
	case ClaimRunning:
		return "running"
	case ClaimAnswered:
		return "answered"
	case ClaimLeaseExpired:
		return "lease expired"
	}
	return "invalid"
}

// ClaimResult is what [OnceStore.Claim] found or did.
type ClaimResult struct {
	// Status is the key's state.
	Status ClaimStatus
	// Answer is the stored answer when Status is ClaimAnswered. fiberfn
	// reads it and does not keep it.
	Answer []byte
}
