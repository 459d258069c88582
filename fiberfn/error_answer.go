package fiberfn

import (
	"html"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
)

// errorBody is the JSON shape of an error.
type errorBody struct {
	Error  string            `json:"error"`
	Fields map[string]string `json:"fields,omitempty"`
}

// writeError answers ue in the caller's shape, with the headers and cookies
// the function set (its status loses to the error's). With carry, a plain
// form post is redirected back with the message and its values; without,
// it gets a plain-text error (refusals such as 403, 413 or 415, where
// nothing should be carried back).
func (p *plugin) writeError(c *fiber.Ctx, st *requestState, ue *Error, carry bool) error {
	st.notice = "" // a notice is for success
	st.failed = true
	m := st.fn
	if p.cfg.ErrorHandler != nil {
		c.Status(ue.Code)
		return p.cfg.ErrorHandler(c, ue)
	}
	switch {
	case st.who == jsonCaller:
		return c.Status(ue.Code).JSON(errorBody{Error: ue.Message, Fields: ue.Fields})
	case st.who == htmxPartial:
		return p.writeErrorFragment(c, st, ue, carry)
	case !carry:
		c.Type("txt", "utf-8")
		return c.Status(ue.Code).SendString(ue.Message)
	}
	state := &FormState{Fn: m.name, Status: ue.Code, Message: ue.Message, Fields: ue.Fields, Values: submittedValues(c, st.kind, m)}
	p.setSignedCookie(c, p.cfg.FlashCookie, purposeFlash, p.encodeFlash(c, state))
	p.backToPage(c, m, p.cfg.RedirectStatus)
	return nil
}

// ErrorEvent is the htmx event every htmx error answer triggers
// (HX-Trigger) on the element that made the request, with detail
// {"message", "status"}: the message shown to the user and the HTTP
// status, for a page that shows errors its own way (a toast, say). The
// error fragment itself goes to [Config].ErrorTarget: by default the
// error slot of the form (class "fiberfn-errors"), else the page's
// (id "fiberfn-errors"), which [ErrorScript] adds to a page that has
// none, so an error from a button in a table row still reaches the user.
const ErrorEvent = "fiberfn:error"

// errorDetail is the detail of ErrorEvent. Its keys avoid "target" (htmx
// triggers the event there) and "error" (htmx 4 logs it as a failure).
type errorDetail struct {
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// writeErrorFragment answers an htmx partial request: the function's
// ErrorTemplate (or the built-in fragment) retargeted to the form's error
// slot, and ErrorEvent.
func (p *plugin) writeErrorFragment(c *fiber.Ctx, st *requestState, ue *Error, carry bool) error {
	m := st.fn
	state := &FormState{Fn: m.name, Status: ue.Code, Message: ue.Message, Fields: ue.Fields, Params: routeParams(c, st.app.unescapePath)}
	if carry {
		state.Values = submittedValues(c, st.kind, m)
	}
	target, swap := m.errorTarget, m.errorSwap
	if target == "" {
		target = p.cfg.ErrorTarget
	}
	if swap == "" {
		swap = p.cfg.ErrorSwap
	}
	if c.GetRespHeader(htmx.HeaderRetarget) == "" {
		c.Set(htmx.HeaderRetarget, target)
	}
	if c.GetRespHeader(htmx.HeaderReswap) == "" {
		c.Set(htmx.HeaderReswap, swap)
	}
	_ = htmx.Trigger(c, ErrorEvent, errorDetail{Message: ue.Message, Status: ue.Code})
	c.Status(ue.Code)
	c.Type("html", "utf-8")
	if m.errorTemplate != "" {
		err := render(c, c.Response().BodyWriter(), m.errorTemplate, state)
		if err == nil {
			return nil
		}
		p.cfg.Logger.Error("fiberfn: error template failed", "fn", m.name, "template", m.errorTemplate, "err", err)
		c.Response().ResetBody()
	}
	return c.SendString(errorFragment(ue))
}

// errorFragment is the built-in HTML of an error, every part escaped. It
// is a live region of its own, so it belongs in a container that is not
// one (the form's .fiberfn-errors slot).
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

// unsupportedType is the 415 answer to a body fiberfn cannot decode.
func unsupportedType(c *fiber.Ctx) *Error {
	ct := strings.TrimSpace(string(c.Request().Header.ContentType()))
	if len(ct) > 100 {
		ct = ct[:100] + "..."
	}
	return &Error{Code: http.StatusUnsupportedMediaType, Message: "Unsupported content type " + printable(ct) + "; send a form or JSON."}
}

// printable returns s with every byte outside printable ASCII replaced by
// "?", for echoing a request's value in a message.
func printable(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch < 0x20 || ch > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}

// routeParams returns the route's parameters of the request, unescaped
// (unless Fiber already did: unescaped), or nil when it has none. A value
// that does not unescape is left as it came.
func routeParams(c *fiber.Ctx, unescaped bool) map[string]string {
	all := c.AllParams()
	if len(all) == 0 {
		return nil
	}
	params := make(map[string]string, len(all))
	for k, v := range all {
		if !unescaped && strings.IndexByte(v, '%') >= 0 {
			if u, err := url.PathUnescape(v); err == nil {
				v = u
			}
		}
		params[k] = strings.Clone(v)
	}
	return params
}
