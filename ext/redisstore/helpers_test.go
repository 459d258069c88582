package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// testRedis returns a client of the Redis named by $FIBERFN_REDIS_URL
// (default the local server) and a key prefix of the test's own, whose
// keys are deleted when the test ends. Without Redis the test skips; with
// FIBERFN_REQUIRE_SERVICES=1 or CI=true it fails. (The same rules as
// internal/testsvc, which this module cannot require: it needs a newer Go
// than the go 1.23 this adapter supports.)
func testRedis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	url := os.Getenv("FIBERFN_REDIS_URL")
	if url == "" {
		url = "redis://127.0.0.1:6379/0"
	}
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("FIBERFN_REDIS_URL: %v", err)
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		if os.Getenv("FIBERFN_REQUIRE_SERVICES") == "1" || os.Getenv("CI") == "true" {
			t.Fatalf("Redis is required but unreachable: %v", err)
		}
		t.Skipf("Redis unreachable, skipping (set FIBERFN_REQUIRE_SERVICES=1 to fail instead): %v", err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := "fiberfn_t_" + hex.EncodeToString(b[:]) + ":"
	t.Cleanup(func() {
		defer client.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	})
	return client, prefix
}

// newClient returns another client of the same server with opts changed
// by edit (for example its ClientName).
func newClient(t testing.TB, base *redis.Client, edit func(*redis.Options)) *redis.Client {
	t.Helper()
	opts := *base.Options()
	if edit != nil {
		edit(&opts)
	}
	c := redis.NewClient(&opts)
	t.Cleanup(func() { c.Close() })
	return c
}
