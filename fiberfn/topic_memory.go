package fiberfn

import (
	"context"
	"sync"
	"time"
)

// MemoryBrokerConfig configures a [MemoryBroker].
type MemoryBrokerConfig struct {
	// BufferSize is how many of its latest events each topic keeps for
	// replay.
	//
	// Optional. Default: 256
	BufferSize int

	// IdleTTL is how long a topic without listeners and without a new
	// event is kept; then it is forgotten (a page that comes back later
	// with an id of it gets a [ResetEvent]).
	//
	// Optional. Default: 1 hour
	IdleTTL time.Duration
}

// MemoryBrokerConfigDefault is the default [MemoryBrokerConfig].
var MemoryBrokerConfigDefault = MemoryBrokerConfig{BufferSize: 256, IdleTTL: time.Hour}

// MemoryBroker is the in-process [Broker]: it delivers events to the
// listeners of this process only, so it fits an app that runs as one
// instance. Its ids are "E-N": E the broker's start in milliseconds (its
// epoch), N the topic's sequence number, so that an id from before a
// restart is recognised and answered with a [ResetEvent].
type MemoryBroker struct {
	cfg       MemoryBrokerConfig
	epoch     uint64
	mu        sync.Mutex
	topics    map[string]*memTopic
	lastSweep time.Time
}

// memTopic is one topic of a MemoryBroker.
type memTopic struct {
	mu        sync.Mutex
	seq       uint64  // the newest event's sequence number
	ring      []Event // the latest events, oldest at start
	start     int
	receivers []Receiver
	touched   time.Time // guarded by the broker's mu
}

// NewMemoryBroker returns an in-process broker.
func NewMemoryBroker(config ...MemoryBrokerConfig) *MemoryBroker {
	cfg := MemoryBrokerConfigDefault
	if len(config) > 0 {
		if config[0].BufferSize > 0 {
			cfg.BufferSize = config[0].BufferSize
		}
		if config[0].IdleTTL > 0 {
			cfg.IdleTTL = config[0].IdleTTL
		}
	}
	now := time.Now()
	return &MemoryBroker{cfg: cfg, epoch: uint64(now.UnixMilli()), topics: map[string]*memTopic{}, lastSweep: now}
}

// topic returns the named topic, created when create is set (else nil
// when it does not exist).
func (b *MemoryBroker) topic(name string, create bool) *memTopic {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.topics[name]
	if t == nil && create {
		now := time.Now()
		if now.Sub(b.lastSweep) > b.cfg.IdleTTL/4 {
			b.sweepLocked(now)
		}
		t = &memTopic{}
		b.topics[name] = t
	}
	if create {
		// Touched under b.mu, so that a sweep cannot forget a topic
		// between this call and the caller's use of it.
		t.touched = time.Now()
	}
	return t
}

// sweepLocked forgets the topics that nobody listens to and that had no
// event for IdleTTL.
func (b *MemoryBroker) sweepLocked(now time.Time) {
	b.lastSweep = now
	for name, t := range b.topics {
		if now.Sub(t.touched) <= b.cfg.IdleTTL {
			continue
		}
		t.mu.Lock()
		idle := len(t.receivers) == 0
		t.mu.Unlock()
		if idle {
			delete(b.topics, name)
		}
	}
}

// id formats the id of sequence number n.
func (b *MemoryBroker) id(n uint64) string {
	return eventID{b.epoch, n}.String()
}

// Publish gives e the topic's next id, keeps it and delivers it to the
// topic's receivers before it returns.
func (b *MemoryBroker) Publish(_ context.Context, topic string, e Event) (string, error) {
	if err := e.check(); err != nil {
		return "", err
	}
	t := b.topic(topic, true)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.seq++
	e.ID = b.id(t.seq)
	e.Retry = 0
	if len(t.ring) < b.cfg.BufferSize {
		t.ring = append(t.ring, e)
	} else {
		t.ring[t.start] = e
		t.start = (t.start + 1) % len(t.ring)
	}
	// Delivering under the topic's lock keeps the order of ids.
	for _, r := range t.receivers {
		r.Receive(topic, e)
	}
	return e.ID, nil
}

// Since returns the kept events of topic after the id after.
func (b *MemoryBroker) Since(_ context.Context, topic, after string, limit int) (Replay, error) {
	t := b.topic(topic, false)
	var seq uint64
	var kept []Event
	if t != nil {
		t.mu.Lock()
		defer t.mu.Unlock()
		seq = t.seq
		kept = t.ring
	}
	rp := Replay{Last: b.id(seq)}
	if after == "" {
		rp.Complete = true
		return rp, nil
	}
	id, ok := parseEventID(after)
	if !ok || id.hi != b.epoch || id.lo > seq {
		return rp, nil
	}
	oldest := seq - uint64(len(kept)) + 1 // the first kept event's number
	if id.lo+1 < oldest {
		return rp, nil // the buffer no longer reaches back
	}
	missed := int(seq - id.lo)
	rp.Complete = missed <= limit
	if missed > limit {
		missed = limit
	}
	if missed > 0 {
		rp.Events = make([]Event, 0, missed)
		first := len(kept) - int(seq-id.lo) // index in age order
		for i := 0; i < missed; i++ {
			rp.Events = append(rp.Events, t.ring[(t.start+first+i)%len(t.ring)])
		}
	}
	return rp, nil
}

// Listen delivers the topic's events to r from now on.
func (b *MemoryBroker) Listen(_ context.Context, topic string, r Receiver) error {
	t := b.topic(topic, true)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.receivers = append(t.receivers, r)
	return nil
}

// Unlisten stops delivering the topic's events to r.
func (b *MemoryBroker) Unlisten(topic string, r Receiver) {
	t := b.topic(topic, true)
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, x := range t.receivers {
		if x == r {
			t.receivers = append(t.receivers[:i], t.receivers[i+1:]...)
			break
		}
	}
}
