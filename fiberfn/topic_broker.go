package fiberfn

import "context"

// Broker carries the events of topics between the instances of an app and
// keeps each topic's latest events for replay. A [Hub] uses one; the
// in-process [MemoryBroker] is the default, and
// github.com/fiberfn/fiberfn/ext/redisstore has one for several instances.
//
// Event ids are two unsigned decimal numbers joined by a dash ("A-B",
// ordered by A, then B; Redis stream ids have this form), increasing
// within a topic and the same on every instance. The id of a topic with no
// event yet is "0-0" (the in-process broker's is "E-0", E its epoch).
type Broker interface {
	// Publish gives e the topic's next id, keeps it in the topic's
	// replay buffer and delivers it to every [Receiver] listening to the
	// topic, on every instance. It returns the id. The broker ignores
	// e.ID and e.Retry.
	Publish(ctx context.Context, topic string, e Event) (id string, err error)

	// Since returns the events of topic with an id after the id after,
	// oldest first, at most limit of them. With after empty it returns
	// no events, only Last.
	Since(ctx context.Context, topic, after string, limit int) (Replay, error)

	// Listen starts delivering the topic's events to r, from every
	// instance; once it returns, every event published later reaches r.
	// A Hub listens once per topic with local subscribers.
	Listen(ctx context.Context, topic string, r Receiver) error

	// Unlisten stops the delivery of the topic's events to r.
	Unlisten(topic string, r Receiver)
}

// Replay is what [Broker.Since] found.
type Replay struct {
	// Events are the events after the id asked for, oldest first.
	Events []Event

	// Complete reports that Events holds every event after that id: the
	// buffer still reaches back to it, the id is known (not from before
	// a restart, not from the future) and no more than the limit
	// followed it.
	Complete bool

	// Last is the id of the topic's newest event when Since ran ("0-0"
	// when there is none).
	Last string
}

// Receiver gets the events of the topics it listens to from a [Broker]
// (a [Hub] passes its own).
type Receiver interface {
	// Receive is called with each event (ID set) of a listened topic,
	// in id order, never concurrently for one topic, each event once. It
	// must not block.
	Receive(topic string, e Event)

	// Reset is called when the broker has lost events of the topic and
	// cannot deliver them (for example when its connection to Redis was
	// down for longer than the replay buffer reaches back): every
	// subscriber must reload what it shows of the topic.
	Reset(topic string)
}
