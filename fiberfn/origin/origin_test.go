package origin_test

import (
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/fiberfn/origin"
	"github.com/gofiber/fiber/v2"
)

func send(t testing.TB, app *fiber.App, method, path string, headers ...string) (int, string) {
	t.Helper()
	r := httptest.NewRequest(method, path, strings.NewReader("x=1"))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	resp, err := app.Test(r, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestConfig checks Next, TrustedOrigins, ErrorHandler and the defaults.
func TestConfig(t *testing.T) {
	cross := []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}
	tests := []struct {
		name    string
		cfg     []origin.Config
		method  string
		headers []string
		status  int
		body    string
	}{
		{"default refuses a cross-site POST with Fiber's 403", nil, "POST", cross, 403, "Cross-origin request refused."},
		{"same-origin POST passes", nil, "POST", []string{"Sec-Fetch-Site", "same-origin"}, 200, "changed"},
		{"a GET passes", nil, "GET", cross, 200, "changed"},
		{"no browser headers pass", nil, "DELETE", nil, 200, "changed"},
		{"an empty Config is the default", []origin.Config{{}}, "POST", cross, 403, "Cross-origin request refused."},
		{"Next skips", []origin.Config{{Next: func(c *fiber.Ctx) bool { return c.Get("X-Skip") == "1" }}}, "POST", append(cross, "X-Skip", "1"), 200, "changed"},
		{"a trusted origin passes", []origin.Config{{TrustedOrigins: []string{"https://evil.example"}}}, "POST", cross, 200, "changed"},
		{"ErrorHandler answers", []origin.Config{{ErrorHandler: func(c *fiber.Ctx, err error) error {
			return c.Status(fiber.StatusForbidden).SendString("custom: " + err.Error())
		}}}, "PUT", cross, 403, "custom: Cross-origin request refused."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app := fiber.New()
			app.Add(tt.method, "/logout", origin.New(tt.cfg...), func(c *fiber.Ctx) error { return c.SendString("changed") })
			status, body := send(t, app, tt.method, "/logout", tt.headers...)
			if status != tt.status || body != tt.body {
				t.Errorf("got %d %q, want %d %q", status, body, tt.status, tt.body)
			}
		})
	}
}

// A page route that changes state (a logout page, say) gets the same
// cross-origin rule as fiberfn's server functions.
func ExampleNew() {
	app := fiber.New()
	app.Post("/logout", origin.New(), func(c *fiber.Ctx) error {
		return c.SendString("logged out")
	})
	r := httptest.NewRequest("POST", "/logout", nil)
	r.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, _ := app.Test(r)
	fmt.Println(resp.StatusCode)
	r = httptest.NewRequest("POST", "/logout", nil)
	r.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, _ = app.Test(r)
	fmt.Println(resp.StatusCode)
	// Output:
	// 403
	// 200
}
