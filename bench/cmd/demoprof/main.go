// Command demoprof is the demo app (package demo/app, as the demo binary
// builds it) with a CPU profile of the whole run, for profiling the demo
// under the load of cmd/benchrun:
//
//	demoprof -addr 127.0.0.1:9002 -db /tmp/bench.db -cpuprofile demo.pprof
//	demoprof -addr 127.0.0.1:9002 -db postgres://... -redis redis://... -cpuprofile demo.pprof
//
// It takes the demo's flags that the benchmarks pass (-db, -redis,
// -redis-prefix, -secret, -trusted-proxies, -instance).
// It stops on SIGINT/SIGTERM and writes the profile.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"

	"github.com/fiberfn/fiberfn/bench/internal/serve"
	"github.com/fiberfn/fiberfn/demo/app"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demoprof:", err)
		os.Exit(1)
	}
}

func run() error {
	addr := flag.String("addr", "127.0.0.1:3000", "address to listen on")
	db := flag.String("db", "", "database: a SQLite file or sqlite:PATH, or a postgres:// URL (required)")
	redis := flag.String("redis", "", "Redis URL for the sessions, attempt counts and once-only claims")
	prefix := flag.String("redis-prefix", app.DefaultRedisPrefix, "prefix of the Redis keys")
	secret := flag.String("secret", "", "signing key (default: the one stored in the database)")
	proxies := flag.String("trusted-proxies", "", "comma-separated proxies whose X-Forwarded-For to believe")
	instance := flag.String("instance", "", "instance name (X-Instance header)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()

	opts := app.Options{Database: *db, Redis: *redis, RedisPrefix: *prefix, Instance: *instance,
		Secret: []byte(*secret), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if *proxies != "" {
		opts.TrustedProxies = strings.Split(*proxies, ",")
	}
	a, err := app.New(opts)
	if err != nil {
		return err
	}
	defer a.Close()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	stopProfile, err := serve.StartProfile(*cpuprofile)
	if err != nil {
		return err
	}
	defer stopProfile()
	fmt.Printf("demoprof listening on %s\n", ln.Addr())
	return serve.Until(func() error { return a.Fiber.Listener(ln) }, a.Fiber.Shutdown)
}
