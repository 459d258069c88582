package app

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// newTestSQLStorage makes a table of its own on db and an sqlStorage on
// it, closed when the test ends.
func newTestSQLStorage(t *testing.T, db *sql.DB, d dialect, table string) *sqlStorage {
	t.Helper()
	if _, err := db.Exec(kvTableDDL(d, table)); err != nil {
		t.Fatal(err)
	}
	s := newSQLStorage(db, d, table, time.Hour)
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLStorage(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *sql.DB, d dialect) {
		s := newTestSQLStorage(t, db, d, "kv_test")
		other := newTestSQLStorage(t, db, d, "kv_other")
		get := func(key string) []byte {
			t.Helper()
			v, err := s.Get(key)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if v := get("missing"); v != nil {
			t.Errorf("missing key: %q", v)
		}
		blob := []byte{0, 1, 0xff, '\'', '$', '1'}
		if err := s.Set("k", blob, 0); err != nil {
			t.Fatal(err)
		}
		if v := get("k"); !bytes.Equal(v, blob) {
			t.Errorf("get %q, want %q", v, blob)
		}
		if err := s.Set("k", []byte("replaced"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if v := get("k"); string(v) != "replaced" {
			t.Errorf("after a second Set: %q", v)
		}
		// Like the gofiber storages: empty keys and values are ignored.
		if err := s.Set("", []byte("x"), 0); err != nil {
			t.Error(err)
		}
		if err := s.Set("empty", nil, 0); err != nil {
			t.Error(err)
		}
		if v := get("empty"); v != nil {
			t.Errorf("an empty value was stored: %q", v)
		}
		if v := get(""); v != nil {
			t.Errorf("the empty key: %q", v)
		}
		if err := s.Delete("k"); err != nil {
			t.Fatal(err)
		}
		if err := s.Delete("k"); err != nil {
			t.Errorf("deleting a missing key: %v", err)
		}
		if v := get("k"); v != nil {
			t.Errorf("after Delete: %q", v)
		}

		// Expiry: never returned once past, deleted by the sweep.
		if err := s.Set("short", []byte("v"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := s.Set("long", []byte("v"), time.Hour); err != nil {
			t.Fatal(err)
		}
		if v := get("short"); string(v) != "v" {
			t.Errorf("before its expiry: %q", v)
		}
		s.now = func() time.Time { return time.Now().Add(time.Minute + time.Millisecond) }
		if v := get("short"); v != nil {
			t.Errorf("after its expiry: %q", v)
		}
		s.collect()
		var rows int
		if err := db.QueryRow(`SELECT count(*) FROM kv_test`).Scan(&rows); err != nil || rows != 1 {
			t.Errorf("after the sweep: %d rows (%v), want only the long-lived one", rows, err)
		}

		// Reset empties this storage's table only.
		if err := other.Set("keep", []byte("me"), 0); err != nil {
			t.Fatal(err)
		}
		if err := s.Reset(); err != nil {
			t.Fatal(err)
		}
		if v := get("long"); v != nil {
			t.Errorf("after Reset: %q", v)
		}
		if v, _ := other.Get("keep"); string(v) != "me" {
			t.Errorf("Reset of one storage emptied another: %q", v)
		}

		// After Close: errors, no panics; Close again is fine.
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get("x"); !errors.Is(err, errStorageClosed) {
			t.Errorf("Get after Close: %v", err)
		}
		if err := s.Set("x", []byte("y"), 0); !errors.Is(err, errStorageClosed) {
			t.Errorf("Set after Close: %v", err)
		}
	})
}

// TestSQLStorageConcurrentSet: writers of the same keys at once never
// fail (Set is an upsert) and leave one of their values.
func TestSQLStorageConcurrentSet(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *sql.DB, d dialect) {
		s := newTestSQLStorage(t, db, d, "kv_race")
		var wg sync.WaitGroup
		errs := make(chan error, 8*50)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 50 {
					if err := s.Set(fmt.Sprint("key", i%5), []byte(fmt.Sprint("writer", w)), time.Minute); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i := range 5 {
			if v, err := s.Get(fmt.Sprint("key", i)); err != nil || !bytes.HasPrefix(v, []byte("writer")) {
				t.Errorf("key%d: %q, %v", i, v, err)
			}
		}
	})
}

// TestKVStorageByDialect: SQLite keeps the gofiber sqlite3 storage (the
// product names it), its writes under the process's write lock;
// PostgreSQL gets the sqlStorage over the tables the migrations made.
func TestKVStorageByDialect(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *sql.DB, d dialect) {
		writeMu := newWriteLock(d)
		if (writeMu != nil) != (d == dialectSQLite) {
			t.Fatalf("write lock on %v: %v", d, writeMu)
		}
		for _, table := range []string{sessionTable} {
			s, err := newKVStorage(db, d, table, writeMu)
			if err != nil {
				t.Fatal(err)
			}
			_, isSQL := s.(*sqlStorage)
			_, isSerial := s.(*serialStorage)
			if isSQL != (d == dialectPostgres) || isSerial != (d == dialectSQLite) {
				t.Errorf("%s on %v: a %T", table, d, s)
			}
			if err := s.Set("k", []byte(table), time.Minute); err != nil {
				t.Fatal(err)
			}
			if v, err := s.Get("k"); err != nil || string(v) != table {
				t.Errorf("%s: %q, %v", table, v, err)
			}
			if err := s.Delete("k"); err != nil {
				t.Fatal(err)
			}
			if writeMu != nil {
				if !writeMu.TryLock() {
					t.Fatalf("%s: a write left the write lock held", table)
				}
				writeMu.Unlock()
			}
			s.Close()
		}
	})
}

// TestLoadSecret: the first start stores a key, later starts (and other
// instances) read the same one.
func TestLoadSecret(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *sql.DB, d dialect) {
		first, err := loadSecret(db, d)
		if err != nil || len(first) != SecretSize {
			t.Fatalf("first key: %d bytes, %v", len(first), err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if again, err := loadSecret(db, d); err != nil || !bytes.Equal(again, first) {
					t.Errorf("another start read %x, %v; want %x", again, err, first)
				}
			}()
		}
		wg.Wait()
	})
}
