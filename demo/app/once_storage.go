package app

import (
	"database/sql"
	"strconv"

	"github.com/fiberfn/fiberfn/ext/sqlstore"
	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// onceTable keeps the claims and answers of once-only server functions
// (add_task), so a double submit sent to two instances, or a retry after
// a restart or a crash, is answered once (fiberfn.OnceStore).
const onceTable = "once_claims"

// newOnceStorage creates the table of once-only claims in db. The store
// borrows db: closing the store leaves db open.
func newOnceStorage(db *sql.DB) (*sqlstore.Store, error) {
	return sqlstore.New(db, sqlstore.Config{Dialect: sqlstore.SQLite, Table: onceTable})
}

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
