package tests

// Key rotation (issue 15): the demo signs with the first of its secrets
// and verifies with all of them, so a new secret put in front of the old
// one keeps every cookie and form token signed before the change valid.

import (
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

var onceTokenField = regexp.MustCompile(`name="_fiberfn_once" value="([^"]+)"`)

// signedByOld logs in through base (an instance whose signing secret is
// old) and returns the client, whose jar then holds the notice cookie
// signed with it, and two once-only tokens of the add form signed with it.
func signedByOld(t *testing.T, base string) (c *webClient, tokens []string) {
	t.Helper()
	c = newPlainClient(t, base)
	c.signup("rotator", "rotator-password")
	for range 2 {
		m := onceTokenField.FindStringSubmatch(c.get("/").Body)
		if m == nil {
			t.Fatal("no once-only token in the add form")
		}
		tokens = append(tokens, m[1])
	}
	// A fresh notice cookie, not yet shown: log in without following
	// the redirect.
	r := rawPost(t, base, "/api/login", url.Values{"username": {"rotator"}, "password": {"rotator-password"}})
	u, _ := url.Parse(base)
	var cookies []*http.Cookie
	for _, line := range r.Header.Values("Set-Cookie") {
		if ck, err := http.ParseSetCookie(line); err == nil {
			cookies = append(cookies, ck)
		}
	}
	c.hc.Jar.SetCookies(u, cookies)
	if c.cookie("fiberfn_notice") == "" {
		t.Fatalf("no notice cookie after a login: %q", r.Header.Values("Set-Cookie"))
	}
	return c, tokens
}

// TestDemoSecretRotation: an instance started with the secrets new,old
// accepts the notice cookie that an instance with the secret old signed,
// and signs its own with new. (The once-only form tokens are checked by
// TestDemoBinarySecretList, in separate processes: fiberfn's default
// registry accepts the tokens of every plugin a process has started.)
func TestDemoSecretRotation(t *testing.T) {
	t.Parallel()
	old := []byte("the old secret of the operator")
	newer := []byte("the new secret of the operator")
	db := filepath.Join(t.TempDir(), "demo.db")

	before := startDemo(t, app.Options{DBPath: db, Secret: old})
	c, _ := signedByOld(t, before.URL)
	second := rawPost(t, before.URL, "/api/login", url.Values{"username": {"rotator"}, "password": {"rotator-password"}})
	before.Stop()

	after := startDemo(t, app.Options{DBPath: db, Secret: newer, RetiredSecrets: [][]byte{old}})
	c = c.withBase(after.URL)
	mustContain(t, "the page after the rotation", c.get("/").Body, "You are logged in.")
	if len(after.App.Keys) != 2 {
		t.Errorf("%d keys, want 2 (new signs, old verifies)", len(after.App.Keys))
	}
	// What the rotated instance signs, new alone verifies.
	fresh := rawPost(t, after.URL, "/api/login", url.Values{"username": {"rotator"}, "password": {"rotator-password"}})
	after.Stop()

	only := startDemo(t, app.Options{DBPath: db, Secret: newer})
	show := func(r result) string {
		req, _ := http.NewRequest(http.MethodGet, only.URL+"/", nil)
		for _, line := range r.Header.Values("Set-Cookie") {
			if ck, err := http.ParseSetCookie(line); err == nil {
				req.AddCookie(ck)
			}
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	mustContain(t, "a notice signed by the rotated instance, on an instance with new only", show(fresh), "You are logged in.")
	// Without old, a cookie signed with it is refused: the check above
	// did depend on the retired secret.
	mustNotContain(t, "a notice signed with old, on an instance with new only", show(second), "You are logged in.")
}

// TestDemoBinarySecretList: the built binary takes -secret new,old and
// $FIBERFN_DEMO_SECRET the same way.
func TestDemoBinarySecretList(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo binary; skipped with -short")
	}
	bin := buildDemo(t)
	work := t.TempDir()
	db := filepath.Join(work, "demo.db")
	const old, newer = "old-secret-of-16+bytes", "new-secret-of-16+bytes"

	p := startDemoBinary(t, bin, work, "", "-addr", "127.0.0.1:0", "-db", db, "-secret", old)
	c, tokens := signedByOld(t, p.base)
	stop := func(p *demoProcess) {
		if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		p.wait()
	}
	stop(p)

	p = startDemoBinary(t, bin, work, "", "-addr", "127.0.0.1:0", "-db", db, "-secret", newer+","+old)
	c = c.withBase(p.base)
	mustContain(t, "the page after -secret new,old", c.get("/").Body, "You are logged in.")
	if r := c.post("/api/add_task", url.Values{"title": {"flag rotation"}, "_fiberfn_once": {tokens[0]}}); !slices.Contains(taskTitles(r.Body), "flag rotation") {
		t.Errorf("-secret new,old: a token signed with old: %d\n%s", r.Status, r.Body)
	}
	stop(p)

	// The environment variable takes the same list.
	t.Setenv("FIBERFN_DEMO_SECRET", newer+","+old)
	p = startDemoBinary(t, bin, work, "", "-addr", "127.0.0.1:0", "-db", db)
	if !strings.Contains(p.output(false), "$FIBERFN_DEMO_SECRET") || !strings.Contains(p.output(false), "2 keys") {
		t.Errorf("the start-up line does not say where the 2 keys come from:\n%s", p.output(false))
	}
	c = c.withBase(p.base)
	if r := c.post("/api/add_task", url.Values{"title": {"env rotation"}, "_fiberfn_once": {tokens[1]}}); !slices.Contains(taskTitles(r.Body), "env rotation") {
		t.Errorf("$FIBERFN_DEMO_SECRET new,old: a token signed with old: %d\n%s", r.Status, r.Body)
	}
	stop(p)
}
