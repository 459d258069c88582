package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/internal/testsvc"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// counterBackend makes counter stores that share their counts, as the
// instances of the demo do: two stores from one call to open count
// together.
type counterBackend struct {
	name string
	open func(t *testing.T) (a, b counterStore)
}

// counterBackends are SQLite (always), PostgreSQL and Redis (when
// reachable, see testsvc).
var counterBackends = []counterBackend{
	{"SQLite", func(t *testing.T) (counterStore, counterStore) {
		path := filepath.Join(t.TempDir(), "attempts.db")
		return &sqlCounters{db: testSQLite(t, path)}, &sqlCounters{db: testSQLite(t, path)}
	}},
	{"PostgreSQL", func(t *testing.T) (counterStore, counterStore) {
		url := testsvc.Postgres(t)
		return &sqlCounters{db: testPostgres(t, url)}, &sqlCounters{db: testPostgres(t, url)}
	}},
	{"Redis", func(t *testing.T) (counterStore, counterStore) {
		url, prefix := testsvc.Redis(t)
		return &redisCounters{client: testRedis(t, url, prefix).client, prefix: prefix},
			&redisCounters{client: testRedis(t, url, prefix).client, prefix: prefix}
	}},
}

// testSQLite opens the demo's database at path, migrated.
func testSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := openDB(databaseURL{dialectSQLite, path})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testPostgres opens the PostgreSQL database at url, migrated.
func testPostgres(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := openDB(databaseURL{dialectPostgres, url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// testRedis connects to Redis for one test.
func testRedis(t *testing.T, url, prefix string) *redisConn {
	t.Helper()
	r, err := openRedis(url, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.close() })
	return r
}

// clock is a settable time for Attempts.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newClock starts at a time that is into of the way through a window of w.
func newClock(w time.Duration, into float64) *clock {
	start := time.Now().Truncate(w).Add(time.Duration(float64(w) * into))
	return &clock{t: start}
}

func TestAttemptsSequence(t *testing.T) {
	t.Parallel()
	for _, b := range counterBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			store, _ := b.open(t)
			ctx := context.Background()
			l := Limit{Max: 3, Window: time.Minute}
			clk := newClock(l.Window, 0.25)
			a := &Attempts{store: store, now: clk.now}
			var taken []Attempt
			for i := range 3 {
				at, err := a.Take(ctx, l, "k")
				if err != nil {
					t.Fatalf("attempt %d: %v", i+1, err)
				}
				taken = append(taken, at)
			}
			_, err := a.Take(ctx, l, "k")
			var th *Throttled
			if !errors.As(err, &th) {
				t.Fatalf("attempt 4: %v, want *Throttled", err)
			}
			// 3 in this window, 45 s left: the window must end and its
			// count shrink to 2: 45 s + 60 s * (1 - 2/3) = 65 s.
			if th.RetryAfter != 65*time.Second {
				t.Errorf("RetryAfter %v, want 65s", th.RetryAfter)
			}
			if w, err := a.Wait(ctx, l, "k"); err != nil || w != th.RetryAfter {
				t.Errorf("Wait %v, %v; want %v", w, err, th.RetryAfter)
			}
			if w, err := a.Wait(ctx, l, "other"); err != nil || w != 0 {
				t.Errorf("Wait of another key %v, %v; want 0", w, err)
			}
			// Giving one back makes room for one.
			if err := taken[0].Undo(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := a.Take(ctx, l, "k"); err != nil {
				t.Errorf("after an undo: %v", err)
			}
			if _, err := a.Take(ctx, l, "k"); !errors.As(err, &th) {
				t.Errorf("full again: %v", err)
			}
			// A refused attempt counts nothing: one second before the
			// Retry-After it is still refused, at it it fits.
			clk.add(th.RetryAfter - time.Second)
			if _, err := a.Take(ctx, l, "k"); !errors.As(err, &th) {
				t.Errorf("a second before Retry-After: %v, want refused", err)
			}
			clk.add(time.Second)
			if _, err := a.Take(ctx, l, "k"); err != nil {
				t.Errorf("at Retry-After: %v", err)
			}
		})
	}
}

// TestAttemptsSlidingWindow: the previous window counts with the share of
// it the sliding window still covers.
func TestAttemptsSlidingWindow(t *testing.T) {
	t.Parallel()
	for _, b := range counterBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			store, _ := b.open(t)
			ctx := context.Background()
			l := Limit{Max: 10, Window: time.Minute}
			clk := newClock(l.Window, 0.9)
			a := &Attempts{store: store, now: clk.now}
			take := func(n int) (ok int) {
				for range n {
					if _, err := a.Take(ctx, l, "s"); err == nil {
						ok++
					} else if !errors.As(err, new(*Throttled)) {
						t.Fatal(err)
					}
				}
				return ok
			}
			if got := take(12); got != 10 {
				t.Fatalf("first window: %d allowed, want 10", got)
			}
			// 30% into the next window: 10 * 0.7 = 7 still count, so 3 fit.
			clk.add(24 * time.Second)
			if got := take(5); got != 3 {
				t.Errorf("30%% into the next window: %d allowed, want 3", got)
			}
			// Two windows later nothing counts.
			clk.add(2 * time.Minute)
			if got := take(12); got != 10 {
				t.Errorf("two windows later: %d allowed, want 10", got)
			}
		})
	}
}

// TestAttemptsConcurrent: 60 attempts at once from two stores that share
// their counts (two instances) allow exactly the limit: the counts are
// atomic, never read-then-written.
func TestAttemptsConcurrent(t *testing.T) {
	t.Parallel()
	for _, b := range counterBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s1, s2 := b.open(t)
			l := Limit{Max: 10, Window: time.Hour}
			clk := newClock(l.Window, 0.5)
			instances := []*Attempts{{store: s1, now: clk.now}, {store: s2, now: clk.now}}
			var allowed, refused atomic.Int32
			var wg sync.WaitGroup
			for i := range 60 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := instances[i%2].Take(context.Background(), l, "c")
					switch {
					case err == nil:
						allowed.Add(1)
					case errors.As(err, new(*Throttled)):
						refused.Add(1)
					default:
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			if allowed.Load() != 10 || refused.Load() != 50 {
				t.Errorf("%d allowed, %d refused; want 10 and 50", allowed.Load(), refused.Load())
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	const w = 100_000 // a window of 100 s, in milliseconds
	for _, tc := range []struct {
		cur, prev, rem int64
		want           time.Duration
	}{
		// The previous window alone is full: wait until its share lets one in.
		{0, 10, 80_000, 40 * time.Second}, // 10*(80-t) + 100 <= 500 -> t = 40
		// This window is full: its end, then until its share lets one in.
		{5, 0, 50_000, 70 * time.Second},  // 50 + 100*(5-4)/5
		{20, 3, 10_000, 90 * time.Second}, // 10 + 100*(20-4)/20
		{7, 0, 1, 43 * time.Second},       // 0.001 + 100*3/7 = 42.86, rounded up
		{4, 1, 1_000, time.Second},        // never under a second
	} {
		f := fit{max: 5, w: w, rem: tc.rem}
		if f.ok(tc.cur, tc.prev) {
			t.Errorf("cur %d, prev %d, rem %d: fits", tc.cur, tc.prev, tc.rem)
		}
		if got := retryAfter(f, tc.cur, tc.prev); got != tc.want {
			t.Errorf("retryAfter(cur %d, prev %d, rem %d) = %v, want %v", tc.cur, tc.prev, tc.rem, got, tc.want)
		}
	}
}

func ExampleAttempts() {
	// In the demo, New builds the service on the database or Redis.
	dir, err := os.MkdirTemp("", "attempts-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	db, err := openDB(databaseURL{dialectSQLite, filepath.Join(dir, "example.db")})
	if err != nil {
		panic(err)
	}
	defer db.Close()
	attempts := &Attempts{store: &sqlCounters{db: db}, now: time.Now}
	perAccount := Limit{Max: 2, Window: 15 * time.Minute}
	for range 3 {
		_, err := attempts.Take(context.Background(), perAccount, "login:alice")
		var th *Throttled
		fmt.Println(err == nil, errors.As(err, &th) && th.RetryAfter > 0)
	}
	// Output:
	// true false
	// true false
	// false true
}

// BenchmarkAttemptsTake counts attempts on many keys in SQLite, beside the
// raw statement a hand-written counter would run (an upsert that adds one,
// with no limit), to show what the sliding window and the limit cost.
func BenchmarkAttemptsTake(b *testing.B) {
	path := filepath.Join(b.TempDir(), "bench.db")
	db, err := openDB(databaseURL{dialectSQLite, path})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TABLE raw_counts (name TEXT PRIMARY KEY, hits BIGINT NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	l := Limit{Max: 1 << 30, Window: time.Minute}
	b.Run("Attempts.Take", func(b *testing.B) {
		b.ReportAllocs()
		a := &Attempts{store: &sqlCounters{db: db}, now: time.Now}
		for i := range b.N {
			if _, err := a.Take(ctx, l, writeKey(int64(i%500))); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw upsert", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			if _, err := db.ExecContext(ctx, `INSERT INTO raw_counts (name, hits) VALUES ($1, 1) ON CONFLICT (name) DO UPDATE SET hits = raw_counts.hits + 1`,
				writeKey(int64(i%500))); err != nil {
				b.Fatal(err)
			}
		}
	})
}
