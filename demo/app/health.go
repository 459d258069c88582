package app

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/gofiber/fiber/v2"
)

// ReadyTimeout bounds each check of /readyz (the database, Redis).
const ReadyTimeout = time.Second

// health is the state of the health checks: whether the app is draining.
type health struct {
	draining atomic.Bool
}

// registerHealth adds /healthz and /readyz, and a middleware that asks
// every client to close its connection while the app drains. Call it
// after the security headers and before the routes that read sessions.
//
//   - GET /healthz: 200 "ok" while the process can answer at all (a
//     liveness check: restart the process when it fails).
//   - GET /readyz: 200 "ok" when the database and Redis (with
//     Options.Redis) answer within ReadyTimeout, 503 when one does not or
//     when the app drains (a readiness check: send traffic elsewhere).
func (a *App) registerHealth() {
	a.Fiber.Use(func(c *fiber.Ctx) error {
		if a.health.draining.Load() {
			// Keep-alive clients (a load balancer's pooled connections)
			// reconnect, and so reach an instance that is not going.
			c.Response().SetConnectionClose()
		}
		return c.Next()
	})
	a.Fiber.Get("/healthz", func(c *fiber.Ctx) error {
		return c.SendString("ok\n")
	})
	a.Fiber.Get("/readyz", func(c *fiber.Ctx) error {
		if err := a.Ready(c.UserContext()); err != nil {
			return c.Status(fiber.StatusServiceUnavailable).SendString("not ready: " + err.Error() + "\n")
		}
		return c.SendString("ok\n")
	})
}

// errDraining, errDatabase and errRedis are what /readyz says when it
// fails; the causes are logged, not shown.
type readyError string

func (e readyError) Error() string { return string(e) }

const (
	errDraining readyError = "draining"
	errDatabase readyError = "the database does not answer"
	errRedis    readyError = "Redis does not answer"
)

// Ready reports whether the app can serve: nil when it is not draining
// and its database and Redis answer, each within ReadyTimeout.
func (a *App) Ready(ctx context.Context) error {
	if a.health.draining.Load() {
		return errDraining
	}
	dbCtx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	var one int
	if err := a.db.QueryRowContext(dbCtx, "SELECT 1").Scan(&one); err != nil {
		a.logger.Warn("demo: readiness: database", "err", err)
		return errDatabase
	}
	if a.redis != nil {
		rCtx, cancel := context.WithTimeout(ctx, ReadyTimeout)
		defer cancel()
		if err := a.redis.client.Ping(rCtx).Err(); err != nil {
			a.logger.Warn("demo: readiness: Redis", "err", err)
			return errRedis
		}
	}
	return nil
}

// Drain starts the shutdown: /readyz fails from now on, so load balancers
// stop sending requests, while the app still serves the ones that come
// (and asks their clients to close the connection). Shut the Fiber app
// down after the drain delay.
func (a *App) Drain() {
	a.health.draining.Store(true)
}
