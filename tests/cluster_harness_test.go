package tests

// The harness of the several-instances tests (issue 15): three real demo
// processes on one fresh PostgreSQL database and one Redis key prefix,
// behind a real HAProxy run from deploy/haproxy.cfg (its addresses come
// from the environment, so the shipped file runs as it is, on free
// ports). Everything a user would run, nothing in-process but a Store
// that reads the database to check what was stored.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/fiberfn/fiberfn/internal/testsvc"
)

// Settings of the instances under test. The drain outlasts HAProxy's
// fall x inter (2 x 1 s in deploy/haproxy.cfg) with a margin, so an
// instance is out of rotation before its listener closes; the short lease
// lets the crash test see a dead instance's claim expire quickly.
const (
	clusterDrain     = 3 * time.Second
	clusterOnceLease = 2 * time.Second
	clusterSecret    = "the shared secret of the cluster"
)

// clusterConfig changes how startCluster starts the instances.
type clusterConfig struct {
	// secret is the -secret list; default clusterSecret.
	secret string
	// env adds environment variables to one instance, by index.
	env map[int][]string
}

// cluster is three demo processes behind HAProxy.
type cluster struct {
	t        *testing.T
	bin, dir string
	cfg      clusterConfig
	db       string
	redis    string
	prefix   string
	addrs    [3]string // host:port of each instance
	procs    [3]*demoProcess
	front    string // HAProxy's URL
	stats    string // HAProxy's stats URL
	// Store reads the shared database.
	Store *app.Store

	hmu  sync.Mutex
	hlog bytes.Buffer
}

// clusterBinary is the demo binary of the several-instances tests, built
// once per run by TestCluster.
var clusterBinary string

// needHAProxy skips the test, or fails it with FIBERFN_REQUIRE_SERVICES=1,
// when haproxy is not installed.
func needHAProxy(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("haproxy")
	if err != nil {
		if p, err = exec.LookPath("/usr/sbin/haproxy"); err != nil {
			if testsvc.Required() {
				t.Fatalf("haproxy is required (FIBERFN_REQUIRE_SERVICES=1) but not installed: apt-get install haproxy")
			}
			t.Skip("haproxy is not installed (apt-get install haproxy); skipping (set FIBERFN_REQUIRE_SERVICES=1 to fail instead)")
		}
	}
	return p
}

// freeAddr returns a loopback address with a port that was free a moment
// ago. The instances need addresses known before they start (HAProxy's
// config names them, and a restarted instance comes back on its own).
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startCluster starts three instances on a fresh PostgreSQL database and
// Redis prefix, and HAProxy in front of them, and waits until HAProxy
// sees all three up.
func startCluster(t *testing.T, cfg clusterConfig) *cluster {
	t.Helper()
	haproxy := needHAProxy(t)
	if clusterBinary == "" {
		t.Fatal("startCluster runs inside TestCluster, which builds the binary")
	}
	if cfg.secret == "" {
		cfg.secret = clusterSecret
	}
	c := &cluster{t: t, bin: clusterBinary, dir: t.TempDir(), cfg: cfg}
	c.db = testsvc.Postgres(t)
	c.redis, c.prefix = testsvc.Redis(t)

	// The Store that reads what the instances stored (its app.New
	// migrates the fresh database first; the instances would too, one
	// at a time under an advisory lock).
	a, err := app.New(app.Options{Database: c.db, Redis: c.redis, RedisPrefix: c.prefix, Secret: []byte(clusterSecret),
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("app.New on the cluster's database: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	c.Store = a.Store

	for i := range c.addrs {
		c.addrs[i] = freeAddr(t)
		c.start(i)
	}
	front, stats := freeAddr(t), freeAddr(t)
	c.front, c.stats = "http://"+front, "http://"+stats
	root, _ := filepath.Abs("..")
	cmd := exec.Command(haproxy, "-db", "-f", filepath.Join(root, "deploy", "haproxy.cfg"))
	cmd.Env = append(os.Environ(), "FRONT_ADDR="+front, "STATS_ADDR="+stats,
		"APP1="+c.addrs[0], "APP2="+c.addrs[1], "APP3="+c.addrs[2])
	cmd.Stdout = &lockedWriter{mu: &c.hmu, w: &c.hlog}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatalf("haproxy: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("haproxy's log:\n%s", c.haproxyLog())
		}
	})
	c.waitUp(0, 1, 2)
	return c
}

func (c *cluster) haproxyLog() string {
	c.hmu.Lock()
	defer c.hmu.Unlock()
	return c.hlog.String()
}

// name is the instance name of instance i, as in its X-Instance header.
func (c *cluster) name(i int) string { return fmt.Sprintf("app%d", i+1) }

// url is the base URL of instance i, without HAProxy.
func (c *cluster) url(i int) string { return "http://" + c.addrs[i] }

// args are the flags of instance i, extra after them.
func (c *cluster) args(i int, extra ...string) []string {
	return append([]string{"-addr", c.addrs[i], "-db", c.db, "-redis", c.redis, "-redis-prefix", c.prefix,
		"-secret", c.cfg.secret, "-trusted-proxies", "127.0.0.1", "-instance", c.name(i),
		"-drain", clusterDrain.String(), "-shutdown-timeout", "10s", "-once-lease", clusterOnceLease.String(),
		// Load tests write fast through few accounts.
		"-write-limit", "100000/1m", "-task-quota", "100000"}, extra...)
}

// start starts instance i (again) on its address.
func (c *cluster) start(i int, extra ...string) {
	c.t.Helper()
	c.procs[i] = startDemoBinaryEnv(c.t, c.bin, c.dir, c.cfg.env[i], c.args(i, extra...)...)
}

// kill ends instance i with SIGKILL and waits for it to be gone.
func (c *cluster) kill(i int) {
	c.t.Helper()
	p := c.procs[i]
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	c.waitExit(i)
}

// waitExit waits until instance i has exited (for whatever reason) and
// returns how: nil for status 0.
func (c *cluster) waitExit(i int) error {
	c.t.Helper()
	select {
	case err := <-c.procs[i].exited:
		c.procs[i].exited <- err // for the cleanup and later calls
		return err
	case <-time.After(30 * time.Second):
		c.t.Fatalf("%s did not exit", c.name(i))
		return nil
	}
}

// stop sends SIGTERM to instance i and waits until it exited with
// status 0 (after its drain).
func (c *cluster) stop(i int) {
	c.t.Helper()
	if err := c.procs[i].cmd.Process.Signal(syscall.SIGTERM); err != nil {
		c.t.Fatal(err)
	}
	if err := c.waitExit(i); err != nil {
		c.t.Fatalf("%s exited with %v after SIGTERM; stderr:\n%s", c.name(i), err, c.procs[i].output(true))
	}
}

// serverStates returns HAProxy's view of the backend's servers: name to
// status ("UP", "DOWN", "UP 1/2"...), from its stats page as CSV.
func (c *cluster) serverStates() (map[string]string, error) {
	resp, err := http.Get(c.stats + "/;csv")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r := csv.NewReader(bufio.NewReader(resp.Body))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil || len(rows) == 0 {
		return nil, fmt.Errorf("stats CSV: %v", err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[strings.TrimPrefix(strings.TrimSpace(h), "# ")] = i
	}
	out := map[string]string{}
	for _, row := range rows[1:] {
		if len(row) > col["status"] && row[col["pxname"]] == "demo" && strings.HasPrefix(row[col["svname"]], "app") {
			out[row[col["svname"]]] = row[col["status"]]
		}
	}
	return out, nil
}

// waitState polls HAProxy until each of the instances is in state want
// ("UP" or "DOWN").
func (c *cluster) waitState(want string, which ...int) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		states, err := c.serverStates()
		ok := err == nil
		for _, i := range which {
			ok = ok && states[c.name(i)] == want
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("HAProxy does not see %v %s: %v %v", which, want, states, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitUp waits until HAProxy sends traffic to every instance named.
func (c *cluster) waitUp(which ...int) { c.waitState("UP", which...) }

// tasks returns the titles of a user's tasks in the database.
func (c *cluster) tasks(username string) []string {
	c.t.Helper()
	u, err := c.Store.UserByName(username)
	if err != nil {
		c.t.Fatalf("user %q: %v", username, err)
	}
	ts, err := c.Store.Tasks(u.ID, app.FilterAll)
	if err != nil {
		c.t.Fatal(err)
	}
	var out []string
	for _, task := range ts {
		out = append(out, task.Title)
	}
	return out
}

// rawSend sends one request with the client's cookies, as its post would
// (same-origin headers), and returns the answer; it is safe to call from
// several goroutines at once, and never fails the test itself.
func (c *webClient) rawSend(ctx context.Context, base, path, contentType, body string, header ...string) (result, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(body))
	if err != nil {
		return result{}, err
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Referer", base+"/")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if c.htmx {
		req.Header.Set("HX-Request", "true")
		req.Header.Set("HX-Current-URL", base+"/")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{Status: resp.StatusCode, Header: resp.Header, Body: string(b), URL: resp.Request.URL, Redirect: resp.Request.Response}, nil
}
