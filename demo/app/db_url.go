package app

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultDatabase is the database of `go run ./demo` with no flags: a
// SQLite file under data/, created on first start.
const DefaultDatabase = "sqlite:data/demo.db"

// databaseURL is a parsed Options.Database (or Options.DBPath).
type databaseURL struct {
	dialect dialect
	// target is the SQLite file's path, or the PostgreSQL URL.
	target string
}

// parseDatabaseURL reads the forms Options.Database takes:
//
//	sqlite:PATH                      a SQLite file (relative or absolute path)
//	PATH                             the same, without the scheme (as before -db took URLs)
//	postgres://user:pass@host/db     PostgreSQL (also postgresql://), any libpq URL parameters
//
// Any other scheme (a "name://" prefix) is refused rather than taken for
// a file name.
func parseDatabaseURL(s string) (databaseURL, error) {
	switch {
	case s == "":
		return databaseURL{}, fmt.Errorf("app: no database: set Options.Database (or Options.DBPath)")
	case strings.HasPrefix(s, "sqlite:"):
		path := strings.TrimPrefix(s, "sqlite:")
		if path == "" {
			return databaseURL{}, fmt.Errorf("app: database %q names no file", s)
		}
		return databaseURL{dialectSQLite, path}, nil
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		if _, err := url.Parse(s); err != nil {
			return databaseURL{}, fmt.Errorf("app: PostgreSQL URL: %w", redactedErr(err))
		}
		return databaseURL{dialectPostgres, s}, nil
	case strings.Contains(s, "://"):
		scheme, _, _ := strings.Cut(s, "://")
		return databaseURL{}, fmt.Errorf("app: database URL scheme %q is not supported (use sqlite:PATH or postgres://...)", scheme)
	}
	return databaseURL{dialectSQLite, s}, nil
}

// String describes the database for the start-up line and logs: the
// SQLite path, or the PostgreSQL URL without its password (in the user
// part or a password= parameter).
func (u databaseURL) String() string {
	if u.dialect == dialectSQLite {
		return "sqlite:" + u.target
	}
	p, err := url.Parse(u.target)
	if err != nil {
		return "postgres://(unparsable URL)"
	}
	if q := p.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		p.RawQuery = q.Encode()
	}
	return p.Redacted()
}

// redactedErr is err without the URL that net/url quotes in its errors,
// which may carry a password.
func redactedErr(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
