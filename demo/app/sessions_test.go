package app

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/internal/testsvc"
	"github.com/gofiber/fiber/v2"
)

// sessionBackends are the stores of session records: SQLite (always),
// PostgreSQL and Redis (when reachable).
var sessionBackends = []struct {
	name string
	open func(t *testing.T) sessionStore
}{
	{"SQLite", func(t *testing.T) sessionStore {
		return &storageSessions{storage: testKV(t, testSQLite(t, filepath.Join(t.TempDir(), "sessions.db")), dialectSQLite)}
	}},
	{"PostgreSQL", func(t *testing.T) sessionStore {
		return &storageSessions{storage: testKV(t, testPostgres(t, testsvc.Postgres(t)), dialectPostgres)}
	}},
	{"Redis", func(t *testing.T) sessionStore {
		url, prefix := testsvc.Redis(t)
		r := testRedis(t, url, prefix)
		return &storageSessions{storage: r.storage, prefix: prefix + "session:"}
	}},
}

// testKV is the session table's storage on db, as openState makes it.
func testKV(t *testing.T, db *sql.DB, d dialect) fiber.Storage {
	t.Helper()
	kv, err := newKVStorage(db, d, sessionTable, newWriteLock(d))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { kv.Close() })
	return kv
}

// TestRedisKeysUnderPrefix: the sessions and the counters write only
// under the app's prefix.
func TestRedisKeysUnderPrefix(t *testing.T) {
	t.Parallel()
	url, prefix := testsvc.Redis(t)
	r := testRedis(t, url, prefix)
	ctx := context.Background()
	s := &storageSessions{storage: r.storage, prefix: prefix + "session:"}
	if err := s.put(ctx, "k", sessionRecord{userID: 1, epoch: 1}, time.Minute); err != nil {
		t.Fatal(err)
	}
	a := &Attempts{store: &redisCounters{client: r.client, prefix: prefix}, now: time.Now}
	if _, err := a.Take(ctx, Limit{Max: 5, Window: time.Minute}, "login:alice"); err != nil {
		t.Fatal(err)
	}
	keys, err := r.client.Keys(ctx, prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 {
		t.Fatalf("keys under the prefix: %q, want a session and a counter", keys)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, prefix+"session:") && !strings.HasPrefix(k, prefix+"attempts:{login:alice#60000}#") {
			t.Errorf("key %q", k)
		}
		if ttl, err := r.client.PTTL(ctx, k).Result(); err != nil || ttl <= 0 {
			t.Errorf("key %q has no expiry: %v %v", k, ttl, err)
		}
	}
}

func TestSessionStores(t *testing.T) {
	t.Parallel()
	for _, b := range sessionBackends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := b.open(t)
			ctx := context.Background()
			if _, ok, err := s.get(ctx, "nobody"); ok || err != nil {
				t.Fatalf("get of a missing key: %v, %v", ok, err)
			}
			want := sessionRecord{userID: 42, epoch: 7, remember: true}
			if err := s.put(ctx, "k1", want, time.Hour); err != nil {
				t.Fatal(err)
			}
			if err := s.put(ctx, "k2", sessionRecord{userID: 43, epoch: 1}, time.Hour); err != nil {
				t.Fatal(err)
			}
			if got, ok, err := s.get(ctx, "k1"); !ok || err != nil || got != want {
				t.Errorf("get k1: %+v, %v, %v; want %+v", got, ok, err, want)
			}
			if err := s.remove(ctx, "k1"); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := s.get(ctx, "k1"); ok || err != nil {
				t.Errorf("get after remove: %v, %v", ok, err)
			}
			if got, ok, _ := s.get(ctx, "k2"); !ok || got.userID != 43 || got.remember {
				t.Errorf("the other session: %+v, %v", got, ok)
			}
			// An expired session is gone, even before any sweep. The
			// gofiber sqlite3 storage keeps whole seconds and rounds a
			// deadline up, so the wait covers the TTL plus one second.
			if err := s.put(ctx, "short", want, 1100*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2200 * time.Millisecond)
			if _, ok, err := s.get(ctx, "short"); ok || err != nil {
				t.Errorf("an expired session: %v, %v", ok, err)
			}
		})
	}
}

func TestSessionRecordText(t *testing.T) {
	t.Parallel()
	for _, r := range []sessionRecord{{1, 1, false}, {9007199254740993, 123456789, true}} {
		got, ok := parseSessionRecord(formatSessionRecord(r))
		if !ok || got != r {
			t.Errorf("round trip of %+v: %+v, %v", r, got, ok)
		}
	}
	for _, bad := range []string{"", "1", "1:2", "1:2:3", "x:2:1", "1:x:0", "0:1:1", "-5:1:1", "1:2:1:4", "1:2:"} {
		if r, ok := parseSessionRecord(bad); ok {
			t.Errorf("parseSessionRecord(%q) = %+v, want refused", bad, r)
		}
	}
}

func TestSessionIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id   string
		want bool
	}{
		{"", false},
		{"00000000-1111-4222-8333-444444444444", false}, // a v2 (Fiber) session id
		{"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ", true},
		{"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN-_Q", true},
		{"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP=", false},
		{"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQR", false},
	} {
		if got := validSessionID(tc.id); got != tc.want {
			t.Errorf("validSessionID(%q) = %v", tc.id, got)
		}
	}
	if sessionKey("a") == sessionKey("b") || sessionKey("a") == "a" {
		t.Errorf("sessionKey does not hash")
	}
}
