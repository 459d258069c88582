package fiberfn

import (
	"bufio"
	"context"
	"net"
	"sync"
	"time"
)

// packet is a published event, encoded once for every local subscriber of
// its topic.
type packet struct {
	id    eventID
	idStr string
	name  string
	data  string
	json  bool
	reset bool   // a ResetEvent: passes the subscriber's duplicate check
	sse   []byte // the event and data lines and the blank line, without the id
}

// newPacket encodes e; it reports false when e's id is not a topic id.
func newPacket(e Event) (*packet, bool) {
	id, ok := parseEventID(e.ID)
	if !ok || e.check() != nil {
		return nil, false
	}
	return &packet{id: id, idStr: e.ID, name: e.Name, data: e.Data, json: e.JSON, sse: appendSSEBody(nil, &e)}, true
}

// resetPacket is the ResetEvent of topic, with the topic's newest id.
func resetPacket(topic, last string) *packet {
	p, ok := newPacket(Event{ID: last, Name: ResetEvent, Data: topic})
	if !ok {
		p = &packet{name: ResetEvent, data: topic, sse: appendSSEBody(nil, &Event{Name: ResetEvent, Data: topic})}
	}
	p.reset = true
	return p
}

// size is what the packet counts against MaxPendingBytes.
func (p *packet) size() int { return len(p.sse) + 64 }

// item is a packet queued for one subscriber, with the index of its topic
// among the subscriber's topics.
type item struct {
	p *packet
	i int
}

// subscriber is one subscription stream: its topics, the events waiting
// for it, and the last id queued per topic (to drop the live events that
// a replay already delivered).
type subscriber struct {
	hub    *Hub
	names  []string
	topics []*hubTopic
	key    string
	max    int // the per-key limit it was counted under
	wake   chan struct{}

	mu      sync.Mutex
	qcur    []eventID // the last id queued, per topic
	syncing []bool    // the topic's replay is being read: live events wait in pending
	pending []item
	queue   []item
	spare   []item
	bytes   int
	dropped bool
}

func newSubscriber(h *Hub, names []string, key string, max int) *subscriber {
	return &subscriber{
		hub:     h,
		names:   names,
		topics:  make([]*hubTopic, len(names)),
		key:     key,
		max:     max,
		wake:    make(chan struct{}, 1),
		qcur:    make([]eventID, len(names)),
		syncing: make([]bool, len(names)),
	}
}

// signal wakes the stream goroutine.
func (s *subscriber) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// offer queues a live event of topic i, unless the subscriber has it
// already. A subscriber that would queue more than the hub allows is
// dropped.
func (s *subscriber) offer(i int, p *packet) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dropped {
		return
	}
	if s.syncing[i] {
		s.holdLocked(i, p)
		return
	}
	if !p.reset && p.id.compare(s.qcur[i]) <= 0 {
		return
	}
	s.queueLocked(i, p)
}

// holdLocked keeps a live event that arrived while topic i's replay was
// being read.
func (s *subscriber) holdLocked(i int, p *packet) {
	if len(s.pending) >= s.hub.cfg.MaxPending {
		s.dropLocked()
		return
	}
	s.pending = append(s.pending, item{p, i})
}

// queueLocked queues p for the stream goroutine.
func (s *subscriber) queueLocked(i int, p *packet) {
	n := p.size()
	if len(s.queue) >= s.hub.cfg.MaxPending || s.bytes+n > s.hub.cfg.MaxPendingBytes {
		s.dropLocked()
		return
	}
	s.queue = append(s.queue, item{p, i})
	s.bytes += n
	s.qcur[i] = p.id
	s.signal()
}

// drop ends the subscription: its stream closes and its client reconnects.
func (s *subscriber) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropLocked()
}

func (s *subscriber) dropLocked() {
	if !s.dropped {
		s.dropped = true
		s.pending, s.queue = nil, nil
		s.signal()
	}
}

// take returns the queued events and whether the subscriber was dropped.
func (s *subscriber) take() ([]item, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	batch := s.queue
	s.queue, s.spare = s.spare[:0], nil
	s.bytes = 0
	return batch, s.dropped
}

// maxSpare bounds the queue slice a subscriber keeps for reuse (16 bytes
// an item): a burst does not leave a large slice behind.
const maxSpare = 256

// giveBack returns a written batch's slice for reuse.
func (s *subscriber) giveBack(batch []item) {
	clear(batch)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spare == nil && cap(batch) <= maxSpare {
		s.spare = batch[:0]
	}
}

// syncTopic reads what the subscriber missed of topic i, queues it (or a
// ResetEvent) and then the live events held meanwhile. after is the id
// the client resumes from; resumed is false for a fresh subscription
// (which starts at the topic's newest event), valid false for a resume
// from an id that is not one. It returns the id the stream's own cursor
// starts from for the topic ("" when the client must get a reset first).
func (s *subscriber) syncTopic(ctx context.Context, i int, after string, resumed, valid bool) (string, error) {
	b := s.hub.broker
	var rp Replay
	var err error
	if resumed && valid {
		rp, err = b.Since(ctx, s.names[i], after, s.hub.cfg.MaxPending)
	} else {
		rp, err = b.Since(ctx, s.names[i], "", 0)
	}
	if err != nil {
		return "", err
	}
	start := ""
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !resumed:
		start = rp.Last
		s.qcur[i], _ = parseEventID(rp.Last)
	case valid && rp.Complete && s.fitsLocked(rp.Events):
		start = after
		s.qcur[i], _ = parseEventID(after)
		for _, e := range rp.Events {
			if p, ok := newPacket(e); ok && p.id.compare(s.qcur[i]) > 0 {
				s.queueLocked(i, p)
			}
		}
	default:
		// Replaying more than a connection may queue would drop it, and
		// its reconnect would ask for the same again: a reset instead.
		if valid {
			start = after
		}
		s.queueLocked(i, resetPacket(s.names[i], rp.Last))
	}
	s.syncing[i] = false
	pend := s.pending
	held := pend[:0]
	for _, it := range pend {
		if it.i != i {
			held = append(held, it)
			continue
		}
		if it.p.reset || it.p.id.compare(s.qcur[i]) > 0 {
			s.queueLocked(i, it.p)
		}
	}
	if s.dropped {
		return start, nil
	}
	clear(pend[len(held):])
	s.pending = held
	return start, nil
}

// fitsLocked reports whether events fit in the queue beside what is queued.
func (s *subscriber) fitsLocked(events []Event) bool {
	n, size := len(s.queue), s.bytes
	for i := range events {
		n++
		size += len(events[i].Data) + len(events[i].Name) + 64
	}
	return n <= s.hub.cfg.MaxPending && size <= s.hub.cfg.MaxPendingBytes
}

// close ends the subscription's place in the hub.
func (s *subscriber) close() {
	for _, t := range s.topics {
		if t != nil {
			s.hub.detach(t, s)
		}
	}
	s.hub.unregister(s)
}

// run is the stream goroutine: it writes the queued events as they come
// and a heartbeat when idle, until the client goes, the subscriber is
// dropped, or the hub or the server shuts down.
func (s *subscriber) run(bw *bufio.Writer, conn net.Conn, serverDone <-chan struct{}, format StreamFormat, opening string, cursor []string) {
	h := s.hub
	w := newEventWriter(bw, conn, format, h.cfg.Stream.WriteTimeout, h.cfg.Stream.Heartbeat)
	defer s.close()
	defer w.finish()
	if w.open(h.cfg.Stream.Retry, opening) != nil {
		return
	}
	w.startHeartbeat()
	gone := watchClient(conn)
	for {
		batch, dropped := s.take()
		if dropped {
			return
		}
		if len(batch) > 0 {
			if w.writeItems(batch, cursor) != nil {
				return
			}
			s.giveBack(batch)
		}
		select {
		case <-s.wake:
		case <-w.Failed():
			return
		case <-gone:
			return
		case <-h.closed:
			w.sayGoodbye(h.retryJitter())
			return
		case <-serverDone:
			w.sayGoodbye(h.retryJitter())
			return
		}
	}
}

// writeItems writes queued events with the subscription's SSE id (the
// last id of each of its topics), and flushes once.
func (w *EventWriter) writeItems(items []item, cursor []string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return w.err
	}
	w.armDeadlineLocked()
	for _, it := range items {
		p := it.p
		if p.idStr != "" {
			cursor[it.i] = p.idStr
		}
		id := formatCursor(cursor)
		if w.format == StreamJSONLines {
			w.buf = appendJSONLine(w.buf[:0], id, &Event{Name: p.name, Data: p.data, JSON: p.json})
			_, _ = w.bw.Write(w.buf)
			if cap(w.buf) > 64<<10 {
				w.buf = nil
			}
			continue
		}
		_, _ = w.bw.WriteString("id: ")
		_, _ = w.bw.WriteString(id)
		_ = w.bw.WriteByte('\n')
		_, _ = w.bw.Write(p.sse)
	}
	if err := w.bw.Flush(); err != nil {
		w.failLocked(err)
		return w.err
	}
	w.lastWrite = time.Now()
	return nil
}

// sayGoodbye writes the retry field a client uses to reconnect after a
// shutdown (an EventSource waits that long; htmx 4 keeps its own delay).
func (w *EventWriter) sayGoodbye(retry time.Duration) {
	if w.format != StreamSSE {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(appendRetryLine(w.buf[:0], retry), '\n')
	_ = w.writeLocked(w.buf)
}
