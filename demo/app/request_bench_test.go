package app_test

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
	"github.com/valyala/fasthttp"
	"golang.org/x/crypto/bcrypt"
)

// BenchmarkRequests runs GET / (100 tasks) and an htmx add through the
// demo's handler in-process, one request at a time, rotating over the
// sessions of 500 users as the over-the-wire benchmark does (so the
// per-user write limit is never reached): the CPU of a request without
// the network, which the shared VM's load moves less than wrk's numbers.
// It uses only the API the demo had before issue 15, so the same file
// measures the code before and after.
//
//	go test -run '^$' -bench Requests -benchtime 3000x -count 6 ./demo/app/
func BenchmarkRequests(b *testing.B) {
	a, err := app.New(app.Options{DBPath: filepath.Join(b.TempDir(), "bench.db"), BcryptCost: bcrypt.MinCost, Throttle: app.Throttle{AddressAttempts: 1 << 20},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	h := a.Fiber.Handler()
	hash, _ := bcrypt.GenerateFromPassword([]byte("bench-password"), bcrypt.MinCost)
	const users = 500
	cookies := make([]string, users)
	for i := range users {
		name := fmt.Sprintf("bench-%03d", i)
		u, err := a.Store.CreateUser(name, hash)
		if err != nil {
			b.Fatal(err)
		}
		for j := range 100 {
			if _, err := a.Store.AddTask(u.ID, "seeded task "+strconv.Itoa(j)); err != nil {
				b.Fatal(err)
			}
		}
		var ctx fasthttp.RequestCtx
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI("/api/login")
		ctx.Request.Header.SetContentType("application/x-www-form-urlencoded")
		ctx.Request.Header.Set("X-Forwarded-For", "10.0.0."+strconv.Itoa(i%250))
		ctx.Request.SetBodyString("username=" + name + "&password=bench-password")
		h(&ctx)
		ctx.Response.Header.VisitAllCookie(func(k, v []byte) {
			if string(k) == app.SessionCookie {
				cookies[i] = app.SessionCookie + "=" + strings.SplitN(strings.SplitN(string(v), ";", 2)[0], "=", 2)[1]
			}
		})
		if cookies[i] == "" {
			b.Fatalf("login of %s: %d", name, ctx.Response.StatusCode())
		}
	}
	b.Run("GET /", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for i := range b.N {
			var ctx fasthttp.RequestCtx
			ctx.Request.SetRequestURI("/")
			ctx.Request.Header.Set("Cookie", cookies[i%users])
			h(&ctx)
			if ctx.Response.StatusCode() != 200 || !strings.Contains(string(ctx.Response.Body()), `id="task-list"`) {
				b.Fatalf("GET /: %d", ctx.Response.StatusCode())
			}
		}
	})
	b.Run("htmx add", func(b *testing.B) {
		b.ReportAllocs()
		defer reportCPU(b)()
		for i := range b.N {
			var ctx fasthttp.RequestCtx
			ctx.Request.Header.SetMethod("POST")
			ctx.Request.SetRequestURI("/api/add_task")
			ctx.Request.Header.SetContentType("application/x-www-form-urlencoded")
			ctx.Request.Header.Set("Cookie", cookies[i%users])
			ctx.Request.Header.Set("HX-Request", "true")
			ctx.Request.Header.Set("Sec-Fetch-Site", "same-origin")
			ctx.Request.Header.Set("Idempotency-Key", "bench-"+strconv.Itoa(i)+"-"+strconv.Itoa(b.N))
			ctx.Request.SetBodyString("title=Benchmark+task&filter=")
			h(&ctx)
			if ctx.Response.StatusCode() != 200 {
				b.Fatalf("add: %d %s", ctx.Response.StatusCode(), ctx.Response.Body())
			}
		}
	})
}

// reportCPU reports the process's CPU time (user and system: the Go code,
// SQLite, the garbage collector) per operation, which the load of a
// shared machine moves less than the wall time: call the function it
// returns when the loop ends.
func reportCPU(b *testing.B) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e3, "cpu-µs/op")
	}
}

// cpuTime is the process's user and system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
