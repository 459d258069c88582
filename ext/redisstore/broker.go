package redisstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/redis/go-redis/v9"
)

// BrokerConfig configures a [Broker].
type BrokerConfig struct {
	// Prefix starts every key and channel the broker uses: a topic t
	// lives in the stream "<Prefix>live:<t>" and is announced on the
	// channel of the same name.
	//
	// Optional. Default: "fiberfn:"
	Prefix string

	// BufferSize is how many of its latest events each topic keeps for
	// replay, at least (XADD MAXLEN ~ trims in whole blocks, so a stream
	// may hold up to about 100 more).
	//
	// Optional. Default: 256
	BufferSize int64

	// TTL is how long a topic's stream lives after its last event; then
	// Redis forgets it (a page that comes back later with an id of it gets
	// a reset).
	//
	// Optional. Default: 24 hours
	TTL time.Duration

	// HealthCheck is how often the broker pings Redis on its pub/sub
	// connection when nothing arrives. A connection that does not answer
	// two pings in a row is replaced, and every listened topic catches up
	// from its stream, so a silently dead connection loses nothing.
	//
	// Optional. Default: 15 s
	HealthCheck time.Duration

	// Logger logs lost and regained connections.
	//
	// Optional. Default: slog.Default()
	Logger *slog.Logger
}

// BrokerConfigDefault is the default [BrokerConfig].
var BrokerConfigDefault = BrokerConfig{
	Prefix:      "fiberfn:",
	BufferSize:  256,
	TTL:         24 * time.Hour,
	HealthCheck: 15 * time.Second,
}

// Broker is a [fiberfn.Broker] for apps that run as several instances. It
// keeps each topic's events in a Redis stream (XADD with MAXLEN ~, so the
// stream is the bounded replay buffer that any instance reads with XRANGE,
// and its ids, given by Redis, are the events' ids on every instance) and
// announces each event on a pub/sub channel of the same name, in one Lua
// script, so that the order of the announcements is the order of the ids.
//
// Every instance keeps one pub/sub connection and subscribes to the
// topics its pages listen to. Pub/sub alone forgets what was published
// while that connection was down; so the broker remembers the last id it
// delivered per topic, and when the connection comes back (go-redis
// reconnects and subscribes again) it reads what it missed from the
// stream before going on. If the stream no longer reaches back, the
// topic's pages get a [fiberfn.ResetEvent]. Needs Redis 7 or newer.
//
// Why not XREAD BLOCK on the streams alone: one blocked XREAD per instance
// would have to name every listened topic (one per user) in each call and
// be interrupted whenever a topic is added; pub/sub costs one message per
// event and instance, and the streams still give ids and replay.
type Broker struct {
	client redis.UniversalClient
	cfg    BrokerConfig

	mu     sync.Mutex
	ps     *redis.PubSub
	topics map[string]*brokerTopic // by channel (= stream key)
	closed bool
	done   chan struct{} // closed when the receive loop has ended
}

// brokerTopic is a topic this instance listens to.
type brokerTopic struct {
	topic     string
	receivers []fiberfn.Receiver
	last      string        // the last id delivered (or the topic's position when first listened)
	confirmed chan struct{} // closed at the first subscribe confirmation
	lost      bool          // events may have been missed: catch up at the next confirmation
}

// NewBroker returns a broker on client and starts its pub/sub connection.
// Close it when the app stops.
func NewBroker(client redis.UniversalClient, config ...BrokerConfig) *Broker {
	cfg := BrokerConfigDefault
	if len(config) > 0 {
		c := config[0]
		if c.Prefix != "" {
			cfg.Prefix = c.Prefix
		}
		if c.BufferSize > 0 {
			cfg.BufferSize = c.BufferSize
		}
		if c.TTL > 0 {
			cfg.TTL = c.TTL
		}
		if c.HealthCheck > 0 {
			cfg.HealthCheck = c.HealthCheck
		}
		cfg.Logger = c.Logger
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	b := &Broker{
		client: client,
		cfg:    cfg,
		ps:     client.Subscribe(context.Background()),
		topics: map[string]*brokerTopic{},
		done:   make(chan struct{}),
	}
	go b.receiveLoop()
	return b
}

// key is the stream key and channel of topic.
func (b *Broker) key(topic string) string { return b.cfg.Prefix + "live:" + topic }

// publishScript adds the event to the topic's stream, trims and expires
// the stream, and announces the event with its id; one script, so the
// announcements of a topic come in the order of its ids.
var publishScript = redis.NewScript(`
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'n', ARGV[3], 'j', ARGV[4], 'd', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', KEYS[1], id .. '\n' .. ARGV[3] .. '\n' .. ARGV[4] .. ARGV[5])
return id
`)

// Publish adds e to the topic's stream and announces it to every instance.
func (b *Broker) Publish(ctx context.Context, topic string, e fiberfn.Event) (string, error) {
	j := "0"
	if e.JSON {
		j = "1"
	}
	id, err := publishScript.Run(ctx, b.client, []string{b.key(topic)},
		b.cfg.BufferSize, b.cfg.TTL.Milliseconds(), e.Name, j, e.Data).Text()
	if err != nil {
		return "", fmt.Errorf("redisstore: publish to %s: %w", topic, err)
	}
	return id, nil
}

// sinceScript returns the stream's last id, its first entry's id, its
// length, the number of entries ever added, and the entries after
// ARGV[1] (exclusive; none when ARGV[2] is 0).
var sinceScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  return {'0-0', '', 0, 0, {}}
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local last, first, length, added = '0-0', '', 0, -1
for i = 1, #info, 2 do
  local k = info[i]
  if k == 'last-generated-id' then last = info[i+1]
  elseif k == 'length' then length = info[i+1]
  elseif k == 'entries-added' then added = info[i+1]
  elseif k == 'first-entry' and type(info[i+1]) == 'table' then first = info[i+1][1]
  end
end
local entries = {}
local limit = tonumber(ARGV[2])
if limit > 0 then
  entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', limit + 1)
end
return {last, first, length, added, entries}
`)

// Since reads the events of topic after the id after from its stream.
func (b *Broker) Since(ctx context.Context, topic, after string, limit int) (fiberfn.Replay, error) {
	valid := after != "" && fiberfn.CompareEventIDs(after, "0-0") >= 0
	n := limit
	if !valid {
		n = 0
	}
	res, err := sinceScript.Run(ctx, b.client, []string{b.key(topic)}, after, n).Slice()
	if err != nil {
		return fiberfn.Replay{}, fmt.Errorf("redisstore: read %s: %w", topic, err)
	}
	if len(res) != 5 {
		return fiberfn.Replay{}, fmt.Errorf("redisstore: read %s: unexpected reply", topic)
	}
	last, _ := res[0].(string)
	first, _ := res[1].(string)
	length, _ := res[2].(int64)
	added, _ := res[3].(int64)
	rp := fiberfn.Replay{Last: last}
	if after == "" {
		rp.Complete = true
		return rp, nil
	}
	if !valid || fiberfn.CompareEventIDs(after, last) > 0 {
		return rp, nil // not an id, or from the future
	}
	reaches := after == last ||
		(first != "" && fiberfn.CompareEventIDs(after, first) >= 0) ||
		(after == "0-0" && added == length) // never trimmed: everything is there
	if !reaches {
		return rp, nil
	}
	entries, _ := res[4].([]any)
	rp.Complete = len(entries) <= limit
	if len(entries) > limit {
		entries = entries[:limit]
	}
	for _, raw := range entries {
		if e, ok := entryEvent(raw); ok {
			rp.Events = append(rp.Events, e)
		}
	}
	return rp, nil
}

// entryEvent turns an XRANGE entry ([id, [field, value, ...]]) into an
// event.
func entryEvent(raw any) (fiberfn.Event, bool) {
	entry, ok := raw.([]any)
	if !ok || len(entry) != 2 {
		return fiberfn.Event{}, false
	}
	id, _ := entry[0].(string)
	fields, _ := entry[1].([]any)
	e := fiberfn.Event{ID: id}
	for i := 0; i+1 < len(fields); i += 2 {
		k, _ := fields[i].(string)
		v, _ := fields[i+1].(string)
		switch k {
		case "n":
			e.Name = v
		case "j":
			e.JSON = v == "1"
		case "d":
			e.Data = v
		}
	}
	return e, id != ""
}

// ErrClosed is returned by Listen after Close.
var ErrClosed = errors.New("redisstore: broker closed")

// Listen subscribes this instance to the topic's channel (once for all
// its receivers) and returns when Redis has confirmed it.
func (b *Broker) Listen(ctx context.Context, topic string, r fiberfn.Receiver) error {
	ch := b.key(topic)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return ErrClosed
	}
	t := b.topics[ch]
	subscribe := t == nil
	if subscribe {
		t = &brokerTopic{topic: topic, confirmed: make(chan struct{})}
		b.topics[ch] = t
	}
	t.receivers = append(t.receivers, r)
	confirmed := t.confirmed
	ps := b.ps
	b.mu.Unlock()

	err := func() error {
		if subscribe {
			// The topic's position before the subscription: a catch-up
			// after a lost connection starts from here at the latest.
			rp, err := b.Since(ctx, topic, "", 0)
			if err != nil {
				return err
			}
			b.mu.Lock()
			if t.last == "" {
				t.last = rp.Last
			}
			b.mu.Unlock()
			if err := ps.Subscribe(ctx, ch); err != nil {
				return err
			}
		}
		select {
		case <-confirmed:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}()
	if err != nil {
		b.Unlisten(topic, r)
		return fmt.Errorf("redisstore: listen to %s: %w", topic, err)
	}
	return nil
}

// Unlisten stops delivering the topic to r; the channel is unsubscribed
// when no receiver is left.
func (b *Broker) Unlisten(topic string, r fiberfn.Receiver) {
	ch := b.key(topic)
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.topics[ch]
	if t == nil {
		return
	}
	for i, x := range t.receivers {
		if x == r {
			t.receivers = append(t.receivers[:i], t.receivers[i+1:]...)
			break
		}
	}
	if len(t.receivers) == 0 {
		delete(b.topics, ch)
		if !b.closed {
			// Sent on the connection (no reply awaited); the receive loop
			// sees the confirmation.
			_ = b.ps.Unsubscribe(context.Background(), ch)
		}
	}
}

// Close stops the broker's pub/sub connection; the client stays open.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	ps := b.ps
	b.mu.Unlock()
	err := ps.Close()
	<-b.done
	return err
}

// receiveLoop reads the pub/sub connection: events, subscribe
// confirmations (after which a topic whose events may have been missed
// catches up) and pongs, until Close.
func (b *Broker) receiveLoop() {
	defer close(b.done)
	ctx := context.Background()
	pinged := false
	backoff := 50 * time.Millisecond
	for {
		b.mu.Lock()
		ps, closed := b.ps, b.closed
		b.mu.Unlock()
		if closed {
			return
		}
		msg, err := ps.ReceiveTimeout(ctx, b.cfg.HealthCheck)
		if err != nil {
			if b.isClosed() {
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if pinged {
					// Two silent intervals: the connection is dead
					// without knowing it. Replace it.
					b.cfg.Logger.Warn("redisstore: pub/sub connection unresponsive, reconnecting")
					b.replaceConn()
					pinged = false
					continue
				}
				_ = ps.Ping(ctx)
				pinged = true
				continue
			}
			// go-redis reconnects and subscribes again on the next
			// call; whatever was published meanwhile is read back from
			// the streams at the confirmations.
			b.cfg.Logger.Warn("redisstore: pub/sub connection lost", "error", err)
			b.markLost()
			time.Sleep(backoff)
			if backoff < 2*time.Second {
				backoff *= 2
			}
			continue
		}
		pinged = false
		backoff = 50 * time.Millisecond
		switch m := msg.(type) {
		case *redis.Message:
			b.deliver(m.Channel, m.Payload)
		case *redis.Subscription:
			switch m.Kind {
			case "subscribe":
				b.confirmed(m.Channel)
			case "unsubscribe":
				b.unsubscribed(m.Channel)
			}
		}
	}
}

func (b *Broker) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// markLost marks every listened topic as possibly missing events.
func (b *Broker) markLost() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range b.topics {
		t.lost = true
	}
}

// replaceConn closes the pub/sub connection and opens another that
// subscribes to every listened topic, each to catch up when confirmed.
func (b *Broker) replaceConn() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	_ = b.ps.Close()
	b.ps = b.client.Subscribe(context.Background())
	chans := make([]string, 0, len(b.topics))
	for ch, t := range b.topics {
		t.lost = true
		chans = append(chans, ch)
	}
	if len(chans) > 0 {
		_ = b.ps.Subscribe(context.Background(), chans...)
	}
}

// confirmed handles a subscribe confirmation: the first one completes
// Listen; one after a lost connection catches the topic up.
func (b *Broker) confirmed(ch string) {
	b.mu.Lock()
	t := b.topics[ch]
	if t == nil {
		b.mu.Unlock()
		return
	}
	select {
	case <-t.confirmed:
	default:
		close(t.confirmed)
	}
	lost := t.lost
	t.lost = false
	b.mu.Unlock()
	if lost {
		b.catchUp(ch, t)
	}
}

// unsubscribed handles an unsubscribe confirmation: when the topic is
// listened to again meanwhile (a late confirmation of an earlier period),
// it subscribes again and catches up.
func (b *Broker) unsubscribed(ch string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.topics[ch]
	if t == nil || b.closed {
		return
	}
	t.lost = true
	_ = b.ps.Subscribe(context.Background(), ch)
}

// catchUp delivers what the topic published after the last id delivered,
// read from its stream, or a reset when the stream no longer reaches back.
func (b *Broker) catchUp(ch string, t *brokerTopic) {
	b.mu.Lock()
	after := t.last
	b.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rp, err := b.Since(ctx, t.topic, after, int(b.cfg.BufferSize)*4)
	if err != nil {
		b.cfg.Logger.Warn("redisstore: catching up", "topic", t.topic, "error", err)
		b.mu.Lock()
		t.lost = true // try again at the next confirmation
		b.mu.Unlock()
		b.reset(ch, t)
		return
	}
	if !rp.Complete {
		b.mu.Lock()
		t.last = rp.Last
		b.mu.Unlock()
		b.reset(ch, t)
		return
	}
	for _, e := range rp.Events {
		b.deliverEvent(ch, e)
	}
}

// reset tells the topic's receivers that events were lost.
func (b *Broker) reset(ch string, t *brokerTopic) {
	b.mu.Lock()
	receivers := append([]fiberfn.Receiver(nil), t.receivers...)
	b.mu.Unlock()
	for _, r := range receivers {
		r.Reset(t.topic)
	}
}

// deliver decodes an announcement ("id\nname\nJdata") and delivers it.
func (b *Broker) deliver(ch, payload string) {
	id, rest, ok1 := strings.Cut(payload, "\n")
	name, rest, ok2 := strings.Cut(rest, "\n")
	if !ok1 || !ok2 || rest == "" {
		return
	}
	b.deliverEvent(ch, fiberfn.Event{ID: id, Name: name, JSON: rest[0] == '1', Data: rest[1:]})
}

// deliverEvent hands e to the topic's receivers unless it is not after
// the last id delivered.
func (b *Broker) deliverEvent(ch string, e fiberfn.Event) {
	b.mu.Lock()
	t := b.topics[ch]
	if t == nil || (t.last != "" && fiberfn.CompareEventIDs(e.ID, t.last) <= 0) {
		b.mu.Unlock()
		return
	}
	t.last = e.ID
	receivers := append([]fiberfn.Receiver(nil), t.receivers...)
	topic := t.topic
	b.mu.Unlock()
	for _, r := range receivers {
		r.Receive(topic, e)
	}
}

// compile-time check
var _ fiberfn.Broker = (*Broker)(nil)
