package fiberfn

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// SetVersion names the version of what a GET function answers (say, the
// time its data last changed): the answer's ETag is then made from it
// rather than from the rendered bytes, and SetVersion reports whether the
// caller already has that version (If-None-Match). When it does, the
// function may return a zero result at once: nothing is rendered and the
// answer is a 304 Not Modified. The version must change whenever anything
// the answer shows changes. While a one-time message waits for the page (a
// Notify notice or a Flash after a redirect), SetVersion reports false and
// the answer's ETag is made from its body: the caller's copy lacks the
// message, and the copy with it must not be reused later.
//
//	v := store.Version(userID)
//	if fiberfn.SetVersion(c, v) {
//		return Contacts{}, nil // 304
//	}
func SetVersion(c *fiber.Ctx, version string) bool {
	st := stateOf(c)
	st.version = version
	st.classify(c)
	if st.fn == nil || !st.fn.get || !isGet(c) || version == "" {
		return false
	}
	if st.plugin != nil && st.plugin.hasOneTimeCookie(c) {
		// A notice or a flash waits to be shown: the copy the caller has
		// lacks it, and the answer that shows it must not be taken for
		// the version (its ETag is made from its body instead).
		st.version = ""
		return false
	}
	return etagMatches(c.Request().Header.Peek(fiber.HeaderIfNoneMatch), versionETag(version, st.who))
}

// hasOneTimeCookie reports whether the request carries a flash or a
// notice cookie, a one-time message for the page it asks for.
func (p *plugin) hasOneTimeCookie(c *fiber.Ctx) bool {
	secure := p.secure(c)
	return c.Cookies(cookieName(p.cfg.FlashCookie, secure)) != "" || c.Cookies(cookieName(p.cfg.NoticeCookie, secure)) != ""
}

// notModified reports whether the caller already has the version the
// function set, so nothing needs rendering.
func (p *plugin) notModified(c *fiber.Ctx, st *requestState) bool {
	return !noStore(c) && etagMatches(c.Request().Header.Peek(fiber.HeaderIfNoneMatch), versionETag(st.version, st.who))
}

// validate gives a GET function's 200 answer its validator: an ETag made
// from the version the function set, else from the answer (who asked, the
// body and htmx's response headers, so a fragment, a page and JSON never
// share one), and Cache-Control "private, no-cache" unless the app set
// its own; a matching If-None-Match turns it into a 304. An answer marked
// no-store gets neither.
func (p *plugin) validate(c *fiber.Ctx, st *requestState) {
	resp := c.Response()
	if resp.StatusCode() != http.StatusOK || noStore(c) {
		return
	}
	var etag string
	if st.version != "" {
		etag = versionETag(st.version, st.who)
	} else {
		etag = bodyETag(resp, st.who)
	}
	resp.Header.Set(fiber.HeaderETag, etag)
	if len(resp.Header.Peek(fiber.HeaderCacheControl)) == 0 {
		resp.Header.Set(fiber.HeaderCacheControl, "private, no-cache")
	}
	if etagMatches(c.Request().Header.Peek(fiber.HeaderIfNoneMatch), etag) {
		resp.ResetBody()
		resp.SetStatusCode(http.StatusNotModified)
	}
}

// noStore reports whether the answer is marked Cache-Control: no-store.
func noStore(c *fiber.Ctx) bool {
	return bytes.Contains(bytes.ToLower(c.Response().Header.Peek(fiber.HeaderCacheControl)), []byte("no-store"))
}

// FNV-1a, 64 bits.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

func fnvAddString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

// shape is the kind of representation a caller gets of a GET: JSON, an
// htmx fragment or a whole page. Two shapes never share an ETag.
func shape(who caller) byte {
	switch who {
	case jsonCaller:
		return 'j'
	case htmxPartial:
		return 'f'
	}
	return 'p'
}

// versionETag is the weak ETag of a version, for one kind of caller.
func versionETag(version string, who caller) string {
	h := fnvAdd(fnvOffset, []byte{'v', shape(who), 0})
	return weakETag(fnvAddString(h, version))
}

// bodyETag is the weak ETag of an answer: who asked, its htmx headers and
// its body. Weak, because compression middleware may still change the
// bytes.
func bodyETag(resp *fiber.Response, who caller) string {
	h := fnvAdd(fnvOffset, []byte{'b', shape(who), 0})
	resp.Header.VisitAll(func(k, v []byte) {
		if len(k) > 3 && (k[0] == 'H' || k[0] == 'h') && (k[1] == 'X' || k[1] == 'x') && k[2] == '-' {
			h = fnvAdd(h, k)
			h = fnvAdd(h, v)
			h = fnvAdd(h, []byte{0})
		}
	})
	h = fnvAdd(h, resp.Header.ContentType())
	return weakETag(fnvAdd(h, resp.Body()))
}

func weakETag(h uint64) string {
	b := make([]byte, 0, 20)
	b = append(b, `W/"`...)
	s := strconv.FormatUint(h, 16)
	for i := len(s); i < 16; i++ {
		b = append(b, '0')
	}
	b = append(b, s...)
	return string(append(b, '"'))
}

// etagMatches reports whether an If-None-Match value names etag, by the
// weak comparison RFC 9110 prescribes for it ("*" names any).
func etagMatches(ifNoneMatch []byte, etag string) bool {
	if len(ifNoneMatch) == 0 {
		return false
	}
	want := bytes.TrimPrefix([]byte(etag), []byte("W/"))
	for _, part := range bytes.Split(ifNoneMatch, []byte(",")) {
		part = bytes.TrimSpace(part)
		if string(part) == "*" {
			return true
		}
		if bytes.Equal(bytes.TrimPrefix(part, []byte("W/")), want) {
			return true
		}
	}
	return false
}
