package oncetest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// Rounds is how many keys [TestInstances] sends to both instances at once,
// per kind of key.
const Rounds = 50

// TestInstances runs two Fiber apps, "instances" on loopback HTTP in this
// process, sharing one store made by open, and checks the promise of
// [fiberfn.OnceOnly] across them:
//
//   - the same Idempotency-Key, and separately the same form token, sent
//     to both at the same moment, [Rounds] rounds: exactly one run per
//     round, and every answer is the first or its replay;
//   - a failed first run gives the key back to the other instance;
//   - a run that outlives its lease (renewed while it runs) runs once;
//   - an instance that claims a key and dies: a retry on the other
//     instance gets 409 and the function is not run again; a wait for a
//     run in progress is bounded (409 with Retry-After);
//   - a stored answer is replayed only to the client that stored it:
//     another client with the same key or token, same or other body, gets
//     what it would get for a fresh one;
//   - 64 different keys are claimed in parallel: no lock is held across
//     the store's I/O (each store call delayed by 2 ms).
func TestInstances(t *testing.T, open Open) {
	t.Run("idempotency key to both at once", func(t *testing.T) {
		cl := newCluster(t, open(t), clusterConfig{})
		client := newClientCookie()
		before := cl.runs.Load()
		for round := range Rounds {
			key := fmt.Sprintf("round-%d-%s", round, newClientID())
			body := fmt.Sprintf(`{"title":"round %d"}`, round)
			cl.race(t, round, 4, func(i int) *answer {
				return cl.post(i%2, body, "Content-Type", "application/json", "Accept", "application/json",
					"Idempotency-Key", key, "Cookie", client)
			})
		}
		if n := cl.runs.Load() - before; n != Rounds {
			t.Fatalf("%d runs for %d keys sent to both instances, want %d", n, Rounds, Rounds)
		}
	})

	t.Run("form token to both at once", func(t *testing.T) {
		cl := newCluster(t, open(t), clusterConfig{})
		before := cl.runs.Load()
		for round := range Rounds {
			token, client := cl.formPage(t, round%2, "")
			body := fiberfn.OnceField + "=" + url.QueryEscape(token) + "&title=" + url.QueryEscape(fmt.Sprint("form round ", round))
			cl.race(t, round, 4, func(i int) *answer {
				return cl.post(i%2, body, "Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json", "Cookie", client)
			})
		}
		if n := cl.runs.Load() - before; n != Rounds {
			t.Fatalf("%d runs for %d form tokens sent to both instances, want %d", n, Rounds, Rounds)
		}
	})

	t.Run("a failed first run gives the key back", func(t *testing.T) {
		cl := newCluster(t, open(t), clusterConfig{})
		client := newClientCookie()
		key := "failed-" + newClientID()
		send := func(node int, title string) *answer {
			return cl.post(node, `{"title":"`+title+`"}`, "Content-Type", "application/json", "Accept", "application/json",
				"Idempotency-Key", key, "Cookie", client)
		}
		if a := send(0, ""); a.status != http.StatusUnprocessableEntity {
			t.Fatalf("the failing first run: %v, want 422", a)
		}
		if a := send(1, "fixed"); a.status != 200 || a.replayed {
			t.Fatalf("the corrected request on the other instance: %v, want a run", a)
		}
		if a := send(0, "fixed"); a.status != 200 || !a.replayed {
			t.Fatalf("the corrected request again: %v, want a replay", a)
		}
		if n := cl.runs.Load(); n != 2 {
			t.Fatalf("%d runs, want 2 (the failed one and the corrected one)", n)
		}
	})

	t.Run("a run that outlives its lease runs once", func(t *testing.T) {
		const lease = 300 * time.Millisecond
		cl := newCluster(t, open(t), clusterConfig{lease: lease, wait: 10 * lease, slow: 3 * lease})
		client := newClientCookie()
		key := "slow-" + newClientID()
		cl.race(t, 0, 2, func(i int) *answer {
			time.Sleep(time.Duration(i) * lease / 3) // the second arrives while the first runs
			return cl.post(i, `{"title":"slow"}`, "Content-Type", "application/json", "Accept", "application/json",
				"Idempotency-Key", key, "Cookie", client)
		})
		if n := cl.runs.Load(); n != 1 {
			t.Fatalf("%d runs of a key whose run outlived its lease, want 1", n)
		}
	})

	t.Run("an instance that dies after claiming", func(t *testing.T) {
		const lease = 300 * time.Millisecond
		cl := newCluster(t, open(t), clusterConfig{lease: lease, wait: lease})
		client := newClientCookie()
		key := "crash-" + newClientID()
		send := func(node int) *answer {
			return cl.post(node, `{"title":"block"}`, "Content-Type", "application/json", "Accept", "application/json",
				"Idempotency-Key", key, "Cookie", client)
		}
		first := make(chan *answer, 1)
		go func() { first <- send(0) }()
		select {
		case <-cl.started:
		case <-time.After(10 * time.Second):
			t.Fatal("the first run never started")
		}
		// While the first instance lives (and renews its lease), a retry
		// waits for it, boundedly.
		if a := send(1); a.status != http.StatusConflict || a.header.Get("Retry-After") == "" {
			t.Fatalf("a retry while the first run is in progress: %v, want 409 with Retry-After", a)
		}
		// The first instance dies: it renews nothing and stores nothing
		// from now on, and its lease runs out.
		cl.nodes[0].faults.dead.Store(true)
		time.Sleep(3 * lease)
		for range 3 {
			a := send(1)
			if a.status != http.StatusConflict || !strings.Contains(a.body, "at most once, also across crashes") || a.replayed {
				t.Fatalf("a retry after the instance died: %v, want 409 saying it runs at most once", a)
			}
		}
		close(cl.unblock) // the dead instance's function returns; its answer is lost
		<-first
		if a := send(1); a.status != http.StatusConflict {
			t.Fatalf("a retry after the dead run returned: %v, want 409", a)
		}
		if n := cl.runs.Load(); n != 1 {
			t.Fatalf("%d runs of a key whose instance died, want 1", n)
		}
	})

	t.Run("stored answers only for their owner", func(t *testing.T) {
		cl := newCluster(t, open(t), clusterConfig{})
		jsonPost := func(node int, client, key, title string) *answer {
			return cl.post(node, `{"title":"`+title+`"}`, "Content-Type", "application/json", "Accept", "application/json",
				"Idempotency-Key", key, "Cookie", client)
		}
		alice, key := newClientCookie(), "shared-"+newClientID()
		first := jsonPost(0, alice, key, "alice's")
		if first.status != 200 || first.replayed {
			t.Fatalf("alice's first request: %v", first)
		}
		fresh := jsonPost(1, newClientCookie(), "fresh-"+newClientID(), "alice's")
		for _, tt := range []struct{ name, title string }{{"same body", "alice's"}, {"other body", "bob's"}} {
			other := jsonPost(1, newClientCookie(), key, tt.title)
			if other.status != 200 || other.replayed || other.body == first.body {
				t.Errorf("another client, alice's key, %s: %v; want a run of its own", tt.name, other)
			}
			sameShape(t, "another client, alice's key, "+tt.name, other, fresh)
		}
		if again := jsonPost(1, alice, key, "alice's"); !again.replayed || again.body != first.body {
			t.Errorf("alice again, on the other instance: %v, want her answer replayed", again)
		}

		// A form token copied from alice's page.
		token, aliceForm := cl.formPage(t, 0, "")
		form := func(token string) string {
			return fiberfn.OnceField + "=" + url.QueryEscape(token) + "&title=mine"
		}
		mine := cl.post(0, form(token), "Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json", "Cookie", aliceForm)
		if mine.status != 200 || mine.replayed {
			t.Fatalf("alice's form post: %v", mine)
		}
		freshToken, bobForm := cl.formPage(t, 1, "")
		freshAnswer := cl.post(1, form(freshToken), "Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json", "Cookie", bobForm)
		copied := cl.post(1, form(token), "Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json", "Cookie", newClientCookie())
		if copied.status != 200 || copied.replayed || copied.body == mine.body {
			t.Errorf("alice's form token from another client: %v; want a run of its own", copied)
		}
		sameShape(t, "alice's form token from another client", copied, freshAnswer)
		// Without any client identity: refused, whether or not the token
		// was used.
		usedNoClient := cl.post(1, form(token), "Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json")
		freshNoClient := cl.post(1, form(cl.token(t, 1)), "Content-Type", "application/x-www-form-urlencoded", "Accept", "application/json")
		if usedNoClient.status != http.StatusBadRequest || usedNoClient.body != freshNoClient.body {
			t.Errorf("alice's token without a client cookie: %v; a fresh token without one: %v; want the same 400", usedNoClient, freshNoClient)
		}
		sameShape(t, "alice's form token without a client cookie", usedNoClient, freshNoClient)
	})

	t.Run("64 keys at once are claimed in parallel", func(t *testing.T) {
		const keys = 64
		cl := newCluster(t, open(t), clusterConfig{latency: 2 * time.Millisecond})
		client := newClientCookie()
		sendAll := func(prefix string) {
			var wg sync.WaitGroup
			for i := range keys {
				wg.Add(1)
				go func() {
					defer wg.Done()
					a := cl.post(0, `{"title":"parallel"}`, "Content-Type", "application/json", "Accept", "application/json",
						"Idempotency-Key", fmt.Sprint(prefix, i), "Cookie", client)
					if a.status != 200 || a.replayed {
						t.Errorf("key %d: %v", i, a)
					}
				}()
			}
			wg.Wait()
		}
		// Every Claim waits in the store until all 64 are there: with a
		// lock held across the store's I/O, they never would be.
		cl.nodes[0].faults.barrier.Store(newBarrier(keys))
		sendAll("barrier-" + newClientID() + "-")
		if got := cl.nodes[0].faults.barrier.Load().peak(); got != keys {
			t.Fatalf("at most %d of %d claims were in the store at once, want all", got, keys)
		}
		cl.nodes[0].faults.barrier.Store(nil)
		start := time.Now()
		sendAll("timed-" + newClientID() + "-")
		t.Logf("64 keys with 2 ms per store call: %v (one request: a claim and an answer, 2 round trips)", time.Since(start).Round(100*time.Microsecond))
	})
}

// clusterConfig tunes the instances of a test.
type clusterConfig struct {
	lease, wait time.Duration // Config.OnceLease, Config.OnceWait
	slow        time.Duration // how long a run titled "slow" takes
	latency     time.Duration // added to every store call
}

// cluster is two instances sharing a store.
type cluster struct {
	nodes   []*node
	runs    atomic.Int64
	started chan struct{} // a run titled "block" started
	unblock chan struct{} // closed: runs titled "block" return
	hc      *http.Client
}

type node struct {
	url    string
	faults *faultStore
	reg    *fiberfn.Registry
}

var sharedKey = []byte("oncetest: the instances' shared signing key")

// addInput and addOutput are the once-only function's.
type addInput struct {
	Title string `form:"title" json:"title"`
}

type addOutput struct {
	Title string `json:"title"`
	Run   int64  `json:"run"`
}

func newCluster(t *testing.T, store fiberfn.OnceStore, cc clusterConfig) *cluster {
	t.Helper()
	cl := &cluster{
		started: make(chan struct{}, 1),
		unblock: make(chan struct{}),
		hc:      &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	}
	t.Cleanup(func() {
		select {
		case <-cl.unblock:
		default:
			close(cl.unblock)
		}
		cl.hc.CloseIdleConnections()
	})
	if cc.wait == 0 {
		cc.wait = 10 * time.Second
	}
	for range 2 {
		reg := fiberfn.NewRegistry()
		fiberfn.RegisterOn(reg, "add", func(c *fiber.Ctx, in addInput) (addOutput, error) {
			n := cl.runs.Add(1)
			switch in.Title {
			case "":
				return addOutput{}, fiberfn.FieldErrors{"title": "Title is required."}
			case "block":
				cl.started <- struct{}{}
				<-cl.unblock
			case "slow":
				time.Sleep(cc.slow)
			default:
				time.Sleep(time.Millisecond) // so that both instances overlap
			}
			return addOutput{Title: in.Title, Run: n}, nil
		}, fiberfn.OnceOnly())
		faults := &faultStore{OnceStore: store, latency: cc.latency}
		app := fiber.New(fiber.Config{DisableStartupMessage: true})
		fiberfn.Mount(app, fiberfn.Config{
			Registry:  reg,
			Keys:      [][]byte{sharedKey},
			OnceStore: faults,
			OnceLease: cc.lease,
			OnceWait:  cc.wait,
			Logger:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		})
		fnOnce := fiberfn.FuncMap(reg)["fnOnce"].(func(string) (template.HTML, error))
		app.Get("/form", func(c *fiber.Ctx) error {
			input, err := fnOnce("add")
			if err != nil {
				return err
			}
			c.Type("html", "utf-8")
			return c.SendString(`<form method="post" action="/api/add">` + string(input) + `<input name="title"></form>`)
		})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		go func() { _ = app.Listener(ln) }()
		t.Cleanup(func() { _ = app.ShutdownWithTimeout(5 * time.Second) })
		cl.nodes = append(cl.nodes, &node{url: "http://" + ln.Addr().String(), faults: faults, reg: reg})
	}
	return cl
}

// answer is one HTTP answer.
type answer struct {
	status   int
	header   http.Header
	body     string
	replayed bool
	err      error
}

func (a *answer) String() string {
	if a.err != nil {
		return a.err.Error()
	}
	return fmt.Sprintf("%d %q (replayed %v)", a.status, a.body, a.replayed)
}

// post sends a POST of body to the function on node n.
func (cl *cluster) post(n int, body string, kv ...string) *answer {
	return cl.do(http.MethodPost, cl.nodes[n].url+"/api/add", body, kv...)
}

func (cl *cluster) do(method, u, body string, kv ...string) *answer {
	r, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		return &answer{err: err}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Set(kv[i], kv[i+1])
	}
	resp, err := cl.hc.Do(r)
	if err != nil {
		return &answer{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return &answer{status: resp.StatusCode, header: resp.Header, body: string(b), replayed: resp.Header.Get(fiberfn.ReplayedHeader) == "true", err: err}
}

var tokenRE = regexp.MustCompile(`name="` + fiberfn.OnceField + `" value="([^"]+)"`)

// formPage gets the form page of node n with the client cookie client
// ("": none) and returns its token and the client cookie to post with.
func (cl *cluster) formPage(t *testing.T, n int, client string) (token, cookie string) {
	t.Helper()
	var kv []string
	if client != "" {
		kv = []string{"Cookie", client}
	}
	a := cl.do(http.MethodGet, cl.nodes[n].url+"/form", "", kv...)
	m := tokenRE.FindStringSubmatch(a.body)
	if a.err != nil || a.status != 200 || m == nil {
		t.Fatalf("form page: %v", a)
	}
	cookie = client
	for _, sc := range (&http.Response{Header: a.header}).Cookies() {
		if strings.HasSuffix(sc.Name, "fiberfn_client") {
			cookie = sc.Name + "=" + sc.Value
		}
	}
	if cookie == "" {
		t.Fatalf("the form page gave a client without one no client cookie: %v", a.header)
	}
	return m[1], cookie
}

// token returns a fresh token of node n's form.
func (cl *cluster) token(t *testing.T, n int) string {
	tok, _ := cl.formPage(t, n, newClientCookie())
	return tok
}

// race sends n requests at the same moment and checks that every answer
// is a 200 and the same answer, exactly one of them not replayed.
func (cl *cluster) race(t *testing.T, round, n int, send func(i int) *answer) {
	t.Helper()
	answers := make([]*answer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			answers[i] = send(i)
		}()
	}
	close(start)
	wg.Wait()
	fresh := 0
	for i, a := range answers {
		if a.err != nil || a.status != 200 {
			t.Fatalf("round %d, request %d: %v", round, i, a)
		}
		if !a.replayed {
			fresh++
		}
		if a.body != answers[0].body {
			t.Fatalf("round %d: answers %v and %v differ", round, answers[0], a)
		}
		var out addOutput
		if err := json.Unmarshal([]byte(a.body), &out); err != nil || out.Run == 0 {
			t.Fatalf("round %d: answer %v is not the function's", round, a)
		}
	}
	if fresh != 1 {
		t.Fatalf("round %d: %d answers were first answers, want 1 (the rest replays): %v", round, fresh, answers)
	}
}

// sameShape fails unless got looks like want to its client: the same
// status, the same header names (besides Date) and no replay mark.
func sameShape(t *testing.T, what string, got, want *answer) {
	t.Helper()
	names := func(a *answer) string {
		var n []string
		for k := range a.header {
			if k != "Date" && k != "Content-Length" {
				n = append(n, k)
			}
		}
		return fmt.Sprint(sortStrings(n))
	}
	if got.status != want.status || names(got) != names(want) || got.replayed {
		t.Errorf("%s: %d %s, replayed %v; a fresh key gets %d %s", what, got.status, names(got), got.replayed, want.status, names(want))
	}
}

func sortStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// newClientID returns a fresh client cookie value; newClientCookie the
// Cookie header of a fresh client.
func newClientID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func newClientCookie() string { return "fiberfn_client=" + newClientID() }

// errDead is what the store calls of a dead instance return.
var errDead = errors.New("oncetest: this instance is dead")

// faultStore is the store as one instance sees it: with latency added to
// every call, a barrier that holds claims until a number of them are in
// the store at once, or dead (every call fails, as for a process that was
// killed: it renews no lease and stores no answer).
type faultStore struct {
	fiberfn.OnceStore
	latency time.Duration
	dead    atomic.Bool
	barrier atomic.Pointer[barrier]
}

func (f *faultStore) enter() error {
	if f.dead.Load() {
		return errDead
	}
	if f.latency > 0 {
		time.Sleep(f.latency)
	}
	return nil
}

func (f *faultStore) Claim(ctx context.Context, key, runID string, lease, ttl time.Duration) (fiberfn.ClaimResult, error) {
	if err := f.enter(); err != nil {
		return fiberfn.ClaimResult{}, err
	}
	if b := f.barrier.Load(); b != nil {
		b.arrive()
		defer b.leave()
	}
	return f.OnceStore.Claim(ctx, key, runID, lease, ttl)
}

func (f *faultStore) Renew(ctx context.Context, key, runID string, lease time.Duration) (bool, error) {
	if err := f.enter(); err != nil {
		return false, err
	}
	return f.OnceStore.Renew(ctx, key, runID, lease)
}

func (f *faultStore) Finish(ctx context.Context, key, runID string, answer []byte, ttl time.Duration) (bool, error) {
	if err := f.enter(); err != nil {
		return false, err
	}
	return f.OnceStore.Finish(ctx, key, runID, answer, ttl)
}

func (f *faultStore) Release(ctx context.Context, key, runID string) error {
	if err := f.enter(); err != nil {
		return err
	}
	return f.OnceStore.Release(ctx, key, runID)
}

// barrier holds each arrival until n are in at once (or 10 s pass), and
// records the most that were.
type barrier struct {
	mu      sync.Mutex
	n, in   int
	maxIn   int
	release chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, release: make(chan struct{})} }

func (b *barrier) arrive() {
	b.mu.Lock()
	b.in++
	b.maxIn = max(b.maxIn, b.in)
	if b.in == b.n {
		close(b.release)
	}
	b.mu.Unlock()
	select {
	case <-b.release:
	case <-time.After(10 * time.Second):
	}
}

func (b *barrier) leave() {
	b.mu.Lock()
	b.in--
	b.mu.Unlock()
}

func (b *barrier) peak() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.maxIn
}
