package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/storage/sqlite3/v2"
)

// kvGCInterval is how often the key-value storages delete their expired
// rows.
const kvGCInterval = 10 * time.Minute

// kvTableDDL creates the table of an sqlStorage on d (in a migration; see
// db_migrations.go). Keys are any text; e is the expiry in Unix
// milliseconds, 0 for none. The partial index serves the expiry sweep.
// Migration 3 uses it: a change here is a new migration, not an edit.
func kvTableDDL(d dialect, table string) string {
	blob := "BLOB"
	if d == dialectPostgres {
		blob = "BYTEA"
	}
	return `
CREATE TABLE ` + table + ` (
	k TEXT   PRIMARY KEY,
	v ` + blob + ` NOT NULL,
	e BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX ` + table + `_expiry ON ` + table + ` (e) WHERE e <> 0;
`
}

// newKVStorage returns the fiber.Storage over one of the demo's
// key-value tables (sessions, once-only answers, throttle counts): on
// SQLite the gofiber sqlite3 storage in the same file, which creates its
// own table, with its writes under the process's write lock writeMu (see
// newWriteLock); on PostgreSQL an sqlStorage over the table the
// migrations made. Either borrows db: closing the storage leaves db open.
func newKVStorage(db *sql.DB, d dialect, table string, writeMu *sync.Mutex) (s fiber.Storage, err error) {
	if d == dialectPostgres {
		return newSQLStorage(db, d, table, kvGCInterval), nil
	}
	defer func() {
		// The gofiber storage reports set-up failures by panicking.
		if r := recover(); r != nil {
			err = fmt.Errorf("app: %s storage: %v", table, r)
		}
	}()
	return &serialStorage{Storage: sqlite3.NewFromConnection(db, sqlite3.Config{Table: table, GCInterval: kvGCInterval}), writeMu: writeMu}, nil
}

// serialStorage is a storage on SQLite whose writes (Set, Delete, Reset)
// take the process's write lock, like the Store's (see newWriteLock).
// Reads go straight through. (The gofiber storage's own expiry sweep,
// every kvGCInterval, does not take it: SQLite's busy handler covers it.)
type serialStorage struct {
	fiber.Storage
	writeMu *sync.Mutex
}

// Set stores val under key, one write at a time.
func (s *serialStorage) Set(key string, val []byte, exp time.Duration) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.Storage.Set(key, val, exp)
}

// Delete removes key, one write at a time.
func (s *serialStorage) Delete(key string) error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.Storage.Delete(key)
}

// Reset empties the storage's table, one write at a time.
func (s *serialStorage) Reset() error {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.Storage.Reset()
}

// errStorageClosed is returned by an sqlStorage used after Close.
var errStorageClosed = errors.New("app: storage is closed")

// sqlStorage is a fiber.Storage in a table of the demo's database, made
// by kvTableDDL: for sessions, once-only answers and throttle counts when
// the database is PostgreSQL and there is no Redis. It runs on SQLite too
// (its tests run on both), though the demo uses the gofiber sqlite3
// storage there.
//
// Values live until their expiry; an expired value is never returned and
// its row is deleted by a sweep every gcEvery. Like the gofiber storages,
// it ignores a Set with an empty key or value. Its methods are safe for
// concurrent use; Set is an upsert, so concurrent writers of one key
// leave one of their values, never an error.
type sqlStorage struct {
	db                       *sql.DB
	get, set, del, reset, gc string
	// now is the clock of expiries (time.Now; tests move it).
	now func() time.Time

	stopOnce sync.Once
	quit     chan struct{}
	done     chan struct{}
}

// The sqlStorage is a Fiber v2 storage.
var _ fiber.Storage = (*sqlStorage)(nil)

// newSQLStorage returns the storage over table and starts its expiry
// sweep. The table must exist (see kvTableDDL); db stays the caller's.
func newSQLStorage(db *sql.DB, d dialect, table string, gcEvery time.Duration) *sqlStorage {
	s := &sqlStorage{
		db:    db,
		get:   d.rebind(`SELECT v FROM ` + table + ` WHERE k = $1 AND (e = 0 OR e > $2)`),
		set:   d.rebind(`INSERT INTO ` + table + ` (k, v, e) VALUES ($1, $2, $3) ON CONFLICT (k) DO UPDATE SET v = excluded.v, e = excluded.e`),
		del:   d.rebind(`DELETE FROM ` + table + ` WHERE k = $1`),
		reset: `DELETE FROM ` + table,
		gc:    d.rebind(`DELETE FROM ` + table + ` WHERE e <> 0 AND e <= $1`),
		now:   time.Now,
		quit:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go s.sweep(gcEvery)
	return s
}

// closed reports whether Close was called.
func (s *sqlStorage) closed() bool {
	select {
	case <-s.quit:
		return true
	default:
		return false
	}
}

// GetWithContext returns the value of key, or nil when there is none or
// it has expired.
func (s *sqlStorage) GetWithContext(ctx context.Context, key string) ([]byte, error) {
	if s.closed() {
		return nil, errStorageClosed
	}
	if key == "" {
		return nil, nil
	}
	var v []byte
	err := s.db.QueryRowContext(ctx, s.get, key, s.now().UnixMilli()).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return v, err
}

// Get returns the value of key, or nil when there is none or it has
// expired.
func (s *sqlStorage) Get(key string) ([]byte, error) {
	return s.GetWithContext(context.Background(), key)
}

// SetWithContext stores val under key, replacing any value, for exp (0:
// without expiry).
func (s *sqlStorage) SetWithContext(ctx context.Context, key string, val []byte, exp time.Duration) error {
	if s.closed() {
		return errStorageClosed
	}
	if key == "" || len(val) == 0 {
		return nil
	}
	var until int64
	if exp > 0 {
		until = s.now().Add(exp).UnixMilli() + 1 // never early: round the partial millisecond up
	}
	_, err := s.db.ExecContext(ctx, s.set, key, val, until)
	return err
}

// Set stores val under key, replacing any value, for exp (0: without
// expiry).
func (s *sqlStorage) Set(key string, val []byte, exp time.Duration) error {
	return s.SetWithContext(context.Background(), key, val, exp)
}

// DeleteWithContext removes key; a missing key is not an error.
func (s *sqlStorage) DeleteWithContext(ctx context.Context, key string) error {
	if s.closed() {
		return errStorageClosed
	}
	if key == "" {
		return nil
	}
	_, err := s.db.ExecContext(ctx, s.del, key)
	return err
}

// Delete removes key; a missing key is not an error.
func (s *sqlStorage) Delete(key string) error {
	return s.DeleteWithContext(context.Background(), key)
}

// ResetWithContext deletes every key of this storage's table (and no
// other table).
func (s *sqlStorage) ResetWithContext(ctx context.Context) error {
	if s.closed() {
		return errStorageClosed
	}
	_, err := s.db.ExecContext(ctx, s.reset)
	return err
}

// Reset deletes every key of this storage's table (and no other table).
func (s *sqlStorage) Reset() error {
	return s.ResetWithContext(context.Background())
}

// Close stops the expiry sweep and waits for it; the database stays
// open. Later calls do nothing.
func (s *sqlStorage) Close() error {
	s.stopOnce.Do(func() { close(s.quit) })
	<-s.done
	return nil
}

// sweep deletes expired rows every interval until Close.
func (s *sqlStorage) sweep(every time.Duration) {
	defer close(s.done)
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-s.quit:
			return
		case <-tick.C:
			s.collect()
		}
	}
}

// collect deletes the rows that have expired. A failure is left to the
// next round: an expired row is invisible to Get anyway.
func (s *sqlStorage) collect() {
	_, _ = s.db.Exec(s.gc, s.now().UnixMilli())
}
