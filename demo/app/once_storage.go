package app

import (
	"database/sql"
	"strconv"

	"github.com/fiberfn/fiberfn/ext/redisstore"
	"github.com/fiberfn/fiberfn/ext/sqlstore"
	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// onceTable keeps the claims and answers of once-only server functions
// (add_task) in the database, so a double submit sent to two instances,
// or a retry after a restart or a crash, is answered once
// (fiberfn.OnceStore).
const onceTable = "once_claims"

// onceStore is where the app's once-only keys are claimed: a
// fiberfn.OnceStore that the app closes.
type onceStore interface {
	fiberfn.OnceStore
	Close() error
}

// newOnceStore returns the once-only store of the app: in Redis (under
// the app's prefix + "once:") when there is a connection, else in the
// database (ext/sqlstore, which creates its table). It borrows db and the
// Redis connection: closing the store leaves them open.
func newOnceStore(db *sql.DB, d dialect, r *redisConn) (onceStore, error) {
	if r != nil {
		return redisOnce{redisstore.NewOnceStore(r.client, redisstore.OnceConfig{Prefix: r.prefix + "once:"})}, nil
	}
	sd := sqlstore.SQLite
	if d == dialectPostgres {
		sd = sqlstore.Postgres
	}
	return sqlstore.New(db, sqlstore.Config{Dialect: sd, Table: onceTable})
}

// redisOnce is the Redis store, which holds nothing to close of its own.
type redisOnce struct{ fiberfn.OnceStore }

func (redisOnce) Close() error { return nil }

// onceScope keeps each user's once-only keys apart from everyone else's
// (fiberfn.Config.OnceScope): the add form's token and a JSON client's
// Idempotency-Key are answered only for the user who sent them first, on
// every device. add_task's guard has looked the user up already.
func onceScope(c *fiber.Ctx) string {
	if u, ok := fiberfn.UseContext[*User](c); ok && u != nil {
		return "user:" + strconv.FormatInt(u.ID, 10)
	}
	return ""
}
