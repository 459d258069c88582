package fiberfn

import (
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// FormState is what a form needs to show a failed submission again: the
// error message, a message per field and the values the user typed
// (never passwords). HTMX error templates get it as their binding; after a
// plain (no-JavaScript) form post it is carried across the redirect once
// and read with [Flash].
//
// Its methods are safe on a nil *FormState, so templates can call them
// whether or not there was an error.
type FormState struct {
	// Fn is the name of the server function that failed.
	Fn string `json:"fn"`
	// Status is the HTTP status of the failure.
	Status int `json:"status"`
	// Message is the error shown to the user.
	Message string `json:"msg"`
	// Fields holds a message per field, by form name.
	Fields map[string]string `json:"fields,omitempty"`
	// Values holds the submitted values, by form name.
	Values map[string]string `json:"values,omitempty"`
	// Params holds the route's parameters of the failed request, by name
	// ("id" for "/contacts/:id"), unescaped, so that an ErrorTemplate that
	// re-renders its form can build the form's URL again:
	// {{ fnURL "update_contact" (.Param "id") }}. It is set for htmx error
	// templates only, not carried by Flash (the page knows its own).
	Params map[string]string `json:"-"`
}

// For returns f when it belongs to the server function named fn, else nil:
// {{ with .Flash.For "add_task" }}...{{ end }}.
func (f *FormState) For(fn string) *FormState {
	if f == nil || f.Fn != fn {
		return nil
	}
	return f
}

// Error returns the message of one field, or "".
func (f *FormState) Error(field string) string {
	if f == nil {
		return ""
	}
	return f.Fields[field]
}

// Value returns the submitted value of one field, or "".
func (f *FormState) Value(field string) string {
	if f == nil {
		return ""
	}
	return f.Values[field]
}

// Param returns a route parameter of the failed request (see Params),
// or "".
func (f *FormState) Param(name string) string {
	if f == nil {
		return ""
	}
	return f.Params[name]
}

// HasError reports whether there is a message for the form or a field.
func (f *FormState) HasError() bool {
	return f != nil && (f.Message != "" || len(f.Fields) > 0)
}

// flashKey is the locals key of a flash already read in this request.
type flashKey struct{}

// Flash returns the state of the form whose plain (no-JavaScript) post
// failed just before this request, or nil. It is read once: the cookie
// that carried it is cleared in this response. A cookie that is forged,
// altered, signed with an unknown key, made for another client (see
// [Config].ClientID) or older than a minute is ignored.
func Flash(c *fiber.Ctx) *FormState {
	if f, ok := c.Locals(flashKey{}).(*FormState); ok {
		return f
	}
	p, raw := takeCookie(c, func(cfg *Config) string { return cfg.FlashCookie })
	if raw == "" {
		return nil
	}
	f := decodeFlash(p.signer, p.clientID(c), raw)
	c.Locals(flashKey{}, f)
	return f
}

// encodeFlash returns the flash cookie's payload for f, dropping what does
// not fit the cap (see fitFlash: the longest free-text values first) and
// logging what was dropped.
func (p *plugin) encodeFlash(c *fiber.Ctx, f *FormState) string {
	limit := p.flashLimit(c)
	s, cut := fitFlash(f, limit-sealOverhead(), p.hiddenFields(f.Fn))
	p.logFlashCut(f.Fn, limit, cut)
	return s
}

// decodeFlash returns the flash of a cookie sealed for client, or nil when
// it is forged, altered, another client's or expired.
func decodeFlash(sg signer, client, signed string) *FormState {
	if len(signed) > 8192 {
		return nil
	}
	raw, ok := sg.open(purposeFlash, client, time.Now(), signed)
	if !ok {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil
	}
	var f FormState
	if json.Unmarshal(b, &f) != nil || f.Fn == "" {
		return nil
	}
	return &f
}

// maxCarriedValue is the longest value carried back to a form.
const maxCarriedValue = 1000

// submittedValues returns the first value of each submitted field, without
// sensitive fields and files.
func submittedValues(c *fiber.Ctx, kind bodyKind, m *meta) map[string]string {
	values := map[string]string{}
	add := func(k, v string) {
		if _, seen := values[k]; seen || k == OnceField || isSensitive(k, m.sensitive) {
			return
		}
		if len(v) > maxCarriedValue {
			v = truncateUTF8(v, maxCarriedValue)
		}
		values[k] = strings.Clone(v)
	}
	switch kind {
	case bodyURLEncoded:
		c.Request().PostArgs().VisitAll(func(k, v []byte) { add(string(k), string(v)) })
	case bodyMultipart:
		var form *multipart.Form
		form, err := c.MultipartForm()
		if err == nil {
			for k, vs := range form.Value {
				if len(vs) > 0 {
					add(k, vs[0])
				}
			}
		}
	case bodyJSON:
		var obj map[string]any
		if json.Unmarshal(c.Body(), &obj) == nil {
			for k, v := range obj {
				if s, ok := v.(string); ok {
					add(k, s)
				}
			}
		}
	case bodyNone:
		c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { add(string(k), string(v)) })
	}
	return values
}
