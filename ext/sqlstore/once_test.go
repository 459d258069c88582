package sqlstore_test

// The same store on PostgreSQL is tested in demo/app (TestSQLStoreOnPostgres),
// which has a PostgreSQL driver: this module requires none, so that it
// builds with the Go 1.23 the library supports.

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/ext/sqlstore"
	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/oncetest"
	_ "github.com/mattn/go-sqlite3"
)

// openSQLite opens a fresh SQLite file in the test's directory, as an app
// would: WAL, and a busy timeout so that concurrent claims wait.
func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(t.TempDir(), "once.db")+"?_busy_timeout=10000&_journal_mode=WAL")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newStore(t *testing.T, db *sql.DB, d sqlstore.Dialect) fiberfn.OnceStore {
	t.Helper()
	s, err := sqlstore.New(db, sqlstore.Config{Dialect: d})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLiteStore(t *testing.T) {
	oncetest.TestStore(t, func(t *testing.T) fiberfn.OnceStore { return newStore(t, openSQLite(t), sqlstore.SQLite) })
}

// Two instances, each with its own connection pool to one SQLite file.
func TestSQLiteInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("two instances on loopback, 50 rounds of each kind of key")
	}
	oncetest.TestInstances(t, func(t *testing.T) fiberfn.OnceStore { return newStore(t, openSQLite(t), sqlstore.SQLite) })
}

func TestConfig(t *testing.T) {
	db := openSQLite(t)
	for _, cfg := range []sqlstore.Config{{}, {Dialect: 9}, {Dialect: sqlstore.SQLite, Table: "x; DROP TABLE y"}, {Dialect: sqlstore.SQLite, Table: "1x"}} {
		if _, err := sqlstore.New(db, cfg); err == nil {
			t.Errorf("New(%+v) accepted", cfg)
		}
	}
	s, err := sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.SQLite, Table: "my_once", GCInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var name string
	if err := db.QueryRow(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'my_once'`).Scan(&name); err != nil || !strings.EqualFold(name, "my_once") {
		t.Errorf("table my_once: %q, %v", name, err)
	}
	// New again on the same table: it exists, nothing changes.
	if s2, err := sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.SQLite, Table: "my_once"}); err != nil {
		t.Fatal(err)
	} else {
		s2.Close()
		s2.Close()
	}
}
