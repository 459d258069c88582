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
		want   string // "" when refused
	}{
		{"/", "/"},
		{"/tasks?filter=open#top", "/tasks?filter=open#top"},
		{"settings", "settings"},
		{"../up", "../up"},
		{"?page=2", "?page=2"},
		{"https://accounts.example.com/login", "https://accounts.example.com/login"},
		{"http://ACCOUNTS.example.com:8443/x", "http://ACCOUNTS.example.com:8443/x"},
		{"http://app.example/same-host", "http://app.example/same-host"},
		{"  /padded  ", "/padded"},
		{"/back\\slash", "/back/slash"},
		{"/ok\r\nSet-Cookie: a=b", "/okSet-Cookie: a=b"}, // a browser drops CR and LF too
		{"/tab\there", "/tabhere"},
		{"", ""},
		{" \t\n", ""},
		{"//evil.example/", ""},
		{" //evil.example/", ""},
		{"\t//evil.example/", ""},
		{"/\t/evil.example/", ""},
		{"\x01//evil.example/", ""},
		{"/\\evil.example", ""},
		{"\\\\evil.example", ""},
		{"https://evil.example/", ""},
		{"https:evil.example", ""},
		{"http:/evil.example", ""},
		{"https:///evil.example", ""},
		{"https:\\\\evil.example", ""},
		{"https://accounts.example.com.evil.example/", ""},
		{"https://user:pw@accounts.example.com/", ""},
		{"https://app.example@evil.example/", ""},
		{"javascript:alert(1)", ""},
		{"java\tscript:alert(1)", ""},
		{"JaVaScRiPt:alert(1)", ""},
		{"data:text/html,hi", ""},
		{"evil.example:80/x", ""},
		{"/nul\x00", "/nul"}, // trailing C0 controls are stripped
		{"/n\x00ul", ""},
		{"/del\x7f", ""},
		{"ftp://accounts.example.com/", ""},
	}
	for _, tt := range tests {
		got, _, err := checkRedirect(tt.target, "app.example", allowed)
		if got != tt.want || (err == nil) != (tt.want != "") {
			t.Errorf("checkRedirect(%q) = %q, %v; want %q", tt.target, got, err, tt.want)
		}
		if err != nil && !errors.Is(err, ErrRedirectRefused) {
			t.Errorf("checkRedirect(%q) error %v does not wrap ErrRedirectRefused", tt.target, err)
		}
	}
}

func FuzzCheckRedirect(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "https://a.example/", "java\tscript:x", "/a\r\nb", "%2F%2Fevil", " //x", "\t/\\x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		got, offsite, err := checkRedirect(target, "app.example", nil)
		if err != nil {
			return
		}
		// An accepted target is header-safe and stays on this site.
		if offsite || strings.ContainsAny(got, "\r\n\t\x00\\") || got != strings.TrimSpace(got) {
			t.Fatalf("accepted %q as %q (offsite %v)", target, got, offsite)
		}
		if strings.HasPrefix(got, "//") {
			t.Fatalf("accepted scheme-relative %q", target)
		}
		if i := strings.IndexAny(got, ":/?#"); i >= 0 && got[i] == ':' && !strings.HasPrefix(strings.ToLower(got), "http://app.example/") && !strings.HasPrefix(strings.ToLower(got), "https://app.example/") {
			t.Fatalf("accepted %q with a scheme to another host", target)
		}
	})
}

func TestRedirectFromPageHandler(t *testing.T) {
	app, _ := testApp(t, Config{RedirectStatus: http.StatusSeeOther, AllowedRedirectHosts: []string{"sso.example"}}, nil, func(app *fiber.App) {
		app.Get("/go", func(c *fiber.Ctx) error { return Redirect(c, c.Query("to")) })
		app.Get("/moved", func(c *fiber.Ctx) error {
			Response(c).SetStatus(http.StatusMovedPermanently)
			return Redirect(c, "/new")
		})
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
			if resp.Header.Get("Vary") != varyValue {
				t.Fatalf("Vary = %q, want %q", resp.Header.Get("Vary"), varyValue)
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
