// Command benchrun is the over-the-wire benchmark of fiberfn: it builds
// the servers, runs each row against a fresh server process with wrk on
// loopback, and prints Markdown tables of req/s, p50/p99 latency and peak
// RSS, with ratios from the same run.
//
//	go run ./bench/cmd/benchrun wire [flags]   # fiberfn vs hand-written Fiber and net/http
//	go run ./bench/cmd/benchrun demo [flags]   # the real demo binary on a seeded database
//	go run ./bench/cmd/benchrun cluster [flags] # 1 x SQLite, 1 x PostgreSQL + Redis, 3 behind HAProxy
//
// Run it from anywhere inside the repository; `benchrun wire -h` and
// `benchrun demo -h` list the flags. Every row is bounded by -duration.
// See BENCHMARKS.md for what the rows mean.
package main

import (
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "wire":
		err = runWire(os.Args[2:])
	case "demo":
		err = runDemo(os.Args[2:])
	case "cluster":
		err = runCluster(os.Args[2:])
	case "-h", "--help", "help":
		usage()
		return
	default:
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchrun wire|demo|cluster [flags]   (benchrun wire -h for the flags)")
}

// common are the flags both benchmarks share.
type common struct {
	duration    time.Duration
	runs        int
	connections int
	threads     int
	genCPUs     string
	profile     string
	keep        bool
	dir         string
	root        string
	wrk         *wrkRunner
}

func (c *common) register(fs *flag.FlagSet, genCPUs string) {
	fs.DurationVar(&c.duration, "duration", 5*time.Second, "length of each row's load (whole seconds)")
	fs.IntVar(&c.runs, "runs", 1, "runs of every row, interleaved; the tables show medians")
	fs.IntVar(&c.connections, "c", 50, "wrk connections")
	fs.IntVar(&c.threads, "t", 1, "wrk threads")
	fs.StringVar(&c.genCPUs, "gen-cpus", genCPUs, "taskset CPU list for wrk (\"all\": not pinned)")
	fs.StringVar(&c.profile, "profile", "", "write a CPU profile of every row's server into this directory")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary directory (binaries, database, logs)")
}

// setUp finds the repository, makes the temporary directory and the wrk
// runner.
func (c *common) setUp() error {
	if c.duration < time.Second {
		return fmt.Errorf("-duration must be at least 1s")
	}
	if c.runs < 1 {
		c.runs = 1
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	c.root = root
	if c.dir, err = os.MkdirTemp("", "fiberfn-bench-"); err != nil {
		return err
	}
	if c.profile != "" {
		if c.profile, err = filepath.Abs(c.profile); err != nil {
			return err
		}
		if err := os.MkdirAll(c.profile, 0o755); err != nil {
			return err
		}
	}
	c.wrk, err = newWrkRunner(c.dir, c.genCPUs, c.threads, c.connections, c.duration)
	return err
}

func (c *common) tearDown() {
	if c.keep {
		fmt.Fprintln(os.Stderr, "benchrun: kept", c.dir)
		return
	}
	os.RemoveAll(c.dir)
}

// build compiles pkg (relative to the repository root) into the
// temporary directory.
func (c *common) build(pkg, name string) (string, error) {
	out := filepath.Join(c.dir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = c.root
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build %s: %w", pkg, err)
	}
	return out, nil
}

// repoRoot is the directory holding go.work, from the working directory
// up.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside the fiberfn repository (no go.work found)")
		}
		dir = parent
	}
}

// machine describes where the benchmark runs, for the report.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	goVersion := runtime.Version()
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		goVersion = strings.TrimSpace(string(out))
	}
	wrkVersion := "wrk"
	if out, _ := exec.Command("wrk", "-v").CombinedOutput(); len(out) > 0 {
		wrkVersion, _, _ = strings.Cut(strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]), " [")
	}
	return fmt.Sprintf("%d CPUs (%s), %s, %s, %s", runtime.NumCPU(), model, goVersion, wrkVersion,
		time.Now().UTC().Format("2006-01-02 15:04 UTC"))
}

// expect is what a verification request must answer.
type expect struct {
	status   int
	header   string // a header that must have value
	value    string
	contains string // the body must contain this
}

// verify sends l once with Go's client and checks the answer; it returns
// the body size.
func verify(base string, l load, cookie string, e expect) (int, error) {
	var body io.Reader
	if l.Body != "" {
		body = strings.NewReader(l.Body)
	}
	req, err := http.NewRequest(l.Method, base+l.Path, body)
	if err != nil {
		return 0, err
	}
	for _, h := range l.Headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Set(name, strings.TrimSpace(value))
	}
	if l.Body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	for _, name := range l.Unique {
		if name == "X-Forwarded-For" {
			req.Header.Set(name, "10.255.255.1")
		} else {
			req.Header.Set(name, fmt.Sprintf("verify-%d", time.Now().UnixNano()))
		}
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != e.status {
		return 0, fmt.Errorf("%s %s: status %d, want %d: %.300s", l.Method, l.Path, resp.StatusCode, e.status, b)
	}
	if e.header != "" && resp.Header.Get(e.header) != e.value {
		return 0, fmt.Errorf("%s %s: %s %q, want %q", l.Method, l.Path, e.header, resp.Header.Get(e.header), e.value)
	}
	if e.contains != "" && !strings.Contains(string(b), e.contains) {
		return 0, fmt.Errorf("%s %s: body lacks %q: %.300s", l.Method, l.Path, e.contains, b)
	}
	return len(b), nil
}
