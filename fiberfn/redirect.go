package fiberfn

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// ErrRedirectRefused is returned (wrapped) by [Redirect] and [Location] for
// a target that could send the browser somewhere it should not go: an
// off-site URL whose host is not in [Config].AllowedRedirectHosts, a
// scheme-relative "//host" target, a non-http scheme, or one containing
// control characters or backslashes.
var ErrRedirectRefused = errors.New("fiberfn: redirect target refused")

type redirectKind uint8

const (
	noRedirect redirectKind = iota
	fullRedirect
	clientNavigation
)

// redirect is a redirect asked for during the request.
type redirect struct {
	location string
	kind     redirectKind
	status   int
}

// Redirect redirects the caller to location after the handler returns.
// A plain request gets 302 Found (or [Config].RedirectStatus) and a
// Location header. An HTMX request gets 200 and an HX-Redirect header and
// no 3xx, because fetch and XHR would follow a 3xx silently and swap the
// whole next page into the target.
//
// Relative targets are always allowed; absolute http(s) URLs only when
// their host is in [Config].AllowedRedirectHosts. A refused target is not
// used and the returned error wraps [ErrRedirectRefused].
func Redirect(c *fiber.Ctx, location string) error {
	return setRedirect(c, location, fullRedirect, 0)
}

// RedirectWithStatus is [Redirect] with the status a plain request gets,
// for example 303 See Other or 301 Moved Permanently.
func RedirectWithStatus(c *fiber.Ctx, location string, status int) error {
	if status < 300 || status > 399 {
		return errors.New("fiberfn: redirect status must be 3xx")
	}
	return setRedirect(c, location, fullRedirect, status)
}

// Location is [Redirect] that, for HTMX requests, navigates on the client
// side with HX-Location (an AJAX load of the target, no full page reload)
// instead of HX-Redirect. Plain requests get the same 302 as [Redirect].
func Location(c *fiber.Ctx, location string) error {
	return setRedirect(c, location, clientNavigation, 0)
}

func setRedirect(c *fiber.Ctx, location string, kind redirectKind, status int) error {
	st := stateOf(c)
	var allowed []string
	if st.plugin != nil {
		allowed = st.plugin.cfg.AllowedRedirectHosts
	}
	if err := checkRedirect(location, allowed); err != nil {
		return err
	}
	st.resp.redirect = redirect{location: location, kind: kind, status: status}
	return nil
}

// checkRedirect accepts relative targets and absolute http(s) URLs to
// allowed hosts.
func checkRedirect(location string, allowedHosts []string) error {
	if location == "" {
		return refused(location, "empty target")
	}
	for i := 0; i < len(location); i++ {
		if ch := location[i]; ch < 0x20 || ch == 0x7f || ch == '\\' {
			return refused(location, "control character or backslash")
		}
	}
	if strings.HasPrefix(location, "//") {
		return refused(location, "scheme-relative target")
	}
	if location[0] == '/' {
		return nil // a path on this site: the common case, no parsing needed
	}
	u, err := url.Parse(location)
	if err != nil {
		return refused(location, "malformed URL")
	}
	if u.Scheme == "" && u.Host == "" {
		return nil
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return refused(location, "scheme "+u.Scheme)
	}
	if u.User != nil {
		return refused(location, "credentials in URL")
	}
	for _, h := range allowedHosts {
		if strings.EqualFold(h, u.Host) || strings.EqualFold(h, u.Hostname()) {
			return nil
		}
	}
	return refused(location, "host "+u.Host+" is not allowed")
}

func refused(location, why string) error {
	return &redirectError{location: location, why: why}
}

type redirectError struct{ location, why string }

func (e *redirectError) Error() string {
	return ErrRedirectRefused.Error() + ": " + e.why + " (" + strconvQuote(e.location) + ")"
}

func (e *redirectError) Unwrap() error { return ErrRedirectRefused }

// strconvQuote quotes s for a log line, shortened so a hostile target
// cannot flood logs.
func strconvQuote(s string) string {
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return url.PathEscape(s)
}

// writeRedirect writes the redirect r for the caller.
// The caller adds Vary: HX-Request.
func writeRedirect(c *fiber.Ctx, r redirect, htmx bool, defaultStatus int) {
	if htmx {
		c.Status(http.StatusOK)
		if r.kind == clientNavigation {
			c.Set(HeaderHXLocation, r.location)
		} else {
			c.Set(HeaderHXRedirect, r.location)
		}
		return
	}
	status := r.status
	if status == 0 {
		status = defaultStatus
	}
	c.Location(r.location)
	c.Status(status)
}

// varyHX adds "Vary: HX-Request", once: the answer differs for HTMX
// callers.
func varyHX(c *fiber.Ctx) {
	h := &c.Response().Header
	if !bytes.Contains(h.Peek(fiber.HeaderVary), []byte(HeaderHXRequest)) {
		h.Add(fiber.HeaderVary, HeaderHXRequest)
	}
}

// sameOriginReferer returns the path and query of the request's Referer
// when it is on this host, else fallback.
func sameOriginReferer(c *fiber.Ctx, fallback string) string {
	ref := c.Get(fiber.HeaderReferer)
	if ref == "" {
		return fallback
	}
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !strings.EqualFold(u.Host, string(c.Request().Header.Host())) {
		return fallback
	}
	target := u.EscapedPath()
	if target == "" || !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "//") {
		target = "/"
	}
	if u.RawQuery != "" {
		target += "?" + u.RawQuery
	}
	if checkRedirect(target, nil) != nil {
		return fallback
	}
	return target
}
