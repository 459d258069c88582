package fiberfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event is one server-sent event: what [EventWriter.Send] writes and what a
// [Hub] topic carries.
//
// How htmx handles it depends on Name:
//
//   - Unnamed (Name == ""): htmx 4's hx-sse extension swaps Data into the
//     target of the element with hx-sse:connect (its hx-target and
//     hx-swap), out-of-band parts (hx-swap-oob, <hx-partial>) included, and
//     never swaps empty content. htmx 2's sse extension swaps it into every
//     element with sse-swap="message" (its hx-target and hx-swap; an
//     out-of-band-only event leaves an empty main part, so give that
//     element hx-swap="none" or a harmless target). Unnamed events are the
//     ones to publish for both versions.
//   - Named: htmx 4 does not swap it; it dispatches a DOM event of that
//     name on the connected element (detail.data, detail.id), which an
//     hx-trigger can listen to. htmx 2 swaps it into elements with
//     sse-swap="Name" and triggers hx-trigger="sse:Name". Never name an
//     event "message" for htmx 4: it would become a DOM event, not a swap.
type Event struct {
	// ID is the event's id (the SSE id: field), which the browser sends
	// back as Last-Event-ID when it reconnects. A [Hub] sets it; leave it
	// empty when publishing. It must not contain CR, LF or NUL.
	ID string

	// Name is the event type (the SSE event: field); empty for the
	// unnamed event that htmx swaps. It must not contain CR, LF or NUL.
	Name string

	// Data is the payload, usually an HTML fragment. Line breaks (CR LF,
	// CR or LF) are written as separate data: lines and come back as LF.
	Data string

	// JSON reports that Data is a JSON value: the JSON-lines form then
	// embeds it as a value instead of as a string. The SSE form is the same.
	JSON bool

	// Retry, when positive, tells an EventSource (htmx 2) how long to wait
	// before it reconnects (the SSE retry: field, in milliseconds). htmx 4
	// reads it only from an event with data or a name.
	Retry time.Duration
}

// Event names that fiberfn itself sends.
const (
	// ResetEvent is sent by a [Hub] subscription when it cannot replay the
	// events a reconnecting page missed (its Last-Event-ID is older than
	// the topic's replay buffer, unknown, or from before a restart), and
	// when the broker lost events of the topic. Its data is the topic's
	// name. The page must reload what it shows of that topic: with htmx 4,
	// hx-trigger="fiberfn:reset from:#live" on the region (the DOM event
	// fires on the element with hx-sse:connect, id "live" here) and an
	// hx-get of the region; with htmx 2, hx-trigger="sse:fiberfn:reset" on
	// an element inside the one with sse-connect.
	ResetEvent = "fiberfn:reset"
)

// A stream whose function returns an error sends the event [ErrorEvent],
// the same name htmx error answers trigger: its data is the message meant
// for the user (for an unexpected error, the generic message; the details
// are logged, never sent).

// errEventField is the error of an event whose ID or Name contains a line
// break or NUL, which would end the field early and let the rest of the
// value inject fields of its own.
var errEventField = errors.New("fiberfn: event id and name must not contain CR, LF or NUL")

// validField reports whether s can be an SSE id or event name.
func validField(s string) bool {
	return !strings.ContainsAny(s, "\r\n\x00")
}

// check reports whether e can be written.
func (e *Event) check() error {
	if !validField(e.ID) || !validField(e.Name) {
		return errEventField
	}
	return nil
}

// appendSSEBody appends the event and data lines of e and the blank line
// that ends it: everything but the id (which differs between connections
// that subscribe to several topics) and the retry field.
func appendSSEBody(dst []byte, e *Event) []byte {
	if e.Name != "" {
		dst = append(dst, "event: "...)
		dst = append(dst, e.Name...)
		dst = append(dst, '\n')
	}
	dst = appendDataLines(dst, e.Data)
	return append(dst, '\n')
}

// appendDataLines appends one "data:" line per line of s, splitting on CR
// LF, CR and LF as the SSE parser does. An empty s is one empty data line.
func appendDataLines(dst []byte, s string) []byte {
	for {
		i := strings.IndexAny(s, "\r\n")
		line := s
		if i >= 0 {
			line = s[:i]
		}
		if line == "" {
			dst = append(dst, "data:\n"...)
		} else {
			dst = append(dst, "data: "...)
			dst = append(dst, line...)
			dst = append(dst, '\n')
		}
		if i < 0 {
			return dst
		}
		if s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n' {
			i++
		}
		s = s[i+1:]
	}
}

// appendIDLine appends the "id:" line for id.
func appendIDLine(dst []byte, id string) []byte {
	dst = append(dst, "id: "...)
	dst = append(dst, id...)
	return append(dst, '\n')
}

// appendRetryLine appends the "retry:" line for d, in milliseconds.
func appendRetryLine(dst []byte, d time.Duration) []byte {
	dst = append(dst, "retry: "...)
	dst = strconv.AppendInt(dst, d.Milliseconds(), 10)
	return append(dst, '\n')
}

// AppendSSE appends the text/event-stream encoding of e to dst: its id,
// event, retry and data lines and the blank line that ends the event.
// It returns an error, and dst unchanged, when ID or Name contains CR, LF
// or NUL.
func (e Event) AppendSSE(dst []byte) ([]byte, error) {
	if err := e.check(); err != nil {
		return dst, err
	}
	if e.ID != "" {
		dst = appendIDLine(dst, e.ID)
	}
	if e.Retry > 0 {
		dst = appendRetryLine(dst, e.Retry)
	}
	return appendSSEBody(dst, &e), nil
}

// AppendJSONLine appends the JSON-lines encoding of e to dst: one JSON
// object and a newline, {"id":"...","event":"...","data":...}, with the
// empty fields left out. Data is a JSON string, or the value itself when
// e.JSON is set and Data is valid JSON.
func (e Event) AppendJSONLine(dst []byte) ([]byte, error) {
	if err := e.check(); err != nil {
		return dst, err
	}
	return appendJSONLine(dst, e.ID, &e), nil
}

// appendJSONLine appends the JSON line of e with the given id.
func appendJSONLine(dst []byte, id string, e *Event) []byte {
	dst = append(dst, '{')
	sep := false
	field := func(name string) {
		if sep {
			dst = append(dst, ',')
		}
		sep = true
		dst = append(dst, '"')
		dst = append(dst, name...)
		dst = append(dst, `":`...)
	}
	if id != "" {
		field("id")
		dst = appendJSONString(dst, id)
	}
	if e.Name != "" {
		field("event")
		dst = appendJSONString(dst, e.Name)
	}
	if e.Data != "" || e.JSON {
		field("data")
		if e.JSON && json.Valid([]byte(e.Data)) {
			dst = appendCompactJSON(dst, e.Data)
		} else {
			dst = appendJSONString(dst, e.Data)
		}
	}
	return append(dst, "}\n"...)
}

// appendCompactJSON appends the valid JSON value s without insignificant
// white space, so that it stays on one line.
func appendCompactJSON(dst []byte, s string) []byte {
	if !strings.ContainsAny(s, "\r\n") {
		return append(dst, s...)
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, []byte(s)); err != nil {
		return appendJSONString(dst, s)
	}
	return append(dst, buf.Bytes()...)
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD; <, > and & are escaped so a line is safe in any context.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
