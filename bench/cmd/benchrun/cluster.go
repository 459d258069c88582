package main

// benchrun cluster: the demo in the three deployment shapes side by side,
// in one run: one instance on SQLite; one instance on PostgreSQL + Redis;
// three instances on PostgreSQL + Redis behind HAProxy (deploy/haproxy.cfg
// as shipped). Every setup serves the same seeded data (users, tasks, and
// their sessions) and gets the same wrk load.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/csv"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	"github.com/redis/go-redis/v9"
	"golang.org/x/crypto/bcrypt"
)

// clusterSecret signs the cookies of every instance of a setup.
const clusterSecret = "the benchmark's shared secret"

// clusterSetup is one deployment shape.
type clusterSetup struct {
	name      string
	instances int
	postgres  bool // PostgreSQL + Redis, else SQLite
}

var clusterSetups = []clusterSetup{
	{"1 x SQLite", 1, false},
	{"1 x PostgreSQL + Redis", 1, true},
	{"3 x PG + Redis, HAProxy", 3, true},
}

func runCluster(args []string) error {
	fs := flag.NewFlagSet("benchrun cluster", flag.ContinueOnError)
	var c common
	c.register(fs, "all")
	users := fs.Int("users", 500, "seeded users whose sessions the load rotates over")
	tasks := fs.Int("tasks", 100, "tasks seeded for every user")
	pgAdmin := fs.String("postgres", envOr("FIBERFN_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		"PostgreSQL URL to create the benchmark's database from (it is dropped at the end)")
	redisURL := fs.String("redis", envOr("FIBERFN_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (the benchmark's keys get a prefix of their own, deleted at the end)")
	rowsFlag := fs.String("rows", "", "run only the rows whose names contain one of these comma-separated words (default: all)")
	setupsFlag := fs.String("setups", "", "run only the setups whose names contain one of these comma-separated words (default: all three)")
	gomaxprocs := fs.Int("gomaxprocs", 0, "GOMAXPROCS of every demo instance (0: Go's default, the machine's CPUs)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		if haproxy, err = exec.LookPath("/usr/sbin/haproxy"); err != nil {
			return fmt.Errorf("haproxy is not installed (apt-get install haproxy)")
		}
	}
	if err := c.setUp(); err != nil {
		return err
	}
	defer c.tearDown()
	pkg, name := "./demo", "demo"
	if c.profile != "" {
		pkg, name = "./bench/cmd/demoprof", "demoprof"
	}
	bin, err := c.build(pkg, name)
	if err != nil {
		return err
	}

	// The two databases, seeded alike, and a Redis prefix.
	sqlitePath := filepath.Join(c.dir, "bench.db")
	fmt.Fprintf(os.Stderr, "seeding %d users x %d tasks into %s and a PostgreSQL database\n", *users, *tasks, sqlitePath)
	lite, err := seedDemo(sqlitePath, *users, *tasks)
	if err != nil {
		return err
	}
	defer lite.db.Close()
	pgURL, dropPG, err := createPostgres(*pgAdmin)
	if err != nil {
		return err
	}
	defer dropPG()
	pg, err := seedPostgres(pgURL, *users, *tasks)
	if err != nil {
		return err
	}
	defer pg.db.Close()
	_, prefix, dropRedis, err := redisPrefix(*redisURL)
	if err != nil {
		return err
	}
	defer dropRedis()

	argsOf := func(s clusterSetup, i int) []string {
		a := []string{"-addr", "ADDR", "-trusted-proxies", trustedLoopback, "-secret", clusterSecret, "-instance", fmt.Sprintf("app%d", i+1)}
		if s.postgres {
			return append(a, "-db", pgURL, "-redis", *redisURL, "-redis-prefix", prefix)
		}
		return append(a, "-db", sqlitePath)
	}
	// Sessions: logged in once per database (PostgreSQL's live in Redis,
	// shared by the instances).
	cookieFiles := map[bool]string{}
	firstCookie := map[bool]string{}
	for _, isPG := range []bool{false, true} {
		s := clusterSetups[0]
		if isPG {
			s = clusterSetups[1]
		}
		srv, err := startServer(c.dir, bin, argsOf(s, 0), "all", 0)
		if err != nil {
			return err
		}
		usernames := lite.usernames
		if isPG {
			usernames = pg.usernames
		}
		cookies, err := logIn(srv.base(), usernames)
		srv.stop()
		if err != nil {
			return err
		}
		f := filepath.Join(c.dir, fmt.Sprintf("cookies-%v.txt", isPG))
		if err := os.WriteFile(f, []byte(strings.Join(cookies, "\n")+"\n"), 0o644); err != nil {
			return err
		}
		cookieFiles[isPG], firstCookie[isPG] = f, cookies[0]
	}

	var rows []demoRow
	for _, r := range demoRows()[:2] { // GET / and the htmx add
		if *rowsFlag == "" || containsAny(r.name, strings.Split(*rowsFlag, ",")) {
			rows = append(rows, r)
		}
	}
	setups := clusterSetups
	if *setupsFlag != "" {
		setups = nil
		for _, s := range clusterSetups {
			if containsAny(s.name, strings.Split(*setupsFlag, ",")) {
				setups = append(setups, s)
			}
		}
	}
	type cell struct {
		runs     []wrkResult
		proxyCPU []time.Duration // per request
		svcCPU   []time.Duration // PostgreSQL and Redis, per request
	}
	cells := map[string]*cell{}
	for run := 0; run < c.runs; run++ {
		for _, row := range rows {
			for _, s := range setups {
				key := row.name + "|" + s.name
				if cells[key] == nil {
					cells[key] = &cell{}
				}
				var srvs []*server
				stopAll := func() error {
					var first error
					for _, srv := range srvs {
						if err := srv.stop(); err != nil && first == nil {
							first = err
						}
					}
					return first
				}
				for i := 0; i < s.instances; i++ {
					a := argsOf(s, i)
					if c.profile != "" && run == 0 && i == 0 {
						a = append(a, "-cpuprofile", filepath.Join(c.profile, "cluster-"+slug(s.name)+"-"+slug(row.name)+".pprof"))
					}
					srv, err := startServer(c.dir, bin, a, "all", *gomaxprocs)
					if err != nil {
						stopAll()
						return err
					}
					srvs = append(srvs, srv)
				}
				base := srvs[0].base()
				var proxy *proxyProc
				if s.instances > 1 {
					if proxy, err = startHAProxy(c.dir, c.root, haproxy, srvs); err != nil {
						stopAll()
						return err
					}
					base = proxy.base
				}
				l := row.load
				l.Cookies = cookieFiles[s.postgres]
				if _, err := verify(base, l, firstCookie[s.postgres], row.expect); err != nil {
					proxy.stop()
					stopAll()
					return fmt.Errorf("%s, %s: %w", row.name, s.name, err)
				}
				cpu0 := totalCPU(srvs)
				proxy0 := proxy.cpu()
				svc0 := servicesCPU()
				res, err := c.wrk.run(base, l, 0, 0)
				cpu1, proxy1, svc1 := totalCPU(srvs), proxy.cpu(), servicesCPU()
				proxy.stop()
				if stopErr := stopAll(); err == nil && stopErr != nil {
					err = stopErr
				}
				if err != nil {
					return fmt.Errorf("%s, %s: %w", row.name, s.name, err)
				}
				per := func(d time.Duration) time.Duration {
					if res.Requests == 0 || d < 0 { // d < 0: a process exited between the readings
						return 0
					}
					return d / time.Duration(res.Requests)
				}
				res.CPUPerReq = per(cpu1 - cpu0)
				cl := cells[key]
				cl.runs = append(cl.runs, res)
				cl.proxyCPU = append(cl.proxyCPU, per(proxy1-proxy0))
				cl.svcCPU = append(cl.svcCPU, per(svc1-svc0))
				seed := lite
				if s.postgres {
					seed = pg
				}
				if _, err := seed.reset(); err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "run %d  %-18s %-26s %9s req/s  p50 %-9s p99 %-9s CPU/req %-9s proxy %-9s PG+Redis %-9s errors %d\n",
					run+1, row.name, s.name, fmtRPS(res.RPS), fmtDur(res.P50), fmtDur(res.P99), fmtDur(res.CPUPerReq),
					fmtDur(per(proxy1-proxy0)), fmtDur(per(svc1-svc0)), res.Errors)
			}
		}
	}

	fmt.Printf("### The demo in three deployment shapes\n\n")
	fmt.Printf("Machine: %s.\n", machine())
	fmt.Printf("%d users with %d tasks each, the same data in SQLite and in PostgreSQL; the load rotates over their sessions. `wrk -t%d -c%d -d%s`, %d run(s) per cell, medians; "+
		"the setups interleaved within every run. CPU/req: the demo instances' CPU time (user + system, all instances summed) per request; "+
		"proxy: HAProxy's; PG + Redis: every postgres and redis-server process on the machine (so other load on them counts too). Demo GOMAXPROCS: %s.\n\n",
		*users, *tasks, c.threads, c.connections, c.duration, c.runs, orDefault(*gomaxprocs))
	fmt.Printf("| request | setup | req/s | p50 | p99 | CPU/req (demo) | proxy CPU/req | PG + Redis CPU/req | errors |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range rows {
		for _, s := range setups {
			cl := cells[row.name+"|"+s.name]
			m := median(cl.runs)
			proxyCol := "-"
			if s.instances > 1 {
				proxyCol = fmtDur(medianDur(cl.proxyCPU))
			}
			fmt.Printf("| %s | %s | %s | %s | %s | %s | %s | %s | %d |\n", row.name, s.name, fmtRPS(m.RPS), fmtDur(m.P50), fmtDur(m.P99),
				fmtDur(m.CPUPerReq), proxyCol, fmtDur(medianDur(cl.svcCPU)), m.Errors)
		}
	}
	fmt.Println()
	if len(setups) != len(clusterSetups) {
		return nil
	}
	fmt.Printf("CPU per request of the demo against 1 x SQLite (setup ÷ SQLite; the target for PostgreSQL + Redis is at most 1.5x), paired within each run, median:\n\n| request |")
	for _, s := range clusterSetups[1:] {
		fmt.Printf(" %s |", s.name)
	}
	fmt.Printf("\n|---|%s\n", strings.Repeat("---:|", len(clusterSetups)-1))
	for _, row := range rows {
		ref := cells[row.name+"|"+clusterSetups[0].name].runs
		fmt.Printf("| %s |", row.name)
		for _, s := range clusterSetups[1:] {
			other := cells[row.name+"|"+s.name].runs
			fmt.Printf(" %.2fx |", 1/pairedRatio(other, ref, cpuRatio))
		}
		fmt.Println()
	}
	fmt.Println()
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if w != "" && strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func medianDur(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s[len(s)/2]
}

func randomName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// createPostgres creates a database of the benchmark's own from the admin
// URL and returns its URL and the function that drops it.
func createPostgres(admin string) (string, func(), error) {
	db, err := sql.Open("pgx", admin)
	if err != nil {
		return "", nil, err
	}
	name := randomName("fiberfn_bench_")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		db.Close()
		return "", nil, fmt.Errorf("PostgreSQL at %s: %w", admin, err)
	}
	u, err := url.Parse(admin)
	if err != nil {
		db.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		_, _ = db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
		db.Close()
	}
	return u.String(), drop, nil
}

// seedPostgres seeds the PostgreSQL database like seedDemo seeds SQLite.
func seedPostgres(dbURL string, users, tasks int) (*seeded, error) {
	a, err := app.New(app.Options{Database: dbURL, BcryptCost: bcrypt.MinCost, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	cheap, err := bcrypt.GenerateFromPassword([]byte(seedPassword), bcrypt.MinCost)
	if err != nil {
		return nil, err
	}
	s, err := seedUsers(a, users, cheap)
	if err != nil {
		return nil, err
	}
	s.postgres = true
	if err := a.Close(); err != nil {
		return nil, err
	}
	if s.db, err = sql.Open("pgx", dbURL); err != nil {
		return nil, err
	}
	if _, err := s.db.Exec(`INSERT INTO tasks (user_id, title, done, created_at)
		SELECT u, 'Buy milk and call Ann (' || g || ')', g % 4 = 0, $1
		FROM unnest(string_to_array($2, ',')::bigint[]) AS u, generate_series(1, $3) AS g ORDER BY u, g`,
		time.Now().Unix(), s.userIDs, tasks); err != nil {
		return nil, err
	}
	if err := s.db.QueryRow(`SELECT coalesce(max(id), 0) FROM tasks`).Scan(&s.maxTaskID); err != nil {
		return nil, err
	}
	_, err = s.db.Exec(`VACUUM ANALYZE`)
	return s, err
}

// redisPrefix returns a client, a key prefix of the benchmark's own and
// the function that deletes its keys.
func redisPrefix(redisURL string) (*redis.Client, string, func(), error) {
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		return nil, "", nil, err
	}
	rdb := redis.NewClient(opt)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, "", nil, fmt.Errorf("Redis at %s: %w", redisURL, err)
	}
	prefix := randomName("fiberfn_bench_") + ":"
	drop := func() {
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		var keys []string
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
			if len(keys) == 1000 {
				rdb.Del(ctx, keys...)
				keys = keys[:0]
			}
		}
		if len(keys) > 0 {
			rdb.Del(ctx, keys...)
		}
		rdb.Close()
	}
	return rdb, prefix, drop, nil
}

// totalCPU is the CPU time the servers used so far.
func totalCPU(srvs []*server) time.Duration {
	var sum time.Duration
	for _, s := range srvs {
		d, _ := s.cpuTime()
		sum += d
	}
	return sum
}

// servicesCPU is the CPU time used so far by every postgres and
// redis-server process on the machine (/proc/PID/stat is readable by
// everyone); a backend that exits between two readings is lost, so it is
// a lower bound.
func servicesCPU() time.Duration {
	entries, _ := os.ReadDir("/proc")
	var sum time.Duration
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil {
			continue
		}
		switch strings.TrimSpace(string(comm)) {
		case "postgres", "redis-server":
			if d, err := procCPU(pid); err == nil {
				sum += d
			}
		}
	}
	return sum
}

// procCPU is a process's CPU time (user + system) so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name, in parentheses, may hold spaces; the fields
	// after it are space-separated: utime and stime are the 12th and
	// 13th after it.
	i := strings.LastIndexByte(string(b), ')')
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// proxyProc is a running HAProxy.
type proxyProc struct {
	cmd   *exec.Cmd
	base  string
	stats string
	log   *os.File
}

// startHAProxy runs deploy/haproxy.cfg in front of three servers and
// waits until it sends traffic to all of them.
func startHAProxy(dir, root, haproxy string, srvs []*server) (*proxyProc, error) {
	if len(srvs) != 3 {
		return nil, fmt.Errorf("deploy/haproxy.cfg has three servers, not %d", len(srvs))
	}
	front, err := freeAddr()
	if err != nil {
		return nil, err
	}
	stats, err := freeAddr()
	if err != nil {
		return nil, err
	}
	logf, err := os.CreateTemp(dir, "haproxy-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(haproxy, "-db", "-f", filepath.Join(root, "deploy", "haproxy.cfg"))
	cmd.Env = append(os.Environ(), "FRONT_ADDR="+front, "STATS_ADDR="+stats,
		"APP1="+srvs[0].addr, "APP2="+srvs[1].addr, "APP3="+srvs[2].addr)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	p := &proxyProc{cmd: cmd, base: "http://" + front, stats: "http://" + stats, log: logf}
	deadline := time.Now().Add(20 * time.Second)
	for {
		if up, _ := p.allUp(); up == 3 {
			return p, nil
		}
		if time.Now().After(deadline) {
			p.stop()
			out, _ := os.ReadFile(logf.Name())
			return nil, fmt.Errorf("HAProxy does not see three servers up:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// allUp counts the backend's servers that HAProxy's stats call UP.
func (p *proxyProc) allUp() (int, error) {
	resp, err := http.Get(p.stats + "/;csv")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	r := csv.NewReader(resp.Body)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimPrefix(strings.TrimSpace(h), "# ")] = i
	}
	up := 0
	for _, row := range rows[1:] {
		if len(row) > col["status"] && row[col["pxname"]] == "demo" && strings.HasPrefix(row[col["svname"]], "app") && row[col["status"]] == "UP" {
			up++
		}
	}
	return up, nil
}

// cpu is HAProxy's CPU time so far; 0 for none.
func (p *proxyProc) cpu() time.Duration {
	if p == nil {
		return 0
	}
	d, _ := procCPU(p.cmd.Process.Pid)
	return d
}

// stop ends HAProxy; nil does nothing.
func (p *proxyProc) stop() {
	if p == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.log.Close()
}
