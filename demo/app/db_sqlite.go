package app

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// poolSize is how many SQLite connections the demo keeps open. Readers
// share them (WAL lets them run beside the writer); writes are serialized
// in Go (newWriteLock). Every connection stays open (idle ones too):
// opening one costs more than most queries.
const poolSize = 8

// newWriteLock returns the lock that makes every write of the process to
// a SQLite file one at a time: the Store's and the key-value storages'
// (see serialStorage). Writers then queue in Go instead of colliding on
// SQLite's write lock, whose busy handler sleeps in steps of
// milliseconds and keeps an OS thread per waiter. This matters most for a
// write that returns a row (INSERT ... RETURNING): SQLite commits it only
// when the statement is reset, after Go has read the row, so the file
// stays locked across Go code. Measured with benchrun, htmx add:
// 0.83x-0.92x the CPU per request of the version before RETURNING with
// only the Store's writes serialized, 1.11x with every write serialized
// (BENCHMARKS.md).
//
// PostgreSQL gets none (nil): its row locks order concurrent writes.
func newWriteLock(d dialect) *sync.Mutex {
	if d == dialectSQLite {
		return new(sync.Mutex)
	}
	return nil
}

// stmtCacheSize is how many prepared statements each connection keeps
// (go-sqlite3's per-connection cache, keyed by the SQL text), so that the
// Store's and the session storage's queries are prepared once per
// connection rather than on every call.
const stmtCacheSize = 32

// openSQLite opens (creating when needed) the SQLite file at path in WAL
// mode with a busy timeout, so that concurrent writers (other processes,
// the session storage) wait for each other instead of failing with
// SQLITE_BUSY. Transactions begin IMMEDIATE: they take the write lock
// when they start, so a migration (or any read-then-write) never has to
// upgrade a read lock, which SQLite cannot wait for.
func openSQLite(path string) (*sql.DB, error) {
	if path == "" {
		return nil, fmt.Errorf("app: the SQLite path is empty")
	}
	if strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("app: database path %q must not contain ? or #", path)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("app: create database directory: %w", err)
		}
	}
	// go-sqlite3 applies these per connection: every pooled connection
	// gets the same busy timeout, foreign keys, immediate transactions
	// and statement cache.
	dsn := path + "?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate" +
		"&_stmt_cache_size=" + strconv.Itoa(stmtCacheSize)
	db, err := sql.Open(sqliteDriver, dsn)
	if err != nil {
		return nil, fmt.Errorf("app: open database: %w", err)
	}
	db.SetMaxOpenConns(poolSize)
	db.SetMaxIdleConns(poolSize)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}
