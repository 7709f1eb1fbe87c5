package runtime

// Socket events: what zmq_socket_monitor reports, as typed values on a Go
// channel. A socket never waits for a subscriber: an event that does not
// fit in a subscriber's buffer is dropped, and the next one delivered to
// that subscriber says how many it missed.

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// EventType is the kind of a socket event.
type EventType int

const (
	// EventListening: the socket is bound (Endpoint: the real address).
	EventListening EventType = iota + 1
	// EventAccepted: a peer connected to a bound endpoint and finished
	// its handshake.
	EventAccepted
	// EventConnected: a connect endpoint's connection finished its
	// handshake.
	EventConnected
	// EventConnectRetried: a connect endpoint will dial again after Wait
	// (its connection was lost, refused, or failed its handshake), as
	// libzmq's ZMQ_EVENT_CONNECT_RETRIED.
	EventConnectRetried
	// EventDisconnected: an established connection ended (Err: why).
	EventDisconnected
	// EventHandshakeFailed: a connection failed its handshake (Err, and
	// Reason).
	EventHandshakeFailed
	// EventClosed: the socket was closed; the channel is closed after it.
	EventClosed
)

var eventNames = [...]string{
	EventListening:       "listening",
	EventAccepted:        "accepted",
	EventConnected:       "connected",
	EventConnectRetried:  "connect_retried",
	EventDisconnected:    "disconnected",
	EventHandshakeFailed: "handshake_failed",
	EventClosed:          "closed",
}

func (t EventType) String() string {
	if t > 0 && int(t) < len(eventNames) {
		return eventNames[t]
	}
	return "unknown"
}

// Event is something that happened to a socket's connections.
type Event struct {
	Type     EventType
	Time     time.Time
	Socket   string // the socket's name
	Endpoint string // the bound or connect endpoint
	Remote   string // the peer's address, when there is a connection
	Err      error  // why (disconnected, handshake failed, connect retried)
	// Reason classifies Err for EventHandshakeFailed.
	Reason HandshakeFailure
	// Wait is the time until the next dial (EventConnectRetried).
	Wait time.Duration
	// Missed is how many events this subscriber lost before this one
	// because its channel was full.
	Missed int
}

// monitor is one subscriber.
type monitor struct {
	ch     chan Event
	missed int // guarded by events.mu
}

// events are a socket's subscribers.
type events struct {
	mu   sync.Mutex
	subs atomic.Pointer[[]*monitor] // copy-on-write; nil when none
}

// Monitor returns a channel of the socket's events from now on, buffered
// for buf events (at least 1), and a function that ends the subscription
// and closes the channel. The socket never waits for the channel: events
// that do not fit are dropped and counted in the next one's Missed. The
// channel is closed after EventClosed too.
func (s *Socket) Monitor(buf int) (<-chan Event, func()) {
	return s.c.ev.subscribe(s.c, max(buf, 1))
}

func (e *events) subscribe(c *engine, buf int) (<-chan Event, func()) {
	m := &monitor{ch: make(chan Event, buf)}
	e.mu.Lock()
	if c.isClosing() {
		e.mu.Unlock()
		close(m.ch)
		return m.ch, func() {}
	}
	var l []*monitor
	if p := e.subs.Load(); p != nil {
		l = slices.Clone(*p)
	}
	l = append(l, m)
	e.subs.Store(&l)
	e.mu.Unlock()
	var once sync.Once
	return m.ch, func() {
		once.Do(func() {
			e.mu.Lock()
			defer e.mu.Unlock()
			p := e.subs.Load()
			if p == nil {
				return // closed with the socket
			}
			i := slices.Index(*p, m)
			if i < 0 {
				return
			}
			l := slices.Delete(slices.Clone(*p), i, i+1)
			if len(l) == 0 {
				e.subs.Store(nil)
			} else {
				e.subs.Store(&l)
			}
			close(m.ch)
		})
	}
}

// emit hands ev to every subscriber that has room.
func (c *engine) emit(ev Event) {
	if c.ev.subs.Load() == nil {
		return
	}
	ev.Time = time.Now()
	ev.Socket = c.name
	e := &c.ev
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.subs.Load()
	if p == nil {
		return
	}
	for _, m := range *p {
		ev.Missed = m.missed
		select {
		case m.ch <- ev:
			m.missed = 0
		default:
			m.missed++
		}
	}
	if ev.Type == EventClosed {
		for _, m := range *p {
			close(m.ch)
		}
		e.subs.Store(nil)
	}
}
