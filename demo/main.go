// Command demo runs the fiberfn demo: a multi-user task list with session
// authentication whose every form is a fiberfn server function and works
// with JavaScript on and off.
//
//	go run ./demo                      # every interface, port 3000; data/demo.db
//	go run ./demo -addr 127.0.0.1:8080 -db sqlite:/tmp/demo.db
//	go run ./demo -db postgres://user:pass@127.0.0.1:5432/demo   # PostgreSQL
//	go run ./demo -dev                 # templates/ and public/ from disk
//	demo -secure-cookies -trusted-proxies 10.0.0.0/8   # behind a TLS proxy
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
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
	dbURL := fs.String("db", app.DefaultDatabase, "database of users, tasks and sessions: sqlite:PATH (a SQLite file, its directory created; a bare PATH works too) or postgres://user:pass@host:5432/db")
	dev := fs.Bool("dev", false, "serve templates/ and public/ from the working directory (the repository root) and re-read templates on every request")
	htmx := fs.String("htmx", public.HTMXDefault, "vendored htmx version the pages load ("+public.HTMXDefault+" or "+public.HTMXLegacy+")")
	secure := fs.Bool("secure-cookies", false, "mark every cookie Secure (serve over HTTPS, or behind a TLS proxy); off, cookies are Secure only on requests that came over HTTPS")
	proxies := fs.String("trusted-proxies", "", "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-Proto and X-Forwarded-For to believe (none by default)")
	secret := fs.String("secret", "", "key that signs the flash and notice cookies, at least 16 bytes; the process list shows it, so prefer $"+secretEnv+" (default: $"+secretEnv+", else a random key stored in the database on first start)")
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

	keySource := "-secret"
	if *secret == "" {
		*secret, keySource = os.Getenv(secretEnv), "$"+secretEnv
	}
	if *secret == "" {
		keySource = "stored in the database"
	}
	trusted, err := parseProxies(*proxies)
	if err != nil {
		return err
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opts := app.Options{
		Database: *dbURL, HTMXVersion: *htmx, Logger: logger,
		SecureCookies: *secure, TrustedProxies: trusted, Secret: []byte(*secret),
	}
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
	fmt.Printf("signing key: %s; cookies Secure: %s; trusted proxies: %s\n", keySource, secureMode(*secure), orNone(trusted))
	fmt.Printf("fiberfn demo listening on %s (database %s)\n", listeningOn(ln.Addr()), a.Database())

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

// secureMode describes when cookies are Secure.
func secureMode(always bool) string {
	if always {
		return "always"
	}
	return "on HTTPS requests"
}

// orNone joins a list for the start-up line.
func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ",")
}

// secretEnv is the environment variable that holds the signing key when
// -secret is not given.
const secretEnv = "FIBERFN_DEMO_SECRET"

// parseProxies splits the -trusted-proxies list and checks each entry: an
// IP address or a CIDR range.
func parseProxies(list string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(list, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				return nil, fmt.Errorf("-trusted-proxies: %q is neither an IP address nor a CIDR range", p)
			}
		}
		out = append(out, p)
	}
	return out, nil
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
