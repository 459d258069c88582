package fiberfn

import (
	"testing"

	"github.com/fiberfn/fiberfn/fiberfn/origin"
	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// TestOriginAllowed is the table of net/http.CrossOriginProtection's rules,
// applied to one request at a time, by the plugin's check and by the
// middleware of package origin alike (the same code).
func TestOriginAllowed(t *testing.T) {
	tests := []struct {
		name, method, host, site, origin string
		trusted                          []string
		allowed                          bool
	}{
		{"no headers: curl, server to server", "POST", "example.com", "", "", nil, true},
		{"same-origin fetch", "POST", "example.com", "same-origin", "https://example.com", nil, true},
		{"user typed the URL", "POST", "example.com", "none", "", nil, true},
		{"cross-site", "POST", "example.com", "cross-site", "https://evil.example", nil, false},
		{"same-site is not same-origin", "POST", "example.com", "same-site", "https://sub.example.com", nil, false},
		{"cross-site but trusted", "POST", "example.com", "cross-site", "https://partner.example", []string{"https://partner.example"}, true},
		{"trusted with a slash", "POST", "example.com", "cross-site", "https://partner.example", []string{"https://partner.example/"}, true},
		{"trust is per origin, not per host", "POST", "example.com", "cross-site", "http://partner.example", []string{"https://partner.example"}, false},
		{"old browser, same host", "POST", "example.com", "", "https://example.com", nil, true},
		{"old browser, host case differs", "POST", "Example.COM", "", "https://example.com", nil, true},
		{"old browser, same host and port", "POST", "example.com:8443", "", "https://example.com:8443", nil, true},
		{"old browser, other port", "POST", "example.com:8443", "", "https://example.com", nil, false},
		{"old browser, other host", "POST", "example.com", "", "https://evil.example", nil, false},
		{"Origin null (sandboxed iframe)", "POST", "example.com", "", "null", nil, false},
		{"Origin with a path is not an origin", "POST", "example.com", "", "https://example.com/x", nil, false},
		{"Origin with userinfo", "POST", "example.com", "", "https://evil@example.com", nil, false},
		{"Origin with another scheme", "POST", "example.com", "", "ftp://example.com", nil, false},
		{"GET is safe", "GET", "example.com", "cross-site", "https://evil.example", nil, true},
		{"HEAD is safe", "HEAD", "example.com", "cross-site", "https://evil.example", nil, true},
		{"PUT is not", "PUT", "example.com", "cross-site", "https://evil.example", nil, false},
	}
	app := fiber.New()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fc fasthttp.RequestCtx
			fc.Request.Header.SetMethod(tt.method)
			fc.Request.Header.SetHost(tt.host)
			if tt.site != "" {
				fc.Request.Header.Set("Sec-Fetch-Site", tt.site)
			}
			if tt.origin != "" {
				fc.Request.Header.Set("Origin", tt.origin)
			}
			c := app.AcquireCtx(&fc) // reads the method: set it first
			defer app.ReleaseCtx(c)
			var h reqHeaders
			h.scan(c)
			if got := originAllowed(c, &h, tt.trusted); got != tt.allowed {
				t.Fatalf("originAllowed = %v, want %v", got, tt.allowed)
			}
			mw := fiber.New()
			mw.Use(origin.New(origin.Config{TrustedOrigins: tt.trusted}))
			mw.All("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
			fc.Request.SetRequestURI("/")
			mw.Handler()(&fc)
			if got := fc.Response.StatusCode() == 200; got != tt.allowed {
				t.Fatalf("origin.New: status %d, want allowed %v", fc.Response.StatusCode(), tt.allowed)
			}
		})
	}
}

func TestTrustedOriginAndDisabledCheck(t *testing.T) {
	cross := withHeaders(formCT, "Sec-Fetch-Site", "cross-site", "Origin", "https://partner.example", "Accept", "application/json")
	tests := []struct {
		name string
		cfg  Config
		code int
	}{
		{"refused by default", Config{}, 403},
		{"trusted origin passes", Config{TrustedOrigins: []string{"https://partner.example/"}}, 200},
		{"other trusted origin does not", Config{TrustedOrigins: []string{"https://other.example"}}, 403},
		{"check disabled", Config{DisableOriginCheck: true}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, _ := fnApp(t, tt.cfg)
			resp, body := do(t, app, req{path: "/api/add", body: "title=a", headers: cross})
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.code, body)
			}
		})
	}
}
