package app

import (
	"strings"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/helmet"
	"github.com/valyala/fasthttp"
)

// ContentSecurityPolicy is the policy of every response. Scripts and
// styles come only from the site's own files: no inline script, no inline
// style, no eval. htmx runs under it with the settings of the layout's
// htmx-config meta tag (see templates/layouts/main.html): htmx 2 without
// its inline indicator <style>, eval and script tags, htmx 4 without its
// indicator stylesheet (public/css/app.css has the same rules).
const ContentSecurityPolicy = "default-src 'none'; " +
	"script-src 'self'; " +
	"style-src 'self'; " +
	"img-src 'self' data:; " +
	"connect-src 'self'; " +
	"form-action 'self'; " +
	"frame-ancestors 'none'; " +
	"base-uri 'none'; " +
	"object-src 'none'"

// HSTS is the Strict-Transport-Security value of answers to HTTPS
// requests: 180 days, this host only.
const HSTS = "max-age=15552000"

// securityHeaders sets the headers every response should have, through
// Fiber's helmet middleware: the CSP above, nosniff, no framing, a
// same-origin Referer (fiberfn sends a no-JavaScript form post back to
// the same-origin Referer, so it must not be "no-referrer"), and HSTS on
// HTTPS requests. HSTS is set here rather than by helmet, which reads
// c.Protocol() and so misses "X-Forwarded-Proto: HTTPS" and Forwarded;
// fiberfn.IsHTTPS reads both (from trusted proxies only).
func securityHeaders() fiber.Handler {
	h := helmet.New(helmet.Config{
		ContentSecurityPolicy:     ContentSecurityPolicy,
		XFrameOptions:             "DENY",
		ReferrerPolicy:            "same-origin",
		CrossOriginEmbedderPolicy: "require-corp",
		CrossOriginOpenerPolicy:   "same-origin",
		CrossOriginResourcePolicy: "same-origin",
		PermissionPolicy:          "camera=(), microphone=(), geolocation=(), payment=()",
	})
	return func(c *fiber.Ctx) error {
		if fiberfn.IsHTTPS(c) {
			c.Set(fiber.HeaderStrictTransportSecurity, HSTS)
		}
		return h(c)
	}
}

// isStatic reports whether the request is for a static file under
// /public, the only answers that do not depend on the session.
func isStatic(c *fiber.Ctx) bool {
	p := c.Path()
	return p == StaticPrefix || strings.HasPrefix(p, StaticPrefix+"/")
}

// noStore forbids caches (the browser's back/forward cache and HTTP cache
// included) to keep any answer but the static files: every page and
// fragment depends on who is logged in, and after logout the Back button
// must not show the previous user's tasks. It sets the header before the
// handler (so error answers have it) and again after (so no handler can
// loosen it). Under the static prefix only files may be cached: a miss,
// a refusal or an error is no-store too.
func noStore(c *fiber.Ctx) error {
	if isStatic(c) {
		err := c.Next()
		if st := c.Response().StatusCode(); err != nil || st >= fiber.StatusMultipleChoices && st != fiber.StatusNotModified {
			c.Set(fiber.HeaderCacheControl, "no-store")
		}
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	err := c.Next()
	c.Set(fiber.HeaderCacheControl, "no-store")
	return err
}

// secureCookies returns a middleware that marks every cookie of the
// response Secure when always is set or when the request came over HTTPS
// (fiberfn.IsHTTPS, which believes X-Forwarded-Proto and Forwarded only
// from the proxies in Fiber's TrustedProxies). fiberfn marks its own cookies (flash, notice)
// by the same rule (Config.SecureCookies); this covers the others, the
// session cookie above all, whoever set them, because it runs after the
// handler and the fiberfn plugin have finished.
func secureCookies(always bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		err := c.Next()
		if !always && !fiberfn.IsHTTPS(c) {
			return err
		}
		markCookiesSecure(&c.Response().Header)
		return err
	}
}

// markCookiesSecure adds the Secure attribute to every Set-Cookie of h.
func markCookiesSecure(h *fasthttp.ResponseHeader) {
	var insecure []*fasthttp.Cookie
	h.VisitAllCookie(func(_, value []byte) {
		ck := fasthttp.AcquireCookie()
		if err := ck.ParseBytes(value); err != nil || ck.Secure() {
			fasthttp.ReleaseCookie(ck)
			return
		}
		insecure = append(insecure, ck)
	})
	for _, ck := range insecure {
		ck.SetSecure(true)
		h.SetCookie(ck) // replaces the cookie of the same name
		fasthttp.ReleaseCookie(ck)
	}
}
