package fiberfn

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
)

// listen serves app on a loopback port for the test and returns its URL.
func listen(t *testing.T, app *fiber.App) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() { _ = app.Shutdown() })
	return "http://" + ln.Addr().String()
}

// TestOverRealHTTP checks the refusals that happen before Fiber hands the
// request over, or that only show on a real connection.
func TestOverRealHTTP(t *testing.T) {
	app, calls := fnApp(t, Config{})
	base := listen(t, app)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		name        string
		method, ct  string
		path, body  string
		origin, sfs string
		status      int
		calls       int64
	}{
		{name: "form post", method: "POST", ct: "application/x-www-form-urlencoded", path: "/api/add", body: "title=a", status: 302, calls: 1},
		{name: "malformed multipart", method: "POST", ct: "multipart/form-data; boundary=zzz", path: "/api/add", body: "garbage", status: 400},
		{name: "over the plugin's body limit", method: "POST", ct: "application/x-www-form-urlencoded", path: "/api/add", body: "title=" + strings.Repeat("a", 2<<20), status: 413},
		{name: "cross-site", method: "POST", ct: "application/x-www-form-urlencoded", path: "/api/add", body: "title=a", origin: "http://evil.example", sfs: "cross-site", status: 403},
		{name: "same origin by Origin", method: "POST", ct: "application/x-www-form-urlencoded", path: "/api/add", body: "title=a", origin: base, status: 302, calls: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := calls.Load()
			r, _ := http.NewRequest(tt.method, base+tt.path, strings.NewReader(tt.body))
			r.Header.Set("Content-Type", tt.ct)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.sfs != "" {
				r.Header.Set("Sec-Fetch-Site", tt.sfs)
			}
			resp, err := client.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := calls.Load() - before; got != tt.calls {
				t.Errorf("function ran %d times, want %d", got, tt.calls)
			}
		})
	}
}
