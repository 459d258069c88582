package tests

// The hardening of issue 9, over real HTTP: throttled account forms,
// passwords over 72 bytes, no-store, the Content-Security-Policy, Secure
// cookies and trusted proxies, the signing key, the bounded WAL.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fiberfn/fiberfn/demo/app"
)

// rawPost posts form to path with the headers of a same-origin browser
// form post plus header pairs, and does not follow redirects.
func rawPost(t testing.TB, base, path string, form url.Values, header ...string) result {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Referer", base+"/login")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	defer hc.CloseIdleConnections()
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return result{Status: resp.StatusCode, Header: resp.Header, Body: b.String(), URL: req.URL}
}

// TestDemoThrottleLogin hammers one account with wrong passwords, as each
// kind of caller: after AccountFailures failures the account answers 429
// with Retry-After and a message in the form (htmx), on the page (no JS)
// or in JSON, the right password included, and no bcrypt runs for it;
// other accounts keep logging in.
func TestDemoThrottleLogin(t *testing.T) {
	t.Parallel()
	const failures = 3
	callers := []struct {
		name string
		// attempt makes one login and returns its status and what the
		// user sees of the answer.
		attempt func(t *testing.T, base, user, password string) (int, http.Header, string)
	}{
		{"htmx", func(t *testing.T, base, user, password string) (int, http.Header, string) {
			c := newHTMXClient(t, base)
			c.get("/login")
			r := c.post("/api/login", url.Values{"username": {user}, "password": {password}})
			return r.Status, r.Header, r.Body
		}},
		{"no-js", func(t *testing.T, base, user, password string) (int, http.Header, string) {
			c := newPlainClient(t, base)
			c.get("/login")
			r := c.post("/api/login", url.Values{"username": {user}, "password": {password}})
			status := r.Status
			if r.Redirect != nil && r.URL.Path == "/login" { // sent back to the form
				status = r.Redirect.StatusCode
			}
			return status, r.Header, r.Body
		}},
		{"json", func(t *testing.T, base, user, password string) (int, http.Header, string) {
			c := newPlainClient(t, base)
			body, _ := json.Marshal(map[string]string{"username": user, "password": password})
			r := c.postBody("/api/login", "application/json", string(body), "Accept", "application/json")
			return r.Status, r.Header, r.Body
		}},
	}
	for _, caller := range callers {
		t.Run(caller.name, func(t *testing.T) {
			t.Parallel()
			d := startDemo(t, app.Options{Throttle: app.Throttle{AccountFailures: failures, AddressAttempts: 1000}})
			newPlainClient(t, d.URL).signup("victim", "victim-password")
			newPlainClient(t, d.URL).signup("bystander", "bystander-password")

			wantFail := http.StatusUnauthorized
			if caller.name == "no-js" {
				wantFail = http.StatusFound
			}
			for i := range failures {
				if st, _, body := caller.attempt(t, d.URL, "victim", "wrong-password"); st != wantFail || !strings.Contains(body, "Invalid username or password.") {
					t.Fatalf("wrong password %d: %d\n%s", i+1, st, body)
				}
			}
			checks := d.App.PasswordChecks()
			for _, pw := range []string{"wrong-password", "victim-password"} {
				st, h, body := caller.attempt(t, d.URL, "victim", pw)
				switch caller.name {
				case "no-js": // back on the login page, which shows the message
					if st != http.StatusFound || !regexpMatch(`role="alert">Too many attempts\. Please wait \d+ minutes? and try again\.</div>`, body) {
						t.Errorf("throttled %q: %d\n%s", pw, st, body)
					}
				case "htmx": // the form, re-rendered with the message in its error slot
					mustContain(t, "throttled htmx answer", body, `id="login-form"`, `<div class="fiberfn-errors" id="login-error" role="alert">Too many attempts. Please wait `, `value="victim"`)
				case "json":
					mustContain(t, "throttled JSON answer", body, `{"error":"Too many attempts. Please wait `)
				}
				if caller.name != "no-js" {
					if st != http.StatusTooManyRequests {
						t.Errorf("throttled %q: status %d, want 429", pw, st)
					}
					// The window slides (app.Limit): at most the rest of
					// this window and the whole next one.
					if ra, err := strconv.Atoi(h.Get("Retry-After")); err != nil || ra < 1 || ra > 2*15*60 {
						t.Errorf("throttled %q: Retry-After %q", pw, h.Get("Retry-After"))
					}
				}
			}
			if n := d.App.PasswordChecks() - checks; n != 0 {
				t.Errorf("throttled attempts ran bcrypt %d times, want 0", n)
			}
			// Everyone else logs in as before.
			newPlainClient(t, d.URL).login("bystander", "bystander-password", false)
			if st, _, body := caller.attempt(t, d.URL, "bystander", "wrong-password"); st != wantFail {
				t.Errorf("bystander's wrong password: %d\n%s", st, body)
			}
		})
	}
}

// TestDemoThrottleCountsFailuresOnly logs in successfully more often than
// the failure limit: successes do not count.
func TestDemoThrottleCountsFailuresOnly(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{Throttle: app.Throttle{AccountFailures: 2, AddressAttempts: 1000}})
	newPlainClient(t, d.URL).signup("often", "often-password")
	for range 5 {
		newHTMXClient(t, d.URL).login("often", "often-password", false)
		newPlainClient(t, d.URL).login("often", "often-password", false)
	}
	c := newHTMXClient(t, d.URL)
	c.get("/login")
	if r := c.post("/api/login", url.Values{"username": {"often"}, "password": {"nope-nope"}}); r.Status != http.StatusUnauthorized {
		t.Errorf("first failure after 10 logins: %d", r.Status)
	}
}

// TestDemoThrottlePasswordChange throttles wrong current passwords on
// /settings per account.
func TestDemoThrottlePasswordChange(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{Throttle: app.Throttle{AccountFailures: 2, AddressAttempts: 1000}})
	c := newHTMXClient(t, d.URL)
	c.signup("changer", "changer-password")
	c.get("/settings")
	try := func(current string) result {
		return c.post("/api/change_password", url.Values{"current_password": {current}, "new_password": {"brand-new-password"}, "confirm_password": {"brand-new-password"}})
	}
	for range 2 {
		if r := try("not-my-password"); r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("wrong current password: %d\n%s", r.Status, r.Body)
		}
	}
	r := try("changer-password")
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("third attempt: %d, Retry-After %q", r.Status, r.Header.Get("Retry-After"))
	}
	mustContain(t, "throttled password form", r.Body, `id="password-form"`, "Too many attempts.")
	newPlainClient(t, d.URL).login("changer", "changer-password", false) // unchanged
}

// TestDemoThrottleAddress limits attempts per client address, across a
// restart (the counts are in SQLite), and believes X-Forwarded-For only
// from a trusted proxy.
func TestDemoThrottleAddress(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	opts := app.Options{DBPath: db, Throttle: app.Throttle{AddressAttempts: 3}}
	signup := func(base, name string, header ...string) int {
		return rawPost(t, base, "/api/signup", url.Values{"username": {name}, "password": {"password-" + name}, "confirm_password": {"password-" + name}},
			append([]string{"HX-Request", "true"}, header...)...).Status
	}
	d := startDemo(t, opts)
	for i := range 3 {
		if st := signup(d.URL, "user"+strconv.Itoa(i)); st != http.StatusOK {
			t.Fatalf("sign-up %d: %d", i, st)
		}
	}
	// Without trusted proxies, X-Forwarded-For is the client's own claim.
	if st := signup(d.URL, "user3", "X-Forwarded-For", "203.0.113.7"); st != http.StatusTooManyRequests {
		t.Fatalf("fourth sign-up from the same address: %d, want 429", st)
	}
	d.Stop()

	d2 := startDemo(t, opts)
	if st := signup(d2.URL, "user4"); st != http.StatusTooManyRequests {
		t.Errorf("after a restart: %d, want 429 (the counts are kept)", st)
	}
	if n := d2.userCount(); n != 3 {
		t.Errorf("%d users, want 3", n)
	}
	d2.Stop()

	// Behind a trusted proxy each forwarded client has its own count.
	opts.TrustedProxies = []string{"127.0.0.0/8"}
	d3 := startDemo(t, opts)
	if st := signup(d3.URL, "user5", "X-Forwarded-For", "203.0.113.7"); st != http.StatusOK {
		t.Errorf("another client behind the proxy: %d, want 200", st)
	}
	// A header without a valid address is not a fresh key each time: it
	// counts as the proxy's own address, whose attempts are used up.
	if st := signup(d3.URL, "user6", "X-Forwarded-For", "garbage-1234"); st != http.StatusTooManyRequests {
		t.Errorf("X-Forwarded-For without an address: %d, want 429", st)
	}
}

// TestDemoLongPasswordAtLogin: a 72-byte password works; the same plus
// anything is refused at login (bcrypt would have ignored the rest), and
// the forms say "bytes".
func TestDemoLongPasswordAtLogin(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	pw72 := strings.Repeat("é", 36) // 72 bytes, 36 characters
	newPlainClient(t, d.URL).signup("longpw", pw72)
	newPlainClient(t, d.URL).login("longpw", pw72, false)
	for _, tc := range []struct{ name, suffix string }{{"one more byte", "x"}, {"a long suffix", strings.Repeat("z", 100)}} {
		h := newHTMXClient(t, d.URL)
		h.get("/login")
		r := h.post("/api/login", url.Values{"username": {"longpw"}, "password": {pw72 + tc.suffix}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "A password has at most 72 bytes") {
			t.Errorf("%s: %d\n%s", tc.name, r.Status, r.Body)
		}
		if h.cookie(app.SessionCookie) != "" {
			t.Errorf("%s: logged in", tc.name)
		}
	}
	mustContain(t, "sign-up page", newPlainClient(t, d.URL).get("/signup").Body, "8 to 72 bytes")
}

// TestDemoNoStore: every page and fragment that depends on the session is
// no-store; static files may be cached.
func TestDemoNoStore(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	c := newHTMXClient(t, d.URL)
	c.signup("private", "private-password")
	add := c.post("/api/add_task", url.Values{"title": {"secret plan"}})
	id := taskIDs(add.Body)[0]
	tests := []struct {
		name string
		r    result
		want string
	}{
		{"GET /", c.get("/"), "no-store"},
		{"GET /?filter=open", c.get("/?filter=open"), "no-store"},
		{"GET /settings", c.get("/settings"), "no-store"},
		{"GET /login", c.get("/login"), "no-store"},
		{"GET /signup", c.get("/signup"), "no-store"},
		{"GET /missing (404)", c.get("/missing"), "no-store"},
		{"add_task fragment", add, "no-store"},
		{"toggle_task fragment", c.post("/api/toggle_task", url.Values{"id": {id}, "done": {"true"}}), "no-store"},
		{"rename_task fragment", c.post("/api/rename_task", url.Values{"id": {id}, "title": {"still secret"}}), "no-store"},
		{"error fragment", c.post("/api/add_task", url.Values{"title": {""}}), "no-store"},
		{"delete_task fragment", c.post("/api/delete_task", url.Values{"id": {id}}), "no-store"},
		{"GET /api/add_task (405)", c.get("/api/add_task"), "no-store"},
		{"static CSS", c.get("/public/css/app.css"), "public, max-age=3600"},
	}
	for _, tc := range tests {
		if got := tc.r.Header.Get("Cache-Control"); got != tc.want {
			t.Errorf("%s: Cache-Control %q, want %q", tc.name, got, tc.want)
		}
	}
}

var (
	scriptTag  = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script>`)
	inlineBits = regexp.MustCompile(`(?i)<style\b|\sstyle=|\son[a-z]+\s*=|javascript:`)
)

// inlineCode returns what a strict CSP would block in a page, or "":
// script elements without src or with a body, style elements, style and
// event-handler attributes, javascript: URLs.
func inlineCode(page string) string {
	for _, m := range scriptTag.FindAllStringSubmatch(page, -1) {
		if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
			return m[0]
		}
	}
	return inlineBits.FindString(page)
}

// TestDemoCSP: every page and fragment carries the strict policy, and no
// page needs an exception to it.
func TestDemoCSP(t *testing.T) {
	t.Parallel()
	for _, bad := range []string{"unsafe-", "*", "http:", "https:"} {
		if strings.Contains(app.ContentSecurityPolicy, bad) {
			t.Errorf("the policy allows %q: %s", bad, app.ContentSecurityPolicy)
		}
	}
	for _, need := range []string{"default-src 'none'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'", "object-src 'none'"} {
		if !strings.Contains(app.ContentSecurityPolicy, need) {
			t.Errorf("the policy lacks %q", need)
		}
	}
	for _, htmx := range []string{"4.0.1", "2.0.11"} {
		d := startDemo(t, app.Options{HTMXVersion: htmx})
		c := newHTMXClient(t, d.URL)
		anon := newPlainClient(t, d.URL)
		pages := map[string]result{"/login": anon.get("/login"), "/signup": anon.get("/signup"), "/ (anonymous)": anon.get("/"), "/missing": anon.get("/missing")}
		c.signup("csp", "csp-password")
		pages["/"] = c.get("/")
		pages["/settings"] = c.get("/settings")
		pages["add_task fragment"] = c.post("/api/add_task", url.Values{"title": {`<script>alert(1)</script>`}})
		pages["error fragment"] = c.post("/api/add_task", url.Values{"title": {""}})
		for name, r := range pages {
			if got := r.Header.Get("Content-Security-Policy"); got != app.ContentSecurityPolicy {
				t.Errorf("htmx %s %s: Content-Security-Policy %q", htmx, name, got)
			}
			if m := inlineCode(r.Body); m != "" {
				t.Errorf("htmx %s %s has inline code %q:\n%s", htmx, name, m, r.Body)
			}
			if r.Header.Get("X-Frame-Options") != "DENY" || r.Header.Get("X-Content-Type-Options") != "nosniff" || r.Header.Get("Referrer-Policy") != "same-origin" {
				t.Errorf("htmx %s %s: headers %v", htmx, name, r.Header)
			}
		}
		mustContain(t, "page head", pages["/"].Body, `"includeIndicatorStyles":false`, `"includeIndicatorCSS":false`, `"allowEval":false`)
	}
}

// TestDemoSecureCookies: with SecureCookies every cookie is Secure; without
// it, only requests that came over HTTPS through a trusted proxy get
// Secure cookies, and X-Forwarded-Proto from anyone else changes nothing.
func TestDemoSecureCookies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    app.Options
		header  []string
		secure  bool
		hstsSet bool
	}{
		{"default, plain HTTP", app.Options{}, nil, false, false},
		{"default, X-Forwarded-Proto from an untrusted client", app.Options{}, []string{"X-Forwarded-Proto", "https"}, false, false},
		{"SecureCookies", app.Options{SecureCookies: true}, nil, true, false},
		{"trusted proxy says https", app.Options{TrustedProxies: []string{"127.0.0.1"}}, []string{"X-Forwarded-Proto", "https"}, true, true},
		{"trusted proxy says http", app.Options{TrustedProxies: []string{"127.0.0.1"}}, []string{"X-Forwarded-Proto", "http"}, false, false},
		{"untrusted proxy range", app.Options{TrustedProxies: []string{"10.0.0.0/8"}}, []string{"X-Forwarded-Proto", "https"}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := startDemo(t, tc.opts)
			newPlainClient(t, d.URL).signup("cookie", "cookie-password")
			// A wrong login sets fiberfn's flash cookie; a right one the
			// session and notice cookies.
			bad := rawPost(t, d.URL, "/api/login", url.Values{"username": {"cookie"}, "password": {"wrong-password"}}, tc.header...)
			good := rawPost(t, d.URL, "/api/login", url.Values{"username": {"cookie"}, "password": {"cookie-password"}}, tc.header...)
			var lines []string
			lines = append(lines, bad.Header.Values("Set-Cookie")...)
			lines = append(lines, good.Header.Values("Set-Cookie")...)
			// fiberfn's own cookies are __Host- cookies when Secure.
			notice := "fiberfn_notice"
			if tc.secure {
				notice = "__Host-" + notice
			}
			if setCookieHeader(good.Header, app.SessionCookie) == "" || setCookieHeader(good.Header, notice) == "" || len(bad.Header.Values("Set-Cookie")) == 0 {
				t.Fatalf("expected session, notice and flash cookies; got %q", lines)
			}
			for _, line := range lines {
				if got := strings.Contains(strings.ToLower(line), "; secure"); got != tc.secure {
					t.Errorf("Set-Cookie %q: Secure %v, want %v", line, got, tc.secure)
				}
				if strings.Contains(line, "fiberfn_") && !strings.HasPrefix(line, app.SessionCookie+"=") && strings.HasPrefix(line, "__Host-") != tc.secure {
					t.Errorf("Set-Cookie %q: __Host- name %v, want %v", line, !tc.secure, tc.secure)
				}
			}
			if got := good.Header.Get("Strict-Transport-Security") != ""; got != tc.hstsSet {
				t.Errorf("Strict-Transport-Security %q", good.Header.Get("Strict-Transport-Security"))
			}
		})
	}
}

// TestDemoSigningKey: the key is generated once and kept in the database
// across restarts; Options.Secret replaces it; a short one is refused.
func TestDemoSigningKey(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	d := startDemo(t, app.Options{DBPath: db})
	first := d.App.Keys
	d.Stop()
	if len(first) != 1 || len(first[0]) != app.SecretSize {
		t.Fatalf("keys %d, want one of %d bytes", len(first), app.SecretSize)
	}
	d2 := startDemo(t, app.Options{DBPath: db})
	if !bytes.Equal(d2.App.Keys[0], first[0]) {
		t.Errorf("the key changed across a restart")
	}
	d2.Stop()
	other := startDemo(t, app.Options{})
	if bytes.Equal(other.App.Keys[0], first[0]) {
		t.Errorf("two databases share a key")
	}
	given := []byte("a secret from the operator, 40 bytes lng")
	d3 := startDemo(t, app.Options{DBPath: db, Secret: given})
	fromGiven := d3.App.Keys[0]
	d3.Stop()
	// The key is derived from the secret (fiberfn wants 32 bytes): the
	// same secret gives the same key, on any database.
	d4 := startDemo(t, app.Options{Secret: given})
	if bytes.Equal(fromGiven, first[0]) || !bytes.Equal(d4.App.Keys[0], fromGiven) || len(fromGiven) != 32 {
		t.Errorf("Options.Secret was not used")
	}
	if _, err := app.New(app.Options{DBPath: filepath.Join(t.TempDir(), "x.db"), Secret: []byte("short")}); err == nil {
		t.Errorf("a 5-byte secret was accepted")
	}
}

// TestDemoWALBounded writes steadily with a short checkpoint interval: the
// WAL file is truncated instead of growing with every write.
func TestDemoWALBounded(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo.db")
	d := startDemo(t, app.Options{DBPath: db, CheckpointInterval: 50 * time.Millisecond})
	c := newHTMXClient(t, d.URL)
	c.signup("writer", "writer-password")
	title := strings.Repeat("w", 190)
	for range 300 {
		if r := c.post("/api/add_task", url.Values{"title": {title}}); r.Status != http.StatusOK {
			t.Fatalf("add: %d", r.Status)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		st, err := os.Stat(db + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the WAL still has %d bytes after the writes stopped", st.Size())
		}
		time.Sleep(20 * time.Millisecond)
	}
	var limit int64
	if err := d.App.DB().QueryRow("PRAGMA journal_size_limit").Scan(&limit); err != nil || limit != app.JournalSizeLimit {
		t.Errorf("journal_size_limit %d (%v), want %d", limit, err, app.JournalSizeLimit)
	}
}

// TestDemoSessionLifecycle backs the OWASP session rows of SECURITY.md: a
// session id planted before login is not the one after it and gives no
// access; after logout, replaying the old session cookie gives no access.
func TestDemoSessionLifecycle(t *testing.T) {
	t.Parallel()
	d := startDemo(t, app.Options{})
	newPlainClient(t, d.URL).signup("owasp", "owasp-password")

	// replay loads /settings with only the given session id.
	replay := func(id string) int {
		req, _ := http.NewRequest(http.MethodGet, d.URL+"/settings", nil)
		req.AddCookie(&http.Cookie{Name: app.SessionCookie, Value: id})
		hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		defer hc.CloseIdleConnections()
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	c := newPlainClient(t, d.URL)
	c.get("/login")
	planted := "00000000-1111-4222-8333-444444444444"
	u, _ := url.Parse(d.URL)
	c.hc.Jar.SetCookies(u, []*http.Cookie{{Name: app.SessionCookie, Value: planted, Path: "/"}})
	c.login("owasp", "owasp-password", false)
	id := c.cookie(app.SessionCookie)
	if id == "" || id == planted {
		t.Fatalf("session id after login %q (planted %q)", id, planted)
	}
	if st := replay(planted); st != http.StatusFound {
		t.Errorf("the planted id reaches /settings: %d", st)
	}
	if st := replay(id); st != http.StatusOK {
		t.Fatalf("the session reaches /settings: %d", st)
	}
	line := setCookieHeader(rawPost(t, d.URL, "/api/login", url.Values{"username": {"owasp"}, "password": {"owasp-password"}}).Header, app.SessionCookie)
	for _, attr := range []string{"HttpOnly", "SameSite=Lax", "path=/"} {
		if !strings.Contains(line, attr) {
			t.Errorf("session cookie %q lacks %s", line, attr)
		}
	}
	if strings.Contains(strings.ToLower(line), "domain=") {
		t.Errorf("session cookie %q has a Domain", line)
	}

	c.post("/api/logout", nil)
	if st := replay(id); st != http.StatusFound {
		t.Errorf("the old session id still reaches /settings after logout: %d", st)
	}
}
