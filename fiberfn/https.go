package fiberfn

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
)

// IsHTTPS reports whether the request came over HTTPS: on a TLS connection
// to this server, or through a reverse proxy that says so. fiberfn uses it
// to mark cookies Secure and to refuse redirects from HTTPS to plain HTTP
// ([Redirect]); use it wherever an app would write
// c.Protocol() == "https", which misses "X-Forwarded-Proto: HTTPS" and the
// standard Forwarded header.
//
// A proxy's word counts only when Fiber trusts the peer
// (c.IsProxyTrusted): with fiber.Config.EnableTrustedProxyCheck, only
// the addresses and ranges in TrustedProxies; without it Fiber trusts
// every peer, as c.Protocol() does. What counts, first match wins:
//
//   - Forwarded (RFC 7239): the proto parameter of the first element that
//     has one, across every Forwarded line in order, quoted or not, names
//     and values in any case. A Forwarded header that does not parse is
//     ignored as a whole.
//   - X-Forwarded-Proto, then X-Forwarded-Protocol: the first value of the
//     comma-separated list, in any case.
//   - X-Url-Scheme: "https" in any case; X-Forwarded-Ssl: "on".
//
// The first element or value is the one the proxy nearest the client
// added (each proxy appends its own). A proxy should overwrite, or strip,
// what clients send; a value a client adds itself changes only the
// answers to its own request.
func IsHTTPS(c *fiber.Ctx) bool {
	if c.Context().IsTLS() {
		return true
	}
	if !c.IsProxyTrusted() {
		return false
	}
	var (
		fwd, xfp, xfproto, xurl, xssl verdict
		fwdBroken                     bool
	)
	c.Request().Header.VisitAll(func(key, value []byte) {
		switch len(key) {
		case len("Forwarded"):
			if !fwdBroken && bytes.EqualFold(key, []byte("Forwarded")) {
				proto, found, ok := forwardedProto(value)
				switch {
				case !ok:
					fwdBroken = true
				case found && fwd == unknown:
					fwd = verdictOf(isHTTPSName(proto))
				}
			}
		case len("X-Forwarded-Proto"):
			if xfp == unknown && bytes.EqualFold(key, []byte("X-Forwarded-Proto")) {
				xfp = verdictOf(isHTTPSName(firstListValue(value)))
			}
		case len("X-Forwarded-Protocol"):
			if xfproto == unknown && bytes.EqualFold(key, []byte("X-Forwarded-Protocol")) {
				xfproto = verdictOf(isHTTPSName(firstListValue(value)))
			}
		case len("X-Url-Scheme"):
			if xurl == unknown && bytes.EqualFold(key, []byte("X-Url-Scheme")) {
				xurl = verdictOf(isHTTPSName(bytes.TrimSpace(value)))
			}
		case len("X-Forwarded-Ssl"):
			if xssl == unknown && bytes.EqualFold(key, []byte("X-Forwarded-Ssl")) {
				xssl = verdictOf(bytes.EqualFold(bytes.TrimSpace(value), []byte("on")))
			}
		}
	})
	if fwdBroken {
		fwd = unknown
	}
	for _, v := range [...]verdict{fwd, xfp, xfproto, xurl, xssl} {
		if v != unknown {
			return v == yes
		}
	}
	return false
}

// verdict is what one header says about the scheme.
type verdict uint8

const (
	unknown verdict = iota // the header is absent or says nothing
	yes                    // https
	no                     // anything else
)

func verdictOf(https bool) verdict {
	if https {
		return yes
	}
	return no
}

func isHTTPSName(b []byte) bool {
	return bytes.EqualFold(b, []byte("https"))
}

// firstListValue returns the first element of a comma-separated header
// value, without surrounding spaces.
func firstListValue(v []byte) []byte {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		v = v[:i]
	}
	return bytes.TrimSpace(v)
}

// forwardedProto scans a Forwarded header value (RFC 7239 section 4:
// comma-separated elements of semicolon-separated token=value pairs, the
// value a token or a quoted-string; spaces and tabs allowed around the
// separators, empty elements and pairs skipped). An unquoted value may
// hold any visible character but the separators and '"', so the common
// misconfiguration for=2001:db8::1 (which RFC 7239 wants quoted) still
// parses. It returns the value of
// the first proto parameter, unquoted, whether there was one, and whether
// the whole value parsed.
func forwardedProto(v []byte) (proto []byte, found, ok bool) {
	i, n := 0, len(v)
	for {
		for i < n && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
		if i == n {
			return proto, found, true
		}
		if v[i] == ',' || v[i] == ';' {
			i++
			continue
		}
		start := i
		for i < n && isTokenChar(v[i]) {
			i++
		}
		if i == start || i == n || v[i] != '=' {
			return nil, false, false
		}
		name := v[start:i]
		i++
		var value []byte
		if i < n && v[i] == '"' {
			var end int
			if value, end = unquote(v, i); end < 0 {
				return nil, false, false
			}
			i = end
		} else {
			start = i
			for i < n && isBareValueChar(v[i]) {
				i++
			}
			if i == start {
				return nil, false, false
			}
			value = v[start:i]
		}
		if !found && bytes.EqualFold(name, []byte("proto")) {
			proto, found = value, true
		}
		for i < n && (v[i] == ' ' || v[i] == '\t') {
			i++
		}
		if i < n && v[i] != ',' && v[i] != ';' {
			return nil, false, false
		}
	}
}

// unquote reads the quoted-string that starts at v[i] (a '"'). It returns
// its content, with backslash escapes resolved, and the index after the
// closing quote, or -1 when the string is not terminated or holds a
// control character.
func unquote(v []byte, i int) ([]byte, int) {
	i++ // the opening quote
	start, escaped := i, false
	for ; i < len(v); i++ {
		switch ch := v[i]; {
		case ch == '\\':
			escaped = true
			i++
			if i == len(v) {
				return nil, -1
			}
		case ch == '"':
			s := v[start:i]
			if escaped {
				s = unescape(s)
			}
			return s, i + 1
		case ch < 0x20 && ch != '\t' || ch == 0x7f:
			return nil, -1
		}
	}
	return nil, -1
}

// unescape resolves the backslash escapes of a quoted-string's content.
func unescape(s []byte) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		out = append(out, s[i])
	}
	return out
}

// isBareValueChar reports whether ch may appear in an unquoted Forwarded
// value: a visible ASCII character other than the separators and '"'.
func isBareValueChar(ch byte) bool {
	return ch > 0x20 && ch < 0x7f && ch != ',' && ch != ';' && ch != '"'
}

// isTokenChar reports whether ch may appear in an HTTP token (RFC 9110
// section 5.6.2).
func isTokenChar(ch byte) bool {
	switch {
	case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9':
		return true
	}
	return bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), ch) >= 0
}
