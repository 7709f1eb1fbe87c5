package runtime

import (
	"bytes"
	"context"
	"fmt"
	"net"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"
)

// hb is the heartbeat of the tests: short, so that a silent peer is found
// quickly; the assertions never depend on it being met on time.
var hb = Heartbeat{Interval: 50 * time.Millisecond, Liveness: 3}

// acceptZMTP accepts a connection on ln and runs a NULL handshake on it as
// a socket of type typ.
func acceptZMTP(t *testing.T, ln net.Listener, typ zmq4.SocketType) net.Conn {
	t.Helper()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(30 * time.Second))
	conn, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := zmq4.Open(conn, null.Security(), typ, nil, true, nil); err != nil {
		t.Fatal(err)
	}
	return conn
}

// silentUntilEOF reads from a peer that never writes, until the connection
// ends, and returns the bodies of the PING commands it got.
func silentUntilEOF(t *testing.T, conn net.Conn) (pings [][]byte) {
	t.Helper()
	for {
		flags, body, err := readWireFrame(conn)
		if err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Fatalf("the silent peer was not disconnected (got %d PINGs)", len(pings))
			}
			return pings
		}
		if flags&flagCommand != 0 && bytes.HasPrefix(body, []byte("\x04PING")) {
			pings = append(pings, body[5:])
		}
	}
}

func TestHeartbeatDisconnectsSilentPeerAndReconnects(t *testing.T) {
	// A longer liveness than hb's, so that a heartbeat goroutine starved
	// for a few intervals on a busy machine still sends a PING before it
	// finds the peer silent.
	hb := Heartbeat{Interval: hb.Interval, Liveness: 10}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	log, logs := newTestLogger()
	s := NewSocket(DEALER, WithName("worker.queue"), WithLogger(log), WithHeartbeat(hb))
	defer s.Close()
	// The socket's silence clock cannot start before Connect: timing from
	// here gives a lower bound of the silence it measured, however late
	// this goroutine runs afterwards.
	start := time.Now()
	if err := s.Connect("tcp://" + ln.Addr().String()); err != nil {
		t.Fatal(err)
	}

	conn := acceptZMTP(t, ln, zmq4.Router)
	pings := silentUntilEOF(t, conn)
	silent := time.Since(start)
	if len(pings) == 0 {
		t.Error("no PING before the disconnection")
	}
	for _, p := range pings {
		// TTL: 500ms in tenths of a second; no context.
		if !bytes.Equal(p, []byte{0, 5}) {
			t.Errorf("PING body %x, want TTL 0x0005 and no context", p)
		}
	}
	if silent < hb.Interval*time.Duration(hb.Liveness) {
		t.Errorf("disconnected after %v of silence, before Interval×Liveness", silent)
	}
	if !strings.Contains(logs.String(), "peer silent, disconnecting") {
		t.Errorf("no warning logged: %s", logs)
	}
	// The connecting side dials again.
	acceptZMTP(t, ln, zmq4.Router)
}

func TestHeartbeatDisconnectsSilentClient(t *testing.T) {
	// Liveness 10, as in TestHeartbeatDisconnectsSilentPeerAndReconnects:
	// the PING a starved writer has not written yet when the timeout
	// expires is not seen by the peer.
	hb := Heartbeat{Interval: hb.Interval, Liveness: 10}
	s := NewSocket(ROUTER, WithLogger(quietLogger()), WithHeartbeat(hb))
	defer s.Close()
	if err := s.Bind("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.Addrs()[0], "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := zmq4.Open(conn, null.Security(), zmq4.Dealer, nil, false, nil); err != nil {
		t.Fatal(err)
	}
	if pings := silentUntilEOF(t, conn); len(pings) == 0 {
		t.Error("no PING before the disconnection")
	}
}

// TestHeartbeatPingsBeforeDisconnecting: however long a peer seems to have
// been silent when the heartbeat goroutine first runs (here backdated by
// an hour, as a goroutine starved on a busy machine would see it), it is
// sent a PING and given Interval×Liveness to answer before it is dropped,
// as libzmq counts ZMQ_HEARTBEAT_TIMEOUT from a PING.
func TestHeartbeatPingsBeforeDisconnecting(t *testing.T) {
	hb := Heartbeat{Interval: 200 * time.Millisecond, Liveness: 2}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	s := NewSocket(DEALER, WithLogger(quietLogger()), WithHeartbeat(hb))
	defer s.Close()
	if err := s.Connect("tcp://" + ln.Addr().String()); err != nil {
		t.Fatal(err)
	}
	conn := acceptZMTP(t, ln, zmq4.Router)
	for s.c.peerCount() == 0 {
		goruntime.Gosched()
	}
	s.c.mu.Lock()
	s.c.peers[0].lastRecv.Store(time.Now().Add(-time.Hour).UnixNano())
	s.c.mu.Unlock()
	if pings := silentUntilEOF(t, conn); len(pings) == 0 {
		t.Error("disconnected without a PING")
	}
}

func TestHeartbeatKeepsAnsweringPeer(t *testing.T) {
	// Only one side has heartbeats; the other answers its PINGs (engine),
	// which is all the link needs to stay up. A long liveness, so that a
	// PONG delayed on a starved core does not count as silence.
	hb := Heartbeat{Interval: hb.Interval, Liveness: 20}
	for _, heartbeatOn := range []string{"connecting side", "binding side"} {
		t.Run(heartbeatOn, func(t *testing.T) {
			t.Parallel()
			blog, blogs := newTestLogger()
			clog, clogs := newTestLogger()
			bopts := []Option{WithLogger(blog)}
			copts := []Option{WithLogger(clog)}
			if heartbeatOn == "binding side" {
				bopts = append(bopts, WithHeartbeat(hb))
			} else {
				copts = append(copts, WithHeartbeat(hb))
			}
			router := NewSocket(ROUTER, bopts...)
			defer router.Close()
			if err := router.Bind("tcp://127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			dealer := NewSocket(DEALER, copts...)
			defer dealer.Close()
			if err := dealer.Connect(router.Addrs()[0]); err != nil {
				t.Fatal(err)
			}
			ctx := testCtx(t)
			if err := dealer.Send(ctx, Msg{[]byte("first")}); err != nil {
				t.Fatal(err)
			}
			if m, err := router.Recv(ctx); err != nil || string(m[1]) != "first" {
				t.Fatalf("Recv = %q, %v", m, err)
			}

			time.Sleep(20 * hb.Interval) // idle: only PINGs and PONGs

			if err := dealer.Send(ctx, Msg{[]byte("second")}); err != nil {
				t.Fatal(err)
			}
			m, err := router.Recv(ctx)
			if err != nil || len(m) != 2 || string(m[1]) != "second" {
				t.Fatalf("Recv = %q, %v; want the second message and no PING", m, err)
			}
			for _, l := range []string{blogs.String(), clogs.String()} {
				if strings.Contains(l, "peer silent") || strings.Contains(l, "disconnected") {
					t.Errorf("the link went down: %s", l)
				}
			}
			if n := strings.Count(clogs.String(), "zmq: connected"); n != 1 {
				t.Errorf("connected %d times, want once: %s", n, clogs)
			}
			if router.c.peerCount() != 1 || dealer.c.peerCount() != 1 {
				t.Errorf("peers: router %d, dealer %d; want 1 and 1", router.c.peerCount(), dealer.c.peerCount())
			}
		})
	}
}

func TestHeartbeatSparesPeerWhileApplicationLags(t *testing.T) {
	// The receiving application does not Recv: its queue is full and the
	// reader stops reading, so nothing arrives from the peer. That silence
	// is ours; the peer must not be disconnected for it. The PUSH has no
	// heartbeat and answers PINGs only when its goroutines run: a liveness
	// of several intervals keeps a busy machine's scheduling delays from
	// counting as silence, and the lag lasts twice the timeout.
	hb := Heartbeat{Interval: hb.Interval, Liveness: 10}
	log, logs := newTestLogger()
	pull := NewSocket(PULL, WithLogger(log), WithRecvHWM(1), WithHeartbeat(hb))
	defer pull.Close()
	if err := pull.Bind("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	push := NewSocket(PUSH, WithLogger(quietLogger()), WithSendHWM(1))
	defer push.Close()
	if err := push.Connect(pull.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(testCtx(t))
	sent := make(chan int)
	go func() {
		n := 0
		big := make([]byte, 64<<10) // fills the TCP buffers in a few dozen messages
		for push.Send(ctx, Msg{big}) == nil {
			n++
		}
		sent <- n
	}()
	time.Sleep(2 * hb.Interval * time.Duration(hb.Liveness))
	cancel()
	n := <-sent
	if strings.Contains(logs.String(), "peer silent") {
		t.Errorf("the lagging socket disconnected its peer: %s", logs)
	}
	rctx := testCtx(t)
	for i := 0; i < n; i++ {
		if _, err := pull.Recv(rctx); err != nil {
			t.Fatalf("message %d of %d: %v", i+1, n, err)
		}
	}
}

func TestPingBody(t *testing.T) {
	for _, tc := range []struct {
		ttl  time.Duration
		want []byte
	}{
		{300 * time.Millisecond, []byte{0, 3}},
		{250 * time.Millisecond, []byte{0, 3}},
		{3 * time.Second, []byte{0, 30}},
		{24 * time.Hour, []byte{0xff, 0xff}},
	} {
		if got := pingBody(tc.ttl); !bytes.Equal(got, tc.want) {
			t.Errorf("pingBody(%v) = %x, want %x", tc.ttl, got, tc.want)
		}
	}
}

func TestLiveness(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	const s = time.Second
	lv := NewLiveness(Heartbeat{Interval: s, Liveness: 3}, Backoff{Initial: s, Max: 4 * s}, t0)

	if lv.Due(at(s / 2)) {
		t.Error("heartbeat due before an interval")
	}
	if !lv.Due(at(s)) || lv.Due(at(s+1)) || !lv.Due(at(2*s)) {
		t.Error("heartbeat not due once per interval")
	}
	if got := lv.Left(at(1500 * time.Millisecond)); got != 2 {
		t.Errorf("Left after 1.5 intervals = %d, want 2", got)
	}
	if lv.Expired(at(3*s - 1)) {
		t.Error("expired before Interval×Liveness")
	}
	lv.Beat(at(2 * s))
	if lv.Expired(at(4 * s)) {
		t.Error("expired although heard at 2s")
	}
	if !lv.Expired(at(5*s)) || lv.Left(at(5*s)) != 0 {
		t.Error("not expired after Interval×Liveness of silence")
	}
	if w := lv.Wait(at(4 * s)); w != 0 {
		// the heartbeat due at 3s was not sent
		t.Errorf("Wait = %v with a heartbeat overdue, want 0", w)
	}

	// Backoff doubles on consecutive failures, capped, and resets when the
	// peer is heard from.
	var waits []time.Duration
	for i := 0; i < 5; i++ {
		waits = append(waits, lv.NextBackoff())
		lv.Restart(at(10 * s))
	}
	want := []time.Duration{s, 2 * s, 4 * s, 4 * s, 4 * s}
	for i := range want {
		if waits[i] != want[i] {
			t.Fatalf("backoffs %v, want %v", waits, want)
		}
	}
	if lv.Expired(at(12 * s)) {
		t.Error("expired right after Restart")
	}
	if w := lv.Wait(at(10*s + s/4)); w != 3*s/4 {
		t.Errorf("Wait after Restart = %v, want 750ms to the next heartbeat", w)
	}
	lv.Beat(at(11 * s))
	if got := lv.NextBackoff(); got != s {
		t.Errorf("backoff after a beat = %v, want the initial 1s", got)
	}

	// Defaults: liveness 3, backoff from the interval, no doubling without Max.
	d := NewLiveness(Heartbeat{Interval: s}, Backoff{}, t0)
	if !d.Expired(at(3*s)) || d.Expired(at(3*s-1)) {
		t.Error("default liveness is not 3")
	}
	if b1, b2 := d.NextBackoff(), d.NextBackoff(); b1 != s || b2 != s {
		t.Error("default backoff is not a constant Interval")
	}
}

// waitGoroutines waits until no more goroutines run than before.
func waitGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		n := goruntime.NumGoroutine()
		if n <= before {
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after Close:\n%s", before, n, buf[:goruntime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestHeartbeatGoroutinesEndWithClose(t *testing.T) {
	before := goruntime.NumGoroutine()
	func() {
		ctx := testCtx(t)
		router := NewSocket(ROUTER, WithLogger(quietLogger()), WithHeartbeat(hb))
		defer router.Close()
		if err := router.Bind("tcp://127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		dealer := NewSocket(DEALER, WithLogger(quietLogger()), WithHeartbeat(hb))
		defer dealer.Close()
		if err := dealer.Connect(router.Addrs()[0]); err != nil {
			t.Fatal(err)
		}
		if err := dealer.Send(ctx, Msg{[]byte("x")}); err != nil {
			t.Fatal(err)
		}
		if _, err := router.Recv(ctx); err != nil {
			t.Fatal(err)
		}
	}()
	waitGoroutines(t, before)
}

// TestHeartbeatOneLoopPerSocket: a socket's heartbeats run in one
// goroutine whatever its number of peers (issue 16: a goroutine and a
// timer per peer cost a 10,000-peer socket 10,000 of each), and every
// peer is still pinged.
func TestHeartbeatOneLoopPerSocket(t *testing.T) {
	loops := func() int {
		buf := make([]byte, 1<<20)
		return strings.Count(string(buf[:goruntime.Stack(buf, true)]), "runtime.heartbeatLoop(")
	}
	before := loops() // another test's socket still closing, if any
	router := newSock(t, ROUTER, WithHeartbeat(Heartbeat{Interval: 50 * time.Millisecond, Liveness: 100}))
	ep := bindAny(t, router)
	const peers = 20
	var conns []net.Conn
	for range peers {
		conns = append(conns, rawPeer(t, ep, zmq4.Dealer))
	}
	waitPeers(t, router, peers)
	// Every peer gets a PING.
	for _, conn := range conns {
		for {
			fl, body := rawRead(t, conn)
			if fl&flagCommand != 0 && bytes.HasPrefix(body, []byte("\x04PING")) {
				break
			}
		}
	}
	if n := loops() - before; n != 1 {
		t.Errorf("%d heartbeat goroutines for %d peers, want 1", n, peers)
	}
}

// A Paranoid Pirate worker's view of its queue, on a clock the example
// drives: heartbeats every second, the queue dead after three silent ones,
// reconnects backing off from 1s to 4s.
func ExampleLiveness() {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	lv := NewLiveness(Heartbeat{Interval: time.Second, Liveness: 3}, Backoff{Initial: time.Second, Max: 4 * time.Second}, start)
	for s := 1; s <= 7; s++ {
		now := start.Add(time.Duration(s) * time.Second)
		if s == 1 {
			lv.Beat(now) // a message from the queue
		}
		if lv.Due(now) {
			fmt.Printf("%ds: send HEARTBEAT\n", s)
		}
		if lv.Expired(now) {
			fmt.Printf("%ds: queue dead, reconnect in %v\n", s, lv.NextBackoff())
			lv.Restart(now)
		}
	}
	// Output:
	// 1s: send HEARTBEAT
	// 2s: send HEARTBEAT
	// 3s: send HEARTBEAT
	// 4s: send HEARTBEAT
	// 4s: queue dead, reconnect in 1s
	// 5s: send HEARTBEAT
	// 6s: send HEARTBEAT
	// 7s: send HEARTBEAT
	// 7s: queue dead, reconnect in 2s
}
