package fiberfn

import (
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

// signatureOverhead is what signing adds to a value: "." and 43 characters.
const signatureOverhead = 44

// cookieLifetime is how long a flash or notice waits for the next page.
const cookieLifetime = time.Minute

// setSignedCookie sets a short-lived, HTTP-only, SameSite=Lax cookie
// holding value signed for purpose.
func (p *plugin) setSignedCookie(c *fiber.Ctx, name, purpose, value string) {
	c.Cookie(&fiber.Cookie{
		Name:     name,
		Value:    p.signer.sign(purpose, value),
		Path:     "/",
		MaxAge:   int(cookieLifetime / time.Second),
		Expires:  time.Now().Add(cookieLifetime),
		HTTPOnly: true,
		Secure:   p.secure(c),
		SameSite: fiber.CookieSameSiteLaxMode,
	})
}

// takeCookie returns the plugin and the value of one of its one-time
// cookies (name picks it from the config), and clears the cookie in this
// response; the value is "" without the plugin or the cookie.
func takeCookie(c *fiber.Ctx, name func(*Config) string) (*plugin, string) {
	p := stateOf(c).plugin
	if p == nil {
		return nil, ""
	}
	raw := c.Cookies(name(&p.cfg))
	if raw != "" {
		p.clearCookie(c, name(&p.cfg))
	}
	return p, raw
}

// clearCookie expires a cookie fiberfn set.
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
