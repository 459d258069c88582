package fiberfn

import (
	"context"
	"sync"
	"time"
)

// memoryOnceStore is the in-memory [OnceStore]: a map of records with
// expiry, swept as it grows. Its mutex guards map operations only; it is
// never held across I/O.
type memoryOnceStore struct {
	mu      sync.Mutex
	records map[string]*memoryRecord
	sweepAt int
	now     func() time.Time
}

type memoryRecord struct {
	runID   string
	lease   time.Time // the claim's lease ends
	expires time.Time // the record ends
	answer  []byte    // nil while claimed
}

// NewMemoryOnceStore returns an [OnceStore] in this process's memory: the
// default of [Config].OnceStore. It holds for one process only (a restart
// forgets every key); share one between several apps of a process, as
// tests of several instances do, or use a shared store for several
// processes.
func NewMemoryOnceStore() OnceStore {
	return &memoryOnceStore{records: map[string]*memoryRecord{}, sweepAt: 1024, now: time.Now}
}

// Claim implements [OnceStore].
func (s *memoryOnceStore) Claim(_ context.Context, key, runID string, lease, ttl time.Duration) (ClaimResult, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.records[key]; ok && now.Before(r.expires) {
		switch {
		case r.answer != nil:
			return ClaimResult{Status: ClaimAnswered, Answer: r.answer}, nil
		case now.Before(r.lease):
			return ClaimResult{Status: ClaimRunning}, nil
		}
		return ClaimResult{Status: ClaimLeaseExpired}, nil
	}
	s.records[key] = &memoryRecord{runID: runID, lease: now.Add(lease), expires: now.Add(ttl)}
	s.sweep(now)
	return ClaimResult{Status: ClaimWon}, nil
}

// held returns the live record of key claimed by runID, or nil. The caller
// holds s.mu.
func (s *memoryOnceStore) held(key, runID string, now time.Time) *memoryRecord {
	r, ok := s.records[key]
	if !ok || r.runID != runID || !now.Before(r.expires) {
		return nil
	}
	return r
}

// Renew implements [OnceStore].
func (s *memoryOnceStore) Renew(_ context.Context, key, runID string, lease time.Duration) (bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.held(key, runID, now)
	if r == nil || r.answer != nil {
		return false, nil
	}
	r.lease = now.Add(lease)
	return true, nil
}

// Finish implements [OnceStore].
func (s *memoryOnceStore) Finish(_ context.Context, key, runID string, answer []byte, ttl time.Duration) (bool, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.held(key, runID, now)
	if r == nil {
		return false, nil
	}
	r.answer = append(make([]byte, 0, len(answer)), answer...)
	r.expires = now.Add(ttl)
	return true, nil
}

// Release implements [OnceStore].
func (s *memoryOnceStore) Release(_ context.Context, key, runID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.records[key]; ok && r.runID == runID && r.answer == nil {
		delete(s.records, key)
	}
	return nil
}

// sweep drops expired records once the map has doubled since the last
// sweep. The caller holds s.mu.
func (s *memoryOnceStore) sweep(now time.Time) {
	if len(s.records) < s.sweepAt {
		return
	}
	for k, r := range s.records {
		if !now.Before(r.expires) {
			delete(s.records, k)
		}
	}
	s.sweepAt = 2*len(s.records) + 1024
}
