package fiberfn

import (
	"sync"
	"time"
)

// memoryStorage is the default fiber.Storage of once-only answers: a map
// with expiry, swept as it grows.
type memoryStorage struct {
	mu      sync.Mutex
	entries map[string]memoryEntry
	sweepAt int
}

type memoryEntry struct {
	value   []byte
	expires time.Time // zero: never
}

func newMemoryStorage() *memoryStorage {
	return &memoryStorage{entries: map[string]memoryEntry{}, sweepAt: 1024}
}

// Get returns the value of key, or nil when there is none or it expired.
func (s *memoryStorage) Get(key string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[key]
	if !ok || !e.expires.IsZero() && time.Now().After(e.expires) {
		return nil, nil
	}
	return e.value, nil
}

// Set stores a copy of value under key for exp (0: forever).
func (s *memoryStorage) Set(key string, value []byte, exp time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := memoryEntry{value: append([]byte(nil), value...)}
	if exp > 0 {
		e.expires = time.Now().Add(exp)
	}
	s.entries[key] = e
	if len(s.entries) >= s.sweepAt {
		now := time.Now()
		for k, e := range s.entries {
			if !e.expires.IsZero() && now.After(e.expires) {
				delete(s.entries, k)
			}
		}
		s.sweepAt = 2*len(s.entries) + 1024
	}
	return nil
}

// Delete removes key.
func (s *memoryStorage) Delete(key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.entries, key)
	return nil
}

// Reset removes every key.
func (s *memoryStorage) Reset() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = map[string]memoryEntry{}
	return nil
}

// Close does nothing.
func (s *memoryStorage) Close() error { return nil }
