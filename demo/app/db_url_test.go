package app

import (
	"strings"
	"testing"
)

func TestParseDatabaseURL(t *testing.T) {
	tests := []struct {
		in      string
		dialect dialect
		target  string
		shown   string
		err     string
	}{
		{in: "sqlite:data/demo.db", dialect: dialectSQLite, target: "data/demo.db", shown: "sqlite:data/demo.db"},
		{in: "sqlite:/var/lib/demo.db", dialect: dialectSQLite, target: "/var/lib/demo.db", shown: "sqlite:/var/lib/demo.db"},
		{in: "data/demo.db", dialect: dialectSQLite, target: "data/demo.db", shown: "sqlite:data/demo.db"},
		{in: "/tmp/x.db", dialect: dialectSQLite, target: "/tmp/x.db", shown: "sqlite:/tmp/x.db"},
		{in: "postgres://demo:s3cret@db:5432/demo?sslmode=disable", dialect: dialectPostgres,
			target: "postgres://demo:s3cret@db:5432/demo?sslmode=disable", shown: "postgres://demo:xxxxx@db:5432/demo?sslmode=disable"},
		{in: "postgresql://db/demo?password=s3cret&user=demo", dialect: dialectPostgres,
			target: "postgresql://db/demo?password=s3cret&user=demo", shown: "postgresql://db/demo?password=xxxxx&user=demo"},
		{in: "", err: "no database"},
		{in: "sqlite:", err: "names no file"},
		{in: "mysql://db/demo", err: `scheme "mysql" is not supported`},
		{in: "postgres://demo:s3cret@db:bad-port/demo", err: "PostgreSQL URL"},
	}
	for _, tc := range tests {
		u, err := parseDatabaseURL(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("parseDatabaseURL(%q) = %v, %v; want an error with %q", tc.in, u, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Errorf("parseDatabaseURL(%q): the error shows the password: %v", tc.in, err)
			}
			continue
		}
		if err != nil || u.dialect != tc.dialect || u.target != tc.target {
			t.Errorf("parseDatabaseURL(%q) = %v %q, %v; want %v %q", tc.in, u.dialect, u.target, err, tc.dialect, tc.target)
		}
		if got := u.String(); got != tc.shown {
			t.Errorf("parseDatabaseURL(%q).String() = %q, want %q", tc.in, got, tc.shown)
		}
	}
}

func TestOptionsDatabaseURL(t *testing.T) {
	if u, err := (Options{DBPath: "x.db"}).databaseURL(); err != nil || u != (databaseURL{dialectSQLite, "x.db"}) {
		t.Errorf("DBPath: %v, %v", u, err)
	}
	if u, err := (Options{Database: "sqlite:y.db"}).databaseURL(); err != nil || u != (databaseURL{dialectSQLite, "y.db"}) {
		t.Errorf("Database: %v, %v", u, err)
	}
	if _, err := (Options{Database: "sqlite:y.db", DBPath: "x.db"}).databaseURL(); err == nil {
		t.Error("both Database and DBPath were accepted")
	}
	if _, err := (Options{}).databaseURL(); err == nil {
		t.Error("no database was accepted")
	}
}

func TestRebind(t *testing.T) {
	tests := []struct {
		d        dialect
		in, want string
	}{
		{dialectPostgres, `SELECT $1, $2`, `SELECT $1, $2`},
		{dialectSQLite, `SELECT $1, $2`, `SELECT ?1, ?2`},
		{dialectSQLite, `WHERE id = $2 AND user_id = $1 OR x = $12`, `WHERE id = ?2 AND user_id = ?1 OR x = ?12`},
		{dialectSQLite, `SELECT count(*) FROM t`, `SELECT count(*) FROM t`},
		{dialectSQLite, `SELECT $x, $`, `SELECT $x, $`},
	}
	for _, tc := range tests {
		if got := tc.d.rebind(tc.in); got != tc.want {
			t.Errorf("%v.rebind(%q) = %q, want %q", tc.d, tc.in, got, tc.want)
		}
	}
}

// TestRebindOrder proves why the Store rebinds for SQLite: go-sqlite3
// numbers $N parameters by first appearance, so arguments bound to a
// query that names $2 before $1 land in the wrong places; ?N binds by
// number.
func TestRebindOrder(t *testing.T) {
	db := openTestDB(t, databaseURL{dialectSQLite, t.TempDir() + "/order.db"})
	var a, b string
	if err := db.QueryRow(`SELECT ?2, ?1`, "first", "second").Scan(&a, &b); err != nil || a != "second" || b != "first" {
		t.Errorf("?2, ?1 gave %q, %q (%v); want second, first", a, b, err)
	}
	if err := db.QueryRow(`SELECT $2, $1`, "first", "second").Scan(&a, &b); err == nil && a == "second" {
		t.Errorf("go-sqlite3 now binds $N by number; rebind could go")
	}
}
