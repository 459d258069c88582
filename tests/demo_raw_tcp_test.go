package tests

// Issue 17 items 8 and 9, over raw TCP (Go's client would refuse to send
// most of these): answers that fasthttp and Fiber write below the app
// (malformed requests) carry the same security headers as every other
// answer, and requests whose framing is ambiguous (two Content-Length
// headers, Content-Length with Transfer-Encoding, ...) are refused with
// 400 and a closed connection, so nothing smuggled in their body runs.

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
)

// rawAnswer is one answer read off a raw connection.
type rawAnswer struct {
	Status int
	Header http.Header
	Body   string
	// Close is whether the answer said "Connection: close" (Go's reader
	// takes that header out of Header).
	Close bool
}

// rawExchange writes raw on a new connection to the server at base and
// reads answers until the server closes the connection (closed) or sends
// nothing more for a while.
func rawExchange(t testing.TB, base, raw string) (answers []rawAnswer, closed bool) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatalf("write: %v", err)
	}
	br := bufio.NewReader(c)
	for {
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			var ne net.Error
			return answers, !(errors.As(err, &ne) && ne.Timeout())
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		answers = append(answers, rawAnswer{Status: resp.StatusCode, Header: resp.Header, Body: string(b), Close: resp.Close})
	}
}

// securityHeaderNames are the headers every answer of the demo carries
// (helmet's and no-store), compared with those of an ordinary answer.
var securityHeaderNames = []string{
	"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
	"Referrer-Policy", "Cross-Origin-Opener-Policy", "Cross-Origin-Embedder-Policy",
	"Cross-Origin-Resource-Policy", "Permissions-Policy", "X-Xss-Protection",
	"X-Dns-Prefetch-Control", "X-Download-Options", "X-Permitted-Cross-Domain-Policies",
	"Origin-Agent-Cluster", "Cache-Control",
}

// referenceHeaders returns the security headers of an ordinary answer of
// d (its 404 page), checking that each is there.
func referenceHeaders(t testing.TB, d *demoServer) http.Header {
	t.Helper()
	answers, _ := rawExchange(t, d.URL, "GET /no-such-page HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
	if len(answers) != 1 || answers[0].Status != http.StatusNotFound {
		t.Fatalf("reference answer: %+v", answers)
	}
	ref := http.Header{}
	for _, name := range securityHeaderNames {
		v := answers[0].Header.Get(name)
		if v == "" {
			t.Fatalf("the ordinary answer has no %s", name)
		}
		ref.Set(name, v)
	}
	if ref.Get("Content-Security-Policy") != app.ContentSecurityPolicy || ref.Get("Cache-Control") != "no-store" {
		t.Fatalf("reference headers %v", ref)
	}
	return ref
}

// checkSecurityHeaders reports every security header of got that differs
// from ref.
func checkSecurityHeaders(t testing.TB, what string, got, ref http.Header) {
	t.Helper()
	for _, name := range securityHeaderNames {
		if g := got.Get(name); g != ref.Get(name) {
			t.Errorf("%s: %s = %q, want %q", what, name, g, ref.Get(name))
		}
	}
}

// belowTheApp are requests that fasthttp or Fiber refuse before any
// middleware runs, with the status each gets.
var belowTheApp = []struct {
	name, raw string
	status    int
}{
	{"no method, no path", "GARBAGE\r\n\r\n", 400},
	{"unknown method (Fiber's own answer)", "BREW / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400},
	{"headers over the read buffer", "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 5000) + "\r\n\r\n", 431},
	{"bad chunk size", "POST /api/add_task HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n", 400},
	{"chunk size and data disagree", "POST /api/add_task HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab\r\n0\r\n\r\n", 400},
	{"space in a header name", "GET / HTTP/1.1\r\nHost: x\r\nBad Name: x\r\n\r\n", 400},
	{"space before the colon", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 0\r\n\r\n", 400},
	{"Content-Length not a number", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 400},
	{"Content-Length as a list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", 400},
	{"Content-Length over the body limit", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: " + strconv.Itoa(app.BodyLimit+1) + "\r\n\r\n", 413},
	{"HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400},
}

// TestDemoBelowTheAppHeaders: every answer that fasthttp or Fiber write
// without running the app's middleware carries the same
// Content-Security-Policy, nosniff, no-store and the other headers as an
// ordinary answer (issue 17 item 8).
func TestDemoBelowTheAppHeaders(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	ref := referenceHeaders(t, d)
	for _, tc := range belowTheApp {
		answers, closed := rawExchange(t, d.URL, tc.raw)
		if len(answers) != 1 || answers[0].Status != tc.status {
			t.Errorf("%s: answers %+v, want one %d", tc.name, answers, tc.status)
			continue
		}
		if !closed {
			t.Errorf("%s: the connection stayed open", tc.name)
		}
		if ct := answers[0].Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("%s: Content-Type %q", tc.name, ct)
		}
		checkSecurityHeaders(t, tc.name, answers[0].Header, ref)
	}
	t.Run("HSTS from a trusted proxy", func(t *testing.T) {
		d := startDemo(t, app.Options{TrustedProxies: []string{"127.0.0.1"}})
		answers, _ := rawExchange(t, d.URL, "BREW / HTTP/1.1\r\nHost: x\r\nX-Forwarded-Proto: HTTPS\r\n\r\n")
		if len(answers) != 1 || answers[0].Header.Get("Strict-Transport-Security") != app.HSTS {
			t.Fatalf("answers %+v, want HSTS", answers)
		}
	})
}

// ambiguousFraming are requests whose length a front proxy and fasthttp
// may read differently: header lines, where {n} stands for the length of
// the body.
var ambiguousFraming = []struct {
	name, headers string
	status        int
}{
	{"two different Content-Length", "Content-Length: {n}\r\nContent-Length: 0\r\n", 400},
	{"two equal Content-Length", "Content-Length: {n}\r\nContent-Length: {n}\r\n", 400},
	{"Content-Length, then Transfer-Encoding", "Content-Length: {n}\r\nTransfer-Encoding: chunked\r\n", 400},
	{"Transfer-Encoding, then Content-Length", "Transfer-Encoding: chunked\r\nContent-Length: {n}\r\n", 400},
	{"Transfer-Encoding: identity and Content-Length", "Transfer-Encoding: identity\r\nContent-Length: {n}\r\n", 400},
	{"Transfer-Encoding: xchunked", "Transfer-Encoding: xchunked\r\n", 400},
	{"Transfer-Encoding: chunked, gzip", "Transfer-Encoding: chunked, gzip\r\n", 400},
	{"Transfer-Encoding twice", "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", 400},
	{"Transfer-Encoding: gzip, chunked", "Transfer-Encoding: gzip, chunked\r\n", 501},
	{"two Host", "Host: other.example\r\nContent-Length: {n}\r\n", 400},
	{"folded Content-Length", "Content-Length: {n}\r\n 0\r\n", 400},
	{"NUL in a header", "X-Note: a\x00b\r\nContent-Length: {n}\r\n", 400},
	{"bare CR in a header", "X-Note: a\rb\r\nContent-Length: {n}\r\n", 400},
}

// framedPost is a same-origin form post of body to path with the session
// cookie and the header lines ({n} replaced by the length of body; a
// chunked post is sent as one chunk).
func framedPost(d *demoServer, path, cookie, headers, body string) string {
	host := strings.TrimPrefix(d.URL, "http://")
	if strings.Contains(strings.ToLower(headers), "chunked") {
		body = strconv.FormatInt(int64(len(body)), 16) + "\r\n" + body + "\r\n0\r\n\r\n"
	}
	headers = strings.ReplaceAll(headers, "{n}", strconv.Itoa(len(body)))
	return "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nOrigin: " + d.URL +
		"\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nCookie: " +
		app.SessionCookie + "=" + cookie + "\r\n" + headers + "\r\n" + body
}

// TestDemoRequestFraming: each ambiguous request is refused with 400 (501
// for an unknown transfer coding), the connection is closed after the
// answer, the answer has the security headers, and nothing was changed:
// neither by the request nor by one smuggled after it (issue 17 item 9).
func TestDemoRequestFraming(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	ref := referenceHeaders(t, d)
	alice := newPlainClient(t, d.URL)
	alice.signup("alice", "alice-password")
	alice.get("/")
	alice.post("/api/add_task", url.Values{"title": {"original"}})
	cookie := alice.cookie(app.SessionCookie)
	if cookie == "" || d.taskCount("alice") != 1 {
		t.Fatal("no session or no task")
	}
	id := strconv.FormatInt(d.tasks("alice")[0].ID, 10)
	title := func() string { return d.tasks("alice")[0].Title }
	smuggled := framedPost(d, "/api/rename_task", cookie, "Content-Length: {n}\r\n", "id="+id+"&title=smuggled")
	for _, tc := range ambiguousFraming {
		raw := framedPost(d, "/api/rename_task", cookie, tc.headers, "id="+id+"&title=framed")
		answers, closed := rawExchange(t, d.URL, raw+smuggled)
		if len(answers) != 1 || answers[0].Status != tc.status || !closed {
			var got []string
			for _, a := range answers {
				got = append(got, strconv.Itoa(a.Status)+" "+strings.TrimSpace(a.Body))
			}
			t.Errorf("%s: answers %q, connection closed %v; want one %d and a closed connection", tc.name, got, closed, tc.status)
			continue
		}
		if !answers[0].Close {
			t.Errorf("%s: the answer does not say Connection: close", tc.name)
		}
		checkSecurityHeaders(t, tc.name, answers[0].Header, ref)
	}
	if got := title(); got != "original" {
		t.Errorf("the task was renamed to %q by a refused or smuggled request", got)
	}
	t.Run("unambiguous requests still work", func(t *testing.T) {
		for i, headers := range []string{"Content-Length: {n}\r\n", "Transfer-Encoding: chunked\r\n", "Transfer-Encoding: Chunked\r\n"} {
			want := "renamed " + strconv.Itoa(i)
			answers, _ := rawExchange(t, d.URL, framedPost(d, "/api/rename_task", cookie, headers, "id="+id+"&title="+url.QueryEscape(want)))
			if len(answers) != 1 || answers[0].Status != http.StatusFound {
				t.Errorf("%q: answers %+v, want one 302", headers, answers)
			}
			if got := title(); got != want {
				t.Errorf("%q: title %q, want %q", headers, got, want)
			}
		}
	})
}
