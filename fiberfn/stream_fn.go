package fiberfn

import (
	"bufio"
	"bytes"
	"fmt"

	"github.com/gofiber/fiber/v2"
)

// StreamFunc is a streaming server function: it sends a sequence of
// results with send instead of returning one. send returns an error once
// the stream has ended (the client has gone, or the server is shutting
// down): then the function should stop and return it.
type StreamFunc[In, Out any] func(c *fiber.Ctx, in In, send func(Out) error) error

// RegisterStream registers a streaming server function on the default
// registry. It is checked, guarded and decoded like any function of
// [Register] (origin check, body limit, guards, Validate, [OnceOnly]); its
// answer depends on who is asking:
//
//   - htmx 4 (an htmx request whose Accept names text/event-stream, as
//     htmx 4 always sends): text/event-stream, one unnamed event per send,
//     its data the fragment of Out ([Render], [RenderFunc] or a
//     [Component] Out), which htmx 4 swaps into the target as it arrives.
//   - JSON callers: application/x-ndjson, one line per send:
//     {"data":<Out as JSON>}.
//   - htmx 2, whose sse extension reads only EventSource GETs, and plain,
//     boosted and full-page callers: the function runs to the end and the
//     answer is the ordinary one of its last result (the fragment for
//     htmx 2, the redirect back with the notice for the others). To show
//     htmx 2 the progress, start the work as a job that publishes it to a
//     [Hub] topic and send a placeholder whose sse-connect subscribes to
//     it (the demo's Import tasks page does).
//
// A refusal known before any work starts (a quota, say) belongs in the
// input's [RequestValidator]: it is then an ordinary error answer for
// every caller, not an event stream that carries an error event.
//
// In a streamed answer the function runs after the handler has returned,
// on a *fiber.Ctx of the same request (its locals, body and form files
// stay readable; c.UserContext() is cancelled when the client goes or the
// server shuts down). Headers and cookies set with [Response] before the
// function runs (by guards) are sent; what the function sets once the
// stream has started is not, but its notice ([Notify]) ends an SSE stream
// as a [NoticeEvent] event. An error returned mid-stream reaches the
// client as an [ErrorEvent] event with the user's message (an unexpected
// error as the generic message, logged). A once-only token is spent when
// the stream ends without error and given back when it fails.
//
// RegisterStream panics like Register, and when htmx callers would have
// no fragment to swap (no Render, RenderFunc or Component Out).
func RegisterStream[In, Out any](name string, fn StreamFunc[In, Out], opts ...Option) *Fn[In, Out] {
	return RegisterStreamOn(defaultRegistry, name, fn, opts...)
}

// RegisterStreamOn is [RegisterStream] on the given registry.
func RegisterStreamOn[In, Out any](r *Registry, name string, fn StreamFunc[In, Out], opts ...Option) *Fn[In, Out] {
	if fn == nil {
		panic(fmt.Sprintf("fiberfn: RegisterStream(%q): nil function", name))
	}
	var f *Fn[In, Out]
	f = RegisterOn(r, name, func(c *fiber.Ctx, in In) (Out, error) {
		return runStream(c, &f.meta, in, fn)
	}, opts...)
	if f.fragment == nil {
		panic(fmt.Sprintf("fiberfn: RegisterStream(%q): needs Render, RenderFunc or a Component Out for htmx callers", name))
	}
	return f
}

// streamedCaller reports whether the request gets a streamed answer, and
// in which format.
func streamedCaller(st *requestState) (StreamFormat, bool) {
	switch st.who {
	case jsonCaller:
		return StreamJSONLines, true
	case htmxPartial:
		return StreamSSE, bytes.Contains(bytes.ToLower(st.hdr.accept), []byte("text/event-stream"))
	}
	return StreamSSE, false
}

// runStream runs a streaming function: to the end when the caller gets an
// ordinary answer (its last result), else as an event stream written
// after the handler returns.
func runStream[In, Out any](c *fiber.Ctx, m *meta, in In, fn StreamFunc[In, Out]) (Out, error) {
	var last Out
	st := stateFor(c, m)
	format, streamed := StreamSSE, false
	if st != nil {
		format, streamed = streamedCaller(st)
	}
	if !streamed {
		err := fn(c, in, func(out Out) error {
			last = out
			return c.UserContext().Err()
		})
		return last, err
	}
	st.streamed = true
	handed := make(chan struct{})
	st.handed = handed
	// st goes back to its pool when the handler returns: the stream
	// keeps only what it needs of it.
	p, claim, who, kind := st.plugin, st.claim, st.who, st.kind
	st.claim = nil // the stream finishes it
	app, fctx := c.App(), c.Context()
	cfg := StreamConfigDefault
	cfg.Logger = p.cfg.Logger
	conn, serverDone := prepareStream(c, format)
	fctx.SetBodyStreamWriter(func(bw *bufio.Writer) {
		w := newEventWriter(bw, conn, format, cfg.WriteTimeout, cfg.Heartbeat)
		defer w.finish()
		var err error
		defer func() {
			if r := recover(); r != nil {
				p.cfg.Logger.Error("fiberfn: panic", "fn", m.name, "panic", fmt.Sprint(r))
				err = &Error{Code: 500, Message: internalMessage}
				_ = w.Send(Event{Name: ErrorEvent, Data: internalMessage})
			}
			if err != nil {
				claim.abandon()
			} else if claim != nil {
				_, _ = claim.store(encodeAnswer(&onceAnswer{Caller: who, Status: fiber.StatusNoContent, Digest: claim.digest}))
			}
		}()
		if err = w.open(cfg.Retry, ""); err != nil {
			return
		}
		w.startHeartbeat()
		ctx, cancel := streamContext(conn, serverDone, w)
		defer cancel()
		// fasthttp runs this as soon as the handler set it: wait until the
		// plugin is done with the request before touching it.
		select {
		case <-handed:
		case <-ctx.Done():
			err = ErrStreamClosed
			return
		}
		sc := app.AcquireCtx(fctx)
		defer app.ReleaseCtx(sc)
		// A fresh state: a notice the function sets goes out as an event
		// at the end, Response options set now go nowhere.
		// It keeps the caller as classified, and counts the Vary header
		// as sent: the headers are on the wire, and fasthttp writes them
		// from another goroutine, so the function must not touch them
		// (WantsFragment, WantsJSON).
		sst := &requestState{classified: true, who: who, kind: kind, varied: true}
		sst.hdr.read = true
		sc.Locals(stateKey{}, sst)
		sc.SetUserContext(ctx)
		var buf bytes.Buffer
		send := func(out Out) error {
			if err := ctx.Err(); err != nil {
				return ErrStreamClosed
			}
			buf.Reset()
			e := Event{}
			if format == StreamJSONLines {
				b, err := app.Config().JSONEncoder(out)
				if err != nil {
					return err
				}
				e.Data, e.JSON = string(b), true
			} else {
				if err := m.fragment(sc, &buf, out); err != nil {
					return err
				}
				e.Data = buf.String()
			}
			return w.Send(e)
		}
		if err = fn(sc, in, send); err != nil {
			ue, internal := asUserError(err)
			if internal {
				p.cfg.Logger.Error("fiberfn: streaming server function failed", "fn", m.name, "err", err)
			}
			_ = w.Send(Event{Name: ErrorEvent, Data: ue.Message})
			return
		}
		if sst.notice != "" && format == StreamSSE {
			_ = w.Send(Event{Name: NoticeEvent, Data: sst.notice})
		}
	})
	return last, nil
}

// writeStreamed finishes the handler's part of a streamed answer: the
// caller headers in Vary and the options set before the stream started.
func (p *plugin) writeStreamed(c *fiber.Ctx, st *requestState) error {
	st.addVary(c)
	st.resp.applyHeaders(c, p.secure)
	return nil
}
