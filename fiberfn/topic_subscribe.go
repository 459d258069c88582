package fiberfn

import (
	"bufio"
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// SubscribeConfig configures the handler returned by [Subscribe].
type SubscribeConfig struct {
	// Next skips the handler for a request when it returns true.
	//
	// Optional. Default: nil
	Next func(c *fiber.Ctx) bool

	// Hub is the hub whose topics the handler serves.
	//
	// Required.
	Hub *Hub

	// Topics returns the topics the request subscribes to, in a fixed
	// order (the SSE id names a position in each, in that order). An
	// error is answered as it is (a *fiber.Error keeps its status), else
	// 400. Return the topics of the request's own user (from the
	// session), and no client can ask for anyone else's.
	//
	// Optional. Default: the values of the "topic" query parameter, in
	// order (then Authorize is required)
	Topics func(c *fiber.Ctx) ([]string, error)

	// Authorize decides whether the request may subscribe to topics; an
	// error refuses it (a *fiber.Error keeps its status, any other error
	// is a 403).
	//
	// Required when Topics is not set; else optional. Default: nil
	Authorize func(c *fiber.Ctx, topics []string) error

	// Key returns the key (a user id) whose open streams are counted
	// against MaxPerKey; "" counts nothing.
	//
	// Optional. Default: nil (no limit)
	Key func(c *fiber.Ctx) string

	// MaxPerKey is the most streams one key may hold open on this
	// instance; one more is answered 429 Too Many Requests with
	// Retry-After.
	//
	// Optional. Default: 8
	MaxPerKey int

	// RetryAfter is the Retry-After of a 429 and of a 503 (when the
	// broker cannot be reached).
	//
	// Optional. Default: 5 s
	RetryAfter time.Duration

	// TrustedOrigins are origins ("https://app.example.com") allowed to
	// subscribe from another site. Browser requests from other sites
	// (Sec-Fetch-Site cross-site or same-site, or an Origin of another
	// host) are refused with 403, so a foreign page cannot use a user's
	// cookies to take their connection slots.
	//
	// Optional. Default: nil
	TrustedOrigins []string

	// SetupTimeout bounds the broker calls that set a subscription up
	// (listening to the topics and reading what a reconnect missed).
	//
	// Optional. Default: 10 s
	SetupTimeout time.Duration
}

// SubscribeConfigDefault is the default [SubscribeConfig].
var SubscribeConfigDefault = SubscribeConfig{
	MaxPerKey:    8,
	RetryAfter:   5 * time.Second,
	SetupTimeout: 10 * time.Second,
}

// CursorQuery is the query parameter that carries the position a
// subscription resumes from when the request has no Last-Event-ID header:
// the [Hub.Cursor] of the page's render.
const CursorQuery = "last-event-id"

// Subscribe returns a handler that subscribes the request to topics of a
// hub with a long-lived event stream (text/event-stream; JSON lines for a
// JSON caller). Mount it with app.Get; htmx connects with
//
//	<div hx-sse:connect="/live" hx-swap="none">          (htmx 4, ext hx-sse.js)
//	<div hx-ext="sse" sse-connect="/live">               (htmx 2, ext sse.js + js/sse-resume.js)
//	  <div sse-swap="message" hx-swap="none"></div>
//
// and every unnamed event published to the topics is swapped (its
// out-of-band parts find their places by id).
//
// The stream starts with a retry field (and, for a fresh subscription, its
// position as an id). Each event carries an id: the topic's event id, or
// for several topics their ids joined by commas. A client that reconnects
// sends it back as Last-Event-ID (or, when it cannot, in the
// "last-event-id" query parameter) and first gets the events it missed,
// or a [ResetEvent] per topic when the replay buffer no longer reaches
// back. Answers: 400 for bad topics, 403 cross-site or refused by
// Authorize, 429 over MaxPerKey, 503 when the broker fails (both with
// Retry-After). An EventSource's reconnect (Last-Event-ID, no HX-Request)
// gets a 200 stream with only a retry field instead of 429 or 503, because
// an EventSource gives up on an error status and htmx 2's extension then
// starts over without its Last-Event-ID.
func Subscribe(config ...SubscribeConfig) fiber.Handler {
	cfg := SubscribeConfigDefault
	if len(config) > 0 {
		c := config[0]
		cfg.Next, cfg.Hub, cfg.Topics, cfg.Authorize, cfg.Key, cfg.TrustedOrigins = c.Next, c.Hub, c.Topics, c.Authorize, c.Key, c.TrustedOrigins
		if c.MaxPerKey > 0 {
			cfg.MaxPerKey = c.MaxPerKey
		}
		if c.RetryAfter > 0 {
			cfg.RetryAfter = c.RetryAfter
		}
		if c.SetupTimeout > 0 {
			cfg.SetupTimeout = c.SetupTimeout
		}
	}
	if cfg.Hub == nil {
		panic("fiberfn: SubscribeConfig.Hub is required")
	}
	if cfg.Topics == nil {
		if cfg.Authorize == nil {
			panic("fiberfn: SubscribeConfig.Authorize is required when the topics come from the request")
		}
		cfg.Topics = queryTopics
	}
	return func(c *fiber.Ctx) error {
		if cfg.Next != nil && cfg.Next(c) {
			return c.Next()
		}
		return cfg.serve(c)
	}
}

// queryTopics returns the values of the "topic" query parameter.
func queryTopics(c *fiber.Ctx) ([]string, error) {
	var topics []string
	for _, v := range c.Context().QueryArgs().PeekMulti("topic") {
		topics = append(topics, string(v))
	}
	return topics, nil
}

// serve answers one subscription request.
func (cfg *SubscribeConfig) serve(c *fiber.Ctx) error {
	h := cfg.Hub
	if !sameSiteRequest(c, cfg.TrustedOrigins) {
		return fiber.NewError(http.StatusForbidden, "Cross-origin subscription refused.")
	}
	topics, err := cfg.Topics(c)
	if err != nil {
		return asStatusError(err, http.StatusBadRequest)
	}
	if topics, err = cleanTopics(topics, h.cfg.MaxTopics); err != nil {
		return err
	}
	if cfg.Authorize != nil {
		if err := cfg.Authorize(c, topics); err != nil {
			return asStatusError(err, http.StatusForbidden)
		}
	}
	key := ""
	if cfg.Key != nil {
		key = cfg.Key(c)
	}
	format := StreamFormatOf(c)
	s := newSubscriber(h, topics, key, cfg.MaxPerKey)
	switch err := h.register(s); {
	case errors.Is(err, errShuttingDown):
		// Answer at once with a retry field and end: the client comes
		// back later, to another instance, with its Last-Event-ID intact.
		return comeBack(c, h, format, h.retryJitter())
	case err != nil:
		if keepsResuming(c, format) {
			return comeBack(c, h, format, cfg.RetryAfter)
		}
		c.Set(fiber.HeaderRetryAfter, retryAfterSeconds(cfg.RetryAfter))
		return fiber.NewError(http.StatusTooManyRequests, "Too many open live connections.")
	}
	cursor, started, err := cfg.setUp(c, s)
	if err != nil {
		s.close()
		h.cfg.Stream.logger().Error("fiberfn: subscribe", "topics", strings.Join(topics, " "), "error", err)
		if keepsResuming(c, format) {
			return comeBack(c, h, format, cfg.RetryAfter)
		}
		c.Set(fiber.HeaderRetryAfter, retryAfterSeconds(cfg.RetryAfter))
		return fiber.NewError(http.StatusServiceUnavailable, "Live updates are unavailable, try again later.")
	}
	opening := ""
	if !started {
		opening = formatCursor(cursor)
	}
	conn, serverDone := prepareStream(c, format)
	c.Context().SetBodyStreamWriter(func(bw *bufio.Writer) {
		s.run(bw, conn, serverDone, format, opening, cursor)
	})
	return nil
}

// keepsResuming reports whether a refusal should be answered with
// comeBack instead of an error status: the reconnect (Last-Event-ID) of an
// EventSource (htmx 2; htmx 4 sends HX-Request). An EventSource that gets
// an error status gives up, and htmx 2's sse extension opens a new one
// without Last-Event-ID, which would lose or repeat events; a stream that
// ends at once keeps it reconnecting, after retry, from where it was.
// htmx 4 backs off on an error status and keeps its Last-Event-ID.
func keepsResuming(c *fiber.Ctx, format StreamFormat) bool {
	return format == StreamSSE && c.Get("Last-Event-ID") != "" && c.Get("HX-Request") == ""
}

// comeBack answers with a stream that holds only a retry field and ends.
func comeBack(c *fiber.Ctx, h *Hub, format StreamFormat, retry time.Duration) error {
	conn, _ := prepareStream(c, format)
	c.Context().SetBodyStreamWriter(func(bw *bufio.Writer) {
		w := newEventWriter(bw, conn, format, h.cfg.Stream.WriteTimeout, 0)
		defer w.finish()
		_ = w.open(retry, "")
	})
	return nil
}

// setUp listens to the subscriber's topics and queues what it missed. It
// returns the stream's starting cursor and whether the client resumed.
func (cfg *SubscribeConfig) setUp(c *fiber.Ctx, s *subscriber) ([]string, bool, error) {
	ctx, cancel := context.WithTimeout(c.UserContext(), cfg.SetupTimeout)
	defer cancel()
	last := c.Get("Last-Event-ID")
	if last == "" {
		last = c.Query(CursorQuery)
	}
	resumed := last != ""
	afters, valid := parseCursor(last, len(s.names))
	for i := range s.names {
		s.syncing[i] = true
	}
	for i := range s.names {
		t, err := s.hub.attach(ctx, s, i)
		if err != nil {
			return nil, false, err
		}
		s.topics[i] = t
	}
	cursor := make([]string, len(s.names))
	for i := range s.names {
		after := ""
		if valid {
			after = afters[i]
		}
		start, err := s.syncTopic(ctx, i, after, resumed, valid)
		if err != nil {
			return nil, false, err
		}
		cursor[i] = start
	}
	return cursor, resumed, nil
}

// cleanTopics checks the topics and drops repeats; its error is the 400
// answer.
func cleanTopics(topics []string, max int) ([]string, error) {
	if len(topics) == 0 {
		return nil, fiber.NewError(http.StatusBadRequest, "Name at least one topic.")
	}
	if len(topics) > max {
		return nil, fiber.NewError(http.StatusBadRequest, "Too many topics.")
	}
	out := make([]string, 0, len(topics))
	for _, t := range topics {
		if checkTopic(t) != nil {
			return nil, fiber.NewError(http.StatusBadRequest, "Bad topic name.")
		}
		dup := false
		for _, o := range out {
			dup = dup || o == t
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out, nil
}

// asStatusError keeps a *fiber.Error and gives any other error status.
func asStatusError(err error, status int) error {
	var fe *fiber.Error
	if errors.As(err, &fe) {
		return fe
	}
	return fiber.NewError(status, http.StatusText(status))
}

// retryAfterSeconds formats d as a Retry-After value, at least 1.
func retryAfterSeconds(d time.Duration) string {
	s := int(d / time.Second)
	if s < 1 {
		s = 1
	}
	return strconv.Itoa(s)
}

// sameSiteRequest refuses browser requests from other sites: a
// Sec-Fetch-Site other than same-origin or none, or without it an Origin
// whose host is not the request's, unless the origin is trusted.
func sameSiteRequest(c *fiber.Ctx, trusted []string) bool {
	origin := c.Get(fiber.HeaderOrigin)
	for _, t := range trusted {
		if origin != "" && strings.EqualFold(strings.TrimSuffix(t, "/"), origin) {
			return true
		}
	}
	switch c.Get("Sec-Fetch-Site") {
	case "same-origin", "none":
		return true
	case "":
		if origin == "" {
			return true
		}
		_, host, ok := strings.Cut(origin, "://")
		return ok && strings.EqualFold(host, c.Hostname()) || ok && strings.EqualFold(host, string(c.Request().Host()))
	default:
		return false
	}
}
