// Package demobench benchmarks the demo's requests in process, through
// Fiber's handler and without a network, for quick before/after numbers
// and CPU profiles of a change to the demo or its templates:
//
//	go test -run '^$' -bench . -benchmem ./bench/demobench/
//	go test -run '^$' -bench Page -cpuprofile cpu.out ./bench/demobench/ && go tool pprof -top -cum cpu.out
//
// Besides ns/op it reports cpu-ns/op, the process's CPU time per request,
// which a busy machine disturbs much less than the wall clock.
//
// The user has 100 tasks, as in the over-the-wire rows of cmd/benchrun.
// It uses the demo only through its HTTP surface and app.New/Store, so it
// keeps working while the demo's views change.
package demobench

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/valyala/fasthttp"
	"golang.org/x/crypto/bcrypt"
)

const (
	tasks    = 100
	password = "bench-password-1"
)

// demo is an app with one logged-in user who has tasks tasks.
type demo struct {
	app     *app.App
	handler fasthttp.RequestHandler
	cookie  string
	uid     int64
	seeded  int64 // the largest seeded task id
}

func newDemo(tb testing.TB) *demo {
	tb.Helper()
	a, err := app.New(app.Options{
		DBPath:     filepath.Join(tb.TempDir(), "bench.db"),
		BcryptCost: bcrypt.MinCost,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { a.Close() })
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		tb.Fatal(err)
	}
	u, err := a.Store.CreateUser("bench-user", hash)
	if err != nil {
		tb.Fatal(err)
	}
	d := &demo{app: a, handler: a.Fiber.Handler(), uid: u.ID}
	for i := 1; i <= tasks; i++ {
		t, err := a.Store.AddTask(u.ID, fmt.Sprintf("Buy milk and call Ann (%d)", i))
		if err != nil {
			tb.Fatal(err)
		}
		d.seeded = t.ID
	}
	form := url.Values{"username": {"bench-user"}, "password": {password}}.Encode()
	ctx := d.request(http.MethodPost, "/api/login", form, false)
	if ctx.Response.StatusCode() != http.StatusFound {
		tb.Fatalf("login: status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
	}
	ctx.Response.Header.VisitAllCookie(func(key, value []byte) {
		if string(key) == app.SessionCookie {
			var c fasthttp.Cookie
			if c.ParseBytes(value) == nil {
				d.cookie = string(c.Value())
			}
		}
	})
	if d.cookie == "" {
		tb.Fatal("login set no session cookie")
	}
	return d
}

// request runs one request through the app's handler.
func (d *demo) request(method, path, body string, htmx bool) *fasthttp.RequestCtx {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod(method)
	ctx.Request.SetRequestURI(path)
	ctx.Request.Header.SetHost("127.0.0.1")
	ctx.Request.Header.Set("Sec-Fetch-Site", "same-origin")
	if d.cookie != "" {
		ctx.Request.Header.SetCookie(app.SessionCookie, d.cookie)
	}
	if body != "" {
		ctx.Request.Header.SetContentType("application/x-www-form-urlencoded")
		ctx.Request.SetBodyString(body)
	}
	if htmx {
		ctx.Request.Header.Set("HX-Request", "true")
	}
	if method == http.MethodPost {
		// add_task is once-only: each request is a new submission.
		ctx.Request.Header.Set("Idempotency-Key", "bench-"+strconv.FormatInt(requestSeq.Add(1), 10))
	}
	d.handler(&ctx)
	return &ctx
}

// requestSeq numbers the requests' Idempotency-Keys.
var requestSeq atomic.Int64

// trim deletes the tasks added since seeding, so that every iteration
// works on a list of about tasks items.
func (d *demo) trim(tb testing.TB) {
	ts, err := d.app.Store.Tasks(d.uid, app.FilterAll)
	if err != nil {
		tb.Fatal(err)
	}
	for _, t := range ts {
		if t.ID > d.seeded {
			if err := d.app.Store.DeleteTask(d.uid, t.ID); err != nil {
				tb.Fatal(err)
			}
		}
	}
}

func (d *demo) run(b *testing.B, method, path, body string, htmx bool, status int, want string) {
	ctx := d.request(method, path, body, htmx)
	if ctx.Response.StatusCode() != status || !strings.Contains(string(ctx.Response.Body()), want) {
		b.Fatalf("%s %s: status %d, want %d with %q: %.300s", method, path, ctx.Response.StatusCode(), status, want, ctx.Response.Body())
	}
	size := len(ctx.Response.Body())
	d.trim(b)
	b.ReportAllocs()
	b.ResetTimer()
	var cpu time.Duration // the process's CPU time in the timed parts
	start := cpuTime()
	n := 0
	for ; b.Loop(); n++ {
		d.request(method, path, body, htmx)
		if method == http.MethodPost && n%20 == 19 {
			b.StopTimer()
			cpu += cpuTime() - start
			d.trim(b)
			start = cpuTime()
			b.StartTimer()
		}
	}
	cpu += cpuTime() - start
	b.ReportMetric(float64(size), "B/answer")
	// CPU per request (all of the process's threads, GC included) hardly
	// depends on what else the machine runs, unlike ns/op.
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(n), "cpu-ns/op")
}

// cpuTime is the user + system CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPage is GET / for a user with 100 tasks: the full page with
// its layout.
func BenchmarkPage(b *testing.B) {
	newDemo(b).run(b, http.MethodGet, "/", "", false, http.StatusOK, `id="task-list"`)
}

// BenchmarkAddTaskHTMX is an htmx add: the write and the fragment.
func BenchmarkAddTaskHTMX(b *testing.B) {
	newDemo(b).run(b, http.MethodPost, "/api/add_task", "title=Benchmark+task&filter=", true, http.StatusOK, "Benchmark task")
}

// BenchmarkAddTaskPlain is a plain (no-JavaScript) add: the write and a
// redirect.
func BenchmarkAddTaskPlain(b *testing.B) {
	newDemo(b).run(b, http.MethodPost, "/api/add_task", "title=Benchmark+task&filter=", false, http.StatusFound, "")
}

// BenchmarkPageParallel is GET / from several goroutines at once (4 per
// GOMAXPROCS): with -cpu 2 its ns/op shows whether page renders can use
// both cores (html/v2 holds a write lock for the whole render of a page
// with a layout).
func BenchmarkPageParallel(b *testing.B) {
	d := newDemo(b)
	ctx := d.request(http.MethodGet, "/", "", false)
	if ctx.Response.StatusCode() != http.StatusOK {
		b.Fatalf("GET /: status %d", ctx.Response.StatusCode())
	}
	b.ReportAllocs()
	b.SetParallelism(4)
	b.ResetTimer()
	start := cpuTime()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			d.request(http.MethodGet, "/", "", false)
		}
	})
	b.ReportMetric(float64((cpuTime()-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}
