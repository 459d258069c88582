// Command livebench measures fiberfn's topics over real connections on
// loopback, with the server in a process of its own so that its memory is
// measured alone:
//
//	go run ./bench/cmd/livebench idle   -n 1000            # RSS per idle subscribed connection
//	go run ./bench/cmd/livebench fanout -n 1000 -events 200 # publish to n subscribers: latency to the last receipt
//	go run ./bench/cmd/livebench redis  -n 100 -instances 2 -events 200 [-redis URL]
//
// With -raw, idle and fanout measure a hand-written SSE fan-out on the
// same Fiber server instead (a channel per connection; no replay, limits
// or heartbeats), for comparison.
//
// LIVEBENCH_CPUPROFILE=file writes the (last) server's CPU profile there.
//
// The redis mode runs the instances on ext/redisstore's broker (keys under
// a fresh prefix, deleted afterwards); n subscribers connect to each, and
// the events are published on the instances in turn. Latency is from the
// server's publish (its clock, in the event's data) to the receipt by the
// last subscriber (the same machine's clock), per event; the tables give
// its p50, p99 and maximum over the events.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/redis/go-redis/v9"

	"github.com/fiberfn/fiberfn/ext/redisstore"
	"github.com/fiberfn/fiberfn/fiberfn"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: livebench serve|idle|fanout|redis [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "idle":
		err = runIdle(os.Args[2:])
	case "fanout":
		err = runFanout(os.Args[2:], false)
	case "redis":
		err = runFanout(os.Args[2:], true)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "livebench:", err)
		os.Exit(1)
	}
}

// serve runs one instance: /live subscribes to ?topic=, /publish
// publishes the server's clock to topic "bench", /stats reports memory.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	redisURL := fs.String("redis", "", "Redis URL (empty: the in-process broker)")
	prefix := fs.String("prefix", "", "Redis key prefix")
	raw := fs.Bool("raw", false, "serve a hand-written SSE fan-out instead of fiberfn's")
	fs.Parse(args)
	cfg := fiberfn.HubConfig{}
	if *redisURL != "" {
		opts, err := redis.ParseURL(*redisURL)
		if err != nil {
			return err
		}
		client := redis.NewClient(opts)
		b := redisstore.NewBroker(client, redisstore.BrokerConfig{Prefix: *prefix})
		defer b.Close()
		cfg.Broker = b
	}
	if path := os.Getenv("LIVEBENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	hub := fiberfn.NewHub(cfg)
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	if *raw {
		rf := &rawFanout{subs: map[chan []byte]struct{}{}}
		app.Get("/live", rf.subscribe)
		app.Post("/publish", func(c *fiber.Ctx) error {
			rf.publish(strconv.FormatInt(time.Now().UnixNano(), 10))
			return nil
		})
	} else {
		app.Get("/live", fiberfn.Subscribe(fiberfn.SubscribeConfig{Hub: hub, Authorize: func(*fiber.Ctx, []string) error { return nil }}))
		app.Post("/publish", func(c *fiber.Ctx) error {
			_, err := hub.Publish(c.UserContext(), "bench", fiberfn.Event{Data: strconv.FormatInt(time.Now().UnixNano(), 10)})
			return err
		})
	}
	app.Get("/stats", func(c *fiber.Ctx) error {
		if c.Query("gc") != "" {
			runtime.GC()
			debug.FreeOSMemory()
		}
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		conns := hub.Connections()
		if *raw {
			conns = rawConnections()
		}
		return c.JSON(stats{Connections: conns, Goroutines: runtime.NumGoroutine(), HeapInuse: m.HeapInuse, StackInuse: m.StackInuse, RSS: rss(os.Getpid())})
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	go func() {
		// The harness closes our stdin when it is done.
		io.Copy(io.Discard, os.Stdin)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hub.Shutdown(ctx)
		app.ShutdownWithTimeout(5 * time.Second)
	}()
	return app.Listener(ln)
}

// rawFanout is the hand-written equivalent of a hub with one topic: a
// buffered channel per connection, a counter for the ids, a non-blocking
// send (a full channel drops the event), the stream goroutine writing and
// flushing each event. No replay, no limits, no heartbeat, no notice of a
// client that leaves until a write fails.
type rawFanout struct {
	mu   sync.Mutex
	seq  uint64
	subs map[chan []byte]struct{}
}

var rawConns sync.Map

func rawConnections() int {
	n := 0
	rawConns.Range(func(any, any) bool { n++; return true })
	return n
}

func (f *rawFanout) subscribe(c *fiber.Ctx) error {
	ch := make(chan []byte, 256)
	f.mu.Lock()
	f.subs[ch] = struct{}{}
	f.mu.Unlock()
	rawConns.Store(ch, nil)
	c.Set("Content-Type", "text/event-stream")
	c.Set("Cache-Control", "no-store")
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer func() {
			f.mu.Lock()
			delete(f.subs, ch)
			f.mu.Unlock()
			rawConns.Delete(ch)
		}()
		w.WriteString("retry: 1000\n\n")
		if w.Flush() != nil {
			return
		}
		for msg := range ch {
			w.Write(msg)
			if w.Flush() != nil {
				return
			}
		}
	})
	return nil
}

func (f *rawFanout) publish(data string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seq++
	msg := []byte("id: " + strconv.FormatUint(f.seq, 10) + "\ndata: " + data + "\n\n")
	for ch := range f.subs {
		select {
		case ch <- msg:
		default:
		}
	}
}

// stats is what /stats answers.
type stats struct {
	Connections int    `json:"connections"`
	Goroutines  int    `json:"goroutines"`
	HeapInuse   uint64 `json:"heap_inuse"`
	StackInuse  uint64 `json:"stack_inuse"`
	RSS         uint64 `json:"rss"`
}

// rss is the resident set of process pid, in bytes.
func rss(pid int) uint64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// server is a running instance.
type server struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addr  string
}

// startServer starts an instance in a process of its own.
func startServer(args ...string) (*server, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, append([]string{"serve"}, args...)...)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("server did not start: %w", err)
	}
	return &server{cmd: cmd, stdin: stdin, addr: strings.TrimSpace(addr)}, nil
}

func (s *server) stop() {
	s.stdin.Close()
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
}

func (s *server) stats(gc bool) (stats, error) {
	u := "http://" + s.addr + "/stats"
	if gc {
		u += "?gc=1"
	}
	resp, err := http.Get(u)
	if err != nil {
		return stats{}, err
	}
	defer resp.Body.Close()
	var st stats
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

func (s *server) publish() error {
	resp, err := http.Post("http://"+s.addr+"/publish", "", nil)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("publish: %s", resp.Status)
	}
	return nil
}

// subscriber is one client connection reading the stream of topic
// "bench"; each event's data is the server's publish time, and onEvent
// gets the delay to its receipt.
type subscriber struct {
	conn net.Conn
}

func subscribe(addr string, onEvent func(sent int64, at time.Time)) (*subscriber, error) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(conn, "GET /live?topic=bench HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n", addr)
	r := bufio.NewReaderSize(conn, 1024)
	status, err := r.ReadString('\n')
	if err != nil || !strings.Contains(status, " 200 ") {
		conn.Close()
		return nil, fmt.Errorf("subscribe: %q %v", status, err)
	}
	go func() {
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			// Chunked encoding: data lines arrive whole within a chunk.
			if rest, ok := strings.CutPrefix(line, "data: "); ok && onEvent != nil {
				if sent, err := strconv.ParseInt(strings.TrimSpace(rest), 10, 64); err == nil {
					onEvent(sent, time.Now())
				}
			}
		}
	}()
	return &subscriber{conn: conn}, nil
}

// waitConnections waits until the instance serves n streams.
func waitConnections(s *server, n int) error {
	deadline := time.Now().Add(60 * time.Second)
	for {
		st, err := s.stats(false)
		if err == nil && st.Connections >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d connections after 60 s", st.Connections, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func runIdle(args []string) error {
	fs := flag.NewFlagSet("idle", flag.ExitOnError)
	n := fs.Int("n", 1000, "connections")
	raw := fs.Bool("raw", false, "measure the hand-written SSE fan-out instead of fiberfn's")
	fs.Parse(args)
	var serverArgs []string
	if *raw {
		serverArgs = append(serverArgs, "-raw")
	}
	srv, err := startServer(serverArgs...)
	if err != nil {
		return err
	}
	defer srv.stop()
	// Warm the server up with a few connections, so that what is measured
	// is the cost per connection, not the first one's.
	var warm []*subscriber
	for i := 0; i < 10; i++ {
		s, err := subscribe(srv.addr, nil)
		if err != nil {
			return err
		}
		warm = append(warm, s)
	}
	if err := waitConnections(srv, 10); err != nil {
		return err
	}
	for _, s := range warm {
		s.conn.Close()
	}
	time.Sleep(500 * time.Millisecond)
	before, err := srv.stats(true)
	if err != nil {
		return err
	}
	subs := make([]*subscriber, 0, *n)
	for i := 0; i < *n; i++ {
		s, err := subscribe(srv.addr, nil)
		if err != nil {
			return err
		}
		subs = append(subs, s)
	}
	if err := waitConnections(srv, *n); err != nil {
		return err
	}
	time.Sleep(2 * time.Second)
	after, err := srv.stats(true)
	if err != nil {
		return err
	}
	for _, s := range subs {
		s.conn.Close()
	}
	per := func(a, b uint64) float64 { return float64(int64(b)-int64(a)) / float64(*n) / 1024 }
	label := "fiberfn"
	if *raw {
		label = "hand-written"
	}
	fmt.Printf("| idle subscribed connections (%s) | %d |\n|---|---:|\n", label, *n)
	fmt.Printf("| server RSS before / after | %.1f MiB / %.1f MiB |\n", float64(before.RSS)/(1<<20), float64(after.RSS)/(1<<20))
	fmt.Printf("| **RSS per connection** | **%.1f KiB** |\n", per(before.RSS, after.RSS))
	fmt.Printf("| Go heap in use per connection | %.1f KiB |\n", per(before.HeapInuse, after.HeapInuse))
	fmt.Printf("| goroutine stacks per connection | %.1f KiB |\n", per(before.StackInuse, after.StackInuse))
	fmt.Printf("| goroutines per connection | %.2f |\n", float64(after.Goroutines-before.Goroutines)/float64(*n))
	return nil
}

func runFanout(args []string, viaRedis bool) error {
	name := "fanout"
	if viaRedis {
		name = "redis"
	}
	fs := flag.NewFlagSet(name, flag.ExitOnError)
	n := fs.Int("n", 1000, "subscribers (per instance)")
	instances := fs.Int("instances", 1, "instances (redis mode)")
	events := fs.Int("events", 200, "events published")
	every := fs.Duration("every", 20*time.Millisecond, "time between events")
	redisURL := fs.String("redis", envOr("FIBERFN_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL (redis mode)")
	raw := fs.Bool("raw", false, "serve the hand-written SSE fan-out instead of fiberfn's (fanout mode)")
	fs.Parse(args)
	if !viaRedis {
		*instances = 1
	}
	var serverArgs []string
	if *raw && !viaRedis {
		serverArgs = append(serverArgs, "-raw")
		name = "raw fanout"
	}
	var cleanup func()
	if viaRedis {
		prefix, clean, err := redisPrefix(*redisURL)
		if err != nil {
			return err
		}
		cleanup = clean
		serverArgs = []string{"-redis", *redisURL, "-prefix", prefix}
	}
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.stop()
		}
		if cleanup != nil {
			cleanup()
		}
	}()
	for i := 0; i < *instances; i++ {
		s, err := startServer(serverArgs...)
		if err != nil {
			return err
		}
		servers = append(servers, s)
	}

	total := *n * *instances
	var mu sync.Mutex
	last := map[int64]time.Time{} // publish time -> latest receipt
	count := map[int64]int{}
	onEvent := func(sent int64, at time.Time) {
		mu.Lock()
		if at.After(last[sent]) {
			last[sent] = at
		}
		count[sent]++
		mu.Unlock()
	}
	var subs []*subscriber
	for _, s := range servers {
		for i := 0; i < *n; i++ {
			sub, err := subscribe(s.addr, onEvent)
			if err != nil {
				return err
			}
			subs = append(subs, sub)
		}
		if err := waitConnections(s, *n); err != nil {
			return err
		}
	}
	defer func() {
		for _, s := range subs {
			s.conn.Close()
		}
	}()
	time.Sleep(500 * time.Millisecond)
	for i := 0; i < *events; i++ {
		if err := servers[i%len(servers)].publish(); err != nil {
			return err
		}
		time.Sleep(*every)
	}
	time.Sleep(2 * time.Second)
	mu.Lock()
	defer mu.Unlock()
	var lat []time.Duration
	incomplete := 0
	for sent, at := range last {
		if count[sent] != total {
			incomplete++
			continue
		}
		lat = append(lat, at.Sub(time.Unix(0, sent)))
	}
	if len(lat) == 0 {
		return errors.New("no event reached every subscriber")
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	fmt.Printf("| %s: %d instance(s) × %d subscribers, %d events every %v | publish → last receipt |\n|---|---:|\n", name, *instances, *n, *events, *every)
	fmt.Printf("| p50 | %v |\n| p99 | %v |\n| max | %v |\n", pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
	fmt.Printf("| events that reached all %d subscribers | %d of %d |\n", total, len(lat), *events)
	if incomplete > 0 {
		return fmt.Errorf("%d events did not reach every subscriber", incomplete)
	}
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// redisPrefix returns a fresh key prefix on the server and a function
// that deletes its keys.
func redisPrefix(url string) (string, func(), error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return "", nil, err
	}
	client := redis.NewClient(opts)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return "", nil, fmt.Errorf("redis: %w", err)
	}
	var b [6]byte
	rand.Read(b[:])
	prefix := "fiberfn_bench_" + hex.EncodeToString(b[:]) + ":"
	return prefix, func() {
		defer client.Close()
		ctx := context.Background()
		iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
	}, nil
}
