package fiberfn

import (
	"bytes"

	"github.com/valyala/fasthttp"
)

// savedHeaders are the response headers (and status) from before a
// server function ran, restored if it panics, so that a panic never drops
// what earlier middleware set, and never keeps what the function set.
// Most requests reach a function with nothing set yet: then only that is
// remembered, instead of a copy.
type savedHeaders struct {
	pristine bool // nothing but the default Content-Type was set
	status   int
	copy     fasthttp.ResponseHeader // when not pristine
}

// defaultContentType is what fasthttp sends when no Content-Type is set.
var defaultContentType = []byte("text/plain; charset=utf-8")

// save remembers the response's headers.
func (s *savedHeaders) save(resp *fasthttp.Response) {
	h := &resp.Header
	n := 0
	h.VisitAll(func(_, _ []byte) { n++ })
	s.status = resp.StatusCode()
	s.pristine = n == 0 || n == 1 && bytes.Equal(h.ContentType(), defaultContentType)
	if !s.pristine {
		h.CopyTo(&s.copy)
	}
}

// restore puts the remembered headers back, dropping any other.
func (s *savedHeaders) restore(resp *fasthttp.Response) {
	if !s.pristine {
		s.copy.CopyTo(&resp.Header)
		return
	}
	var keys []string
	resp.Header.VisitAll(func(k, _ []byte) { keys = append(keys, string(k)) })
	for _, k := range keys {
		resp.Header.Del(k)
	}
	resp.Header.DelAllCookies()
	resp.SetStatusCode(s.status)
}

// reset forgets the headers.
func (s *savedHeaders) reset() {
	if !s.pristine {
		s.copy.Reset()
	}
	s.pristine, s.status = false, 0
}
