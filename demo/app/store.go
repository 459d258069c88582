package app

import (
	"database/sql"
	"errors"
	"sync"
)

// ErrNotFound is returned when a row does not exist or belongs to another
// user: the two cases are deliberately indistinguishable.
var ErrNotFound = errors.New("app: not found")

// Store is the demo's data: users and their tasks, in SQLite. Its methods
// are safe for concurrent use. Server functions get it with
// fiberfn.ExpectContext[*Store].
type Store struct {
	db *sql.DB
	// writeMu makes the Store's writes one at a time (see poolSize).
	writeMu sync.Mutex
}

// NewStore returns a Store on an open database with the demo's schema.
func NewStore(db *sql.DB) *Store {
	return &Store{db: db}
}

// exec runs a statement that writes, one at a time.
func (s *Store) exec(query string, args ...any) (sql.Result, error) {
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	return s.db.Exec(query, args...)
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
