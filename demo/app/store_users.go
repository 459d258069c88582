package app

import (
	"database/sql"
	"errors"
	"strings"
	"time"
)

// ErrUsernameTaken is returned by CreateUser when the name is in use.
var ErrUsernameTaken = errors.New("app: username taken")

// User is an account.
type User struct {
	ID           int64
	Username     string
	PasswordHash []byte
	// SessionEpoch changes with the password, which ends every session
	// made before the change.
	SessionEpoch int64
	CreatedAt    time.Time
}

func scanUser(row interface{ Scan(...any) error }) (*User, error) {
	var u User
	var created int64
	if err := row.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.SessionEpoch, &created); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	u.CreatedAt = time.Unix(created, 0).UTC()
	return &u, nil
}

// CreateUser adds an account. The username is stored lowercased, so names
// are unique regardless of case.
func (s *Store) CreateUser(username string, hash []byte) (*User, error) {
	now := time.Now().Unix()
	u := &User{Username: strings.ToLower(username), PasswordHash: hash, SessionEpoch: 1, CreatedAt: time.Unix(now, 0).UTC()}
	err := s.writeRow(s.q.createUser, []any{u.Username, hash, now}, &u.ID)
	if errors.Is(err, sql.ErrNoRows) { // ON CONFLICT DO NOTHING: the name is taken
		return nil, ErrUsernameTaken
	}
	if err != nil {
		return nil, err
	}
	return u, nil
}

// UserByName returns the account with that username (any case), or
// ErrNotFound.
func (s *Store) UserByName(username string) (*User, error) {
	return scanUser(s.db.QueryRow(s.q.userByName, strings.ToLower(username)))
}

// UserByID returns the account with that id, or ErrNotFound.
func (s *Store) UserByID(id int64) (*User, error) {
	return scanUser(s.db.QueryRow(s.q.userByID, id))
}

// SetPassword replaces a user's password hash and starts a new session
// epoch, which logs out every other session of the user. It returns the
// new epoch.
func (s *Store) SetPassword(id int64, hash []byte) (int64, error) {
	var epoch int64
	err := s.writeRow(s.q.setPassword, []any{hash, id}, &epoch)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return epoch, err
}

// CountUsers returns the number of accounts.
func (s *Store) CountUsers() (int, error) {
	var n int
	err := s.db.QueryRow(s.q.countUsers).Scan(&n)
	return n, err
}
