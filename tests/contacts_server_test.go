package tests

// The server side of the Contact.app tests (tests/contacts): an app on a
// random loopback port with its own store, and an HTTP client that does
// not follow redirects, so each test sees every answer.

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/fiberfn/fiberfn/public"
	"github.com/fiberfn/fiberfn/tests/contacts"
)

// contactsServer is a running Contact.app.
type contactsServer struct {
	t     *testing.T
	URL   string
	Store *contacts.Store
}

// startContacts starts the app with n seeded contacts, serving htmx
// version (public.HTMXDefault when ""). fiberfn's logged errors fail the
// test.
func startContacts(t *testing.T, version string, n int) *contactsServer {
	t.Helper()
	if version == "" {
		version = public.HTMXDefault
	}
	store := contacts.NewStore(contacts.Seed(n)...)
	var errs atomic.Int32
	app, err := contacts.New(store, contacts.Options{HTMXVersion: version, Logger: slog.New(&testLogHandler{t: t, errs: &errs})})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = app.Listener(ln) }()
	t.Cleanup(func() {
		_ = app.Shutdown()
		if n := errs.Load(); n > 0 {
			t.Errorf("fiberfn logged %d error(s)", n)
		}
	})
	return &contactsServer{t: t, URL: "http://" + ln.Addr().String(), Store: store}
}

// contactsClient sends requests to the app without following redirects,
// keeping cookies (the flash and notice of a plain form post) in its jar.
type contactsClient struct {
	s *contactsServer
	c *http.Client
}

func (s *contactsServer) client() *contactsClient {
	jar, _ := cookiejar.New(nil)
	return &contactsClient{s: s, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// do sends method path with body and headers (name, value pairs) and
// returns the answer and its body.
func (cl *contactsClient) do(method, path, body string, headers ...string) (*http.Response, string) {
	cl.s.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, cl.s.URL+path, r)
	if err != nil {
		cl.s.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Add(headers[i], headers[i+1])
	}
	resp, err := cl.c.Do(req)
	if err != nil {
		cl.s.t.Fatalf("%s %s: %v", method, path, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

// The kinds of callers, as the headers they send.
var (
	cJSON      = []string{"Accept", "application/json"}
	cHTMX2     = []string{"HX-Request", "true", "Accept", "text/html"}
	cHTMX4     = []string{"HX-Request", "true", "HX-Request-Type", "partial", "Accept", "text/html"}
	cHTMX4Full = []string{"HX-Request", "true", "HX-Request-Type", "full", "Accept", "text/html"}
	cBoosted   = []string{"HX-Request", "true", "HX-Boosted", "true", "Accept", "text/html"}
	cRestore   = []string{"HX-History-Restore-Request", "true", "HX-Request-Type", "full", "Accept", "text/html"}
	cPlain     = []string{"Accept", "text/html", "Sec-Fetch-Site", "same-origin", "Sec-Fetch-Mode", "navigate"}
)

// contactCallers names each kind of caller and whether it gets a whole page
// from a GET with Page.
var contactCallers = []struct {
	name    string
	headers []string
	page    bool
}{
	{"json", cJSON, false},
	{"htmx2-partial", cHTMX2, false},
	{"htmx4-partial", cHTMX4, false},
	{"htmx4-full", cHTMX4Full, true},
	{"htmx2-boosted", cBoosted, true},
	{"history-restore", cRestore, true},
	{"plain", cPlain, true},
}

// withHeaders returns headers followed by more.
func withHeaders(headers []string, more ...string) []string {
	return append(append([]string(nil), headers...), more...)
}

const contactsFormCT = "application/x-www-form-urlencoded"
