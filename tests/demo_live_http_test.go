package tests

// The demo's live stream (GET /live, issue 18) over HTTP: it refuses
// anonymous and cross-origin requests, serves only the user's own topic
// whatever the request asks for, caps the streams of one user, and ends
// them when the user logs out.

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
)

// liveStream is an open GET /live: its data lines arrive on data, and
// ended is closed when the server ends the stream.
type liveStream struct {
	resp  *http.Response
	data  chan string
	ended chan struct{}
}

// openLive opens GET path (LivePath and a query) with c's cookies and
// header ("Key", "Value" pairs; an empty value removes the header). A
// stream that is not 200 is returned with its body closed.
func openLive(c *webClient, path string, header ...string) *liveStream {
	c.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c.t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatalf("GET %s: %v", path, err)
	}
	s := &liveStream{resp: resp, data: make(chan string, 64), ended: make(chan struct{})}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		close(s.ended)
		return s
	}
	c.t.Cleanup(func() { resp.Body.Close() })
	go func() {
		defer close(s.ended)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				s.data <- d
			}
		}
	}()
	return s
}

// next returns the stream's next data line.
func (s *liveStream) next(t *testing.T) string {
	t.Helper()
	select {
	case d := <-s.data:
		return d
	case <-time.After(liveTimeout):
		t.Fatalf("no event within %v", liveTimeout)
		return ""
	}
}

// TestDemoLiveRefusals: GET /live without a session is 401; from another
// site (Sec-Fetch-Site, or a foreign Origin) it is 403.
func TestDemoLiveRefusals(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	anon := newPlainClient(t, d.URL)
	if s := openLive(anon, app.LivePath); s.resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous: %d, want 401", s.resp.StatusCode)
	}
	c := newPlainClient(t, d.URL)
	c.signup("streamer", secretPassword)
	for _, tc := range []struct {
		name   string
		header []string
	}{
		{"cross-site", []string{"Sec-Fetch-Site", "cross-site"}},
		{"same-site", []string{"Sec-Fetch-Site", "same-site"}},
		{"foreign origin", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", ""}},
	} {
		if s := openLive(c, app.LivePath, tc.header...); s.resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", tc.name, s.resp.StatusCode)
		}
	}
	if s := openLive(c, app.LivePath); s.resp.StatusCode != http.StatusOK || !strings.HasPrefix(s.resp.Header.Get("Content-Type"), "text/event-stream") {
		t.Errorf("the user's own stream: %d %q", s.resp.StatusCode, s.resp.Header.Get("Content-Type"))
	}
}

// TestDemoLiveOwnTopicOnly: a stream that asks for another user's topic
// (?topic=user:ID:tasks) still gets only its own user's changes.
func TestDemoLiveOwnTopicOnly(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	alice, bob := newHTMXClient(t, d.URL), newHTMXClient(t, d.URL)
	alice.signup("alice", secretPassword)
	bob.signup("bob", secretPassword)
	s := openLive(bob, fmt.Sprintf("%s?topic=user:%d:tasks", app.LivePath, d.userID("alice")))
	if s.resp.StatusCode != http.StatusOK {
		t.Fatalf("bob's stream: %d", s.resp.StatusCode)
	}
	alice.post("/api/add_task", url.Values{"title": {"Alice's secret"}})
	bob.post("/api/add_task", url.Values{"title": {"Bob's task"}})
	id := d.tasks("bob")[0].ID
	bob.post("/api/toggle_task", url.Values{"id": {fmt.Sprint(id)}, "done": {"true"}})
	got := []string{s.next(t), s.next(t)}
	want := []string{`<span data-change="add" data-tab=""></span>`, `<span data-change="toggle" data-tab=""></span>`}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("bob's stream got %q, want only his own changes %q", got, want)
	}
}

// TestDemoLiveLimitAndLogout: one user may hold app.MaxLiveStreams
// streams on an instance; one more is 429 with Retry-After. Logging out
// ends them all.
func TestDemoLiveLimitAndLogout(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newPlainClient(t, d.URL)
	c.signup("greedy", secretPassword)
	var streams []*liveStream
	for i := range app.MaxLiveStreams {
		s := openLive(c, app.LivePath)
		if s.resp.StatusCode != http.StatusOK {
			t.Fatalf("stream %d: %d", i+1, s.resp.StatusCode)
		}
		streams = append(streams, s)
	}
	over := openLive(c, app.LivePath)
	if over.resp.StatusCode != http.StatusTooManyRequests || over.resp.Header.Get("Retry-After") == "" {
		t.Errorf("stream %d: %d (Retry-After %q), want 429 with Retry-After", app.MaxLiveStreams+1, over.resp.StatusCode, over.resp.Header.Get("Retry-After"))
	}
	// Another user is not affected.
	other := newPlainClient(t, d.URL)
	other.signup("modest", secretPassword)
	if s := openLive(other, app.LivePath); s.resp.StatusCode != http.StatusOK {
		t.Errorf("another user's stream: %d", s.resp.StatusCode)
	}
	c.post("/api/logout", nil)
	for i, s := range streams {
		select {
		case <-s.ended:
		case <-time.After(liveTimeout):
			t.Fatalf("stream %d still open %v after logout", i+1, liveTimeout)
		}
	}
	if s := openLive(c, app.LivePath); s.resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a stream after logout: %d, want 401", s.resp.StatusCode)
	}
}

// TestDemoBinaryLiveSIGTERM: on SIGTERM the demo binary ends its live
// streams cleanly (each gets a retry field and ends, so the client
// reconnects elsewhere) and exits, instead of waiting for them.
func TestDemoBinaryLiveSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo binary; skipped with -short")
	}
	t.Parallel()
	bin := buildDemo(t)
	work := t.TempDir()
	p := startDemoBinary(t, bin, work, "", "-addr", "127.0.0.1:0", "-db", filepath.Join(work, "demo.db"), "-drain", "0s", "-shutdown-timeout", "30s")
	c := newPlainClient(t, p.base)
	c.signup("leaver", secretPassword)
	s := openLive(c, app.LivePath)
	if s.resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", s.resp.StatusCode)
	}
	signalled := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.ended:
	case <-time.After(30 * time.Second):
		t.Fatal("the stream did not end after SIGTERM")
	}
	p.wait()
	t.Logf("after SIGTERM: the stream ended and the process exited in %v", time.Since(signalled).Round(time.Millisecond))
}

// TestDemoLivePasswordChange: a password change ends the user's streams
// (the other sessions' pages stop updating; their reconnects are refused).
func TestDemoLivePasswordChange(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c, other := newPlainClient(t, d.URL), newPlainClient(t, d.URL)
	c.signup("changer", secretPassword)
	other.login("changer", secretPassword, false)
	s := openLive(other, app.LivePath)
	if s.resp.StatusCode != http.StatusOK {
		t.Fatalf("stream: %d", s.resp.StatusCode)
	}
	const newPassword = "An0ther-Secret-Passw0rd"
	c.get("/settings")
	c.post("/api/change_password", url.Values{"current_password": {secretPassword}, "new_password": {newPassword}, "confirm_password": {newPassword}})
	select {
	case <-s.ended:
	case <-time.After(liveTimeout):
		t.Fatal("the other session's stream is still open after the password change")
	}
	if s := openLive(other, app.LivePath); s.resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the other session's reconnect: %d, want 401", s.resp.StatusCode)
	}
	if s := openLive(c, app.LivePath); s.resp.StatusCode != http.StatusOK {
		t.Errorf("the changing session's reconnect: %d, want 200", s.resp.StatusCode)
	}
}
