package tests

// Tests of the demo as a user runs it: the built binary, started from a
// directory that is not the repository, stopped with a signal.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// buildDemo builds the demo binary into a temporary directory.
func buildDemo(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "demo")
	cmd := exec.Command(goBin, "build", "-o", bin, "./demo")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./demo: %v\n%s", err, out)
	}
	return bin
}

// demoProcess is a running demo binary.
type demoProcess struct {
	t    *testing.T
	cmd  *exec.Cmd
	base string // the URL it printed

	mu     sync.Mutex
	stdout bytes.Buffer
	stderr bytes.Buffer
	exited chan error
}

var listeningLine = regexp.MustCompile(`listening on (http://\S+)`)

// startDemoBinary runs bin with args in dir, with PORT set to port (""
// lets the flags decide), and waits for the line that says where it
// listens.
func startDemoBinary(t *testing.T, bin, dir, port string, args ...string) *demoProcess {
	t.Helper()
	return startDemoBinaryEnv(t, bin, dir, []string{"PORT=" + port}, args...)
}

// startDemoBinaryEnv is startDemoBinary with env added to the test's
// environment.
func startDemoBinaryEnv(t *testing.T, bin, dir string, env []string, args ...string) *demoProcess {
	t.Helper()
	p := &demoProcess{t: t, cmd: exec.Command(bin, args...), exited: make(chan error, 1)}
	p.cmd.Dir = dir
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stderr = &lockedWriter{mu: &p.mu, w: &p.stderr}
	out, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			_ = p.cmd.Process.Kill()
			<-p.exited
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			p.mu.Lock()
			p.stdout.WriteString(line + "\n")
			p.mu.Unlock()
			if m := listeningLine.FindStringSubmatch(line); m != nil {
				urls <- m[1]
			}
		}
		p.exited <- p.cmd.Wait()
	}()
	select {
	case p.base = <-urls:
	case err := <-p.exited:
		t.Fatalf("demo exited before listening (%v); stderr:\n%s", err, p.output(true))
	case <-time.After(30 * time.Second):
		t.Fatalf("demo did not print where it listens; stdout:\n%s", p.output(false))
	}
	return p
}

func (p *demoProcess) output(stderr bool) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if stderr {
		return p.stderr.String()
	}
	return p.stdout.String()
}

// wait waits for the process to exit and fails the test unless it exits
// with status 0.
func (p *demoProcess) wait() {
	p.t.Helper()
	select {
	case err := <-p.exited:
		if err != nil {
			p.t.Fatalf("demo exited with %v; stderr:\n%s", err, p.output(true))
		}
	case <-time.After(20 * time.Second):
		p.t.Fatalf("demo did not exit after the signal")
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func TestDemoBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo binary; skipped with -short")
	}
	bin := buildDemo(t)

	t.Run("help describes every flag", func(t *testing.T) {
		out, err := exec.Command(bin, "-h").CombinedOutput()
		if err != nil {
			t.Fatalf("demo -h: %v\n%s", err, out)
		}
		for _, want := range []string{"-addr", "PORT", "-db", "data/demo.db", "-dev", "-htmx", "-secret", "comma-separated", "-redis", "-redis-prefix", "fiberfn_demo:",
			"-drain", "-shutdown-timeout", "-write-limit", "300/1m0s", "-task-quota", "2000", "-instance", "X-Instance", "-once-lease", "10s"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("demo -h does not mention %q:\n%s", want, out)
			}
		}
	})

	t.Run("a bad flag is an error", func(t *testing.T) {
		out, err := exec.Command(bin, "-nope").CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 || !strings.Contains(string(out), "nope") {
			t.Fatalf("demo -nope: %v\n%s", err, out)
		}
	})

	t.Run("PORT sets the port", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		ln.Close()
		p := startDemoBinary(t, bin, t.TempDir(), port, "-db", filepath.Join(t.TempDir(), "p.db"))
		if !strings.HasSuffix(p.base, ":"+port) {
			t.Fatalf("PORT=%s, but the demo listens on %s", port, p.base)
		}
		resp, err := http.Get("http://127.0.0.1:" + port + "/login")
		if err != nil {
			t.Fatalf("nothing listens on PORT=%s: %v", port, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /login on PORT %s: %d", port, resp.StatusCode)
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		p.wait()
	})

	t.Run("runs anywhere, finishes in-flight requests on SIGTERM, keeps data and sessions", func(t *testing.T) {
		work := t.TempDir() // not the repository: templates and static files are embedded
		db := filepath.Join(work, "nested", "dir", "demo.db")
		p := startDemoBinary(t, bin, work, "", "-addr", "127.0.0.1:0", "-db", db)
		if !strings.Contains(p.output(false), db) {
			t.Errorf("the start line does not name the database:\n%s", p.output(false))
		}

		c := newPlainClient(t, p.base)
		css := c.get("/public/css/app.css")
		if css.Status != http.StatusOK || !strings.Contains(css.Header.Get("Content-Type"), "text/css") {
			t.Fatalf("GET /public/css/app.css from another directory: %d %s", css.Status, css.Header.Get("Content-Type"))
		}
		c.signup("binary_user", "correct horse")
		c.expectLanded(c.post("/api/add_task", url.Values{"title": {"written before the signal"}}), "/")

		// A request still being sent when SIGTERM arrives is finished,
		// answered and stored.
		conn, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		body := url.Values{"title": {"in flight during shutdown"}}.Encode()
		u, _ := url.Parse(p.base)
		var cookies []string
		for _, ck := range c.hc.Jar.Cookies(u) {
			cookies = append(cookies, ck.Name+"="+ck.Value)
		}
		head := fmt.Sprintf("POST /api/add_task HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\nIdempotency-Key: in-flight-1\r\nContent-Length: %d\r\nCookie: %s\r\nOrigin: %s\r\nReferer: %s/\r\n\r\n",
			u.Host, len(body), strings.Join(cookies, "; "), p.base, p.base)
		half := len(body) / 2
		if _, err := conn.Write([]byte(head + body[:half])); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // the server has read the headers
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		select {
		case err := <-p.exited:
			t.Fatalf("the demo exited (%v) with a request in flight", err)
		default:
		}
		if _, err := conn.Write([]byte(body[half:])); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("the in-flight request got no answer: %v", err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Fatalf("the in-flight request got %d, want 302", resp.StatusCode)
		}
		p.wait()
		if !strings.Contains(p.output(false), "shutting down") {
			t.Errorf("no shutdown message:\n%s", p.output(false))
		}
		if _, err := net.DialTimeout("tcp", u.Host, time.Second); err == nil {
			t.Errorf("something still listens on %s after the exit", u.Host)
		}

		// Started again on the same file: the same session cookie still
		// works and both tasks are there.
		p2 := startDemoBinary(t, bin, work, "", "-addr", "127.0.0.1:0", "-db", db)
		page := c.withBase(p2.base).get("/")
		if page.Status != http.StatusOK || page.URL.Path != "/" {
			t.Fatalf("after restart: %d at %s", page.Status, page.URL)
		}
		mustContain(t, "tasks after restart", page.Body, "binary_user", "written before the signal", "in flight during shutdown")
		if err := p2.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		p2.wait()
	})
}
