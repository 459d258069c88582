package fiberfn

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// HubConfig configures a [Hub].
type HubConfig struct {
	// Broker carries events between instances and keeps each topic's
	// replay buffer.
	//
	// Optional. Default: NewMemoryBroker() (one instance)
	Broker Broker

	// Stream sets the retry field, heartbeat interval and write timeout of
	// every subscription's stream (see [StreamConfig]).
	//
	// Optional. Default: StreamConfigDefault
	Stream StreamConfig

	// MaxPending is how many events may wait for one connection; a
	// connection that falls further behind (its client reads too slowly) is
	// closed, and its client reconnects and catches up from the replay
	// buffer. It is also the most events a reconnect replays; a client
	// that missed more gets a [ResetEvent].
	//
	// Optional. Default: 256
	MaxPending int

	// MaxPendingBytes bounds the data of the events waiting for one
	// connection, like MaxPending.
	//
	// Optional. Default: 1 MiB
	MaxPendingBytes int

	// MaxTopics is the most topics one subscription may name (400 above).
	//
	// Optional. Default: 16
	MaxTopics int
}

// HubConfigDefault is the default [HubConfig].
var HubConfigDefault = HubConfig{
	Stream:          StreamConfigDefault,
	MaxPending:      256,
	MaxPendingBytes: 1 << 20,
	MaxTopics:       16,
}

// Hub publishes events to topics and serves long-lived subscriptions to
// them (see [Subscribe]). Any handler or server function publishes:
//
//	hub.Publish(c.UserContext(), "user:42:tasks", fiberfn.Event{Data: rowHTML})
//
// and every page subscribed to "user:42:tasks", on this instance or (with a
// shared [Broker]) any other, gets the event within milliseconds. Each
// event gets an id; a page that reconnects with Last-Event-ID gets what it
// missed from the topic's replay buffer, or a [ResetEvent] when the buffer
// no longer reaches back. Each connection queues at most MaxPending events
// (a slower client is disconnected and catches up on reconnect); a
// subscription handler can limit connections per user.
//
// Call [Hub.Shutdown] when the app stops, or just app.Shutdown: both end
// every stream at once (clients reconnect, to another instance behind a
// load balancer), so that a stream never holds a graceful shutdown.
type Hub struct {
	cfg    HubConfig
	broker Broker

	mu      sync.Mutex
	topics  map[string]*hubTopic
	keys    map[string]int
	subs    map[*subscriber]struct{}
	active  int
	closing bool
	closed  chan struct{} // closed by Shutdown
	drained chan struct{} // closed when the last stream ends after Shutdown
}

// NewHub returns a hub.
func NewHub(config ...HubConfig) *Hub {
	cfg := HubConfigDefault
	if len(config) > 0 {
		c := config[0]
		cfg.Broker = c.Broker
		cfg.Stream = streamConfigDefault(c.Stream)
		if c.MaxPending > 0 {
			cfg.MaxPending = c.MaxPending
		}
		if c.MaxPendingBytes > 0 {
			cfg.MaxPendingBytes = c.MaxPendingBytes
		}
		if c.MaxTopics > 0 {
			cfg.MaxTopics = c.MaxTopics
		}
	}
	if cfg.Broker == nil {
		cfg.Broker = NewMemoryBroker()
	}
	return &Hub{
		cfg:    cfg,
		broker: cfg.Broker,
		topics: map[string]*hubTopic{},
		keys:   map[string]int{},
		subs:   map[*subscriber]struct{}{},
		closed: make(chan struct{}),
	}
}

// ErrTopic is the error for a topic name that is empty, longer than 256
// bytes or holds anything but printable ASCII without spaces.
var ErrTopic = errors.New("fiberfn: a topic name is 1 to 256 printable ASCII characters without spaces")

// ErrEventTooLarge is the error of [Hub.Publish] for an event larger than
// half of [HubConfig].MaxPendingBytes: a connection could not queue it
// beside much else, and a page that must replay it would be disconnected
// again and again.
var ErrEventTooLarge = errors.New("fiberfn: event too large for a subscription's queue")

// maxTopicLen bounds a topic name.
const maxTopicLen = 256

// checkTopic reports whether name can be a topic.
func checkTopic(name string) error {
	if name == "" || len(name) > maxTopicLen {
		return ErrTopic
	}
	for i := 0; i < len(name); i++ {
		if name[i] <= ' ' || name[i] > '~' {
			return ErrTopic
		}
	}
	return nil
}

// Publish sends e to every subscriber of topic, on every instance, and
// keeps it for replay. It returns the event's id. e.ID and e.Retry are
// ignored (the broker gives the id); e.Name is usually empty, the event
// htmx swaps (see [Event]). An event over half of MaxPendingBytes is
// refused with [ErrEventTooLarge].
func (h *Hub) Publish(ctx context.Context, topic string, e Event) (string, error) {
	if err := checkTopic(topic); err != nil {
		return "", err
	}
	if err := e.check(); err != nil {
		return "", err
	}
	if len(e.Data)+len(e.Name) > h.cfg.MaxPendingBytes/2 {
		return "", ErrEventTooLarge
	}
	e.ID, e.Retry = "", 0
	return h.broker.Publish(ctx, topic, e)
}

// PublishTemplate renders the template name of the app's view engine with
// binding (without a layout, like a server function's fragment) and
// publishes it to topic as an unnamed event, the one htmx swaps.
func (h *Hub) PublishTemplate(c *fiber.Ctx, topic, name string, binding any) (string, error) {
	var buf bytes.Buffer
	if err := render(c, &buf, name, binding); err != nil {
		return "", fmt.Errorf("fiberfn: publish %s: %w", name, err)
	}
	return h.Publish(c.UserContext(), topic, Event{Data: buf.String()})
}

// Cursor returns the position of the topics now: the id a page renders
// with what it shows of them, and passes to its subscription as the
// "last-event-id" query parameter, so that an event published between
// the render and the subscription is not lost:
//
//	<div hx-sse:connect="/live?topic=t&last-event-id={{ .Cursor }}">
//
// The topics must be named in the order the subscription names them.
func (h *Hub) Cursor(ctx context.Context, topics ...string) (string, error) {
	ids := make([]string, len(topics))
	for i, t := range topics {
		if err := checkTopic(t); err != nil {
			return "", err
		}
		rp, err := h.broker.Since(ctx, t, "", 0)
		if err != nil {
			return "", err
		}
		ids[i] = rp.Last
	}
	return formatCursor(ids), nil
}

// Connections is the number of open subscription streams.
func (h *Hub) Connections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.active
}

// Shutdown ends every subscription stream: each gets a retry field with
// some jitter (so that its clients do not all reconnect at the same
// moment) and ends, and its client reconnects, to another instance behind
// a load balancer. A subscription that arrives later is answered with the
// same at once. Shutdown returns when every stream has ended, or with
// ctx's error. The streams also end by themselves when the server shuts
// down (app.Shutdown), so calling this first is needed only to close them
// before the listener.
func (h *Hub) Shutdown(ctx context.Context) error {
	h.mu.Lock()
	if !h.closing {
		h.closing = true
		close(h.closed)
	}
	if h.active == 0 {
		h.mu.Unlock()
		return nil
	}
	if h.drained == nil {
		h.drained = make(chan struct{})
	}
	drained := h.drained
	h.mu.Unlock()
	select {
	case <-drained:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// retryJitter is the retry field sent when a stream ends for a shutdown:
// between Retry and twice Retry.
func (h *Hub) retryJitter() time.Duration {
	r := h.cfg.Stream.Retry
	if r <= 0 {
		r = StreamConfigDefault.Retry
	}
	return r + rand.N(r)
}

// errTooMany is the answer beyond the per-key connection limit.
var errTooMany = errors.New("fiberfn: too many subscriptions for this key")

// errShuttingDown is returned when a subscription arrives during Shutdown.
var errShuttingDown = errors.New("fiberfn: hub is shutting down")

// register counts a new stream for its key, refusing it beyond its
// per-key limit or during Shutdown.
func (h *Hub) register(s *subscriber) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closing {
		return errShuttingDown
	}
	if s.key != "" && s.max > 0 {
		if h.keys[s.key] >= s.max {
			return errTooMany
		}
		h.keys[s.key]++
	}
	h.subs[s] = struct{}{}
	h.active++
	return nil
}

// unregister ends the count of a stream.
func (h *Hub) unregister(s *subscriber) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[s]; !ok {
		return
	}
	delete(h.subs, s)
	if s.key != "" && s.max > 0 {
		if h.keys[s.key]--; h.keys[s.key] <= 0 {
			delete(h.keys, s.key)
		}
	}
	h.active--
	if h.active == 0 && h.drained != nil {
		close(h.drained)
		h.drained = nil
	}
}

// Disconnect ends the open streams of key (as returned by the
// subscription's [SubscribeConfig].Key) on this instance and returns how
// many it ended. Their clients reconnect at once, with their
// Last-Event-ID, and the subscription handler decides afresh: call it when
// a user logs out or loses access, so that a stream opened under the old
// session does not outlive it. (On several instances, call it on each, for
// example from a topic every instance listens to.)
func (h *Hub) Disconnect(key string) int {
	h.mu.Lock()
	var ended []*subscriber
	for s := range h.subs {
		if s.key == key {
			ended = append(ended, s)
		}
	}
	h.mu.Unlock()
	for _, s := range ended {
		s.drop()
	}
	return len(ended)
}

// hubTopic is a topic with local subscribers. It is the Receiver the hub
// registers with the broker for that topic, one per period with
// subscribers, so that a late Unlisten of an earlier period never stops a
// later one.
type hubTopic struct {
	hub   *Hub
	name  string
	refs  int           // guarded by hub.mu
	ready chan struct{} // closed when Listen has returned
	err   error         // Listen's error, set before ready closes

	mu   sync.Mutex
	subs []subRef
}

// subRef is one subscriber of a topic and the topic's index among the
// subscriber's topics.
type subRef struct {
	s *subscriber
	i int
}

// attach adds s as a subscriber of topic i, listening to the broker first
// when s is the topic's first local subscriber.
func (h *Hub) attach(ctx context.Context, s *subscriber, i int) (*hubTopic, error) {
	name := s.names[i]
	h.mu.Lock()
	t := h.topics[name]
	first := t == nil
	if first {
		t = &hubTopic{hub: h, name: name, ready: make(chan struct{})}
		h.topics[name] = t
	}
	t.refs++
	h.mu.Unlock()
	if first {
		t.err = h.broker.Listen(ctx, name, t)
		close(t.ready)
	} else {
		select {
		case <-t.ready:
		case <-ctx.Done():
			h.detach(t, nil)
			return nil, ctx.Err()
		}
	}
	if t.err != nil {
		h.detach(t, nil)
		return nil, t.err
	}
	t.mu.Lock()
	t.subs = append(t.subs, subRef{s, i})
	t.mu.Unlock()
	return t, nil
}

// detach removes s (when not nil) from t, and stops listening to the
// topic when t has no subscriber left.
func (h *Hub) detach(t *hubTopic, s *subscriber) {
	if s != nil {
		t.mu.Lock()
		for k, r := range t.subs {
			if r.s == s {
				last := len(t.subs) - 1
				t.subs[k] = t.subs[last]
				t.subs[last] = subRef{}
				t.subs = t.subs[:last]
				break
			}
		}
		t.mu.Unlock()
	}
	h.mu.Lock()
	t.refs--
	gone := t.refs == 0
	if gone && h.topics[t.name] == t {
		delete(h.topics, t.name)
	}
	h.mu.Unlock()
	if gone && t.err == nil {
		h.broker.Unlisten(t.name, t)
	}
}

// Receive hands a published event to the topic's local subscribers. The
// event is encoded once for all of them.
func (t *hubTopic) Receive(_ string, e Event) {
	p, ok := newPacket(e)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.subs {
		r.s.offer(r.i, p)
	}
}

// Reset tells the topic's local subscribers that events were lost: each
// gets a ResetEvent with the topic's newest id.
func (t *hubTopic) Reset(_ string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rp, err := t.hub.broker.Since(ctx, t.name, "", 0)
	var p *packet
	if err == nil {
		p = resetPacket(t.name, rp.Last)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.subs {
		if p == nil {
			r.s.drop() // no id to go on from: reconnect and start over
			continue
		}
		r.s.offer(r.i, p)
	}
}
