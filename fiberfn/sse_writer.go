package fiberfn

import (
	"bufio"
	"errors"
	"mime"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// StreamFormat is the encoding of an event stream.
type StreamFormat uint8

const (
	// StreamSSE is text/event-stream, what htmx 4's hx-sse, htmx 2's sse
	// extension and EventSource read.
	StreamSSE StreamFormat = iota
	// StreamJSONLines is application/x-ndjson: one JSON object per line
	// (see [Event.AppendJSONLine]); heartbeats are empty lines, which a
	// reader skips.
	StreamJSONLines
)

// ContentType is the Content-Type of a stream in format f.
func (f StreamFormat) ContentType() string {
	if f == StreamJSONLines {
		return "application/x-ndjson"
	}
	return "text/event-stream"
}

// StreamFormatOf chooses the format of an event stream for the request:
// JSON lines when Accept names application/x-ndjson, application/jsonl or
// application/json and not text/event-stream (htmx 4 adds
// text/event-stream to its Accept, EventSource sends only that), else SSE.
func StreamFormatOf(c *fiber.Ctx) StreamFormat {
	accept := c.Get(fiber.HeaderAccept)
	json := false
	for _, part := range strings.Split(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/event-stream":
			return StreamSSE
		case "application/x-ndjson", "application/jsonl", "application/json":
			json = true
		}
	}
	if json {
		return StreamJSONLines
	}
	return StreamSSE
}

// ErrStreamClosed is returned by [EventWriter.Send] once the stream has
// ended: its client has gone, a write did not reach it in time, or the
// server is shutting down.
var ErrStreamClosed = errors.New("fiberfn: event stream closed")

// EventWriter writes the events of one stream and flushes each to the
// client, so that it arrives at once. [Stream] hands one to its function;
// a [Hub] subscription drives its own. It is safe for concurrent use (its
// heartbeat writes from a timer).
//
// A write that does not reach the client within the stream's WriteTimeout
// ends the stream: a stalled client holds its connection no longer than
// that.
type EventWriter struct {
	mu           sync.Mutex
	bw           *bufio.Writer
	conn         net.Conn // to set write deadlines; nil in tests without one
	format       StreamFormat
	writeTimeout time.Duration
	heartbeat    time.Duration
	timer        *time.Timer
	lastWrite    time.Time
	deadline     time.Time // the connection's write deadline
	buf          []byte
	err          error
	failed       chan struct{}
}

// newEventWriter returns a writer for bw in format f.
func newEventWriter(bw *bufio.Writer, conn net.Conn, f StreamFormat, writeTimeout, heartbeat time.Duration) *EventWriter {
	return &EventWriter{bw: bw, conn: conn, format: f, writeTimeout: writeTimeout, heartbeat: heartbeat, failed: make(chan struct{})}
}

// Format is the stream's encoding.
func (w *EventWriter) Format() StreamFormat { return w.format }

// Failed is closed when a write has failed: the client has gone or did
// not read in time. A loop that waits for something to send selects on it.
func (w *EventWriter) Failed() <-chan struct{} { return w.failed }

// Err is the error of the first failed write, or nil.
func (w *EventWriter) Err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// Send writes e and flushes it to the client. In the JSON-lines form the
// Retry field is left out.
func (w *EventWriter) Send(e Event) error {
	if err := e.check(); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.buf[:0]
	if w.format == StreamJSONLines {
		b = appendJSONLine(b, e.ID, &e)
	} else {
		if e.ID != "" {
			b = appendIDLine(b, e.ID)
		}
		if e.Retry > 0 {
			b = appendRetryLine(b, e.Retry)
		}
		b = appendSSEBody(b, &e)
	}
	w.buf = b
	return w.writeLocked(b)
}

// Comment writes an SSE comment line (": text"), which every client
// ignores: a heartbeat that keeps proxies from closing an idle stream. In
// the JSON-lines form it writes an empty line.
func (w *EventWriter) Comment(text string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.commentLocked(text)
}

func (w *EventWriter) commentLocked(text string) error {
	b := w.buf[:0]
	if w.format == StreamSSE {
		b = append(b, ':')
		if text != "" {
			b = append(b, ' ')
			b = append(b, strings.Map(func(r rune) rune {
				if r == '\r' || r == '\n' {
					return ' '
				}
				return r
			}, text)...)
		}
		b = append(b, '\n', '\n')
	} else {
		b = append(b, '\n')
	}
	w.buf = b
	return w.writeLocked(b)
}

// writeLocked writes b and flushes, with a write deadline on the
// connection; the first failure is kept and closes Failed.
func (w *EventWriter) writeLocked(b []byte) error {
	if w.err != nil {
		return w.err
	}
	w.armDeadlineLocked()
	_, err := w.bw.Write(b)
	if err == nil {
		err = w.bw.Flush()
	}
	if err != nil {
		w.failLocked(err)
		return w.err
	}
	w.lastWrite = time.Now()
	return nil
}

// armDeadlineLocked sets the connection's write deadline WriteTimeout
// ahead, when less than half of it is left: the server goroutine writes
// what we flush to the connection, and a deadline there makes a stalled
// client fail that write, which closes the stream's pipe and so fails
// ours. Re-arming only past half the timeout spares a timer change per
// event; a stalled write still fails within WriteTimeout.
func (w *EventWriter) armDeadlineLocked() {
	if w.conn == nil || w.writeTimeout <= 0 {
		return
	}
	now := time.Now()
	if w.deadline.Sub(now) >= w.writeTimeout/2 {
		return
	}
	w.deadline = now.Add(w.writeTimeout)
	_ = w.conn.SetWriteDeadline(w.deadline)
}

// failLocked records the stream's end.
func (w *EventWriter) failLocked(err error) {
	if w.err != nil {
		return
	}
	w.err = errors.Join(ErrStreamClosed, err)
	close(w.failed)
}

// startHeartbeat writes a comment whenever nothing was written for the
// heartbeat interval. The timer runs its function in a goroutine of its
// own only when it fires, so an idle stream costs no goroutine for it.
func (w *EventWriter) startHeartbeat() {
	if w.heartbeat <= 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timer = time.AfterFunc(w.heartbeat, w.beat)
}

func (w *EventWriter) beat() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil || w.timer == nil {
		return
	}
	idle := time.Since(w.lastWrite)
	if idle >= w.heartbeat-w.heartbeat/10 {
		if w.commentLocked("") != nil {
			return
		}
		idle = 0
	}
	w.timer.Reset(w.heartbeat - idle)
}

// finish stops the heartbeat and flushes what is buffered; the writer
// fails every later write. The last write deadline stays, so that the end
// of the response cannot hang on a stalled client either; the stream's
// answer closes its connection (see prepareStream), so no later answer on
// it inherits the deadline.
func (w *EventWriter) finish() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.timer != nil {
		w.timer.Stop()
		w.timer = nil
	}
	if w.err == nil {
		w.armDeadlineLocked()
		_ = w.bw.Flush()
		w.failLocked(errors.New("stream finished"))
	}
}
