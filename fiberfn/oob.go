package fiberfn

import (
	"bytes"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// bufPool holds render buffers.
var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// oobPart is an out-of-band update asked for during the request.
type oobPart struct {
	template string
	binding  any
}

// OutOfBand adds an out-of-band update to the answer of an htmx partial
// request: template (of the app's view engine) is rendered with binding
// after the main fragment, and its first element gets hx-swap-oob="true"
// (unless it has an hx-swap-oob of its own), so htmx 2 and htmx 4 swap it
// into the element with the same id, wherever it is on the page. A server
// function updates a task's row as its main fragment and the counts beside
// the list out of band:
//
//	fiberfn.OutOfBand(c, "partials/counts", counts)
//
// The same template renders that part of the full page. Page handlers may
// use it too. Other callers (plain, JSON, full page) do not get it, nor
// do error answers.
func OutOfBand(c *fiber.Ctx, template string, binding any) {
	st := stateOf(c)
	st.oob = append(st.oob, oobPart{template: template, binding: binding})
}

// writeOOB renders the out-of-band parts after the body.
func (p *plugin) writeOOB(c *fiber.Ctx, st *requestState) error {
	if len(st.oob) == 0 {
		return nil
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(buf)
	for _, part := range st.oob {
		buf.Reset()
		if err := render(c, buf, part.template, part.binding); err != nil {
			return err
		}
		c.Response().AppendBody(markOOB(buf.Bytes()))
	}
	return nil
}

// markOOB adds hx-swap-oob="true" to the first element of html, unless
// that element already has an hx-swap-oob attribute.
func markOOB(html []byte) []byte {
	end, attrs := firstElement(html)
	if end < 0 || bytes.Contains(bytes.ToLower(attrs), []byte("hx-swap-oob")) {
		return html
	}
	return insertAt(html, end, ` hx-swap-oob="true"`)
}

// firstElement finds the first start tag of html, skipping comments and
// text: it returns the index just after the tag's name, where an
// attribute may be inserted, and the tag's attributes; -1 when there is
// none.
func firstElement(html []byte) (int, []byte) {
	i := 0
	for {
		j := bytes.IndexByte(html[i:], '<')
		if j < 0 {
			return -1, nil
		}
		i += j
		switch {
		case bytes.HasPrefix(html[i:], []byte("<!--")):
			end := bytes.Index(html[i:], []byte("-->"))
			if end < 0 {
				return -1, nil
			}
			i += end + 3
			continue
		case i+1 < len(html) && isASCIILetter(html[i+1]):
		default:
			i++
			continue
		}
		break
	}
	end := i + 1
	for end < len(html) && (isASCIILetter(html[end]) || html[end] >= '0' && html[end] <= '9' || html[end] == '-') {
		end++
	}
	tagEnd := indexTagEnd(html[end:])
	if tagEnd < 0 {
		return end, nil
	}
	return end, html[end : end+tagEnd]
}

// insertAt returns html with s inserted at i, in a new slice.
func insertAt(html []byte, i int, s string) []byte {
	out := make([]byte, 0, len(html)+len(s))
	out = append(out, html[:i]...)
	out = append(out, s...)
	return append(out, html[i:]...)
}

// indexTagEnd returns the index of the ">" that ends a start tag's
// attributes, skipping quoted attribute values (title="a > b"), or -1.
func indexTagEnd(attrs []byte) int {
	var quote byte
	for i, ch := range attrs {
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'':
			quote = ch
		case ch == '>':
			return i
		}
	}
	return -1
}

func isASCIILetter(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}
