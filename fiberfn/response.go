package fiberfn

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// ResponseOptions collects what a handler wants in its response: status,
// headers and cookies. The plugin applies them after the handler returns,
// in server functions and page handlers alike, so a status set here wins
// over the defaults the plugin or the handler would otherwise write.
//
// Get it with [Response]; it is only valid during the request. What is set
// here reaches every answer: success, error (whose status wins over
// SetStatus) and redirect alike. A panic drops it.
type ResponseOptions struct {
	status  int
	headers []headerOp
	cookies []fiber.Cookie
	redirect
}

type headerOp struct {
	key, value string
	append     bool
}

// SetStatus sets the status code of the response.
func (r *ResponseOptions) SetStatus(code int) {
	r.status = code
}

// Status returns the status set with SetStatus, or 0 when none was set.
func (r *ResponseOptions) Status() int {
	return r.status
}

// InsertHeader sets a response header, replacing any value it had.
// CR and LF are removed from key and value.
func (r *ResponseOptions) InsertHeader(key, value string) {
	r.headers = append(r.headers, headerOp{key: headerSafe(key), value: headerSafe(value)})
}

// AppendHeader adds another value to a response header.
// CR and LF are removed from key and value.
func (r *ResponseOptions) AppendHeader(key, value string) {
	r.headers = append(r.headers, headerOp{key: headerSafe(key), value: headerSafe(value), append: true})
}

// Header returns the last value set for key with InsertHeader or
// AppendHeader, and whether there was one.
func (r *ResponseOptions) Header(key string) (string, bool) {
	for i := len(r.headers) - 1; i >= 0; i-- {
		if strings.EqualFold(r.headers[i].key, key) {
			return r.headers[i].value, true
		}
	}
	return "", false
}

// SetCookie adds a copy of cookie to the response.
func (r *ResponseOptions) SetCookie(cookie *fiber.Cookie) {
	if cookie != nil {
		r.cookies = append(r.cookies, *cookie)
	}
}

// Cookies returns a copy of the cookies added with SetCookie.
func (r *ResponseOptions) Cookies() []fiber.Cookie {
	return append([]fiber.Cookie(nil), r.cookies...)
}

// reset clears the options so the value can be reused.
func (r *ResponseOptions) reset() {
	r.status = 0
	clear(r.headers)
	r.headers = r.headers[:0]
	clear(r.cookies)
	r.cookies = r.cookies[:0]
	r.redirect = redirect{}
}

// applyHeaders writes headers and cookies to the response; when secure
// says so, every cookie is marked Secure.
func (r *ResponseOptions) applyHeaders(c *fiber.Ctx, secure func(*fiber.Ctx) bool) {
	for _, h := range r.headers {
		if h.append {
			c.Response().Header.Add(h.key, h.value)
		} else {
			c.Set(h.key, h.value)
		}
	}
	if len(r.cookies) == 0 {
		return
	}
	sec := secure(c)
	for i := range r.cookies {
		ck := &r.cookies[i]
		ck.Secure = ck.Secure || sec
		c.Cookie(ck)
	}
}

// applyStatus writes the status, when one was set.
func (r *ResponseOptions) applyStatus(c *fiber.Ctx) {
	if r.status != 0 {
		c.Status(r.status)
	}
}

// headerSafe removes CR and LF so a value can never split a header.
func headerSafe(s string) string {
	if strings.IndexByte(s, '\r') < 0 && strings.IndexByte(s, '\n') < 0 {
		return s
	}
	return strings.NewReplacer("\r", "", "\n", "").Replace(s)
}

// Response returns the response options of the request; never nil. The
// plugin installed with [New] applies them after the handler returns. The
// value must not be kept after the request ends.
func Response(c *fiber.Ctx) *ResponseOptions {
	return &stateOf(c).resp
}

// secure reports whether the cookies of this answer are marked Secure.
func (p *plugin) secure(c *fiber.Ctx) bool {
	return p.cfg.SecureCookies || IsHTTPS(c)
}
