package tests

// The instance header (issue 15): behind a load balancer, every answer
// names the instance that gave it (app.Options.Instance, the demo's
// -instance flag), so tests and people can see where a request went.

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/fiberfn/fiberfn/demo/app"
)

// TestDemoInstanceHeader: with a name, every kind of answer carries it
// (pages, fragments, static files, health checks, a 404, a request the
// server could not even parse); without one, no answer has the header.
func TestDemoInstanceHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, want string }{{"named", "app-7"}, {"unnamed", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := startDemo(t, app.Options{Instance: tc.want})
			c := newPlainClient(t, d.URL)
			c.signup("named_one", "named-one-password")
			h := newHTMXClient(t, d.URL)
			h.login("named_one", "named-one-password", false)
			check := func(what string, hdr http.Header) {
				t.Helper()
				if got, ok := hdr[http.CanonicalHeaderKey(app.InstanceHeader)]; tc.want == "" && ok || tc.want != "" && (len(got) != 1 || got[0] != tc.want) {
					t.Errorf("%s: %s %q, want %q", what, app.InstanceHeader, got, tc.want)
				}
			}
			check("home", c.get("/").Header)
			check("htmx add", h.post("/api/add_task", map[string][]string{"title": {"where"}}).Header)
			check("static", c.get("/public/css/app.css").Header)
			check("static miss", c.get("/public/nope.css").Header)
			check("404", c.get("/nowhere").Header)
			check("healthz", c.get("/healthz").Header)
			check("readyz", c.get("/readyz").Header)

			// A request line the server cannot read is answered below the
			// app's middleware.
			conn, err := net.Dial("tcp", strings.TrimPrefix(d.URL, "http://"))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode < 400 {
				t.Fatalf("malformed request: %d", resp.StatusCode)
			}
			check("malformed request", resp.Header)
		})
	}
}
