package app

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// stateSchema creates the tables of the state that instances share
// through the database when there is no Redis: the counters of Attempts
// and the login sessions. Portable DDL for SQLite and PostgreSQL, kept in
// one place so the SQL layer's migrations can take it over as one step.
var stateSchema = []string{
	`CREATE TABLE IF NOT EXISTS attempts (
	name       TEXT   PRIMARY KEY,
	hits       BIGINT NOT NULL,
	expires_at BIGINT NOT NULL
)`,
	`CREATE INDEX IF NOT EXISTS attempts_by_expiry ON attempts (expires_at)`,
	`CREATE TABLE IF NOT EXISTS login_sessions (
	id         TEXT    PRIMARY KEY,
	user_id    BIGINT  NOT NULL,
	epoch      BIGINT  NOT NULL,
	remember   INTEGER NOT NULL,
	expires_at BIGINT  NOT NULL
)`,
	`CREATE INDEX IF NOT EXISTS login_sessions_by_expiry ON login_sessions (expires_at)`,
}

// createStateTables creates the tables of stateSchema in db.
func createStateTables(db *sql.DB) error {
	for _, stmt := range stateSchema {
		if _, err := db.Exec(stmt); err != nil {
			return fmt.Errorf("app: create the tables of sessions and attempts: %w", err)
		}
	}
	return nil
}

// sweepInterval is how often expired counters and sessions are deleted
// from the database. Reads skip them anyway; this only frees the space.
const sweepInterval = time.Minute

// sweeper deletes expired rows of the state tables every sweepInterval.
type sweeper struct {
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// startSweeper starts deleting expired rows of db's state tables; report
// gets the errors.
func startSweeper(db *sql.DB, report func(error)) *sweeper {
	s := &sweeper{done: make(chan struct{})}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(sweepInterval)
		defer t.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-t.C:
				if err := sweepState(context.Background(), db, time.Now()); err != nil {
					report(err)
				}
			}
		}
	}()
	return s
}

// sweepState deletes the counters and sessions that expired before now.
func sweepState(ctx context.Context, db *sql.DB, now time.Time) error {
	ms := now.UnixMilli()
	if _, err := db.ExecContext(ctx, `DELETE FROM attempts WHERE expires_at <= $1`, ms); err != nil {
		return err
	}
	_, err := db.ExecContext(ctx, `DELETE FROM login_sessions WHERE expires_at <= $1`, ms)
	return err
}

// stop stops the sweeper and waits for a sweep in progress. Safe to call
// on nil and more than once.
func (s *sweeper) stop() {
	if s == nil {
		return
	}
	s.once.Do(func() { close(s.done) })
	s.wg.Wait()
}
