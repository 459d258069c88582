package app

import (
	"database/sql"
	"errors"
	"log/slog"
	"time"
)

// sharedState is what instances of the demo share besides the users and
// tasks: the sessions and the attempt counts. It lives in the database,
// or in Redis when Options.Redis is set.
type sharedState struct {
	sessions *Sessions
	attempts *Attempts
	redis    *redisConn // nil without Redis
	sweeper  *sweeper   // nil with Redis (keys expire there)
}

// openState opens the shared state of opts: in Redis, or in db's state
// tables (created when missing), whose expired rows a sweeper deletes.
func openState(opts Options, db *sql.DB, logger *slog.Logger) (*sharedState, error) {
	s := &sharedState{}
	var sessions sessionStore
	var counters counterStore
	if opts.Redis != "" {
		prefix := opts.RedisPrefix
		if prefix == "" {
			prefix = DefaultRedisPrefix
		}
		r, err := openRedis(opts.Redis, prefix)
		if err != nil {
			return nil, err
		}
		s.redis = r
		sessions = &redisSessions{storage: r.storage, prefix: prefix}
		counters = &redisCounters{client: r.client, prefix: prefix}
	} else {
		if err := createStateTables(db); err != nil {
			return nil, err
		}
		sessions = &sqlSessions{db: db}
		counters = &sqlCounters{db: db}
		s.sweeper = startSweeper(db, func(err error) { logger.Warn("demo: delete expired sessions and counts", "err", err) })
	}
	s.sessions = &Sessions{store: sessions, secure: opts.SecureCookies}
	s.attempts = &Attempts{store: counters, now: time.Now}
	return s, nil
}

// close stops the sweeper and closes the Redis connection.
func (s *sharedState) close() error {
	if s == nil {
		return nil
	}
	s.sweeper.stop()
	return errors.Join(s.redis.close())
}
