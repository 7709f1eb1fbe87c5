package runtime

// The socket engine: its state and what each socket type does on send,
// receive and an incoming message. The lifecycle (bind, connect,
// handshake, attach, close) is engine.go's; the routing strategies are
// lb.go (load-balancing), fq.go (fair-queueing), router.go (identities),
// dist.go and sub.go (pub/sub), req.go and rep.go (request-reply state).

import (
	"context"
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

// core is a socket's engine: the lifecycle's state (engine.go), the
// incoming side every type shares (fq), and the socket type's routing,
// chosen once by newRouting (types.go).
type core struct {
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
	mu        sync.Mutex
	closed    bool
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
	dropped atomic.Int64 // messages dropped for full or unknown peers

	observed // counters and events (metrics.go, events.go)

	hb heartbeats // ZMTP heartbeats of all the peers (heartbeat.go)

	fq // the incoming side, fair-queued (fq.go)
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
	c.routing = newRouting(c)
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
	return c.routing.send(ctx, m)
}

func (c *core) recv(ctx context.Context) (Msg, error) {
	return c.routing.recv(ctx)
}

// forget undoes what the last Recv did to a REQ's or REP's state, for a
// message the application could not use (RecvValue's message that does not
// decode); see req.forget and rep.forget. For other types it does nothing.
func (c *core) forget() {
	if f, ok := c.routing.(interface{ forget() }); ok {
		f.forget()
	}
}
