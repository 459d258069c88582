package app

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/gofiber/storage/sqlite3/v2"
)

// onceTable keeps the answers of once-only server functions (add_task) by
// form token, so a retry after a restart is still answered once.
const onceTable = "once_answers"

// newOnceStorage creates the table of once-only answers in db. The storage
// borrows db: closing the storage leaves db open.
func newOnceStorage(db *sql.DB) (s *sqlite3.Storage, err error) {
	defer func() {
		// The storage reports set-up failures by panicking.
		if r := recover(); r != nil {
			err = fmt.Errorf("app: once-only storage: %v", r)
		}
	}()
	return sqlite3.NewFromConnection(db, sqlite3.Config{Table: onceTable, GCInterval: 10 * time.Minute}), nil
}
