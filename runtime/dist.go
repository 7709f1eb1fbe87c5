package runtime

import (
	"context"
	"runtime"
)

// Distribution (libzmq's dist_t): PUB and XPUB send each message to every
// peer subscribed to it, and keep each peer's subscriptions (matching is
// trie.go's).

// subscription encodes a ZMTP 3.0 subscription message: \x01 or \x00 and
// the topic. libzmq sends subscriptions in this form to a ZMTP 3.0 peer
// (zmq4 greets as 3.0), and accepts them from any peer.
func subscription(on bool, topic string) []byte {
	b := make([]byte, 1+len(topic))
	if on {
		b[0] = 1
	}
	copy(b[1:], topic)
	return b
}

// subscriptions returns the subscription messages of every prefix in t, in
// byte order, carved from two allocations (their bytes and their frames):
// a SUB sends them all to each new peer, and 100,000 of them one
// allocation and one lock each were a quarter of the SUB's start (issue
// 18).
func subscriptions(t *topicTrie) []outItem {
	slab := make([]byte, 0, t.n+t.bytes)
	frames := make([][]byte, t.n)
	items := make([]outItem, 0, t.n)
	t.each(func(prefix []byte, _ *trieNode) {
		i := len(slab)
		slab = append(slab, 1)
		slab = append(slab, prefix...)
		k := len(items)
		frames[k] = slab[i:len(slab):len(slab)]
		items = append(items, outItem{m: frames[k : k+1 : k+1]})
	})
	return items
}

// xpub is an XPUB socket (libzmq's xpub_t): it sends each message to the
// peers subscribed to it (sendPub), keeps the peers' subscriptions, and
// hands a new topic, and a topic no peer wants any more, to the
// application.
type xpub struct {
	c *engine
	fqRecv
	// subs holds every peer's subscriptions, each prefix with the peers
	// subscribed to it: one walk per message finds them all, where a trie
	// per peer cost a walk per peer and message (five times a flooding
	// PUB's CPU with 16 subscribers of 100,000 prefixes; issue 18).
	// engine.mu guards it.
	subs topicTrie
	// seq numbers the messages sent, so that a peer subscribed to two
	// prefixes of one message gets it once (engine.mu).
	seq uint64
	// allFull counts the Sends that found every subscriber at its mark
	// (engine.mu), for sendPub's yields.
	allFull uint32
	up      bool // subscriptions and other messages go to the application (XPUB, not PUB)
}

// pub is a PUB socket (libzmq's pub_t, which extends xpub_t): an XPUB
// that receives nothing.
type pub struct{ *xpub }

func (x *pub) recv(ctx context.Context) (Msg, error) { return nil, ErrNotSupported }

func newXPUB(c *engine, up bool) *xpub {
	return &xpub{c: c, fqRecv: fqRecv{c}, up: up}
}

func (x *xpub) send(ctx context.Context, m Msg) error { return x.sendPub(m) }

func (x *xpub) attach(p *peer) error { return nil }

// detach forgets a peer's subscriptions; the topics no other peer wants go
// to an XPUB's application after c.mu is released. c.mu is held.
func (x *xpub) detach(p *peer, q []outItem) func() {
	gone := x.subs.dropPeer(p)
	if !x.up || len(gone) == 0 {
		return nil
	}
	return func() {
		// p.done is closed: deliver drops rather than waits for room, so a
		// full queue cannot hold up the reconnection.
		for _, t := range gone {
			x.c.deliver(p, []inMsg{{m: Msg{subscription(false, t)}}})
		}
	}
}

// incoming takes a subscription message (\x01topic or \x00topic) from a
// peer; an XPUB passes other messages up, as libzmq's does.
func (x *xpub) incoming(p *peer, m Msg) (Msg, bool) {
	if len(m) == 1 && len(m[0]) > 0 && m[0][0] <= 1 {
		x.subscribed(p, m[0][0] == 1, m[0][1:])
		return m, false
	}
	return m, x.up
}

// subscribed records a peer's (un)subscription, from a subscription
// message or a SUBSCRIBE or CANCEL command. An XPUB's application hears
// of a topic's first subscriber and of its last leaving.
func (x *xpub) subscribed(p *peer, on bool, topic []byte) {
	c := x.c
	t := string(topic)
	c.mu.Lock()
	var notify bool
	if on {
		_, notify = x.subs.addPeer(t, p)
	} else {
		_, notify = x.subs.removePeer(t, p)
	}
	c.mu.Unlock()
	if notify && x.up {
		c.deliver(p, []inMsg{{m: Msg{subscription(on, t)}, p: p}})
	}
}

// peerSubscription records a PUB/XPUB peer's SUBSCRIBE or CANCEL command;
// other socket types ignore them.
func (c *engine) peerSubscription(p *peer, on bool, topic []byte) {
	if x, ok := c.routing.(interface{ subscribed(*peer, bool, []byte) }); ok {
		x.subscribed(p, on, topic)
	}
}

// sendPub sends m to every peer subscribed to it, dropping it for peers at
// their high-water mark; it never waits.
func (x *xpub) sendPub(m Msg) error {
	c := x.c
	hwm := int64(c.o.sendHWM)
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	var buf [8]*trieNode
	hits := x.subs.root.matches(m[0], buf[:0])
	// Drops are counted once per message, under c.mu (c.pubDrops): an
	// atomic add per full subscriber was a third of a flooding PUB's CPU
	// time, and one per message a fifth of what was left (issue 18).
	var full, subscribers int
	// A peer subscribed to more than one prefix of m gets it once.
	dedup := len(hits) > 1
	if dedup {
		x.seq++
	}
	for _, n := range hits {
		for _, p := range n.peers {
			if dedup {
				if p.pubSeq == x.seq {
					continue
				}
				p.pubSeq = x.seq
			}
			subscribers++
			if x.atMark(p, hwm) {
				full++
				if p.drops.drop() {
					x.logFull(p)
				}
				continue
			}
			full += x.sendTo(p, m, hwm)
		}
	}
	c.pubDrops += uint64(full)
	yield := false
	if full > 0 && full == subscribers {
		x.allFull++
		yield = x.allFull%yieldEvery == 0
	}
	c.mu.Unlock()
	if yield {
		// Every subscriber is at its mark: the application publishes
		// faster than the writers drain the queues, and the writers run
		// on the processors this goroutine holds. Without a yield now and
		// then, a loop of Sends kept them off a processor of their own
		// (GOMAXPROCS=1, as Go sets it in a container of one CPU: until
		// the scheduler's 10 ms preemption), and on two it delivered a
		// tenth as much to 16 subscribers as it does yielding (issue 18).
		runtime.Gosched()
	}
	return nil
}

// yieldEvery is how many Sends a PUB whose every subscriber is at its
// high-water mark makes between yields (sendPub). One in 16 delivered as
// much as every one, at a fraction of the scheduler's time (issue 18).
const yieldEvery = 16

// atMark reports whether subscriber p is at its high-water mark (hwm, 0
// for none) as far as the PUB can tell without p's lock, from what it
// queued (p.pubQueued) less what the writer has taken since (p.taken):
// the lock's two atomic operations per subscriber and message, on a cache
// line the writer shares, were half of a flooding PUB's CPU time, and
// storing the queue's length at every push a quarter of what was left
// (issue 18). The estimate errs low only (heartbeats go to the queue
// too), and sendTo checks the mark again under the lock. c.mu is held.
func (x *xpub) atMark(p *peer, hwm int64) bool {
	return hwm > 0 && p.pubQueued-p.taken.Load() >= hwm
}

// sendTo queues m for subscriber p, or drops it if p is at its high-water
// mark (hwm, 0 for none), and returns the number dropped. c.mu is held.
func (x *xpub) sendTo(p *peer, m Msg, hwm int64) int {
	p.mu.Lock()
	if p.dead || p.linger {
		p.mu.Unlock()
		return 0
	}
	full := hwm > 0 && int64(len(p.q)) >= hwm
	var wake bool
	if !full {
		wake = p.pushLocked(outItem{m: m})
	}
	p.pubQueued = p.taken.Load() + int64(len(p.q))
	p.mu.Unlock()
	if full {
		if p.drops.drop() {
			x.logFull(p)
		}
		return 1
	}
	if wake {
		p.signal()
	}
	if p.drops.on {
		if ended, dropped, runs := p.drops.end(); ended {
			// A subscriber at the edge of its high-water mark goes in and
			// out of it many times a second: runs not logged (at most one
			// pair of lines per logInterval) are counted here.
			x.c.log.Warn("zmq: subscriber caught up", "remote", p.remote, "dropped", dropped, "runs", runs)
		}
	}
	return 0
}

// logFull logs the first message of a run dropped for subscriber p; it
// is kept out of sendPub's loop, which drops and counts the others.
//
//go:noinline
func (x *xpub) logFull(p *peer) {
	x.c.log.Warn("zmq: subscriber at its high-water mark, dropping messages", "remote", p.remote)
}
