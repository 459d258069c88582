package fiberfn

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
)

// answerKind is the kind of decision a step of a request returns.
type answerKind uint8

const (
	answerPage    answerKind = iota // a page handler returned (err: its error)
	answerValue                     // the function returned out
	answerError                     // a guard, the decoder, Validate or the function failed with err
	answerRefusal                   // the plugin refused the request (err is an *Error)
	answerReplay                    // a once-only token seen before: its stored answer
	answerKept                      // a guard answered the request itself
)

// answer is a decision to write: what the request's steps (the plugin's
// checks, the decoder, the guards, once-only, the function, a page
// handler) hand to write.
type answer struct {
	kind   answerKind
	out    any         // answerValue
	err    error       // answerPage, answerError, answerRefusal
	carry  bool        // answerError, answerRefusal: carry a plain post's values back
	stored *onceAnswer // answerReplay
	digest string      // answerReplay: the digest of this request's values
}

// failure is the answer to err, returned by a guard, the decoder,
// Validate or the function: the user's message (or a generic 500 for an
// unexpected error, logged), a plain post's values carried back.
func failure(err error) answer {
	return answer{kind: answerError, err: err, carry: true}
}

// refusal is the answer to a request the plugin refuses before anything
// ran (403, 413, 415...), or that once-only refuses.
func refusal(ue *Error, carry bool) answer {
	return answer{kind: answerRefusal, err: ue, carry: carry}
}

// write writes a's answer, in the caller's shape: the one place that
// writes every answer of a server function (and applies a page's options
// after its handler). It names the caller's headers in Vary, writes the
// answer, then applies what the handler set through Response (headers,
// cookies), sends a notice, validates a GET's answer (ETag, 304) and
// finishes or gives back a once-only claim.
func (p *plugin) write(c *fiber.Ctx, st *requestState, a answer) error {
	var fragment bool // an htmx fragment: a notice goes as an event
	var err error
	if st.fn != nil {
		st.addVary(c) // every answer of a function depends on who asked
	}
	switch a.kind {
	case answerPage:
		fragment, err = p.writePage(c, st, a.err)
	case answerValue:
		fragment, err = p.writeValue(c, st, a.out)
	case answerError:
		err = p.writeFailure(c, st, a.err, a.carry)
	case answerRefusal:
		err = p.writeError(c, st, a.err.(*Error), a.carry)
	case answerReplay:
		err = p.writeReplay(c, st, a.stored, a.digest)
	case answerKept:
		err = p.writeKept(c, st)
	}
	st.resp.applyHeaders(c, p.secure)
	if st.notice != "" {
		p.writeNotice(c, st, fragment)
	}
	if a.kind == answerPage || a.kind == answerValue && isGet(c) {
		p.offerClientCookie(c) // the page's forms are posted with a client identity
	}
	if a.kind == answerValue && !st.failed && st.fn.get && isGet(c) {
		p.validate(c, st)
	}
	if st.claim != nil {
		if st.failed {
			st.claim.abandon()
		} else {
			st.claim.finish(c, st.who)
		}
		st.claim = nil
	}
	if err != nil {
		st.passOn = err
	}
	return err
}

// writePage finishes a page handler's answer: its redirect, or its
// out-of-band parts for an htmx partial request, and its status.
func (p *plugin) writePage(c *fiber.Ctx, st *requestState, err error) (bool, error) {
	if err != nil {
		err = asFiberError(err)
	}
	r := &st.resp
	if r.redirect.location != "" {
		p.writeRedirect(c, st, nil)
		return false, err
	}
	// Only out-of-band parts and notices depend on who is asking; a page
	// without them needs no classification (and no Vary).
	fragment := (len(st.oob) > 0 || st.notice != "") && callerOf(c) == htmxPartial
	if fragment {
		if oerr := p.writeOOB(c, st); oerr != nil && err == nil {
			err = oerr
		}
	}
	r.applyStatus(c)
	return fragment, err
}

// writeValue writes the success answer of a function whose result is
// out: its redirect, else JSON, the htmx fragment (or the removal of the
// target), a GET's full page, or a redirect back to the page.
func (p *plugin) writeValue(c *fiber.Ctx, st *requestState, out any) (bool, error) {
	m, who, r := st.fn, st.who, &st.resp
	if who == jsonCaller {
		st.notice = "" // JSON callers show their own messages
	}
	if r.redirect.location != "" {
		var value []byte
		if who == jsonCaller {
			b, err := c.App().Config().JSONEncoder(out)
			if err != nil {
				return false, p.writeFailure(c, st, err, true)
			}
			value = b
		}
		p.writeRedirect(c, st, value)
		return false, nil
	}
	if st.version != "" && m.get && isGet(c) && p.notModified(c, st) {
		return who == htmxPartial, nil // nothing rendered: the caller has it
	}
	switch {
	case who == jsonCaller:
		if err := c.JSON(out); err != nil {
			return false, p.writeFailure(c, st, err, true)
		}
	case who == htmxPartial && st.remove:
		// An empty 200 with HX-Reswap: delete removes the target in htmx
		// 2 and htmx 4 alike, whatever the element's hx-swap, and the
		// out-of-band parts still land (htmx 4 skips an empty main swap
		// after out-of-band parts, but never a delete).
		c.Status(http.StatusOK)
		c.Type("html", "utf-8")
		c.Set(htmx.HeaderReswap, "delete")
		if err := p.writeOOB(c, st); err != nil {
			c.Response().ResetBody()
			return false, p.writeFailure(c, st, err, true)
		}
	case who == htmxPartial:
		if m.fragment == nil && len(st.oob) == 0 {
			c.Status(http.StatusNoContent)
			break
		}
		c.Type("html", "utf-8")
		if m.fragment != nil {
			if err := m.fragment(c, c.Response().BodyWriter(), out); err != nil {
				c.Response().ResetBody()
				return false, p.writeFailure(c, st, err, true)
			}
		}
		if err := p.writeOOB(c, st); err != nil {
			c.Response().ResetBody()
			return false, p.writeFailure(c, st, err, true)
		}
	case m.fullPage != nil && isGet(c):
		c.Type("html", "utf-8")
		if err := m.fullPage(c, c.Response().BodyWriter(), out); err != nil {
			c.Response().ResetBody()
			return false, p.writeFailure(c, st, err, true)
		}
	default: // plain, boosted, full, history restore: back to the page
		p.backToPage(c, m, p.redirectStatus(r))
		return false, nil
	}
	r.applyStatus(c)
	return who == htmxPartial, nil
}

// writeFailure answers a failed guard, decode, validation or function
// call; an unexpected error is logged and answered as a generic 500.
func (p *plugin) writeFailure(c *fiber.Ctx, st *requestState, err error, carry bool) error {
	ue, internal := asUserError(err)
	if internal {
		p.cfg.Logger.Error("fiberfn: server function failed", "fn", st.fn.name, "path", c.Path(), "err", err)
	}
	if st.resp.redirect.location != "" {
		// A guard or function that redirected and failed (say, "log in
		// first"): JSON callers get the error and the target, everyone
		// else the redirect.
		if st.who == jsonCaller {
			c.Set(RedirectHeader, st.resp.redirect.location)
		} else {
			st.failed = true
			p.writeRedirect(c, st, nil)
			return nil
		}
	}
	return p.writeError(c, st, ue, carry)
}

// writeKept finishes an answer a guard wrote itself (Fiber middleware
// that did not call c.Next()): a 4xx or 5xx is answered in the caller's
// shape with the guard's short text message (one that asks for
// credentials is kept: browsers act on WWW-Authenticate), a redirect
// becomes the caller's kind of redirect, anything else is kept.
func (p *plugin) writeKept(c *fiber.Ctx, st *requestState) error {
	resp := c.Response()
	status := resp.StatusCode()
	switch {
	case status >= 400 && len(resp.Header.Peek(fiber.HeaderWWWAuthenticate)) == 0:
		msg := keptMessage(resp.Header.ContentType(), resp.Body())
		if msg == "" {
			msg = http.StatusText(status)
		}
		resp.ResetBody()
		resp.Header.Del(fiber.HeaderContentType)
		return p.writeError(c, st, &Error{Code: status, Message: msg}, true)
	case status >= 300 && status <= 399 && len(resp.Header.Peek(fiber.HeaderLocation)) > 0:
		loc := string(resp.Header.Peek(fiber.HeaderLocation))
		target, offsite, err := checkRedirect(loc, string(c.Request().Header.Host()), p.cfg.AllowedRedirectHosts)
		if err != nil {
			st.failed = true
			return nil // the guard's own redirect, as it wrote it
		}
		resp.Header.Del(fiber.HeaderLocation)
		resp.ResetBody()
		st.resp.redirect = redirect{location: target, offsite: offsite}
		if st.resp.status == 0 {
			st.resp.status = status
		}
		st.failed = true
		p.writeRedirect(c, st, nil)
		return nil
	}
	st.failed = status >= 400
	return nil
}

// keptMessage is the text of a guard's own error answer when it is short
// plain text ("Too Many Requests"), else "".
func keptMessage(contentType, body []byte) string {
	if len(body) == 0 || len(body) > 200 || !strings.HasPrefix(string(contentType), fiber.MIMETextPlain) || !utf8.Valid(body) {
		return ""
	}
	for _, b := range body {
		if b < 0x20 && b != '\t' {
			return ""
		}
	}
	return strings.TrimSpace(string(body))
}

// isGet reports whether the request is a GET or HEAD.
func isGet(c *fiber.Ctx) bool {
	m := c.Method()
	return m == fiber.MethodGet || m == fiber.MethodHead
}

// writeReplay answers a repeated once-only request with the answer stored
// for its token (see OnceOnly): refused when the values differ, a redirect
// back or a 409 for another kind of caller than the first, and for an
// htmx partial request told not to swap what htmx swapped already.
func (p *plugin) writeReplay(c *fiber.Ctx, st *requestState, a *onceAnswer, digest string) error {
	if a.Digest != "" && digest != "" && a.Digest != digest {
		return p.writeError(c, st, errOnceConflict, true)
	}
	who := st.who
	if who != a.Caller && !(who.pageLike() && a.Caller.pageLike()) {
		// Another kind of caller: the stored answer would not fit.
		if who.pageLike() {
			p.backToPage(c, st.fn, p.cfg.RedirectStatus)
			c.Set(ReplayedHeader, "true")
			return nil
		}
		return p.writeError(c, st, &Error{Code: http.StatusConflict, Message: "This form was already sent."}, false)
	}
	for _, h := range a.Headers {
		c.Set(h[0], h[1])
	}
	c.Set(ReplayedHeader, "true")
	if who == htmxPartial && a.Status >= 200 && a.Status <= 299 {
		// htmx swapped the first answer in already (a double click, a
		// queued second submit): swapping it again would show it twice.
		c.Set(htmx.HeaderReswap, "none")
	}
	c.Status(a.Status)
	c.Response().SetBody(a.Body)
	return nil
}
