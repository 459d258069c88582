package fiberfn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

func TestForwardedProto(t *testing.T) {
	tests := []struct {
		value     string
		proto     string
		found, ok bool
	}{
		{"proto=https", "https", true, true},
		{"Proto=HTTPS", "HTTPS", true, true},
		{`proto="https"`, "https", true, true},
		{`proto="ht\tps"`, "https", true, true},
		{`for=192.0.2.60;proto=http;by=203.0.113.43`, "http", true, true},
		{`for=192.0.2.43, for=198.51.100.17;proto=https`, "https", true, true},
		{`for=192.0.2.43;proto=https, for=198.51.100.17;proto=http`, "https", true, true},
		{`for="[2001:db8:cafe::17]:4711" ; proto = https`, "", false, false}, // no spaces around "="
		{`for="[2001:db8:cafe::17]:4711" ; proto=https`, "https", true, true},
		{`for=2001:db8::1;proto=https`, "https", true, true}, // unquoted IPv6, a common mistake, still read
		{`for=_hidden, for=unknown;proto=https`, "https", true, true},
		{` , ;proto=https;;, `, "https", true, true},
		{"for=192.0.2.60", "", false, true},
		{"", "", false, true},
		{`proto="https`, "", false, false},
		{`proto="https\`, "", false, false},
		{`proto=`, "", false, false},
		{`=https`, "", false, false},
		{`proto`, "", false, false},
		{`proto=https extra`, "", false, false},
		{`proto=https;for="a"b`, "", false, false},
		{"proto=\"ht\x01tps\"", "", false, false},
		{`pro to=https`, "", false, false},
	}
	for _, tt := range tests {
		proto, found, ok := forwardedProto([]byte(tt.value))
		if string(proto) != tt.proto || found != tt.found || ok != tt.ok {
			t.Errorf("forwardedProto(%q) = %q, %v, %v; want %q, %v, %v", tt.value, proto, found, ok, tt.proto, tt.found, tt.ok)
		}
	}
}

// TestIsHTTPSOverRealConnections: a TLS connection is HTTPS whatever the
// headers say; on plain TCP from 127.0.0.1, the proxy headers count only
// when 127.0.0.1 is a trusted proxy.
func TestIsHTTPSOverRealConnections(t *testing.T) {
	serve := func(t *testing.T, fc fiber.Config, tlsConfig *tls.Config) string {
		fc.DisableStartupMessage = true
		app := fiber.New(fc)
		app.Get("/", func(c *fiber.Ctx) error {
			if IsHTTPS(c) {
				return c.SendString("https")
			}
			return c.SendString("http")
		})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		scheme := "http://"
		if tlsConfig != nil {
			ln, scheme = tls.NewListener(ln, tlsConfig), "https://"
		}
		go func() { _ = app.Listener(ln) }()
		t.Cleanup(func() { _ = app.Shutdown() })
		return scheme + ln.Addr().String()
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // a throwaway self-signed test certificate
	t.Cleanup(client.CloseIdleConnections)
	get := func(t *testing.T, url string, kv ...string) string {
		r, _ := http.NewRequest(http.MethodGet, url, nil)
		for i := 0; i+1 < len(kv); i += 2 {
			r.Header.Add(kv[i], kv[i+1])
		}
		resp, err := client.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	trusted := fiber.Config{EnableTrustedProxyCheck: true, TrustedProxies: []string{"127.0.0.1"}}
	untrusted := fiber.Config{EnableTrustedProxyCheck: true, TrustedProxies: []string{"10.0.0.0/8"}}
	tests := []struct {
		name   string
		fc     fiber.Config
		tls    bool
		header []string
		want   string
	}{
		{"TLS", untrusted, true, nil, "https"},
		{"TLS, a client claims http", untrusted, true, []string{"X-Forwarded-Proto", "http", "Forwarded", "proto=http"}, "https"},
		{"plain", trusted, false, nil, "http"},
		{"trusted peer, HTTPS", trusted, false, []string{"X-Forwarded-Proto", "HTTPS"}, "https"},
		{"trusted peer, Forwarded", trusted, false, []string{"Forwarded", `for="_client";proto="https"`}, "https"},
		{"trusted peer, X-Forwarded-Ssl", trusted, false, []string{"X-Forwarded-Ssl", "ON"}, "https"},
		{"trusted peer, X-Url-Scheme", trusted, false, []string{"X-Url-Scheme", "Https"}, "https"},
		{"untrusted peer, HTTPS", untrusted, false, []string{"X-Forwarded-Proto", "HTTPS"}, "http"},
		{"untrusted peer, Forwarded", untrusted, false, []string{"Forwarded", "proto=https"}, "http"},
		{"untrusted peer, every header", untrusted, false, []string{"X-Forwarded-Proto", "https", "X-Forwarded-Protocol", "https", "X-Url-Scheme", "https", "X-Forwarded-Ssl", "on", "Forwarded", "proto=https"}, "http"},
	}
	cert := selfSigned(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tc *tls.Config
			if tt.tls {
				tc = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
			}
			if got := get(t, serve(t, tt.fc, tc)+"/", tt.header...); got != tt.want {
				t.Fatalf("IsHTTPS: %s, want %s", got, tt.want)
			}
		})
	}
}

// selfSigned returns a throwaway certificate for 127.0.0.1.
func selfSigned(t *testing.T) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "fiberfn test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// FuzzCheckRedirectFromHTTPS: whatever the target, a request that came
// over HTTPS is never sent to plain http:// on a host that is not
// loopback (FuzzCheckRedirect covers the hosts).
func FuzzCheckRedirectFromHTTPS(f *testing.F) {
	for _, s := range []string{"http://app.example/", "HTTP://app.example:80/", "ht\ttp://app.example", " http://app.example", "http:\\\\app.example", "http://127.0.0.1:1/", "http://localhost./", "https://app.example:443/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		got, _, err := checkRedirectFrom(target, "app.example", true, []string{"sso.example"})
		if err != nil {
			return
		}
		scheme, _, ok := cutScheme(got)
		if ok && scheme != "https" {
			u, perr := parseForTest(got)
			if perr != nil || !isLoopbackHost(u) {
				t.Fatalf("accepted %q as %q from an HTTPS request", target, got)
			}
		}
	})
}

func parseForTest(s string) (string, error) {
	i := strings.Index(s, "//")
	rest := s[i+2:]
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		rest = rest[:j]
	}
	h, _, err := net.SplitHostPort(rest)
	if err != nil {
		return rest, nil //nolint:nilerr // no port
	}
	return h, nil
}

// BenchmarkIsHTTPS and BenchmarkFiberProtocol compare IsHTTPS with Fiber's
// own c.Protocol() on a proxied request with ten headers.
func BenchmarkIsHTTPS(b *testing.B) {
	benchProtocol(b, func(c *fiber.Ctx) bool { return IsHTTPS(c) })
}

func BenchmarkFiberProtocol(b *testing.B) {
	benchProtocol(b, func(c *fiber.Ctx) bool { return c.Protocol() == "https" })
}

func benchProtocol(b *testing.B, https func(*fiber.Ctx) bool) {
	app := fiber.New(fiber.Config{EnableTrustedProxyCheck: true, TrustedProxies: []string{"10.0.0.0/8"}})
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod(fiber.MethodGet)
	ctx.Request.SetRequestURI("/")
	ctx.Request.Header.SetHost("example.com")
	for _, kv := range [][2]string{{"Accept", "text/html"}, {"Accept-Language", "en"}, {"Accept-Encoding", "gzip, br"}, {"User-Agent", "bench"}, {"Cookie", "a=b"}, {"Referer", "https://example.com/"}, {"Sec-Fetch-Site", "same-origin"}, {"X-Forwarded-For", "192.0.2.1"}, {"X-Forwarded-Proto", "https"}} {
		ctx.Request.Header.Set(kv[0], kv[1])
	}
	ctx.SetRemoteAddr(&net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1234})
	c := app.AcquireCtx(&ctx)
	defer app.ReleaseCtx(c)
	if !https(c) {
		b.Fatal("not https")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !https(c) {
			b.Fatal("not https")
		}
	}
}
