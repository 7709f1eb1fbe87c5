package runtime

// Node programs: what every generated main does, once, here.
//
// A generated node program is tables and types: its Program (who it is,
// its flags, its sockets) and a Node type with a typed handle per socket.
// Main does the rest: it parses the command line and the environment,
// sets up logging, opens the sockets, makes the handler and runs its
// tasks until they are done or the process is signalled.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"sync"
	"syscall"
)

// A Program is what a generated node program tells the runtime about
// itself: its names, its flags and its sockets.
type Program struct {
	// Topology and Node name the program, as the .ztopo does.
	Topology, Node string
	// Source is the .ztopo file, as -h names it.
	Source string
	// Replicas is how many processes run the node; with more than one,
	// -replica says which one this is.
	Replicas int
	// EnvPrefix starts the environment variables of the runtime's own
	// flags: "SERVER1_" gives $SERVER1_LOG_LEVEL.
	EnvPrefix string
	// Flags are the node's own flags, in the order -h lists them: its
	// sockets', then its parameters'. The runtime's own flags follow.
	Flags []Flag
	// Sockets are the node's sockets, in the order they open.
	Sockets []*SocketConfig
}

// A SocketConfig is how a node opens one of its sockets: the .ztopo's
// settings, which the node's flags and environment variables override.
type SocketConfig struct {
	// Name is the socket's name in the .ztopo; in logs the socket is
	// "node.name".
	Name string
	Type Type
	// Bind and Connect are the endpoints the socket binds and connects to.
	Bind, Connect []string
	// Identity is the routing identity the socket gives its peers, if
	// not empty.
	Identity string
	// Subscribe are the prefix filters of a SUB socket.
	Subscribe []string
	// Retry, when its Tries is not 0, makes the socket, a REQ, a
	// Requester with that policy, which connects to Connect.
	Retry Retry
	// Reconnect and Heartbeat, when not zero, are the socket's policies.
	Reconnect Backoff
	Heartbeat Heartbeat
	// ConnectAll, when On, connects each endpoint given by a host name to
	// every address the name resolves to (WithConnectAll).
	ConnectAll ConnectAll
	// Options are the .ztopo's options that no flag changes, such as
	// high-water marks and linger.
	Options []Option
	// Curve, when not nil, secures the socket with CURVE; the keys come
	// from the directory the -keys flag names (nodekeys.go).
	Curve *CurveSocket
}

// Settings are what the runtime's own flags say: the flags every node
// program has, whatever its .ztopo.
type Settings struct {
	// Replica says which of the node's replicas this process is, from 0.
	Replica int
	// Replicas is how many replicas run: the .ztopo's count unless
	// -replicas says otherwise (zmqgen up -replicas passes it to each).
	Replicas int
	// LogLevel is the level the program logs at.
	LogLevel slog.Level
	// Keys is the directory of CURVE certificates (-keys), for a node
	// with CURVE sockets.
	Keys string
	// KeysSecretEnv names the environment variable that may hold the
	// node's CURVE secret key (-keys.secret-env); when it is set, the key
	// pair comes from it rather than from the keys directory.
	KeysSecretEnv string
	// LogFormat is how the program logs: text (slog's key=value) or json.
	LogFormat string
	// MetricsAddr, if not empty, is where the program serves its metrics,
	// health and readiness over HTTP (ServeMetrics): host:port, port 0
	// picking one (logged as "metrics listening").
	MetricsAddr string

	verbose bool
	// secret is the node's CURVE key pair when KeysSecretEnv's variable
	// holds its secret key (Parse reads it).
	secret *CurveKeyPair
}

// ownFlags are the flags the runtime adds to every node program, after
// the node's own. A setting every node has, whatever its .ztopo, is a
// field of Settings and a flag here, and Main or Open reads the field;
// generated code does not change (zmqgen up learns the flag's name from
// CommonFlags).
func (p *Program) ownFlags(s *Settings) []Flag {
	var out []Flag
	if p.Replicas > 1 {
		s.Replicas = p.Replicas
		out = append(out,
			Flag{Name: "replica", Env: p.EnvPrefix + "REPLICA", Value: &s.Replica,
				Usage: "which replica this process is, from 0 to replicas-1"},
			Flag{Name: "replicas", Env: p.EnvPrefix + "REPLICAS", Value: &s.Replicas,
				Usage: "how many replicas of the node run"})
	}
	if p.hasCurve() {
		s.KeysSecretEnv = p.EnvPrefix + "CURVE_SECRET"
		out = append(out,
			Flag{Name: "keys", Env: p.EnvPrefix + "KEYS", Value: &s.Keys,
				Usage: "`directory` of CURVE certificates (zmqgen keys): " + p.Node + ".key_secret holds this node's key pair, NODE.key the others' public keys"},
			// The secret itself is never a flag: a command line is
			// visible to every user of the machine (ps).
			Flag{Name: "keys.secret-env", Value: &s.KeysSecretEnv,
				Usage: "the environment `variable` that holds this node's CURVE secret key (Z85, as in " + p.Node + ".key_secret); when it is set, the node's key pair comes from it, not from the keys directory"})
	}
	return append(out,
		Flag{Name: "log-level", Env: p.EnvPrefix + "LOG_LEVEL", Value: (*levelValue)(&s.LogLevel),
			Usage: "log at `level` and above: debug, info, warn or error"},
		Flag{Name: "v", Value: &s.verbose, Usage: "log debug messages too; the same as -log-level debug"},
		Flag{Name: "log-format", Env: p.EnvPrefix + "LOG_FORMAT", Value: &s.LogFormat,
			Usage: "log as `format`: text or json (one JSON object a line)"},
		Flag{Name: "metrics.addr", Env: p.EnvPrefix + "METRICS_ADDR", Value: &s.MetricsAddr,
			Usage: "serve Prometheus metrics on http://`host:port`/metrics, with /healthz and /readyz (port 0 picks one; empty: off)"},
	)
}

// CommonFlags returns the names of the flags the runtime adds to every
// node program with that many replicas, in order, without the dash.
func CommonFlags(replicas int) []string {
	p := &Program{Replicas: replicas}
	var names []string
	for _, f := range p.ownFlags(&Settings{}) {
		names = append(names, f.Name)
	}
	return names
}

// usage starts the -h text; the flags' descriptions follow.
func (p *Program) usage() string {
	return fmt.Sprintf("Usage: %[1]s [flags]\n\n"+
		"%[1]s runs the node %[1]s of the %[2]s topology (%[3]s).\n"+
		"Each flag can also be set by the environment variable named in its\n"+
		"description; a flag wins over its variable.\n%[4]s\nFlags:\n", p.Node, p.Topology, p.Source, contractUsage(p))
}

// Parse reads the command line args into the values p's flags point at,
// then, for each flag args did not set, its environment variable through
// lookupEnv, and returns what the runtime's own flags say. It writes
// errors and -h help to out; after -h it returns flag.ErrHelp.
func (p *Program) Parse(args []string, lookupEnv func(string) (string, bool), out io.Writer) (*Settings, error) {
	s := &Settings{LogFormat: "text"}
	flags := append(p.Flags[:len(p.Flags):len(p.Flags)], p.ownFlags(s)...)
	check := func() error {
		if s.LogFormat != "text" && s.LogFormat != "json" {
			return fmt.Errorf("-log-format %q: want text or json", s.LogFormat)
		}
		switch {
		case p.Replicas <= 1:
		case s.Replicas < 1:
			return fmt.Errorf("-replicas %d: want 1 or more", s.Replicas)
		case s.Replica < 0 || s.Replica >= s.Replicas:
			return fmt.Errorf("-replica %d: want 0 to %d (-replicas is %d)", s.Replica, s.Replicas-1, s.Replicas)
		}
		return s.readSecret(p, lookupEnv)
	}
	if err := parseFlags(p.Node, p.usage(), flags, args, lookupEnv, check, out); err != nil {
		return nil, err
	}
	if s.verbose {
		s.LogLevel = slog.LevelDebug
	}
	return s, nil
}

// levelValue is a slog.Level as a flag.Value.
type levelValue slog.Level

func (l *levelValue) String() string     { return (*slog.Level)(l).String() }
func (l *levelValue) Set(s string) error { return (*slog.Level)(l).UnmarshalText([]byte(s)) }

// Logger returns the logger of a node program: text (or JSON, with
// -log-format json) on standard error at s's level, each record naming the
// node and, if it has several, the replica.
func (p *Program) Logger(s *Settings, w io.Writer) *slog.Logger {
	var h slog.Handler = slog.NewTextHandler(w, &slog.HandlerOptions{Level: s.LogLevel})
	if s.LogFormat == "json" {
		h = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: s.LogLevel})
	}
	log := slog.New(h).With("node", p.Node)
	if p.Replicas > 1 {
		log = log.With("replica", s.Replica)
	}
	return log
}

// A NodeState is a node whose sockets are open: what a generated program
// makes its Node from.
type NodeState struct {
	// Replica says which of the node's replicas this process is, from 0,
	// and Replicas how many run (1 for a node without replicas).
	Replica, Replicas int
	// Logger is the node's logger.
	Logger *slog.Logger

	// socks are the open sockets, in the order of Program.Sockets.
	socks []openSocket
}

// An openSocket is one open socket of a node: a Socket, or the Requester
// of a REQ socket with a retry policy.
type openSocket struct {
	name string
	sock *SubHandle
	req  *RequestHandle
}

func (o openSocket) close() error {
	if o.req != nil {
		return o.req.req.Close()
	}
	return o.sock.sock.Close()
}

// Open opens p's sockets as their SocketConfigs say, binding and
// connecting them; bound addresses are logged ("listening", with the real
// port). On an error it closes the sockets it opened.
func (p *Program) Open(s *Settings, log *slog.Logger) (*NodeState, error) {
	st := &NodeState{Replica: s.Replica, Replicas: max(s.Replicas, 1), Logger: log}
	keys := &nodeKeys{dir: s.Keys, node: p.Node, flag: "-keys", env: p.EnvPrefix + "KEYS", own: s.secret, secretEnv: s.KeysSecretEnv}
	for _, c := range p.Sockets {
		var curve []Option
		if c.Curve != nil {
			opt, err := keys.options(c.Curve)
			if err != nil {
				st.Close()
				return nil, fmt.Errorf("socket %s: %w", c.Name, err)
			}
			curve = opt
		}
		o, err := p.open(c, log, curve...)
		if err != nil {
			st.Close()
			return nil, fmt.Errorf("socket %s: %w", c.Name, err)
		}
		st.socks = append(st.socks, o)
	}
	return st, nil
}

// open opens the socket of c: a Requester if c has a retry policy, a
// Socket otherwise.
func (p *Program) open(c *SocketConfig, log *slog.Logger, extra ...Option) (openSocket, error) {
	o := openSocket{name: c.Name}
	opts := []Option{WithName(p.Node + "." + c.Name), WithLogger(log)}
	opts = append(opts, c.Options...)
	opts = append(opts, extra...)
	if c.Identity != "" {
		opts = append(opts, WithIdentity([]byte(c.Identity)))
	}
	if len(c.Subscribe) > 0 {
		opts = append(opts, WithSubscribe(c.Subscribe...))
	}
	if c.Reconnect != (Backoff{}) {
		opts = append(opts, WithReconnect(c.Reconnect))
	}
	if c.Heartbeat != (Heartbeat{}) {
		opts = append(opts, WithHeartbeat(c.Heartbeat))
	}
	if c.ConnectAll.On {
		opts = append(opts, WithConnectAll(c.ConnectAll.Interval))
	}
	if c.Retry.Tries != 0 {
		o.req = &RequestHandle{retry: c.Retry}
		retry := c.Retry
		retry.OnRetry = o.req.retried
		var err error
		o.req.req, err = NewRequester(c.Connect, retry, opts...)
		return o, err
	}
	o.sock = &SubHandle{Handle: Handle{sock: NewSocket(c.Type, opts...)}, subs: slices.Clone(c.Subscribe)}
	if err := Attach(o.sock.sock, c.Bind, c.Connect, log); err != nil {
		if cerr := o.close(); cerr != nil {
			log.Debug("close", "socket", c.Name, "err", cerr)
		}
		return o, err
	}
	return o, nil
}

// get returns the open socket name, which the program must have.
func (st *NodeState) get(name string) openSocket {
	for _, o := range st.socks {
		if o.name == name {
			return o
		}
	}
	panic("zmq: the node has no socket " + name)
}

// Handle returns the handle of the socket name, for a generated handle to
// embed.
func (st *NodeState) Handle(name string) *Handle { return &st.get(name).sock.Handle }

// SubHandle returns the handle of the SUB or XSUB socket name.
func (st *NodeState) SubHandle(name string) *SubHandle { return st.get(name).sock }

// RequestHandle returns the handle of the REQ socket name, which has a
// retry policy.
func (st *NodeState) RequestHandle(name string) *RequestHandle { return st.get(name).req }

// Close closes the open sockets, the last opened first.
func (st *NodeState) Close() {
	for _, o := range slices.Backward(st.socks) {
		if err := o.close(); err != nil {
			st.Logger.Debug("close", "socket", o.name, "err", err)
		}
	}
}

// A Task is one of the things a node runs at once: its handler's Run, or
// the loop that serves a REP socket's requests.
type Task func(ctx context.Context) error

// Run runs tasks at once until one of them returns or ctx is done, then
// cancels the others' ctx and waits for them. A task that returns nil, or
// ctx ending, stops the node cleanly; the first error stops it and is
// returned.
func Run(ctx context.Context, tasks ...Task) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for _, t := range tasks {
		wg.Go(func() { cancel(t(ctx)) })
	}
	wg.Wait()
	// A signal, or a task returning nil, cancels ctx with context.Canceled.
	if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// Serve returns the task that answers each request of the REP socket s
// with h, until ctx is done or h fails; method names h in its errors. A
// request that does not decode is logged and dropped.
func Serve[Req, Rep any](s *Socket, method string, decode func(Msg) (Req, error), encode func(Rep) (Msg, error),
	h func(context.Context, Req) (Rep, error)) Task {
	return func(ctx context.Context) error {
		for {
			req, err := RecvFunc(ctx, s, decode)
			if err != nil {
				return err
			}
			rep, err := h(ctx, req)
			if err != nil {
				return fmt.Errorf("%s: %w", method, err)
			}
			m, err := encode(rep)
			if err != nil {
				return fmt.Errorf("%s: %w", method, err)
			}
			if err := s.Send(ctx, m); err != nil {
				return err
			}
		}
	}
}

// Main runs a node program and exits: it parses the command line and
// the environment (status 2 on a usage error), opens the sockets, makes
// the node with node and its handler with newHandler, and runs the
// handler's tasks until they are done or the process gets SIGINT or
// SIGTERM (status 0), or one fails (status 1, logged).
func Main[N, H any](p *Program, node func(*NodeState) N, newHandler func(N) (H, error), tasks func(N, H) []Task) {
	s, err := p.Parse(os.Args[1:], os.LookupEnv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		os.Exit(2)
	}
	TuneGC()
	log := p.Logger(s, os.Stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = p.run(ctx, s, log, func(st *NodeState) ([]Task, error) {
		n := node(st)
		h, err := newHandler(n)
		if err != nil {
			return nil, fmt.Errorf("newHandler: %w", err)
		}
		return tasks(n, h), nil
	})
	stop()
	if err != nil {
		log.Error("stopped", "err", err)
		os.Exit(1)
	}
}

// run opens the node's sockets, starts it and runs its tasks; the
// sockets are closed when it returns.
func (p *Program) run(ctx context.Context, s *Settings, log *slog.Logger, start func(*NodeState) ([]Task, error)) error {
	var metrics *MetricsServer
	if s.MetricsAddr != "" {
		var err error
		metrics, err = ServeMetrics(s.MetricsAddr, MetricsLabels{Topology: p.Topology, Node: p.Node, Replica: s.Replica}, log)
		if err != nil {
			return err
		}
		defer metrics.Close()
	}
	st, err := p.Open(s, log)
	if err != nil {
		return err
	}
	defer st.Close()
	if metrics != nil {
		metrics.Opened()
	}
	tasks, err := start(st)
	if err != nil {
		return err
	}
	return Run(ctx, tasks...)
}
