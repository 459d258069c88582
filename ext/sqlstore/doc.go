// Package sqlstore keeps fiberfn's once-only claims and answers in a SQL
// database through database/sql (SQLite and PostgreSQL), for apps that
// run as several instances on one database. It imports no driver: the app
// opens the *sql.DB with the driver it already uses. It is its own module,
// so that the fiberfn library itself depends on Fiber only.
package sqlstore
