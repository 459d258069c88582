package tests

// The demo app under test: startDemo runs a real instance on a loopback
// port with its own database, for the HTTP tests here and the browser
// tests alike: a SQLite file, or with FIBERFN_TEST_DB=postgres a
// PostgreSQL database of the test's own.

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/fiberfn/fiberfn/internal/testsvc"
)

// testDatabaseEnv names the database of the instances that startDemo
// starts when the test names none: unset or "sqlite", a SQLite file in
// t.TempDir(); "postgres", a fresh PostgreSQL database through
// internal/testsvc (the test skips without the server, and fails instead
// with FIBERFN_REQUIRE_SERVICES=1). So
//
//	FIBERFN_TEST_DB=postgres go test ./tests/
//
// runs the demo's black-box suite on PostgreSQL. Tests that give
// Options.DBPath (restarts on one file, the WAL) stay on SQLite.
const testDatabaseEnv = "FIBERFN_TEST_DB"

// freshDatabase returns the URL of a new, empty database of the test's
// own, of the kind $FIBERFN_TEST_DB names.
func freshDatabase(t testing.TB) string {
	t.Helper()
	switch kind := os.Getenv(testDatabaseEnv); kind {
	case "", "sqlite":
		return "sqlite:" + filepath.Join(t.TempDir(), "demo.db")
	case "postgres":
		return testsvc.Postgres(t)
	default:
		t.Fatalf("$%s=%q: want sqlite or postgres", testDatabaseEnv, kind)
		return ""
	}
}

// demoServer is a running instance of the demo app.
type demoServer struct {
	// URL is the base URL, "http://127.0.0.1:<port>", without a slash.
	URL string
	// App is the instance, for looking at its Store.
	App *app.App
	// Database is its database URL (Options.Database); start another
	// instance on it to test a restart.
	Database string

	t      testing.TB
	served chan error
	once   sync.Once
	errs   *atomic.Int32
}

// startDemo starts the demo app on 127.0.0.1 and a free port, and stops it
// when the test ends. Unset options get test defaults: a fresh database
// (see testDatabaseEnv), bcrypt.MinCost, and a logger that writes to the
// test log. Any error the app logs fails the test (unexpected errors are
// 500s).
func startDemo(t testing.TB, opts app.Options) *demoServer {
	t.Helper()
	if opts.DBPath != "" {
		opts.Database, opts.DBPath = "sqlite:"+opts.DBPath, ""
	}
	if opts.Database == "" {
		opts.Database = freshDatabase(t)
	}
	if opts.BcryptCost == 0 {
		opts.BcryptCost = bcrypt.MinCost
	}
	errs := &atomic.Int32{}
	if opts.Logger == nil {
		opts.Logger = slog.New(&testLogHandler{t: t, errs: errs})
	}
	a, err := app.New(opts)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		a.Close()
		t.Fatalf("listen: %v", err)
	}
	d := &demoServer{URL: "http://" + ln.Addr().String(), App: a, Database: opts.Database, t: t, served: make(chan error, 1), errs: errs}
	go func() { d.served <- a.Fiber.Listener(ln) }()
	t.Cleanup(d.Stop)
	d.waitServing()
	return d
}

// waitServing returns once the server answers a request. Shutting Fiber
// down before its Listener has started serving would leave Listener
// running forever, so a test that stops the server straight away (one
// that skips, say) must not race it.
func (d *demoServer) waitServing() {
	d.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Get(d.URL + "/public/css/app.css")
		if err == nil {
			resp.Body.Close()
			return
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("the demo did not start serving: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Stop shuts the instance down (waiting for requests in flight) and closes
// its database. It is safe to call more than once; the test's cleanup
// calls it anyway.
func (d *demoServer) Stop() {
	d.once.Do(func() {
		if err := d.App.Fiber.ShutdownWithTimeout(10 * time.Second); err != nil {
			d.t.Errorf("shutdown: %v", err)
		}
		select {
		case err := <-d.served:
			if err != nil {
				d.t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			d.t.Errorf("the server did not stop")
		}
		if err := d.App.Close(); err != nil {
			d.t.Errorf("close: %v", err)
		}
		if n := d.errs.Load(); n > 0 {
			d.t.Errorf("the app logged %d error(s); see the log above", n)
		}
	})
}

// userID returns the id of a user, failing the test when there is none.
func (d *demoServer) userID(username string) int64 {
	d.t.Helper()
	u, err := d.App.Store.UserByName(username)
	if err != nil {
		d.t.Fatalf("user %q: %v", username, err)
	}
	return u.ID
}

// taskCount returns the number of tasks of a user.
func (d *demoServer) taskCount(username string) int {
	d.t.Helper()
	n, err := d.App.Store.CountTasks(d.userID(username))
	if err != nil {
		d.t.Fatal(err)
	}
	return n
}

// userCount returns the number of accounts.
func (d *demoServer) userCount() int {
	d.t.Helper()
	n, err := d.App.Store.CountUsers()
	if err != nil {
		d.t.Fatal(err)
	}
	return n
}

// tasks returns a user's tasks, oldest first.
func (d *demoServer) tasks(username string) []app.Task {
	d.t.Helper()
	ts, err := d.App.Store.Tasks(d.userID(username), app.FilterAll)
	if err != nil {
		d.t.Fatal(err)
	}
	return ts
}

// testLogHandler writes the app's log records to the test log and counts
// the errors.
type testLogHandler struct {
	t     testing.TB
	errs  *atomic.Int32
	attrs []slog.Attr
}

func (h *testLogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *testLogHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.errs.Add(1)
	}
	var b bytes.Buffer
	th := slog.NewTextHandler(&b, nil)
	_ = th.WithAttrs(h.attrs).Handle(context.Background(), r)
	h.t.Log("app: " + strings.TrimSpace(b.String()))
	return nil
}

func (h *testLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &testLogHandler{t: h.t, errs: h.errs, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *testLogHandler) WithGroup(string) slog.Handler { return h }
