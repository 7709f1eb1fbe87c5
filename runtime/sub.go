package runtime

// SUB and XSUB (libzmq's sub_t and xsub_t): the socket's own
// subscriptions, sent to every peer and matched against incoming messages
// (trie.go).

import (
	"context"
	"sync"
	"sync/atomic"
)

// xsub is an XSUB socket (libzmq's xsub_t): it receives the messages that
// match its subscriptions, fair-queued, and sends its subscriptions, and
// any other message, to every peer.
type xsub struct {
	c *engine
	fqRecv
	mu   sync.Mutex     // guards subs and trie; taken after engine.mu
	subs map[string]int // own subscriptions, with counts
	trie topicTrie      // the prefixes of subs
	// snap is a snapshot of trie, which the readers match every message
	// against without a lock: a read lock per message was a tenth of a
	// SUB's CPU time (issue 18).
	snap atomic.Pointer[trieNode]
}

// sub is a SUB socket (libzmq's sub_t, which extends xsub_t): it sends
// nothing but its subscriptions.
type sub struct{ *xsub }

func (s *sub) send(ctx context.Context, m Msg) error { return ErrNotSupported }

func newXSUB(c *engine) *xsub {
	x := &xsub{c: c, fqRecv: fqRecv{c}, subs: make(map[string]int, len(c.o.subscribe))}
	for _, t := range c.o.subscribe {
		x.own(true, t)
	}
	x.publish()
	return x
}

// attach sends the socket's subscriptions to a new peer, in byte order,
// as libzmq walks its trie: a peer can tell when all have arrived (the
// benchmark's subscriptions cells do). c.mu is held.
func (x *xsub) attach(p *peer) error {
	x.mu.Lock()
	p.enqueueCtlAll(subscriptions(&x.trie))
	x.mu.Unlock()
	return nil
}

func (x *xsub) detach(p *peer, q []outItem) func() { return nil }

// incoming keeps the messages that match a subscription.
func (x *xsub) incoming(p *peer, m Msg) (Msg, bool) {
	return m, x.snap.Load().match(m[0])
}

// publish makes trie as it is now what the readers match against. x.mu is
// held (or the socket is not yet running).
func (x *xsub) publish() { x.snap.Store(x.trie.snapshot()) }

// own counts a subscription (on) or cancellation of the socket's own,
// keeping trie in step, and reports whether it goes to the peers: every
// subscription does, as in libzmq, and a cancellation when it cancels the
// topic's last subscription. x.mu is held for writing.
func (x *xsub) own(on bool, t string) bool {
	if on {
		if x.subs[t]++; x.subs[t] == 1 {
			x.trie.add(t)
		}
		return true
	}
	switch x.subs[t] {
	case 0:
		return false
	case 1:
		delete(x.subs, t)
		x.trie.remove(t)
		return true
	default:
		x.subs[t]--
		return false
	}
}

// send sends a subscription (\x01topic) or cancellation (\x00topic),
// remembered for reconnects, or any other message, to every peer.
func (x *xsub) send(ctx context.Context, m Msg) error {
	c := x.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if len(m) == 1 && len(m[0]) > 0 && m[0][0] <= 1 {
		t := string(m[0][1:])
		x.mu.Lock()
		send := x.own(m[0][0] == 1, t)
		x.publish()
		x.mu.Unlock()
		if send {
			for _, p := range c.peers {
				p.enqueueCtl(outItem{m: m})
			}
		}
		return nil
	}
	for _, p := range c.peers {
		p.enqueue(m, c.o.sendHWM)
	}
	return nil
}

// subscribe changes the socket's subscriptions and tells every peer.
func (x *xsub) subscribe(on bool, prefix string) error {
	c := x.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	x.mu.Lock()
	send := x.own(on, prefix)
	x.publish()
	x.mu.Unlock()
	if send {
		for _, p := range c.peers {
			p.enqueueCtl(outItem{m: Msg{subscription(on, prefix)}})
		}
	}
	return nil
}

// subscribe changes a SUB or XSUB socket's subscriptions.
func (c *engine) subscribe(on bool, prefix string) error {
	if x, ok := c.routing.(interface{ subscribe(bool, string) error }); ok {
		return x.subscribe(on, prefix)
	}
	return ErrNotSupported
}
