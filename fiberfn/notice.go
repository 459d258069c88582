package fiberfn

import (
	"encoding/base64"

	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
)

// NoticeEvent is the htmx event that carries a notice to an htmx partial
// request (HX-Trigger), with the message as its detail.value:
//
//	document.body.addEventListener("fiberfn:notice", e => show(e.detail.value))
const NoticeEvent = "fiberfn:notice"

// Notify sets a one-time success message ("Task added.") for the user,
// the counterpart of [Flash] for success. A function or page that redirects
// (a plain form post is always redirected back) carries it across the
// redirect in a signed cookie, read once with [Notice] on the next page;
// an htmx fragment answer carries it as the [NoticeEvent] event instead.
// JSON callers and error answers do not get it.
func Notify(c *fiber.Ctx, message string) {
	stateOf(c).notice = message
}

// noticeKey is the locals key of a notice already read in this request.
type noticeKey struct{}

// Notice returns the message set with [Notify] before the redirect that led
// to this request, or "". It is read once: the cookie is cleared in this
// response. A forged or altered cookie, one made for another client (see
// [Config].ClientID) or one older than a minute is ignored.
func Notice(c *fiber.Ctx) string {
	if n, ok := c.Locals(noticeKey{}).(string); ok {
		return n
	}
	p, raw := takeCookie(c, func(cfg *Config) string { return cfg.NoticeCookie })
	if raw == "" {
		return ""
	}
	msg := ""
	if v, ok := p.openCookie(c, purposeNotice, raw); ok {
		if b, err := base64.RawURLEncoding.DecodeString(v); err == nil {
			msg = string(b)
		}
	}
	c.Locals(noticeKey{}, msg)
	return msg
}

// writeNotice sends the request's notice: as an htmx event with a
// fragment, else as a cookie for the next page.
func (p *plugin) writeNotice(c *fiber.Ctx, st *requestState, fragment bool) {
	msg := st.notice
	st.notice = ""
	if fragment {
		_ = htmx.Trigger(c, NoticeEvent, msg)
		return
	}
	limit := p.flashLimit(c)
	if max := (limit - sealOverhead()) * 3 / 4; len(msg) > max {
		msg = truncateUTF8(msg, max)
	}
	p.setSignedCookie(c, p.cfg.NoticeCookie, purposeNotice, base64.RawURLEncoding.EncodeToString([]byte(msg)))
}
