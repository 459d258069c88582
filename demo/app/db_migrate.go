package app

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// migration is one step of the demo's schema. Its DDL is given per
// dialect where the two databases differ (types, identity columns,
// triggers); an empty text means the step has nothing to do on that
// database. Released migrations are never edited: a change is a new
// migration.
type migration struct {
	version  int
	name     string
	sqlite   string
	postgres string
}

// ddl is the migration's SQL for d.
func (m migration) ddl(d dialect) string {
	if d == dialectPostgres {
		return m.postgres
	}
	return m.sqlite
}

// schemaMigrationsDDL creates the table of applied migrations; the same
// text on both databases.
const schemaMigrationsDDL = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at BIGINT  NOT NULL
)`

// migrationLockKey is the PostgreSQL advisory lock that serializes the
// migrations of instances starting at once (any 64-bit number no other
// application on the database uses; this one is "fiberfn" in ASCII).
const migrationLockKey = 0x666962657266_6e

// migrate applies the migrations that db has not seen yet, in order, each
// in its own transaction together with its schema_migrations row, so a
// failed step leaves no trace and the next start tries it again.
//
// Several instances may start at once on one database. On PostgreSQL each
// transaction first takes a transaction-level advisory lock
// (pg_advisory_xact_lock), so one instance migrates while the others
// wait, then find the step applied and skip it. On SQLite the transaction
// begins IMMEDIATE (see openSQLite): it holds the file's write lock from
// its first statement, which does the same across processes.
//
// A database that earlier versions of the demo made (their schema, no
// schema_migrations) is adopted: the first migration creates only what is
// missing there (CREATE ... IF NOT EXISTS).
func migrate(ctx context.Context, db *sql.DB, d dialect) error {
	applied, err := appliedMigrations(ctx, db)
	if err != nil {
		return err
	}
	for _, m := range migrations {
		if applied[m.version] {
			continue
		}
		if err := applyMigration(ctx, db, d, m); err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
	}
	return nil
}

// appliedMigrations returns the versions in schema_migrations, or none
// when the table does not exist yet. It is the fast path of a start on an
// up-to-date database: no lock, no transaction.
func appliedMigrations(ctx context.Context, db *sql.DB) (map[int]bool, error) {
	applied := map[int]bool{}
	rows, err := db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		// Most likely the table is missing; applyMigration creates it,
		// and a real connection problem shows there.
		return applied, nil
	}
	defer rows.Close()
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// applyMigration runs m in a transaction, unless another instance applied
// it first.
func applyMigration(ctx context.Context, db *sql.DB, d dialect, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it does nothing
	if d == dialectPostgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrationLockKey)); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, schemaMigrationsDDL); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	var done int
	if err := tx.QueryRowContext(ctx, d.rebind(`SELECT count(*) FROM schema_migrations WHERE version = $1`), m.version).Scan(&done); err != nil {
		return err
	}
	if done > 0 { // another instance was first
		return nil
	}
	if ddl := m.ddl(d); ddl != "" {
		if _, err := tx.ExecContext(ctx, ddl); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, d.rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`),
		m.version, m.name, time.Now().Unix()); err != nil {
		return err
	}
	return tx.Commit()
}
