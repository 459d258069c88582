package fiberfn

import (
	"bytes"

	"github.com/fiberfn/fiberfn/fiberfn/htmx"
	"github.com/gofiber/fiber/v2"
)

// caller is who is asking, which decides the shape of every answer. See
// the caller table in the package documentation.
type caller uint8

const (
	plainCaller    caller = iota // a browser without JavaScript, curl
	htmxPartial                  // htmx swapping a fragment
	htmxFullPage                 // boosted, or htmx 4 HX-Request-Type: full
	historyRestore               // htmx restoring history after a cache miss
	jsonCaller                   // Accept or Content-Type application/json
)

// pageLike reports whether the caller is answered like a plain form post:
// a redirect back, or to the target of Redirect, never a fragment.
func (k caller) pageLike() bool {
	return k == plainCaller || k == htmxFullPage || k == historyRestore
}

// varyValue names every request header the classification reads.
const varyValue = htmx.HeaderRequest + ", " + htmx.HeaderBoosted + ", " + htmx.HeaderRequestType + ", " +
	htmx.HeaderHistoryRestore + ", " + fiber.HeaderAccept

// reqHeaders is what the plugin reads of a request's headers, gathered in
// one pass instead of one lookup each.
type reqHeaders struct {
	read            bool
	htmx            bool
	boosted         bool
	full            bool // htmx 4 HX-Request-Type: full
	restore         bool
	secFetchSite    []byte
	origin          []byte
	accept          []byte
	contentEncoding []byte
	idempotencyKey  []byte
	idempotencyKeys int // how many Idempotency-Key headers came
}

// scan fills h from the request. The slices alias request memory and are
// valid until the request ends.
func (h *reqHeaders) scan(c *fiber.Ctx) {
	*h = reqHeaders{read: true}
	c.Request().Header.VisitAll(func(k, v []byte) {
		switch len(k) {
		case 6: // Accept, Origin
			if bytes.EqualFold(k, []byte("Accept")) {
				h.accept = v
			} else if bytes.EqualFold(k, []byte("Origin")) {
				h.origin = v
			}
		case 10: // HX-Request, HX-Boosted
			if bytes.EqualFold(k, []byte(htmx.HeaderRequest)) {
				h.htmx = string(v) == "true"
			} else if bytes.EqualFold(k, []byte(htmx.HeaderBoosted)) {
				h.boosted = string(v) == "true"
			}
		case 14: // Sec-Fetch-Site
			if bytes.EqualFold(k, []byte("Sec-Fetch-Site")) {
				h.secFetchSite = v
			}
		case 15: // HX-Request-Type, Idempotency-Key
			if bytes.EqualFold(k, []byte(htmx.HeaderRequestType)) {
				h.full = bytes.EqualFold(v, []byte("full"))
			} else if bytes.EqualFold(k, []byte(headerIdempotencyKey)) {
				h.idempotencyKey = v
				h.idempotencyKeys++
			}
		case 16: // Content-Encoding
			if bytes.EqualFold(k, []byte(fiber.HeaderContentEncoding)) {
				h.contentEncoding = v
			}
		case 26: // HX-History-Restore-Request
			if bytes.EqualFold(k, []byte(htmx.HeaderHistoryRestore)) {
				h.restore = string(v) == "true"
			}
		}
	})
}

// caller classifies the request, given the kind of body it sent.
func (h *reqHeaders) caller(kind bodyKind) caller {
	switch {
	case h.restore:
		return historyRestore
	case h.htmx && (h.boosted || h.full):
		return htmxFullPage
	case h.htmx:
		return htmxPartial
	case kind == bodyJSON || bytes.Contains(h.accept, []byte(fiber.MIMEApplicationJSON)):
		return jsonCaller
	}
	return plainCaller
}

// classify reads the request's headers and body kind once, and decides
// who is asking: every later step reads st.who.
func (st *requestState) classify(c *fiber.Ctx) {
	if st.classified {
		return
	}
	st.classified = true
	if !st.hdr.read {
		st.hdr.scan(c)
	}
	st.kind = kindOf(c)
	st.who = st.hdr.caller(st.kind)
}

// callerOf classifies the request (once) for a page handler and adds the
// Vary header, since the answer now depends on it.
func callerOf(c *fiber.Ctx) caller {
	st := stateOf(c)
	st.classify(c)
	st.addVary(c)
	return st.who
}

// addVary names the request headers an answer depended on, once, beside
// any Vary values set before (by CORS or compression middleware, say).
func (st *requestState) addVary(c *fiber.Ctx) {
	if !st.varied {
		st.varied = true
		c.Response().Header.Add(fiber.HeaderVary, varyValue)
	}
}

// WantsFragment tells a page handler whether to render only a fragment
// (true: an htmx partial request) or the whole page with its layout
// (false: plain, JSON, boosted, htmx 4 "full" and history-restore
// requests). It is right for htmx 2 and htmx 4, and adds the Vary header
// the answer now needs.
func WantsFragment(c *fiber.Ctx) bool {
	return callerOf(c) == htmxPartial
}

// WantsJSON reports whether the caller is a JSON client (Accept or
// Content-Type application/json, and not htmx): the callers to whom server
// functions answer in JSON. It adds the Vary header the answer now needs.
func WantsJSON(c *fiber.Ctx) bool {
	return callerOf(c) == jsonCaller
}
