package app

import (
	"context"
	"database/sql"
	"time"
)

// sqlCounters keeps the counters of Attempts in the attempts table (see
// stateSchema) of a SQLite or PostgreSQL database. Its statements are
// portable: $N placeholders, UPSERT. The placeholders must
// first appear in ascending order: SQLite takes "$N" for a named
// parameter and numbers it by its first appearance, so "$5 ... $3" would
// bind the third argument to $5 (TestAttemptsSequence catches it).
type sqlCounters struct {
	db *sql.DB
}

const (
	// sqlCountersRead reads two counters (the current and previous
	// window) that have not expired.
	sqlCountersRead = `SELECT name, hits FROM attempts WHERE name IN ($1, $2) AND expires_at > $3`
	// sqlCountersTake adds one to the counter $1 (creating it, to expire
	// at $2) if the attempt fits (see counterStore): $3 names the previous
	// window, unless expired by $4; $5 is the time left in the current
	// window, $6 its length and $7 the maximum, in integer arithmetic. One
	// statement, atomic in SQLite (one writer at a time) and PostgreSQL
	// (the conflicting row is locked); it affects no row when it did not
	// add. An expired row of the same name cannot be in the way: names
	// hold their window, and windows do not come back.
	sqlCountersTake = `INSERT INTO attempts (name, hits, expires_at)
SELECT $1, 1, $2
WHERE coalesce((SELECT hits FROM attempts WHERE name = $3 AND expires_at > $4), 0) * $5 + $6 <= $7 * $6
ON CONFLICT (name) DO UPDATE SET hits = attempts.hits + 1
WHERE coalesce((SELECT p.hits FROM attempts p WHERE p.name = $3 AND p.expires_at > $4), 0) * $5 + (attempts.hits + 1) * $6 <= $7 * $6`
	sqlCountersUndo = `UPDATE attempts SET hits = hits - 1 WHERE name = $1 AND hits > 0`
)

func (s *sqlCounters) counts(ctx context.Context, now time.Time, cur, prev string) (curN, prevN int64, err error) {
	rows, err := s.db.QueryContext(ctx, sqlCountersRead, cur, prev, now.UnixMilli())
	if err != nil {
		return 0, 0, err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int64
		if err := rows.Scan(&name, &n); err != nil {
			return 0, 0, err
		}
		if name == cur {
			curN = n
		} else {
			prevN = n
		}
	}
	return curN, prevN, rows.Err()
}

// take is one statement when the attempt is allowed; a refusal reads the
// counts too, for the Retry-After. (Exec, not a query with RETURNING: the
// count is not needed when the attempt is allowed, and SQLite commits a
// RETURNING statement only when it is reset, which go-sqlite3 does after
// the row was read, measurably later and dearer under load.)
func (s *sqlCounters) take(ctx context.Context, now time.Time, cur, prev string, f fit, ttl time.Duration) (curN, prevN int64, added bool, err error) {
	res, err := s.db.ExecContext(ctx, sqlCountersTake, cur, now.Add(ttl).UnixMilli(), prev, now.UnixMilli(), f.rem, f.w, f.max)
	if err != nil {
		return 0, 0, false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n > 0 {
		return 0, 0, n > 0, err
	}
	curN, prevN, err = s.counts(ctx, now, cur, prev)
	return curN, prevN, false, err
}

func (s *sqlCounters) undo(ctx context.Context, cur string) error {
	_, err := s.db.ExecContext(ctx, sqlCountersUndo, cur)
	return err
}
