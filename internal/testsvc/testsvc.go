// Package testsvc gives tests the external services of the second
// deployment shape: a fresh PostgreSQL database and a Redis key prefix of
// their own, on the servers named by $FIBERFN_POSTGRES_URL and
// $FIBERFN_REDIS_URL (default: the local servers on their standard ports).
//
// Without the service a test skips with a message; with
// FIBERFN_REQUIRE_SERVICES=1 (set by .ci/run) or CI=true it fails instead.
// It never empties a shared database or Redis: every test works in its own
// database and under its own key prefix, so tests and developers can share
// one server.
package testsvc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// DefaultPostgresURL and DefaultRedisURL are the servers used when the
// environment names none.
const (
	DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	DefaultRedisURL    = "redis://127.0.0.1:6379/0"
)

// Required reports whether a missing service fails the test rather than
// skipping it.
func Required() bool {
	return os.Getenv("FIBERFN_REQUIRE_SERVICES") == "1" || os.Getenv("CI") == "true"
}

// unavailable skips or fails t because a service cannot be reached.
func unavailable(t testing.TB, what string, err error) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is required (FIBERFN_REQUIRE_SERVICES=1) but unreachable: %v", what, err)
	}
	t.Skipf("%s unreachable, skipping (set FIBERFN_REQUIRE_SERVICES=1 to fail instead): %v", what, err)
}

// PostgresURL is the server's URL from the environment, or the default.
func PostgresURL() string {
	if u := os.Getenv("FIBERFN_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// RedisURL is the server's URL from the environment, or the default.
func RedisURL() string {
	if u := os.Getenv("FIBERFN_REDIS_URL"); u != "" {
		return u
	}
	return DefaultRedisURL
}

// Name returns a fresh name for a database, key prefix or the like:
// prefix, an underscore and 12 random hex digits.
func Name(prefix string) string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return prefix + "_" + hex.EncodeToString(b[:])
}

// Postgres creates an empty database of the test's own and returns its
// URL; the database is dropped when the test ends.
func Postgres(t testing.TB) string {
	t.Helper()
	admin := PostgresURL()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		unavailable(t, "PostgreSQL at "+redact(admin), err)
		return ""
	}
	defer conn.Close(context.Background())
	name := Name("fiberfn_t")
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Logf("drop database %s: %v", name, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("FIBERFN_POSTGRES_URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// Redis returns the server's URL and a key prefix of the test's own
// ("fiberfn_t_<random>:"). Keys under the prefix are deleted when the test
// ends; nothing else is touched.
func Redis(t testing.TB) (redisURL, prefix string) {
	t.Helper()
	redisURL = RedisURL()
	opts, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatalf("FIBERFN_REDIS_URL: %v", err)
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		unavailable(t, "Redis at "+redact(redisURL), err)
		return "", ""
	}
	prefix = Name("fiberfn_t") + ":"
	t.Cleanup(func() {
		defer client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			if len(keys) == 1000 {
				client.Del(ctx, keys...)
				keys = keys[:0]
			}
		}
		if len(keys) > 0 {
			client.Del(ctx, keys...)
		}
	})
	return redisURL, prefix
}

// redact hides a password in a URL for messages.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return strings.TrimSpace(fmt.Sprint(u.Redacted()))
}
