package app

import (
	"database/sql"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// The PostgreSQL connection pool of one instance (database/sql over pgx's
// stdlib driver). With several instances on one server, instances x
// max connections must stay below the server's max_connections (100 by
// default): three instances at the default use 60.
const (
	// DefaultPostgresMaxConns is the default size of the pool. The URL
	// parameter pool_max_conns (pgxpool's name) sets another.
	DefaultPostgresMaxConns = 20
	// postgresMaxLifetime retires a connection after this long, so that
	// the pool follows a fail-over or a server-side setting change and no
	// server process lives forever.
	postgresMaxLifetime = 30 * time.Minute
	// postgresMaxIdleTime closes a connection that stayed idle this long,
	// so the pool shrinks back after a burst.
	postgresMaxIdleTime = 5 * time.Minute
	// postgresAppName names the demo's sessions in pg_stat_activity
	// unless the URL's application_name says otherwise.
	postgresAppName = "fiberfn-demo"
)

// openPostgres opens a pool on the PostgreSQL database at rawURL. It
// does not connect yet; the migrations are the first use.
//
// Every write goes straight to the server: PostgreSQL's row locks order
// concurrent writes, so there is no Go-side write lock (newWriteLock is
// SQLite's). pgx prepares each query once per connection and caches it
// (its default statement cache), as go-sqlite3's statement cache does.
func openPostgres(rawURL string) (*sql.DB, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("app: PostgreSQL URL: %w", redactedErr(err))
	}
	maxConns := DefaultPostgresMaxConns
	q := u.Query()
	if v := q.Get("pool_max_conns"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("app: PostgreSQL URL: pool_max_conns=%q is not a positive number", v)
		}
		maxConns = n
		// pgx would send it to the server as a setting, which the server
		// refuses.
		q.Del("pool_max_conns")
		u.RawQuery = q.Encode()
	}
	cfg, err := pgx.ParseConfig(u.String())
	if err != nil {
		return nil, fmt.Errorf("app: PostgreSQL URL: %w", err)
	}
	if _, ok := cfg.RuntimeParams["application_name"]; !ok {
		cfg.RuntimeParams["application_name"] = postgresAppName
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxLifetime(postgresMaxLifetime)
	db.SetConnMaxIdleTime(postgresMaxIdleTime)
	return db, nil
}
