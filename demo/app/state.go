package app

import (
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// sharedState is what instances of the demo share besides the users and
// tasks: the sessions and the attempt counts. It lives in the database,
// or in Redis when Options.Redis is set.
type sharedState struct {
	sessions *Sessions
	attempts *Attempts
	kv       fiber.Storage // the sessions' storage in the database; nil with Redis
	redis    *redisConn    // nil without Redis
	sweeper  *sweeper      // nil with Redis (keys expire there)
}

// sessionTable is the table of the session records in the database: the
// gofiber sqlite3 storage's on SQLite (the table Fiber's session
// middleware used before; its old rows, keyed by raw ids, never match a
// hashed key and expire), an sqlStorage's on PostgreSQL (migration 3).
const sessionTable = "sessions"

// openState opens the shared state of opts: in Redis, or in db (whose
// tables the migrations made; a sweeper deletes expired attempt counts).
func openState(opts Options, db *sql.DB, d dialect, writeMu *sync.Mutex, logger *slog.Logger) (*sharedState, error) {
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
		sessions = &storageSessions{storage: r.storage, prefix: prefix + "session:"}
		counters = &redisCounters{client: r.client, prefix: prefix}
	} else {
		kv, err := newKVStorage(db, d, sessionTable, writeMu)
		if err != nil {
			return nil, err
		}
		s.kv = kv
		sessions = &storageSessions{storage: kv}
		counters = &sqlCounters{db: db}
		s.sweeper = startSweeper(db, func(err error) { logger.Warn("demo: delete expired attempt counts", "err", err) })
	}
	s.sessions = &Sessions{store: sessions, secure: opts.SecureCookies}
	s.attempts = &Attempts{store: counters, now: time.Now}
	return s, nil
}

// close stops the sweepers and closes the Redis connection; the database
// stays open.
func (s *sharedState) close() error {
	if s == nil {
		return nil
	}
	s.sweeper.stop()
	var kvErr error
	if s.kv != nil {
		kvErr = s.kv.Close()
	}
	return errors.Join(kvErr, s.redis.close())
}
