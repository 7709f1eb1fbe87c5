package runtime

// Tests of libzmq's pipe semantics: outgoing pipes for connect endpoints
// that exist from Connect on (messages queue for a peer still connecting
// or reconnecting), and fair-queueing per peer on receive. Go↔Go and
// Go↔libzmq (pyzmq) peers.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/zmqgen/zmqgen/runtime/internal/pyzmqtest"
)

// ipcEndpoint returns an ipc endpoint in the test's temporary directory:
// known before anything binds it, and free of port races.
func ipcEndpoint(t *testing.T, name string) string {
	return "ipc://" + filepath.Join(t.TempDir(), name)
}

// echoServer runs a Go REP bound to ep that answers every request with
// name, until the test ends.
func echoServer(t *testing.T, ep, name string) {
	t.Helper()
	rep := newSock(t, REP)
	if err := rep.Bind(ep); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for {
			if _, err := rep.Recv(ctx); err != nil {
				return
			}
			if err := rep.Send(ctx, strMsg(name)); err != nil {
				return
			}
		}
	}()
}

// checkAlternation sends n requests through req and checks that the
// replies name the servers in turn, from the first request on.
func checkAlternation(t *testing.T, ctx context.Context, req *Socket, servers []string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		mustSend(t, ctx, req, fmt.Sprint("request ", i))
		got := mustRecv(t, ctx, req)
		if want := servers[i%len(servers)]; !eq(got, want) {
			t.Fatalf("reply %d from %q, want %q (strict alternation)", i, got, want)
		}
	}
}

// TestReqAlternatesFromFirstRequest: a REQ connected to two REPs sends to
// them in turn from its first request, whether they bound before the
// connects or after (the guide's reqrep client prints 5000, 6000, 5000…).
func TestReqAlternatesFromFirstRequest(t *testing.T) {
	t.Run("bound before", func(t *testing.T) {
		ctx := testCtx(t)
		ep1, ep2 := ipcEndpoint(t, "s1"), ipcEndpoint(t, "s2")
		echoServer(t, ep1, "server1")
		echoServer(t, ep2, "server2")
		req := newSock(t, REQ)
		mustConnect(t, req, ep1)
		mustConnect(t, req, ep2)
		checkAlternation(t, ctx, req, []string{"server1", "server2"}, 20)
	})
	t.Run("bound after", func(t *testing.T) {
		ctx := testCtx(t)
		ep1, ep2 := ipcEndpoint(t, "s1"), ipcEndpoint(t, "s2")
		req := newSock(t, REQ, WithReconnect(Backoff{Initial: 10 * time.Millisecond}))
		mustConnect(t, req, ep1)
		mustConnect(t, req, ep2)
		// The first request is queued for server1 before it exists.
		mustSend(t, ctx, req, "request 0")
		echoServer(t, ep2, "server2")
		echoServer(t, ep1, "server1")
		if got := mustRecv(t, ctx, req); !eq(got, "server1") {
			t.Fatalf("first reply from %q, want server1", got)
		}
		checkAlternation(t, ctx, req, []string{"server2", "server1"}, 20)
	})
}

func TestInteropReqAlternatesOverLibzmqReps(t *testing.T) {
	t.Parallel()
	t.Run("bound before", func(t *testing.T) {
		ctx := testCtx(t)
		s1 := pyzmqtest.Start(t, "REP", "--bind", "tcp://127.0.0.1:0", "--echo", "server1:")
		s2 := pyzmqtest.Start(t, "REP", "--bind", "tcp://127.0.0.1:0", "--echo", "server2:")
		req := ipSock(t, REQ)
		ipConnect(t, req, s1.Endpoint())
		ipConnect(t, req, s2.Endpoint())
		for i := 0; i < 20; i++ {
			ipSend(t, ctx, req, "q")
			if got, want := ipRecv(t, ctx, req), fmt.Sprintf("server%d:q", 1+i%2); !eq(got, want) {
				t.Fatalf("reply %d: %q, want %q", i, got, want)
			}
		}
	})
	t.Run("bound after", func(t *testing.T) {
		ctx := testCtx(t)
		ep1, ep2 := ipcEndpoint(t, "s1"), ipcEndpoint(t, "s2")
		req := ipSock(t, REQ, WithReconnect(Backoff{Initial: 10 * time.Millisecond}))
		ipConnect(t, req, ep1)
		ipConnect(t, req, ep2)
		ipSend(t, ctx, req, "q")
		pyzmqtest.Start(t, "REP", "--bind", ep2, "--echo", "server2:")
		pyzmqtest.Start(t, "REP", "--bind", ep1, "--echo", "server1:")
		if got := ipRecv(t, ctx, req); !eq(got, "server1:q") {
			t.Fatalf("first reply %q, want server1:q", got)
		}
		for i := 1; i < 20; i++ {
			ipSend(t, ctx, req, "q")
			if got, want := ipRecv(t, ctx, req), fmt.Sprintf("server%d:q", 1+i%2); !eq(got, want) {
				t.Fatalf("reply %d: %q, want %q", i, got, want)
			}
		}
	})
}

// TestPushToPullsBoundLater: messages a PUSH sends before its connect
// endpoints are bound are dealt to them in turn and wait there: each PULL
// gets exactly its third.
func TestPushToPullsBoundLater(t *testing.T) {
	ctx := testCtx(t)
	const n = 300 // 100 per pipe, below the default HWM
	push := newSock(t, PUSH, WithReconnect(Backoff{Initial: 10 * time.Millisecond}))
	eps := []string{ipcEndpoint(t, "a"), ipcEndpoint(t, "b"), ipcEndpoint(t, "c")}
	for _, ep := range eps {
		mustConnect(t, push, ep)
	}
	for i := 0; i < n; i++ {
		mustSend(t, ctx, push, strconv.Itoa(i))
	}
	for k, ep := range eps {
		pull := newSock(t, PULL)
		if err := pull.Bind(ep); err != nil {
			t.Fatal(err)
		}
		for i := k; i < n; i += len(eps) {
			if got := mustRecv(t, ctx, pull); !eq(got, strconv.Itoa(i)) {
				t.Fatalf("PULL %d got %q, want %d", k, got, i)
			}
		}
	}
	if q := push.c.queuedOut(); q != 0 {
		t.Errorf("%d messages still queued", q)
	}
}

func TestInteropPushToLibzmqPullsBoundLater(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	const n = 300
	push := ipSock(t, PUSH, WithReconnect(Backoff{Initial: 10 * time.Millisecond}))
	eps := []string{ipcEndpoint(t, "a"), ipcEndpoint(t, "b"), ipcEndpoint(t, "c")}
	for _, ep := range eps {
		ipConnect(t, push, ep)
	}
	for i := 0; i < n; i++ {
		ipSend(t, ctx, push, strconv.Itoa(i))
	}
	for k, ep := range eps {
		pull := pyzmqtest.Start(t, "PULL", "--bind", ep)
		for i := k; i < n; i += len(eps) {
			if got := strs(pull.Next()); !eq(got, strconv.Itoa(i)) {
				t.Fatalf("libzmq PULL %d got %q, want %d", k, got, i)
			}
		}
	}
}

// TestQueuedSurviveReconnect: messages queued for a connect endpoint
// whose peer is gone wait for it and go out, in order, when it is back.
func TestQueuedSurviveReconnect(t *testing.T) {
	ctx := testCtx(t)
	ep := ipcEndpoint(t, "s")
	push := newSock(t, PUSH, WithReconnect(Backoff{Initial: 10 * time.Millisecond}))
	mustConnect(t, push, ep)
	pull := NewSocket(PULL, WithLogger(quietLogger()))
	if err := pull.Bind(ep); err != nil {
		t.Fatal(err)
	}
	mustSend(t, ctx, push, "before")
	if got := mustRecv(t, ctx, pull); !eq(got, "before") {
		t.Fatalf("got %q", got)
	}
	pull.Close()
	waitPeers(t, push, 0)
	const n = 50
	for i := 0; i < n; i++ {
		mustSend(t, ctx, push, strconv.Itoa(i))
	}
	pull = newSock(t, PULL)
	if err := pull.Bind(ep); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i++ {
		if got := mustRecv(t, ctx, pull); !eq(got, strconv.Itoa(i)) {
			t.Fatalf("after reconnect got %q, want %d", got, i)
		}
	}
}

func TestInteropQueuedSurviveLibzmqReconnect(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	ep := ipcEndpoint(t, "s")
	push := ipSock(t, PUSH, WithReconnect(Backoff{Initial: 10 * time.Millisecond}))
	ipConnect(t, push, ep)
	first := pyzmqtest.Start(t, "PULL", "--bind", ep)
	ipSend(t, ctx, push, "before")
	if got := strs(first.Next()); !eq(got, "before") {
		t.Fatalf("got %q", got)
	}
	first.Stop()
	ipWaitPeers(t, push, 0)
	const n = 50
	for i := 0; i < n; i++ {
		ipSend(t, ctx, push, strconv.Itoa(i))
	}
	second := pyzmqtest.Start(t, "PULL", "--bind", ep)
	for i := 0; i < n; i++ {
		if got := strs(second.Next()); !eq(got, strconv.Itoa(i)) {
			t.Fatalf("after reconnect got %q, want %d", got, i)
		}
	}
}

// rawAccept accepts a connection on l and runs a NULL handshake as a
// socket of type typ, returning the bare connection.
func rawAccept(t *testing.T, l net.Listener, typ zmq4.SocketType) net.Conn {
	t.Helper()
	type result struct {
		conn net.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := l.Accept()
		ch <- result{c, err}
	}()
	var r result
	select {
	case r = <-ch:
	case <-time.After(testTimeout):
		l.Close()
		t.Fatal("no connection to accept")
	}
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { r.conn.Close() })
	r.conn.SetDeadline(time.Now().Add(testTimeout))
	if _, err := zmq4.Open(r.conn, zmq4NullSecurity(), typ, nil, true, nil); err != nil {
		t.Fatalf("raw handshake: %v", err)
	}
	r.conn.SetDeadline(time.Time{})
	return r.conn
}

// TestUnwrittenSurviveDrop: when a connection drops, the messages still in
// the pipe's queue (not yet handed to the connection) go out on the next
// one; those the dead connection took are lost, as in libzmq.
func TestUnwrittenSurviveDrop(t *testing.T) {
	ctx := testCtx(t)
	const hwm = 10
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	push := newSock(t, PUSH, WithSendHWM(hwm), WithSendTimeout(500*time.Millisecond),
		WithReconnect(Backoff{Initial: 10 * time.Millisecond}))
	mustConnect(t, push, "tcp://"+l.Addr().String())
	first := rawAccept(t, l, zmq4.Pull) // never reads
	waitPeers(t, push, 1)
	// Large messages fill the kernel's buffers quickly: then the writer
	// is stuck with its batch and the queue fills to the HWM.
	body := bytes.Repeat([]byte("x"), 64<<10)
	sent := 0
	for ; sent < 10000; sent++ {
		m := Msg{[]byte(strconv.Itoa(sent)), body}
		if err := push.Send(ctx, m); err != nil {
			if !errors.Is(err, ErrTimeout) {
				t.Fatal(err)
			}
			break
		}
	}
	if sent == 10000 {
		t.Fatal("a peer that never reads took every message")
	}
	first.(*net.TCPConn).SetLinger(0) // reset: nothing more is written
	first.Close()
	second := rawAccept(t, l, zmq4.Pull)
	// The HWM's worth still queued comes first, in order, then new ones.
	mustSend(t, ctx, push, "after")
	for i := sent - hwm; i <= sent; i++ {
		fl, f := rawRead(t, second)
		want := strconv.Itoa(i)
		if i == sent {
			want = "after"
		}
		if string(f) != want {
			t.Fatalf("after the drop got %q, want %q (the %d queued messages, then the new one)", f, want, hwm)
		}
		if fl&flagMore != 0 {
			if _, f := rawRead(t, second); !bytes.Equal(f, body) {
				t.Fatalf("message %d: body of %d bytes", i, len(f))
			}
		}
	}
}

// queuedPerPeer returns how many received messages each connected peer of
// s has waiting for Recv.
func queuedPerPeer(s *Socket) []int {
	c := s.c
	c.mu.Lock()
	peers := append([]*peer(nil), c.peers...)
	c.mu.Unlock()
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.in.mu.Lock()
	defer c.in.mu.Unlock()
	var n []int
	for _, p := range peers {
		n = append(n, len(p.inq)+len(p.local)-p.li)
	}
	return n
}

// waitQueued waits until ok accepts s's per-peer queue lengths.
func waitQueued(t *testing.T, s *Socket, what string, ok func([]int) bool) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !ok(queuedPerPeer(s)) {
		if time.Now().After(deadline) {
			dumpState(t, s)
			t.Fatalf("queued per peer %v: want %s", queuedPerPeer(s), what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// checkFair receives from pull, whose two peers have queued a flood of
// "a-…" and ten "b-…", and checks that the b messages come in turn with
// the a ones (each stream in order), not after the flood.
func checkFair(t *testing.T, ctx context.Context, pull *Socket, nA int) {
	t.Helper()
	nextA, nextB := 0, 0
	for i := 0; i < nA+10; i++ {
		got := mustRecv(t, ctx, pull)
		name, num, _ := strings.Cut(got[0], "-")
		k, _ := strconv.Atoi(num)
		switch name {
		case "a":
			if k != nextA {
				t.Fatalf("message %d: %q, want a-%d", i, got, nextA)
			}
			nextA++
		case "b":
			if k != nextB {
				t.Fatalf("message %d: %q, want b-%d", i, got, nextB)
			}
			nextB++
			if i >= 30 {
				t.Fatalf("b-%d was message %d of the PULL: not fair-queued (want all ten b within the first 30)", k, i)
			}
		default:
			t.Fatalf("unexpected %q", got)
		}
	}
}

// TestPullFairQueues: a PULL with two PUSH peers, one 10,000 messages
// ahead, takes from both in turn once both have queued messages.
func TestPullFairQueues(t *testing.T) {
	ctx := testCtx(t)
	const nA = 10000
	pull := newSock(t, PULL)
	ep := bindAny(t, pull)
	a := newSock(t, PUSH)
	mustConnect(t, a, ep)
	sent := make(chan error, 1)
	go func() {
		for i := 0; i < nA; i++ {
			if err := a.Send(ctx, strMsg(fmt.Sprint("a-", i))); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	// The PULL takes A's messages up to its per-peer HWM, then stops.
	waitQueued(t, pull, "A's queue at the HWM", func(n []int) bool { return len(n) == 1 && n[0] >= defaultHWM })
	b := newSock(t, PUSH)
	mustConnect(t, b, ep)
	for i := 0; i < 10; i++ {
		mustSend(t, ctx, b, fmt.Sprint("b-", i))
	}
	waitQueued(t, pull, "both queues filled", func(n []int) bool { return len(n) == 2 && min(n[0], n[1]) == 10 })
	checkFair(t, ctx, pull, nA)
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

// TestRouterFairQueues: the same with a ROUTER and two DEALERs; the
// identity frame comes first.
func TestRouterFairQueues(t *testing.T) {
	ctx := testCtx(t)
	const nA = 5000
	router := newSock(t, ROUTER)
	ep := bindAny(t, router)
	a := newSock(t, DEALER, WithIdentity([]byte("A")))
	mustConnect(t, a, ep)
	sent := make(chan error, 1)
	go func() {
		for i := 0; i < nA; i++ {
			if err := a.Send(ctx, strMsg(fmt.Sprint("a-", i))); err != nil {
				sent <- err
				return
			}
		}
		sent <- nil
	}()
	waitQueued(t, router, "A's queue at the HWM", func(n []int) bool { return len(n) == 1 && n[0] >= defaultHWM })
	b := newSock(t, DEALER, WithIdentity([]byte("B")))
	mustConnect(t, b, ep)
	for i := 0; i < 10; i++ {
		mustSend(t, ctx, b, fmt.Sprint("b-", i))
	}
	waitQueued(t, router, "both queues filled", func(n []int) bool { return len(n) == 2 && min(n[0], n[1]) == 10 })
	nextA, nextB := 0, 0
	for i := 0; nextB < 10; i++ {
		got := mustRecv(t, ctx, router)
		want := fmt.Sprint("a-", nextA)
		if got[0] == "B" {
			want = fmt.Sprint("b-", nextB)
			if i >= 30 {
				t.Fatalf("%q was message %d of the ROUTER: not fair-queued", got, i)
			}
			nextB++
		} else {
			nextA++
		}
		if len(got) != 2 || got[1] != want {
			t.Fatalf("message %d: %q, want %s", i, got, want)
		}
	}
	for ; nextA < nA; nextA++ {
		if got := mustRecv(t, ctx, router); !eq(got, "A", fmt.Sprint("a-", nextA)) {
			t.Fatalf("got %q, want a-%d", got, nextA)
		}
	}
	if err := <-sent; err != nil {
		t.Fatal(err)
	}
}

func TestInteropPullFairQueuesLibzmqPushes(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	const nA = 10000
	pull := ipSock(t, PULL)
	ep := ipBind(t, pull)
	a := pyzmqtest.Start(t, "PUSH", "--connect", ep)
	a.Do(fmt.Sprint("sendn ", nA, " a"))
	waitQueued(t, pull, "A's queue at the HWM", func(n []int) bool { return len(n) == 1 && n[0] >= defaultHWM })
	b := pyzmqtest.Start(t, "PUSH", "--connect", ep)
	b.Do("sendn 10 b")
	waitQueued(t, pull, "both queues filled", func(n []int) bool { return len(n) == 2 && min(n[0], n[1]) == 10 })
	checkFair(t, ctx, pull, nA)
}

// TestPerPeerRecvHWM: the receive HWM bounds each peer's queue: a flooding
// peer stops at it while another peer's messages still get in.
func TestPerPeerRecvHWM(t *testing.T) {
	ctx := testCtx(t)
	const hwm = 20
	pull := newSock(t, PULL, WithRecvHWM(hwm))
	ep := bindAny(t, pull)
	a := newSock(t, PUSH, WithSendHWM(hwm), WithSendTimeout(300*time.Millisecond))
	mustConnect(t, a, ep)
	waitPeers(t, a, 1)
	body := bytes.Repeat([]byte("a"), 16<<10)
	for i := 0; ; i++ {
		if err := a.Send(ctx, Msg{body}); err != nil {
			if !errors.Is(err, ErrTimeout) {
				t.Fatal(err)
			}
			break
		}
		if i > 5000 {
			t.Fatal("a PULL that never receives took 5000 messages of 16 KiB")
		}
	}
	if n := queuedPerPeer(pull); len(n) != 1 || n[0] > hwm+maxReadBatch {
		t.Fatalf("queued %v, want at most %d", n, hwm+maxReadBatch)
	}
	b := newSock(t, PUSH)
	mustConnect(t, b, ep)
	mustSend(t, ctx, b, "b")
	waitQueued(t, pull, "b's message queued", func(n []int) bool { return len(n) == 2 && min(n[0], n[1]) == 1 })
}
