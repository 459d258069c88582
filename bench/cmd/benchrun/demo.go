package main

import (
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
	"golang.org/x/crypto/bcrypt"
)

// The seeded accounts. The users whose sessions carry the load have
// bcrypt.MinCost hashes, so that logging all of them in is quick; the
// login row's user has a hash at bcrypt.DefaultCost, the cost the demo
// hashes new passwords with, because the stored hash's cost is what a
// login pays.
const (
	seedPassword  = "bench-password-1"
	loginUser     = "bench-login"
	loginPassword = "bench-login-password"
)

// demoRow is one request shape of the demo benchmark.
type demoRow struct {
	name    string
	load    load
	expect  expect
	cookies bool // rotate over the seeded users' sessions
	login   bool // the login row: its own pinning
	// perTask names rows that act on the seeded tasks of each session's
	// user ("toggle", "delete"): they send a fixed list of requests
	// (taskRequests) instead of wrk's load for the row's duration, since a
	// delete uses up its task.
	perTask string
}

func demoRows() []demoRow {
	browser := []string{"Sec-Fetch-Site: same-origin"}
	htmx := append([]string{"HX-Request: true"}, browser...)
	return []demoRow{
		{name: "GET /", load: load{Method: "GET", Path: "/"}, cookies: true,
			expect: expect{status: 200, contains: `id="task-list"`}},
		// add_task is once-only: every request carries its own
		// Idempotency-Key, as a form carries its own token.
		{name: "add task (htmx)", load: load{Method: "POST", Path: "/api/add_task", Body: "title=Benchmark+task&filter=", Headers: htmx, Unique: []string{"Idempotency-Key"}}, cookies: true,
			expect: expect{status: 200, contains: "Benchmark task"}},
		{name: "toggle task (htmx)", load: load{Method: "POST", Path: "/api/toggle_task", Headers: htmx}, cookies: true, perTask: "toggle"},
		{name: "delete task (htmx)", load: load{Method: "POST", Path: "/api/delete_task", Headers: htmx}, cookies: true, perTask: "delete"},
		{name: "add task (plain, 302)", load: load{Method: "POST", Path: "/api/add_task", Body: "title=Benchmark+task&filter=", Headers: browser, Unique: []string{"Idempotency-Key"}}, cookies: true,
			expect: expect{status: 302, header: "Location", value: "/"}},
		{name: fmt.Sprintf("login (bcrypt cost %d)", bcrypt.DefaultCost), login: true,
			// Every login comes from another address (the demo trusts
			// X-Forwarded-For from loopback here), past the per-address
			// throttle, which would otherwise answer a cheap 429 after 100.
			load: load{Method: "POST", Path: "/api/login", Body: "username=" + loginUser + "&password=" + loginPassword, Headers: browser,
				Unique: []string{"X-Forwarded-For"}},
			expect: expect{status: 302, header: "Location", value: "/"}},
	}
}

// trustedLoopback makes the demo trust X-Forwarded-For from the load
// generator, so that logins can come from many addresses.
const trustedLoopback = "127.0.0.1,::1"

// binary is a demo binary under test.
type binary struct{ name, path string }

func runDemo(args []string) error {
	fs := flag.NewFlagSet("benchrun demo", flag.ContinueOnError)
	var c common
	c.register(fs, "all")
	serverCPUs := fs.String("server-cpus", "all", "taskset CPU list for the demo (\"all\": not pinned)")
	gomaxprocs := fs.Int("gomaxprocs", 0, "GOMAXPROCS of the demo (0: Go's default)")
	loginCPUs := fs.String("login-server-cpus", "0", "taskset CPU list for the demo in the login row (its logins/s are per core)")
	loginGen := fs.String("login-gen-cpus", "1", "taskset CPU list for wrk in the login row")
	loginConns := fs.Int("login-c", 4, "wrk connections in the login row (bcrypt makes every login take tens of ms; with -c 50 on one core the first logins would finish only after seconds)")
	users := fs.Int("users", 500, "seeded users whose sessions the load rotates over (more users: each list grows less during a row)")
	tasks := fs.String("tasks", "100", "tasks seeded for every user; several comma-separated sizes (100,10000,100000) run one after the other and are shown side by side")
	fixed := fs.Int("fixed", 4000, "requests of the toggle and delete rows (a fixed list; a delete row deletes at most half of each user's tasks)")
	bins := fs.String("bins", "", "demo binaries to compare, name=path,... (default: build ./demo); the ratios compare each with the first")
	rowsFlag := fs.String("rows", "", "run only the rows whose names contain one of these comma-separated words (default: all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.setUp(); err != nil {
		return err
	}
	defer c.tearDown()

	var binaries []binary
	switch {
	case c.profile != "":
		p, err := c.build("./bench/cmd/demoprof", "demoprof")
		if err != nil {
			return err
		}
		binaries = []binary{{"demoprof", p}}
	case *bins != "":
		for _, b := range strings.Split(*bins, ",") {
			name, path, ok := strings.Cut(b, "=")
			if !ok {
				return fmt.Errorf("-bins: %q is not name=path", b)
			}
			abs, err := filepath.Abs(path)
			if err != nil {
				return err
			}
			binaries = append(binaries, binary{name, abs})
		}
	default:
		p, err := c.build("./demo", "demo")
		if err != nil {
			return err
		}
		binaries = []binary{{"demo", p}}
	}

	rows := demoRows()
	if *rowsFlag != "" {
		var keep []demoRow
		for _, r := range rows {
			for _, w := range strings.Split(*rowsFlag, ",") {
				if strings.Contains(r.name, w) {
					keep = append(keep, r)
					break
				}
			}
		}
		rows = keep
	}
	var sizes []int
	for _, f := range strings.Split(*tasks, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 2 {
			return fmt.Errorf("-tasks: %q is not a number of tasks (at least 2)", f)
		}
		sizes = append(sizes, n)
	}
	d := &demoBench{c: &c, rows: rows, binaries: binaries, users: *users, fixed: *fixed,
		serverCPUs: *serverCPUs, gomaxprocs: *gomaxprocs, loginCPUs: *loginCPUs, loginGen: *loginGen, loginConns: *loginConns,
		cells: map[string]*demoCell{}}
	for _, n := range sizes {
		if err := d.runSize(n); err != nil {
			return err
		}
		d.printSize(n)
	}
	if len(sizes) > 1 {
		d.printSizes(sizes)
	}
	return nil
}

// demoBench is one run of the demo benchmark: its rows and binaries over
// one or more list sizes.
type demoBench struct {
	c                               *common
	rows                            []demoRow
	binaries                        []binary
	users, fixed                    int
	serverCPUs, loginCPUs, loginGen string
	gomaxprocs, loginConns          int
	cells                           map[string]*demoCell // by size|row|binary
}

// demoCell is what the runs of one row, binary and list size measured.
type demoCell struct {
	runs       []wrkResult
	rss        int64
	size       int
	tasksAfter float64
}

func (d *demoBench) cell(n int, row, bin string) *demoCell {
	key := fmt.Sprintf("%d|%s|%s", n, row, bin)
	if d.cells[key] == nil {
		d.cells[key] = &demoCell{}
	}
	return d.cells[key]
}

// runSize seeds a database whose users hold n tasks each and runs every
// row on it.
func (d *demoBench) runSize(n int) error {
	c := d.c
	dbPath := filepath.Join(c.dir, fmt.Sprintf("bench-%d.db", n))
	fmt.Fprintf(os.Stderr, "seeding %d users x %d tasks into %s\n", d.users, n, dbPath)
	seed, err := seedDemo(dbPath, d.users, n)
	if err != nil {
		return err
	}
	defer seed.db.Close()

	// Log every load user in once; sessions live in the database, so
	// they hold across the restarts of every row and every binary.
	srvArgs := []string{"-addr", "ADDR", "-db", dbPath, "-trusted-proxies", trustedLoopback,
		// The load writes far more than one person would: no write
		// limit, no quota.
		"-write-limit", "1000000000/1m", "-task-quota", "100000000"}
	srv, err := startServer(c.dir, d.binaries[0].path, srvArgs, "all", 0)
	if err != nil {
		return err
	}
	cookies, err := logIn(srv.base(), seed.usernames)
	srv.stop()
	if err != nil {
		return err
	}
	cookieFile := filepath.Join(c.dir, "cookies.txt")
	if err := os.WriteFile(cookieFile, []byte(strings.Join(cookies, "\n")+"\n"), 0o644); err != nil {
		return err
	}

	for run := 0; run < c.runs; run++ {
		for _, row := range d.rows {
			for _, bin := range d.binaries {
				cpus, procs, gen := d.serverCPUs, d.gomaxprocs, ""
				if row.login {
					cpus, procs, gen = d.loginCPUs, 1, d.loginGen
				}
				args := srvArgs
				if c.profile != "" && run == 0 {
					args = append(append([]string{}, srvArgs...), "-cpuprofile", filepath.Join(c.profile, fmt.Sprintf("demo-%d-%s.pprof", n, slug(row.name))))
				}
				srv, err := startServer(c.dir, bin.path, args, cpus, procs)
				if err != nil {
					return err
				}
				var res wrkResult
				var size int
				cpu0, _ := srv.cpuTime()
				if row.perTask != "" {
					reqs, restore, err := seed.taskRequests(row.perTask, cookies, d.fixed)
					if err == nil {
						res, size, err = runFixed(srv.base(), row.load.Path, row.load.Headers, reqs, c.connections)
						if rerr := restore(); err == nil {
							err = rerr
						}
					}
					if err != nil {
						srv.stop()
						return fmt.Errorf("%s, %s: %w", row.name, bin.name, err)
					}
				} else {
					l := row.load
					firstCookie := ""
					if row.cookies {
						l.Cookies, firstCookie = cookieFile, cookies[0]
					}
					size, err = verify(srv.base(), l, firstCookie, row.expect)
					if err != nil {
						srv.stop()
						return fmt.Errorf("%s, %s: %w", row.name, bin.name, err)
					}
					w := *c.wrk
					if gen != "" {
						w.cpus = gen
					}
					conns, timeout := 0, time.Duration(0)
					if row.login {
						conns, timeout = d.loginConns, 30*time.Second
					}
					res, err = w.run(srv.base(), l, conns, timeout)
				}
				res.CPUPerReq = cpuPerReq(srv, cpu0, res.Requests)
				rss, _ := srv.peakRSS()
				if stopErr := srv.stop(); err == nil && stopErr != nil {
					err = stopErr
				}
				if err != nil {
					return fmt.Errorf("%s, %s: %w", row.name, bin.name, err)
				}
				after, err := seed.reset()
				if err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "%d tasks, run %d  %-26s %-10s %9s req/s  p50 %-9s p99 %-9s CPU/req %-9s %s  %d B  %.0f tasks/user at the end, %d errors\n",
					n, run+1, row.name, bin.name, fmtRPS(res.RPS), fmtDur(res.P50), fmtDur(res.P99), fmtDur(res.CPUPerReq), fmtMB(rss), size, after, res.Errors)
				cl := d.cell(n, row.name, bin.name)
				cl.runs = append(cl.runs, res)
				cl.rss = max(cl.rss, rss)
				cl.size = size
				cl.tasksAfter = max(cl.tasksAfter, after)
			}
		}
	}
	return nil
}

// printSize prints the table of one list size.
func (d *demoBench) printSize(n int) {
	c := d.c
	fmt.Printf("### Demo over the wire, %d tasks per user\n\n", n)
	fmt.Printf("Machine: %s.\n", machine())
	fmt.Printf("%d users with %d tasks each; the load rotates over their sessions. `wrk -t%d -c%d -d%s`, %d run(s) per row, medians. "+
		"Toggle and delete send a fixed list of %d requests over %d connections instead (a delete uses up its task; the deleted tasks are put back after the row). "+
		"Demo on CPUs %s (GOMAXPROCS %s), wrk on CPUs %s; the login row: %d connections, demo on CPU %s with GOMAXPROCS=1, wrk on CPU %s. "+
		"Tasks added during a row are deleted before the next.\n\n",
		d.users, n, c.threads, c.connections, c.duration, c.runs, d.fixed, c.connections, d.serverCPUs, orDefault(d.gomaxprocs), c.genCPUs, d.loginConns, d.loginCPUs, d.loginGen)
	fmt.Printf("| request | binary | req/s | p50 | p99 | CPU/req | peak RSS | answer | tasks/user at end | errors |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range d.rows {
		for _, bin := range d.binaries {
			cl := d.cell(n, row.name, bin.name)
			m := median(cl.runs)
			fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %.0f | %d |\n", row.name, bin.name, fmtRPS(m.RPS), fmtDur(m.P50), fmtDur(m.P99),
				fmtDur(m.CPUPerReq), fmtMB(cl.rss), fmtBytes(cl.size), cl.tasksAfter, m.Errors)
		}
	}
	fmt.Println()
	if len(d.binaries) > 1 {
		first := d.binaries[0]
		fmt.Printf("Against %s: req/s ratio (binary ÷ %s) and, in parentheses, CPU per request ratio (%s ÷ binary); above 1 is better. "+
			"Each ratio is taken within a run, then the median over runs.\n\n| request |", first.name, first.name, first.name)
		for _, bin := range d.binaries[1:] {
			fmt.Printf(" %s |", bin.name)
		}
		fmt.Printf("\n|---|%s\n", strings.Repeat("---:|", len(d.binaries)-1))
		for _, row := range d.rows {
			ref := d.cell(n, row.name, first.name).runs
			fmt.Printf("| %s |", row.name)
			for _, bin := range d.binaries[1:] {
				other := d.cell(n, row.name, bin.name).runs
				fmt.Printf(" %.2fx (%.2fx) |", pairedRatio(other, ref, rpsRatio), pairedRatio(other, ref, cpuRatio))
			}
			fmt.Println()
		}
		fmt.Println()
	}
}

// printSizes prints the sizes side by side: every row's answer and CPU
// per request at each list size, and the ratio of the largest to the
// smallest (the cost that grows with the list), then the peak RSS.
func (d *demoBench) printSizes(sizes []int) {
	for _, bin := range d.binaries {
		fmt.Printf("### Cost by list size (%s)\n\n| request |", bin.name)
		for _, n := range sizes {
			fmt.Printf(" %d tasks: answer, CPU/req, p99 |", n)
		}
		fmt.Printf(" %d ÷ %d: answer, CPU |\n|---|%s---:|\n", sizes[len(sizes)-1], sizes[0], strings.Repeat("---:|", len(sizes)))
		for _, row := range d.rows {
			fmt.Printf("| %s |", row.name)
			for _, n := range sizes {
				cl := d.cell(n, row.name, bin.name)
				m := median(cl.runs)
				fmt.Printf(" %s, %s, %s |", fmtBytes(cl.size), fmtDur(m.CPUPerReq), fmtDur(m.P99))
			}
			lo, hi := d.cell(sizes[0], row.name, bin.name), d.cell(sizes[len(sizes)-1], row.name, bin.name)
			fmt.Printf(" %.2fx, %.2fx |\n", ratio(float64(hi.size), float64(lo.size)),
				ratio(float64(median(hi.runs).CPUPerReq), float64(median(lo.runs).CPUPerReq)))
		}
		fmt.Printf("| peak RSS |")
		for _, n := range sizes {
			var rss int64
			for _, row := range d.rows {
				rss = max(rss, d.cell(n, row.name, bin.name).rss)
			}
			fmt.Printf(" %s |", fmtMB(rss))
		}
		fmt.Printf(" |\n\n")
	}
}

// ratio is a ÷ b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func orDefault(n int) string {
	if n == 0 {
		return "default"
	}
	return fmt.Sprint(n)
}

func fmtBytes(n int) string {
	if n >= 1024 {
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%d B", n)
}

// seeded is the seeded database.
type seeded struct {
	db        *sql.DB
	usernames []string
	maxTaskID int64
	userIDs   string // "1,2,3", for SQL
	postgres  bool   // db is PostgreSQL (seedPostgres), else SQLite
	// ranges holds the first and last seeded task id of every user, in
	// the order of usernames (each user's tasks are seeded in one run).
	ranges       [][2]int64
	tasksPerUser int64
}

// seedDemo creates the demo's database at path with users (each with
// tasks tasks) and the login row's user.
func seedDemo(path string, users, tasks int) (*seeded, error) {
	a, err := app.New(app.Options{DBPath: path, BcryptCost: bcrypt.MinCost, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	cheap, err := bcrypt.GenerateFromPassword([]byte(seedPassword), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	real, err := bcrypt.GenerateFromPassword([]byte(loginPassword), bcrypt.DefaultCost)
	if err != nil {
		return nil, err
	}
	if _, err := a.Store.CreateUser(loginUser, real); err != nil {
		return nil, err
	}
	s, err := seedUsers(a, users, cheap)
	if err != nil {
		return nil, err
	}
	ids := strings.Split(s.userIDs, ",")
	if err := a.Close(); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite3", path+"?_journal_mode=WAL&_busy_timeout=10000")
	if err != nil {
		return nil, err
	}
	s.db = db
	tx, err := db.Begin()
	if err != nil {
		return nil, err
	}
	stmt, err := tx.Prepare(`INSERT INTO tasks (user_id, title, done, created_at) VALUES (?, ?, ?, ?)`)
	if err != nil {
		tx.Rollback()
		return nil, err
	}
	now := time.Now().Unix()
	for _, id := range ids {
		for t := 1; t <= tasks; t++ {
			title := fmt.Sprintf("Buy milk and call Ann (%d)", t)
			if _, err := stmt.Exec(id, title, t%4 == 0, now); err != nil {
				tx.Rollback()
				return nil, err
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	if err := db.QueryRow(`SELECT coalesce(max(id), 0) FROM tasks`).Scan(&s.maxTaskID); err != nil {
		return nil, err
	}
	s.tasksPerUser = int64(tasks)
	for _, id := range ids {
		var r [2]int64
		if err := db.QueryRow(`SELECT min(id), max(id) FROM tasks WHERE user_id = ?`, id).Scan(&r[0], &r[1]); err != nil {
			return nil, err
		}
		if r[1]-r[0]+1 != int64(tasks) {
			return nil, fmt.Errorf("the tasks of user %s are not seeded in one run of ids", id)
		}
		s.ranges = append(s.ranges, r)
	}
	return s, nil
}

// seedUsers creates the load's users, all with the password hash, and
// returns them.
func seedUsers(a *app.App, users int, hash []byte) (*seeded, error) {
	s := &seeded{}
	var ids []string
	for i := 1; i <= users; i++ {
		name := fmt.Sprintf("bench-user-%03d", i)
		u, err := a.Store.CreateUser(name, hash)
		if err != nil {
			return nil, err
		}
		s.usernames = append(s.usernames, name)
		ids = append(ids, fmt.Sprint(u.ID))
	}
	s.userIDs = strings.Join(ids, ",")
	return s, nil
}

// reset deletes the tasks added since seeding and returns the average
// number of tasks the load users had before.
func (s *seeded) reset() (float64, error) {
	var n int
	if err := s.db.QueryRow(`SELECT count(*) FROM tasks WHERE user_id IN (` + s.userIDs + `)`).Scan(&n); err != nil {
		return 0, err
	}
	if s.postgres {
		if _, err := s.db.Exec(`DELETE FROM tasks WHERE id > $1`, s.maxTaskID); err != nil {
			return 0, err
		}
		_, err := s.db.Exec(`VACUUM ANALYZE tasks`)
		return float64(n) / float64(strings.Count(s.userIDs, ",")+1), err
	}
	if _, err := s.db.Exec(`DELETE FROM tasks WHERE id > ?`, s.maxTaskID); err != nil {
		return 0, err
	}
	if _, err := s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0, err
	}
	return float64(n) / float64(strings.Count(s.userIDs, ",")+1), nil
}

// logIn logs every user in through the demo's login form and returns the
// Cookie header values of their sessions.
func logIn(base string, users []string) ([]string, error) {
	cookies := make([]string, len(users))
	errs := make([]error, len(users))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i, name := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			form := url.Values{"username": {name}, "password": {seedPassword}, "remember": {"on"}}
			req, _ := http.NewRequest("POST", base+"/api/login", strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "same-origin")
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.1.%d.%d", i/256%256, i%256))
			resp, err := noRedirects.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			resp.Body.Close()
			for _, ck := range resp.Cookies() {
				if ck.Name == app.SessionCookie && ck.Value != "" {
					cookies[i] = ck.Name + "=" + ck.Value
				}
			}
			if cookies[i] == "" {
				errs[i] = fmt.Errorf("login of %s: status %d, no session cookie", name, resp.StatusCode)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return cookies, nil
}
