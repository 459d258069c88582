package fiberfn

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/gofiber/fiber/v2"
)

// plugin is the middleware returned by New.
type plugin struct {
	cfg Config
}

// New returns the fiberfn plugin, used with app.Use. It serves every
// function registered on [Config].Registry at its path, and for every other
// request attaches [ResponseOptions] to the request and applies them after
// the downstream handler returns, so a page handler can set status,
// headers, cookies and redirects exactly like a server function.
//
// A panic downstream becomes a 500 for that request only; its details are
// logged, never sent.
func New(config ...Config) fiber.Handler {
	p := &plugin{cfg: configDefault(config...)}
	return p.handle
}

func (p *plugin) handle(c *fiber.Ctx) error {
	if p.cfg.Next != nil && p.cfg.Next(c) {
		return c.Next()
	}
	st := acquireState(p)
	c.Locals(stateKey{}, st)
	var err error
	if ep := p.cfg.Registry.lookup(c.Path()); ep != nil {
		err = p.serveFn(c, st, ep)
	} else {
		err = p.servePage(c, st)
	}
	c.Locals(stateKey{}, nil)
	releaseState(st)
	return err
}

// servePage runs the rest of the chain, then applies the response options.
func (p *plugin) servePage(c *fiber.Ctx, st *requestState) (err error) {
	defer func() {
		if r := recover(); r != nil {
			p.logPanic(c, "", r)
			err = fiber.NewError(http.StatusInternalServerError, internalMessage)
		}
	}()
	err = c.Next()
	if err != nil {
		err = asFiberError(err)
	}
	r := &st.resp
	r.applyHeaders(c)
	if r.redirect.kind != noRedirect {
		varyHX(c)
		writeRedirect(c, r.redirect, IsHTMX(c), p.cfg.RedirectStatus)
	} else {
		r.applyStatus(c)
	}
	return err
}

// serveFn checks method, origin and size, then runs the function.
func (p *plugin) serveFn(c *fiber.Ctx, st *requestState, ep endpoint) (err error) {
	m := ep.info()
	varyHX(c)
	st.hdr.read(c)
	defer func() {
		if r := recover(); r != nil {
			p.logPanic(c, m.name, r)
			c.Response().Reset()
			varyHX(c)
			err = p.writeError(c, st, m, bodyNone, &Error{Code: http.StatusInternalServerError, Message: internalMessage}, false)
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
		return p.writeError(c, st, m, bodyNone, &Error{Code: http.StatusMethodNotAllowed, Message: "Method " + method + " is not allowed; use " + allow + "."}, false)
	}
	if !p.cfg.DisableOriginCheck && !originAllowed(c, &st.hdr, p.cfg.TrustedOrigins) {
		return p.writeError(c, st, m, bodyNone, errCrossOrigin, false)
	}
	limit := m.bodyLimit
	if limit <= 0 {
		limit = p.cfg.BodyLimit
	}
	if c.Request().Header.ContentLength() > limit || len(c.Request().Body()) > limit {
		return p.writeError(c, st, m, bodyNone, &Error{Code: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("The request is too large (limit %d bytes).", limit)}, false)
	}
	if enc := st.hdr.contentEncoding; len(enc) > 0 && string(enc) != "identity" {
		return p.writeError(c, st, m, bodyNone, &Error{Code: http.StatusUnsupportedMediaType, Message: "Compressed request bodies are not supported."}, false)
	}
	return ep.serve(c, st)
}

// fail answers a failed decode, validation or function call.
func (p *plugin) fail(c *fiber.Ctx, st *requestState, m *meta, kind bodyKind, err error) error {
	ue, internal := asUserError(err)
	if internal {
		p.cfg.Logger.Error("fiberfn: server function failed", "fn", m.name, "path", c.Path(), "err", err)
	}
	return p.writeError(c, st, m, kind, ue, true)
}

// asFiberError gives errors meant for the user (*Error, FieldErrors) the
// *fiber.Error shape that Fiber's error handlers understand; other errors
// pass unchanged.
func asFiberError(err error) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return err
	}
	if ue, internal := asUserError(err); !internal {
		return fiber.NewError(ue.Code, ue.Message)
	}
	return err
}

func (p *plugin) logPanic(c *fiber.Ctx, fn string, r any) {
	p.cfg.Logger.Error("fiberfn: panic", "fn", fn, "path", c.Path(), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
}
