package fiberfn

import (
	"bufio"
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/gofiber/fiber/v2"
)

// StreamConfig configures an event stream written by [Stream] or a [Hub]
// subscription.
type StreamConfig struct {
	// Retry is sent first, as the SSE retry: field: how long an
	// EventSource (htmx 2) waits before it reconnects. htmx 4 waits 500 ms,
	// doubling on each failed attempt, with jitter. Negative: not sent.
	//
	// Optional. Default: 1 s
	Retry time.Duration

	// Heartbeat is how long a stream may stay silent before a comment
	// (": ") is written, so that proxies and load balancers keep it open
	// and a client that has gone is noticed. Negative: no heartbeat.
	//
	// Optional. Default: 20 s
	Heartbeat time.Duration

	// WriteTimeout bounds how long one write may take to reach the
	// client: a client that stops reading loses its stream within it
	// (after at least half of it), and reconnects when it comes back. Negative: no limit (a stalled client
	// then holds its connection until TCP gives up).
	//
	// Optional. Default: 10 s
	WriteTimeout time.Duration

	// Logger logs the details of unexpected errors, which the client sees
	// only as the generic message.
	//
	// Optional. Default: slog.Default()
	Logger *slog.Logger
}

// StreamConfigDefault is the default [StreamConfig].
var StreamConfigDefault = StreamConfig{
	Retry:        time.Second,
	Heartbeat:    20 * time.Second,
	WriteTimeout: 10 * time.Second,
}

// streamConfigDefault fills the zero fields of cfg from StreamConfigDefault.
func streamConfigDefault(config ...StreamConfig) StreamConfig {
	if len(config) == 0 {
		return StreamConfigDefault
	}
	cfg := config[0]
	if cfg.Retry == 0 {
		cfg.Retry = StreamConfigDefault.Retry
	}
	if cfg.Heartbeat == 0 {
		cfg.Heartbeat = StreamConfigDefault.Heartbeat
	}
	if cfg.WriteTimeout == 0 {
		cfg.WriteTimeout = StreamConfigDefault.WriteTimeout
	}
	return cfg
}

func (cfg *StreamConfig) logger() *slog.Logger {
	if cfg.Logger != nil {
		return cfg.Logger
	}
	return slog.Default()
}

// Stream answers the request with an event stream (text/event-stream, or
// JSON lines for a JSON caller; see [StreamFormatOf]) and runs fn to write
// its events. The handler returns Stream's result at once; fasthttp runs fn
// in another goroutine after the handler has returned, while it sends the
// answer, so fn must not use c (Fiber reuses it for other requests): read
// what fn needs from c before calling Stream.
//
// ctx is cancelled when the server shuts down (app.Shutdown) or the client
// has gone (closed the connection, or did not read in time); then fn should return promptly, so that the stream does not
// hold a graceful shutdown. When fn returns an error, its message for the
// user reaches the client as a [ErrorEvent] event (an unexpected error as
// the generic message, logged), not as a silent stop.
//
// Every stream's answer closes its connection when it ends, and carries
// Cache-Control: no-store and X-Accel-Buffering: no (so nginx does not
// buffer it). Fiber's compress middleware may stay on: fasthttp flushes
// the compressor with every write of a stream.
func Stream(c *fiber.Ctx, fn func(ctx context.Context, w *EventWriter) error, config ...StreamConfig) error {
	cfg := streamConfigDefault(config...)
	format := StreamFormatOf(c)
	conn, serverDone := prepareStream(c, format)
	c.Context().SetBodyStreamWriter(func(bw *bufio.Writer) {
		w := newEventWriter(bw, conn, format, cfg.WriteTimeout, cfg.Heartbeat)
		defer w.finish()
		if w.open(cfg.Retry, "") != nil {
			return
		}
		w.startHeartbeat()
		ctx, cancel := streamContext(conn, serverDone, w)
		defer cancel()
		if err := fn(ctx, w); err != nil {
			ue, internal := asUserError(err)
			if internal {
				cfg.logger().Error("fiberfn: stream", "error", err)
			}
			_ = w.Send(Event{Name: ErrorEvent, Data: ue.Message})
		}
	})
	return nil
}

// prepareStream sets the headers of a stream's answer and returns what the
// stream goroutine may still use after the handler returns: the
// connection (for write deadlines and to notice the client leaving) and
// the channel that the server closes when it shuts down (nil, never
// closed, when the app serves without a listener, as app.Test does).
func prepareStream(c *fiber.Ctx, format StreamFormat) (net.Conn, <-chan struct{}) {
	c.Status(fiber.StatusOK)
	c.Set(fiber.HeaderContentType, format.ContentType())
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("X-Accel-Buffering", "no")
	c.Vary(fiber.HeaderAccept)
	c.Response().Header.Del(fiber.HeaderContentLength)
	c.Context().Response.SetConnectionClose()
	return c.Context().Conn(), c.Context().Done()
}

// open writes the start of a stream and flushes it, so that the client
// gets the answer's headers at once (htmx 4 times out a connection whose
// headers do not arrive): the retry field and, when id is not empty, the
// id the client resumes from. In the JSON-lines form it writes {"id":...}
// when id is not empty, else an empty line.
func (w *EventWriter) open(retry time.Duration, id string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	b := w.buf[:0]
	if w.format == StreamJSONLines {
		if id != "" {
			b = appendJSONLine(b, id, &Event{})
		} else {
			b = append(b, '\n')
		}
	} else {
		if id != "" {
			b = appendIDLine(b, id)
		}
		if retry > 0 {
			b = appendRetryLine(b, retry)
		}
		if len(b) == 0 {
			b = append(b, ':')
		}
		b = append(b, '\n', '\n')
	}
	w.buf = b
	return w.writeLocked(b)
}

// streamContext returns the context of a stream's body: it ends when the
// server shuts down, the client leaves, a write fails or cancel is called.
func streamContext(conn net.Conn, serverDone <-chan struct{}, w *EventWriter) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	gone := watchClient(conn)
	go func() {
		select {
		case <-serverDone:
		case <-gone:
		case <-w.Failed():
		case <-ctx.Done():
		}
		cancel()
	}()
	return ctx, cancel
}

// watchClient returns a channel that is closed when the client closes the
// connection (or sends anything: a stream's client never does), so that a
// stream ends at once instead of at its next write. Nothing else reads the
// connection while a stream's answer is written (fasthttp reads the next
// request only after the answer, and the answer closes the connection), so
// one byte read here takes nothing from anyone. nil conn: never closed.
func watchClient(conn net.Conn) <-chan struct{} {
	if conn == nil {
		return nil
	}
	gone := make(chan struct{})
	go func() {
		defer close(gone)
		var b [1]byte
		_, _ = conn.Read(b[:])
	}()
	return gone
}
