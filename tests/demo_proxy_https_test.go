package tests

// Issue 17 item 7 in the demo: every way a trusted proxy says "this came
// over HTTPS" gives Secure cookies (the session's, fiberfn's flash and
// notice) and HSTS; the same headers from an untrusted peer change
// nothing.

import (
	"net/url"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

func TestDemoProxyHTTPS(t *testing.T) {
	t.Parallel()
	trusted := app.Options{TrustedProxies: []string{"127.0.0.1"}}
	untrusted := app.Options{TrustedProxies: []string{"10.0.0.0/8"}}
	tests := []struct {
		name   string
		opts   app.Options
		header []string
		https  bool
	}{
		{"trusted, X-Forwarded-Proto: HTTPS", trusted, []string{"X-Forwarded-Proto", "HTTPS"}, true},
		{"trusted, X-Forwarded-Proto: https, http", trusted, []string{"X-Forwarded-Proto", "https, http"}, true},
		{"trusted, Forwarded: proto=https", trusted, []string{"Forwarded", "for=192.0.2.60;proto=https"}, true},
		{"trusted, Forwarded quoted, two hops", trusted, []string{"Forwarded", `for="[2001:db8::1]:4711";proto="HTTPS", for=10.0.0.2;proto=http`}, true},
		{"trusted, Forwarded: proto=http", trusted, []string{"Forwarded", "proto=http", "X-Forwarded-Proto", "https"}, false},
		{"untrusted, X-Forwarded-Proto: HTTPS", untrusted, []string{"X-Forwarded-Proto", "HTTPS"}, false},
		{"untrusted, Forwarded: proto=https", untrusted, []string{"Forwarded", "proto=https"}, false},
		{"no proxies, Forwarded: proto=https", app.Options{}, []string{"Forwarded", "proto=https"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := startDemo(t, tc.opts)
			newPlainClient(t, d.URL).signup("proxied", "proxied-password")
			bad := rawPost(t, d.URL, "/api/login", url.Values{"username": {"proxied"}, "password": {"wrong-password"}}, tc.header...)
			good := rawPost(t, d.URL, "/api/login", url.Values{"username": {"proxied"}, "password": {"proxied-password"}}, tc.header...)
			lines := append(bad.Header.Values("Set-Cookie"), good.Header.Values("Set-Cookie")...)
			if setCookieHeader(good.Header, app.SessionCookie) == "" || len(bad.Header.Values("Set-Cookie")) == 0 {
				t.Fatalf("expected the session and flash cookies; got %q", lines)
			}
			for _, line := range lines {
				if got := strings.Contains(strings.ToLower(line), "; secure"); got != tc.https {
					t.Errorf("Set-Cookie %q: Secure %v, want %v", line, got, tc.https)
				}
			}
			for _, r := range []result{bad, good} {
				if got := r.Header.Get("Strict-Transport-Security"); (got != "") != tc.https || tc.https && got != "max-age=15552000" {
					t.Errorf("Strict-Transport-Security %q, want it %v", got, tc.https)
				}
			}
		})
	}
}
