// Package strict is Fiber middleware that refuses the HTTP/1.1 requests
// whose framing or headers are ambiguous, which fasthttp (v1.51) accepts
// and which request smuggling needs: a front proxy and the app that read
// one request's length differently disagree about where the next request
// starts.
//
// It answers 400 Bad Request, and closes the connection after the answer
// (RFC 9112 section 6.3 requires both), for a request with
//
//   - more than one Content-Length header, even with equal values
//     (fasthttp takes the last);
//   - Content-Length together with Transfer-Encoding (fasthttp lets
//     chunked win silently);
//   - a Transfer-Encoding whose last coding is not chunked, or that names
//     chunked twice (fasthttp reads any value but "identity" as chunked,
//     "xchunked" included), or any Transfer-Encoding on an HTTP/1.0
//     request (RFC 9112 section 6.1: its framing is faulty);
//   - more than one Host header (fasthttp takes the last);
//   - NUL or a bare CR in a header, or a header folded onto the next line
//     (obs-fold), which RFC 9110 section 5.5 and RFC 9112 section 5.2 let
//     a server refuse and fasthttp accepts.
//
// A Transfer-Encoding with other codings before a final chunked
// ("gzip, chunked") gets 501 Not Implemented (RFC 9112 section 6.1):
// fasthttp would hand the body on still gzip-encoded.
//
// It reads the header block as it came over the wire
// (fasthttp.RequestHeader.RawHeaders); a request built in memory, without
// one, passes. fasthttp has read the body, by its own reading of the
// length, before any handler runs; closing the connection is what keeps
// the bytes after it from being read as another request. Install it first:
//
//	app.Use(strict.New())
package strict

import (
	"bytes"
	"net/http"

	"github.com/gofiber/fiber/v2"
)

// New returns the middleware.
func New(config ...Config) fiber.Handler {
	cfg := configDefault(config...)
	return func(c *fiber.Ctx) error {
		if cfg.Next != nil && cfg.Next(c) {
			return c.Next()
		}
		if status, why := check(c.Request().Header.RawHeaders(), c.Request().Header.IsHTTP11()); status != 0 {
			c.Context().SetConnectionClose()
			return fiber.NewError(status, http.StatusText(status)+": "+why)
		}
		return c.Next()
	}
}

// check reads a raw header block ("Name: value" lines, each ending in LF
// or CRLF, then an empty line) of an HTTP/1.1 request (or, when http11 is
// false, HTTP/1.0) and returns 0, or the status and reason that refuse it.
func check(raw []byte, http11 bool) (status int, why string) {
	if bytes.IndexByte(raw, 0) >= 0 {
		return http.StatusBadRequest, "control character in a header"
	}
	crs := bytes.Count(raw, []byte{'\r'}) // each must end a line
	var contentLength, transferEncoding, host int
	var codings codingList
	for len(raw) > 0 {
		var line []byte
		i := bytes.IndexByte(raw, '\n')
		if i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			line, raw = raw, nil
		}
		if n := len(line); i >= 0 && n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
			crs--
		}
		if len(line) == 0 {
			continue // the empty line that ends the block
		}
		if line[0] == ' ' || line[0] == '\t' {
			return http.StatusBadRequest, "header folded over several lines"
		}
		switch line[0] | 0x20 {
		case 'c':
			if hasName(line, "Content-Length") {
				contentLength++
			}
		case 't':
			if hasName(line, "Transfer-Encoding") {
				transferEncoding++
				codings.add(line[len("Transfer-Encoding")+1:])
			}
		case 'h':
			if hasName(line, "Host") {
				host++
			}
		}
	}
	if crs != 0 {
		return http.StatusBadRequest, "control character in a header"
	}
	switch {
	case contentLength > 1:
		return http.StatusBadRequest, "more than one Content-Length header"
	case host > 1:
		return http.StatusBadRequest, "more than one Host header"
	case transferEncoding > 0 && !http11:
		return http.StatusBadRequest, "Transfer-Encoding in an HTTP/1.0 request"
	case transferEncoding > 0 && contentLength > 0:
		return http.StatusBadRequest, "both Content-Length and Transfer-Encoding"
	case transferEncoding > 0 && (!codings.chunkedLast || codings.chunked > 1):
		return http.StatusBadRequest, "Transfer-Encoding must end in chunked, once"
	case transferEncoding > 0 && codings.others > 0:
		return http.StatusNotImplemented, "transfer codings other than chunked are not supported"
	}
	return 0, ""
}

// hasName reports whether line is a header named name (in any case).
func hasName(line []byte, name string) bool {
	return len(line) > len(name) && line[len(name)] == ':' && bytes.EqualFold(line[:len(name)], []byte(name))
}

// codingList tallies the transfer codings of every Transfer-Encoding line,
// read as one comma-separated list (RFC 9110 section 5.3).
type codingList struct {
	chunked, others int
	chunkedLast     bool
}

func (l *codingList) add(value []byte) {
	for len(value) > 0 {
		var item []byte
		item, value, _ = bytes.Cut(value, []byte{','})
		item = bytes.TrimSpace(item)
		if len(item) == 0 {
			continue
		}
		if bytes.EqualFold(item, []byte("chunked")) {
			l.chunked++
			l.chunkedLast = true
		} else {
			l.others++
			l.chunkedLast = false
		}
	}
}
