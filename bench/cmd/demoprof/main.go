// Command demoprof is the demo app (package demo/app, as the demo binary
// builds it) with a CPU profile of the whole run, for profiling the demo
// under the load of cmd/benchrun:
//
//	demoprof -addr 127.0.0.1:9002 -db /tmp/bench.db -cpuprofile demo.pprof
//
// It stops on SIGINT/SIGTERM and writes the profile.
package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"

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
	db := flag.String("db", "", "SQLite file (required)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	flag.Parse()

	a, err := app.New(app.Options{DBPath: *db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
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
