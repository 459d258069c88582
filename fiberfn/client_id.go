package fiberfn

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The client identity: one value per client (a browser, or a JSON client
// that keeps cookies) that fiberfn binds its per-client state to, so that
// nothing one client got can be used by another:
//
//   - the flash and notice cookies are signed together with it (and an
//     expiry), so a cookie made for one client is ignored by every other;
//   - the answers of once-only functions are stored under it (or under
//     [Config].OnceScope), so a stored answer is replayed only to the
//     client that stored it, and another client sending the same form
//     token or Idempotency-Key cannot tell that it was used.
//
// It is [Config].ClientID's value when that is set and returns a value,
// else the client cookie fiberfn sets ([Config].ClientCookie): 128 random
// bits, opaque, HttpOnly, SameSite=Lax, for a year; named with the
// __Host- prefix when Secure, so no other subdomain can plant one.
//
// The cookie is set by the first answer that needs it: an HTML page
// (GET or HEAD, not marked public for shared caches), a once-only
// request, a flash or a notice.

// clientIDBytes is the number of random bytes of a client cookie.
const clientIDBytes = 16

// clientIDLen is the length of a client cookie's value (base64url).
var clientIDLen = base64.RawURLEncoding.EncodedLen(clientIDBytes)

// clientCookieLifetime is how long a client cookie lasts.
const clientCookieLifetime = 365 * 24 * time.Hour

// hostPrefix makes a Secure cookie host-only, for this path-/ site only.
const hostPrefix = "__Host-"

// cookieName is the name of one of fiberfn's cookies: with the __Host-
// prefix when the cookie is Secure.
func cookieName(name string, secure bool) string {
	if !secure || len(name) >= len(hostPrefix) && name[:len(hostPrefix)] == hostPrefix {
		return name
	}
	return hostPrefix + name
}

// clientIDKey is the locals key of the request's client identity.
type clientIDKey struct{}

// clientID returns the identity of the client making the request, or ""
// when it has none: "a:" and [Config].ClientID's value, else "c:" and the
// client cookie's.
func (p *plugin) clientID(c *fiber.Ctx) string {
	if id, ok := c.Locals(clientIDKey{}).(string); ok {
		return id
	}
	id := ""
	if p.cfg.ClientID != nil {
		if v := p.cfg.ClientID(c); v != "" {
			id = "a:" + v
		}
	}
	if id == "" {
		if v := p.clientCookie(c); v != nil {
			id = "c:" + string(v)
		}
	}
	if id != "" {
		c.Locals(clientIDKey{}, id)
	}
	return id
}

// clientCookie returns the request's well-formed client cookie, or nil.
func (p *plugin) clientCookie(c *fiber.Ctx) []byte {
	v := c.Request().Header.Cookie(cookieName(p.cfg.ClientCookie, p.secure(c)))
	if len(v) != clientIDLen {
		return nil
	}
	for _, ch := range v {
		if !('a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' || ch == '-' || ch == '_') {
			return nil
		}
	}
	return v
}

// ensureClientID returns the client's identity, giving the client a new
// client cookie in this answer when it has none.
func (p *plugin) ensureClientID(c *fiber.Ctx) string {
	if id := p.clientID(c); id != "" {
		return id
	}
	v := newClientID()
	p.setClientCookie(c, v)
	id := "c:" + v
	c.Locals(clientIDKey{}, id)
	return id
}

// newClientID returns a fresh client cookie value.
func newClientID() string {
	var b [clientIDBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("fiberfn: no randomness for a client id: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (p *plugin) setClientCookie(c *fiber.Ctx, value string) {
	secure := p.secure(c)
	c.Cookie(&fiber.Cookie{
		Name:     cookieName(p.cfg.ClientCookie, secure),
		Value:    value,
		Path:     "/",
		MaxAge:   int(clientCookieLifetime / time.Second),
		Expires:  time.Now().Add(clientCookieLifetime),
		HTTPOnly: true,
		Secure:   secure,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// offerClientCookie gives a client without an identity its client cookie
// with an HTML page, so the forms on the page are posted with one. Pages
// that a shared cache may keep (Cache-Control public or s-maxage) get
// none: the cache would hand one identity to everyone.
func (p *plugin) offerClientCookie(c *fiber.Ctx) {
	resp := c.Response()
	if !bytes.HasPrefix(resp.Header.ContentType(), []byte("text/html")) {
		return
	}
	if m := c.Method(); m != fiber.MethodGet && m != fiber.MethodHead {
		return
	}
	if cc := resp.Header.Peek(fiber.HeaderCacheControl); bytes.Contains(cc, []byte("public")) || bytes.Contains(cc, []byte("s-maxage")) {
		return
	}
	p.ensureClientID(c)
}

// bindingOf is what a sealed cookie is bound to besides its purpose: the
// client identity, length-prefixed so no identity can pose as another.
func bindingOf(purpose, client string) string {
	return purpose + "\x00" + strconv.Itoa(len(client)) + ":" + client
}
