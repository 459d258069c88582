package fiberfn

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
)

// RedirectHeader is the response header that tells a JSON caller where a
// server function (or page) redirected: JSON callers get a 2xx with the
// function's value, not a 3xx that fetch would follow silently (like
// Leptos' "serverfnredirect").
const RedirectHeader = "Fiberfn-Redirect"

// ErrRedirectRefused is returned (wrapped) by [Redirect] and [Navigate] for
// a target that a browser would take somewhere it should not go: another
// host not in [Config].AllowedRedirectHosts (also when written as
// "//host", "/\host" or with tabs, newlines or leading spaces, which
// browsers drop), a scheme other than http and https, credentials in the
// URL, or a plain http:// URL when the request came over HTTPS (a
// downgrade; see [Config].AllowedRedirectHosts for the exceptions).
var ErrRedirectRefused = errors.New("fiberfn: redirect target refused")

// ErrNoPlugin is returned by [Redirect] and [Navigate] when the request did
// not pass through the plugin ([Mount], or [New] in an app without server
// functions), which is what writes the redirect.
var ErrNoPlugin = errors.New("fiberfn: the plugin is not installed; add fiberfn.Mount(app) before this handler")

// redirect is a redirect asked for during the request.
type redirect struct {
	location string // normalized as a browser reads it
	navigate bool   // htmx: HX-Location rather than HX-Redirect
	offsite  bool   // to an allowed other host
}

// Redirect redirects the caller to location after the handler returns,
// the right way for each caller:
//
//   - plain browser, boosted and htmx 4 "full" requests, history restore:
//     a real redirect, 302 Found (or [Config].RedirectStatus, or a 3xx set
//     with [ResponseOptions.SetStatus]) with a Location header;
//   - htmx partial request: 200 with HX-Redirect and no 3xx, because fetch
//     and XHR would follow a 3xx silently and swap the next page into the
//     target;
//   - JSON caller: the function's value (a page's body) with a 2xx and the
//     target in the [RedirectHeader] header.
//
// Relative targets and URLs of the request's own host are allowed; other
// hosts only when listed in [Config].AllowedRedirectHosts. A request that
// came over HTTPS ([IsHTTPS]) is never sent to a plain http:// URL, of
// its own host or any other, except loopback hosts and hosts allowed for
// plain HTTP. The target is read as a browser reads it (see
// [ErrRedirectRefused]). A refused target is not used and the returned
// error wraps ErrRedirectRefused.
func Redirect(c *fiber.Ctx, location string) error {
	return setRedirect(c, location, false)
}

// Navigate is [Redirect] that, for htmx partial requests, loads the target
// page without a full reload (HX-Location): htmx 2 and htmx 4 fetch it as a
// full page, swap its body in, take its title and push its URL. Every other
// caller gets what Redirect gives it.
func Navigate(c *fiber.Ctx, location string) error {
	return setRedirect(c, location, true)
}

func setRedirect(c *fiber.Ctx, location string, navigate bool) error {
	st := stateOf(c)
	if st.plugin == nil {
		return ErrNoPlugin
	}
	fromHTTPS := !isPlainPath(location) && IsHTTPS(c) // a plain path keeps the scheme
	target, offsite, err := checkRedirectFrom(location, string(c.Request().Header.Host()), fromHTTPS, st.plugin.cfg.AllowedRedirectHosts)
	if err != nil {
		return err
	}
	st.resp.redirect = redirect{location: target, navigate: navigate, offsite: offsite}
	return nil
}

// navigateSpec is the HX-Location value of Navigate: target the body and
// mark the request "full", so htmx 2 (which sends no such marker itself)
// and htmx 4 both get the whole page.
type navigateSpec struct {
	Path    string            `json:"path"`
	Target  string            `json:"target"`
	Headers map[string]string `json:"headers"`
}

// writeRedirect answers the redirect of the request in the caller's
// shape. For JSON callers, value (already marshalled, may be nil) is the
// body.
func (p *plugin) writeRedirect(c *fiber.Ctx, st *requestState, value []byte) {
	r := &st.resp
	rd := r.redirect
	st.classify(c)
	st.addVary(c)
	who := st.who
	switch {
	case who == jsonCaller:
		c.Set(RedirectHeader, rd.location)
		if r.status >= 200 && r.status <= 299 {
			c.Status(r.status)
		} else if c.Response().StatusCode() >= 300 {
			c.Status(http.StatusOK)
		}
		if value != nil {
			c.Response().SetBodyRaw(value)
			c.Type("json")
		}
	case who == htmxPartial || (who == htmxFullPage && rd.offsite):
		c.Response().ResetBody()
		c.Status(http.StatusOK)
		if rd.navigate && !rd.offsite {
			b, _ := json.Marshal(navigateSpec{Path: rd.location, Target: "body", Headers: map[string]string{htmx.HeaderRequestType: "full"}})
			c.Set(htmx.HeaderLocation, string(b))
		} else {
			c.Set(htmx.HeaderRedirect, rd.location)
		}
	default:
		c.Response().ResetBody()
		c.Location(rd.location)
		c.Status(p.redirectStatus(r))
	}
}
