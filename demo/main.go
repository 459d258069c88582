// Command demo runs the fiberfn demo: a multi-user task list with session
// authentication whose every form is a fiberfn server function and works
// with JavaScript on and off.
//
//	go run ./demo                      # every interface, port 3000; data/demo.db
//	go run ./demo -addr 127.0.0.1:8080 -db sqlite:/tmp/demo.db
//	go run ./demo -db postgres://user:pass@127.0.0.1:5432/demo   # PostgreSQL
//	go run ./demo -dev                 # templates/ and public/ from disk
//	demo -secure-cookies -trusted-proxies 10.0.0.0/8   # behind a TLS proxy
//	demo -redis redis://127.0.0.1:6379/0 -secret "$NEW,$OLD"  # one of several instances
//
// On SIGTERM it drains: /readyz fails at once, requests are still served
// for -drain, then the listener closes and requests in flight get up to
// -shutdown-timeout to finish. SIGINT (Ctrl-C) skips the drain. A second
// signal ends the process at once.
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
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/public"
)

// Defaults of the shutdown: how long /readyz fails while requests are
// still served, and how long requests in flight then get.
const (
	defaultDrain           = 5 * time.Second
	defaultShutdownTimeout = 10 * time.Second
)

// crashEnv names a once-only function (add_task) after whose run, before
// its answer is stored, the process kills itself with SIGKILL: a hook for
// the crash tests of several instances (tests/cluster_*), never set in a
// deployment. The process says so on start.
const crashEnv = "FIBERFN_CRASH_AFTER_RUN"

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
	secret := fs.String("secret", "", "comma-separated keys that sign the flash and notice cookies and form tokens, each at least 16 bytes: the first signs, all verify (to rotate, put the new key first); every instance needs the same list. The process list shows it, so prefer $"+secretEnv+" (default: $"+secretEnv+", else a random key stored in the database on first start)")
	redisURL := fs.String("redis", "", "Redis URL (redis://[:password@]host:6379/0) for the sessions and the attempt counts, shared by several instances (default: the database keeps them)")
	redisPrefix := fs.String("redis-prefix", app.DefaultRedisPrefix, "prefix of every Redis key the demo writes")
	drain := fs.Duration("drain", defaultDrain, "on SIGTERM, how long /readyz fails while requests are still served, before the listener closes (so a load balancer moves away first)")
	shutdownTimeout := fs.Duration("shutdown-timeout", defaultShutdownTimeout, "after the drain, how long requests in flight get to finish")
	writeLimit := fs.String("write-limit", fmt.Sprintf("%d/%v", app.DefaultUserWrites, app.DefaultUserWritesWindow), "task writes one user may make per window, N/DURATION")
	quota := fs.Int("task-quota", app.DefaultTaskQuota, "tasks one account may keep (at least 1)")
	instance := fs.String("instance", "", "name of this instance, sent on every answer in the "+app.InstanceHeader+" header so that one can see which instance behind a load balancer answered (default: no header)")
	onceLease := fs.Duration("once-lease", fiberfn.ConfigDefault.OnceLease, "how long a claim of a once-only request (the add form's token, an Idempotency-Key) lasts without renewal; renewed every third of it while the function runs. A retry of a request whose instance died gets 409 after at most this long")
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
	secrets, err := parseSecrets(*secret)
	if err != nil {
		return fmt.Errorf("%s: %w", keySource, err)
	}
	switch {
	case len(secrets) == 0:
		keySource = "stored in the database"
	case len(secrets) > 1:
		keySource = fmt.Sprintf("%d keys from %s (the first signs)", len(secrets), keySource)
	}
	trusted, err := parseProxies(*proxies)
	if err != nil {
		return err
	}
	writes, err := parseRate(*writeLimit)
	if err != nil {
		return fmt.Errorf("-write-limit: %w", err)
	}
	if *quota < 1 {
		return fmt.Errorf("-task-quota must be at least 1")
	}
	if *onceLease < time.Second {
		return fmt.Errorf("-once-lease must be at least 1s")
	}
	if *drain < 0 || *shutdownTimeout <= 0 {
		return fmt.Errorf("-drain must be 0 or more and -shutdown-timeout more than 0")
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	opts := app.Options{
		Database: *dbURL, HTMXVersion: *htmx, Logger: logger,
		SecureCookies: *secure, TrustedProxies: trusted,
		Redis: *redisURL, RedisPrefix: *redisPrefix, TaskQuota: *quota,
		Throttle: app.Throttle{UserWrites: writes.Max, UserWritesWindow: writes.Window},
		Instance: *instance, OnceLease: *onceLease,
		CrashAfterRun: os.Getenv(crashEnv),
	}
	if len(secrets) > 0 {
		opts.Secret, opts.RetiredSecrets = secrets[0], secrets[1:]
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
	fmt.Printf("sessions, attempt counts and once-only claims: %s (lease %v)\n", stateWhere(*redisURL, *redisPrefix), *onceLease)
	if *instance != "" {
		fmt.Printf("instance %q (every answer says so in %s)\n", *instance, app.InstanceHeader)
	}
	if opts.CrashAfterRun != "" {
		fmt.Printf("$%s=%s: this process kills itself after a run of %s, before its answer is stored\n", crashEnv, opts.CrashAfterRun, opts.CrashAfterRun)
	}
	fmt.Printf("fiberfn demo listening on %s (database %s)\n", listeningOn(ln.Addr()), a.Database())

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	served := make(chan error, 1)
	go func() { served <- a.Fiber.Listener(ln) }()

	var sig os.Signal
	select {
	case err := <-served:
		return err
	case sig = <-signals:
	}
	signal.Stop(signals) // a second signal ends the process the usual way
	if sig == syscall.SIGTERM && *drain > 0 {
		a.Drain()
		fmt.Printf("draining: /readyz fails; requests are still served for %v\n", *drain)
		select {
		case err := <-served:
			return err
		case <-time.After(*drain):
		}
	}
	fmt.Println("shutting down")
	streamsCtx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	if err := a.CloseStreams(streamsCtx); err != nil {
		fmt.Println("live streams:", err)
	}
	cancel()
	if err := a.Fiber.ShutdownWithTimeout(*shutdownTimeout); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return <-served
}

// stateWhere says where the sessions and attempt counts live, for the
// start-up line.
func stateWhere(redisURL, prefix string) string {
	if redisURL == "" {
		return "the database"
	}
	return "Redis " + app.RedactURL(redisURL) + ", keys under " + strconv.Quote(prefix)
}

// parseSecrets splits the -secret list: comma-separated, spaces around
// each key trimmed, empty entries refused. The app checks their length.
func parseSecrets(list string) ([][]byte, error) {
	if strings.TrimSpace(list) == "" {
		return nil, nil
	}
	var out [][]byte
	for i, s := range strings.Split(list, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, fmt.Errorf("key %d of the list is empty", i+1)
		}
		if len(s) < app.MinSecretSize {
			return nil, fmt.Errorf("key %d of the list has %d bytes, want at least %d", i+1, len(s), app.MinSecretSize)
		}
		out = append(out, []byte(s))
	}
	return out, nil
}

// parseRate parses "N/DURATION", such as "300/1m".
func parseRate(s string) (app.Limit, error) {
	n, d, ok := strings.Cut(s, "/")
	max, err := strconv.Atoi(strings.TrimSpace(n))
	if !ok || err != nil || max < 1 {
		return app.Limit{}, fmt.Errorf("%q is not N/DURATION with N at least 1, such as 300/1m", s)
	}
	window, err := time.ParseDuration(strings.TrimSpace(d))
	if err != nil || window < time.Second {
		return app.Limit{}, fmt.Errorf("%q: the window must be a duration of a second or more, such as 1m", s)
	}
	return app.Limit{Max: max, Window: window}, nil
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
