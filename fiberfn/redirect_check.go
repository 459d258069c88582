package fiberfn

import (
	"net"
	"net/url"
	"strings"
)

// checkRedirect is [checkRedirectFrom] for a request that did not come
// over HTTPS (or whose scheme does not matter: a plain path).
func checkRedirect(location, host string, allowedHosts []string) (target string, offsite bool, err error) {
	return checkRedirectFrom(location, host, false, allowedHosts)
}

// checkRedirectFrom reads location as a browser does (the WHATWG URL
// parser: leading and trailing C0 controls and spaces stripped, tabs and
// newlines dropped anywhere, a backslash read as a slash) and accepts it
// when the result stays on host (the request's Host, host[:port]; a
// scheme's default port written out counts as the same host) or goes to
// an allowed host. It returns the target as the browser reads it, which
// is what is sent, and whether it leaves host.
//
// When the request came over HTTPS (fromHTTPS), a plain http:// target is
// a downgrade and is refused, on this host and every other, unless its
// host is loopback (127.0.0.0/8, ::1, localhost: browsers treat those as
// secure contexts, and native apps receive OAuth redirects there, RFC
// 8252) or is allowed for plain HTTP by an entry written "http://host".
//
// It is stricter than a browser where a browser is lenient in ways that are
// easy to get wrong: an absolute URL must be written scheme://host.
func checkRedirectFrom(location, host string, fromHTTPS bool, allowedHosts []string) (target string, offsite bool, err error) {
	if isPlainPath(location) {
		return location, false, nil // "/tasks?x=1": the common case, one pass
	}
	s := normalizeURL(location)
	if s == "" {
		return "", false, refused(location, "empty target")
	}
	for i := 0; i < len(s); i++ {
		if ch := s[i]; ch < 0x20 || ch == 0x7f {
			return "", false, refused(location, "control character")
		}
	}
	if strings.HasPrefix(s, "//") {
		return "", false, refused(location, "scheme-relative target (//host)")
	}
	if s[0] == '/' {
		return s, false, nil // a path on this site: the common case
	}
	scheme, rest, hasScheme := cutScheme(s)
	if !hasScheme {
		return s, false, nil // a relative path, query or fragment
	}
	if scheme != "http" && scheme != "https" {
		return "", false, refused(location, "scheme "+scheme)
	}
	if !strings.HasPrefix(rest, "//") || strings.HasPrefix(rest, "///") {
		return "", false, refused(location, "absolute URL not written scheme://host")
	}
	u, perr := url.Parse(s)
	if perr != nil || u.Host == "" {
		return "", false, refused(location, "malformed URL")
	}
	if u.User != nil || strings.Contains(u.Host, "@") {
		return "", false, refused(location, "credentials in URL")
	}
	if fromHTTPS && u.Scheme == "http" && !isLoopbackHost(u.Hostname()) && !allowedHost(u, allowedHosts, true) {
		return "", false, refused(location, "a request that came over HTTPS is not redirected to plain http://")
	}
	if host != "" && sameHost(u, host, fromHTTPS) {
		return s, false, nil
	}
	if allowedHost(u, allowedHosts, false) {
		return s, true, nil
	}
	return "", false, refused(location, "host "+u.Host+" is not allowed")
}

// sameHost reports whether the target u is on host, the request's Host
// (whose scheme is https when fromHTTPS). An explicit default port
// (":443" for https, ":80" for http) is the same host as none.
func sameHost(u *url.URL, host string, fromHTTPS bool) bool {
	if strings.EqualFold(u.Host, host) {
		return true
	}
	reqScheme := "http"
	if fromHTTPS {
		reqScheme = "https"
	}
	return strings.EqualFold(withoutDefaultPort(u.Host, u.Scheme), withoutDefaultPort(host, reqScheme))
}

// withoutDefaultPort removes scheme's default port from host[:port].
func withoutDefaultPort(hostport, scheme string) string {
	port := ":80"
	if scheme == "https" {
		port = ":443"
	}
	return strings.TrimSuffix(hostport, port)
}

// allowedHost reports whether u's host (host:port, or the host name
// alone) is listed in allowed. An entry is "host", "host:port" or, to
// allow plain-HTTP targets from HTTPS requests too, "http://host" or
// "http://host:port"; plainOnly keeps only the latter.
func allowedHost(u *url.URL, allowed []string, plainOnly bool) bool {
	for _, h := range allowed {
		plain := len(h) > len("http://") && strings.EqualFold(h[:len("http://")], "http://")
		if plain {
			h = strings.TrimSuffix(h[len("http://"):], "/")
		}
		if plainOnly && !plain {
			continue
		}
		if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return true
		}
	}
	return false
}

// isLoopbackHost reports whether a URL's host name is loopback: an
// address in 127.0.0.0/8, ::1, or localhost and its subdomains, which
// browsers treat as potentially trustworthy over plain HTTP.
func isLoopbackHost(name string) bool {
	if ip := net.ParseIP(name); ip != nil {
		return ip.IsLoopback()
	}
	name = strings.TrimSuffix(strings.ToLower(name), ".")
	return name == "localhost" || strings.HasSuffix(name, ".localhost")
}

// isPlainPath reports whether s is a path on this site that a browser reads
// exactly as written: "/" then not a second slash or backslash, and no
// control characters, spaces or backslashes anywhere.
func isPlainPath(s string) bool {
	if len(s) == 0 || s[0] != '/' || len(s) > 1 && (s[1] == '/' || s[1] == '\\') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if ch := s[i]; ch <= 0x20 || ch == 0x7f || ch == '\\' {
			return false
		}
	}
	return true
}

// normalizeURL applies the WHATWG URL parser's first steps: strip leading
// and trailing C0 controls and spaces, drop tab, LF and CR anywhere, and
// read a backslash before the query or fragment as a slash (as browsers do
// for http and https URLs; in a query or fragment it is a backslash).
func normalizeURL(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool { return r <= 0x20 })
	if strings.ContainsAny(s, "\t\n\r") {
		s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	}
	end := strings.IndexAny(s, "?#")
	if end < 0 {
		end = len(s)
	}
	if strings.IndexByte(s[:end], '\\') >= 0 {
		s = strings.ReplaceAll(s[:end], "\\", "/") + s[end:]
	}
	return s
}

// cutScheme splits a URL's scheme (lower-cased) from the rest, as WHATWG
// reads one: a letter, then letters, digits, "+", "-" or ".", then ":".
func cutScheme(s string) (scheme, rest string, ok bool) {
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z':
		case i > 0 && ('0' <= ch && ch <= '9' || ch == '+' || ch == '-' || ch == '.'):
		case i > 0 && ch == ':':
			return strings.ToLower(s[:i]), s[i+1:], true
		default:
			return "", s, false
		}
	}
	return "", s, false
}

func refused(location, why string) error {
	return &redirectError{location: location, why: why}
}

type redirectError struct{ location, why string }

func (e *redirectError) Error() string {
	return ErrRedirectRefused.Error() + ": " + e.why + " (" + quoteForLog(e.location) + ")"
}

func (e *redirectError) Unwrap() error { return ErrRedirectRefused }

// quoteForLog escapes s for a log line, shortened so a hostile target
// cannot flood logs.
func quoteForLog(s string) string {
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return url.PathEscape(s)
}

// sameOriginReferer returns the path and query of the request's Referer
// when it is on host, else fallback.
func sameOriginReferer(referer, host, fallback string) string {
	if referer == "" {
		return fallback
	}
	u, err := url.Parse(referer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !strings.EqualFold(u.Host, host) {
		return fallback
	}
	target := u.EscapedPath()
	if target == "" || !strings.HasPrefix(target, "/") {
		target = "/"
	}
	if u.RawQuery != "" {
		target += "?" + u.RawQuery
	}
	if t, _, err := checkRedirect(target, "", nil); err == nil {
		return t
	}
	return fallback
}
