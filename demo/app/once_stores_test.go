package app_test

// The once-only stores of ext/sqlstore and ext/redisstore on the services
// of the several-instances shape. They are tested here, where the demo
// uses them with PostgreSQL's driver and gofiber's Redis storage, because
// the adapter modules themselves require neither (they build with the Go
// 1.23 the library supports).

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/ext/redisstore"
	"github.com/fiberfn/fiberfn/ext/sqlstore"
	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/oncetest"
	"github.com/fiberfn/fiberfn/internal/testsvc"
	fiberredis "github.com/gofiber/storage/redis/v3"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// postgresOnceStore opens ext/sqlstore on a fresh database of the test's
// own, with a pool sized as an app would (idle connections kept).
func postgresOnceStore(t *testing.T) fiberfn.OnceStore {
	t.Helper()
	db, err := sql.Open("pgx", testsvc.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxIdleConns(64)
	t.Cleanup(func() { db.Close() })
	s, err := sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.Postgres})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLStoreOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	oncetest.TestStore(t, postgresOnceStore)
}

func TestSQLStoreInstancesOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("needs PostgreSQL")
	}
	oncetest.TestInstances(t, postgresOnceStore)
}

// The Redis store works on the connection of gofiber/storage/redis/v3
// (which the demo uses for its sessions), and writes only under its prefix.
func TestRedisOnceStoreOnFiberStorageConn(t *testing.T) {
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
