// Package oncetest checks implementations of [fiberfn.OnceStore]: the
// store's contract ([TestStore]) and the once-only promise of two
// instances of an app sharing the store ([TestInstances]). The store
// adapters of fiberfn (memory, Redis, SQLite, PostgreSQL) all pass both;
// run them on your own adapter too:
//
//	func TestMyStore(t *testing.T) {
//		oncetest.TestStore(t, func(t *testing.T) fiberfn.OnceStore { return mystore.New(...) })
//		oncetest.TestInstances(t, func(t *testing.T) fiberfn.OnceStore { return mystore.New(...) })
//	}
package oncetest

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
)

// Open returns a fresh, empty store for the test t (keys of other tests
// must not be visible in it).
type Open func(t *testing.T) fiberfn.OnceStore

// TestStore checks the contract of [fiberfn.OnceStore] on stores made by
// open: atomic claims, the states a claim reports, leases that run out
// and are renewed, answers fenced by run id, released claims, records
// that expire.
func TestStore(t *testing.T, open Open) {
	ctx := context.Background()
	const ttl = time.Minute
	t.Run("claim, finish, replay", func(t *testing.T) {
		s := open(t)
		expect(t, s, "k", "run-1", time.Minute, fiberfn.ClaimWon, nil)
		expect(t, s, "k", "run-2", time.Minute, fiberfn.ClaimRunning, nil)
		if ok, err := s.Finish(ctx, "k", "run-2", []byte("not mine"), ttl); ok || err != nil {
			t.Fatalf("Finish by a run that does not hold the claim: %v, %v; want false", ok, err)
		}
		answer := []byte("answer\x00\xff\x01 with every byte")
		if ok, err := s.Finish(ctx, "k", "run-1", answer, ttl); !ok || err != nil {
			t.Fatalf("Finish by the holder: %v, %v; want true", ok, err)
		}
		expect(t, s, "k", "run-3", time.Minute, fiberfn.ClaimAnswered, answer)
		if ok, err := s.Renew(ctx, "k", "run-1", time.Minute); ok || err != nil {
			t.Errorf("Renew after Finish: %v, %v; want false", ok, err)
		}
		if err := s.Release(ctx, "k", "run-1"); err != nil {
			t.Fatal(err)
		}
		expect(t, s, "k", "run-4", time.Minute, fiberfn.ClaimAnswered, answer)
		expect(t, s, "other key", "run-5", time.Minute, fiberfn.ClaimWon, nil)
	})
	t.Run("empty answer", func(t *testing.T) {
		s := open(t)
		expect(t, s, "k", "run-1", time.Minute, fiberfn.ClaimWon, nil)
		if ok, err := s.Finish(ctx, "k", "run-1", []byte{}, ttl); !ok || err != nil {
			t.Fatalf("Finish: %v, %v", ok, err)
		}
		expect(t, s, "k", "run-2", time.Minute, fiberfn.ClaimAnswered, []byte{})
	})
	t.Run("release gives the key back, to its holder only", func(t *testing.T) {
		s := open(t)
		expect(t, s, "k", "run-1", time.Minute, fiberfn.ClaimWon, nil)
		if err := s.Release(ctx, "k", "run-2"); err != nil {
			t.Fatal(err)
		}
		expect(t, s, "k", "run-2", time.Minute, fiberfn.ClaimRunning, nil)
		if err := s.Release(ctx, "k", "run-1"); err != nil {
			t.Fatal(err)
		}
		expect(t, s, "k", "run-3", time.Minute, fiberfn.ClaimWon, nil)
		if ok, _ := s.Renew(ctx, "k", "run-1", time.Minute); ok {
			t.Error("Renew by a run whose claim was released")
		}
		if ok, _ := s.Finish(ctx, "k", "run-1", []byte("late"), ttl); ok {
			t.Error("Finish by a run whose claim was released")
		}
	})
	t.Run("a lease that runs out is never claimed again, and the holder may still answer", func(t *testing.T) {
		s := open(t)
		expect(t, s, "k", "run-1", 100*time.Millisecond, fiberfn.ClaimWon, nil)
		time.Sleep(300 * time.Millisecond)
		for i := range 3 {
			expect(t, s, "k", fmt.Sprint("other-", i), time.Minute, fiberfn.ClaimLeaseExpired, nil)
		}
		if ok, err := s.Finish(ctx, "k", "other-0", []byte("no"), ttl); ok || err != nil {
			t.Fatalf("Finish by another run after the lease: %v, %v; want false", ok, err)
		}
		if ok, err := s.Finish(ctx, "k", "run-1", []byte("late answer"), ttl); !ok || err != nil {
			t.Fatalf("Finish by the holder after its lease: %v, %v; want true (fenced by run id)", ok, err)
		}
		expect(t, s, "k", "run-2", time.Minute, fiberfn.ClaimAnswered, []byte("late answer"))
	})
	t.Run("renewal keeps a lease", func(t *testing.T) {
		s := open(t)
		const lease = 200 * time.Millisecond
		expect(t, s, "k", "run-1", lease, fiberfn.ClaimWon, nil)
		for range 6 {
			time.Sleep(lease / 3)
			if ok, err := s.Renew(ctx, "k", "run-1", lease); !ok || err != nil {
				t.Fatalf("Renew by the holder: %v, %v", ok, err)
			}
			expect(t, s, "k", "run-2", lease, fiberfn.ClaimRunning, nil)
		}
		if ok, _ := s.Renew(ctx, "k", "run-2", lease); ok {
			t.Error("Renew by a run that does not hold the claim")
		}
	})
	t.Run("records expire", func(t *testing.T) {
		s := open(t)
		expect(t, s, "claimed", "run-1", 50*time.Millisecond, fiberfn.ClaimWon, nil)
		expect(t, s, "answered", "run-1", time.Minute, fiberfn.ClaimWon, nil)
		if ok, err := s.Finish(ctx, "answered", "run-1", []byte("a"), 200*time.Millisecond); !ok || err != nil {
			t.Fatalf("Finish: %v, %v", ok, err)
		}
		time.Sleep(300 * time.Millisecond)
		// The claim's record lasts its ttl, beyond its lease; the answer
		// lasts the ttl given to Finish.
		expect(t, s, "claimed", "run-2", time.Minute, fiberfn.ClaimLeaseExpired, nil)
		expect(t, s, "answered", "run-2", time.Minute, fiberfn.ClaimWon, nil)
	})
	t.Run("a record lasts its ttl", func(t *testing.T) {
		s := open(t)
		if res, err := s.Claim(ctx, "k", "run-1", 50*time.Millisecond, 200*time.Millisecond); err != nil || res.Status != fiberfn.ClaimWon {
			t.Fatalf("Claim: %v, %v", res.Status, err)
		}
		time.Sleep(400 * time.Millisecond)
		expect(t, s, "k", "run-2", time.Minute, fiberfn.ClaimWon, nil)
	})
	t.Run("one winner among concurrent claims", func(t *testing.T) {
		s := open(t)
		for round := range 5 {
			key := fmt.Sprint("race-", round)
			var won atomic.Int64
			var wg sync.WaitGroup
			for i := range 32 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := s.Claim(ctx, key, fmt.Sprint("run-", i), time.Minute, ttl)
					if err != nil {
						t.Error(err)
						return
					}
					switch res.Status {
					case fiberfn.ClaimWon:
						won.Add(1)
					case fiberfn.ClaimRunning:
					default:
						t.Errorf("concurrent claim: %v", res.Status)
					}
				}()
			}
			wg.Wait()
			if n := won.Load(); n != 1 {
				t.Fatalf("round %d: %d claims won, want 1", round, n)
			}
		}
	})
	t.Run("keys are kept apart", func(t *testing.T) {
		s := open(t)
		keys := []string{"a", "A", "a:b", "a{b}c", "fiberfn_once_" + string(bytes.Repeat([]byte("x"), 43)), "é/ü?*"}
		for _, k := range keys {
			expect(t, s, k, "run-1", time.Minute, fiberfn.ClaimWon, nil)
			if ok, err := s.Finish(ctx, k, "run-1", []byte(k), ttl); !ok || err != nil {
				t.Fatalf("Finish %q: %v, %v", k, ok, err)
			}
		}
		for _, k := range keys {
			expect(t, s, k, "run-2", time.Minute, fiberfn.ClaimAnswered, []byte(k))
		}
	})
}

// expect claims key for runID and checks what the store reports.
func expect(t *testing.T, s fiberfn.OnceStore, key, runID string, lease time.Duration, want fiberfn.ClaimStatus, answer []byte) {
	t.Helper()
	res, err := s.Claim(context.Background(), key, runID, lease, time.Minute)
	if err != nil {
		t.Fatalf("Claim(%q, %q): %v", key, runID, err)
	}
	if res.Status != want {
		t.Fatalf("Claim(%q, %q): %v, want %v", key, runID, res.Status, want)
	}
	if want == fiberfn.ClaimAnswered && !bytes.Equal(res.Answer, answer) {
		t.Fatalf("Claim(%q, %q): answer %q, want %q", key, runID, res.Answer, answer)
	}
}
