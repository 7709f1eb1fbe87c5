package runtime

// The socket engine: its state and what each socket type does on send,
// receive and an incoming message. The lifecycle (bind, connect,
// handshake, attach, close) is engine.go's; the routing strategies are
// lb.go (load-balancing), fq.go (fair-queueing), router.go (identities),
// dist.go and sub.go (pub/sub), req.go and rep.go (request-reply state).

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
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
	badFrames  logLimiter   // peers dropped for a frame too large or a CURVE frame refused
	replyDrops replyDropRun // ROUTER, REP: replies dropped

	refused atomic.Int64 // connections refused (PAIR busy, duplicate identity)
	dropped atomic.Int64 // messages dropped for full or unknown peers

	observed // counters and events (metrics.go, events.go)

	hb heartbeats // ZMTP heartbeats of all the peers (heartbeat.go)

	subMu   sync.RWMutex
	subs    map[string]int // SUB, XSUB: own subscriptions, with counts
	subTrie topicTrie      // SUB, XSUB: the prefixes of subs
	// subSnap is a snapshot of subTrie (SUB, XSUB), which the readers
	// match every message against without a lock: a read lock per
	// message was a tenth of a SUB's CPU time (issue 18).
	subSnap atomic.Pointer[trieNode]

	// The incoming queue, shared by the readers and the receiver, has
	// cache lines of its own: the receiver's lock, taken for every
	// message, shared one with it, and every batch a reader delivered
	// cost the next Recv a cache miss (rmu's Lock and Unlock were ~12% of
	// a SUB's CPU time; issue 18). So do the readers' subSnap.
	_  [64]byte
	in inQueue
	_  [64]byte

	rmu     sync.Mutex // the receive side
	ring    []*peer    // peers with messages in their local batch, in turn
	ri      int        // the ring's next peer
	repPeer *peer      // REP: where the reply goes
	repEnv  [][]byte   // REP: the request's envelope
	repBusy bool       // REP: a request was received, the reply not yet sent
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
		c.subs = make(map[string]int, len(s.opts.subscribe))
		for _, t := range s.opts.subscribe {
			c.ownSub(true, t)
		}
		c.publishSubs()
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
		return c.subSnap.Load().match((*m)[0])
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
