package fiberfn

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// refURL is a URL as the reference resolver reads it.
type refURL struct {
	scheme, userinfo, host, port string
	opaque                       bool   // a non-special scheme: scheme ":" path, no host
	path                         string // serialized
	query, fragment              *string
}

func (u refURL) String() string {
	if u.opaque {
		return u.scheme + ":" + u.path
	}
	s := u.scheme + "://"
	if u.userinfo != "" {
		s += u.userinfo + "@"
	}
	s += u.host
	if u.port != "" {
		s += ":" + u.port
	}
	s += u.path
	if u.query != nil {
		s += "?" + *u.query
	}
	if u.fragment != nil {
		s += "#" + *u.fragment
	}
	return s
}

// refBase is the URL of the page the reference resolves against.
var refBase = refURL{scheme: "http", host: "example.com", path: "/a/b"}

var refBaseSegments = []string{"a", "b"}

// specialPorts are the special schemes of the WHATWG URL standard and their
// default ports ("" for file).
var specialPorts = map[string]string{"http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21", "file": ""}

// refResolve resolves s against http://example.com/a/b the way the WHATWG
// URL parser (what browsers follow for Location, HX-Redirect and
// location.href) does, for what a redirect check needs: the scheme, the
// authority and a serialized path, query and fragment. It reports false
// where a browser fails to parse s.
//
// Implemented: stripping leading and trailing C0 controls and spaces;
// dropping tab, LF and CR anywhere; the scheme grammar; backslash as slash
// in special URLs (not in their query or fragment); the special authority
// states that skip any number of slashes and backslashes (after "scheme:"
// when the scheme is not the base's, after "//" otherwise); "http:foo"
// with the base's own scheme as a relative reference; non-special schemes
// as opaque; userinfo up to the last "@" of the authority; host
// percent-decoding, forbidden code points, ASCII lower-casing and default
// ports; "." and ".." path segments. Not implemented: IDNA beyond ASCII
// lower-casing (a non-ASCII host stays as it is, so it never equals
// example.com), IPv4/IPv6 host normalization, file URLs' host rules.
func refResolve(s string) (refURL, bool) {
	// Bytes, not runes: a header carries bytes, and decoding invalid UTF-8
	// before dropping a CR would read different text than the header holds.
	for s != "" && s[0] <= 0x20 {
		s = s[1:]
	}
	for s != "" && s[len(s)-1] <= 0x20 {
		s = s[:len(s)-1]
	}
	s = strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(s)
	scheme, rest, ok := refScheme(s)
	if !ok {
		return refRelative(s)
	}
	if _, special := specialPorts[scheme]; !special {
		return refURL{scheme: scheme, opaque: true, path: rest}, true
	}
	if scheme == refBase.scheme {
		// special relative or authority state: only "//" (not "\\")
		// starts an authority; else the rest is relative to the base.
		if strings.HasPrefix(rest, "//") {
			return refAuthority(scheme, rest[2:])
		}
		return refRelative(rest)
	}
	// special authority slashes state, then ignore slashes: any number of
	// "/" and "\" (none included) precede the authority.
	return refAuthority(scheme, rest)
}

// refScheme reads a scheme: an ASCII letter, then letters, digits, "+",
// "-" or ".", then ":".
func refScheme(s string) (scheme, rest string, ok bool) {
	if s == "" || !isASCIILetter(s[0]) {
		return "", s, false
	}
	for i := 1; i < len(s); i++ {
		ch := s[i]
		switch {
		case isASCIILetter(ch), '0' <= ch && ch <= '9', ch == '+', ch == '-', ch == '.':
		case ch == ':':
			return strings.ToLower(s[:i]), s[i+1:], true
		default:
			return "", s, false
		}
	}
	return "", s, false
}

func isSlash(ch byte) bool { return ch == '/' || ch == '\\' }

// refRelative resolves r (without a scheme) against the base, whose scheme
// is special: the relative state.
func refRelative(r string) (refURL, bool) {
	u := refBase
	if r == "" {
		return u, true
	}
	switch {
	case isSlash(r[0]):
		if len(r) > 1 && isSlash(r[1]) {
			return refAuthority(u.scheme, r[2:])
		}
		return refPath(u, nil, r[1:])
	case r[0] == '?', r[0] == '#':
		return refPath(u, append([]string(nil), refBaseSegments...), r)
	}
	return refPath(u, append([]string(nil), refBaseSegments[:len(refBaseSegments)-1]...), r)
}

// refAuthority reads the authority of a special URL after its slashes (any
// number of "/" and "\" are skipped), then its path, query and fragment.
func refAuthority(scheme, a string) (refURL, bool) {
	for a != "" && isSlash(a[0]) {
		a = a[1:]
	}
	if scheme == "file" {
		return refURL{scheme: "file", host: "(file)", path: a}, true
	}
	end := strings.IndexAny(a, "/\\?#")
	if end < 0 {
		end = len(a)
	}
	auth, rest := a[:end], a[end:]
	u := refURL{scheme: scheme}
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		u.userinfo = refEncode(auth[:at], userinfoSet)
		auth = auth[at+1:]
		if auth == "" {
			return refURL{}, false // host missing
		}
	}
	hostPart, port, hasPort := auth, "", false
	inBrackets := false
	for i := 0; i < len(auth); i++ {
		switch auth[i] {
		case '[':
			inBrackets = true
		case ']':
			inBrackets = false
		case ':':
			if !inBrackets {
				hostPart, port, hasPort = auth[:i], auth[i+1:], true
			}
		}
		if hasPort {
			break
		}
	}
	if hostPart == "" {
		return refURL{}, false
	}
	host, ok := refHost(hostPart)
	if !ok {
		return refURL{}, false
	}
	u.host = host
	if hasPort && port != "" {
		for i := 0; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return refURL{}, false
			}
		}
		n, err := strconv.Atoi(port)
		if err != nil || n > 65535 {
			return refURL{}, false
		}
		port = strconv.Itoa(n)
		if port != specialPorts[scheme] {
			u.port = port
		}
	}
	if rest != "" && isSlash(rest[0]) {
		rest = rest[1:]
	}
	return refPath(u, nil, rest)
}

// refHost percent-decodes and checks a host, lower-casing ASCII letters.
func refHost(h string) (string, bool) {
	if strings.HasPrefix(h, "[") {
		if !strings.HasSuffix(h, "]") {
			return "", false
		}
		return strings.ToLower(h), true // IPv6: not example.com either way
	}
	var b strings.Builder
	for i := 0; i < len(h); i++ {
		ch := h[i]
		if ch == '%' && i+2 < len(h) && isHex(h[i+1]) && isHex(h[i+2]) {
			v, _ := strconv.ParseUint(h[i+1:i+3], 16, 8)
			b.WriteByte(byte(v))
			i += 2
			continue
		}
		b.WriteByte(ch)
	}
	d := b.String()
	if d == "" {
		return "", false
	}
	for i := 0; i < len(d); i++ {
		ch := d[i]
		if ch <= 0x20 || ch == 0x7f || strings.IndexByte("#%/:<>?@[\\]^|", ch) >= 0 {
			return "", false
		}
	}
	return strings.ToLower(d), true // ToLower of non-ASCII is harmless: never example.com
}

func isHex(ch byte) bool {
	return '0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F'
}

// Percent-encode sets of the URL standard, beyond C0 controls, space and
// non-ASCII, which every set encodes.
const (
	fragmentSet = "\"<>`"
	querySet    = "\"#<>'" // the special-query set
	pathSet     = "\"#<>?`{}"
	userinfoSet = "\"#<>?`{}/:;=@[\\]^|"
)

func refEncode(s, set string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch <= 0x20 || ch >= 0x7f || strings.IndexByte(set, ch) >= 0 {
			b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(ch)|0x100, 16)[1:]))
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// refPath runs the path state of a special URL from segments over r, then
// the query and fragment states.
func refPath(u refURL, segments []string, r string) (refURL, bool) {
	end := strings.IndexAny(r, "?#")
	if end < 0 {
		end = len(r)
	}
	p, rest := r[:end], r[end:]
	if !(p == "" && rest != "" && segments != nil) { // "?q" and "#f" keep the base path
		parts := splitSlashes(p)
		for i, part := range parts {
			last := i == len(parts)-1
			switch strings.ToLower(part) {
			case "..", ".%2e", "%2e.", "%2e%2e":
				if len(segments) > 0 {
					segments = segments[:len(segments)-1]
				}
				if last {
					segments = append(segments, "")
				}
			case ".", "%2e":
				if last {
					segments = append(segments, "")
				}
			default:
				segments = append(segments, refEncode(part, pathSet))
			}
		}
	}
	u.path = "/" + strings.Join(segments, "/")
	if rest != "" && rest[0] == '?' {
		q := rest[1:]
		rest = ""
		if i := strings.IndexByte(q, '#'); i >= 0 {
			q, rest = q[:i], q[i:]
		}
		q = refEncode(q, querySet)
		u.query = &q
	}
	if rest != "" && rest[0] == '#' {
		f := refEncode(rest[1:], fragmentSet)
		u.fragment = &f
	}
	return u, true
}

// splitSlashes splits a special URL's path at "/" and "\": "" is one empty
// segment, as the path state appends the buffer at its end.
func splitSlashes(p string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(p); i++ {
		if isSlash(p[i]) {
			parts = append(parts, p[start:i])
			start = i + 1
		}
	}
	return append(parts, p[start:])
}

// TestRefResolve pins the reference resolver to what browsers do.
func TestRefResolve(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/ok?x=1#f", "http://example.com/ok?x=1#f"},
		{"ok", "http://example.com/a/ok"},
		{"", "http://example.com/a/b"},
		{"?q", "http://example.com/a/b?q"},
		{"#f", "http://example.com/a/b#f"},
		{"../../../x", "http://example.com/x"},
		{"./", "http://example.com/a/"},
		{" //evil.com", "http://evil.com/"},
		{"\t//evil.com", "http://evil.com/"},
		{"/\\evil.com", "http://evil.com/"},
		{"\\\\evil.com", "http://evil.com/"},
		{"///evil.com", "http://evil.com/"},
		{"\x00//evil.com", "http://evil.com/"},
		{"/\t/evil.com", "http://evil.com/"},
		{"http:evil.com", "http://example.com/a/evil.com"},
		{"http:/evil.com", "http://example.com/evil.com"},
		{"http:\\\\evil.com", "http://evil.com/"},
		{"http:/\\evil.com", "http://evil.com/"},
		{"https:evil.com", "https://evil.com/"},
		{"https:/evil.com", "https://evil.com/"},
		{"HTTPS:\\\\\\evil.com", "https://evil.com/"},
		{"http://example.com@evil.com", "http://example.com@evil.com/"},
		{"http://a@b@evil.com/x", "http://a%40b@evil.com/x"},
		{"http://evil.com\\@example.com", "http://evil.com/@example.com"},
		{"http://EXAMPLE.com/x", "http://example.com/x"},
		{"http://example.com:80/x", "http://example.com/x"},
		{"https://example.com:443", "https://example.com/"},
		{"http://ex%61mple.com/", "http://example.com/"},
		{"http://example.com?q\\x#f\\g", "http://example.com/?q\\x#f\\g"},
		{"/p\\q?a\\b", "http://example.com/p/q?a\\b"},
		{"javascript:alert(1)", "javascript:alert(1)"},
		{"java\tscript:alert(1)", "javascript:alert(1)"},
		{"1http://evil.com", "http://example.com/a/1http://evil.com"},
		{"/a b", "http://example.com/a%20b"},
	}
	for _, tt := range tests {
		got, ok := refResolve(tt.in)
		if !ok {
			t.Errorf("refResolve(%q) failed, want %s", tt.in, tt.want)
			continue
		}
		if got.String() != tt.want {
			t.Errorf("refResolve(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	for _, bad := range []string{"http://", "https://x@", "http://exa mple.com", "http://example.com:8x/", "http://%00/"} {
		if got, ok := refResolve(bad); ok {
			t.Errorf("refResolve(%q) = %s, want a failure", bad, got)
		}
	}
}

// redirectSeeds are hostile and ordinary redirect targets.
var redirectSeeds = []string{
	" //evil.com", "\t//evil.com", "/\\evil.com", "\\\\evil.com", "http:evil.com", "https:evil.com",
	"///evil.com", "http://example.com@evil.com", "javascript:alert(1)", "java\tscript:alert(1)",
	"\x00//evil.com", "/ok?x=1#f", "http://EXAMPLE.com/x", "\n/\n/evil.com", "/\t\\evil.com",
	"http:/\\evil.com", "https:/evil.com", "HTTP://evil.com", "http://evil.com\\@example.com",
	"http://example.com\\@evil.com", "http://example.com:80@evil.com", "http://example.com#@evil.com",
	"http://example.com?@evil.com", "//example.com", "https://example.com/ok", "ok", "?q=\\x", "#f\\g",
	"/p?q=a\\b#c\\d", "http://ex%61mple.com/", "http://example.com./", "http://example.com:80/",
	"\x1f/\x7f/evil.com", "/\u00a0/evil.com", "data:text/html,x", "vbscript:x", "1http://evil.com",
	"http://[::1]/", "ftp://example.com/", "file:///etc/passwd", "http:///example.com", "",
	"   ", "/", "\\", ".", "..", "/..//evil.com", "/.//evil.com", "%2f%2fevil.com", "/%5cevil.com",
}

// checkRedirectAgainstReference fails when checkRedirect accepts s but a
// browser would leave example.com, or when the target it returns means
// another URL than s.
func checkRedirectAgainstReference(t *testing.T, s string) {
	target, offsite, err := checkRedirect(s, "example.com", nil)
	if err != nil {
		if !errors.Is(err, ErrRedirectRefused) {
			t.Fatalf("checkRedirect(%q) error %v does not wrap ErrRedirectRefused", s, err)
		}
		return
	}
	if offsite {
		t.Fatalf("checkRedirect(%q) is offsite without allowed hosts", s)
	}
	for i := 0; i < len(target); i++ {
		if ch := target[i]; ch < 0x20 || ch == 0x7f {
			t.Fatalf("checkRedirect(%q) = %q has a control character", s, target)
		}
	}
	ref, ok := refResolve(s)
	if !ok {
		t.Fatalf("checkRedirect accepted %q, which a browser cannot parse", s)
	}
	if ref.opaque || ref.host != "example.com" || ref.port != "" || ref.userinfo != "" || (ref.scheme != "http" && ref.scheme != "https") {
		t.Fatalf("checkRedirect accepted %q, which a browser resolves to %s", s, ref)
	}
	refT, ok := refResolve(target)
	if !ok || refT.String() != ref.String() {
		t.Fatalf("checkRedirect(%q) = %q: a browser reads it as %s, not %s", s, target, refT, ref)
	}
}

// TestRedirectTargetReference runs the seeds through the property of
// FuzzRedirectTarget, and pins which of them are refused.
func TestRedirectTargetReference(t *testing.T) {
	for _, s := range redirectSeeds {
		t.Run(strconv.Quote(s), func(t *testing.T) { checkRedirectAgainstReference(t, s) })
	}
	tests := []struct {
		in     string
		target string // "" when refused
	}{
		{" //evil.com", ""},
		{"\t//evil.com", ""},
		{"/\\evil.com", ""},
		{"\\\\evil.com", ""},
		{"http:evil.com", ""},
		{"https:evil.com", ""},
		{"///evil.com", ""},
		{"http://example.com@evil.com", ""},
		{"javascript:alert(1)", ""},
		{"java\tscript:alert(1)", ""},
		{"\x00//evil.com", ""},
		{"\n/\n/evil.com", ""},
		{"http://evil.com\\@example.com", ""},
		{"/ok?x=1#f", "/ok?x=1#f"},
		{" /ok\t", "/ok"},
		{"http://EXAMPLE.com/x", "http://EXAMPLE.com/x"},
		{"https://example.com/ok", "https://example.com/ok"},
		{"/p\\q?r=a\\b#c\\d", "/p/q?r=a\\b#c\\d"},
		{"ok", "ok"},
	}
	for _, tt := range tests {
		got, _, err := checkRedirect(tt.in, "example.com", nil)
		if tt.target == "" {
			if err == nil {
				t.Errorf("checkRedirect(%q) = %q, want refused", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.target {
			t.Errorf("checkRedirect(%q) = %q, %v; want %q", tt.in, got, err, tt.target)
		}
	}
}

// FuzzRedirectTarget checks checkRedirect against the reference resolver:
// whatever it accepts, a browser resolves on example.com, to the same URL
// as the target it returns.
func FuzzRedirectTarget(f *testing.F) {
	for _, s := range redirectSeeds {
		f.Add(s)
	}
	f.Fuzz(checkRedirectAgainstReference)
}
