package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/ext/redisstore"
	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/oncetest"
	"github.com/fiberfn/fiberfn/internal/testsvc"
	fiberredis "github.com/gofiber/storage/redis/v3"
	"github.com/redis/go-redis/v9"
)

// open returns a store on the test's own key prefix, on a client of its
// own (closed when the test ends).
func open(t *testing.T) fiberfn.OnceStore {
	t.Helper()
	url, prefix := testsvc.Redis(t)
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() { client.Close() })
	return redisstore.NewOnceStore(client, redisstore.OnceConfig{Prefix: prefix})
}

func TestOnceStore(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Redis")
	}
	oncetest.TestStore(t, open)
}

func TestOnceInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Redis")
	}
	oncetest.TestInstances(t, open)
}

// The store works on the connection of gofiber/storage/redis/v3 (which an
// app uses for its sessions), and writes only under its prefix.
func TestOnceStoreOnFiberStorageConn(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Redis")
	}
	url, prefix := testsvc.Redis(t)
	storage := fiberredis.New(fiberredis.Config{URL: url}) // never Reset: it flushes the database
	t.Cleanup(func() { storage.Close() })
	store := redisstore.NewOnceStore(storage.Conn(), redisstore.OnceConfig{Prefix: prefix + "once:"})
	ctx := context.Background()
	if res, err := store.Claim(ctx, "k", "run-1", time.Minute, time.Minute); err != nil || res.Status != fiberfn.ClaimWon {
		t.Fatalf("Claim: %v, %v", res.Status, err)
	}
	if ok, err := store.Finish(ctx, "k", "run-1", []byte("answer"), time.Minute); !ok || err != nil {
		t.Fatalf("Finish: %v, %v", ok, err)
	}
	keys, err := storage.Conn().Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) != 1 || keys[0] != prefix+"once:{k}" {
		t.Errorf("keys under the prefix: %q, %v; want the record alone (the lease went with the answer)", keys, err)
	}
	if ttl := storage.Conn().PTTL(ctx, prefix+"once:{k}").Val(); ttl <= 0 || ttl > time.Minute {
		t.Errorf("the answer's time to live: %v, want up to a minute", ttl)
	}
}
