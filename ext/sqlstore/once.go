package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
)

// Dialect names the SQL database behind the *sql.DB. The statements are
// the same for both (INSERT ... ON CONFLICT, $N placeholders); only the
// type of the answer column differs.
type Dialect uint8

const (
	// SQLite, 3.24 or newer (any driver; open the database with a busy
	// timeout, such as mattn/go-sqlite3's _busy_timeout=5000, so that
	// concurrent claims wait for each other instead of failing).
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL 9.5 or newer (any driver, such as pgx's
	// stdlib).
	Postgres
)

// Config configures a [Store].
type Config struct {
	// Dialect is the database's. Required.
	Dialect Dialect

	// Table is the name of the table of claims and answers, created if
	// missing: letters, digits and underscores.
	//
	// Optional. Default: "fiberfn_once"
	Table string

	// GCInterval is how often expired records are deleted. A negative
	// value turns the sweep off (expired records are still ignored, and
	// replaced by the next claim of their key).
	//
	// Optional. Default: 10 minutes
	GCInterval time.Duration
}

// ConfigDefault is the default configuration, but for the Dialect.
var ConfigDefault = Config{Table: "fiberfn_once", GCInterval: 10 * time.Minute}

// Store is a [fiberfn.OnceStore] in a SQL table, shared by every instance
// on the database:
//
//	store, err := sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.Postgres})
//	fiberfn.Mount(app, fiberfn.Config{Keys: keys, OnceStore: store})
//
// A claim is one statement, INSERT ... ON CONFLICT (k) DO UPDATE ... WHERE
// the old record expired, so exactly one of the instances sending a key
// at once inserts its row; the others read the row. Leases and expiry are
// times in milliseconds from the instances' clocks, which must agree to
// well within the lease (fiberfn.Config.OnceLease, 10 s by default).
//
// The Store borrows db: Close stops the sweep and leaves db open.
type Store struct {
	db   *sql.DB
	q    queries
	stop chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

// queries are the statements of a table.
type queries struct {
	claim, read, renew, finish, release, sweep string
}

var _ fiberfn.OnceStore = (*Store)(nil)

// New creates the table (if missing) and returns the store.
func New(db *sql.DB, config Config) (*Store, error) {
	cfg := config
	if cfg.Table == "" {
		cfg.Table = ConfigDefault.Table
	}
	if cfg.GCInterval == 0 {
		cfg.GCInterval = ConfigDefault.GCInterval
	}
	if !validName(cfg.Table) {
		return nil, fmt.Errorf("sqlstore: table name %q: use letters, digits and underscores", cfg.Table)
	}
	var blob string
	switch cfg.Dialect {
	case SQLite:
		blob = "BLOB"
	case Postgres:
		blob = "BYTEA"
	default:
		return nil, errors.New("sqlstore: Config.Dialect must be SQLite or Postgres")
	}
	t := cfg.Table
	for _, ddl := range []string{
		`CREATE TABLE IF NOT EXISTS ` + t + ` (
			k TEXT PRIMARY KEY,
			run TEXT NOT NULL,
			lease_until BIGINT NOT NULL,
			expires_at BIGINT NOT NULL,
			answer ` + blob + `
		)`,
		`CREATE INDEX IF NOT EXISTS ` + t + `_expires ON ` + t + ` (expires_at)`,
	} {
		if _, err := db.Exec(ddl); err != nil {
			return nil, fmt.Errorf("sqlstore: creating table %s: %w", t, err)
		}
	}
	s := &Store{db: db, stop: make(chan struct{}), q: queries{
		// Every statement names its placeholders in ascending order of
		// first use: SQLite numbers "$N" parameters that way.
		claim: `INSERT INTO ` + t + ` (k, run, lease_until, expires_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (k) DO UPDATE SET run = excluded.run, lease_until = excluded.lease_until,
				expires_at = excluded.expires_at, answer = NULL
			WHERE ` + t + `.expires_at <= $5`,
		read:    `SELECT lease_until, expires_at, CASE WHEN answer IS NULL THEN 0 ELSE 1 END, answer FROM ` + t + ` WHERE k = $1`,
		renew:   `UPDATE ` + t + ` SET lease_until = $1 WHERE k = $2 AND run = $3 AND answer IS NULL AND expires_at > $4`,
		finish:  `UPDATE ` + t + ` SET answer = $1, expires_at = $2 WHERE k = $3 AND run = $4 AND expires_at > $5`,
		release: `DELETE FROM ` + t + ` WHERE k = $1 AND run = $2 AND answer IS NULL`,
		sweep:   `DELETE FROM ` + t + ` WHERE expires_at <= $1`,
	}}
	if cfg.GCInterval > 0 {
		s.wg.Add(1)
		go s.sweepEvery(cfg.GCInterval)
	}
	return s, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 48 || '0' <= s[0] && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func millis(t time.Time) int64 { return t.UnixMilli() }

// Claim implements [fiberfn.OnceStore].
func (s *Store) Claim(ctx context.Context, key, runID string, lease, ttl time.Duration) (fiberfn.ClaimResult, error) {
	// A record can vanish (released, swept) or expire between the insert
	// and the read: then the insert is tried again.
	for range 8 {
		now := time.Now()
		n := millis(now)
		res, err := s.db.ExecContext(ctx, s.q.claim, key, runID, millis(now.Add(lease)), millis(now.Add(ttl)), n)
		if err != nil {
			return fiberfn.ClaimResult{}, fmt.Errorf("sqlstore: claim: %w", err)
		}
		if won, err := res.RowsAffected(); err != nil {
			return fiberfn.ClaimResult{}, fmt.Errorf("sqlstore: claim: %w", err)
		} else if won == 1 {
			return fiberfn.ClaimResult{Status: fiberfn.ClaimWon}, nil
		}
		var leaseUntil, expiresAt int64
		var answered int
		var answer []byte
		err = s.db.QueryRowContext(ctx, s.q.read, key).Scan(&leaseUntil, &expiresAt, &answered, &answer)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			continue
		case err != nil:
			return fiberfn.ClaimResult{}, fmt.Errorf("sqlstore: reading a claim: %w", err)
		case expiresAt <= n:
			continue
		case answered == 1:
			if answer == nil {
				answer = []byte{}
			}
			return fiberfn.ClaimResult{Status: fiberfn.ClaimAnswered, Answer: answer}, nil
		case leaseUntil > n:
			return fiberfn.ClaimResult{Status: fiberfn.ClaimRunning}, nil
		}
		return fiberfn.ClaimResult{Status: fiberfn.ClaimLeaseExpired}, nil
	}
	return fiberfn.ClaimResult{}, errors.New("sqlstore: claim: the record of the key keeps changing")
}

// Renew implements [fiberfn.OnceStore].
func (s *Store) Renew(ctx context.Context, key, runID string, lease time.Duration) (bool, error) {
	now := time.Now()
	return s.exec(ctx, "renew", s.q.renew, millis(now.Add(lease)), key, runID, millis(now))
}

// Finish implements [fiberfn.OnceStore].
func (s *Store) Finish(ctx context.Context, key, runID string, answer []byte, ttl time.Duration) (bool, error) {
	if answer == nil {
		answer = []byte{} // NULL means "no answer yet"
	}
	now := time.Now()
	return s.exec(ctx, "finish", s.q.finish, answer, millis(now.Add(ttl)), key, runID, millis(now))
}

// Release implements [fiberfn.OnceStore].
func (s *Store) Release(ctx context.Context, key, runID string) error {
	_, err := s.exec(ctx, "release", s.q.release, key, runID)
	return err
}

// exec runs a statement and reports whether it changed a row.
func (s *Store) exec(ctx context.Context, what, query string, args ...any) (bool, error) {
	res, err := s.db.ExecContext(ctx, query, args...)
	if err != nil {
		return false, fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlstore: %s: %w", what, err)
	}
	return n > 0, nil
}

// Sweep deletes the expired records now.
func (s *Store) Sweep(ctx context.Context) error {
	_, err := s.db.ExecContext(ctx, s.q.sweep, millis(time.Now()))
	return err
}

func (s *Store) sweepEvery(every time.Duration) {
	defer s.wg.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			_ = s.Sweep(context.Background())
		}
	}
}

// Close stops the sweep. It leaves the database open.
func (s *Store) Close() error {
	s.once.Do(func() { close(s.stop) })
	s.wg.Wait()
	return nil
}
