package fiberfn

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
)

// Purposes of signed values: a value signed for one is never accepted for
// another.
const (
	purposeFlash  = "fiberfn-flash"
	purposeNotice = "fiberfn-notice"
	purposeOnce   = "fiberfn-once"
)

// sealOverhead is what sealing a value now adds to it: the expiry in
// base 36 (six digits until 2039, seven after) and "~" before it, "." and
// 43 characters of signature after.
func sealOverhead() int {
	return len(strconv.FormatInt(time.Now().Add(cookieLifetime).Unix(), 36)) + 1 + 44
}

// cookieLifetime is how long a flash or notice waits for the next page.
const cookieLifetime = time.Minute

// setSignedCookie sets a short-lived, HTTP-only, SameSite=Lax cookie
// holding value sealed for purpose: signed together with the client's
// identity (given a client cookie now if it has none) and the cookie's
// expiry, so no other client, and no later request, accepts it. A Secure
// cookie's name gets the __Host- prefix.
func (p *plugin) setSignedCookie(c *fiber.Ctx, name, purpose, value string) {
	secure := p.secure(c)
	exp := time.Now().Add(cookieLifetime)
	c.Cookie(&fiber.Cookie{
		Name:     cookieName(name, secure),
		Value:    p.signer.seal(purpose, p.ensureClientID(c), exp, value),
		Path:     "/",
		MaxAge:   int(cookieLifetime / time.Second),
		Expires:  exp,
		HTTPOnly: true,
		Secure:   secure,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// takeCookie returns the plugin and the value of one of its one-time
// cookies (name picks it from the config; with the __Host- prefix on a
// Secure request), and clears the cookie in this response; the value is ""
// without the plugin or the cookie.
func takeCookie(c *fiber.Ctx, name func(*Config) string) (*plugin, string) {
	p := stateOf(c).plugin
	if p == nil {
		return nil, ""
	}
	full := cookieName(name(&p.cfg), p.secure(c))
	raw := c.Cookies(full)
	if raw != "" {
		p.clearCookie(c, full)
	}
	return p, raw
}

// openCookie returns the value of a cookie sealed for purpose, when it was
// sealed for this client and has not expired.
func (p *plugin) openCookie(c *fiber.Ctx, purpose, raw string) (string, bool) {
	return p.signer.open(purpose, p.clientID(c), time.Now(), raw)
}

// clearCookie expires a cookie fiberfn set, by its full name.
func (p *plugin) clearCookie(c *fiber.Ctx, name string) {
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Path:     "/",
		MaxAge:   -1,
		Expires:  time.Unix(1, 0),
		HTTPOnly: true,
		Secure:   p.secure(c),
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// flashLimit is the largest flash or notice cookie value for this app.
func (p *plugin) flashLimit(c *fiber.Ctx) int {
	if p.cfg.FlashMaxBytes > 0 {
		return p.cfg.FlashMaxBytes
	}
	rb := c.App().Config().ReadBufferSize
	if rb <= 0 {
		rb = 4096
	}
	if rb/4 < 512 {
		return 512
	}
	return rb / 4
}
