package strict

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

func TestCheckHTTP10(t *testing.T) {
	if status, _ := check([]byte("Transfer-Encoding: chunked\r\n\r\n"), false); status != 400 {
		t.Errorf("HTTP/1.0 with Transfer-Encoding: %d, want 400", status)
	}
	if status, _ := check([]byte("Content-Length: 3\r\n\r\n"), false); status != 0 {
		t.Errorf("HTTP/1.0 with Content-Length: %d, want 0", status)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		raw    string
		status int
	}{
		{"no body", "Host: a\r\n\r\n", 0},
		{"one Content-Length", "Host: a\r\nContent-Length: 5\r\n\r\n", 0},
		{"chunked", "Host: a\r\nTransfer-Encoding: chunked\r\n\r\n", 0},
		{"Chunked, any case and spaces", "Host: a\r\ntransfer-encoding:  CHUNKED \r\n\r\n", 0},
		{"LF line ends", "Host: a\nContent-Length: 5\n\n", 0},
		{"two Content-Length, different", "Host: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400},
		{"two Content-Length, equal", "Host: a\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n", 400},
		{"Content-Length then Transfer-Encoding", "Host: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"Transfer-Encoding then Content-Length", "Host: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400},
		{"Transfer-Encoding: identity with Content-Length", "Host: a\r\nTransfer-Encoding: identity\r\nContent-Length: 5\r\n\r\n", 400},
		{"Transfer-Encoding: identity", "Host: a\r\nTransfer-Encoding: identity\r\n\r\n", 400},
		{"Transfer-Encoding: xchunked", "Host: a\r\nTransfer-Encoding: xchunked\r\n\r\n", 400},
		{"Transfer-Encoding: chunked, gzip", "Host: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
		{"Transfer-Encoding: chunked twice", "Host: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
		{"Transfer-Encoding: empty", "Host: a\r\nTransfer-Encoding: \r\n\r\n", 400},
		{"Transfer-Encoding: gzip, chunked", "Host: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501},
		{"Transfer-Encoding: gzip + chunked on two lines", "Host: a\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n", 501},
		{"two Host", "Host: a\r\nHost: b\r\n\r\n", 400},
		{"NUL", "Host: a\r\nX-A: a\x00b\r\n\r\n", 400},
		{"bare CR", "Host: a\r\nX-A: a\rContent-Length: 5\r\n\r\n", 400},
		{"folded header", "Host: a\r\nX-A: a\r\n b\r\n\r\n", 400},
		{"folded Content-Length", "Host: a\r\nContent-Length: 5\r\n\tContent-Length: 6\r\n\r\n", 400},
		{"empty block", "", 0},
		{"a name starting with ')' or '\x29'", "Host: a\r\n)X: 1\r\n\r\n", 0},
		{"Content-Length-Extra is another header", "Host: a\r\nContent-Length: 1\r\nContent-Length-Extra: 2\r\n\r\n", 0},
		{"CR in the last line", "Host: a\r\nX: \r", 400},
	}
	for _, tt := range tests {
		if status, why := check([]byte(tt.raw), true); status != tt.status || (status != 0) != (why != "") {
			t.Errorf("%s: check = %d %q, want %d", tt.name, status, why, tt.status)
		}
	}
}

// serve runs app on a loopback port and returns its address.
func serve(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return ln.Addr().String()
}

// exchange writes raw on a new connection and reads every answer until
// the server closes it or goes quiet.
func exchange(t *testing.T, addr, raw string) (statuses []int, closed bool) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReader(c)
	for {
		_ = c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			ne, timeout := err.(net.Error)
			return statuses, !(timeout && ne.Timeout())
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
}

// TestSmuggling: behind a front end that takes the first of two
// Content-Length headers, a body can carry a second request that fasthttp
// (which takes the last) runs as the next request on the connection.
// With the middleware the first request is refused and the connection
// closed, so the smuggled request never runs.
func TestSmuggling(t *testing.T) {
	smuggled := "GET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n"
	attacks := map[string]string{
		"two Content-Length":                   "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + itoa(len(smuggled)) + "\r\nContent-Length: 0\r\n\r\n" + smuggled,
		"Content-Length and Transfer-Encoding": "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: " + itoa(len("0\r\n\r\n")+len(smuggled)) + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
		"Transfer-Encoding: xchunked":          "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" + smuggled,
	}
	for _, protected := range []bool{false, true} {
		for name, raw := range attacks {
			var hits atomic.Int32
			app := fiber.New(fiber.Config{DisableStartupMessage: true})
			if protected {
				app.Use(New())
			}
			app.Post("/", func(c *fiber.Ctx) error { return c.SendString("posted") })
			app.Get("/smuggled", func(c *fiber.Ctx) error { hits.Add(1); return c.SendString("smuggled") })
			statuses, closed := exchange(t, serve(t, app), raw)
			switch {
			case protected && (len(statuses) != 1 || statuses[0] != 400 || !closed || hits.Load() != 0):
				t.Errorf("%s, with strict: answers %v, closed %v, smuggled request ran %d times; want one 400 and a closed connection", name, statuses, closed, hits.Load())
			case !protected && hits.Load() != 1:
				t.Errorf("%s, without strict: the smuggled request ran %d times; the test no longer shows the attack", name, hits.Load())
			}
		}
	}
}

// TestLegitimateRequestsPass: ordinary requests, pipelined on one
// connection, all answered.
func TestLegitimateRequestsPass(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(New())
	app.All("/", func(c *fiber.Ctx) error { return c.Send(c.Body()) })
	raw := "GET / HTTP/1.1\r\nHost: a\r\n\r\n" +
		"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc" +
		"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n" +
		"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
	statuses, _ := exchange(t, serve(t, app), raw)
	if len(statuses) != 4 || statuses[0] != 200 || statuses[1] != 200 || statuses[2] != 200 || statuses[3] != 200 {
		t.Fatalf("answers %v, want four 200s", statuses)
	}
}

func TestNextSkips(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(New(Config{Next: func(c *fiber.Ctx) bool { return c.Path() == "/skip" }}))
	app.Post("/*", func(c *fiber.Ctx) error { return c.SendString("ok") })
	addr := serve(t, app)
	dup := "Host: a\r\nContent-Length: 0\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
	if s, _ := exchange(t, addr, "POST /skip HTTP/1.1\r\n"+dup); len(s) != 1 || s[0] != 200 {
		t.Errorf("skipped: %v", s)
	}
	if s, _ := exchange(t, addr, "POST /other HTTP/1.1\r\n"+dup); len(s) != 1 || s[0] != 400 {
		t.Errorf("not skipped: %v", s)
	}
}

// TestInMemoryRequestPasses: a request built in memory has no raw header
// block and is not judged.
func TestInMemoryRequestPasses(t *testing.T) {
	app := fiber.New()
	app.Use(New())
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	var ctx fasthttp.RequestCtx
	ctx.Request.SetRequestURI("/")
	app.Handler()(&ctx)
	if ctx.Response.StatusCode() != 200 {
		t.Fatalf("status %d", ctx.Response.StatusCode())
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// BenchmarkStrict and BenchmarkRawFiber: the middleware's cost on a
// request with ten headers, beside the same app without it.
func BenchmarkStrict(b *testing.B) { benchApp(b, true) }

func BenchmarkRawFiber(b *testing.B) { benchApp(b, false) }

func benchApp(b *testing.B, strict bool) {
	app := fiber.New()
	if strict {
		app.Use(New())
	}
	app.Post("/", func(c *fiber.Ctx) error { return c.SendStatus(204) })
	raw := "POST / HTTP/1.1\r\nHost: example.com\r\nUser-Agent: bench\r\nAccept: text/html\r\nAccept-Language: en\r\nAccept-Encoding: gzip, br\r\nCookie: session=abc\r\nReferer: https://example.com/\r\nOrigin: https://example.com\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\nabc"
	var ctx fasthttp.RequestCtx
	if err := ctx.Request.Read(bufio.NewReader(strings.NewReader(raw))); err != nil {
		b.Fatal(err)
	}
	h := app.Handler()
	h(&ctx)
	if ctx.Response.StatusCode() != 204 || len(ctx.Request.Header.RawHeaders()) == 0 {
		b.Fatalf("status %d", ctx.Response.StatusCode())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ctx.Response.Reset()
		h(&ctx)
	}
}
