package app

import (
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// TestChangeTab: the change notice echoes only a short letters-and-digits
// tab id, so a header cannot put markup into other pages' notices.
func TestChangeTab(t *testing.T) {
	tests := []struct {
		header, want string
	}{
		{"", ""},
		{"0a1b2c3d4e5f60718293a4b5", "0a1b2c3d4e5f60718293a4b5"},
		{"ABCxyz09", "ABCxyz09"},
		{`x"><script>`, ""},
		{"a b", ""},
		{"0123456789abcdef0123456789abcdef0", ""}, // 33 bytes
		{"ü", ""},
	}
	app := fiber.New()
	var got string
	app.Get("/", func(c *fiber.Ctx) error { got = changeTab(c); return nil })
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/", nil)
		if tt.header != "" {
			req.Header.Set("X-Tab", tt.header)
		}
		if _, err := app.Test(req); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("X-Tab %q: changeTab = %q, want %q", tt.header, got, tt.want)
		}
	}
}
