// Package app is the fiberfn demo: a multi-user task list with session
// authentication, in the spirit of Leptos' session_auth_axum example,
// built only from fiberfn server functions. Every form works with
// JavaScript (htmx swaps fragments) and without (plain posts and
// redirects).
//
// The demo binary in ../ wires it to flags and signals; tests build it
// in-process with [New].
package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/fiberfn/fiberfn/fiberfn/strict"
	"github.com/fiberfn/fiberfn/public"
	"github.com/fiberfn/fiberfn/templates"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/compress"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/gofiber/template/html/v2"
)

// Options configure [New].
type Options struct {
	// Database is where users, tasks, sessions, once-only answers,
	// throttle counts and the stored signing key live: "sqlite:PATH" (a
	// file, its directory created when missing; a bare PATH means the
	// same) or a PostgreSQL URL, "postgres://user:pass@host:5432/db"
	// (its pool size: the parameter pool_max_conns, default
	// DefaultPostgresMaxConns). The schema is created and migrated on
	// start. Set this or DBPath.
	Database string

	// DBPath is the shorthand for a SQLite file: DBPath: p is
	// Database: "sqlite:" + p.
	DBPath string

	// DevDir, when set, is a repository root whose templates/ and
	// public/ are served from disk (templates re-parsed on every
	// request) for live editing. Otherwise the embedded copies are used.
	DevDir string

	// HTMXVersion is the vendored htmx the pages load.
	// Default: public.HTMXDefault.
	HTMXVersion string

	// Logger receives errors. Default: slog.Default().
	Logger *slog.Logger

	// BcryptCost is the bcrypt cost of password hashes.
	// Default: bcrypt.DefaultCost. Tests use bcrypt.MinCost.
	BcryptCost int

	// SecureCookies marks every cookie Secure (the session cookie, the
	// notice cookie and fiberfn's flash cookie), for deployments behind
	// HTTPS. Without it, cookies are still marked Secure on requests that
	// came over HTTPS (see TrustedProxies).
	SecureCookies bool

	// TrustedProxies are the addresses or CIDR ranges of reverse proxies
	// whose Forwarded or X-Forwarded-Proto (the request's scheme, read by
	// fiberfn.IsHTTPS) and X-Forwarded-For (the client address, for
	// throttling) the app believes, through
	// Fiber's EnableTrustedProxyCheck. Empty: nobody's; the connection's
	// own address and scheme count.
	TrustedProxies []string

	// Throttle limits login, sign-up and password-change attempts per
	// account and per client address, and task writes per user. Zero
	// fields take the defaults.
	Throttle Throttle

	// Secret signs the flash and notice cookies (see App.Keys); at least
	// MinSecretSize bytes. Empty: a random key stored in the database on
	// first start and reused after every restart.
	Secret []byte

	// RetiredSecrets still verify the flash and notice cookies and the
	// once-only form tokens but sign nothing: rotate a key by putting the
	// new secret in Secret and the old one here, on every instance. Each
	// has at least MinSecretSize bytes.
	RetiredSecrets [][]byte

	// TaskQuota is how many tasks one account may keep; adding one more
	// is refused with 403 and a message. Default DefaultTaskQuota.
	TaskQuota int

	// Redis is the URL of a Redis server ("redis://host:6379/0") that
	// keeps the sessions and the attempt counts, for several instances
	// that share it. Empty: the database keeps them.
	Redis string

	// RedisPrefix is put before every Redis key the app writes.
	// Default DefaultRedisPrefix.
	RedisPrefix string

	// Instance names this instance: every answer carries it in the
	// InstanceHeader header (X-Instance), so that behind a load balancer
	// one can see which instance answered. Empty (the default): no header.
	// It is not a secret, but it tells the world how many instances run;
	// a proxy can strip it.
	Instance string

	// OnceLease is how long a claim of a once-only key lasts without
	// renewal (fiberfn.Config.OnceLease; renewed every third of it while
	// the function runs). A key whose instance died mid-run is refused
	// with 409 once its lease ran out. Default: fiberfn's, 10 s.
	OnceLease time.Duration

	// CrashAfterRun, a test hook, names a once-only server function
	// (add_task): right after a run of it, before its answer is stored,
	// the process kills itself with SIGKILL, as a kill -9 at the worst
	// moment would. The demo binary sets it from $FIBERFN_CRASH_AFTER_RUN
	// (see crash.go). Empty: never.
	CrashAfterRun string

	// CheckpointInterval is how often the SQLite WAL is checkpointed and
	// truncated (SQLite only). Default DefaultCheckpointInterval.
	CheckpointInterval time.Duration
}

// BodyLimit is the largest request body Fiber reads. The fiberfn plugin
// refuses bodies over its own, smaller limit (1 MiB) with 413 first.
const BodyLimit = 2 << 20

// Connection timeouts. ReadTimeout also bounds how long a connection that
// never sends a request can hold up a graceful shutdown.
const (
	ReadTimeout = 15 * time.Second
	IdleTimeout = 60 * time.Second
)

// App is one instance of the demo.
type App struct {
	// Fiber is the web app, ready for Listen or Listener.
	Fiber *fiber.App
	// Store holds the users and tasks.
	Store *Store

	// Keys sign the cookies that carry data across a redirect (fiberfn's
	// flash and notice cookies): derived from Options.Secret, or from the
	// key stored in the database. They are passed to fiberfn.Config.
	Keys [][]byte
	// Assets serves the static files and names their versioned URLs.
	Assets *Assets

	db         *sql.DB
	database   databaseURL
	passwords  *Passwords
	sessions   *Sessions
	once       onceStore
	throttle   *throttle
	state      *sharedState
	redis      *redisConn // nil without Options.Redis
	health     health
	checkpoint *checkpointer
	htmxScript string
	logger     *slog.Logger
	// hub carries the live task lists' change notices (live.go).
	hub      *fiberfn.Hub
	closeHub func() error
	// liveLegacy: the pages load htmx 2's sse extension, not htmx 4's hx-sse.
	liveLegacy bool
	// jobs runs the imports of htmx 2 pages (import_job.go).
	jobs *importJobs
}

// New opens the database and builds the app.
func New(opts Options) (*App, error) {
	if opts.HTMXVersion == "" {
		opts.HTMXVersion = public.HTMXDefault
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	views, static, err := assets(opts.DevDir)
	if err != nil {
		return nil, err
	}
	if _, err := fs.Stat(static, public.HTMXFile(opts.HTMXVersion)); err != nil {
		return nil, fmt.Errorf("app: htmx %q is not vendored in public/: %w", opts.HTMXVersion, err)
	}
	passwords, err := newPasswords(opts.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("app: bcrypt cost %d: %w", opts.BcryptCost, err)
	}
	assets, err := newAssets(static, opts.DevDir != "")
	if err != nil {
		return nil, fmt.Errorf("app: static files: %w", err)
	}
	dbURL, err := opts.databaseURL()
	if err != nil {
		return nil, err
	}
	db, err := openDB(dbURL)
	if err != nil {
		return nil, err
	}
	secret := opts.Secret
	if len(secret) == 0 {
		if secret, err = loadSecret(db, dbURL.dialect); err != nil {
			db.Close()
			return nil, err
		}
	} else if len(secret) < MinSecretSize {
		db.Close()
		return nil, fmt.Errorf("app: the secret has %d bytes, want at least %d", len(secret), MinSecretSize)
	}
	keys, err := signingKeys(secret, opts.RetiredSecrets)
	if err != nil {
		db.Close()
		return nil, err
	}
	writeMu := newWriteLock(dbURL.dialect)
	state, err := openState(opts, db, dbURL.dialect, writeMu, opts.Logger)
	if err != nil {
		db.Close()
		return nil, err
	}
	once, err := newOnceStore(db, dbURL.dialect, state.redis)
	if err != nil {
		state.close()
		db.Close()
		return nil, err
	}
	var crash *crasher
	if opts.CrashAfterRun != "" {
		if err := checkCrashFn(opts.CrashAfterRun); err != nil {
			once.Close()
			state.close()
			db.Close()
			return nil, err
		}
		crash = newCrasher(opts.CrashAfterRun, once)
		once = crash
	}
	if opts.CheckpointInterval <= 0 {
		opts.CheckpointInterval = DefaultCheckpointInterval
	}
	if opts.TaskQuota <= 0 {
		opts.TaskQuota = DefaultTaskQuota
	}
	a := &App{
		Store:      newStore(db, dbURL.dialect, writeMu),
		Keys:       keys,
		Assets:     assets,
		db:         db,
		database:   dbURL,
		passwords:  passwords,
		sessions:   state.sessions,
		once:       once,
		throttle:   newThrottle(state.attempts, opts.Throttle, opts.Logger),
		state:      state,
		redis:      state.redis,
		htmxScript: assets.URL(public.HTMXFile(opts.HTMXVersion)),
		logger:     opts.Logger,
		liveLegacy: liveLegacy(opts.HTMXVersion),
	}
	a.hub, a.closeHub = newHub(state.redis)
	if dbURL.dialect == dialectSQLite {
		a.checkpoint = startCheckpoints(db, opts.CheckpointInterval, func(err error) {
			opts.Logger.Warn("demo: WAL checkpoint", "err", err)
		})
	}

	engine := html.NewFileSystem(http.FS(views), ".html")
	engine.AddFuncMap(fiberfn.FuncMap())
	engine.AddFunc("asset", a.Assets.URL) // {{ asset "css/app.css" }}: the versioned URL
	engine.AddFunc("htmxDisable", htmxDisable(opts.HTMXVersion))
	engine.AddFunc("htmxDisableNothing", htmxDisableNothing(opts.HTMXVersion))
	if opts.DevDir != "" {
		engine.Reload(true)
	}
	if err := engine.Load(); err != nil {
		a.Close()
		return nil, fmt.Errorf("app: templates: %w", err)
	}

	a.Fiber = fiber.New(fiber.Config{
		AppName:               "fiberfn demo",
		Views:                 fiberfn.LayoutSafe(engine), // pages and fragments never race (see fiberfn.LayoutSafe)
		ViewsLayout:           "layouts/main",
		BodyLimit:             BodyLimit,
		ReadTimeout:           ReadTimeout,
		WriteTimeout:          ReadTimeout,
		IdleTimeout:           IdleTimeout,
		DisableStartupMessage: true,
		ErrorHandler:          a.errorHandler,
		// X-Forwarded-Proto and X-Forwarded-For count only from these.
		EnableTrustedProxyCheck: true,
		TrustedProxies:          opts.TrustedProxies,
		ProxyHeader:             proxyHeader(opts.TrustedProxies),
		// c.IP() is then the first valid address of the header (else the
		// connection's), never the header's raw text.
		EnableIPValidation: true,
	})
	// Answers written below the app (malformed requests) get the same
	// headers as every other answer (server_answers.go).
	guardServerAnswers(a.Fiber, instanceHeader(opts.Instance), securityHeaders(), noStore)
	a.Fiber.Use(recover.New())
	// Requests whose length a proxy in front could read differently (two
	// Content-Length headers, Content-Length with Transfer-Encoding...)
	// are refused before anything else runs.
	a.Fiber.Use(strict.New())
	// Compression of every answer whose type compresses (HTML, CSS, JS,
	// SVG): brotli, else gzip, else deflate, as the browser accepts.
	a.Fiber.Use(compress.New(compress.Config{
		Level: compress.LevelDefault,
		// An event stream is written as events happen, never buffered.
		Next: func(c *fiber.Ctx) bool { return c.Path() == LivePath || strings.HasPrefix(c.Path(), ImportJobPath) },
	}))
	a.Fiber.Use(instanceHeader(opts.Instance), securityHeaders(), noStore, secureCookies(opts.SecureCookies))
	a.registerHealth() // /healthz, /readyz; Connection: close while draining
	a.Fiber.Use(StaticPrefix, a.Assets.Handler(), staticMiss)
	// Typed context for pages and server functions alike: they get these
	// with fiberfn.ExpectContext[*Store] and so on.
	live := &liveTasks{hub: a.hub, logger: opts.Logger}
	a.jobs = newImportJobs(live, a.Keys, a.Fiber.Config().Views, opts.Logger)
	a.Fiber.Use(fiberfn.Provide(a.Store), fiberfn.Provide(a.sessions), fiberfn.Provide(passwords),
		fiberfn.Provide(a.throttle), fiberfn.Provide(taskQuota(opts.TaskQuota)),
		fiberfn.Provide(live), fiberfn.Provide(a.jobs))
	if crash != nil {
		a.Fiber.Use(crash.path, crash.mark)
	}
	// The server functions are package-level handles on fiberfn's default
	// registry (auth_fns.go, task_fns.go), so several Apps in one process
	// share them; each gets its store and sessions from the context, and
	// Mount makes them routes of this app. The flash and notice cookies are
	// signed with the app's stable keys.
	fiberfn.Mount(a.Fiber, fiberfn.Config{
		Logger:        opts.Logger,
		Keys:          a.Keys,
		SecureCookies: opts.SecureCookies,
		OnceStore:     a.once,
		OnceScope:     onceScope,
		OnceLease:     opts.OnceLease,
	})
	a.registerLive()
	a.registerImportJobs()
	a.registerPages()
	return a, nil
}

// assets returns the templates and static files: from the repository at
// dev when set, else embedded.
func assets(dev string) (views, static fs.FS, err error) {
	if dev == "" {
		return templates.FS, public.FS, nil
	}
	for _, dir := range []string{"templates", "public"} {
		if st, err := os.Stat(filepath.Join(dev, dir)); err != nil || !st.IsDir() {
			return nil, nil, fmt.Errorf("app: DevDir %q has no %s/ directory", dev, dir)
		}
	}
	return os.DirFS(filepath.Join(dev, "templates")), os.DirFS(filepath.Join(dev, "public")), nil
}

// Close stops the storages' sweepers (and on SQLite the WAL checkpoints,
// with a last checkpoint) and closes the database and the Redis
// connection. Shut the Fiber app down first.
func (a *App) Close() error {
	// The streams end at once when they are told to; the bound only keeps
	// a stuck client from holding Close up.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if a.jobs != nil {
		a.jobs.stop() // a running import rolls back and says so, before the hub closes
	}
	errs := []error{a.hub.Shutdown(ctx), a.closeHub(), a.once.Close(), a.state.close()}
	if a.checkpoint != nil {
		a.checkpoint.stop()
		errs = append(errs, checkpoint(a.db))
	}
	return errors.Join(append(errs, a.db.Close())...)
}

// Database describes the app's database for the start-up line and logs:
// "sqlite:PATH", or the PostgreSQL URL without its password.
func (a *App) Database() string {
	return a.database.String()
}

// databaseURL is the database that Database or DBPath names.
func (o Options) databaseURL() (databaseURL, error) {
	switch {
	case o.Database != "" && o.DBPath != "":
		return databaseURL{}, fmt.Errorf("app: set Options.Database or Options.DBPath, not both")
	case o.DBPath != "":
		return databaseURL{dialectSQLite, o.DBPath}, nil
	}
	return parseDatabaseURL(o.Database)
}

// PasswordChecks is the number of bcrypt password comparisons the app has
// made (logins and password changes); a throttled attempt makes none.
func (a *App) PasswordChecks() int64 {
	return a.passwords.checks.Load()
}

// DB is the app's database handle (SQLite or PostgreSQL; see Database),
// for tests and tools that look at the data (integrity checks,
// checksums); the app owns it.
func (a *App) DB() *sql.DB {
	return a.db
}

// proxyHeader is the header that names the client address behind trusted
// proxies: X-Forwarded-For, whose first address counts (the proxy must
// set it, not append to what the client sent). None without proxies.
func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

// errorHandler answers errors that no handler answered: a short text with
// the status; unexpected errors are logged and not shown.
func (a *App) errorHandler(c *fiber.Ctx, err error) error {
	code, msg := fiber.StatusInternalServerError, "Something went wrong on our side. Please try again."
	var fe *fiber.Error
	var ue *fiberfn.Error
	switch {
	case errors.As(err, &fe):
		code, msg = fe.Code, fe.Message
	case errors.As(err, &ue) && ue.Code >= 400 && ue.Code <= 599:
		code, msg = ue.Code, ue.Message
	default:
		a.logger.Error("demo: request failed", "method", c.Method(), "path", c.Path(), "err", err)
	}
	c.Type("txt", "utf-8")
	return c.Status(code).SendString(msg)
}
