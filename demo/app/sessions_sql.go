package app

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// sqlSessions keeps session records in the login_sessions table (see
// stateSchema) of a SQLite or PostgreSQL database: one indexed row read
// per request, no decoding.
type sqlSessions struct {
	db *sql.DB
}

func (s *sqlSessions) get(ctx context.Context, key string) (sessionRecord, bool, error) {
	var r sessionRecord
	var remember int
	err := s.db.QueryRowContext(ctx, `SELECT user_id, epoch, remember FROM login_sessions WHERE id = $1 AND expires_at > $2`,
		key, time.Now().UnixMilli()).Scan(&r.userID, &r.epoch, &remember)
	if errors.Is(err, sql.ErrNoRows) {
		return sessionRecord{}, false, nil
	}
	if err != nil {
		return sessionRecord{}, false, err
	}
	r.remember = remember != 0
	return r, true, nil
}

func (s *sqlSessions) put(ctx context.Context, key string, r sessionRecord, ttl time.Duration) error {
	remember := 0
	if r.remember {
		remember = 1
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO login_sessions (id, user_id, epoch, remember, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		key, r.userID, r.epoch, remember, time.Now().Add(ttl).UnixMilli())
	return err
}

func (s *sqlSessions) remove(ctx context.Context, key string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM login_sessions WHERE id = $1`, key)
	return err
}
