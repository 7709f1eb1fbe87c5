package runtime

// This file is the contract between generated code and the runtime.
// Socket and Poller delegate to the engine (engine.go, types.go) and poller.go.

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"time"
)

// Type is a ZeroMQ socket type.
type Type int

// The socket types, in the language's order (dsl/model's SocketType),
// grouped by pattern.
const (
	PAIR Type = iota + 1
	REQ
	REP
	DEALER
	ROUTER
	PUB
	SUB
	XPUB
	XSUB
	PUSH
	PULL
)

// Msg is one ZeroMQ message: its frames, in order.
type Msg [][]byte

// Errors returned by sockets.
var (
	ErrClosed  = errors.New("zmq: socket closed")
	ErrNoReply = errors.New("zmq: no reply") // a Lazy Pirate request gave up
)

// An Option configures a socket at creation.
type Option func(*options)

type options struct {
	name        string
	logger      *slog.Logger
	sendHWM     int
	recvHWM     int
	linger      time.Duration
	identity    []byte
	maxMsgSize  int64
	maxFrames   int // < 0: no bound
	sendTimeout time.Duration
	recvTimeout time.Duration
	subscribe   []string
	reconnect   Backoff
	heartbeat   Heartbeat
	connectAll  time.Duration // > 0: connect to every address of a name, looked up this often (dialall.go)
	plainUser   string
	plainPass   string
	plainServer func(user, password string) bool
	contract    *Contract    // contract.go
	stats       *socketStats // a Requester's counters, shared by its sockets
	curve       *curveConfig
	auth        *authorizer
	refusals    *logLimiter // PLAIN and CURVE servers: refusals, for logs (newEngine sets it)
}

// WithName names the socket in logs and errors, conventionally "node.socket".
func WithName(name string) Option { return func(o *options) { o.name = name } }

// WithLogger sets the logger for connects, disconnects, retries and drops.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithSendHWM sets the high-water mark of each peer's outgoing queue
// (default 1000 messages; 0 means no limit).
func WithSendHWM(n int) Option { return func(o *options) { o.sendHWM = n } }

// WithRecvHWM sets the high-water mark of each peer's incoming queue
// (default 1000).
func WithRecvHWM(n int) Option { return func(o *options) { o.recvHWM = n } }

// WithLinger sets how long Close waits to flush pending messages.
func WithLinger(d time.Duration) Option { return func(o *options) { o.linger = d } }

// WithIdentity sets the routing identity the socket announces to ROUTER peers.
func WithIdentity(id []byte) Option { return func(o *options) { o.identity = id } }

// WithMaxMsgSize sets the largest message accepted from a peer, in bytes;
// a peer announcing a larger frame is disconnected.
func WithMaxMsgSize(n int64) Option { return func(o *options) { o.maxMsgSize = n } }

// WithMaxFrames sets the most frames a message from a peer may have (1024
// by default; a negative n sets no bound); a peer sending a message with
// more is disconnected at the first frame too many. libzmq has no such
// bound: a message of empty frames costs it, as it would cost us, about 30
// times the bytes sent.
func WithMaxFrames(n int) Option { return func(o *options) { o.maxFrames = n } }

// WithSendTimeout bounds how long Send waits when no peer can take a message.
func WithSendTimeout(d time.Duration) Option { return func(o *options) { o.sendTimeout = d } }

// WithRecvTimeout bounds how long Recv waits for a message.
func WithRecvTimeout(d time.Duration) Option { return func(o *options) { o.recvTimeout = d } }

// WithSubscribe subscribes a SUB socket to each prefix ("" is everything).
func WithSubscribe(prefixes ...string) Option {
	return func(o *options) { o.subscribe = append(o.subscribe, prefixes...) }
}

// Backoff is a reconnect backoff: the first wait after a lost or refused
// connection is Initial, doubling on each failure up to Max.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

// WithReconnect sets the reconnect backoff (default 100ms, no doubling, as libzmq).
func WithReconnect(b Backoff) Option { return func(o *options) { o.reconnect = b } }

// Heartbeat is a ZMTP heartbeat policy: a PING every Interval; a peer not
// heard from in Liveness intervals after a PING is disconnected (and
// reconnected, if this side connected).
type Heartbeat struct {
	Interval time.Duration
	Liveness int
}

// WithHeartbeat turns on ZMTP heartbeats.
func WithHeartbeat(h Heartbeat) Option { return func(o *options) { o.heartbeat = h } }

// DefaultConnectAllInterval is how often a socket WithConnectAll looks its
// names up when the interval given is not positive: one DNS query a
// second per name costs a cluster's DNS server nothing, and a replica
// added to a headless Service is met about a second after its name says
// so (behind a DNS cache, after the record's TTL: CoreDNS's kubernetes
// plugin gives 5 s by default). It is also connect_all's default interval
// in a .ztopo.
const DefaultConnectAllInterval = time.Second

// WithConnectAll makes each tcp endpoint the socket connects to by host
// name connect to every address the name resolves to, rather than to the
// first that answers (libzmq issue 2297: a headless Kubernetes Service of
// N replicas gives one connection there, N here). The socket looks each
// such name up again every interval (DefaultConnectAllInterval if it is
// not positive) and whenever one of its connections is lost; a new
// address gets a connection of its own, and the connection to an address
// the name no longer gives is closed once what was queued for it has
// gone out, within the linger time. An endpoint given by an IP address
// connects as without the option.
func WithConnectAll(interval time.Duration) Option {
	return func(o *options) {
		if interval <= 0 {
			interval = DefaultConnectAllInterval
		}
		o.connectAll = interval
	}
}

// ConnectAll is a node socket's connect_all policy (WithConnectAll):
// whether it is on, and how often the names are looked up.
type ConnectAll struct {
	On       bool
	Interval time.Duration
}

// WithPlainClient makes the socket authenticate with ZMTP PLAIN.
func WithPlainClient(user, password string) Option {
	return func(o *options) { o.plainUser, o.plainPass = user, password }
}

// WithPlainServer makes the socket a PLAIN server that accepts a peer only
// when check returns true.
func WithPlainServer(check func(user, password string) bool) Option {
	return func(o *options) { o.plainServer = check }
}

// WithCurveServer makes the socket a CURVE server (ZMQ_CURVE_SERVER) with
// the long-term key pair kp, whether it binds or connects. It admits any
// client key unless WithAllowKeys restricts them.
func WithCurveServer(kp CurveKeyPair) Option {
	return func(o *options) { o.curve = &curveConfig{server: true, kp: kp} }
}

// WithCurveClient makes the socket a CURVE client with the long-term key
// pair kp that talks only to the server whose public key is server.
func WithCurveClient(kp CurveKeyPair, server CurvePublicKey) Option {
	return func(o *options) { o.curve = &curveConfig{kp: kp, serverKey: server} }
}

// WithAllowKeys makes a CURVE server admit only clients with one of keys
// (see LoadCurveAllowDir for a directory of certificates). A refused
// client gets an ERROR "400", which libzmq reports as an authentication
// failure, and the refusal is logged with the client's public key.
// Without this option a CURVE server admits any client key.
func WithAllowKeys(keys ...CurvePublicKey) Option {
	return func(o *options) {
		a := o.authorizer()
		if a.keys == nil {
			a.keys = make(map[CurvePublicKey]struct{}, len(keys))
		}
		for _, k := range keys {
			a.keys[k] = struct{}{}
		}
	}
}

// WithAllowAddrs makes a CURVE or PLAIN server, or a NULL socket's bound
// endpoints, admit only peers whose source address is in one of prefixes
// (e.g. netip.MustParsePrefix("10.0.0.0/8")). A refused peer gets an ERROR
// "400" and the refusal is logged.
func WithAllowAddrs(prefixes ...netip.Prefix) Option {
	return func(o *options) {
		a := o.authorizer()
		a.addrs = append(a.addrs, prefixes...)
	}
}

func (o *options) authorizer() *authorizer {
	if o.auth == nil {
		o.auth = &authorizer{}
	} else {
		// Options are applied to a copy of the defaults per socket, but
		// the authorizer is a pointer: copy it before changing it.
		c := *o.auth
		c.keys = maps.Clone(c.keys)
		c.addrs = slices.Clone(c.addrs)
		o.auth = &c
	}
	return o.auth
}

// Socket is a ZeroMQ socket. It is safe for use by several goroutines.
type Socket struct {
	typ  Type
	opts options
	c    *engine // engine.go
}

// NewSocket returns a socket of type typ with no endpoints.
func NewSocket(typ Type, opts ...Option) *Socket {
	s := &Socket{typ: typ, opts: defaultOptions()}
	for _, o := range opts {
		o(&s.opts)
	}
	s.c = newEngine(s)
	return s
}

// Type returns the socket's type.
func (s *Socket) Type() Type { return s.typ }

// Name returns the name given by WithName.
func (s *Socket) Name() string { return s.opts.name }

// Bind listens on endpoint (tcp://host:port, tcp://*:port, tcp://[::1]:port,
// ipc://path, inproc://name). Port 0 picks a free port; Addrs reports it.
func (s *Socket) Bind(endpoint string) error { return s.c.bind(endpoint) }

// Connect connects to endpoint, now or, if nothing listens there yet,
// later: it retries with the reconnect backoff until Close.
func (s *Socket) Connect(endpoint string) error { return s.c.connect(endpoint) }

// Addrs returns the addresses the socket is bound to, with real ports.
func (s *Socket) Addrs() []string { return s.c.addresses() }

// Send sends m according to the socket type's routing. It waits while no
// peer can take it, until ctx is done or the send timeout passes. The
// socket keeps m's frames until they are written: do not modify them
// after Send.
func (s *Socket) Send(ctx context.Context, m Msg) error { return s.c.send(ctx, m) }

// Recv returns the next message, waiting until ctx is done or the receive
// timeout passes. ROUTER prepends the sender's identity frame; REQ and REP
// strip and keep the envelope as libzmq does.
func (s *Socket) Recv(ctx context.Context) (Msg, error) { return s.c.recv(ctx) }

// Subscribe adds a prefix filter to a SUB socket.
func (s *Socket) Subscribe(prefix string) error { return s.c.subscribe(true, prefix) }

// Unsubscribe removes a prefix filter from a SUB socket.
func (s *Socket) Unsubscribe(prefix string) error { return s.c.subscribe(false, prefix) }

// Close flushes pending messages for up to the linger time, closes every
// connection and listener, and stops every goroutine of the socket.
func (s *Socket) Close() error { return s.c.close() }

// Poller waits on several sockets at once, as zmq_poll does for POLLIN.
type Poller struct{ socks []*Socket }

// NewPoller returns a poller over socks.
func NewPoller(socks ...*Socket) *Poller { return &Poller{socks: socks} }

// Poll waits until at least one socket has a message to receive, or ctx is
// done, and returns the indexes (into the NewPoller arguments) of every
// socket that has one, in increasing order.
func (p *Poller) Poll(ctx context.Context) ([]int, error) { return p.poll(ctx) } // poller.go

// Codecs: generated message types implement Marshaler and Unmarshaler.

// Marshaler is a value that encodes itself as a message.
type Marshaler interface{ MarshalZMQ() (Msg, error) }

// Unmarshaler is a value that decodes itself from a message.
type Unmarshaler interface{ UnmarshalZMQ(Msg) error }

// SendValue encodes v and sends it.
func SendValue(ctx context.Context, s *Socket, v Marshaler) error {
	m, err := v.MarshalZMQ()
	if err != nil {
		return err
	}
	return s.Send(ctx, m)
}

// RecvValue receives a message and decodes it into a T. A message that
// does not decode is logged with the socket's name and dropped, and
// RecvValue waits for the next one: on a REP, the request is forgotten
// with its envelope (the requester gets no reply, as with a lost request,
// and the REP can receive the next one); on a REQ, the reply counts as no
// reply, and the REQ waits on for one from the peer it asked (until its
// receive timeout or ctx).
func RecvValue[T any, PT interface {
	*T
	Unmarshaler
}](ctx context.Context, s *Socket) (T, error) {
	return recvValue[T, PT](ctx, s) // codec.go
}

// Retry is a Lazy Pirate policy for a REQ socket: wait Timeout for a reply;
// make Tries tries in all; with Reopen, close the socket and open a new
// one before each new try (libzmq's REQ cannot resend otherwise). Without
// Reopen, tries are resent on one socket with a request-id frame the server
// echoes in the envelope, as libzmq's ZMQ_REQ_RELAXED and ZMQ_REQ_CORRELATE
// do (REP servers echo it; see requester.go).
type Retry struct {
	Timeout time.Duration
	Tries   int
	Reopen  bool
	// OnRetry, if not nil, is called after each try that timed out, with
	// the number of tries left (0 when the request is abandoned).
	OnRetry func(left int)
}

// Requester sends requests through a REQ socket with a Retry policy,
// connecting to every endpoint given.
type Requester struct{ requester } // requester.go

// NewRequester returns a Requester; opts configure each REQ socket it opens.
func NewRequester(endpoints []string, retry Retry, opts ...Option) (*Requester, error) {
	return newRequester(endpoints, retry, opts)
}

// Request sends req and returns the reply, applying the retry policy.
// It returns an error wrapping ErrNoReply when every try timed out.
func (r *Requester) Request(ctx context.Context, req Msg) (Msg, error) { return r.request(ctx, req) }

// Close closes the current socket.
func (r *Requester) Close() error { return r.close() }

// RequestValue encodes req, sends it with r and decodes the reply into a
// T. A reply that does not decode is logged and dropped and counts as no
// reply: the try waits on, and the retry policy applies.
func RequestValue[T any, PT interface {
	*T
	Unmarshaler
}](ctx context.Context, r *Requester, req Marshaler) (T, error) {
	return requestValue[T, PT](ctx, r, req) // codec.go
}
