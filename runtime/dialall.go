package runtime

// Connect to all: a connect endpoint given by a host name, on a socket
// WithConnectAll, connects to every address the name resolves to and
// keeps that set current. libzmq connects to one address of a name
// (libzmq issue 2297), so a headless Kubernetes Service of N replicas
// gets one connection from it; here it gets N, one pipe each, which the
// socket's strategy (load balancing, fair queueing, fan-out) spreads
// messages over as over any peers.
//
// One goroutine and one timer per such endpoint (not per address) look
// the name up every interval, and at once when one of its connections is
// lost: a replica that goes away usually takes its address with it. Each
// address is a member with a connect loop of its own (connectLoop, as a
// plain connect endpoint has) and, on a round-robin socket, a pipe of its
// own. An address that appears gets a member; a member whose address the
// name no longer gives stops dialling, leaves the socket's pipes at once
// (nothing new is routed to it) and keeps its connection until what was
// queued for it is written, within the linger time, as libzmq lingers on
// a pipe that zmq_disconnect ends.

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"time"
)

// errAddressGone ends the connection of an address its name no longer
// gives.
var errAddressGone = errors.New("zmq: the endpoint's name no longer resolves to this address")

// A dialGroup is a connect endpoint that connects to every address of its
// host name.
type dialGroup struct {
	c       *engine
	e       endpoint // as given: tcp://NAME:PORT
	host    string
	port    string
	kick    chan struct{} // a connection was lost: look the name up now
	members map[netip.Addr]*member
	// none stands for the endpoint while its name gives no address: a
	// connect endpoint with no connection, which readiness (Ready) and
	// the metrics report as such (engine.mu).
	none *link
}

// A member is one address of a dialGroup's name, with its connect loop.
type member struct {
	g      *dialGroup
	e      endpoint // tcp://ADDRESS:PORT
	ctx    context.Context
	cancel context.CancelFunc
	link   *link // with the pipe of round-robin sockets
}

// connectAll starts e's dialGroup if the socket connects to all and e is
// a tcp endpoint given by a host name, and reports whether it did (engine.mu
// held, by connect).
func (c *engine) connectAll(e endpoint) bool {
	if c.o.connectAll <= 0 || e.transport != "tcp" {
		return false
	}
	host, port, err := net.SplitHostPort(e.addr)
	if err != nil {
		return false
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return false // an address is its own only address
	}
	g := &dialGroup{c: c, e: e, host: host, port: port,
		kick: make(chan struct{}, 1), members: map[netip.Addr]*member{}}
	g.none = c.newLink(e.String(), true)
	c.spawn(g.run)
	return true
}

// lost asks for a lookup now: a member's connection ended.
func (g *dialGroup) lost() {
	select {
	case g.kick <- struct{}{}:
	default:
	}
}

// run looks the name up every interval and on lost connections, until
// the socket closes.
func (g *dialGroup) run() {
	c := g.c
	t := time.NewTimer(0)
	defer t.Stop()
	fails := 0
	for {
		select {
		case <-t.C:
		case <-g.kick:
			// (Reset below leaves no stale tick: Go 1.23's timers.)
		case <-c.closing:
			return
		}
		addrs, err := g.lookup()
		switch {
		case err == nil:
			fails = 0
			g.update(addrs)
		case isNotFound(err):
			// The name exists no more, or has no address now (a
			// headless Service with no replica): no member is left.
			fails = 0
			g.update(nil)
		default:
			// A DNS server that does not answer says nothing about the
			// replicas: keep the members until it does.
			if fails++; fails == 1 || fails%100 == 0 {
				c.log.Warn("zmq: looking up a connect endpoint's name failed; keeping its connections", "endpoint", g.e.String(), "err", err, "failures", fails)
			}
		}
		t.Reset(c.o.connectAll)
	}
}

// lookup returns the name's addresses, each once, sorted.
func (g *dialGroup) lookup() ([]netip.Addr, error) {
	r := resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ctx, cancel := context.WithTimeout(g.c.dialCtx, max(g.c.o.connectAll, 5*time.Second))
	defer cancel()
	addrs, err := r.LookupNetIP(ctx, "ip", g.host)
	if err != nil {
		return nil, err
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	slices.SortFunc(addrs, netip.Addr.Compare)
	return slices.Compact(addrs), nil
}

func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// update makes the members the addresses addrs.
func (g *dialGroup) update(addrs []netip.Addr) {
	c := g.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.draining {
		return
	}
	for a, m := range g.members {
		if !slices.Contains(addrs, a) {
			delete(g.members, a)
			g.remove(m)
		}
	}
	added := false
	for _, a := range addrs {
		if _, ok := g.members[a]; ok {
			continue
		}
		e := endpoint{transport: "tcp", addr: net.JoinHostPort(a.String(), g.port)}
		m := &member{g: g, e: e, link: c.connectLink(e.String())}
		m.ctx, m.cancel = context.WithCancel(c.dialCtx)
		g.members[a] = m
		c.log.Debug("zmq: connect endpoint's name gained an address", "endpoint", g.e.String(), "address", a.String())
		c.spawn(func() {
			c.connectLoop(e, m.link, m)
			if m.stopped() && !c.isClosing() {
				// The address left the name (remove): its counters go to
				// the totals. Close takes every link's itself.
				c.mu.Lock()
				c.dropLink(m.link)
				c.mu.Unlock()
			}
		})
		added = true
	}
	switch {
	case len(g.members) > 0 && g.none != nil:
		c.dropLink(g.none)
		g.none = nil
	case len(g.members) == 0 && g.none == nil:
		g.none = c.newLink(g.e.String(), true)
	}
	if added {
		c.space.fire()
	}
}

// remove ends member m, whose address the name no longer gives (engine.mu
// held): no message is routed to it any more; its connection, if it has
// one, is closed once its queue is written or the linger time is up.
func (g *dialGroup) remove(m *member) {
	c := g.c
	c.log.Debug("zmq: connect endpoint's name lost an address", "endpoint", g.e.String(), "address", m.e.String())
	m.cancel()
	if pl := m.link.pipe; pl != nil {
		c.lb.remove(pl)
		if n := len(pl.held); n > 0 {
			// Routed to the address while it had no connection: there
			// is nobody left to take them.
			c.stats.drop(DropDisconnected, n)
			clear(pl.held)
			pl.held = nil
		}
	}
}

// retire closes p, m's connection, once m's address has left the name:
// when p's writer has written what was queued for it, or after the
// linger time. p was attached (routed to) until then; whatever the socket
// routes to it from now on, it refuses.
func (m *member) retire(p *peer) {
	c := m.g.c
	if c.isClosing() {
		// Close cancelled m with the socket: it lingers on every peer
		// and ends them itself.
		return
	}
	p.mu.Lock()
	p.linger = true
	p.mu.Unlock()
	p.signal()
	t := time.NewTimer(c.o.linger)
	defer t.Stop()
	select {
	case <-p.writerDone:
	case <-p.done:
	case <-t.C:
	case <-c.closing:
		return // likewise
	}
	p.fail(errAddressGone)
}

// The hooks of connectLoop, which runs a member's connections as it runs a
// plain connect endpoint's; m is nil for a plain one.

// dialCtx is the context of m's dials: cancelled when the address leaves
// the name, or the socket closes.
func (m *member) dialCtx(c *engine) context.Context {
	if m == nil {
		return c.dialCtx
	}
	return m.ctx
}

// stop is closed when m's address leaves the name (nil, never closed, for
// a plain endpoint).
func (m *member) stop() <-chan struct{} {
	if m == nil {
		return nil
	}
	return m.ctx.Done()
}

// serve runs p, m's new connection, with run (runPeer): if the address
// leaves the name meanwhile (or has just left it), p is retired; when p's
// connection ends, the name is looked up at once.
func (m *member) serve(p *peer, run func()) {
	if m == nil {
		run()
		return
	}
	stop := context.AfterFunc(m.ctx, func() { m.retire(p) })
	run()
	stop()
	if !m.stopped() {
		m.g.lost()
	}
}

// stopped reports whether m's address left its name (m nil: a plain
// connect endpoint, which stops only with the socket).
func (m *member) stopped() bool { return m != nil && m.ctx.Err() != nil }
