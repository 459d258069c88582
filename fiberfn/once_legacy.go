package fiberfn

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"
)

// storageOnceStore is the [OnceStore] behind a plain fiber.Storage given
// as [Config].OnceStorage: the answers live in the storage (shared, and
// kept across restarts), but the claims live in this process only, since
// a fiber.Storage cannot claim a key atomically. Two instances sharing
// the storage may therefore both run a key sent to both at once; New logs
// a warning saying so.
type storageOnceStore struct {
	storage fiber.Storage
	claims  *memoryOnceStore
}

func newStorageOnceStore(storage fiber.Storage) *storageOnceStore {
	return &storageOnceStore{storage: storage, claims: NewMemoryOnceStore().(*memoryOnceStore)}
}

// Claim implements [OnceStore]: the in-process claim first, then the
// storage's answer, read without holding any lock.
func (s *storageOnceStore) Claim(ctx context.Context, key, runID string, lease, ttl time.Duration) (ClaimResult, error) {
	res, err := s.claims.Claim(ctx, key, runID, lease, ttl)
	if err != nil || res.Status != ClaimWon {
		return res, err
	}
	stored, err := s.storage.Get(key)
	if err != nil || stored != nil {
		s.claims.forget(key, runID)
		if err != nil {
			return ClaimResult{}, err
		}
		return ClaimResult{Status: ClaimAnswered, Answer: stored}, nil
	}
	return res, nil
}

// Renew implements [OnceStore].
func (s *storageOnceStore) Renew(ctx context.Context, key, runID string, lease time.Duration) (bool, error) {
	return s.claims.Renew(ctx, key, runID, lease)
}

// Finish implements [OnceStore]: the answer goes to the storage, then the
// in-process claim is dropped, so later requests read the answer.
func (s *storageOnceStore) Finish(_ context.Context, key, runID string, answer []byte, ttl time.Duration) (bool, error) {
	if !s.claims.holds(key, runID) {
		return false, nil
	}
	if err := s.storage.Set(key, answer, ttl); err != nil {
		return false, err
	}
	s.claims.forget(key, runID)
	return true, nil
}

// Release implements [OnceStore].
func (s *storageOnceStore) Release(ctx context.Context, key, runID string) error {
	return s.claims.Release(ctx, key, runID)
}

// holds reports whether runID holds a live claim on key.
func (s *memoryOnceStore) holds(key, runID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held(key, runID, s.now()) != nil
}

// forget removes runID's record of key, answered or not.
func (s *memoryOnceStore) forget(key, runID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.records[key]; ok && r.runID == runID {
		delete(s.records, key)
	}
}
