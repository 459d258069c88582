package app

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/storage/sqlite3/v2"
)

// schemaBeforeMigrations is the demo's schema before it had migrations
// (db.go and secrets.go at 471f2e8), verbatim: the file an earlier
// version left behind.
const schemaBeforeMigrations = `
CREATE TABLE IF NOT EXISTS users (
	id            INTEGER PRIMARY KEY,
	username      TEXT    NOT NULL UNIQUE,
	password_hash BLOB    NOT NULL,
	session_epoch INTEGER NOT NULL DEFAULT 1,
	created_at    INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
	id         INTEGER PRIMARY KEY,
	user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	title      TEXT    NOT NULL,
	done       INTEGER NOT NULL DEFAULT 0,
	created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_by_user ON tasks (user_id, done, id);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL);
`

// appliedVersions returns schema_migrations' versions in order.
func appliedVersions(t testing.TB, db *sql.DB) []int {
	t.Helper()
	rows, err := db.Query(`SELECT version FROM schema_migrations ORDER BY version`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var vs []int
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		vs = append(vs, v)
	}
	return vs
}

// allVersions are the versions of every migration.
func allVersions() []int {
	var vs []int
	for _, m := range migrations {
		vs = append(vs, m.version)
	}
	return vs
}

func TestMigrationsInOrder(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 || m.name == "" || (m.sqlite == "" && m.postgres == "") {
			t.Errorf("migration %d: version %d, name %q: want versions 1, 2, 3 ... in order, a name and some DDL", i, m.version, m.name)
		}
	}
}

// TestMigrateOldSQLiteFile opens a file made by the demo before
// migrations (its schema, a signing key, sessions of the gofiber storage,
// users and tasks): it is adopted and migrated, keeps every row, and its
// counts start right.
func TestMigrateOldSQLiteFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite3", path+"?_journal_mode=WAL&_foreign_keys=on")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Exec(schemaBeforeMigrations); err != nil {
		t.Fatal(err)
	}
	key := bytes.Repeat([]byte{7}, SecretSize)
	now := time.Now().Unix()
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO secrets (name, value) VALUES (?, ?)`, []any{flashSecretName, key}},
		{`INSERT INTO users (username, password_hash, created_at) VALUES ('old', x'00ff', ?), ('older', x'01', ?)`, []any{now, now}},
		{`INSERT INTO tasks (user_id, title, done, created_at) VALUES (1, 'a', 0, ?), (1, 'b', 1, ?), (1, 'c', 1, ?), (2, 'd', 0, ?)`, []any{now, now, now, now}},
	} {
		if _, err := old.Exec(stmt.sql, stmt.args...); err != nil {
			t.Fatal(err)
		}
	}
	sessions := sqlite3.NewFromConnection(old, sqlite3.Config{Table: sessionTable, GCInterval: time.Hour})
	if err := sessions.Set("session-id", []byte("session data"), time.Hour); err != nil {
		t.Fatal(err)
	}
	sessions.Close()
	old.Close()

	db := openTestDB(t, databaseURL{dialectSQLite, path})
	if got := appliedVersions(t, db); !slices.Equal(got, allVersions()) {
		t.Errorf("applied %v, want %v", got, allVersions())
	}
	s := newStore(db, dialectSQLite, newWriteLock(dialectSQLite))
	mustCounts(t, s, 1, 1, 2)
	mustCounts(t, s, 2, 1, 0)
	if u, err := s.UserByName("old"); err != nil || !bytes.Equal(u.PasswordHash, []byte{0, 0xff}) {
		t.Errorf("old user: %+v, %v", u, err)
	}
	if got, err := loadSecret(db, dialectSQLite); err != nil || !bytes.Equal(got, key) {
		t.Errorf("the stored key changed: %x, %v", got, err)
	}
	kv, err := newKVStorage(db, dialectSQLite, sessionTable, newWriteLock(dialectSQLite))
	if err != nil {
		t.Fatal(err)
	}
	defer kv.Close()
	if v, err := kv.Get("session-id"); err != nil || string(v) != "session data" {
		t.Errorf("the old session: %q, %v", v, err)
	}
	if _, err := s.AddTask(1, "new"); err != nil {
		t.Fatal(err)
	}
	mustCounts(t, s, 1, 2, 2)

	// A second start finds nothing to do.
	db.Close()
	db2 := openTestDB(t, databaseURL{dialectSQLite, path})
	if got := appliedVersions(t, db2); !slices.Equal(got, allVersions()) {
		t.Errorf("after a restart: applied %v, want %v", got, allVersions())
	}
	mustCounts(t, newStore(db2, dialectSQLite, newWriteLock(dialectSQLite)), 1, 2, 2)
}

// TestMigrateConcurrently starts six "instances" (pools of their own) on
// one fresh database at once: each migration runs exactly once, and every
// instance starts.
func TestMigrateConcurrently(t *testing.T) {
	for _, tdb := range testDatabases {
		t.Run(tdb.name, func(t *testing.T) {
			u := tdb.url(t)
			var wg sync.WaitGroup
			errs := make(chan error, 6)
			dbs := make(chan *sql.DB, 6)
			for range 6 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					db, err := openDB(u)
					if err != nil {
						errs <- err
						return
					}
					dbs <- db
				}()
			}
			wg.Wait()
			close(errs)
			close(dbs)
			for err := range errs {
				t.Error(err)
			}
			var first *sql.DB
			for db := range dbs {
				if first == nil {
					first = db
				}
				defer db.Close()
			}
			if first == nil {
				t.Fatal("no instance started")
			}
			if got := appliedVersions(t, first); !slices.Equal(got, allVersions()) {
				t.Errorf("applied %v, want each of %v once", got, allVersions())
			}
		})
	}
}

// TestMigrateFailureRollsBack: a migration that fails leaves neither its
// changes nor its schema_migrations row, and the error names it.
func TestMigrateFailureRollsBack(t *testing.T) {
	forEachDatabase(t, func(t *testing.T, db *sql.DB, d dialect) {
		bad := migration{version: 1000, name: "half done", sqlite: `CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table;`,
			postgres: `CREATE TABLE half (x INTEGER); SELECT * FROM no_such_table;`}
		if err := applyMigration(t.Context(), db, d, bad); err == nil {
			t.Fatal("a failing migration succeeded")
		}
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM schema_migrations WHERE version = 1000`).Scan(&n); err != nil || n != 0 {
			t.Errorf("schema_migrations has the failed version: %d, %v", n, err)
		}
		if _, err := db.Exec(`SELECT * FROM half`); err == nil {
			t.Errorf("the failed migration's table exists")
		}
	})
}
