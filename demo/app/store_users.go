package app

import (
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"
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

const userColumns = `id, username, password_hash, session_epoch, created_at`

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
	now := time.Now()
	res, err := s.exec(`INSERT INTO users (username, password_hash, created_at) VALUES (?, ?, ?)`,
		strings.ToLower(username), hash, now.Unix())
	if err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
			return nil, ErrUsernameTaken
		}
		return nil, err
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, err
	}
	return &User{ID: id, Username: strings.ToLower(username), PasswordHash: hash, SessionEpoch: 1, CreatedAt: time.Unix(now.Unix(), 0).UTC()}, nil
}

// UserByName returns the account with that username (any case), or
// ErrNotFound.
func (s *Store) UserByName(username string) (*User, error) {
	return scanUser(s.db.QueryRow(`SELECT `+userColumns+` FROM users WHERE username = ?`, strings.ToLower(username)))
}

// UserByID returns the account with that id, or ErrNotFound.
func (s *Store) UserByID(id int64) (*User, error) {
	return scanUser(s.db.QueryRow(`SELECT `+userColumns+` FROM users WHERE id = ?`, id))
}

// SetPassword replaces a user's password hash and starts a new session
// epoch, which logs out every other session of the user. It returns the
// new epoch.
func (s *Store) SetPassword(id int64, hash []byte) (int64, error) {
	var epoch int64
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.db.QueryRow(`UPDATE users SET password_hash = ?, session_epoch = session_epoch + 1 WHERE id = ? RETURNING session_epoch`,
		hash, id).Scan(&epoch)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, ErrNotFound
	}
	return epoch, err
}

// CountUsers returns the number of accounts.
func (s *Store) CountUsers() (int, error) {
	var n int
	err := s.db.QueryRow(`SELECT count(*) FROM users`).Scan(&n)
	return n, err
}
