package runtime

// The socket engine and its lifecycle: binding and accepting, dialling
// and redialling, the handshake, attaching and detaching peers, and Close
// with its linger; what a socket does with messages is its routing
// (types.go). Lock order: engine.mu, then xsub.mu (sub.go), then peer.mu, then
// inQueue.mu; engine.rmu (the receive side) is never held while taking
// engine.mu.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// engine runs a socket: the lifecycle's state, the incoming side every
// type shares (fq), and the socket type's routing, chosen once by
// newRouting (types.go).
type engine struct {
	typ     Type
	routing routing // what the socket type does with messages (types.go)
	lb      *lb     // the load-balancer of PUSH, DEALER, REQ and PAIR; nil for other types
	o       *options
	log     *slog.Logger

	closing   chan struct{} // closed when Close starts
	closeDone chan struct{} // closed when Close has finished
	dialCtx   context.Context
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	// Guarded by mu (and so is the routing's state unless it says
	// otherwise).
	mu     sync.Mutex
	closed bool
	// pubDrops counts a PUB's or XPUB's messages dropped for subscribers
	// at their high-water mark, not yet added to stats: an atomic add per
	// message published was a fifth of a flooding PUB's sendPub (issue 18).
	// Stats snapshots add it, holding mu; removeEngine folds it in.
	pubDrops  uint64
	draining  bool // Close started: it waits for held messages to go out
	peers     []*peer
	listeners []net.Listener
	addrs     []string
	pending   map[net.Conn]struct{} // connections in their handshake
	space     broadcaster           // a peer gained room or joined

	badMsgs    logLimiter   // RecvValue's messages that do not decode
	hsFails    logLimiter   // failed handshakes of accepted connections
	badFrames  logLimiter   // peers dropped for a frame too large or a CURVE frame refused
	replyDrops replyDropRun // ROUTER, REP: replies dropped

	refused atomic.Int64 // connections refused (PAIR busy, duplicate identity)
	dropped atomic.Int64 // ROUTER, REP: messages dropped for full or unknown peers (a PUB's are in stats only)

	observed // counters and events (metrics.go, events.go)

	hb heartbeats // ZMTP heartbeats of all the peers (heartbeat.go)

	fq // the incoming side, fair-queued (fq.go)
}

func newEngine(s *Socket) *engine {
	c := &engine{
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
	c.routing = newRouting(c)
	return c
}

func (c *engine) isClosing() bool {
	select {
	case <-c.closing:
		return true
	default:
		return false
	}
}

// spawn runs f in a goroutine that Close waits for.
func (c *engine) spawn(f func()) {
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		f()
	}()
}

func (c *engine) valid() error {
	if c.typ.zmtp() == "" {
		return fmt.Errorf("zmq: invalid socket type %d", int(c.typ))
	}
	return nil
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

// endpoint parses ep for Bind or Connect, on a socket of a valid type.
func (c *engine) endpoint(ep string) (endpoint, error) {
	if err := c.valid(); err != nil {
		return endpoint{}, err
	}
	return parseEndpoint(ep)
}

// bind listens on ep and accepts connections until Close.
func (c *engine) bind(ep string) error {
	e, err := c.endpoint(ep)
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

func (c *engine) acceptLoop(l net.Listener, addr string) {
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
func (c *engine) connect(ep string) error {
	e, err := c.endpoint(ep)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if c.connectAll(e) {
		return nil // one connect loop per address of the name (dialall.go)
	}
	l := c.connectLink(ep)
	c.spawn(func() { c.connectLoop(e, l, nil) })
	return nil
}

// connectLink returns the counters of a new connect endpoint, labelled
// label, with its pipe for socket types that send round-robin. c.mu is
// held.
func (c *engine) connectLink(label string) *link {
	l := c.newLink(label, true)
	if c.lb != nil {
		l.pipe = c.lb.connectPipe()
	}
	return l
}

// connectLoop dials e until Close; l is the endpoint's counters and pipe
// (connectLink), m the address of a connect-to-all endpoint's name that e
// is, which stops it too (nil for a plain endpoint).
func (c *engine) connectLoop(e endpoint, l *link, m *member) {
	b := c.o.reconnect
	if b.Initial <= 0 {
		b.Initial = defaultReconnect
	}
	wait := b.Initial
	failures := 0
	for {
		conn, err := dial(m.dialCtx(c), e)
		if err == nil {
			var p *peer
			p, err = c.handshake(conn, false, e.String())
			if err == nil {
				p.pipe, p.link = l.pipe, l
				wait = b.Initial
				failures = 0
				c.log.Debug("zmq: connected", "endpoint", e.String())
				m.serve(p, func() {
					if c.runPeer(p, e.String()) {
						c.log.Debug("zmq: disconnected", "endpoint", e.String(), "reason", p.failErr)
					}
				})
			} else if !c.isClosing() && !m.stopped() {
				c.handshakeFailed(e.String(), remoteAddr(conn), err)
			}
		}
		if c.isClosing() || m.stopped() {
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
		case <-m.stop():
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
func (c *engine) handshake(conn net.Conn, server bool, ep string) (*peer, error) {
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
func (c *engine) runPeer(p *peer, ep string) bool {
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
	// A peer that sends what it must not redials and does it again:
	// one line per logInterval, with the number not logged.
	if errors.Is(err, errTooBig) {
		c.badFrames.warn(c.log, "zmq: disconnecting peer: message too large", "remote", p.remote, "err", err)
	} else if errors.Is(err, errCurveCrypto) || errors.Is(err, errCurveNonce) {
		c.badFrames.warn(c.log, "zmq: disconnecting peer: CURVE frame refused", "remote", p.remote, "err", err)
	}
	p.fail(err)
	c.detach(p)
	<-p.writerDone
	c.lost(ep, p)
	return true
}

// heartbeatHook, when set (by heartbeat.go), starts heartbeats on a new
// peer of a socket configured WithHeartbeat. It must not block; its
// goroutines must be started with p.c.spawn and end when the socket closes.
var heartbeatHook func(p *peer)

// attach adds a peer that finished its handshake.
func (c *engine) attach(p *peer) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if err := c.routing.attach(p); err != nil {
		return err
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
func (c *engine) detach(p *peer) {
	c.mu.Lock()
	p.mu.Lock()
	p.dead = true
	q := p.q
	p.q = nil
	p.mu.Unlock()
	c.detachLink(p, q)
	after := c.routing.detach(p, q)
	for i, x := range c.peers {
		if x == p {
			c.peers = append(c.peers[:i], c.peers[i+1:]...)
			break
		}
	}
	c.mu.Unlock()
	if after != nil {
		after()
	}
}

func (c *engine) fireSpace() {
	c.mu.Lock()
	c.space.fire()
	c.mu.Unlock()
}

// logHandshakeFailure logs a failed handshake of an accepted connection.
// A peer that hangs up or resets before finishing the handshake (a port
// check, a Kubernetes tcpSocket probe) is logged at Debug; a refused PLAIN
// or CURVE client was logged by the mechanism; other failures are warnings, at most
// one per logInterval, with the number not logged.
func (c *engine) logHandshakeFailure(addr, remote string, err error) {
	args := []any{"endpoint", addr, "remote", remote, "err", err}
	switch {
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET):
		c.log.Debug("zmq: handshake failed", args...)
	case errors.Is(err, errPlainRefused) || errors.Is(err, errCurveRefused):
		// The mechanism logged the refusal, once.
	default:
		c.hsFails.warn(c.log, "zmq: handshake failed", args...)
	}
}

func (c *engine) addresses() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.addrs...)
}

// close stops the socket: listeners and dials first, then each peer's
// writer gets up to the linger time to write what is queued, then every
// connection is closed and every goroutine waited for.
func (c *engine) close() error {
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
func (c *engine) drainHeld(deadline time.Time) {
	var t *time.Timer
	defer func() {
		if t != nil {
			t.Stop()
		}
	}()
	for {
		c.mu.Lock()
		if c.lb == nil || c.lb.held() == 0 {
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
func (c *engine) queuedOut() int {
	c.mu.Lock()
	peers := append([]*peer(nil), c.peers...)
	n := 0
	if c.lb != nil {
		n = c.lb.held()
	}
	c.mu.Unlock()
	for _, p := range peers {
		n += p.queued()
	}
	return n
}

// peerCount is the number of connected peers.
func (c *engine) peerCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.peers)
}
