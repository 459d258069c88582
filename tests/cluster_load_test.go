package tests

// Load through HAProxy while instances die or restart (issue 15): 50
// clients, each a browser with htmx of one of 10 accounts, add tasks (a
// write with its own Idempotency-Key) and load a page in turn. Every write
// that was acknowledged (2xx or 3xx) must be in the database; the
// requests that failed are counted and logged.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Load of the load tests: clients, the accounts they share, and how often
// each client sends a request (paced, so the test measures failures, not
// the machine's capacity: 50 clients at most 500 requests a second).
const (
	loadClients  = 50
	loadAccounts = 10
	loadPace     = 100 * time.Millisecond
)

// loadOutcome is what one request of the load got.
type loadOutcome struct {
	write  bool
	title  string // of a write
	user   string
	status int
	err    error
	via    string // X-Instance of the answer
	// lost: a 409 saying that the instance that ran the key stopped
	// before it answered (a retry, by the client or by HAProxy, of a
	// write whose instance was killed).
	lost bool
}

// failed reports whether the request failed: no answer, a 5xx (HAProxy
// answers 502/503 when no instance could), or the 409 of a write whose
// first run was on an instance that died.
func (o loadOutcome) failed() bool { return o.err != nil || o.status >= 500 || o.lost }

// load is a running load through HAProxy.
type load struct {
	cl       *cluster
	cancel   context.CancelFunc
	done     sync.WaitGroup
	mu       sync.Mutex
	outcomes []loadOutcome
	count    atomic.Int64
}

// startLoad signs up the accounts and starts the clients.
func startLoad(t *testing.T, cl *cluster) *load {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &load{cl: cl, cancel: cancel}
	t.Cleanup(l.stop)
	jars := make([]http.CookieJar, loadAccounts)
	for u := range loadAccounts {
		c := newPlainClient(t, cl.front)
		c.signup(fmt.Sprintf("loader%d", u), "loader-password")
		jars[u] = c.hc.Jar
	}
	for i := range loadClients {
		u := i % loadAccounts
		hc := &http.Client{Jar: jars[u], Transport: &http.Transport{MaxIdleConnsPerHost: 1}, Timeout: 30 * time.Second}
		t.Cleanup(hc.CloseIdleConnections)
		c := &webClient{t: t, base: cl.front, hc: hc, htmx: true}
		l.done.Add(1)
		go l.client(ctx, c, i, fmt.Sprintf("loader%d", u))
	}
	return l
}

// client sends requests until ctx ends: an add, then the settings page.
func (l *load) client(ctx context.Context, c *webClient, i int, user string) {
	defer l.done.Done()
	tick := time.NewTicker(loadPace)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		var o loadOutcome
		if n%2 == 0 {
			o = loadOutcome{write: true, user: user, title: fmt.Sprintf("load c%d n%d", i, n)}
			r, err := c.rawSend(context.Background(), l.cl.front, "/api/add_task", "application/x-www-form-urlencoded",
				url.Values{"title": {o.title}}.Encode(), "Idempotency-Key", o.title)
			o.status, o.err, o.via = r.Status, err, r.Header.Get("X-Instance")
			o.lost = r.Status == http.StatusConflict && strings.Contains(r.Body, "stopped before it answered")
		} else {
			req, _ := http.NewRequest(http.MethodGet, l.cl.front+"/settings", nil)
			resp, err := c.hc.Do(req)
			o.err = err
			if err == nil {
				o.status, o.via = resp.StatusCode, resp.Header.Get("X-Instance")
				_, o.err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		l.mu.Lock()
		l.outcomes = append(l.outcomes, o)
		l.mu.Unlock()
		l.count.Add(1)
	}
}

// waitRequests waits until the load has sent n more requests.
func (l *load) waitRequests(t *testing.T, n int64) {
	t.Helper()
	target := l.count.Load() + n
	deadline := time.Now().Add(60 * time.Second)
	for l.count.Load() < target {
		if time.Now().After(deadline) {
			t.Fatalf("the load did not send %d requests in time", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// stop ends the clients and waits for them.
func (l *load) stop() {
	l.cancel()
	l.done.Wait()
}

// check stops the load, checks that every acknowledged write is in the
// database, logs what failed and returns the failures.
func (l *load) check(t *testing.T) (failures []loadOutcome) {
	t.Helper()
	l.stop()
	stored := map[string]bool{}
	for u := range loadAccounts {
		for _, title := range l.cl.tasks(fmt.Sprintf("loader%d", u)) {
			stored[title] = true
		}
	}
	var writes, acked, lost, ranAnyway int
	via := map[string]int{}
	kinds := map[string]int{}
	for _, o := range l.outcomes {
		via[o.via]++
		if o.write {
			writes++
		}
		switch {
		case o.failed():
			failures = append(failures, o)
			what := "read"
			if o.write {
				what = "write"
				if stored[o.title] {
					ranAnyway++
				}
			}
			switch {
			case o.err != nil:
				kinds[what+": "+o.err.Error()]++
			case o.lost:
				kinds[what+": 409, its instance stopped before it answered"]++
			default:
				kinds[fmt.Sprintf("%s: %d", what, o.status)]++
			}
		case o.status >= 400:
			t.Errorf("%+v: refused", o)
		case o.write:
			acked++
			if !stored[o.title] {
				lost++
				t.Errorf("the acknowledged write %q (%d through %s) is not in the database", o.title, o.status, o.via)
			}
		}
	}
	var kindList []string
	for k, n := range kinds {
		kindList = append(kindList, fmt.Sprintf("%dx %s", n, k))
	}
	sort.Strings(kindList)
	t.Logf("%d requests (%d writes, %d acknowledged, %d of them lost; answered by %v); %d failed in flight: %s (of the failed writes, %d are in the database: they ran, their answer was lost)",
		len(l.outcomes), writes, acked, lost, via, len(failures), strings.Join(kindList, "; "), ranAnyway)
	return failures
}

// testClusterKill: a kill -9 of one instance under load loses no
// acknowledged write; the requests it had in flight fail, and are
// counted.
func testClusterKill(t *testing.T) {
	cl := startCluster(t, clusterConfig{})
	l := startLoad(t, cl)
	l.waitRequests(t, 300)
	cl.kill(1)
	cl.waitState("DOWN", 1)
	l.waitRequests(t, 300)
	cl.start(1)
	cl.waitUp(1)
	l.waitRequests(t, 300)
	failures := l.check(t)
	if len(failures) > loadClients {
		t.Errorf("%d requests failed: more than the %d clients could have had in flight at the kill", len(failures), loadClients)
	}
}

// testClusterRollingRestart: SIGTERM, wait for the exit, start again,
// wait until HAProxy sends it traffic, next: not one request fails.
func testClusterRollingRestart(t *testing.T) {
	cl := startCluster(t, clusterConfig{})
	l := startLoad(t, cl)
	l.waitRequests(t, 200)
	for i := range 3 {
		cl.stop(i)
		cl.start(i)
		cl.waitUp(i)
		l.waitRequests(t, 100)
	}
	if failures := l.check(t); len(failures) > 0 {
		t.Errorf("%d requests failed during a rolling restart, want 0", len(failures))
	}
}
