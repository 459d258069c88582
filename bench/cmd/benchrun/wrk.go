package main

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed request.lua
var requestLua string

// load is one wrk run's request shape.
type load struct {
	Method  string
	Path    string
	Body    string
	Headers []string // "Name: value"
	Cookies string   // file of Cookie values to rotate over, or ""
	// Unique names headers that get a value of their own in every
	// request: Idempotency-Key, X-Forwarded-For.
	Unique []string
}

// wrkResult is what one wrk run measured.
type wrkResult struct {
	RPS      float64
	P50, P99 time.Duration
	Requests int
	Errors   int // non-2xx/3xx answers plus socket errors
	// CPUPerReq is the server's CPU time (user + system) during the run
	// divided by the requests: unlike req/s, it hardly depends on what
	// else the machine is doing.
	CPUPerReq time.Duration
	Output    string
}

// wrkRunner runs wrk with the request script.
type wrkRunner struct {
	script      string // path of request.lua
	cpus        string // taskset list for the generator, or ""
	threads     int
	connections int
	duration    time.Duration
	timeout     time.Duration
}

func newWrkRunner(dir, cpus string, threads, connections int, duration time.Duration) (*wrkRunner, error) {
	if _, err := exec.LookPath("wrk"); err != nil {
		return nil, fmt.Errorf("wrk is not installed (Debian/Ubuntu: apt-get install wrk): %w", err)
	}
	script := filepath.Join(dir, "request.lua")
	if err := os.WriteFile(script, []byte(requestLua), 0o644); err != nil {
		return nil, err
	}
	return &wrkRunner{script: script, cpus: cpus, threads: threads, connections: connections,
		duration: duration, timeout: 10 * time.Second}, nil
}

// run loads base (http://host:port) with l for the runner's duration.
func (w *wrkRunner) run(base string, l load, connections int, timeout time.Duration) (wrkResult, error) {
	if connections == 0 {
		connections = w.connections
	}
	if timeout == 0 {
		timeout = w.timeout
	}
	threads := min(w.threads, connections)
	args := []string{"wrk", "-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(connections),
		"-d" + strconv.Itoa(int(w.duration.Seconds())) + "s", "--timeout", strconv.Itoa(int(timeout.Seconds())) + "s",
		"--latency", "-s", w.script, base + l.Path}
	cmd := taskset(w.cpus, args)
	cmd.Env = append(os.Environ(),
		"BENCH_METHOD="+l.Method, "BENCH_PATH="+l.Path, "BENCH_BODY="+l.Body,
		"BENCH_HEADERS="+strings.Join(l.Headers, "\n"), "BENCH_COOKIES="+l.Cookies,
		"BENCH_UNIQUE="+strings.Join(l.Unique, ","))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	return parseWrk(string(out))
}

var (
	reRPS      = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reLatency  = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	reRequests = regexp.MustCompile(`(\d+) requests in`)
	reNon2xx   = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
	reSocket   = regexp.MustCompile(`Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseWrk reads wrk's --latency report.
func parseWrk(out string) (wrkResult, error) {
	r := wrkResult{Output: out}
	m := reRPS.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("wrk output without Requests/sec:\n%s", out)
	}
	r.RPS, _ = strconv.ParseFloat(m[1], 64)
	for _, m := range reLatency.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		d := time.Duration(v * float64(unit))
		if m[1] == "50" {
			r.P50 = d
		} else {
			r.P99 = d
		}
	}
	if m := reRequests.FindStringSubmatch(out); m != nil {
		r.Requests, _ = strconv.Atoi(m[1])
	}
	if m := reNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.Atoi(m[1])
		r.Errors += n
	}
	if m := reSocket.FindStringSubmatch(out); m != nil {
		for _, s := range m[1:] {
			n, _ := strconv.Atoi(s)
			r.Errors += n
		}
	}
	return r, nil
}

// taskset prefixes args with taskset when cpus is set.
func taskset(cpus string, args []string) *exec.Cmd {
	if cpus != "" && cpus != "all" {
		args = append([]string{"taskset", "-c", cpus}, args...)
	}
	return exec.Command(args[0], args[1:]...)
}

// median returns the median of the results of one row over several runs
// (req/s, p50 and p99 each on its own), with the errors summed.
func median(rs []wrkResult) wrkResult {
	if len(rs) == 1 {
		return rs[0]
	}
	out := wrkResult{}
	rps := make([]float64, len(rs))
	p50 := make([]time.Duration, len(rs))
	p99 := make([]time.Duration, len(rs))
	cpu := make([]time.Duration, len(rs))
	for i, r := range rs {
		rps[i], p50[i], p99[i], cpu[i] = r.RPS, r.P50, r.P99, r.CPUPerReq
		out.Errors += r.Errors
		out.Requests += r.Requests
	}
	sort.Float64s(rps)
	sort.Slice(p50, func(i, j int) bool { return p50[i] < p50[j] })
	sort.Slice(p99, func(i, j int) bool { return p99[i] < p99[j] })
	sort.Slice(cpu, func(i, j int) bool { return cpu[i] < cpu[j] })
	mid := len(rs) / 2
	out.RPS, out.P50, out.P99, out.CPUPerReq = rps[mid], p50[mid], p99[mid], cpu[mid]
	if len(rs)%2 == 0 {
		out.RPS = (rps[mid-1] + rps[mid]) / 2
		out.P50 = (p50[mid-1] + p50[mid]) / 2
		out.P99 = (p99[mid-1] + p99[mid]) / 2
		out.CPUPerReq = (cpu[mid-1] + cpu[mid]) / 2
	}
	return out
}

// pairedRatio is the median over runs of f(a[i], b[i]): a ratio taken
// within each run (whose rows ran seconds apart) before the median, so
// that a machine that gets busier or quieter between runs moves both
// sides of each ratio alike.
func pairedRatio(a, b []wrkResult, f func(a, b wrkResult) float64) float64 {
	n := min(len(a), len(b))
	rs := make([]float64, n)
	for i := range n {
		rs[i] = f(a[i], b[i])
	}
	sort.Float64s(rs)
	if n%2 == 0 {
		return (rs[n/2-1] + rs[n/2]) / 2
	}
	return rs[n/2]
}

// rpsRatio is a's req/s ÷ b's.
func rpsRatio(a, b wrkResult) float64 { return a.RPS / b.RPS }

// cpuRatio is b's CPU per request ÷ a's: > 1 when a is cheaper.
func cpuRatio(a, b wrkResult) float64 { return float64(b.CPUPerReq) / float64(a.CPUPerReq) }

// fmtDur prints a latency with a unit that suits it.
func fmtDur(d time.Duration) string {
	switch {
	case d == 0:
		return "-"
	case d < 100*time.Microsecond:
		return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
	case d < time.Millisecond:
		return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// fmtRPS prints req/s with thousands separators.
func fmtRPS(v float64) string {
	if v < 100 {
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	s := strconv.FormatInt(int64(v+0.5), 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
