package runtime

// The socket engine: endpoints, peers, and libzmq's routing for each
// socket type. Lock order: core.mu, then core.subMu, then peer.mu, then
// inQueue.mu; core.rmu (the receive side) is never held while taking
// core.mu.

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"
)

// More errors returned by sockets.
var (
	// ErrTimeout is returned when the send or receive timeout passes.
	// errors.Is(ErrTimeout, context.DeadlineExceeded) is true.
	ErrTimeout error = timeoutError{}
	// ErrNotSupported is returned for an operation the socket type does
	// not have (Send on PULL or SUB, Recv on PUSH or PUB, Subscribe on
	// anything but SUB and XSUB).
	ErrNotSupported = errors.New("zmq: operation not supported by the socket type")
	// ErrState is returned when REQ or REP is used out of its strict
	// send/receive alternation (libzmq's EFSM).
	ErrState = errors.New("zmq: operation not valid in the socket's current state")
	// ErrEmptyMsg is returned by Send for a message without frames.
	ErrEmptyMsg = errors.New("zmq: message has no frames")
)

type timeoutError struct{}

func (timeoutError) Error() string        { return "zmq: timeout" }
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
func (timeoutError) Timeout() bool        { return true }

// Defaults, as libzmq's where it has one.
const (
	defaultHWM       = 1000
	defaultLinger    = time.Second // libzmq's is infinite; a generated node must stop
	defaultReconnect = 100 * time.Millisecond
	defaultMaxFrames = 1024 // libzmq has no bound
)

func defaultOptions() options {
	return options{
		sendHWM:   defaultHWM,
		maxFrames: defaultMaxFrames,
		recvHWM:   defaultHWM,
		linger:    defaultLinger,
		reconnect: Backoff{Initial: defaultReconnect},
	}
}

func (t Type) String() string {
	if z := t.zmtp(); z != "" {
		return string(z)
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

func (t Type) zmtp() zmq4.SocketType {
	switch t {
	case PAIR:
		return zmq4.Pair
	case PUB:
		return zmq4.Pub
	case SUB:
		return zmq4.Sub
	case REQ:
		return zmq4.Req
	case REP:
		return zmq4.Rep
	case DEALER:
		return zmq4.Dealer
	case ROUTER:
		return zmq4.Router
	case PULL:
		return zmq4.Pull
	case PUSH:
		return zmq4.Push
	case XPUB:
		return zmq4.XPub
	case XSUB:
		return zmq4.XSub
	}
	return ""
}

// inMsg is a received message and the peer it came from.
type inMsg struct {
	m Msg
	p *peer
}

// broadcaster wakes every goroutine waiting for an event. Its owner's
// mutex guards it; it allocates only when someone waits.
type broadcaster struct{ ch chan struct{} }

func (b *broadcaster) wait() <-chan struct{} {
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

func (b *broadcaster) fire() {
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
}

// core is a socket's engine.
type core struct {
	typ Type
	o   *options
	log *slog.Logger

	closing   chan struct{} // closed when Close starts
	closeDone chan struct{} // closed when Close has finished
	dialCtx   context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	draining  bool // Close started: it waits for held messages to go out
	peers     []*peer
	pipes     []*pipe          // PUSH, DEALER, REQ, PAIR: where sendRR sends, in turn
	rr        int              // the next pipe to try
	byID      map[string]*peer // ROUTER
	nextID    uint32           // ROUTER: next generated identity
	listeners []net.Listener
	addrs     []string
	pending   map[net.Conn]struct{} // connections in their handshake
	space     broadcaster           // a peer gained room or joined
	xsubs     map[string]int        // XPUB: number of peers subscribed to each topic
	reqPipe   *pipe                 // REQ: where the request went
	reqState  int                   // REQ: reqIdle, reqWaiting, reqReplied
	reqLast   *pipe                 // REQ: where the request whose reply Recv returned went

	badMsgs    logLimiter   // RecvValue's messages that do not decode
	hsFails    logLimiter   // failed handshakes of accepted connections
	replyDrops replyDropRun // ROUTER, REP: replies dropped

	refused atomic.Int64 // connections refused (PAIR busy, duplicate identity)
	dropped atomic.Int64 // messages dropped for full or unknown peers

	observed // counters and events (metrics.go, events.go)

	subMu   sync.RWMutex
	subs    map[string]int // SUB, XSUB: own subscriptions, with counts
	subTrie topicTrie      // SUB, XSUB: the prefixes of subs, for matching

	in inQueue

	rmu     sync.Mutex // the receive side
	ring    []*peer    // peers with messages in their local batch, in turn
	ri      int        // the ring's next peer
	repPeer *peer      // REP: where the reply goes
	repEnv  [][]byte   // REP: the request's envelope
	repBusy bool       // REP: a request was received, the reply not yet sent
}

const (
	reqIdle = iota
	reqWaiting
	reqReplied
)

// pipe is a destination of round-robin sending (PUSH, DEALER, REQ, PAIR):
// a peer accepted on a bound endpoint, which exists only while connected,
// or a connect endpoint, which exists from Connect on, as libzmq's pipes do
// without ZMQ_IMMEDIATE. While a connect endpoint has no connection, the
// messages routed to it wait in held (up to the send HWM) and go out when
// it connects; messages still queued when its connection drops wait there
// for the next one (a message the writer already took is lost with the
// connection, as in libzmq). Both fields are guarded by core.mu.
type pipe struct {
	p       *peer     // the connection; nil while (re)connecting
	held    []outItem // connect endpoint: messages waiting for a connection
	connect bool      // a connect endpoint's pipe, kept across connections
}

// roundRobin reports whether the socket type sends through pipes in turn.
func (t Type) roundRobin() bool {
	return t == PUSH || t == DEALER || t == REQ || t == PAIR
}

// inQueue is the shared part of a socket's incoming side. Each peer has
// its own queue (peer.inq, at most hwm messages plus one read batch, as
// libzmq's RCVHWM is per pipe); Recv takes one message from each peer that
// has some, in turn (libzmq's fair-queueing), so a fast peer cannot starve
// a slow one. A reader appends to its peer's queue and lists the peer in
// active when the peer is not listed yet; the receiver moves listed peers
// into its ring, and refills a ring peer's local batch from its queue
// whole, so the lock is taken once per batch rather than per message.
type inQueue struct {
	mu     sync.Mutex
	active []*peer     // peers whose queue gained messages since the receiver looked
	hwm    int         // per peer
	ready  broadcaster // a peer was listed in active
	fresh  atomic.Bool // active is not empty: the receiver should look
}

func newCore(s *Socket) *core {
	c := &core{
		typ:       s.typ,
		o:         &s.opts,
		closing:   make(chan struct{}),
		closeDone: make(chan struct{}),
	}
	l := s.opts.logger
	if l == nil {
		l = slog.Default()
	}
	name := s.opts.name
	if name == "" {
		name = s.typ.String()
	}
	c.log = l.With("socket", name)
	c.initObserved(name)
	c.dialCtx, c.cancel = context.WithCancel(context.Background())
	c.in.hwm = s.opts.recvHWM
	s.opts.refusals = new(logLimiter)
	var b [4]byte
	rand.Read(b[:])
	c.nextID = binary.BigEndian.Uint32(b[:])
	if c.typ == SUB || c.typ == XSUB {
		c.subs = make(map[string]int)
		for _, t := range s.opts.subscribe {
			c.ownSub(true, t)
		}
	}
	return c
}

func (c *core) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// spawn runs f in a goroutine that Close waits for.
func (c *core) spawn(f func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
}

func (c *core) valid() error {
	if c.typ.zmtp() == "" {
		return fmt.Errorf("zmq: invalid socket type %d", int(c.typ))
	}
	return nil
}

// bind listens on ep and accepts connections until Close.
func (c *core) bind(ep string) error {
	if err := c.valid(); err != nil {
		return err
	}
	e, err := parseEndpoint(ep)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.mu.Unlock()
	l, addr, err := listen(e)
	if err != nil {
		return err
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		l.Close()
		return ErrClosed
	}
	c.listeners = append(c.listeners, l)
	c.addrs = append(c.addrs, addr)
	c.spawn(func() { c.acceptLoop(l, addr) })
	c.mu.Unlock()
	c.log.Debug("zmq: bound", "endpoint", addr)
	c.emit(Event{Type: EventListening, Endpoint: addr})
	return nil
}

func (c *core) acceptLoop(l net.Listener, addr string) {
	for {
		conn, err := l.Accept()
		if err != nil {
			select {
			case <-c.closing:
				return
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			c.log.Warn("zmq: accept failed", "endpoint", addr, "err", err)
			select {
			case <-time.After(10 * time.Millisecond):
				continue
			case <-c.closing:
				return
			}
		}
		c.spawn(func() {
			p, err := c.handshake(conn, true, addr)
			if err != nil {
				if c.isClosing() {
					return
				}
				c.logHandshakeFailure(addr, remoteAddr(conn), err)
				c.handshakeFailed(addr, remoteAddr(conn), err)
				return
			}
			c.log.Debug("zmq: accepted", "endpoint", addr, "remote", p.remote)
			if c.runPeer(p, addr) {
				c.log.Debug("zmq: disconnected", "endpoint", addr, "remote", p.remote, "reason", p.failErr)
			}
		})
	}
}

// connect dials ep until Close, redialling whenever the connection is lost.
func (c *core) connect(ep string) error {
	if err := c.valid(); err != nil {
		return err
	}
	e, err := parseEndpoint(ep)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	var pl *pipe
	if c.typ.roundRobin() {
		pl = &pipe{connect: true}
		c.pipes = append(c.pipes, pl)
	}
	l := c.newLink(ep, true)
	l.pipe = pl
	c.spawn(func() { c.connectLoop(e, pl, l) })
	return nil
}

// connectLoop dials e until Close; pl is the endpoint's pipe (nil for
// socket types that do not send round-robin), l its counters.
func (c *core) connectLoop(e endpoint, pl *pipe, l *link) {
	b := c.o.reconnect
	if b.Initial <= 0 {
		b.Initial = defaultReconnect
	}
	wait := b.Initial
	failures := 0
	for {
		conn, err := dial(c.dialCtx, e)
		if err == nil {
			var p *peer
			p, err = c.handshake(conn, false, e.String())
			if err == nil {
				p.pipe, p.link = pl, l
				wait = b.Initial
				failures = 0
				c.log.Debug("zmq: connected", "endpoint", e.String())
				if c.runPeer(p, e.String()) {
					c.log.Debug("zmq: disconnected", "endpoint", e.String(), "reason", p.failErr)
				}
			} else if !c.isClosing() {
				c.handshakeFailed(e.String(), remoteAddr(conn), err)
			}
		}
		if c.isClosing() {
			return
		}
		if err != nil {
			failures++
			// A refused dial is routine before the binder is up: log it
			// at Debug; a failed handshake is worth a warning, once until
			// a connection succeeds.
			if conn != nil && failures == 1 {
				c.log.Warn("zmq: handshake failed, retrying", "endpoint", e.String(), "err", err, "retry_in", wait)
			} else if failures == 1 || failures%100 == 0 {
				c.log.Debug("zmq: connect failed, retrying", "endpoint", e.String(), "err", err, "retry_in", wait)
			}
		}
		c.emit(Event{Type: EventConnectRetried, Endpoint: e.String(), Err: err, Wait: wait})
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-c.closing:
			t.Stop()
			return
		}
		if err != nil && b.Max > b.Initial {
			wait *= 2
			if wait > b.Max {
				wait = b.Max
			}
		}
	}
}

// handshake runs the ZMTP handshake on a new connection.
func (c *core) handshake(conn net.Conn, server bool, ep string) (*peer, error) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		conn.Close()
		return nil, ErrClosed
	}
	if c.pending == nil {
		c.pending = make(map[net.Conn]struct{})
	}
	c.pending[conn] = struct{}{}
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, conn)
		c.mu.Unlock()
	}()
	conn.SetDeadline(time.Now().Add(handshakeTimeout))
	sec := connSecurity(c.o, conn.RemoteAddr(), server)
	asServer := server
	if c.o.curve != nil {
		// The greeting's as-server flag follows the CURVE role.
		asServer = c.o.curve.server
	}
	zc, err := openZMTP(conn, withContract(sec, c.o, server, ep), c.typ.zmtp(), c.o.identity, asServer)
	if err == nil {
		err = checkContract(c.o, zc.Peer.Meta, server, ep, remoteAddr(conn))
	}
	if err != nil {
		conn.Close()
		return nil, err
	}
	conn.SetDeadline(time.Time{})
	p := newPeer(c, conn, zc)
	if cs, ok := sec.(*curveSecurity); ok {
		p.cc = cs.cipher
	}
	return p, nil
}

// runPeer serves a connected peer until its connection ends; ep is the
// endpoint it came through. It reports whether the peer was attached.
func (c *core) runPeer(p *peer, ep string) bool {
	if err := c.attach(p); err != nil {
		p.fail(err)
		close(p.writerDone)
		if err != ErrClosed {
			// A refused peer usually redials at once: warn on the first
			// refusal and every hundredth.
			if n := c.refused.Add(1); n == 1 || n%100 == 0 {
				c.log.Warn("zmq: connection refused", "remote", p.remote, "err", err, "refused", n)
			} else {
				c.log.Debug("zmq: connection refused", "remote", p.remote, "err", err)
			}
		}
		return false
	}
	c.established(ep, p)
	c.spawn(p.writeLoop)
	if c.o.heartbeat.Interval > 0 && heartbeatHook != nil {
		heartbeatHook(p)
	}
	err := p.readLoop()
	if errors.Is(err, errTooBig) {
		c.log.Warn("zmq: disconnecting peer: message too large", "remote", p.remote, "err", err)
	} else if errors.Is(err, errCurveCrypto) || errors.Is(err, errCurveNonce) {
		c.log.Warn("zmq: disconnecting peer: CURVE frame refused", "remote", p.remote, "err", err)
	}
	p.fail(err)
	c.detach(p)
	<-p.writerDone
	c.lost(ep, p)
	return true
}

// heartbeatHook, when set (by heartbeat.go), starts heartbeats on a new
// peer of a socket configured WithHeartbeat. It must not block; its
// goroutines must be started with p.c.spawn and end when p.done closes.
var heartbeatHook func(p *peer)

// attach adds a peer that finished its handshake.
func (c *core) attach(p *peer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	switch c.typ {
	case PAIR:
		if len(c.peers) > 0 {
			return errors.New("zmq: PAIR already has a peer")
		}
	case ROUTER:
		if c.byID == nil {
			c.byID = make(map[string]*peer)
		}
		if len(p.id) > 0 && p.id[0] != 0 {
			if _, dup := c.byID[string(p.id)]; dup {
				return fmt.Errorf("zmq: identity %q already connected", p.id)
			}
		} else {
			// libzmq's generated identities: a zero byte and a 32-bit
			// counter starting at a random value.
			for {
				id := make([]byte, 5)
				binary.BigEndian.PutUint32(id[1:], c.nextID)
				c.nextID++
				if _, dup := c.byID[string(id)]; !dup {
					p.id = id
					break
				}
			}
		}
		c.byID[string(p.id)] = p
	case SUB, XSUB:
		c.subMu.RLock()
		for t := range c.subs {
			p.enqueueCtl(outItem{m: Msg{subscription(true, t)}})
		}
		c.subMu.RUnlock()
	}
	if c.typ.roundRobin() {
		if pl := p.pipe; pl != nil {
			// A connect endpoint: what waited for the connection goes
			// first (the writer starts after attach).
			pl.p = p
			p.mu.Lock()
			p.q, pl.held = pl.held, nil
			p.mu.Unlock()
		} else {
			p.pipe = &pipe{p: p}
			c.pipes = append(c.pipes, p.pipe)
		}
	}
	c.peers = append(c.peers, p)
	if p.link == nil {
		p.link = c.newLink(p.remote, false)
	}
	p.link.peer = p
	c.space.fire()
	return nil
}

// detach removes a peer whose connection ended. What was queued for it
// is dropped, as libzmq does, except on a connect endpoint's pipe, where
// the messages the writer has not taken wait for the next connection.
func (c *core) detach(p *peer) {
	c.mu.Lock()
	p.mu.Lock()
	p.dead = true
	q := p.q
	p.q = nil
	p.mu.Unlock()
	c.detachLink(p, q)
	if pl := p.pipe; pl != nil && c.typ.roundRobin() {
		if pl.connect {
			if pl.p == p {
				pl.p = nil
			}
			held := q[:0]
			for _, it := range q {
				if !it.cmd { // PINGs and PONGs were for this connection
					held = append(held, it)
				}
			}
			clear(q[len(held):])
			if len(held) > 0 {
				pl.held = held
			}
		} else {
			for i, x := range c.pipes {
				if x == pl {
					c.pipes = append(c.pipes[:i], c.pipes[i+1:]...)
					if i < c.rr {
						c.rr--
					}
					break
				}
			}
		}
	}
	for i, q := range c.peers {
		if q == p {
			c.peers = append(c.peers[:i], c.peers[i+1:]...)
			break
		}
	}
	if c.typ == ROUTER && c.byID[string(p.id)] == p {
		delete(c.byID, string(p.id))
	}
	var gone []string
	if c.typ == XPUB || c.typ == PUB {
		p.mu.Lock()
		topics := p.subs.list()
		p.subs = topicTrie{}
		p.mu.Unlock()
		for _, t := range topics {
			if c.xsubs[t]--; c.xsubs[t] <= 0 {
				delete(c.xsubs, t)
				gone = append(gone, t)
			}
		}
	}
	c.mu.Unlock()
	if c.typ == XPUB {
		// p.done is closed: deliver drops rather than waits for room, so a
		// full queue cannot hold up the reconnection.
		for _, t := range gone {
			c.deliver(p, []inMsg{{m: Msg{subscription(false, t)}}})
		}
	}
}

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

// peerSubscription records a PUB/XPUB peer's (un)subscription; XPUB hands
// a new topic (and a topic no peer wants any more) to the application.
func (c *core) peerSubscription(p *peer, on bool, topic []byte) {
	if c.typ != PUB && c.typ != XPUB {
		return
	}
	t := string(topic)
	c.mu.Lock()
	p.mu.Lock()
	var changed bool
	if on {
		changed = p.subs.add(t)
	} else {
		changed = p.subs.remove(t)
	}
	p.mu.Unlock()
	notify := false
	if changed {
		if c.xsubs == nil {
			c.xsubs = make(map[string]int)
		}
		if on {
			c.xsubs[t]++
			notify = c.xsubs[t] == 1
		} else {
			c.xsubs[t]--
			if c.xsubs[t] <= 0 {
				delete(c.xsubs, t)
				notify = true
			}
		}
	}
	c.mu.Unlock()
	if notify && c.typ == XPUB {
		c.deliver(p, []inMsg{{m: Msg{subscription(on, t)}, p: p}})
	}
}

// incoming decides what the reader does with a data message: it reports
// false for a message consumed here (subscriptions) or dropped.
func (c *core) incoming(p *peer, m *Msg) bool {
	switch c.typ {
	case PUSH:
		return false
	case PUB, XPUB:
		if len(*m) == 1 && len((*m)[0]) > 0 && (*m)[0][0] <= 1 {
			f := (*m)[0]
			c.peerSubscription(p, f[0] == 1, f[1:])
			return false
		}
		return c.typ == XPUB // libzmq's XPUB passes other messages up
	case SUB, XSUB:
		c.subMu.RLock()
		ok := c.subTrie.match((*m)[0])
		c.subMu.RUnlock()
		return ok
	case REQ:
		// Only the reply to the outstanding request, from the peer it
		// went to, and with its empty delimiter, is kept.
		if len(*m) < 2 || len((*m)[0]) != 0 {
			return false
		}
		c.mu.Lock()
		ok := c.reqPipe == p.pipe && c.reqState == reqWaiting
		if ok {
			c.reqState = reqReplied
		}
		c.mu.Unlock()
		if ok {
			*m = (*m)[1:]
		}
		return ok
	}
	return true
}

// ownSub counts a subscription (on) or cancellation of the socket's own
// (SUB, XSUB), keeping subTrie in step, and reports whether it goes to the
// peers: every subscription does, as in libzmq, and a cancellation when it
// cancels the topic's last subscription. c.subMu is held for writing.
func (c *core) ownSub(on bool, t string) bool {
	if on {
		if c.subs[t]++; c.subs[t] == 1 {
			c.subTrie.add(t)
		}
		return true
	}
	switch c.subs[t] {
	case 0:
		return false
	case 1:
		delete(c.subs, t)
		c.subTrie.remove(t)
		return true
	default:
		c.subs[t]--
		return false
	}
}

// deliver appends a reader's batch to its peer's incoming queue, waiting
// while that queue is at its high-water mark. It reports false if the
// socket or the connection closed meanwhile.
func (c *core) deliver(p *peer, batch []inMsg) bool {
	q := &c.in
	q.mu.Lock()
	if q.hwm > 0 && len(p.inq) >= q.hwm {
		// The reader stops reading until the application takes messages:
		// heartbeats must not count that silence against the peer, and
		// once the reader resumes, the peer's silence starts from then.
		p.stalled.Store(true)
		defer func() {
			p.lastRecv.Store(time.Now().UnixNano())
			p.stalled.Store(false)
		}()
	}
	for q.hwm > 0 && len(p.inq) >= q.hwm {
		w := p.inSpace.wait()
		q.mu.Unlock()
		select {
		case <-w:
		case <-c.closing:
			return false
		case <-p.done:
			return false
		}
		q.mu.Lock()
	}
	p.inq = append(p.inq, batch...)
	// A peer in the receiver's ring refills from inq by itself.
	if !p.listed && !p.inRing {
		p.listed = true
		q.active = append(q.active, p)
		q.fresh.Store(true)
		q.ready.fire()
	}
	q.mu.Unlock()
	return true
}

func (c *core) fireSpace() {
	c.mu.Lock()
	c.space.fire()
	c.mu.Unlock()
}

// waiter is the timeout of one Send or Recv call, started only if the call
// has to wait.
type waiter struct {
	d time.Duration
	t *time.Timer
}

func (w *waiter) c() <-chan time.Time {
	if w.d <= 0 {
		return nil
	}
	if w.t == nil {
		w.t = time.NewTimer(w.d)
	}
	return w.t.C
}

func (w *waiter) stop() {
	if w.t != nil {
		w.t.Stop()
	}
}

func (c *core) send(ctx context.Context, m Msg) error {
	if len(m) == 0 {
		return ErrEmptyMsg
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	switch c.typ {
	case PUSH, DEALER, PAIR:
		return c.sendRR(ctx, m, false)
	case REQ:
		r := make(Msg, 0, len(m)+1)
		r = append(r, []byte{})
		r = append(r, m...)
		return c.sendRR(ctx, r, true)
	case REP:
		return c.sendReply(m)
	case ROUTER:
		return c.sendRouter(m)
	case PUB, XPUB:
		return c.sendPub(m)
	case XSUB:
		return c.sendXSub(m)
	case SUB, PULL:
		return ErrNotSupported
	}
	return c.valid()
}

// sendRR sends to the next pipe in round-robin order that has room,
// connected or not, waiting for one while there is none.
func (c *core) sendRR(ctx context.Context, m Msg, req bool) error {
	w := waiter{d: c.o.sendTimeout}
	defer w.stop()
	hwm := c.o.sendHWM
	for {
		c.mu.Lock()
		if c.closed || c.draining {
			c.mu.Unlock()
			return ErrClosed
		}
		if req && c.reqState != reqIdle {
			c.mu.Unlock()
			return fmt.Errorf("%w: REQ must receive the reply before sending again", ErrState)
		}
		n := len(c.pipes)
		for i := 0; i < n; i++ {
			k := (c.rr + i) % n
			pl := c.pipes[k]
			var ok bool
			if p := pl.p; p == nil {
				if ok = hwm <= 0 || len(pl.held) < hwm; ok {
					pl.held = append(pl.held, outItem{m: m})
				}
			} else if req {
				ok = p.sendDirect(m, hwm)
			} else {
				ok = p.enqueue(m, hwm)
			}
			if ok {
				c.rr = (k + 1) % n
				if req {
					c.reqPipe = pl
					c.reqState = reqWaiting
					c.reqSent = time.Now()
					c.reqLast = nil
				}
				c.mu.Unlock()
				return nil
			}
		}
		space := c.space.wait()
		c.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			c.stats.drop(DropHWM, 1)
			return ctx.Err()
		case <-w.c():
			c.stats.drop(DropHWM, 1)
			return ErrTimeout
		case <-c.closing:
			return ErrClosed
		}
	}
}

// sendRouter sends m[1:] to the peer whose identity is m[0]. A message for
// an unknown identity or a full peer is dropped, as libzmq's ROUTER does by
// default.
func (c *core) sendRouter(m Msg) error {
	if len(m) < 2 {
		return fmt.Errorf("zmq: ROUTER message needs an identity frame and a body")
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	p := c.byID[string(m[0])]
	c.mu.Unlock()
	if p == nil {
		c.dropped.Add(1)
		c.stats.drop(DropNoRoute, 1)
		c.log.Debug("zmq: ROUTER dropped a message for an unknown identity", "identity", fmt.Sprintf("%q", m[0]))
		return nil
	}
	if !p.enqueue(m[1:], c.o.sendHWM) {
		c.dropped.Add(1)
		c.stats.drop(DropHWM, 1)
		c.replyDropped(p, "zmq: ROUTER dropping messages for peers at their high-water mark")
	} else if c.replyDrops.on.Load() {
		c.replyDelivered("zmq: ROUTER delivering again")
	}
	return nil
}

// sendPub sends m to every peer subscribed to it, dropping it for peers at
// their high-water mark; it never waits.
func (c *core) sendPub(m Msg) error {
	hwm := c.o.sendHWM
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	// Drops are counted once per message rather than once per full
	// subscriber: two atomic adds per subscriber were a third of a
	// flooding PUB's CPU time (issue 18).
	var full int
	for _, p := range c.peers {
		p.mu.Lock()
		if !p.subs.match(m[0]) || p.dead || p.linger {
			p.mu.Unlock()
			continue
		}
		if hwm > 0 && len(p.q) >= hwm {
			full++
			start := p.drops.drop()
			p.mu.Unlock()
			if start {
				c.log.Warn("zmq: subscriber at its high-water mark, dropping messages", "remote", p.remote)
			}
			continue
		}
		var ended bool
		var dropped, runs int64
		if p.drops.on {
			ended, dropped, runs = p.drops.end()
		}
		p.q = append(p.q, outItem{m: m})
		wake := p.idle
		p.idle = false
		p.mu.Unlock()
		if wake {
			p.signal()
		}
		if ended {
			// A subscriber at the edge of its high-water mark goes in and
			// out of it many times a second: runs not logged (at most one
			// pair of lines per logInterval) are counted here.
			c.log.Warn("zmq: subscriber caught up", "remote", p.remote, "dropped", dropped, "runs", runs)
		}
	}
	if full > 0 {
		c.dropped.Add(int64(full))
		c.stats.drop(DropSubscriberFull, full)
	}
	return nil
}

// sendXSub sends a subscription (\x01topic) or cancellation (\x00topic),
// remembered for reconnects, or any other message, to every peer.
func (c *core) sendXSub(m Msg) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if len(m) == 1 && len(m[0]) > 0 && m[0][0] <= 1 {
		t := string(m[0][1:])
		c.subMu.Lock()
		send := c.ownSub(m[0][0] == 1, t)
		c.subMu.Unlock()
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

// sendReply sends a REP's reply with the envelope of the request.
func (c *core) sendReply(m Msg) error {
	c.rmu.Lock()
	if !c.repBusy {
		c.rmu.Unlock()
		return fmt.Errorf("%w: REP must receive a request before replying", ErrState)
	}
	p, env := c.repPeer, c.repEnv
	c.repBusy, c.repPeer, c.repEnv = false, nil, nil
	c.rmu.Unlock()
	select {
	case <-c.closing:
		return ErrClosed
	default:
	}
	r := make(Msg, 0, len(env)+len(m))
	r = append(r, env...)
	r = append(r, m...)
	if !p.sendDirect(r, c.o.sendHWM) {
		c.dropped.Add(1)
		c.stats.drop(replyDrop(p), 1)
		c.replyDropped(p, "zmq: REP dropping replies: requester gone or at its high-water mark")
	} else if c.replyDrops.on.Load() {
		c.replyDelivered("zmq: REP delivering replies again")
	}
	return nil
}

// subscribe changes a SUB or XSUB socket's subscriptions and tells every peer.
func (c *core) subscribe(on bool, prefix string) error {
	if c.typ != SUB && c.typ != XSUB {
		return ErrNotSupported
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.subMu.Lock()
	send := c.ownSub(on, prefix)
	c.subMu.Unlock()
	if send {
		for _, p := range c.peers {
			p.enqueueCtl(outItem{m: Msg{subscription(on, prefix)}})
		}
	}
	return nil
}

// next returns the next received message, taking the peers that have
// messages in turn. With block false it returns ok=false at once when
// there is none.
func (c *core) next(ctx context.Context, block bool) (inMsg, bool, error) {
	w := waiter{d: c.o.recvTimeout}
	defer w.stop()
	c.rmu.Lock()
	for {
		if c.in.fresh.Load() {
			c.pull()
		}
		if len(c.ring) > 0 {
			if c.ri >= len(c.ring) {
				c.ri = 0
			}
			p := c.ring[c.ri]
			im := p.local[p.li]
			p.local[p.li] = inMsg{}
			p.li++
			if p.li < len(p.local) || c.refill(p) {
				c.ri++
			} else {
				// Nothing more from p for now (refill took it out of the
				// ring): the peer after it is next.
				c.ring = slices.Delete(c.ring, c.ri, c.ri+1)
			}
			c.rmu.Unlock()
			return im, true, nil
		}
		select {
		case <-c.closing:
			c.rmu.Unlock()
			return inMsg{}, false, ErrClosed
		default:
		}
		q := &c.in
		q.mu.Lock()
		if len(q.active) > 0 {
			q.mu.Unlock()
			c.pull()
			continue
		}
		if !block {
			q.mu.Unlock()
			c.rmu.Unlock()
			return inMsg{}, false, nil
		}
		ready := q.ready.wait()
		q.mu.Unlock()
		c.rmu.Unlock()
		select {
		case <-ready:
		case <-ctx.Done():
			return inMsg{}, false, ctx.Err()
		case <-w.c():
			return inMsg{}, false, ErrTimeout
		case <-c.closing:
			return inMsg{}, false, ErrClosed
		}
		c.rmu.Lock()
	}
}

// pull moves the peers listed in c.in.active into the receiver's ring
// (after those already in it), each with a local batch. c.rmu is held.
func (c *core) pull() {
	q := &c.in
	q.mu.Lock()
	for i, p := range q.active {
		q.active[i] = nil
		p.listed = false
		if p.inRing || len(p.inq) == 0 {
			continue // a ring peer refills itself; an empty one was refilled
		}
		p.local, p.inq = p.inq, p.local[:0]
		p.li = 0
		p.inSpace.fire()
		p.inRing = true
		c.ring = append(c.ring, p)
	}
	q.active = q.active[:0]
	q.fresh.Store(false)
	q.mu.Unlock()
}

// refill replaces ring peer p's used-up local batch with its queue, and
// reports whether there was anything in it; if not, p leaves the ring and
// its reader will list it again. c.rmu is held.
func (c *core) refill(p *peer) bool {
	q := &c.in
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(p.inq) == 0 {
		p.inRing = false
		return false
	}
	p.local, p.inq = p.inq, p.local[:0]
	p.li = 0
	p.inSpace.fire()
	return true
}

// hasInput reports whether Recv would return a message at once.
func (c *core) hasInput() bool {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if len(c.ring) > 0 {
		return true
	}
	c.in.mu.Lock()
	defer c.in.mu.Unlock()
	return c.in.queuedLocked()
}

// queuedLocked reports whether a listed peer has messages queued (ring
// peers aside). c.in.mu is held.
func (q *inQueue) queuedLocked() bool {
	for _, p := range q.active {
		if len(p.inq) > 0 {
			return true
		}
	}
	return false
}

func (c *core) recv(ctx context.Context) (Msg, error) {
	switch c.typ {
	case PUSH, PUB:
		return nil, ErrNotSupported
	case REQ:
		c.mu.Lock()
		idle := c.reqState == reqIdle
		c.mu.Unlock()
		if idle {
			return nil, fmt.Errorf("%w: REQ must send a request before receiving", ErrState)
		}
	case REP:
		c.rmu.Lock()
		busy := c.repBusy
		c.rmu.Unlock()
		if busy {
			return nil, fmt.Errorf("%w: REP must reply before receiving the next request", ErrState)
		}
	}
	if err := c.valid(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for {
		im, _, err := c.next(ctx, true)
		if err != nil {
			return nil, err
		}
		switch c.typ {
		case REQ:
			c.mu.Lock()
			c.reqState = reqIdle
			c.reqLast, c.reqPipe = c.reqPipe, nil
			c.stats.observeRTT(time.Since(c.reqSent))
			c.mu.Unlock()
		case REP:
			// The envelope is every frame up to the first empty one; a
			// request without it is malformed and dropped, as libzmq does.
			i := 0
			for i < len(im.m) && len(im.m[i]) != 0 {
				i++
			}
			if i == len(im.m) {
				c.stats.drop(DropUndecodable, 1)
				continue
			}
			c.rmu.Lock()
			c.repPeer, c.repEnv, c.repBusy = im.p, im.m[:i+1:i+1], true
			c.rmu.Unlock()
			return im.m[i+1:], nil
		}
		return im.m, nil
	}
}

// forget undoes what the last Recv did to a REQ's or REP's state, for a
// message the application could not use (RecvValue's message that does not
// decode). A REP that has not replied forgets the request and its envelope
// and can receive the next request: the requester gets no reply, as if the
// request had been lost, and its timeout or retry policy applies. A REQ
// whose reply was taken waits again for a reply from the peer it asked,
// as if that reply had not come: its receive timeout, or the Requester's
// retry policy, applies. For other types forget does nothing.
func (c *core) forget() {
	switch c.typ {
	case REP:
		c.rmu.Lock()
		c.repBusy, c.repPeer, c.repEnv = false, nil, nil
		c.rmu.Unlock()
	case REQ:
		c.mu.Lock()
		if c.reqState == reqIdle && c.reqLast != nil {
			c.reqPipe, c.reqLast = c.reqLast, nil
			c.reqState = reqWaiting
		}
		c.mu.Unlock()
	}
}

// logHandshakeFailure logs a failed handshake of an accepted connection.
// A peer that hangs up or resets before finishing the handshake (a port
// check, a Kubernetes tcpSocket probe) is logged at Debug; a refused PLAIN
// or CURVE client was logged by the mechanism; other failures are warnings, at most
// one per logInterval, with the number not logged.
func (c *core) logHandshakeFailure(addr, remote string, err error) {
	args := []any{"endpoint", addr, "remote", remote, "err", err}
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		c.log.Debug("zmq: handshake failed", args...)
	case errors.Is(err, errPlainRefused) || errors.Is(err, errCurveRefused):
		// The mechanism logged the refusal, once.
	default:
		ok, hidden := c.hsFails.note()
		if !ok {
			c.log.Debug("zmq: handshake failed", args...)
			return
		}
		if hidden > 0 {
			args = append(args, "not_logged", hidden)
		}
		c.log.Warn("zmq: handshake failed", args...)
	}
}

// replyDropRun is a ROUTER's or REP's run of dropped replies (see dropRun),
// for the whole socket: a peer that never reads, or many that come and
// go, make one pair of lines per logInterval at most.
type replyDropRun struct {
	on  atomic.Bool // a run is going on: a delivery must end it
	mu  sync.Mutex
	run dropRun
}

// replyDropped logs the start of a run of dropped replies.
func (c *core) replyDropped(p *peer, msg string) {
	r := &c.replyDrops
	r.mu.Lock()
	start := r.run.drop()
	r.on.Store(true)
	r.mu.Unlock()
	if start {
		c.log.Warn(msg, "remote", p.remote)
	}
}

// replyDelivered ends a run of dropped replies, logging it with its count.
func (c *core) replyDelivered(msg string) {
	r := &c.replyDrops
	r.mu.Lock()
	log, dropped, runs := r.run.end()
	r.on.Store(false)
	r.mu.Unlock()
	if log {
		c.log.Warn(msg, "dropped", dropped, "runs", runs)
	}
}

func (c *core) addresses() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.addrs...)
}

// close stops the socket: listeners and dials first, then each peer's
// writer gets up to the linger time to write what is queued, then every
// connection is closed and every goroutine waited for.
func (c *core) close() error {
	c.mu.Lock()
	if c.closed || c.draining {
		c.mu.Unlock()
		<-c.closeDone
		return nil
	}
	c.draining = true
	c.mu.Unlock()
	linger := c.o.linger
	deadline := time.Now().Add(linger)
	if linger > 0 {
		c.drainHeld(deadline)
	}

	c.mu.Lock()
	c.closed = true
	peers := append([]*peer(nil), c.peers...)
	listeners := c.listeners
	c.space.fire()
	for conn := range c.pending {
		conn.Close()
	}
	c.mu.Unlock()

	close(c.closing)
	c.cancel()
	for _, l := range listeners {
		l.Close()
	}
	for _, p := range peers {
		p.mu.Lock()
		p.linger = true
		p.mu.Unlock()
		p.signal()
	}
	if left := time.Until(deadline); linger > 0 && left > 0 {
		t := time.NewTimer(left)
	wait:
		for _, p := range peers {
			select {
			case <-p.writerDone:
			case <-p.done:
			case <-t.C:
				break wait
			}
		}
		t.Stop()
	}
	for _, p := range peers {
		p.fail(ErrClosed)
	}
	c.wg.Wait()
	// Drop what was received and not taken, and the peers it pins.
	c.rmu.Lock()
	c.in.mu.Lock()
	for _, p := range c.ring {
		p.local, p.li, p.inq = nil, 0, nil
	}
	for _, p := range c.in.active {
		p.local, p.li, p.inq = nil, 0, nil
	}
	c.ring, c.in.active = nil, nil
	c.in.mu.Unlock()
	c.rmu.Unlock()
	c.closedObserved()
	close(c.closeDone)
	return nil
}

// drainHeld is the first part of a lingering Close: while connect
// endpoints hold messages for a connection still to come, it waits (until
// deadline) for them to connect and take those messages, as libzmq's
// linger covers messages for peers not yet connected. Dials, accepts and
// handshakes go on meanwhile; sendRR refuses new messages.
func (c *core) drainHeld(deadline time.Time) {
	var t *time.Timer
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	for {
		c.mu.Lock()
		waiting := false
		for _, pl := range c.pipes {
			if len(pl.held) > 0 {
				waiting = true
				break
			}
		}
		if !waiting {
			c.mu.Unlock()
			return
		}
		w := c.space.wait()
		c.mu.Unlock()
		if t == nil {
			left := time.Until(deadline)
			if left <= 0 {
				return
			}
			t = time.NewTimer(left)
		}
		select {
		case <-w:
		case <-t.C:
			return
		}
	}
}

// queuedOut is the number of messages queued for peers, and for connect
// endpoints waiting for a connection (for tests and logs).
func (c *core) queuedOut() int {
	c.mu.Lock()
	peers := append([]*peer(nil), c.peers...)
	n := 0
	for _, pl := range c.pipes {
		n += len(pl.held)
	}
	c.mu.Unlock()
	for _, p := range peers {
		n += p.queued()
	}
	return n
}

// queuedIn is the number of received messages not yet returned by Recv.
func (c *core) queuedIn() int {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.in.mu.Lock()
	defer c.in.mu.Unlock()
	n := 0
	for _, p := range c.ring {
		n += len(p.local) - p.li + len(p.inq)
	}
	for _, p := range c.in.active {
		if !p.inRing {
			n += len(p.inq)
		}
	}
	return n
}

// peerCount is the number of connected peers.
func (c *core) peerCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.peers)
}
