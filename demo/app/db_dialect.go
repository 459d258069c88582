package app

import "strings"

// dialect is the SQL flavour of the demo's database. The Store writes its
// queries once, in the subset both databases share (RETURNING, ON
// CONFLICT, TRUE/FALSE, numbered placeholders), and rebinds them for the
// dialect when it is made; only the schema (migrations) is written per
// dialect where the DDL differs.
type dialect int

// The databases the demo runs on.
const (
	dialectSQLite dialect = iota + 1
	dialectPostgres
)

// String names the database for messages and the start-up line.
func (d dialect) String() string {
	switch d {
	case dialectSQLite:
		return "SQLite"
	case dialectPostgres:
		return "PostgreSQL"
	}
	return "unknown database"
}

// rebind turns a query written with PostgreSQL's numbered placeholders
// ($1, $2, ...) into the dialect's. SQLite gets ?1, ?2, ...: SQLite would
// read $1 as a parameter *named* "$1" and number the parameters in the
// order they first appear, so `WHERE id = $2 AND user_id = $1` would bind
// the arguments the wrong way round; ?NNN is SQLite's explicitly numbered
// form, bound by position. Queries are rebound once, when the Store is
// made, not per call. The demo's queries hold no string literals with a
// dollar sign, which this rewrite would also touch.
func (d dialect) rebind(query string) string {
	if d != dialectSQLite || !strings.Contains(query, "$") {
		return query
	}
	b := []byte(query)
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '$' && b[i+1] >= '0' && b[i+1] <= '9' {
			b[i] = '?'
		}
	}
	return string(b)
}
