package fiberfn

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// A server function's request, top to bottom. The plugin (plugin.go) gave
// the request its state; Fiber's router chose the function's route by
// method and path (Mount added one per method, and a POST route per PUT,
// PATCH or DELETE for forms that ask for it with MethodField). The route's
// handlers are, in order:
//
//	enter  who is asking (classify) -> origin, size and body checks (admit) -> decode
//	guard  each of the function's guards: a check, or Fiber middleware around the rest
//	run    call: Validate -> ValidateRequest -> once-only claim -> the function -> its answer
//
// (a function without guards has enter alone, which calls call itself).
// Each step either goes on or returns a decision (an answer) to write,
// the one function that writes every answer, refusals and errors included
// (answer.go). Headers set before the function (by earlier middleware)
// survive even a panic of it.

// MethodField is the form field that lets a plain HTML form, which can
// only GET or POST, reach a PUT, PATCH or DELETE function: a POST whose
// url-encoded or multipart body has _method=DELETE is served as a DELETE
// by the function answering DELETE on its path. It is accepted only from a
// same-origin browser form (Sec-Fetch-Site, else Origin, must match; a
// request with neither passes, like curl), never on GET, and never to make
// a POST a GET. Sent twice, it is a 400.
const MethodField = "_method"

// handlers returns the Fiber handlers of the function's route for method,
// or of its method-override route when override is set. A function
// without guards needs only enter, which runs it directly.
func (f *Fn[In, Out]) handlers(method string, override bool) []fiber.Handler {
	hs := make([]fiber.Handler, 0, len(f.guards)+2)
	if override {
		hs = append(hs, f.enterOverride(method))
	} else {
		hs = append(hs, f.enter)
	}
	if len(f.guards) == 0 {
		return hs
	}
	for i, g := range f.guards {
		hs = append(hs, f.guard(i, g))
	}
	return append(hs, f.run)
}

// stateFor returns the request's state when the function m serves the
// request, else nil: the plugin skipped the request (Config.Next), or
// Fiber merged this route with another function's on the same path and
// the request is the other's.
func stateFor(c *fiber.Ctx, m *meta) *requestState {
	if st, ok := c.Locals(stateKey{}).(*requestState); ok && st.fn == m {
		return st
	}
	return nil
}

// unclaimed returns the request's state when no function serves it yet.
func unclaimed(c *fiber.Ctx) *requestState {
	if st, ok := c.Locals(stateKey{}).(*requestState); ok && st.plugin != nil && st.fn == nil {
		return st
	}
	return nil
}

// enter starts the function's request on its own route.
func (f *Fn[In, Out]) enter(c *fiber.Ctx) error {
	st := unclaimed(c)
	if st == nil {
		return c.Next()
	}
	return f.start(c, st, false)
}

// enterOverride starts the function's request on its method-override
// route: a POST form that asks for method with MethodField.
func (f *Fn[In, Out]) enterOverride(method string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		st := unclaimed(c)
		if st == nil {
			return c.Next()
		}
		st.classify(c)
		asked, twice := overrideMethod(c, st.kind)
		if asked != method && !twice {
			return notAllowed(c, c.Next())
		}
		c.Method(method)
		return f.start(c, st, true)
	}
}

// notAllowed turns the 404 that Fiber answers a POST that no route took
// (a POST without a MethodField, or with another one, to a path whose
// functions answer PUT, PATCH or DELETE) into the 405 with Allow it would
// have answered without the method-override routes, which made the POST
// look matched. Allow lists the methods of the app's routes on the path
// pattern, POST left out (nothing took it).
func notAllowed(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	if !errors.As(err, &fe) || fe.Code != http.StatusNotFound || !strings.HasPrefix(fe.Message, "Cannot ") {
		return err
	}
	path := c.Route().Path
	var allow []string
	for _, r := range c.App().GetRoutes(true) {
		if r.Path == path && r.Method != fiber.MethodPost && !slices.Contains(allow, r.Method) {
			allow = append(allow, r.Method)
		}
	}
	if len(allow) == 0 {
		return err
	}
	c.Set(fiber.HeaderAllow, strings.Join(allow, ", "))
	return fiber.ErrMethodNotAllowed
}

// overrideMethod returns the method a POST form asks for with MethodField
// (PUT, PATCH or DELETE; "" for none or another), and whether it asked
// more than once.
func overrideMethod(c *fiber.Ctx, kind bodyKind) (string, bool) {
	var values []string
	switch kind {
	case bodyURLEncoded:
		for _, v := range c.Request().PostArgs().PeekMulti(MethodField) {
			values = append(values, string(v))
		}
	case bodyMultipart:
		if form, err := c.MultipartForm(); err == nil {
			values = form.Value[MethodField]
		}
	}
	if len(values) != 1 {
		return "", len(values) > 1
	}
	switch m := strings.ToUpper(strings.TrimSpace(values[0])); m {
	case fiber.MethodPut, fiber.MethodPatch, fiber.MethodDelete:
		return m, false
	}
	return "", false
}

// start claims the request for the function, checks and decodes it, then
// runs the guards and the function (c.Next()). A panic anywhere in them is
// a 500 for this request only.
func (f *Fn[In, Out]) start(c *fiber.Ctx, st *requestState, override bool) (err error) {
	p := st.plugin
	st.fn = &f.meta
	st.classify(c)
	st.saved.save(c.Response())
	defer func() {
		if r := recover(); r != nil {
			err = p.recovered(c, st, r)
		}
	}()
	if override {
		if _, twice := overrideMethod(c, st.kind); twice {
			return p.write(c, st, refusal(&Error{Code: http.StatusBadRequest, Message: fmt.Sprintf("Invalid value for field %q: %s.", MethodField, errSentTwice),
				Fields: map[string]string{MethodField: errSentTwice.Error()}}, false))
		}
		if !originAllowed(c, &st.hdr, nil) {
			return p.write(c, st, refusal(errCrossOrigin, false))
		}
	}
	if ue := p.admit(c, st); ue != nil {
		return p.write(c, st, refusal(ue, false))
	}
	in := new(In)
	if err := f.dec.decode(c, st.kind, st.app.unescapePath, reflect.ValueOf(in).Elem()); err != nil {
		return p.write(c, st, failure(err))
	}
	st.input = in
	if len(f.guards) == 0 {
		return f.call(c, st)
	}
	if err := c.Next(); err != nil && err != st.passOn {
		return p.write(c, st, failure(err))
	}
	return st.passOn
}

// admit makes the plugin's checks of every function request: origin,
// size, encoding and type of the body.
func (p *plugin) admit(c *fiber.Ctx, st *requestState) *Error {
	if !p.cfg.DisableOriginCheck && !originAllowed(c, &st.hdr, p.cfg.TrustedOrigins) {
		return errCrossOrigin
	}
	limit := st.fn.bodyLimit
	if limit <= 0 {
		limit = p.cfg.BodyLimit
	}
	if c.Request().Header.ContentLength() > limit || len(c.Request().Body()) > limit {
		return &Error{Code: http.StatusRequestEntityTooLarge, Message: fmt.Sprintf("The request is too large (limit %d bytes).", limit)}
	}
	if enc := st.hdr.contentEncoding; len(enc) > 0 && string(enc) != "identity" {
		return &Error{Code: http.StatusUnsupportedMediaType, Message: "Compressed request bodies are not supported."}
	}
	if st.kind == bodyUnsupported {
		return unsupportedType(c)
	}
	return nil
}

// guard runs the function's guard number i: a check (it returns without
// calling c.Next(): nil goes on, an error refuses) or Fiber middleware (it
// calls c.Next() to go on, or answers the request itself).
func (f *Fn[In, Out]) guard(i int, g fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		st := stateFor(c, &f.meta)
		if st == nil {
			return c.Next()
		}
		st.step = i + 1
		resp := c.Response()
		status, size := resp.StatusCode(), len(resp.Body())
		err := g(c)
		if st.step > i+1 || st.reached {
			return err // middleware: the rest ran inside it
		}
		if err != nil {
			return st.plugin.write(c, st, failure(err))
		}
		if resp.StatusCode() != status || len(resp.Body()) != size {
			return st.plugin.write(c, st, answer{kind: answerKept})
		}
		return c.Next() // a check that passed
	}
}

// run is the last handler of a guarded function's route: it runs the
// function once the guards let the request through.
func (f *Fn[In, Out]) run(c *fiber.Ctx) error {
	st := stateFor(c, &f.meta)
	if st == nil {
		return c.Next()
	}
	return f.call(c, st)
}

// call validates the input, claims a once-only token and calls the
// function, and has its answer written.
func (f *Fn[In, Out]) call(c *fiber.Ctx, st *requestState) error {
	st.reached = true
	p := st.plugin
	in := st.input.(*In)
	if v, ok := any(in).(Validator); ok {
		if err := v.Validate(); err != nil {
			return p.write(c, st, failure(err))
		}
	}
	if v, ok := any(in).(RequestValidator); ok {
		if err := v.ValidateRequest(c); err != nil {
			return p.write(c, st, failure(err))
		}
	}
	if f.once {
		claim, decided := p.once.begin(c, st, &f.meta)
		if claim == nil {
			return p.write(c, st, decided)
		}
		st.claim = claim
	}
	out, err := f.fn(c, *in)
	if st.streamed {
		return p.writeStreamed(c, st) // RegisterStream: the stream answers
	}
	if err != nil {
		return p.write(c, st, failure(err))
	}
	return p.write(c, st, answer{kind: answerValue, out: out})
}

// recovered answers a panic of a guard or the function: a 500 for this
// request only, with the headers of earlier middleware and nothing the
// function set; a once-only token is given back.
func (p *plugin) recovered(c *fiber.Ctx, st *requestState, r any) error {
	p.logPanic(c, st.fn.name, r)
	st.claim.abandon()
	st.claim = nil
	resp := c.Response()
	resp.ResetBody()
	st.saved.restore(resp)
	st.resp.reset()
	st.oob, st.notice = st.oob[:0], ""
	st.remove, st.version = false, ""
	return p.write(c, st, refusal(&Error{Code: http.StatusInternalServerError, Message: internalMessage}, false))
}

// overridable reports whether a plain form may reach method through
// MethodField.
func overridable(method string) bool {
	return method == fiber.MethodPut || method == fiber.MethodPatch || method == fiber.MethodDelete
}
