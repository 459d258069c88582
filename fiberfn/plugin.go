package fiberfn

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"
	"sync"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// plugin is the middleware returned by New.
type plugin struct {
	cfg    Config
	signer signer
	once   *onceStore
}

// New returns the fiberfn plugin, used with app.Use. It serves every
// function registered on [Config].Registry at its path, and for every other
// request attaches [ResponseOptions] to the request and applies them after
// the downstream handler returns, so a page handler can set status,
// headers, cookies, notices and redirects exactly like a server function.
//
// A panic downstream becomes a 500 for that request only; its details are
// logged, never sent.
func New(config ...Config) fiber.Handler {
	cfg := configDefault(config...)
	p := &plugin{cfg: cfg, signer: signer{keys: cfg.Keys}}
	p.once = newOnceStore(&p.cfg)
	cfg.Registry.servedBy(p)
	return p.handle
}

// stateKey is the fiber.Ctx locals key of the per-request state.
type stateKey struct{}

// requestState is what the plugin keeps for one request.
type requestState struct {
	resp   ResponseOptions
	plugin *plugin
	hdr    reqHeaders // read at once for server functions, lazily for pages
	oob    []oobPart
	notice string
	varied bool // the Vary header names the caller headers
	// saved holds the response headers from before a server function
	// ran, restored if it panics.
	saved fasthttp.ResponseHeader
}

var statePool = sync.Pool{New: func() any { return new(requestState) }}

func (p *plugin) handle(c *fiber.Ctx) error {
	if p.cfg.Next != nil && p.cfg.Next(c) {
		return c.Next()
	}
	st := statePool.Get().(*requestState)
	st.plugin = p
	c.Locals(stateKey{}, st)
	var err error
	if ep := p.cfg.Registry.lookup(c.Path()); ep != nil {
		err = p.serveFn(c, st, ep)
	} else {
		err = p.servePage(c, st)
	}
	c.Locals(stateKey{}, nil)
	st.reset()
	statePool.Put(st)
	return err
}

// reset clears the state so it can be reused.
func (st *requestState) reset() {
	st.resp.reset()
	st.plugin = nil
	st.hdr = reqHeaders{}
	clear(st.oob)
	st.oob = st.oob[:0]
	st.notice = ""
	st.varied = false
	st.saved.Reset()
}

// stateOf returns the request's state, or a detached one when the plugin
// is not installed (its options are then never applied).
func stateOf(c *fiber.Ctx) *requestState {
	if st, ok := c.Locals(stateKey{}).(*requestState); ok {
		return st
	}
	st := &requestState{}
	c.Locals(stateKey{}, st)
	return st
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
	if r.redirect.location != "" {
		p.writeRedirect(c, st, callerOf(c), nil)
		return err
	}
	// Only out-of-band parts and notices depend on who is asking; a page
	// without them needs no classification (and no Vary).
	fragment := (len(st.oob) > 0 || st.notice != "") && callerOf(c) == htmxPartial
	if fragment {
		if oerr := p.writeOOB(c, st); oerr != nil && err == nil {
			err = oerr
		}
	}
	p.applyOptions(c, st, fragment)
	r.applyStatus(c)
	p.offerClientCookie(c) // the page's forms are posted with a client identity
	return err
}

// redirectStatus is the status of a real redirect: a 3xx set with
// ResponseOptions.SetStatus, else Config.RedirectStatus.
func (p *plugin) redirectStatus(r *ResponseOptions) int {
	if r.status >= 300 && r.status <= 399 {
		return r.status
	}
	return p.cfg.RedirectStatus
}

// backToPage redirects a plain form post (or a boosted, full or
// history-restore one) back to the page it came from: the same-origin
// Referer, else the function's fallback page.
func (p *plugin) backToPage(c *fiber.Ctx, m *meta, status int) {
	c.Location(sameOriginReferer(c.Get(fiber.HeaderReferer), string(c.Request().Header.Host()), m.fallbackPage))
	c.Status(status)
}

// applyOptions writes the headers and cookies of the response options,
// and a pending notice: as an htmx event when the answer is a fragment,
// else as a cookie for the next page.
func (p *plugin) applyOptions(c *fiber.Ctx, st *requestState, fragment bool) {
	st.resp.applyHeaders(c, p.secure)
	if st.notice != "" {
		p.writeNotice(c, st, fragment)
	}
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
