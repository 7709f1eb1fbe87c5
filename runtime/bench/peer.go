package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"

	rt "github.com/zmqgen/zmqgen/runtime"
)

// The Go peers run inside this binary ("bench peer IMPL MODE ENDPOINT COUNT
// SIZE"), so the runtime and zmq4 are measured exactly as the C and Python
// peers are: one process per end, the same modes and the same output lines
// (cpeer/peer.c documents them).

// peerEnv marks a process started as a Go peer; TestMain looks for it, since
// under `go test` the executable is the test binary.
const peerEnv = "ZMQGEN_BENCH_PEER"

// subSample is how often (in messages) a subscriber reads the clock.
const subSample = 256

// exitUnimplemented is a Go peer's exit status when the runtime panicked
// with "unimplemented": the harness reports n/a instead of a failure.
const exitUnimplemented = 3

// A goSocket is what the peer loops need from a socket, so one loop drives
// both the runtime and zmq4. Each implementation builds its message once,
// as a C peer would reuse its buffer, so no per-message allocation of the
// harness is counted against the library.
type goSocket interface {
	bind(endpoint string) (string, error)
	connect(endpoint string) error
	sendPayload() error    // send the fixed payload
	sendEmpty() error      // send one empty frame (PUB end marker)
	recvLen() (int, error) // receive a message; the length of its first frame
	echo() error           // receive a message and send it back (REP)
	close() error
}

// runPeer runs one Go peer and returns its exit status.
func runPeer(args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	if len(args) != 5 {
		fmt.Fprintln(stderr, "usage: bench peer runtime|zmq4 MODE ENDPOINT COUNT SIZE")
		return 2
	}
	impl, mode, endpoint := args[0], args[1], args[2]
	count, err1 := strconv.ParseInt(args[3], 10, 64)
	size, err2 := strconv.Atoi(args[4])
	if err1 != nil || err2 != nil {
		fmt.Fprintln(stderr, "bench peer: COUNT and SIZE must be integers")
		return 2
	}
	defer func() {
		if r := recover(); r != nil {
			if strings.Contains(fmt.Sprint(r), "unimplemented") {
				fmt.Fprintf(stderr, "bench peer: %s %s: %v\n", impl, mode, r)
				code = exitUnimplemented
				return
			}
			panic(r)
		}
	}()
	if dir := os.Getenv(profileEnv); dir != "" {
		stop, err := startProfile(dir, fmt.Sprintf("%s-%s-%dB", impl, mode, size))
		if err != nil {
			fmt.Fprintf(stderr, "bench peer: %v\n", err)
			return 1
		}
		defer stop()
	}
	if mode == "router" {
		if impl != "runtime" {
			fmt.Fprintf(stderr, "bench peer: %s: no router mode\n", impl)
			return exitUnimplemented
		}
		// routerPeer serves until killed: it returns only on an error.
		fmt.Fprintf(stderr, "bench peer: runtime router: %v\n", routerPeer(endpoint, stdin, stdout))
		return 1
	}
	payload := make([]byte, size)
	if benchTopics() > 0 && size > 0 {
		payload[0] = topicMark
	}
	var s goSocket
	// The curve modes are pull and push over CURVE (curveEnv has the keys).
	mode, curve := strings.CutPrefix(mode, "curve")
	switch impl {
	case "runtime":
		// As a generated node's main does, so the runtime column measures
		// what zmqgen's programs run with.
		rt.TuneGC()
		var extra []rt.Option
		if curve {
			opt, err := curveOption(mode == "pull")
			if err != nil {
				fmt.Fprintf(stderr, "bench peer: %v\n", err)
				return 2
			}
			extra = append(extra, opt)
		}
		s, err1 = newRuntimeSocket(mode, payload, extra...)
	case "zmq4":
		s, err1 = newZmq4Socket(mode, payload)
	default:
		fmt.Fprintf(stderr, "bench peer: unknown implementation %q\n", impl)
		return 2
	}
	if err1 != nil {
		fmt.Fprintf(stderr, "bench peer: %v\n", err1)
		return 2
	}
	if err := peerLoop(s, mode, endpoint, count, stdin, stdout); err != nil {
		fmt.Fprintf(stderr, "bench peer: %s %s: %v\n", impl, mode, err)
		return 1
	}
	return 0
}

// peerLoop plays one mode of the peer protocol on s.
func peerLoop(s goSocket, mode, endpoint string, count int64, stdin io.Reader, stdout io.Writer) error {
	in := bufio.NewReader(stdin)
	ready := func(bind bool) error {
		ep := endpoint
		if bind {
			var err error
			if ep, err = s.bind(endpoint); err != nil {
				return err
			}
		} else if err := s.connect(endpoint); err != nil {
			return err
		}
		_, err := fmt.Fprintf(stdout, "READY %s\n", ep)
		return err
	}
	result := func(n int64, d time.Duration) {
		fmt.Fprintf(stdout, "RESULT count=%d ns=%d\n", n, d.Nanoseconds())
	}
	waitGo := func() error {
		_, err := in.ReadString('\n')
		return err
	}
	switch mode {
	case "pull":
		if err := ready(true); err != nil {
			return err
		}
		if _, err := s.recvLen(); err != nil {
			return err
		}
		t0 := time.Now()
		for i := int64(1); i < count; i++ {
			if _, err := s.recvLen(); err != nil {
				return err
			}
		}
		result(count, time.Since(t0))
		return s.close()
	case "push":
		if err := ready(false); err != nil {
			return err
		}
		for i := int64(0); i < count; i++ {
			if err := s.sendPayload(); err != nil {
				return err
			}
		}
		if _, ok := s.(*zmq4Socket); ok {
			// zmq4's PULL can fail its Recv with "use of closed network
			// connection" before it has returned every message when the
			// PUSH closes (issue 3 lists it): hold the connection open
			// until the harness, having the PULL's result, closes stdin.
			_, _ = io.Copy(io.Discard, in)
		}
		return s.close()
	case "pub":
		if err := ready(true); err != nil {
			return err
		}
		lines := make(chan error, 1)
		go func() {
			for {
				_, err := in.ReadString('\n')
				lines <- err
				if err != nil {
					return
				}
			}
		}()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		// Probes until "go": each subscriber reports the first one it
		// gets, so the harness starts when every subscription is in.
	probing:
		for {
			select {
			case err := <-lines:
				if err != nil {
					return err
				}
				break probing
			case <-tick.C:
				if err := s.sendEmpty(); err != nil {
					return err
				}
			}
		}
		for i := int64(0); i < count; i++ {
			if err := s.sendPayload(); err != nil {
				return err
			}
		}
		// End markers until stdin closes: a full subscriber queue drops one.
		for {
			select {
			case err := <-lines:
				if err != nil {
					return s.close()
				}
			case <-tick.C:
				if err := s.sendEmpty(); err != nil {
					return err
				}
			}
		}
	case "sub":
		if err := ready(false); err != nil {
			return err
		}
		marker := 0
		if benchTopics() > 0 {
			marker = 1
		}
		// The clock is read every subSample messages only: reading it
		// per message would cost a subscriber a good share of its time.
		var n, n1 int64
		var t0, t1 time.Time
		subscribed := false
		for {
			l, err := s.recvLen()
			if err != nil {
				return err
			}
			if l == marker {
				if n > 0 {
					break
				}
				if !subscribed {
					fmt.Fprintf(stdout, "SUBSCRIBED %s\n", endpoint)
					subscribed = true
				}
				continue
			}
			n++
			if n == 1 {
				t0, n1 = time.Now(), 1
				t1 = t0
			} else if n%subSample == 0 {
				t1, n1 = time.Now(), n
			}
		}
		fmt.Fprintf(stdout, "RESULT count=%d ns=%d received=%d\n", n1, t1.Sub(t0).Nanoseconds(), n)
		return s.close()
	case "rep":
		if err := ready(true); err != nil {
			return err
		}
		for {
			if err := s.echo(); err != nil {
				return err
			}
		}
	case "req":
		if err := ready(false); err != nil {
			return err
		}
		warm := min(count/10, 1000)
		var t0 time.Time
		for i := int64(0); i < warm+count; i++ {
			if i == warm {
				t0 = time.Now()
			}
			if err := s.sendPayload(); err != nil {
				return err
			}
			if _, err := s.recvLen(); err != nil {
				return err
			}
		}
		result(count, time.Since(t0))
		return s.close()
	case "flood":
		if err := ready(true); err != nil {
			return err
		}
		if err := waitGo(); err != nil {
			return err
		}
		go reportHeap(stdout)
		for {
			if err := s.sendPayload(); err != nil {
				return err
			}
		}
	case "stall":
		if err := ready(false); err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, in)
		return s.close()
	}
	return fmt.Errorf("unknown mode %q", mode)
}

// reportHeap prints the Go heap once a second for the memory scenario
// (the harness reads RSS from /proc itself, for every implementation).
func reportHeap(w io.Writer) {
	for range time.Tick(time.Second) {
		var ms goruntime.MemStats
		goruntime.ReadMemStats(&ms)
		fmt.Fprintf(w, "HEAP bytes=%d\n", ms.HeapInuse)
	}
}

// quiet discards the runtime's logs.
var quiet = slog.New(slog.DiscardHandler)

// runtimeSocket adapts the zmqgen runtime.
type runtimeSocket struct {
	s       *rt.Socket
	ctx     context.Context
	payload rt.Msg
	empty   rt.Msg
}

func newRuntimeSocket(mode string, payload []byte, extra ...rt.Option) (goSocket, error) {
	var typ rt.Type
	// Drops are the point of the PUB scenarios: do not log each episode.
	opts := append([]rt.Option{rt.WithName("bench." + mode), rt.WithLogger(quiet)}, extra...)
	switch mode {
	case "pull":
		typ = rt.PULL
	case "push":
		typ = rt.PUSH
		// Flush everything before exiting, as libzmq's default linger does.
		opts = append(opts, rt.WithLinger(time.Minute))
	case "pub", "flood":
		typ = rt.PUB
	case "sub", "stall":
		typ = rt.SUB
		if n := benchTopics(); n > 0 && mode == "sub" {
			topics := make([]string, 0, n)
			for i := range n - 1 {
				topics = append(topics, fmt.Sprintf("topic-%07d", i))
			}
			opts = append(opts, rt.WithSubscribe(append(topics, string(topicMark))...))
		} else {
			opts = append(opts, rt.WithSubscribe(""))
		}
	case "req":
		typ = rt.REQ
	case "rep":
		typ = rt.REP
	default:
		return nil, fmt.Errorf("unknown mode %q", mode)
	}
	return &runtimeSocket{
		s:       rt.NewSocket(typ, opts...),
		ctx:     context.Background(),
		payload: rt.Msg{payload},
		empty:   rt.Msg{[]byte(string(topicMark))[:min(benchTopics(), 1)]},
	}, nil
}

func (r *runtimeSocket) bind(ep string) (string, error) {
	if err := r.s.Bind(ep); err != nil {
		return "", err
	}
	addrs := r.s.Addrs()
	if len(addrs) == 0 {
		return "", fmt.Errorf("runtime: Addrs is empty after Bind(%q)", ep)
	}
	return addrs[0], nil
}

func (r *runtimeSocket) connect(ep string) error { return r.s.Connect(ep) }
func (r *runtimeSocket) sendPayload() error      { return r.s.Send(r.ctx, r.payload) }
func (r *runtimeSocket) sendEmpty() error        { return r.s.Send(r.ctx, r.empty) }
func (r *runtimeSocket) close() error            { return r.s.Close() }

func (r *runtimeSocket) recvLen() (int, error) {
	m, err := r.s.Recv(r.ctx)
	if err != nil || len(m) == 0 {
		return 0, err
	}
	return len(m[0]), nil
}

func (r *runtimeSocket) echo() error {
	m, err := r.s.Recv(r.ctx)
	if err != nil {
		return err
	}
	return r.s.Send(r.ctx, m)
}

// zmq4Socket adapts github.com/go-zeromq/zmq4's own sockets.
type zmq4Socket struct {
	s       zmq4.Socket
	payload zmq4.Msg
	empty   zmq4.Msg
}

func newZmq4Socket(mode string, payload []byte) (goSocket, error) {
	ctx := context.Background()
	var s zmq4.Socket
	switch mode {
	case "pull":
		s = zmq4.NewPull(ctx)
	case "push":
		s = zmq4.NewPush(ctx)
	case "pub", "flood":
		s = zmq4.NewPub(ctx)
	case "sub", "stall":
		s = zmq4.NewSub(ctx)
		if err := s.SetOption(zmq4.OptionSubscribe, ""); err != nil {
			return nil, err
		}
	case "req":
		s = zmq4.NewReq(ctx)
	case "rep":
		s = zmq4.NewRep(ctx)
	default:
		return nil, fmt.Errorf("unknown mode %q", mode)
	}
	return &zmq4Socket{s: s, payload: zmq4.NewMsg(payload), empty: zmq4.NewMsg([]byte{})}, nil
}

func (z *zmq4Socket) bind(ep string) (string, error) {
	if err := z.s.Listen(ep); err != nil {
		return "", err
	}
	return "tcp://" + z.s.Addr().String(), nil
}

func (z *zmq4Socket) connect(ep string) error { return z.s.Dial(ep) }
func (z *zmq4Socket) sendPayload() error      { return z.s.Send(z.payload) }
func (z *zmq4Socket) sendEmpty() error        { return z.s.Send(z.empty) }
func (z *zmq4Socket) close() error            { return z.s.Close() }

func (z *zmq4Socket) recvLen() (int, error) {
	m, err := z.s.Recv()
	if err != nil || len(m.Frames) == 0 {
		return 0, err
	}
	return len(m.Frames[0]), nil
}

func (z *zmq4Socket) echo() error {
	m, err := z.s.Recv()
	if err != nil {
		return err
	}
	return z.s.Send(m)
}

// profileEnv names a directory where each Go peer writes a CPU profile
// (the -cpuprofile flag of the harness sets it).
const profileEnv = "ZMQGEN_BENCH_CPUPROFILE"

// startProfile starts a CPU profile written to dir/NAME-PID.pprof. The
// returned function stops it; SIGTERM, which the harness sends to the
// peers that never stop by themselves (rep, pub), stops it too and exits.
func startProfile(dir, name string) (func(), error) {
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("%s-%d.pprof", name, os.Getpid())))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			f.Close()
		})
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	go func() {
		<-sig
		stop()
		os.Exit(0)
	}()
	return stop, nil
}

// topicsEnv, set to N, makes the subscriber subscribe to N prefixes, of
// which only the last, topicMark, matches what the publisher sends
// (topicMark and zero bytes), and the probes and end markers that one byte
// (the subscriptions scenarios; the C peer reads it too). topicMark sorts
// after the other prefixes ("topic-0000000"…), and both libzmq and the
// runtime send subscriptions in byte order, so the first probe that
// reaches a subscriber says that all its subscriptions reached the PUB.
const topicsEnv = "ZMQGEN_BENCH_TOPICS"

const topicMark = '~'

func benchTopics() int {
	n, _ := strconv.Atoi(os.Getenv(topicsEnv))
	return n
}

// isPeerProcess reports whether this process was started as a Go peer.
func isPeerProcess() bool { return os.Getenv(peerEnv) == "1" }

// curveEnv holds the CURVE keys of the curve modes, Z85: "SERVERPUBLIC
// SERVERSECRET CLIENTPUBLIC CLIENTSECRET". The harness makes them once per
// run and gives them to every peer, C and Go.
const curveEnv = "ZMQGEN_BENCH_CURVE"

// newCurveEnv returns a value for curveEnv with fresh keys.
func newCurveEnv() (string, error) {
	server, err := rt.GenerateCurveKeyPair()
	if err != nil {
		return "", err
	}
	client, err := rt.GenerateCurveKeyPair()
	if err != nil {
		return "", err
	}
	return strings.Join([]string{server.Public.String(), server.Secret.Z85(), client.Public.String(), client.Secret.Z85()}, " "), nil
}

// curveOption makes a runtime socket the CURVE server (the binding PULL)
// or client of the keys in curveEnv.
func curveOption(server bool) (rt.Option, error) {
	f := strings.Fields(os.Getenv(curveEnv))
	if len(f) != 4 {
		return nil, fmt.Errorf("%s must hold four Z85 keys", curveEnv)
	}
	sp, err := rt.ParseCurvePublicKey(f[0])
	if err != nil {
		return nil, err
	}
	ss, err := rt.ParseCurveSecretKey(f[1])
	if err != nil {
		return nil, err
	}
	cp, err := rt.ParseCurvePublicKey(f[2])
	if err != nil {
		return nil, err
	}
	cs, err := rt.ParseCurveSecretKey(f[3])
	if err != nil {
		return nil, err
	}
	if server {
		return rt.WithCurveServer(rt.CurveKeyPair{Public: sp, Secret: ss}), nil
	}
	return rt.WithCurveClient(rt.CurveKeyPair{Public: cp, Secret: cs}, sp), nil
}

// routerPeer is the runtime's server of the peer-count scenarios: a
// ROUTER that answers every request [identity, body] with the same body,
// until killed (it returns only an error). Lines on stdin ask for figures the harness cannot read
// from /proc: "stats" prints "STATS goroutines=<n> heap=<bytes in use>
// stack=<bytes of goroutine stacks>",
// and "profile PREFIX" writes PREFIX.heap and PREFIX.goroutine (pprof)
// and prints "PROFILED".
func routerPeer(endpoint string, stdin io.Reader, stdout io.Writer) error {
	rt.TuneGC()
	s := rt.NewSocket(rt.ROUTER, rt.WithName("bench.router"), rt.WithLogger(quiet))
	if err := s.Bind(endpoint); err != nil {
		return err
	}
	addrs := s.Addrs()
	if len(addrs) == 0 {
		return fmt.Errorf("no address after Bind(%q)", endpoint)
	}
	fmt.Fprintf(stdout, "READY %s\n", addrs[0])
	go func() {
		sc := bufio.NewScanner(stdin)
		for sc.Scan() {
			cmd, arg, _ := strings.Cut(sc.Text(), " ")
			switch cmd {
			case "stats":
				var ms goruntime.MemStats
				goruntime.ReadMemStats(&ms)
				fmt.Fprintf(stdout, "STATS goroutines=%d heap=%d stack=%d\n", goruntime.NumGoroutine(), ms.HeapInuse, ms.StackInuse)
			case "profile":
				err := writeProfiles(arg)
				if err != nil {
					fmt.Fprintf(os.Stderr, "bench peer: %v\n", err)
				}
				fmt.Fprintf(stdout, "PROFILED %v\n", err)
			}
		}
	}()
	ctx := context.Background()
	for {
		m, err := s.Recv(ctx)
		if err != nil {
			return err
		}
		if err := s.Send(ctx, m); err != nil {
			return err
		}
	}
}

// writeProfiles writes the heap profile (after a GC, as pprof's does) and
// the goroutine profile to prefix.heap and prefix.goroutine.
func writeProfiles(prefix string) error {
	goruntime.GC()
	for _, w := range []struct {
		name  string
		debug int
	}{{"heap", 0}, {"goroutine", 1}} {
		f, err := os.Create(prefix + "." + w.name)
		if err != nil {
			return err
		}
		err = pprof.Lookup(w.name).WriteTo(f, w.debug)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}
