package fiberfn

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
)

// fnHeaders is what the plugin reads of a server function request's
// headers, gathered in one pass instead of one lookup each.
type fnHeaders struct {
	htmx            bool
	secFetchSite    []byte
	origin          []byte
	accept          []byte
	contentEncoding []byte
}

// readHeaders fills h from the request. The slices alias request memory
// and are valid until the request ends.
func (h *fnHeaders) read(c *fiber.Ctx) {
	*h = fnHeaders{}
	c.Request().Header.VisitAll(func(k, v []byte) {
		switch len(k) {
		case len("Accept"): // also len("Origin")
			if bytes.EqualFold(k, []byte("Accept")) {
				h.accept = v
			} else if bytes.EqualFold(k, []byte("Origin")) {
				h.origin = v
			}
		case len(HeaderHXRequest):
			if bytes.EqualFold(k, []byte(HeaderHXRequest)) {
				h.htmx = string(v) == "true"
			}
		case len("Sec-Fetch-Site"):
			if bytes.EqualFold(k, []byte("Sec-Fetch-Site")) {
				h.secFetchSite = v
			}
		case len(fiber.HeaderContentEncoding):
			if bytes.EqualFold(k, []byte(fiber.HeaderContentEncoding)) {
				h.contentEncoding = v
			}
		}
	})
}

// caller returns who is asking, given the kind of body they sent.
func (h *fnHeaders) caller(kind bodyKind) caller {
	if h.htmx {
		return htmxCaller
	}
	if kind == bodyJSON || bytes.Contains(h.accept, []byte(fiber.MIMEApplicationJSON)) {
		return jsonCaller
	}
	return plainCaller
}
