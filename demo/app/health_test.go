package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/internal/testsvc"
	"golang.org/x/crypto/bcrypt"
)

// newTestApp builds an app on a fresh SQLite file (and Redis when url is
// set); the test closes it.
func newTestApp(t *testing.T, redisURL, prefix string) *App {
	t.Helper()
	a, err := New(Options{DBPath: filepath.Join(t.TempDir(), "demo.db"), BcryptCost: bcrypt.MinCost,
		Redis: redisURL, RedisPrefix: prefix, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// get answers GET path in-process.
func get(t *testing.T, a *App, path string) (int, string, string) {
	t.Helper()
	resp, err := a.Fiber.Test(httptest.NewRequest("GET", path, nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	conn := resp.Header.Get("Connection")
	if resp.Close {
		conn = "close"
	}
	return resp.StatusCode, strings.TrimSpace(string(b)), conn
}

// TestReadyz: /readyz fails when the database does not answer, when Redis
// does not, and while draining; /healthz answers all along.
func TestReadyz(t *testing.T) {
	t.Parallel()
	t.Run("database", func(t *testing.T) {
		t.Parallel()
		a := newTestApp(t, "", "")
		defer a.Close()
		if st, body, _ := get(t, a, "/readyz"); st != 200 || body != "ok" {
			t.Fatalf("/readyz: %d %q", st, body)
		}
		a.checkpoint.stop()
		a.state.close()
		a.db.Close()
		if err := a.Ready(context.Background()); !errors.Is(err, errDatabase) {
			t.Errorf("Ready with the database closed: %v", err)
		}
		if st, body, _ := get(t, a, "/readyz"); st != 503 || body != "not ready: the database does not answer" {
			t.Errorf("/readyz with the database closed: %d %q", st, body)
		}
		if st, body, _ := get(t, a, "/healthz"); st != 200 || body != "ok" {
			t.Errorf("/healthz with the database closed: %d %q", st, body)
		}
	})
	t.Run("Redis", func(t *testing.T) {
		t.Parallel()
		url, prefix := testsvc.Redis(t)
		a := newTestApp(t, url, prefix)
		if st, _, _ := get(t, a, "/readyz"); st != 200 {
			t.Fatalf("/readyz: %d", st)
		}
		if c, p := a.Redis(); c == nil || p != prefix {
			t.Errorf("Redis() = %v, %q", c, p)
		}
		a.redis.client.Close()
		if err := a.Ready(context.Background()); !errors.Is(err, errRedis) {
			t.Errorf("Ready with Redis closed: %v", err)
		}
		a.redis = nil // closed already
		a.state.redis = nil
		if err := a.Close(); err != nil {
			t.Error(err)
		}
	})
	t.Run("draining", func(t *testing.T) {
		t.Parallel()
		a := newTestApp(t, "", "")
		defer a.Close()
		if c, p := a.Redis(); c != nil || p != "" {
			t.Errorf("Redis() without Redis = %v, %q", c, p)
		}
		if _, _, conn := get(t, a, "/login"); conn == "close" {
			t.Errorf("Connection: close before draining")
		}
		a.Drain()
		if st, body, conn := get(t, a, "/readyz"); st != 503 || body != "not ready: draining" || conn != "close" {
			t.Errorf("/readyz while draining: %d %q, Connection %q", st, body, conn)
		}
		if st, body, conn := get(t, a, "/healthz"); st != 200 || body != "ok" || conn != "close" {
			t.Errorf("/healthz while draining: %d %q, Connection %q", st, body, conn)
		}
		if st, _, conn := get(t, a, "/login"); st != 200 || conn != "close" {
			t.Errorf("/login while draining: %d, Connection %q", st, conn)
		}
	})
}
