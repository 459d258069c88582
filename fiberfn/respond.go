package fiberfn

import (
	"html"
	"net/http"
	"sort"
	"strings"
	"time"
	"unsafe"

	"github.com/gofiber/fiber/v2"
)

// caller is who is asking, which decides the shape of the answer.
type caller uint8

const (
	plainCaller caller = iota // a browser form post without JavaScript
	htmxCaller
	jsonCaller
)

// Validator is implemented by inputs that check themselves after decoding.
// A non-nil error (typically [FieldErrors]) is answered like an error of the
// function, which is then not called. A Validate method with a pointer
// receiver may normalize the input (trim, lowercase) before the function
// sees it, but must not keep the pointer: the decoded value is reused.
type Validator interface {
	Validate() error
}

// serve decodes the input, runs the function and writes its answer.
func (f *Fn[In, Out]) serve(c *fiber.Ctx, st *requestState) error {
	p := st.plugin
	in, kind, err := f.input(c)
	if err != nil {
		if kind == bodyUnsupported {
			return p.writeError(c, st, &f.meta, kind, err.(*Error), false)
		}
		return p.fail(c, st, &f.meta, kind, err)
	}
	out, err := f.fn(c, in)
	if err != nil {
		return p.fail(c, st, &f.meta, kind, err)
	}
	r := &st.resp
	who := st.hdr.caller(kind)
	switch {
	case r.redirect.kind != noRedirect:
		r.applyHeaders(c)
		writeRedirect(c, r.redirect, who == htmxCaller, p.cfg.RedirectStatus)
		return nil
	case who == jsonCaller:
		if err := c.JSON(out); err != nil {
			return p.fail(c, st, &f.meta, kind, err)
		}
	case who == htmxCaller:
		if f.render == "" {
			c.Status(http.StatusNoContent)
		} else if err := c.Render(f.render, out, ""); err != nil {
			return p.fail(c, st, &f.meta, kind, err)
		}
	default:
		c.Location(sameOriginReferer(c, f.fallbackPage))
		c.Status(p.cfg.RedirectStatus)
	}
	r.applyHeaders(c)
	r.applyStatus(c)
	return nil
}

// input decodes and validates the function's input. It decodes into a
// pooled value, since decoding needs an address, which would otherwise move
// every input to the heap, and returns a copy.
func (f *Fn[In, Out]) input(c *fiber.Ctx) (In, bodyKind, error) {
	tmp := f.inputs.Get().(*In)
	kind, err := f.decode(c, tmp)
	if err == nil {
		if v, ok := any(tmp).(Validator); ok {
			err = v.Validate()
		}
	}
	in := *tmp
	var zero In
	*tmp = zero
	f.inputs.Put(tmp)
	return in, kind, err
}

// decode fills in from the request and returns the kind of its body.
func (f *Fn[In, Out]) decode(c *fiber.Ctx, in *In) (bodyKind, error) {
	method := c.Method()
	if method == fiber.MethodGet || method == fiber.MethodHead {
		return bodyNone, f.dec.decodeArgs(unsafe.Pointer(in), c.Request().URI().QueryArgs(), f.dec.queryKeys)
	}
	kind := kindOf(c)
	switch kind {
	case bodyURLEncoded:
		return kind, f.dec.decodeArgs(unsafe.Pointer(in), c.Request().PostArgs(), f.dec.formKeys)
	case bodyMultipart:
		form, err := c.MultipartForm()
		if err != nil {
			return kind, &Error{Code: http.StatusBadRequest, Message: "Malformed multipart form: " + err.Error() + "."}
		}
		return kind, f.dec.decodeMultipart(unsafe.Pointer(in), form)
	case bodyJSON:
		return kind, decodeJSON(c.Request().Body(), in)
	case bodyNone:
		return kind, nil
	}
	return kind, &Error{
		Code:    http.StatusUnsupportedMediaType,
		Message: "Unsupported content type " + strings.TrimSpace(string(c.Request().Header.ContentType())) + "; send a form or JSON.",
	}
}

// errorBody is the JSON shape of an error.
type errorBody struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
}

// writeError answers ue in the caller's shape. With carry, a plain form
// post is redirected back with the message and its values; without, it
// gets a plain-text error (for refusals such as 403, 405 or 413, where
// nothing should be carried back).
func (p *plugin) writeError(c *fiber.Ctx, st *requestState, m *meta, kind bodyKind, ue *Error, carry bool) error {
	switch st.hdr.caller(kind) {
	case jsonCaller:
		return c.Status(ue.Code).JSON(errorBody{Error: ue.Message, Fields: ue.Fields})
	case htmxCaller:
		state := &FormState{Fn: m.name, Status: ue.Code, Message: ue.Message, Fields: ue.Fields}
		if carry {
			state.Values = submittedValues(c, kind, m)
		}
		target, swap := m.errorTarget, m.errorSwap
		if target == "" {
			target = p.cfg.ErrorTarget
		}
		if swap == "" {
			swap = p.cfg.ErrorSwap
		}
		c.Set(HeaderHXRetarget, target)
		c.Set(HeaderHXReswap, swap)
		c.Status(ue.Code)
		if m.errorTemplate != "" {
			err := c.Render(m.errorTemplate, state, "")
			if err == nil {
				c.Status(ue.Code)
				return nil
			}
			p.cfg.Logger.Error("fiberfn: error template failed", "fn", m.name, "template", m.errorTemplate, "err", err)
			c.Response().ResetBody()
		}
		c.Type("html", "utf-8")
		return c.SendString(errorFragment(ue))
	}
	if !carry {
		c.Type("txt", "utf-8")
		return c.Status(ue.Code).SendString(ue.Message)
	}
	state := &FormState{Fn: m.name, Status: ue.Code, Message: ue.Message, Fields: ue.Fields, Values: submittedValues(c, kind, m)}
	c.Cookie(&fiber.Cookie{
		Name:     p.cfg.FlashCookie,
		Value:    encodeFlash(state),
		Path:     "/",
		MaxAge:   60,
		Expires:  time.Now().Add(time.Minute),
		HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode,
	})
	c.Location(sameOriginReferer(c, m.fallbackPage))
	c.Status(p.cfg.RedirectStatus)
	return nil
}

// errorFragment is the built-in HTML of an error, every part escaped.
func errorFragment(ue *Error) string {
	var b strings.Builder
	b.WriteString(`<div class="fiberfn-error" role="alert"><p>`)
	b.WriteString(html.EscapeString(ue.Message))
	b.WriteString(`</p>`)
	if len(ue.Fields) > 0 {
		keys := make([]string, 0, len(ue.Fields))
		for k := range ue.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		b.WriteString(`<ul>`)
		for _, k := range keys {
			b.WriteString(`<li data-field="`)
			b.WriteString(html.EscapeString(k))
			b.WriteString(`">`)
			b.WriteString(html.EscapeString(ue.Fields[k]))
			b.WriteString(`</li>`)
		}
		b.WriteString(`</ul>`)
	}
	b.WriteString(`</div>`)
	return b.String()
}
