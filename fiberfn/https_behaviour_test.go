package fiberfn

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// proxyApp is a Fiber app behind the plugin whose trusted proxies are
// trusted (nil: Fiber's default, no trusted-proxy check at all). Requests
// sent with app.Test come from 0.0.0.0. GET /go?to= redirects there; GET
// /cookie sets a cookie through Response; POST /api/fail fails, so a plain
// post gets fiberfn's flash cookie.
func proxyApp(t testing.TB, trusted []string, cfg Config) *fiber.App {
	t.Helper()
	fc := fiber.Config{DisableStartupMessage: true}
	if trusted != nil {
		fc.EnableTrustedProxyCheck = true
		fc.TrustedProxies = trusted
	}
	app := fiber.New(fc)
	reg := NewRegistry()
	RegisterOn(reg, "fail", func(c *fiber.Ctx, in addInput) (struct{}, error) {
		return struct{}{}, ServerError("no", http.StatusConflict)
	})
	cfg.Registry = reg
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	Mount(app, cfg)
	app.Get("/go", func(c *fiber.Ctx) error {
		if err := Redirect(c, c.Query("to")); err != nil {
			if errors.Is(err, ErrRedirectRefused) {
				return c.Status(http.StatusBadRequest).SendString("refused")
			}
			return err
		}
		return nil
	})
	app.Get("/cookie", func(c *fiber.Ctx) error {
		Response(c).SetCookie(&fiber.Cookie{Name: "pref", Value: "1"})
		return c.SendString("ok")
	})
	return app
}

// proxied sends one request with the header pairs kv.
func proxied(t testing.TB, app *fiber.App, method, target string, kv ...string) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader("title=x"))
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	r.Host = "app.example"
	for i := 0; i+1 < len(kv); i += 2 {
		r.Header.Add(kv[i], kv[i+1])
	}
	resp, err := app.Test(r, -1)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestSecureCookiesBehindProxies: fiberfn's own cookies (the flash) and
// the cookies set through Response are Secure exactly when a trusted
// proxy says the request came over HTTPS, in any of the ways proxies say
// it (issue 17 item 7).
func TestSecureCookiesBehindProxies(t *testing.T) {
	trusted, untrusted := []string{"0.0.0.0"}, []string{"10.0.0.0/8"}
	tests := []struct {
		name    string
		trusted []string
		header  []string
		secure  bool
	}{
		{"no proxy header", trusted, nil, false},
		{"X-Forwarded-Proto https", trusted, []string{"X-Forwarded-Proto", "https"}, true},
		{"X-Forwarded-Proto HTTPS (upper case)", trusted, []string{"X-Forwarded-Proto", "HTTPS"}, true},
		{"X-Forwarded-Proto Https, http (first hop counts)", trusted, []string{"X-Forwarded-Proto", " Https , http"}, true},
		{"X-Forwarded-Proto http", trusted, []string{"X-Forwarded-Proto", "http"}, false},
		{"Forwarded proto=https", trusted, []string{"Forwarded", "proto=https"}, true},
		{"Forwarded quoted, upper case, several pairs", trusted, []string{"Forwarded", `for="[2001:db8::1]:4711";Proto="HTTPS";by=_lb`}, true},
		{"Forwarded, two hops in one line", trusted, []string{"Forwarded", "for=192.0.2.60;proto=https, for=10.0.0.2;proto=http"}, true},
		{"Forwarded, two hops in two lines", trusted, []string{"Forwarded", "for=192.0.2.60;proto=https", "Forwarded", "for=10.0.0.2;proto=http"}, true},
		{"Forwarded proto=http wins over X-Forwarded-Proto", trusted, []string{"Forwarded", "proto=http", "X-Forwarded-Proto", "https"}, false},
		{"Forwarded without proto falls back to X-Forwarded-Proto", trusted, []string{"Forwarded", "for=192.0.2.60", "X-Forwarded-Proto", "HTTPS"}, true},
		{"malformed Forwarded is ignored", trusted, []string{"Forwarded", `proto="https`}, false},
		{"untrusted peer, X-Forwarded-Proto https", untrusted, []string{"X-Forwarded-Proto", "https"}, false},
		{"untrusted peer, Forwarded proto=https", untrusted, []string{"Forwarded", "proto=https"}, false},
		{"no trusted-proxy check (Fiber trusts every peer)", nil, []string{"Forwarded", "proto=HTTPS"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := proxyApp(t, tt.trusted, Config{})
			for _, resp := range []*http.Response{
				proxied(t, app, http.MethodPost, "/api/fail", tt.header...),
				proxied(t, app, http.MethodGet, "/cookie", tt.header...),
			} {
				lines := resp.Header.Values("Set-Cookie")
				if len(lines) == 0 {
					t.Fatalf("%s: no cookie set", resp.Request.URL)
				}
				for _, line := range lines {
					if got := strings.Contains(strings.ToLower(line), "; secure"); got != tt.secure {
						t.Errorf("Set-Cookie %q: Secure %v, want %v", line, got, tt.secure)
					}
				}
			}
		})
	}
}

// TestRedirectRefusesDowngrade: a request that came over HTTPS is never
// redirected to plain HTTP (issue 17 item 6), on its own host or any
// other, unless the host is loopback or allowed for plain HTTP.
func TestRedirectRefusesDowngrade(t *testing.T) {
	cfg := Config{AllowedRedirectHosts: []string{"sso.example", "http://legacy.example", "127.0.0.1", "app.example:8443"}}
	https := []string{"X-Forwarded-Proto", "https"}
	tests := []struct {
		name   string
		to     string
		header []string
		want   string // Location, or "" for refused
	}{
		{"over HTTP, own host over http", "http://app.example/x", nil, "http://app.example/x"},
		{"over HTTPS, own host over http", "http://app.example/x", https, ""},
		{"over HTTPS, own host over http, upper-case scheme", "HTTP://app.example/x", https, ""},
		{"over HTTPS, own host over http with tabs", "ht\ttp://app.example/x", https, ""},
		{"over HTTPS, own host, other port, over http", "http://app.example:8080/x", https, ""},
		{"over HTTPS, own host, port 80", "http://app.example:80/x", https, ""},
		{"over HTTPS, own host, allowed other port, over http", "http://app.example:8443/x", https, ""},
		{"over HTTPS, own host, allowed other port, over https", "https://app.example:8443/x", https, "https://app.example:8443/x"},
		{"over HTTPS, own host, other port not allowed, over https", "https://app.example:9443/x", https, ""},
		{"over HTTPS (Forwarded), own host over http", "http://app.example/x", []string{"Forwarded", "proto=https"}, ""},
		{"over HTTPS (HTTPS), own host over http", "http://app.example/x", []string{"X-Forwarded-Proto", "HTTPS"}, ""},
		{"over HTTPS, allowed host over http", "http://sso.example/login", https, ""},
		{"over HTTPS, allowed host over https", "https://sso.example/login", https, "https://sso.example/login"},
		{"over HTTPS, host allowed for plain HTTP", "http://legacy.example/old", https, "http://legacy.example/old"},
		{"over HTTPS, loopback over http (a secure context)", "http://127.0.0.1:54321/callback", https, "http://127.0.0.1:54321/callback"},
		{"over HTTPS, own host over https", "https://app.example/x", https, "https://app.example/x"},
		{"over HTTPS, own host over https with its default port", "https://app.example:443/x", https, "https://app.example:443/x"},
		{"over HTTPS, relative path", "/x", https, "/x"},
		{"over HTTPS, relative without slash", "x", https, "x"},
		{"over HTTP, upgrade to own host over https", "https://app.example/x", nil, "https://app.example/x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := proxyApp(t, []string{"0.0.0.0"}, cfg)
			resp := proxied(t, app, http.MethodGet, "/go?to="+queryEscape(tt.to), tt.header...)
			got := resp.Header.Get("Location")
			if tt.want == "" {
				if resp.StatusCode != http.StatusBadRequest || got != "" {
					t.Fatalf("status %d Location %q; want the redirect refused", resp.StatusCode, got)
				}
				return
			}
			if resp.StatusCode != http.StatusFound || got != tt.want {
				t.Fatalf("status %d Location %q; want 302 %q", resp.StatusCode, got, tt.want)
			}
		})
	}
}

func queryEscape(s string) string {
	r := strings.NewReplacer("%", "%25", "&", "%26", "#", "%23", "+", "%2B", " ", "%20", "\t", "%09", "?", "%3F")
	return r.Replace(s)
}
