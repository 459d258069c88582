package tests

// Health checks and the draining shutdown of the built binary (issue 15):
// /healthz says the process is alive, /readyz that it can serve (its
// database and Redis answer). On SIGTERM /readyz fails first, new requests
// are still served for the drain delay (so a load balancer notices and
// moves on), requests in flight finish, and the process exits within a
// bounded time.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
)

// probe GETs path on a new connection and returns the status, the
// Connection header and the body, or err when nothing answers.
func probe(base, path string) (status int, connection, body string, err error) {
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 5 * time.Second}).Get(base + path)
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	conn := resp.Header.Get("Connection")
	if resp.Close {
		conn = "close"
	}
	return resp.StatusCode, conn, string(b), nil
}

func TestDemoBinaryHealthAndDrain(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo binary; skipped with -short")
	}
	t.Parallel()
	bin := buildDemo(t)
	work := t.TempDir()
	const drain = 2 * time.Second
	p := startDemoBinary(t, bin, work, "", "-addr", "127.0.0.1:0", "-db", filepath.Join(work, "demo.db"), "-drain", drain.String())

	for _, path := range []string{"/healthz", "/readyz"} {
		st, _, body, err := probe(p.base, path)
		if err != nil || st != http.StatusOK || strings.TrimSpace(body) != "ok" {
			t.Fatalf("%s before the signal: %d %q %v", path, st, body, err)
		}
	}

	// A sign-up whose body is still being sent when SIGTERM arrives.
	u, _ := url.Parse(p.base)
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := url.Values{"username": {"drainer"}, "password": {"drainer-password"}, "confirm_password": {"drainer-password"}}.Encode()
	head := fmt.Sprintf("POST /api/signup HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: %d\r\nOrigin: %s\r\nReferer: %s/signup\r\n\r\n",
		u.Host, len(body), p.base, p.base)
	if _, err := conn.Write([]byte(head + body[:10])); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the server has read the headers

	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Watch /readyz, /healthz and a page on new connections until the
	// listener closes.
	var notReady, closed time.Duration
	var servedWhileDraining, closeWhileDraining bool
	for time.Since(signalled) < drain+10*time.Second {
		st, _, _, err := probe(p.base, "/readyz")
		if err != nil {
			closed = time.Since(signalled)
			break
		}
		switch {
		case st == http.StatusServiceUnavailable && notReady == 0:
			notReady = time.Since(signalled)
		case st != http.StatusServiceUnavailable && notReady != 0:
			t.Errorf("/readyz went back to %d after failing", st)
		}
		if notReady != 0 {
			if st, connHdr, page, err := probe(p.base, "/login"); err == nil {
				servedWhileDraining = servedWhileDraining || st == http.StatusOK && strings.Contains(page, "Log in")
				closeWhileDraining = closeWhileDraining || connHdr == "close"
			}
			if st, _, _, err := probe(p.base, "/healthz"); err == nil && st != http.StatusOK {
				t.Errorf("/healthz while draining: %d, want 200 (the process is alive)", st)
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("after SIGTERM: /readyz 503 after %v, listener closed after %v (drain %v)", notReady, closed, drain)
	switch {
	case notReady == 0:
		t.Fatalf("/readyz never failed before the listener closed")
	case closed == 0:
		t.Fatalf("the listener did not close")
	case notReady > 500*time.Millisecond:
		t.Errorf("/readyz failed only %v after SIGTERM; it must fail first", notReady)
	case closed < drain-200*time.Millisecond:
		t.Errorf("the listener closed %v after SIGTERM, before the drain delay of %v", closed, drain)
	}
	if !servedWhileDraining {
		t.Errorf("no page was served while draining")
	}
	if !closeWhileDraining {
		t.Errorf("answers while draining do not say Connection: close")
	}

	// The request in flight is finished and answered after the listener
	// closed.
	if _, err := conn.Write([]byte(body[10:])); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the request in flight got no answer: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/" {
		t.Errorf("the request in flight: %d to %q, want 302 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	p.wait()
	if took := time.Since(signalled); took > drain+10*time.Second {
		t.Errorf("exit %v after SIGTERM", took)
	}
	for _, want := range []string{"draining", "shutting down"} {
		if !strings.Contains(p.output(false), want) {
			t.Errorf("stdout does not say %q:\n%s", want, p.output(false))
		}
	}
}

// TestDemoHealthEndpoints: /healthz and /readyz answer "ok" with no-store
// and the security headers to every kind of caller, logged in or not,
// with cross-site headers, a junk query or a junk session cookie; they
// take no other method (a POST is an ordinary 404).
func TestDemoHealthEndpoints(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("prober", "prober-password")
	junk := []string{"Cookie", app.SessionCookie + "=" + strings.Repeat("x", 500)}
	for _, path := range []string{"/healthz", "/readyz", "/healthz?x=%00%ff&y=" + strings.Repeat("z", 2000), "/readyz?refresh=1"} {
		for _, kind := range callerKinds {
			for _, extra := range [][]string{nil, {"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}, junk} {
				req := methodRequest(t, http.MethodGet, d.URL+path)
				h := append(append([]string{}, kind.header...), extra...)
				for i := 0; i+1 < len(h); i += 2 {
					req.Header.Set(h[i], h[i+1])
				}
				r := c.do(req, false)
				if r.Status != http.StatusOK || strings.TrimSpace(r.Body) != "ok" {
					t.Errorf("%s as %s %v: %d %q", path, kind.name, extra, r.Status, r.Body)
				}
				if r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Content-Security-Policy") != app.ContentSecurityPolicy {
					t.Errorf("%s as %s: headers %v", path, kind.name, r.Header)
				}
			}
		}
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		r := c.do(methodRequest(t, method, d.URL+"/readyz"), false)
		if r.Status != http.StatusNotFound {
			t.Errorf("%s /readyz: %d", method, r.Status)
		}
	}
}
