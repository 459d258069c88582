package app

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migrateTimeout bounds the schema migrations at start-up, waits for
// other instances' migrations included.
const migrateTimeout = time.Minute

// openDB opens the database u names (creating a SQLite file when needed)
// and brings its schema up to date (see migrate).
func openDB(u databaseURL) (*sql.DB, error) {
	var db *sql.DB
	var err error
	switch u.dialect {
	case dialectSQLite:
		db, err = openSQLite(u.target)
	case dialectPostgres:
		db, err = openPostgres(u.target)
	default:
		return nil, fmt.Errorf("app: unknown database %v", u.dialect)
	}
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), migrateTimeout)
	defer cancel()
	if err := migrate(ctx, db, u.dialect); err != nil {
		db.Close()
		return nil, fmt.Errorf("app: migrate %s: %w", u, err)
	}
	return db, nil
}
