package fiberfn

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

func TestCheckRedirect(t *testing.T) {
	allowed := []string{"accounts.example.com"}
	tests := []struct {
		target string
		ok     bool
	}{
		{"/", true},
		{"/tasks?filter=open#top", true},
		{"settings", true},
		{"../up", true},
		{"?page=2", true},
		{"https://accounts.example.com/login", true},
		{"http://ACCOUNTS.example.com:8443/x", true},
		{"", false},
		{"//evil.example/", false},
		{"/\\evil.example", false},
		{"\\\\evil.example", false},
		{"https://evil.example/", false},
		{"https://accounts.example.com.evil.example/", false},
		{"https://user:pw@accounts.example.com/", false},
		{"javascript:alert(1)", false},
		{"JaVaScRiPt:alert(1)", false},
		{"data:text/html,hi", false},
		{"/ok\r\nSet-Cookie: a=b", false},
		{"/ok\nX: y", false},
		{"/tab\there", false},
		{"/nul\x00", false},
		{"ftp://accounts.example.com/", false},
	}
	for _, tt := range tests {
		err := checkRedirect(tt.target, allowed)
		if (err == nil) != tt.ok {
			t.Errorf("checkRedirect(%q) = %v, want ok=%v", tt.target, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrRedirectRefused) {
			t.Errorf("checkRedirect(%q) error %v does not wrap ErrRedirectRefused", tt.target, err)
		}
	}
}

func FuzzCheckRedirect(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "https://a.example/", "java\tscript:x", "/a\r\nb", "%2F%2Fevil"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		if checkRedirect(target, nil) != nil {
			return
		}
		// An accepted target must be header-safe and stay on this site.
		if strings.ContainsAny(target, "\r\n\x00\\") {
			t.Fatalf("accepted %q with a control character or backslash", target)
		}
		if strings.HasPrefix(target, "//") {
			t.Fatalf("accepted scheme-relative %q", target)
		}
		if i := strings.IndexAny(target, ":/?#"); i >= 0 && target[i] == ':' {
			t.Fatalf("accepted %q with a scheme and no allowed hosts", target)
		}
	})
}

func TestRedirectFromPageHandler(t *testing.T) {
	app, _ := testApp(t, Config{RedirectStatus: http.StatusSeeOther, AllowedRedirectHosts: []string{"sso.example"}}, nil, func(app *fiber.App) {
		app.Get("/go", func(c *fiber.Ctx) error { return Redirect(c, c.Query("to")) })
		app.Get("/moved", func(c *fiber.Ctx) error { return RedirectWithStatus(c, "/new", http.StatusMovedPermanently) })
	})
	tests := []struct {
		name   string
		req    req
		status int
		header string
		value  string
	}{
		{"plain uses the configured status", req{method: "GET", path: "/go?to=/home"}, 303, "Location", "/home"},
		{"htmx gets HX-Redirect", req{method: "GET", path: "/go?to=/home", headers: map[string]string{"HX-Request": "true"}}, 200, "HX-Redirect", "/home"},
		{"allowed host", req{method: "GET", path: "/go?to=https://sso.example/login"}, 303, "Location", "https://sso.example/login"},
		{"explicit status", req{method: "GET", path: "/moved"}, 301, "Location", "/new"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := do(t, app, tt.req)
			if resp.StatusCode != tt.status || resp.Header.Get(tt.header) != tt.value {
				t.Fatalf("got %d %s=%q, want %d %q", resp.StatusCode, tt.header, resp.Header.Get(tt.header), tt.status, tt.value)
			}
			if resp.Header.Get("Vary") != "HX-Request" {
				t.Fatalf("Vary = %q, want HX-Request", resp.Header.Get("Vary"))
			}
		})
	}
	resp, _ := do(t, app, req{method: "GET", path: "/go?to=%2F%2Fevil.example"})
	if resp.Header.Get("Location") != "" {
		t.Fatalf("refused target reached Location: %q", resp.Header.Get("Location"))
	}
	if resp.StatusCode != 500 {
		t.Fatalf("handler returning the refusal: status %d, want 500", resp.StatusCode)
	}
}

func TestHeaderValuesCannotSplit(t *testing.T) {
	app, _ := testApp(t, Config{}, nil, func(app *fiber.App) {
		app.Get("/h", func(c *fiber.Ctx) error {
			Response(c).InsertHeader("X-A", "one\r\nSet-Cookie: evil=1")
			Response(c).AppendHeader("X-B\n", "two\nthree")
			return nil
		})
	})
	resp, _ := do(t, app, req{method: "GET", path: "/h"})
	if got := resp.Header.Get("X-A"); got != "oneSet-Cookie: evil=1" {
		t.Fatalf("X-A = %q", got)
	}
	if got := resp.Header.Get("X-B"); got != "twothree" {
		t.Fatalf("X-B = %q", got)
	}
	for _, ck := range resp.Cookies() {
		if ck.Name == "evil" {
			t.Fatal("header injection set a cookie")
		}
	}
}
