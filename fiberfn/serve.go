package fiberfn

import (
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// serveFn checks method, origin and size, then serves the function. Headers
// set before it (by earlier middleware) survive even a panic of the
// function.
func (p *plugin) serveFn(c *fiber.Ctx, st *requestState, ep endpoint) (err error) {
	m := ep.info()
	st.hdr.scan(c)
	addVary(c)
	c.Response().Header.CopyTo(&st.saved)
	// The kind of body decides whether the caller is a JSON client, for
	// every answer, refusals and panics included.
	kind := kindOf(c)
	defer func() {
		if r := recover(); r != nil {
			p.logPanic(c, m.name, r)
			resp := c.Response()
			resp.ResetBody()
			st.saved.CopyTo(&resp.Header)
			st.resp.reset()
			st.oob, st.notice = st.oob[:0], ""
			err = p.writeError(c, st, m, kind, &Error{Code: http.StatusInternalServerError, Message: internalMessage}, false)
		}
	}()
	switch method := c.Method(); {
	case method == fiber.MethodPost:
	case m.readOnly && (method == fiber.MethodGet || method == fiber.MethodHead):
	default:
		allow := fiber.MethodPost
		if m.readOnly {
			allow = "GET, HEAD, POST"
		}
		c.Set(fiber.HeaderAllow, allow)
		return p.writeError(c, st, m, kind, &Error{Code: http.StatusMethodNotAllowed, Message: "Method " + printable(method) + " is not allowed; use " + allow + "."}, false)
	}
	if !p.cfg.DisableOriginCheck && !originAllowed(c, &st.hdr, p.cfg.TrustedOrigins) {
		return p.writeError(c, st, m, kind, errCrossOrigin, false)
	}
	limit := m.bodyLimit
	if limit <= 0 {
		limit = p.cfg.BodyLimit
	}
	if c.Request().Header.ContentLength() > limit || len(c.Request().Body()) > limit {
		return p.writeError(c, st, m, kind, &Error{Code: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("The request is too large (limit %d bytes).", limit)}, false)
	}
	if enc := st.hdr.contentEncoding; len(enc) > 0 && string(enc) != "identity" {
		return p.writeError(c, st, m, kind, &Error{Code: http.StatusUnsupportedMediaType, Message: "Compressed request bodies are not supported."}, false)
	}
	if kind == bodyUnsupported {
		return p.writeError(c, st, m, kind, unsupportedType(c), false)
	}
	for _, guard := range m.guards {
		if err := guard(c); err != nil {
			return p.fail(c, st, m, kind, err)
		}
	}
	return ep.serve(c, st, kind)
}

// serve decodes the input, runs the function once (see OnceOnly) and writes
// its answer.
func (f *Fn[In, Out]) serve(c *fiber.Ctx, st *requestState, kind bodyKind) error {
	p := st.plugin
	in, err := f.input(c, kind)
	if err != nil {
		return p.fail(c, st, &f.meta, kind, err)
	}
	var claim *onceClaim
	if f.once {
		var done bool
		claim, done, err = p.once.begin(c, st, &f.meta, kind)
		if done || err != nil {
			return err
		}
	}
	out, err := f.fn(c, in)
	if err != nil {
		claim.abandon()
		return p.fail(c, st, &f.meta, kind, err)
	}
	if err := p.answer(c, st, &f.meta, kind, out); err != nil {
		claim.abandon()
		return err
	}
	claim.finish(c, st.hdr.caller(kind))
	return nil
}

// answer writes the success answer of a function whose result is out.
func (p *plugin) answer(c *fiber.Ctx, st *requestState, m *meta, kind bodyKind, out any) error {
	r := &st.resp
	who := st.hdr.caller(kind)
	if who == jsonCaller {
		st.notice = "" // JSON callers show their own messages
	}
	if r.redirect.location != "" {
		var value []byte
		if who == jsonCaller {
			b, err := c.App().Config().JSONEncoder(out)
			if err != nil {
				return p.fail(c, st, m, kind, err)
			}
			value = b
		}
		p.writeRedirect(c, st, who, value)
		return nil
	}
	switch who {
	case jsonCaller:
		if err := c.JSON(out); err != nil {
			return p.fail(c, st, m, kind, err)
		}
	case htmxPartial:
		if m.render == "" && len(st.oob) == 0 {
			c.Status(http.StatusNoContent)
			break
		}
		c.Type("html", "utf-8")
		if m.render != "" {
			if err := render(c, c.Response().BodyWriter(), m.render, out); err != nil {
				c.Response().ResetBody()
				return p.fail(c, st, m, kind, err)
			}
		}
		if err := p.writeOOB(c, st); err != nil {
			c.Response().ResetBody()
			return p.fail(c, st, m, kind, err)
		}
	default: // plain, boosted, full, history restore: back to the page
		p.backToPage(c, m, p.redirectStatus(r))
		p.applyOptions(c, st, false)
		return nil
	}
	p.applyOptions(c, st, who == htmxPartial)
	r.applyStatus(c)
	return nil
}

// fail answers a failed guard, decode, validation or function call.
func (p *plugin) fail(c *fiber.Ctx, st *requestState, m *meta, kind bodyKind, err error) error {
	ue, internal := asUserError(err)
	if internal {
		p.cfg.Logger.Error("fiberfn: server function failed", "fn", m.name, "path", c.Path(), "err", err)
	}
	if st.resp.redirect.location != "" {
		// A guard or function that redirected and failed (say, "log in
		// first"): JSON callers get the error and the target, everyone
		// else the redirect.
		if who := st.hdr.caller(kind); who == jsonCaller {
			c.Set(RedirectHeader, st.resp.redirect.location)
		} else {
			p.writeRedirect(c, st, who, nil)
			return nil
		}
	}
	return p.writeError(c, st, m, kind, ue, true)
}
