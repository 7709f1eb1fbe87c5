package runtime

// Transports: tcp, ipc (unix-domain sockets) and inproc (an in-process
// registry of listeners handing out connected socket pairs). Every
// transport yields a net.Conn, so one engine serves all three.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// endpoint is a parsed ZeroMQ endpoint, "transport://address".
type endpoint struct {
	transport string // tcp, ipc or inproc
	addr      string // what follows "://"
}

func (e endpoint) String() string { return e.transport + "://" + e.addr }

// parseEndpoint splits s into transport and address and checks both.
func parseEndpoint(s string) (endpoint, error) {
	tr, addr, ok := strings.Cut(s, "://")
	if !ok || addr == "" {
		return endpoint{}, fmt.Errorf("zmq: invalid endpoint %q: want transport://address", s)
	}
	switch tr {
	case "tcp":
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return endpoint{}, fmt.Errorf("zmq: invalid tcp endpoint %q: %v", s, err)
		}
		if _, err := strconv.ParseUint(port, 10, 16); err != nil || host == "" || strings.Contains(host, ";") {
			return endpoint{}, fmt.Errorf("zmq: invalid tcp endpoint %q: want tcp://host:port with a port number", s)
		}
	case "ipc", "inproc":
	default:
		return endpoint{}, fmt.Errorf("zmq: unsupported transport %q in endpoint %q (want tcp, ipc or inproc)", tr, s)
	}
	return endpoint{transport: tr, addr: addr}, nil
}

// listen binds e and returns the listener and the endpoint as Addrs reports
// it: the real port for tcp port 0, and 0.0.0.0 for "*" as libzmq's
// ZMQ_LAST_ENDPOINT does.
func listen(e endpoint) (net.Listener, string, error) {
	switch e.transport {
	case "tcp":
		host, port, _ := net.SplitHostPort(e.addr)
		star := host == "*"
		if star {
			host = "" // every interface, IPv4 and IPv6
		}
		l, err := net.Listen("tcp", net.JoinHostPort(host, port))
		if err != nil {
			return nil, "", fmt.Errorf("zmq: bind %s: %w", e, err)
		}
		a := l.Addr().(*net.TCPAddr)
		if star {
			return l, fmt.Sprintf("tcp://0.0.0.0:%d", a.Port), nil
		}
		return l, "tcp://" + a.String(), nil
	case "ipc":
		// libzmq unlinks whatever is at the path before binding, so a
		// socket file left by a crashed process does not block a restart.
		if !strings.HasPrefix(e.addr, "@") {
			if fi, err := os.Lstat(e.addr); err == nil && fi.Mode()&os.ModeSocket != 0 {
				_ = os.Remove(e.addr)
			}
		}
		l, err := net.Listen("unix", e.addr)
		if err != nil {
			return nil, "", fmt.Errorf("zmq: bind %s: %w", e, err)
		}
		return l, e.String(), nil
	case "inproc":
		l, err := inprocListen(e.addr)
		if err != nil {
			return nil, "", err
		}
		return l, e.String(), nil
	}
	return nil, "", fmt.Errorf("zmq: unsupported transport %q", e.transport)
}

// resolver looks up the host names of tcp endpoints; nil is the system's
// (net.DefaultResolver). Tests point it at a DNS server of their own.
var resolver *net.Resolver

// dial opens a connection to e; ctx cancels a dial in progress.
//
// A host name is resolved here, on every dial, never once at connect:
// the connect loop calls dial for each reconnect, so a peer that comes
// back on another address (a restarted Kubernetes pod behind a Service
// name) is found at the address its name has then. net.Dialer tries the
// name's addresses in turn until one answers.
func dial(ctx context.Context, e endpoint) (net.Conn, error) {
	d := net.Dialer{Resolver: resolver}
	switch e.transport {
	case "tcp":
		return d.DialContext(ctx, "tcp", e.addr)
	case "ipc":
		return d.DialContext(ctx, "unix", e.addr)
	case "inproc":
		return inprocDial(ctx, e.addr)
	}
	return nil, fmt.Errorf("zmq: unsupported transport %q", e.transport)
}

// inproc: a bound name maps to a listener; a dial creates a connected pair
// of unix-domain sockets (socketpair) and hands one end to the listener.
// Kernel buffering keeps both ends' greetings from blocking each other,
// which an unbuffered net.Pipe would not.
var inproc = struct {
	sync.Mutex
	m map[string]*inprocListener
}{m: make(map[string]*inprocListener)}

type inprocListener struct {
	name   string
	conns  chan net.Conn
	closed chan struct{}
	once   sync.Once
}

var errInprocNotBound = errors.New("zmq: inproc endpoint not bound")

func inprocListen(name string) (*inprocListener, error) {
	inproc.Lock()
	defer inproc.Unlock()
	if _, ok := inproc.m[name]; ok {
		return nil, fmt.Errorf("zmq: bind inproc://%s: address already in use", name)
	}
	l := &inprocListener{name: name, conns: make(chan net.Conn), closed: make(chan struct{})}
	inproc.m[name] = l
	return l, nil
}

func (l *inprocListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.closed:
		return nil, net.ErrClosed
	}
}

func (l *inprocListener) Close() error {
	l.once.Do(func() {
		inproc.Lock()
		if inproc.m[l.name] == l {
			delete(inproc.m, l.name)
		}
		inproc.Unlock()
		close(l.closed)
	})
	return nil
}

func (l *inprocListener) Addr() net.Addr { return inprocAddr(l.name) }

type inprocAddr string

func (a inprocAddr) Network() string { return "inproc" }
func (a inprocAddr) String() string  { return string(a) }

func inprocDial(ctx context.Context, name string) (net.Conn, error) {
	inproc.Lock()
	l := inproc.m[name]
	inproc.Unlock()
	if l == nil {
		return nil, fmt.Errorf("%w: inproc://%s", errInprocNotBound, name)
	}
	a, b, err := socketPair()
	if err != nil {
		return nil, err
	}
	select {
	case l.conns <- b:
		return a, nil
	case <-l.closed:
	case <-ctx.Done():
	}
	a.Close()
	b.Close()
	return nil, fmt.Errorf("%w: inproc://%s", errInprocNotBound, name)
}

// socketPair returns two connected unix-domain stream sockets.
func socketPair() (net.Conn, net.Conn, error) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("zmq: inproc: socketpair: %w", err)
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "inproc")
		c, err := net.FileConn(f) // dups the descriptor
		f.Close()
		if err != nil {
			if i == 0 {
				syscall.Close(fds[1])
			} else {
				conns[0].Close()
			}
			return nil, nil, fmt.Errorf("zmq: inproc: %w", err)
		}
		conns[i] = c
	}
	return conns[0], conns[1], nil
}
