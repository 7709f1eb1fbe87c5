package runtime

// Counters: what every socket counts about itself, always on.
//
// The hot path pays for them with plain increments of fields that only one
// goroutine writes (a connection's reader counts what it reads, its writer
// what it writes) and an atomic add per read system call or written batch,
// not per message; everything else (drops, connects, handshake failures,
// heartbeat timeouts, retries) is counted where it happens, which is never
// on the per-message path. Gauges (peers, queue depths) are not kept at all:
// Stats computes them when asked.
//
// Counters belong to a socket's name (WithName), not to one *Socket: the
// Lazy Pirate Requester opens a new REQ socket on each retry, and a node's
// counters must not go back to zero when it does. Sockets without a name
// count for themselves alone.

import (
	"errors"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DropReason says why a socket dropped a message.
type DropReason int

const (
	// DropHWM: no peer had room for the message (PUSH, DEALER, REQ and
	// PAIR send timed out or was cancelled while waiting; ROUTER and REP
	// found the peer's queue at its high-water mark).
	DropHWM DropReason = iota
	// DropNoRoute: a ROUTER message for an unknown identity, a REP reply
	// for a requester that is gone.
	DropNoRoute
	// DropOversized: a peer announced a message larger than the maximum
	// message size (the connection is dropped with it).
	DropOversized
	// DropUndecodable: a message that RecvValue could not decode, or a
	// malformed request or reply (REP without an envelope delimiter).
	DropUndecodable
	// DropSubscriberFull: PUB or XPUB skipped a subscriber at its
	// high-water mark.
	DropSubscriberFull
	// DropDisconnected: messages queued for a peer whose connection ended
	// (a bound socket's peer does not come back; its queue goes with it).
	DropDisconnected
	numDropReasons
)

var dropReasonNames = [numDropReasons]string{"hwm", "no_route", "oversized", "undecodable", "subscriber_full", "disconnected"}

func (r DropReason) String() string {
	if r >= 0 && r < numDropReasons {
		return dropReasonNames[r]
	}
	return "unknown"
}

// HandshakeFailure says why a ZMTP handshake failed.
type HandshakeFailure int

const (
	// HandshakeProtocol: the peer broke ZMTP (bad greeting, wrong or
	// incompatible socket type, oversized or malformed command).
	HandshakeProtocol HandshakeFailure = iota
	// HandshakeAuth: the security mechanism refused the peer, or the peer
	// refused us (wrong PLAIN credentials, unknown CURVE key).
	HandshakeAuth
	// HandshakeTimeout: the handshake did not finish in time.
	HandshakeTimeout
	// HandshakeClosed: the peer hung up before finishing (a port probe).
	HandshakeClosed
	numHandshakeFailures
)

var handshakeFailureNames = [numHandshakeFailures]string{"protocol", "auth", "timeout", "closed"}

func (f HandshakeFailure) String() string {
	if f >= 0 && f < numHandshakeFailures {
		return handshakeFailureNames[f]
	}
	return "unknown"
}

// classifyHandshake says why a handshake failed.
func classifyHandshake(err error) HandshakeFailure {
	var ne interface{ Timeout() bool }
	switch {
	case errors.Is(err, errPlainRefused):
		return HandshakeAuth
	case errors.Is(err, os.ErrDeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return HandshakeTimeout
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		return HandshakeClosed
	}
	// Mechanisms other than ours (zmq4's CURVE, other helpers') report a
	// refusal in words.
	s := strings.ToLower(err.Error())
	for _, w := range []string{"auth", "credential", "security/", "curve", "plain", "denied", "refused"} {
		if strings.Contains(s, w) {
			return HandshakeAuth
		}
	}
	return HandshakeProtocol
}

// flow counts the messages and bytes one connection (or, for a connect
// endpoint, every connection it has had) carried. in is written only by a
// reader, out only by a writer and the direct senders, each with one
// atomic add per batch.
type flow struct {
	msgsIn, bytesIn   atomic.Uint64
	msgsOut, bytesOut atomic.Uint64
}

func (f *flow) addTo(g *flow) {
	g.msgsIn.Add(f.msgsIn.Load())
	g.bytesIn.Add(f.bytesIn.Load())
	g.msgsOut.Add(f.msgsOut.Load())
	g.bytesOut.Add(f.bytesOut.Load())
}

// link is one peer as the counters see it: a connect endpoint (label: the
// endpoint, kept across reconnections) or an accepted connection (label:
// its remote address, gone with it).
type link struct {
	label   string
	flow    flow
	peer    *peer // the connection, nil while there is none (engine.mu)
	pipe    *pipe // a connect endpoint's pipe (round-robin sockets)
	connect bool
	seen    bool // a connect endpoint had a connection (its connect loop)
}

// rttBuckets are the upper bounds of the requesters' round-trip
// histogram, in seconds: 100µs to about 13s, doubling.
var rttBuckets = func() []float64 {
	b := make([]float64, 18)
	v := 100e-6
	for i := range b {
		b[i] = v
		v *= 2
	}
	return b
}()

// histogram is a cumulative-on-read histogram of durations.
type histogram struct {
	counts [19]atomic.Uint64 // len(rttBuckets) + the overflow bucket
	sumNs  atomic.Int64
}

func (h *histogram) observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < len(rttBuckets) && s > rttBuckets[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

// socketStats is the counters of every socket of one name.
type socketStats struct {
	name string
	typ  Type

	gone       flow // links no longer live
	drops      [numDropReasons]atomic.Uint64
	accepted   atomic.Uint64
	connected  atomic.Uint64 // connections established on connect endpoints
	reconnects atomic.Uint64 // of which after the endpoint's first
	disconn    atomic.Uint64
	handshake  [numHandshakeFailures]atomic.Uint64
	hbTimeouts atomic.Uint64
	retries    atomic.Uint64 // Lazy Pirate tries that timed out and were retried
	giveUps    atomic.Uint64 // Lazy Pirate requests abandoned
	rtt        histogram     // requests to replies (REQ sockets and Requesters)

	mu      sync.Mutex
	engines []*engine // live sockets of this name
}

// statsRegistry holds the counters of named sockets for Snapshot.
var statsRegistry = struct {
	sync.Mutex
	m     map[string]*socketStats
	order []string
}{m: make(map[string]*socketStats)}

// statsFor returns the counters of the sockets named name (a new set for
// an unnamed socket).
func statsFor(name string, typ Type) *socketStats {
	if name == "" {
		return &socketStats{typ: typ}
	}
	statsRegistry.Lock()
	defer statsRegistry.Unlock()
	st := statsRegistry.m[name]
	if st == nil {
		st = &socketStats{name: name, typ: typ}
		statsRegistry.m[name] = st
		statsRegistry.order = append(statsRegistry.order, name)
	}
	return st
}

func (st *socketStats) drop(r DropReason, n int) { st.drops[r].Add(uint64(n)) }

func (st *socketStats) addEngine(c *engine) {
	st.mu.Lock()
	st.engines = append(st.engines, c)
	st.mu.Unlock()
}

// removeEngine folds a closed socket's links and a PUB's drops into the
// totals.
func (st *socketStats) removeEngine(c *engine) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if i := slices.Index(st.engines, c); i >= 0 {
		st.engines = slices.Delete(st.engines, i, i+1)
	}
	c.mu.Lock()
	for _, l := range c.links {
		l.flow.addTo(&st.gone)
	}
	c.links = nil
	st.drops[DropSubscriberFull].Add(c.pubDrops)
	c.pubDrops = 0
	c.mu.Unlock()
}

// newLink registers a link of c (engine.mu held).
func (c *engine) newLink(label string, connect bool) *link {
	l := &link{label: label, connect: connect}
	c.links = append(c.links, l)
	return l
}

// dropLink folds an accepted connection's link into the totals (engine.mu
// held, which Stats holds while it reads both).
func (c *engine) dropLink(l *link) {
	if i := slices.Index(c.links, l); i >= 0 {
		c.links = slices.Delete(c.links, i, i+1)
		l.flow.addTo(&c.stats.gone)
	}
}

// MaxPeerSeries bounds the peers Stats lists for one socket: the others are
// added up under the peer "other", so that a socket with many clients does
// not make a series per client.
const MaxPeerSeries = 16

// SocketStats is a snapshot of one socket's counters (of every socket
// that had its name, for a named socket).
type SocketStats struct {
	Name  string
	Type  Type
	Live  bool // a socket of this name is open
	Peers int  // connected peers

	MsgsIn, MsgsOut, BytesIn, BytesOut uint64
	// Drops by reason.
	Drops [numDropReasons]uint64
	// QueueIn and QueueOut are the messages received and not yet taken,
	// and queued to send (connect endpoints waiting for a connection
	// included).
	QueueIn, QueueOut int
	// Accepted and Connected count connections established on bound and
	// on connect endpoints; Reconnects, those of Connected after an
	// endpoint's first; Disconnects, connections lost.
	Accepted, Connected, Reconnects, Disconnects uint64
	// HandshakeFailures by reason.
	HandshakeFailures [numHandshakeFailures]uint64
	HeartbeatTimeouts uint64
	// Retries and GiveUps are the Lazy Pirate tries that timed out and
	// were retried, and the requests abandoned.
	Retries, GiveUps uint64
	// RTT is the histogram of request round trips: counts per bucket of
	// RTTBuckets (not cumulative), then those above the last bound.
	RTT      []uint64
	RTTSum   time.Duration
	RTTCount uint64

	// Links are the socket's peers: connect endpoints (connected or
	// not) and accepted connections, at most MaxPeerSeries.
	Links []LinkStats
}

// LinkStats is one peer of a socket.
type LinkStats struct {
	Peer                               string // the connect endpoint, the remote address, or "other"
	Connect                            bool
	Connected                          bool
	MsgsIn, MsgsOut, BytesIn, BytesOut uint64
	QueueIn, QueueOut                  int
}

// RTTBuckets returns the upper bounds, in seconds, of SocketStats.RTT.
func RTTBuckets() []float64 { return slices.Clone(rttBuckets) }

// DropReasons returns every DropReason, in order.
func DropReasons() []DropReason {
	r := make([]DropReason, numDropReasons)
	for i := range r {
		r[i] = DropReason(i)
	}
	return r
}

// HandshakeFailures returns every HandshakeFailure, in order.
func HandshakeFailures() []HandshakeFailure {
	r := make([]HandshakeFailure, numHandshakeFailures)
	for i := range r {
		r[i] = HandshakeFailure(i)
	}
	return r
}

// observeRTT records a request's round trip.
func (st *socketStats) observeRTT(d time.Duration) { st.rtt.observe(d) }

// Stats returns a snapshot of the socket's counters (those of every
// socket that had its name, for a named socket).
func (s *Socket) Stats() SocketStats { return s.c.stats.snapshot() }

// Stats returns a snapshot of the counters of every named socket the
// process has opened, in the order they were first opened.
func Stats() []SocketStats {
	statsRegistry.Lock()
	all := make([]*socketStats, 0, len(statsRegistry.order))
	for _, n := range statsRegistry.order {
		all = append(all, statsRegistry.m[n])
	}
	statsRegistry.Unlock()
	out := make([]SocketStats, len(all))
	for i, st := range all {
		out[i] = st.snapshot()
	}
	return out
}

func (st *socketStats) snapshot() SocketStats {
	s := SocketStats{Name: st.name, Type: st.typ}
	for i := range s.HandshakeFailures {
		s.HandshakeFailures[i] = st.handshake[i].Load()
	}
	s.Accepted = st.accepted.Load()
	s.Connected = st.connected.Load()
	s.Reconnects = st.reconnects.Load()
	s.Disconnects = st.disconn.Load()
	s.HeartbeatTimeouts = st.hbTimeouts.Load()
	s.Retries = st.retries.Load()
	s.GiveUps = st.giveUps.Load()
	s.RTT = make([]uint64, len(st.rtt.counts))
	for i := range s.RTT {
		s.RTT[i] = st.rtt.counts[i].Load()
		s.RTTCount += s.RTT[i]
	}
	s.RTTSum = time.Duration(st.rtt.sumNs.Load())

	// Every socket of the name is locked while the links are read and the
	// totals of gone links added: a link folded into them meanwhile (under
	// its engine's mu) would be counted twice or not at all.
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, c := range st.engines {
		c.mu.Lock()
	}
	// The drops of a PUB still counted in its engine (c.pubDrops) are
	// folded into st.drops under st.mu: read both under it.
	for i := range s.Drops {
		s.Drops[i] = st.drops[i].Load()
	}
	var other *LinkStats
	for _, c := range st.engines {
		s.Drops[DropSubscriberFull] += c.pubDrops
		s.Live = true
		s.Peers += len(c.peers)
		ls := make([]LinkStats, len(c.links))
		for i, l := range c.links {
			ls[i] = LinkStats{
				Peer:      l.label,
				Connect:   l.connect,
				Connected: l.peer != nil,
				MsgsIn:    l.flow.msgsIn.Load(),
				MsgsOut:   l.flow.msgsOut.Load(),
				BytesIn:   l.flow.bytesIn.Load(),
				BytesOut:  l.flow.bytesOut.Load(),
			}
			if p := l.peer; p != nil {
				ls[i].QueueOut = p.queued()
			}
			if l.pipe != nil {
				ls[i].QueueOut += len(l.pipe.held)
			}
		}
		// The incoming side's locks come after peer.mu (see engine.go).
		c.rmu.Lock()
		c.in.mu.Lock()
		for i, l := range c.links {
			if p := l.peer; p != nil {
				ls[i].QueueIn = len(p.inq)
				if p.inRing {
					ls[i].QueueIn += len(p.local) - p.li
				}
			}
		}
		c.in.mu.Unlock()
		c.rmu.Unlock()
		for _, l := range ls {
			s.MsgsIn += l.MsgsIn
			s.MsgsOut += l.MsgsOut
			s.BytesIn += l.BytesIn
			s.BytesOut += l.BytesOut
			s.QueueIn += l.QueueIn
			s.QueueOut += l.QueueOut
			if len(s.Links) < MaxPeerSeries {
				s.Links = append(s.Links, l)
				continue
			}
			if other == nil {
				other = &LinkStats{Peer: "other"}
			}
			other.Connected = other.Connected || l.Connected
			other.MsgsIn += l.MsgsIn
			other.MsgsOut += l.MsgsOut
			other.BytesIn += l.BytesIn
			other.BytesOut += l.BytesOut
			other.QueueIn += l.QueueIn
			other.QueueOut += l.QueueOut
		}
	}
	s.MsgsIn += st.gone.msgsIn.Load()
	s.MsgsOut += st.gone.msgsOut.Load()
	s.BytesIn += st.gone.bytesIn.Load()
	s.BytesOut += st.gone.bytesOut.Load()
	for _, c := range slices.Backward(st.engines) {
		c.mu.Unlock()
	}
	if other != nil {
		s.Links = append(s.Links, *other)
	}
	return s
}

// observed is the part of a socket's engine that counts and reports.
type observed struct {
	name  string       // for events: WithName's, or the type's
	stats *socketStats // shared by every socket of the name
	links []*link      // guarded by engine.mu
	ev    events
}

func (c *engine) initObserved(name string) {
	c.name = name
	c.stats = c.o.stats
	if c.stats == nil {
		c.stats = statsFor(c.o.name, c.typ)
	}
	c.stats.addEngine(c)
}

// handshakeFailed counts and reports a failed handshake.
func (c *engine) handshakeFailed(ep, remote string, err error) {
	r := classifyHandshake(err)
	c.stats.handshake[r].Add(1)
	c.emit(Event{Type: EventHandshakeFailed, Endpoint: ep, Remote: remote, Err: err, Reason: r})
}

// established counts and reports a connection that finished its handshake.
func (c *engine) established(ep string, p *peer) {
	t := EventAccepted
	if l := p.link; l.connect {
		t = EventConnected
		c.stats.connected.Add(1)
		if l.seen {
			c.stats.reconnects.Add(1)
		}
		l.seen = true
	} else {
		c.stats.accepted.Add(1)
	}
	c.emit(Event{Type: t, Endpoint: ep, Remote: p.remote})
}

// lost counts and reports the end of an established connection.
func (c *engine) lost(ep string, p *peer) {
	if c.isClosing() {
		return
	}
	c.stats.disconn.Add(1)
	if errors.Is(p.failErr, errHeartbeatTimeout) {
		c.stats.hbTimeouts.Add(1)
	}
	if errors.Is(p.failErr, errTooBig) {
		c.stats.drop(DropOversized, 1)
	}
	c.emit(Event{Type: EventDisconnected, Endpoint: ep, Remote: p.remote, Err: p.failErr})
}

// detachLink ends p's link when its connection ends (engine.mu held): the
// link of an accepted peer goes, with what was queued for it (q, which a
// connect endpoint keeps for its next connection instead).
func (c *engine) detachLink(p *peer, q []outItem) {
	l := p.link
	if l == nil {
		return
	}
	if l.peer == p {
		l.peer = nil
	}
	if l.connect && c.lb != nil {
		return
	}
	n := 0
	for _, it := range q {
		if !it.cmd {
			n++
		}
	}
	if n > 0 && !c.closed {
		c.stats.drop(DropDisconnected, n)
	}
	if !l.connect {
		c.dropLink(l)
	}
}

// closed ends the socket's part in the counters and its subscriptions.
func (c *engine) closedObserved() {
	c.stats.removeEngine(c)
	c.emit(Event{Type: EventClosed})
}

// countersOff turns the per-connection message and byte counters off, for
// runtime/bench to measure what they cost (ZMQGEN_COUNTERS=off).
var countersOff = os.Getenv("ZMQGEN_COUNTERS") == "off"

// flushIn adds what the reader counted since its last flush to p's link.
func (p *peer) flushIn() {
	if p.rdMsgs == 0 || countersOff {
		return
	}
	if l := p.link; l != nil {
		l.flow.msgsIn.Add(p.rdMsgs)
		l.flow.bytesIn.Add(p.rdBytes)
	}
	p.rdMsgs, p.rdBytes = 0, 0
}

// countOut adds messages written to p's link.
func (p *peer) countOut(msgs, bytes uint64) {
	if l := p.link; l != nil && msgs > 0 && !countersOff {
		l.flow.msgsOut.Add(msgs)
		l.flow.bytesOut.Add(bytes)
	}
}

// replyDrop says why a REP reply to p could not be queued.
func replyDrop(p *peer) DropReason {
	select {
	case <-p.done:
		return DropNoRoute
	default:
		return DropHWM
	}
}

// msgBytes is the size of m's frames.
func msgBytes(m Msg) int {
	n := 0
	for _, f := range m {
		n += len(f)
	}
	return n
}

// Stats returns a snapshot of the requester's counters: its sockets', and
// its retries, give-ups and round trips.
func (r *Requester) Stats() SocketStats { return r.stats.snapshot() }
