package tests

// The soak: the built demo binary on loopback under many clients, then
// killed with SIGKILL in the middle of the load and started again.
//
//	go test ./tests/ -run TestDemoSoak -v                        # 5 s, as CI runs it
//	FIBERFN_SOAK_DURATION=30s go test ./tests/ -run TestDemoSoak -v   # task soak
//
// Every loop is bounded in time and in count.

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // the "sqlite3" driver, to look at the file directly
)

// soakSettings are the knobs of the soak, from the environment.
type soakSettings struct {
	duration time.Duration // FIBERFN_SOAK_DURATION, default 5s
	clients  int           // FIBERFN_SOAK_CLIENTS, default 50
}

func soakConfig(t *testing.T) soakSettings {
	s := soakSettings{duration: 5 * time.Second, clients: 50}
	if v := os.Getenv("FIBERFN_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 || d > 10*time.Minute {
			t.Fatalf("FIBERFN_SOAK_DURATION=%q: want a duration up to 10m", v)
		}
		s.duration = d
	}
	if v := os.Getenv("FIBERFN_SOAK_CLIENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 90 {
			t.Fatalf("FIBERFN_SOAK_CLIENTS=%q: want 1 to 90 (the sign-ups come from one address, which the demo allows 100 attempts per 15 minutes)", v)
		}
		s.clients = n
	}
	return s
}

// soakOps bounds the operations of one client in one phase, whatever the
// duration.
const soakOps = 1_000_000

// soakTask is what a client knows of one of its tasks.
type soakTask struct {
	id   int64
	done bool
}

// soakClient is one user of the soak: its own account and cookies, and
// the tasks it knows it has from the answers it got (acknowledged writes).
type soakClient struct {
	n    int
	name string
	base string
	hc   *http.Client
	rng  *rand.Rand

	tasks map[string]*soakTask // by title: every acknowledged add not deleted since
	// uncertain are titles whose last write was in flight when the
	// server died: they may or may not have happened.
	uncertain map[string]bool
	next      int // the number of the next title

	ops, acked, fivexx, failed int
	latencies                  []time.Duration
}

func newSoakClient(n int, base string) *soakClient {
	jar, _ := cookiejar.New(nil)
	return &soakClient{
		n: n, name: fmt.Sprintf("soak%03d", n), base: base,
		hc:    &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}},
		rng:   rand.New(rand.NewPCG(uint64(n), 9)),
		tasks: map[string]*soakTask{}, uncertain: map[string]bool{},
	}
}

// call posts a JSON body to a server function as a JSON caller and
// decodes the answer into v. It returns the status, or an error when no
// answer came.
func (c *soakClient) call(fn string, body any, v any) (int, error) {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, c.base+"/api/"+fn, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	// add_task is once-only: a JSON client names each write with an
	// Idempotency-Key. Deriving it from the body makes a retry of the same
	// write (after a lost answer) a replay, never a second task.
	sum := sha256.Sum256(b)
	req.Header.Set("Idempotency-Key", fn+"-"+hex.EncodeToString(sum[:16]))
	start := time.Now()
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	c.latencies = append(c.latencies, time.Since(start))
	c.ops++
	if resp.StatusCode >= 500 {
		c.fivexx++
	}
	if v != nil && resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal(raw, v); err != nil {
			return resp.StatusCode, fmt.Errorf("%s: decode %q: %w", fn, raw, err)
		}
	}
	return resp.StatusCode, nil
}

// findTask looks for a task object with the title anywhere in a decoded
// JSON answer (a whole list or one task), and returns its id.
func findTask(v any, title string) (int64, bool) {
	switch x := v.(type) {
	case map[string]any:
		if x["title"] == title {
			if id, ok := x["id"].(float64); ok {
				return int64(id), true
			}
		}
		for _, e := range x {
			if id, ok := findTask(e, title); ok {
				return id, true
			}
		}
	case []any:
		for _, e := range x {
			if id, ok := findTask(e, title); ok {
				return id, true
			}
		}
	}
	return 0, false
}

// step makes one random write: add while the list is short, else add,
// toggle or delete. It returns false when the server stopped answering.
func (c *soakClient) step() bool {
	titles := make([]string, 0, len(c.tasks))
	for title := range c.tasks {
		titles = append(titles, title)
	}
	slices.Sort(titles)
	op := c.rng.IntN(10)
	switch {
	case len(titles) < 5 || op < 4:
		title := fmt.Sprintf("%s task %d", c.name, c.next)
		c.next++
		var out any
		c.uncertain[title] = true
		st, err := c.call("add_task", map[string]any{"title": title}, &out)
		if err != nil {
			return false
		}
		if st == http.StatusOK {
			id, ok := findTask(out, title)
			if !ok {
				c.failed++
				return true
			}
			delete(c.uncertain, title)
			c.tasks[title] = &soakTask{id: id}
			c.acked++
		} else {
			c.failed++
		}
	case op < 7:
		title := titles[c.rng.IntN(len(titles))]
		t := c.tasks[title]
		c.uncertain[title] = true
		st, err := c.call("toggle_task", map[string]any{"id": t.id, "done": !t.done}, nil)
		if err != nil {
			return false
		}
		if st == http.StatusOK {
			delete(c.uncertain, title)
			t.done = !t.done
			c.acked++
		} else {
			c.failed++
		}
	default:
		title := titles[c.rng.IntN(len(titles))]
		c.uncertain[title] = true
		st, err := c.call("delete_task", map[string]any{"id": c.tasks[title].id}, nil)
		if err != nil {
			return false
		}
		if st == http.StatusOK {
			delete(c.uncertain, title)
			delete(c.tasks, title)
			c.acked++
		} else {
			c.failed++
		}
	}
	return true
}

// run makes writes until the deadline, the op budget, stop, or the
// server's end.
func (c *soakClient) run(deadline time.Time, stop *atomic.Bool) {
	for i := 0; i < soakOps && time.Now().Before(deadline) && !stop.Load(); i++ {
		if !c.step() {
			return
		}
	}
}

// soakLoad runs every client until the deadline or stop, while sampling
// the size of the WAL file; it returns the largest size seen.
func soakLoad(clients []*soakClient, deadline time.Time, stop *atomic.Bool, walPath string) int64 {
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func() { defer wg.Done(); c.run(deadline, stop) }()
	}
	done := make(chan struct{})
	var peak int64
	go func() {
		defer close(done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if st, err := os.Stat(walPath); err == nil && st.Size() > peak {
				peak = st.Size()
			}
			select {
			case <-tick.C:
			case <-finished(&wg):
				return
			}
		}
	}()
	wg.Wait()
	<-done
	return peak
}

// finished returns a channel closed once wg is done.
func finished(wg *sync.WaitGroup) <-chan struct{} {
	ch := make(chan struct{})
	go func() { wg.Wait(); close(ch) }()
	return ch
}

// peakRSS returns the peak resident set (VmHWM) of a process, in bytes.
func peakRSS(pid int) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return -1
}

// checkSoakDB opens the file directly and checks it against what the
// clients were told: integrity_check ok, every acknowledged write there,
// nothing lost or duplicated; a write in flight when the server died may
// have happened or not.
func checkSoakDB(t *testing.T, path string, clients []*soakClient) (rows int) {
	t.Helper()
	db, err := sql.Open("sqlite3", path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var integrity string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&integrity); err != nil || integrity != "ok" {
		t.Fatalf("integrity_check: %q %v", integrity, err)
	}
	for _, c := range clients {
		got := map[string]soakTask{}
		r, err := db.Query(`SELECT t.id, t.title, t.done FROM tasks t JOIN users u ON u.id = t.user_id WHERE u.username = ?`, c.name)
		if err != nil {
			t.Fatal(err)
		}
		for r.Next() {
			var st soakTask
			var title string
			if err := r.Scan(&st.id, &title, &st.done); err != nil {
				t.Fatal(err)
			}
			if _, dup := got[title]; dup {
				t.Errorf("%s: task %q is there twice", c.name, title)
			}
			got[title] = st
			rows++
		}
		r.Close()
		for title, want := range c.tasks {
			have, ok := got[title]
			switch {
			case c.uncertain[title]:
			case !ok:
				t.Errorf("%s: acknowledged task %q (id %d) is lost", c.name, title, want.id)
			case have.id != want.id || have.done != want.done:
				t.Errorf("%s: task %q is id %d done %v, want id %d done %v", c.name, title, have.id, have.done, want.id, want.done)
			}
		}
		for title := range got {
			if _, ok := c.tasks[title]; !ok && !c.uncertain[title] {
				t.Errorf("%s: task %q is there, but its add failed or its delete was acknowledged", c.name, title)
			}
		}
	}
	return rows
}

// percentile returns the p-th percentile of ds.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[int(float64(len(s)-1)*p)]
}

// soakLimits lift the per-user write limit and task quota out of the way:
// each soak client writes as fast as it can, and the soak measures the
// storage under that load, not the limits (TestDemoWriteFlood does).
var soakLimits = []string{"-write-limit", "1000000000/1m", "-task-quota", "1000000000"}

func TestDemoSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak: skipped with -short")
	}
	cfg := soakConfig(t)
	bin := buildDemo(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "soak.db")
	p := startDemoBinary(t, bin, dir, "", append([]string{"-addr", "127.0.0.1:0", "-db", db}, soakLimits...)...)
	base := strings.Replace(p.base, "localhost", "127.0.0.1", 1)

	// Every client signs up its own user (this is also where bcrypt runs).
	clients := make([]*soakClient, cfg.clients)
	var wg sync.WaitGroup
	errs := make(chan error, cfg.clients)
	for i := range clients {
		c := newSoakClient(i, base)
		clients[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := c.name + "-password"
			st, err := c.call("signup", map[string]any{"username": c.name, "password": pw, "confirm_password": pw}, nil)
			if err == nil && st != http.StatusOK {
				err = fmt.Errorf("%s: sign-up answered %d", c.name, st)
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// Phase 1: the load for the whole duration.
	var stop atomic.Bool
	start := time.Now()
	walPeak := soakLoad(clients, start.Add(cfg.duration), &stop, db+"-wal")
	elapsed := time.Since(start)
	rss := peakRSS(p.cmd.Process.Pid)
	var ops, acked, fivexx, failed int
	var lat []time.Duration
	for _, c := range clients {
		ops += c.ops
		acked += c.acked
		fivexx += c.fivexx
		failed += c.failed
		lat = append(lat, c.latencies...)
		c.latencies = nil
	}
	rows := checkSoakDB(t, db, clients)
	// Without load, the next checkpoint (every second) empties the WAL.
	var walAfter int64 = -1
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if st, err := os.Stat(db + "-wal"); err == nil {
			if walAfter = st.Size(); walAfter == 0 {
				break
			}
		}
	}
	if walAfter != 0 {
		t.Errorf("the WAL still has %d bytes 5 s after the load", walAfter)
	}
	t.Logf("soak: %d clients, %v: %d requests (%.0f/s), %d acknowledged writes, %d refused, %d 5xx; latency p50 %v p99 %v; %d task rows; peak RSS %.1f MiB; peak WAL %.1f MiB",
		cfg.clients, elapsed.Round(time.Millisecond), ops, float64(ops)/elapsed.Seconds(), acked, failed, fivexx,
		percentile(lat, 0.5).Round(time.Microsecond), percentile(lat, 0.99).Round(time.Microsecond), rows,
		float64(rss)/(1<<20), float64(walPeak)/(1<<20))
	t.Logf("soak: the server logged %d busy WAL checkpoints", strings.Count(p.output(true), "WAL checkpoint"))
	if fivexx > 0 {
		t.Errorf("%d answers were 5xx", fivexx)
	}
	if failed > 0 {
		t.Errorf("%d writes were refused", failed)
	}

	// Phase 2: the load again, and SIGKILL in the middle of it.
	killAfter := min(max(cfg.duration/3, time.Second), 5*time.Second)
	stop.Store(false)
	loadDone := make(chan int64, 1)
	go func() { loadDone <- soakLoad(clients, time.Now().Add(killAfter+30*time.Second), &stop, db+"-wal") }()
	time.Sleep(killAfter)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		t.Fatal("the demo did not die")
	}
	stop.Store(true)
	<-loadDone
	inFlight := 0
	for _, c := range clients {
		inFlight += len(c.uncertain)
	}
	rows = checkSoakDB(t, db, clients)
	t.Logf("kill -9 after %v of load: %d task rows, %d writes were in flight (may or may not have happened), integrity ok", killAfter, rows, inFlight)

	// Restart: the same sessions still work and see their tasks.
	p2 := startDemoBinary(t, bin, dir, "", append([]string{"-addr", "127.0.0.1:0", "-db", db}, soakLimits...)...)
	base2 := strings.Replace(p2.base, "localhost", "127.0.0.1", 1)
	for _, c := range clients {
		c.base = base2
		title := c.name + " after restart"
		var out any
		st, err := c.call("add_task", map[string]any{"title": title}, &out)
		if err != nil || st != http.StatusOK {
			t.Fatalf("%s after the restart: %d %v", c.name, st, err)
		}
		if _, ok := findTask(out, title); !ok {
			t.Fatalf("%s after the restart: the answer lacks the new task", c.name)
		}
		// The session still sees its tasks: the home page lists them,
		// page by page (50 rows a page, following its Older link).
		listed := listedTitles(t, c.hc, base2, c.name)
		for known := range c.tasks {
			if !listed[known] && !c.uncertain[known] {
				t.Errorf("%s after the restart: the list lacks %q", c.name, known)
			}
		}
	}
	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p2.wait()
}

// listedTitles returns the titles the home page lists for the client's
// session, over every page: the JSON answer of GET / is the page's rows
// and its pager, whose Older link is the next page.
func listedTitles(t *testing.T, hc *http.Client, base, name string) map[string]bool {
	t.Helper()
	titles := map[string]bool{}
	next := "/"
	for pages := 0; next != ""; pages++ {
		if pages > 1000 {
			t.Fatalf("%s: the list's pages do not end", name)
		}
		req, err := http.NewRequest(http.MethodGet, base+next, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Accept", "application/json")
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatalf("%s after the restart: GET %s: %v", name, next, err)
		}
		var page struct {
			Tasks []struct {
				Title string `json:"title"`
			} `json:"tasks"`
			Pager struct {
				Older string `json:"older"`
			} `json:"pager"`
		}
		err = json.NewDecoder(resp.Body).Decode(&page)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%s after the restart: GET %s: status %d, %v", name, next, resp.StatusCode, err)
		}
		for _, task := range page.Tasks {
			titles[task.Title] = true
		}
		next = page.Pager.Older
	}
	return titles
}
