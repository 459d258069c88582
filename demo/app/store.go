package app

import (
	"database/sql"
	"errors"
	"sync"
)

// ErrNotFound is returned when a row does not exist or belongs to another
// user: the two cases are deliberately indistinguishable.
var ErrNotFound = errors.New("app: not found")

// Store is the demo's data: users, their tasks and the tasks' counts, in
// SQLite or PostgreSQL through one set of queries (see dialect). Its
// methods are safe for concurrent use. Server functions get it with
// fiberfn.ExpectContext[*Store].
type Store struct {
	db      *sql.DB
	dialect dialect
	q       *queries
	// writeMu makes every write of the process one at a time on SQLite
	// (see newWriteLock); nil on PostgreSQL, whose row locks order them.
	writeMu *sync.Mutex
}

// newStore returns a Store on db, whose schema is up to date (see
// migrate). writeMu is the process's SQLite write lock (newWriteLock),
// shared with the key-value storages.
func newStore(db *sql.DB, d dialect, writeMu *sync.Mutex) *Store {
	return &Store{db: db, dialect: d, q: newQueries(d), writeMu: writeMu}
}

// lockWrites takes the write lock on SQLite; unlockWrites releases it.
func (s *Store) lockWrites() {
	if s.writeMu != nil {
		s.writeMu.Lock()
	}
}

func (s *Store) unlockWrites() {
	if s.writeMu != nil {
		s.writeMu.Unlock()
	}
}

// exec runs a statement that writes.
func (s *Store) exec(query string, args ...any) (sql.Result, error) {
	s.lockWrites()
	defer s.unlockWrites()
	return s.db.Exec(query, args...)
}

// writeRow runs a statement that writes and returns one row (RETURNING),
// and scans the row into dest; no row is sql.ErrNoRows. The scan is part
// of the write: SQLite runs the statement when the row is read.
func (s *Store) writeRow(query string, args []any, dest ...any) error {
	s.lockWrites()
	defer s.unlockWrites()
	return s.db.QueryRow(query, args...).Scan(dest...)
}

// affected turns an UPDATE or DELETE result into ErrNotFound when it
// touched no row.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
