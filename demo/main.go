// Command demo runs the fiberfn demo: a multi-user task list with session
// authentication whose every form is a fiberfn server function and works
// with JavaScript on and off.
//
//	go run ./demo                      # every interface, port 3000; data/demo.db
//	go run ./demo -addr 127.0.0.1:8080 -db /tmp/demo.db
//	go run ./demo -dev                 # templates/ and public/ from disk
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/fiberfn/fiberfn/public"
)

// shutdownTimeout bounds how long in-flight requests may take after a
// signal.
const shutdownTimeout = 10 * time.Second

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: demo [flags]\n\nRuns the fiberfn demo task app.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	addr := fs.String("addr", ":3000", "address to listen on, host:port (when not given, the PORT environment variable sets the port)")
	dbPath := fs.String("db", "data/demo.db", "SQLite file for users, tasks and sessions (its directory is created)")
	dev := fs.Bool("dev", false, "serve templates/ and public/ from the working directory (the repository root) and re-read templates on every request")
	htmx := fs.String("htmx", public.HTMXDefault, "vendored htmx version the pages load ("+public.HTMXDefault+" or "+public.HTMXLegacy+")")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (see -h)", fs.Args())
	}
	addrSet := false
	fs.Visit(func(f *flag.Flag) { addrSet = addrSet || f.Name == "addr" })
	if port := os.Getenv("PORT"); port != "" && !addrSet {
		*addr = ":" + port
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opts := app.Options{DBPath: *dbPath, HTMXVersion: *htmx, Logger: logger}
	if *dev {
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		opts.DevDir = wd
	}
	a, err := app.New(opts)
	if err != nil {
		return err
	}
	defer func() {
		if err := a.Close(); err != nil {
			logger.Error("close", "err", err)
		}
	}()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	fmt.Printf("fiberfn demo listening on %s (database %s)\n", listeningOn(ln.Addr()), *dbPath)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- a.Fiber.Listener(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal kills the process the usual way
	fmt.Println("shutting down")
	if err := a.Fiber.ShutdownWithTimeout(shutdownTimeout); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return <-served
}

// listeningOn says where a listener listens: the URL of the address it
// is bound to, and for a wildcard address (every interface) also the
// localhost URL to open on this machine, for example
//
//	http://127.0.0.1:8080
//	http://[::]:3000 (every interface; on this machine http://localhost:3000)
func listeningOn(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	u := "http://" + net.JoinHostPort(host, port)
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		which := "every interface"
		if ip.To4() != nil {
			which = "every IPv4 interface"
		}
		u += " (" + which + "; on this machine http://" + net.JoinHostPort("localhost", port) + ")"
	}
	return u
}
