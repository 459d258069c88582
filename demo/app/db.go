package app

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" database/sql driver
)

// schema creates the demo's tables. The session table is created by the
// session storage itself (see sessions.go).
const schema = `
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
`

// openDB opens (creating when needed) the SQLite file at path in WAL mode
// with a busy timeout, so that concurrent writers wait for each other
// instead of failing with SQLITE_BUSY, and creates the schema.
func openDB(path string) (*sql.DB, error) {
	if path == "" {
		return nil, fmt.Errorf("app: Options.DBPath is empty")
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
	// gets the same busy timeout, foreign keys and immediate transactions.
	dsn := path + "?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_synchronous=NORMAL&_txlock=immediate"
	db, err := sql.Open(sqliteDriver, dsn)
	if err != nil {
		return nil, fmt.Errorf("app: open database: %w", err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("app: create schema in %s: %w", path, err)
	}
	return db, nil
}
