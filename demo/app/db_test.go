package app

import (
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/fiberfn/fiberfn/internal/testsvc"
)

// testDatabase is one of the databases the store tests run on.
type testDatabase struct {
	name string
	// url returns the URL of a fresh, empty database of the test's own.
	url func(t testing.TB) databaseURL
}

// testDatabases are SQLite (a file in t.TempDir()) and PostgreSQL (a
// database of the test's own through internal/testsvc: skipped under
// -short and without the server, required with
// FIBERFN_REQUIRE_SERVICES=1).
var testDatabases = []testDatabase{
	{"sqlite", func(t testing.TB) databaseURL {
		return databaseURL{dialectSQLite, filepath.Join(t.TempDir(), "demo.db")}
	}},
	{"postgres", func(t testing.TB) databaseURL {
		if testing.Short() {
			t.Skip("PostgreSQL: a service test, skipped with -short")
		}
		return databaseURL{dialectPostgres, testsvc.Postgres(t)}
	}},
}

// forEachDatabase runs f as a subtest on a fresh, migrated database of
// each kind.
func forEachDatabase(t *testing.T, f func(t *testing.T, db *sql.DB, d dialect)) {
	t.Helper()
	for _, tdb := range testDatabases {
		t.Run(tdb.name, func(t *testing.T) {
			u := tdb.url(t)
			db := openTestDB(t, u)
			f(t, db, u.dialect)
		})
	}
}

// openTestDB opens and migrates the database at u, closed when the test
// ends.
func openTestDB(t testing.TB, u databaseURL) *sql.DB {
	t.Helper()
	db, err := openDB(u)
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// forEachStore runs f as a subtest on a Store over a fresh database of
// each kind.
func forEachStore(t *testing.T, f func(t *testing.T, s *Store)) {
	t.Helper()
	forEachDatabase(t, func(t *testing.T, db *sql.DB, d dialect) {
		f(t, newStore(db, d, newWriteLock(d)))
	})
}
