package app

import (
	"context"
	"fmt"
	"net/url"
	"time"

	redisstorage "github.com/gofiber/storage/redis/v3"
	"github.com/redis/go-redis/v9"
)

// DefaultRedisPrefix is put before every Redis key the demo writes, so
// that it can share a Redis database with others. The demo never flushes
// a database and never deletes keys outside its prefix.
const DefaultRedisPrefix = "fiberfn_demo:"

// redisDialTimeout bounds connecting to Redis at start-up.
const redisDialTimeout = 5 * time.Second

// redisConn is the app's connection to Redis: a go-redis client, gofiber's
// Redis storage over it (for the sessions) and the key prefix.
type redisConn struct {
	client  redis.UniversalClient
	storage *redisstorage.Storage
	prefix  string
}

// openRedis connects to the Redis server at rawURL
// ("redis://[user:password@]host:port/db", or rediss:// for TLS) and
// checks that it answers.
func openRedis(rawURL, prefix string) (*redisConn, error) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("app: Redis URL %s: %w", RedactURL(rawURL), err)
	}
	opts.DialTimeout = redisDialTimeout
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), redisDialTimeout)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, fmt.Errorf("app: Redis at %s: %w", RedactURL(rawURL), err)
	}
	// NewFromConnection, not New: New would connect again and, with its
	// Reset option, flush the database.
	return &redisConn{client: client, storage: redisstorage.NewFromConnection(client), prefix: prefix}, nil
}

// close closes the connection.
func (r *redisConn) close() error {
	if r == nil {
		return nil
	}
	return r.client.Close()
}

// Redis returns the app's Redis client and the prefix its keys go under,
// or nil and "" without Options.Redis: for storages that share the
// connection (fiberfn's once-only claims and answers, for example, under
// prefix + "once:"). The app owns the client; do not close it.
func (a *App) Redis() (client redis.UniversalClient, prefix string) {
	if a.redis == nil {
		return nil, ""
	}
	return a.redis.client, a.redis.prefix
}

// RedactURL returns rawURL without its password, for messages.
func RedactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
