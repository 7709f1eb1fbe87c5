package runtime

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/zmqgen/zmqgen/internal/testnet"
)

// rawPeer dials ep and runs a NULL handshake as a socket of type typ, then
// hands back the bare connection, so a test can write any frame it likes.
func rawPeer(t *testing.T, ep string, typ zmq4.SocketType) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(ep, "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(testTimeout))
	if _, err := zmq4.Open(conn, zmq4NullSecurity(), typ, nil, false, nil); err != nil {
		t.Fatalf("raw handshake: %v", err)
	}
	conn.SetDeadline(time.Time{})
	return conn
}

func zmq4NullSecurity() zmq4.Security { return handshakeSecurity(&options{}) }

// rawFrame encodes one ZMTP frame.
func rawFrame(flags byte, body []byte) []byte {
	var b []byte
	if len(body) > 255 {
		b = append(b, flags|flagLong)
		b = binary.BigEndian.AppendUint64(b, uint64(len(body)))
	} else {
		b = append(b, flags, byte(len(body)))
	}
	return append(b, body...)
}

// rawRead reads one frame from conn.
func rawRead(t *testing.T, conn net.Conn) (flags byte, body []byte) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(testTimeout))
	flags, body, err := readWireFrame(conn)
	if err != nil {
		t.Fatalf("raw read: %v", err)
	}
	return flags, body
}

// readWireFrame reads one ZMTP frame of the data phase or the handshake
// from src, as a relay between two peers sees it: its flags and its body
// (at most 1 MiB).
func readWireFrame(src io.Reader) (flags byte, body []byte, err error) {
	var h [9]byte
	if _, err := io.ReadFull(src, h[:2]); err != nil {
		return 0, nil, err
	}
	size := uint64(h[1])
	if h[0]&flagLong != 0 {
		if _, err := io.ReadFull(src, h[2:9]); err != nil {
			return 0, nil, err
		}
		size = binary.BigEndian.Uint64(h[1:9])
	}
	if size > 1<<20 {
		return 0, nil, fmt.Errorf("frame of %d bytes", size)
	}
	body = make([]byte, size)
	if _, err := io.ReadFull(src, body); err != nil {
		return 0, nil, err
	}
	return h[0], body, nil
}

// pair connects a (connecting) socket of type ct to a (binding) one of
// type bt over tcp and waits until both see the connection.
func connected(t *testing.T, bt, ct Type, bopts, copts []Option) (b, c *Socket) {
	t.Helper()
	b = newSock(t, bt, bopts...)
	c = newSock(t, ct, copts...)
	mustConnect(t, c, bindAny(t, b))
	waitPeers(t, b, 1)
	waitPeers(t, c, 1)
	return b, c
}

func TestSocketTypePairs(t *testing.T) {
	ctx := testCtx(t)
	t.Run("PAIR-PAIR", func(t *testing.T) {
		a, b := connected(t, PAIR, PAIR, nil, nil)
		mustSend(t, ctx, a, "to b")
		mustSend(t, ctx, b, "to a")
		if got := mustRecv(t, ctx, b); !eq(got, "to b") {
			t.Fatalf("got %q", got)
		}
		if got := mustRecv(t, ctx, a); !eq(got, "to a") {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("DEALER-REP", func(t *testing.T) {
		rep, dealer := connected(t, REP, DEALER, nil, nil)
		mustSend(t, ctx, dealer, "", "q")
		if got := mustRecv(t, ctx, rep); !eq(got, "q") {
			t.Fatalf("REP got %q", got)
		}
		mustSend(t, ctx, rep, "a")
		if got := mustRecv(t, ctx, dealer); !eq(got, "", "a") {
			t.Fatalf("DEALER got %q", got)
		}
	})
	t.Run("REQ-ROUTER", func(t *testing.T) {
		router, req := connected(t, ROUTER, REQ, nil, []Option{WithIdentity([]byte("client-1"))})
		mustSend(t, ctx, req, "q")
		if got := mustRecv(t, ctx, router); !eq(got, "client-1", "", "q") {
			t.Fatalf("ROUTER got %q", got)
		}
		mustSend(t, ctx, router, "client-1", "", "a")
		if got := mustRecv(t, ctx, req); !eq(got, "a") {
			t.Fatalf("REQ got %q", got)
		}
	})
	t.Run("DEALER-ROUTER", func(t *testing.T) {
		router, dealer := connected(t, ROUTER, DEALER, nil, nil)
		mustSend(t, ctx, dealer, "x", "y")
		got := mustRecv(t, ctx, router)
		if len(got) != 3 || len(got[0]) != 5 || got[0][0] != 0 || got[1] != "x" || got[2] != "y" {
			t.Fatalf("ROUTER got %q, want a generated 5-byte identity then x, y", got)
		}
		mustSend(t, ctx, router, got[0], "back")
		if got := mustRecv(t, ctx, dealer); !eq(got, "back") {
			t.Fatalf("DEALER got %q", got)
		}
	})
	t.Run("DEALER-DEALER", func(t *testing.T) {
		a, b := connected(t, DEALER, DEALER, nil, nil)
		mustSend(t, ctx, b, "1")
		if got := mustRecv(t, ctx, a); !eq(got, "1") {
			t.Fatalf("got %q", got)
		}
		mustSend(t, ctx, a, "2")
		if got := mustRecv(t, ctx, b); !eq(got, "2") {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("ROUTER-ROUTER", func(t *testing.T) {
		a, b := connected(t, ROUTER, ROUTER, []Option{WithIdentity([]byte("A"))}, []Option{WithIdentity([]byte("B"))})
		mustSend(t, ctx, b, "A", "hi")
		if got := mustRecv(t, ctx, a); !eq(got, "B", "hi") {
			t.Fatalf("got %q", got)
		}
		mustSend(t, ctx, a, "B", "hi back")
		if got := mustRecv(t, ctx, b); !eq(got, "A", "hi back") {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("XPUB-XSUB", func(t *testing.T) {
		xpub, xsub := connected(t, XPUB, XSUB, nil, nil)
		mustSend(t, ctx, xsub, "\x01top")
		if got := mustRecv(t, ctx, xpub); !eq(got, "\x01top") {
			t.Fatalf("XPUB got %q, want the subscription", got)
		}
		mustSend(t, ctx, xpub, "other")
		mustSend(t, ctx, xpub, "topic", "body")
		if got := mustRecv(t, ctx, xsub); !eq(got, "topic", "body") {
			t.Fatalf("XSUB got %q", got)
		}
		mustSend(t, ctx, xsub, "\x00top")
		if got := mustRecv(t, ctx, xpub); !eq(got, "\x00top") {
			t.Fatalf("XPUB got %q, want the cancellation", got)
		}
	})
	t.Run("XPUB-SUB", func(t *testing.T) {
		xpub, sub := connected(t, XPUB, SUB, nil, []Option{WithSubscribe("a")})
		if got := mustRecv(t, ctx, xpub); !eq(got, "\x01a") {
			t.Fatalf("XPUB got %q", got)
		}
		if err := sub.Subscribe("b"); err != nil {
			t.Fatal(err)
		}
		if got := mustRecv(t, ctx, xpub); !eq(got, "\x01b") {
			t.Fatalf("XPUB got %q", got)
		}
		mustSend(t, ctx, xpub, "c-not")
		mustSend(t, ctx, xpub, "b-yes")
		if got := mustRecv(t, ctx, sub); !eq(got, "b-yes") {
			t.Fatalf("SUB got %q", got)
		}
		// The last subscriber leaving cancels its topics.
		sub.Close()
		seen := map[string]bool{}
		for len(seen) < 2 {
			seen[mustRecv(t, ctx, xpub)[0]] = true
		}
		if !seen["\x00a"] || !seen["\x00b"] {
			t.Fatalf("XPUB got %v, want cancellations of a and b", seen)
		}
	})
	t.Run("PUB-XSUB", func(t *testing.T) {
		pub, xsub := connected(t, PUB, XSUB, nil, nil)
		mustSend(t, ctx, xsub, "\x01")
		// Wait for the subscription to reach the PUB.
		waitSubscribed(t, pub, "", 1)
		mustSend(t, ctx, pub, "all")
		if got := mustRecv(t, ctx, xsub); !eq(got, "all") {
			t.Fatalf("got %q", got)
		}
	})
}

func TestIncompatibleTypesNeverConnect(t *testing.T) {
	ctx := testCtx(t)
	a := newSock(t, PUSH)
	b := newSock(t, PUSH)
	mustConnect(t, b, bindAny(t, a))
	pull := newSock(t, PULL)
	ep := a.Addrs()[0]
	mustConnect(t, pull, ep)
	// The PULL is served; the other PUSH never counts as a peer.
	mustSend(t, ctx, a, "only to the PULL")
	if got := mustRecv(t, ctx, pull); !eq(got, "only to the PULL") {
		t.Fatalf("got %q", got)
	}
	if n := a.c.peerCount(); n != 1 {
		t.Fatalf("PUSH has %d peers, want 1 (the PULL)", n)
	}
}

func TestPairRefusesSecondPeer(t *testing.T) {
	ctx := testCtx(t)
	a, b := connected(t, PAIR, PAIR, nil, nil)
	c := newSock(t, PAIR)
	mustConnect(t, c, a.Addrs()[0])
	mustSend(t, ctx, a, "for b")
	if got := mustRecv(t, ctx, b); !eq(got, "for b") {
		t.Fatalf("got %q", got)
	}
	if n := a.c.peerCount(); n != 1 {
		t.Fatalf("PAIR has %d peers", n)
	}
}

func TestRoundRobinFairAndExactlyOnce(t *testing.T) {
	ctx := testCtx(t)
	push := newSock(t, PUSH)
	const n, per = 3, 200
	pulls := make([]*Socket, n)
	for i := range pulls {
		pulls[i] = newSock(t, PULL)
		mustConnect(t, push, bindAny(t, pulls[i]))
	}
	waitPeers(t, push, n)
	for i := 0; i < n*per; i++ {
		mustSend(t, ctx, push, fmt.Sprint(i))
	}
	seen := make(map[string]int)
	for i, pull := range pulls {
		for j := 0; j < per; j++ {
			seen[mustRecv(t, ctx, pull)[0]]++
		}
		// Round-robin over peers with room gives each exactly its share.
		rctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		if m, err := pull.Recv(rctx); err == nil {
			t.Errorf("PULL %d got a message beyond its share: %q", i, m)
		}
		cancel()
	}
	for i := 0; i < n*per; i++ {
		if c := seen[fmt.Sprint(i)]; c != 1 {
			t.Errorf("message %d delivered %d times", i, c)
		}
	}
}

func TestDealerRoundRobinAndFairQueue(t *testing.T) {
	ctx := testCtx(t)
	dealer := newSock(t, DEALER)
	reps := []*Socket{newSock(t, DEALER), newSock(t, DEALER)}
	for _, r := range reps {
		mustConnect(t, dealer, bindAny(t, r))
	}
	waitPeers(t, dealer, 2)
	for i := 0; i < 10; i++ {
		mustSend(t, ctx, dealer, fmt.Sprint(i))
	}
	// Peers take turns (in the order their connections completed): one
	// gets the even messages, the other the odd ones.
	for k, r := range reps {
		first := -1
		for i := 0; i < 5; i++ {
			got := mustRecv(t, ctx, r)
			var v int
			fmt.Sscan(got[0], &v)
			if first < 0 {
				first = v
			}
			if want := first + 2*i; v != want || first > 1 {
				t.Fatalf("dealer peer %d got %q, want %d", k, got, want)
			}
			mustSend(t, ctx, r, "from "+fmt.Sprint(k))
		}
	}
	count := map[string]int{}
	for i := 0; i < 10; i++ {
		count[mustRecv(t, ctx, dealer)[0]]++
	}
	if count["from 0"] != 5 || count["from 1"] != 5 {
		t.Fatalf("fair-queued replies: %v", count)
	}
}

// TestBroker is the guide's request-reply broker: REQ clients → ROUTER
// frontend → DEALER backend → REP workers. Every client must get the reply
// to its own request (zmq4's sockets mixed them up).
func TestBroker(t *testing.T) {
	ctx := testCtx(t)
	front := newSock(t, ROUTER)
	back := newSock(t, DEALER)
	fep, bep := bindAny(t, front), bindAny(t, back)

	var wg sync.WaitGroup
	var reps []*Socket
	defer func() {
		// Closing the workers ends their loops.
		for _, r := range reps {
			r.Close()
		}
		wg.Wait()
	}()
	for w := 0; w < 2; w++ {
		rep := newSock(t, REP)
		reps = append(reps, rep)
		mustConnect(t, rep, bep)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for {
				m, err := rep.Recv(ctx)
				if err != nil {
					return
				}
				if err := rep.Send(ctx, Msg{[]byte(fmt.Sprintf("worker %d: reply to %s", w, m[0]))}); err != nil {
					return
				}
			}
		}(w)
	}
	waitPeers(t, back, 2)

	// The broker loop, with a Poller over both sides.
	bctx, stop := context.WithCancel(ctx)
	defer stop()
	wg.Add(1)
	go func() {
		defer wg.Done()
		poller := NewPoller(front, back)
		for {
			ready, err := poller.Poll(bctx)
			if err != nil {
				return
			}
			for _, i := range ready {
				from, to := front, back
				if i == 1 {
					from, to = back, front
				}
				m, err := from.Recv(bctx)
				if err != nil {
					return
				}
				if err := to.Send(bctx, m); err != nil {
					return
				}
			}
		}
	}()

	const clients, requests = 5, 20
	errs := make(chan error, clients)
	workers := make(chan string, clients*requests)
	for c := 0; c < clients; c++ {
		go func(c int) {
			req := NewSocket(REQ, WithLogger(quietLogger()))
			defer req.Close()
			if err := req.Connect(fep); err != nil {
				errs <- err
				return
			}
			for r := 0; r < requests; r++ {
				body := fmt.Sprintf("client %d request %d", c, r)
				if err := req.Send(ctx, Msg{[]byte(body)}); err != nil {
					errs <- err
					return
				}
				m, err := req.Recv(ctx)
				if err != nil {
					errs <- err
					return
				}
				if len(m) != 1 || !strings.HasSuffix(string(m[0]), ": reply to "+body) {
					errs <- fmt.Errorf("client %d sent %q, got %q", c, body, m)
					return
				}
				workers <- string(m[0][:8])
			}
			errs <- nil
		}(c)
	}
	for c := 0; c < clients; c++ {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	close(workers)
	used := map[string]int{}
	for w := range workers {
		used[w]++
	}
	if len(used) != 2 {
		t.Errorf("replies came from %v, want both workers", used)
	}
	stop()
	front.Close()
	back.Close()
}

func TestRouterDropsUnroutable(t *testing.T) {
	ctx := testCtx(t)
	router, dealer := connected(t, ROUTER, DEALER, nil, []Option{WithIdentity([]byte("known"))})
	if err := router.Send(ctx, strMsg("unknown", "lost")); err != nil {
		t.Fatalf("unroutable send: %v, want silently dropped", err)
	}
	mustSend(t, ctx, router, "known", "found")
	if got := mustRecv(t, ctx, dealer); !eq(got, "found") {
		t.Fatalf("got %q", got)
	}
}

func TestReqRepStateErrors(t *testing.T) {
	ctx := testCtx(t)
	rep, req := connected(t, REP, REQ, nil, nil)
	if _, err := req.Recv(ctx); !errors.Is(err, ErrState) {
		t.Fatalf("REQ recv before send: %v, want ErrState", err)
	}
	if err := rep.Send(ctx, strMsg("x")); !errors.Is(err, ErrState) {
		t.Fatalf("REP send before recv: %v, want ErrState", err)
	}
	mustSend(t, ctx, req, "q")
	if err := req.Send(ctx, strMsg("again")); !errors.Is(err, ErrState) {
		t.Fatalf("REQ second send: %v, want ErrState", err)
	}
	mustRecv(t, ctx, rep)
	if _, err := rep.Recv(ctx); !errors.Is(err, ErrState) {
		t.Fatalf("REP second recv: %v, want ErrState", err)
	}
	mustSend(t, ctx, rep, "a")
	if got := mustRecv(t, ctx, req); !eq(got, "a") {
		t.Fatalf("got %q", got)
	}
}

// TestReqIgnoresStrayReplies: a REQ takes only the reply from the peer its
// request went to.
func TestReqIgnoresStrayReplies(t *testing.T) {
	ctx := testCtx(t)
	req := newSock(t, REQ)
	r1, r2 := newSock(t, ROUTER), newSock(t, ROUTER)
	mustConnect(t, req, bindAny(t, r1))
	mustConnect(t, req, bindAny(t, r2))
	waitPeers(t, req, 2)
	mustSend(t, ctx, req, "q")
	// The request went to one of them; the other sends an unsolicited reply.
	poller := NewPoller(r1, r2)
	ready, err := poller.Poll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, other := r1, r2
	if ready[0] == 1 {
		got, other = r2, r1
	}
	m := mustRecv(t, ctx, got)
	waitPeers(t, other, 1)
	other.c.mu.Lock()
	var oid string
	for id := range other.c.routing.(*router).byID {
		oid = id
	}
	other.c.mu.Unlock()
	mustSend(t, ctx, other, oid, "", "stray")
	time.Sleep(20 * time.Millisecond) // give the stray a chance to arrive first
	mustSend(t, ctx, got, m[0], "", "real")
	if r := mustRecv(t, ctx, req); !eq(r, "real") {
		t.Fatalf("REQ got %q", r)
	}
}

func TestPubDropsForFullSubscriber(t *testing.T) {
	ctx := testCtx(t)
	pub := newSock(t, PUB, WithSendHWM(10))
	ep := bindAny(t, pub)
	// A subscriber that subscribes to everything and never reads.
	stalled := rawPeer(t, ep, zmq4.Sub)
	stalled.Write(rawFrame(0, []byte{1}))
	// A live subscriber keeps receiving.
	live := newSock(t, SUB, WithSubscribe(""))
	mustConnect(t, live, ep)
	waitPeers(t, pub, 2)
	waitSubscribed(t, pub, "", 2)
	big := bytes.Repeat([]byte("x"), 16<<10)
	const total = 5000 // 80 MiB: far beyond the stalled peer's socket buffers
	for i := 0; i < total; i++ {
		start := time.Now()
		if err := pub.Send(ctx, Msg{big}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("PUB send blocked for %v", d)
		}
		if q := pub.c.queuedOut(); q > 2*2*10 {
			t.Fatalf("PUB queued %d messages, HWM is 10 per peer", q)
		}
	}
	// Keep publishing until the stalled subscriber's queue is at its HWM
	// (the live one drains), and then some: Send still never waits.
	for pub.c.queuedOut() < 10 {
		if err := pub.Send(ctx, Msg{big}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 100; i++ {
		if err := pub.Send(ctx, Msg{big}); err != nil {
			t.Fatal(err)
		}
	}
	if q := pub.c.queuedOut(); q > 2*2*10 {
		t.Fatalf("PUB queued %d messages, HWM is 10 per peer", q)
	}
	if pub.Stats().Drops[DropSubscriberFull] == 0 {
		t.Fatal("no message was dropped")
	}
	// The live subscriber got messages (and they are whole).
	m := mustRecv(t, ctx, live)
	if m[0] != string(big) {
		t.Fatalf("live subscriber got %d bytes", len(m[0]))
	}
	// The drops stay counted once the PUB is closed.
	dropped := pub.Stats().Drops[DropSubscriberFull]
	pub.Close()
	if after := pub.Stats().Drops[DropSubscriberFull]; after != dropped {
		t.Fatalf("%d drops counted after Close, %d before", after, dropped)
	}
}

func TestSendHWMBlocksAndTimesOut(t *testing.T) {
	ctx := testCtx(t)
	push := newSock(t, PUSH, WithSendHWM(5), WithSendTimeout(100*time.Millisecond))
	ep := bindAny(t, push)
	rawPeer(t, ep, zmq4.Pull) // never reads
	waitPeers(t, push, 1)
	big := bytes.Repeat([]byte("y"), 64<<10)
	var err error
	for i := 0; i < 10000 && err == nil; i++ {
		err = push.Send(ctx, Msg{big})
		if q := push.c.queuedOut(); q > 2*5 {
			t.Fatalf("%d messages queued, HWM is 5", q)
		}
	}
	if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("send to a stalled peer: %v, want ErrTimeout", err)
	}
}

func TestRecvHWMBoundsIncomingQueue(t *testing.T) {
	ctx := testCtx(t)
	const hwm = 10
	pull := newSock(t, PULL, WithRecvHWM(hwm))
	push := newSock(t, PUSH, WithSendHWM(hwm), WithSendTimeout(200*time.Millisecond))
	mustConnect(t, push, bindAny(t, pull))
	waitPeers(t, push, 1)
	// 16 KiB messages: the kernel's socket buffers (a few MiB on
	// loopback) fill long before the limit below.
	body := bytes.Repeat([]byte("m"), 16<<10)
	const limit = 5000
	sent := 0
	for ; sent < limit; sent++ {
		if err := push.Send(ctx, Msg{body}); err != nil {
			if !errors.Is(err, ErrTimeout) {
				t.Fatal(err)
			}
			break
		}
	}
	if sent == limit {
		t.Fatalf("a PULL that never receives took %d messages of 16 KiB", limit)
	}
	if q := pull.c.queuedIn(); q > 2*(hwm+maxReadBatch) {
		t.Fatalf("PULL queued %d messages, HWM %d", q, hwm)
	}
	for i := 0; i < sent; i++ {
		mustRecv(t, ctx, pull)
	}
}

func TestConnectBeforeBind(t *testing.T) {
	ctx := testCtx(t)
	for _, tr := range []string{"tcp", "ipc", "inproc"} {
		t.Run(tr, func(t *testing.T) {
			var ep string
			switch tr {
			case "tcp":
				ep = "tcp://" + freePort(t)
			case "ipc":
				ep = "ipc://" + filepath.Join(t.TempDir(), "s")
			case "inproc":
				ep = "inproc://" + t.Name()
			}
			push := newSock(t, PUSH, WithReconnect(Backoff{Initial: 10 * time.Millisecond}))
			mustConnect(t, push, ep)
			sent := make(chan error, 1)
			go func() { sent <- push.Send(ctx, strMsg("early")) }()
			pull := newSock(t, PULL)
			if err := pull.Bind(ep); err != nil {
				t.Fatal(err)
			}
			if got := mustRecv(t, ctx, pull); !eq(got, "early") {
				t.Fatalf("got %q", got)
			}
			if err := <-sent; err != nil {
				t.Fatal(err)
			}
		})
	}
}

// freePort returns a 127.0.0.1 address nothing listens on, reserved for
// the test (testnet.Port): a port-0 listen closed again could be handed to
// another test process before the test binds it, and a socket left
// redialling it could reach that process's listener.
func freePort(t *testing.T) string {
	return fmt.Sprintf("127.0.0.1:%d", testnet.Port(t))
}

// TestReconnectEveryEndpoint: a socket connected to two binders gets both
// back after both restart on the same ports (zmq4 redials only the last).
func TestReconnectEveryEndpoint(t *testing.T) {
	ctx := testCtx(t)
	pull := newSock(t, PULL, WithReconnect(Backoff{Initial: 10 * time.Millisecond, Max: 50 * time.Millisecond}))
	var eps []string
	var pushes []*Socket
	for i := 0; i < 2; i++ {
		p := NewSocket(PUSH, WithLogger(quietLogger()))
		eps = append(eps, bindAny(t, p))
		pushes = append(pushes, p)
		mustConnect(t, pull, eps[i])
	}
	check := func(round string) {
		for i, p := range pushes {
			waitPeers(t, p, 1)
			mustSend(t, ctx, p, fmt.Sprintf("%s from %d", round, i))
		}
		got := map[string]bool{}
		for range pushes {
			got[mustRecv(t, ctx, pull)[0]] = true
		}
		for i := range pushes {
			if !got[fmt.Sprintf("%s from %d", round, i)] {
				t.Fatalf("%s: got %v", round, got)
			}
		}
	}
	check("first")
	for i, p := range pushes {
		p.Close()
		pushes[i] = NewSocket(PUSH, WithLogger(quietLogger()))
		if err := pushes[i].Bind(eps[i]); err != nil {
			t.Fatalf("rebind %s: %v", eps[i], err)
		}
	}
	defer func() {
		for _, p := range pushes {
			p.Close()
		}
	}()
	check("after restart")
}

func TestPeerLeavingDoesNotFailRecv(t *testing.T) {
	ctx := testCtx(t)
	pull := newSock(t, PULL)
	ep := bindAny(t, pull)
	a, b := newSock(t, PUSH), newSock(t, PUSH)
	mustConnect(t, a, ep)
	mustConnect(t, b, ep)
	waitPeers(t, pull, 2)
	mustSend(t, ctx, a, "from a")
	if got := mustRecv(t, ctx, pull); !eq(got, "from a") {
		t.Fatalf("got %q", got)
	}
	got := make(chan []string, 1)
	go func() {
		m, err := pull.Recv(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- msgStrs(m)
	}()
	a.Close()
	waitPeers(t, pull, 1)
	mustSend(t, ctx, b, "from b")
	if m := <-got; !eq(m, "from b") {
		t.Fatalf("got %q", m)
	}
}

func TestMaxMsgSizeDisconnectsOffender(t *testing.T) {
	ctx := testCtx(t)
	pull := newSock(t, PULL, WithMaxMsgSize(1024))
	ep := bindAny(t, pull)
	good := newSock(t, PUSH)
	mustConnect(t, good, ep)

	bad := rawPeer(t, ep, zmq4.Push)
	// A frame header announcing 1 TiB; no body follows.
	hdr := []byte{flagLong}
	hdr = binary.BigEndian.AppendUint64(hdr, 1<<40)
	if _, err := bad.Write(hdr); err != nil {
		t.Fatal(err)
	}
	bad.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := bad.Read(make([]byte, 1)); err == nil {
		t.Fatal("the offender was not disconnected")
	}
	// A message at the limit still passes; the good peer is served.
	ok := bytes.Repeat([]byte("k"), 1024)
	if err := good.Send(ctx, Msg{ok}); err != nil {
		t.Fatal(err)
	}
	m, err := pull.Recv(ctx)
	if err != nil || !bytes.Equal(m[0], ok) {
		t.Fatalf("got %d bytes, %v", len(m[0]), err)
	}
	// Several frames adding up to more than the limit are refused too.
	bad2 := rawPeer(t, ep, zmq4.Push)
	bad2.Write(rawFrame(flagMore, make([]byte, 600)))
	bad2.Write(rawFrame(0, make([]byte, 600)))
	bad2.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := bad2.Read(make([]byte, 1)); err == nil {
		t.Fatal("the second offender was not disconnected")
	}
	mustSend(t, ctx, good, "still here")
	if got := mustRecv(t, ctx, pull); !eq(got, "still here") {
		t.Fatalf("got %q", got)
	}
}

func TestHandshakeHugeFrameRefused(t *testing.T) {
	pull := newSock(t, PULL)
	ep := bindAny(t, pull)
	conn, err := net.Dial("tcp", strings.TrimPrefix(ep, "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	greeting := make([]byte, 64)
	greeting[0], greeting[9], greeting[10] = 0xff, 0x7f, 3
	copy(greeting[12:], "NULL")
	conn.Write(greeting)
	// READY announced as an 8 EiB command.
	hdr := []byte{flagCommand | flagLong}
	hdr = binary.BigEndian.AppendUint64(hdr, 1<<62)
	conn.Write(hdr)
	conn.SetReadDeadline(time.Now().Add(testTimeout))
	if _, err := io.ReadAll(conn); err != nil {
		t.Fatalf("want the connection closed, got %v", err)
	}
}

func TestPingAnsweredNeverDelivered(t *testing.T) {
	ctx := testCtx(t)
	pull := newSock(t, PULL)
	conn := rawPeer(t, bindAny(t, pull), zmq4.Push)
	ping := append([]byte("\x04PING"), 0, 10) // TTL 1s
	ping = append(ping, "ctx-42"...)
	conn.Write(rawFrame(flagCommand, ping))
	fl, body := rawRead(t, conn)
	if fl&flagCommand == 0 || string(body) != "\x04PONGctx-42" {
		t.Fatalf("got flags %#x body %q, want PONG echoing the context", fl, body)
	}
	conn.Write(rawFrame(flagCommand, []byte("\x07UNKNOWN")))
	conn.Write(rawFrame(0, []byte("data")))
	if got := mustRecv(t, ctx, pull); !eq(got, "data") {
		t.Fatalf("got %q, want only the data message", got)
	}
}

func TestSubscribeCommandZMTP31(t *testing.T) {
	ctx := testCtx(t)
	pub := newSock(t, PUB)
	conn := rawPeer(t, bindAny(t, pub), zmq4.Sub)
	conn.Write(rawFrame(flagCommand, []byte("\x09SUBSCRIBEtop")))
	waitPeers(t, pub, 1)
	// Publish until the subscription has arrived.
	done := make(chan []byte, 1)
	go func() {
		_, b := rawRead(t, conn)
		done <- b
	}()
	for {
		mustSend(t, ctx, pub, "other")
		mustSend(t, ctx, pub, "topic")
		select {
		case b := <-done:
			if string(b) != "topic" {
				t.Fatalf("got %q", b)
			}
			return
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func TestSubResubscribesOnReconnect(t *testing.T) {
	ctx := testCtx(t)
	sub := newSock(t, SUB, WithSubscribe("k"), WithReconnect(Backoff{Initial: 10 * time.Millisecond}))
	pub := NewSocket(XPUB, WithLogger(quietLogger()))
	ep := bindAny(t, pub)
	mustConnect(t, sub, ep)
	if got := mustRecv(t, ctx, pub); !eq(got, "\x01k") {
		t.Fatalf("got %q", got)
	}
	pub.Close()
	pub = NewSocket(XPUB, WithLogger(quietLogger()))
	defer pub.Close()
	if err := pub.Bind(ep); err != nil {
		t.Fatal(err)
	}
	if got := mustRecv(t, ctx, pub); !eq(got, "\x01k") {
		t.Fatalf("after reconnect got %q", got)
	}
	mustSend(t, ctx, pub, "k1")
	if got := mustRecv(t, ctx, sub); !eq(got, "k1") {
		t.Fatalf("got %q", got)
	}
}

func TestCancelAndTimeout(t *testing.T) {
	pull := newSock(t, PULL, WithRecvTimeout(30*time.Millisecond))
	bindAny(t, pull)
	if _, err := pull.Recv(context.Background()); !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("recv timeout: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(10 * time.Millisecond)
		cancel()
	}()
	pull2 := newSock(t, PULL)
	if _, err := pull2.Recv(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("recv cancel: %v", err)
	}
	push := newSock(t, PUSH) // no peers: Send waits
	dctx, dcancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer dcancel()
	if err := push.Send(dctx, strMsg("x")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("send deadline: %v", err)
	}
	// Close wakes a blocked Recv.
	pull3 := newSock(t, PULL)
	errc := make(chan error, 1)
	go func() {
		_, err := pull3.Recv(context.Background())
		errc <- err
	}()
	time.Sleep(10 * time.Millisecond)
	pull3.Close()
	if err := <-errc; !errors.Is(err, ErrClosed) {
		t.Fatalf("recv on close: %v", err)
	}
}

func TestNotSupported(t *testing.T) {
	ctx := testCtx(t)
	for _, c := range []struct {
		typ  Type
		send bool
	}{{PULL, true}, {SUB, true}, {PUSH, false}, {PUB, false}} {
		s := newSock(t, c.typ)
		var err error
		if c.send {
			err = s.Send(ctx, strMsg("x"))
		} else {
			_, err = s.Recv(ctx)
		}
		if !errors.Is(err, ErrNotSupported) {
			t.Errorf("%v: %v, want ErrNotSupported", c.typ, err)
		}
	}
	if err := newSock(t, PUB).Subscribe("x"); !errors.Is(err, ErrNotSupported) {
		t.Errorf("PUB subscribe: %v", err)
	}
}

func TestTransports(t *testing.T) {
	ctx := testCtx(t)
	eps := []string{
		"tcp://127.0.0.1:0",
		"tcp://*:0",
		"ipc://" + filepath.Join(t.TempDir(), "ipc.sock"),
		"inproc://transports-test",
	}
	if l, err := net.Listen("tcp", "[::1]:0"); err == nil {
		l.Close()
		eps = append(eps, "tcp://[::1]:0")
	} else {
		t.Logf("no IPv6 loopback: %v", err)
	}
	for _, ep := range eps {
		pull := newSock(t, PULL)
		if err := pull.Bind(ep); err != nil {
			t.Fatalf("bind %s: %v", ep, err)
		}
		addr := pull.Addrs()[0]
		if strings.HasSuffix(addr, ":0") {
			t.Fatalf("Addrs()=%q: port not resolved", addr)
		}
		push := newSock(t, PUSH)
		mustConnect(t, push, addr)
		mustSend(t, ctx, push, "via", addr)
		if got := mustRecv(t, ctx, pull); !eq(got, "via", addr) {
			t.Fatalf("%s: got %q", addr, got)
		}
	}
	bad := newSock(t, PUSH)
	for _, ep := range []string{"tcp://nohost", "udp://x:1", "nothing", "tcp://host:http", "tcp://:5555", "tcp://h:70000", "ipc://"} {
		if err := bad.Connect(ep); err == nil {
			t.Errorf("connect %q: no error", ep)
		}
	}
}

func TestSeveralBinds(t *testing.T) {
	ctx := testCtx(t)
	pull := newSock(t, PULL)
	ep1, ep2 := bindAny(t, pull), bindAny(t, pull)
	if got := pull.Addrs(); len(got) != 2 {
		t.Fatalf("Addrs()=%q", got)
	}
	for _, ep := range []string{ep1, ep2} {
		push := newSock(t, PUSH)
		mustConnect(t, push, ep)
		mustSend(t, ctx, push, ep)
		if got := mustRecv(t, ctx, pull); !eq(got, ep) {
			t.Fatalf("got %q", got)
		}
	}
}

func TestLingerFlushesOnClose(t *testing.T) {
	ctx := testCtx(t)
	pull := newSock(t, PULL)
	push := NewSocket(PUSH, WithLogger(quietLogger()), WithLinger(10*time.Second))
	mustConnect(t, push, bindAny(t, pull))
	const n = 1000
	for i := 0; i < n; i++ {
		mustSend(t, ctx, push, fmt.Sprint(i))
	}
	push.Close()
	for i := 0; i < n; i++ {
		if got := mustRecv(t, ctx, pull); got[0] != fmt.Sprint(i) {
			t.Fatalf("got %q, want %d", got, i)
		}
	}
}

func TestPoller(t *testing.T) {
	ctx := testCtx(t)
	a, pa := connected(t, PULL, PUSH, nil, nil)
	b, pb := connected(t, PULL, PUSH, nil, nil)
	poller := NewPoller(a, b)
	pctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	if _, err := poller.Poll(pctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("poll with nothing: %v", err)
	}
	cancel()
	mustSend(t, ctx, pb, "b")
	ready, err := poller.Poll(ctx)
	if err != nil || fmt.Sprint(ready) != "[1]" {
		t.Fatalf("poll: %v %v, want [1]", ready, err)
	}
	mustSend(t, ctx, pa, "a")
	for {
		ready, err = poller.Poll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ready) == 2 {
			break
		}
	}
	if fmt.Sprint(ready) != "[0 1]" {
		t.Fatalf("poll: %v", ready)
	}
	mustRecv(t, ctx, a)
	mustRecv(t, ctx, b)
}

func TestCloseIdempotentAndNoLeak(t *testing.T) {
	ctx := testCtx(t)
	before := runtime.NumGoroutine()
	func() {
		pull := NewSocket(PULL, WithLogger(quietLogger()))
		push := NewSocket(PUSH, WithLogger(quietLogger()))
		ep := bindAny(t, pull)
		mustConnect(t, push, ep)
		mustConnect(t, push, "tcp://"+freePort(t)) // never answers: keeps redialling
		pub := NewSocket(PUB, WithLogger(quietLogger()))
		sub := NewSocket(SUB, WithLogger(quietLogger()), WithSubscribe(""))
		mustConnect(t, sub, bindAny(t, pub))
		ipc := NewSocket(PAIR, WithLogger(quietLogger()))
		ipc.Bind("ipc://" + filepath.Join(t.TempDir(), "leak"))
		inp := NewSocket(PAIR, WithLogger(quietLogger()))
		inp.Connect("inproc://leak-test")
		mustSend(t, ctx, push, "x")
		mustRecv(t, ctx, pull)
		// A raw peer stuck in its handshake.
		stuck, err := net.Dial("tcp", strings.TrimPrefix(ep, "tcp://"))
		if err != nil {
			t.Fatal(err)
		}
		defer stuck.Close()
		// A blocked Recv.
		done := make(chan struct{})
		go func() {
			sub.Recv(context.Background())
			close(done)
		}()
		for _, s := range []*Socket{pull, push, pub, sub, ipc, inp} {
			start := time.Now()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("second close: %v", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Fatalf("Close took %v", d)
			}
		}
		<-done
		if err := push.Send(ctx, strMsg("x")); !errors.Is(err, ErrClosed) {
			t.Fatalf("send after close: %v", err)
		}
	}()
	deadline := time.Now().Add(testTimeout)
	for {
		n := runtime.NumGoroutine()
		if n <= before {
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines before, %d after:\n%s", before, n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFrameSizes sends frames of sizes around every boundary of the
// framing (short/long header) and of the reader's buffers (inline bodies,
// buffer ends, bodies larger than a buffer), interleaved so that frames
// straddle buffer ends, and checks every byte.
func TestFrameSizes(t *testing.T) {
	ctx := testCtx(t)
	pull, push := connected(t, PULL, PUSH, nil, nil)
	sizes := []int{0, 1, 255, 256, 1000, maxInline - 1, maxInline, maxInline + 1,
		chunkSize - 1, chunkSize, chunkSize + 1, 3*chunkSize + 7, 1<<20 + 3, 5}
	var msgs []Msg
	for i := 0; i < 3; i++ {
		for j, n := range sizes {
			f := make([]byte, n)
			for k := range f {
				f[k] = byte(k*7 + j + i)
			}
			msgs = append(msgs, Msg{f, []byte(fmt.Sprint(i, j))}, Msg{[]byte("small"), f})
		}
	}
	go func() {
		for _, m := range msgs {
			if err := push.Send(ctx, m); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for i, want := range msgs {
		got, err := pull.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("message %d: %d frames, want %d", i, len(got), len(want))
		}
		for k := range want {
			if !bytes.Equal(got[k], want[k]) {
				t.Fatalf("message %d frame %d: %d bytes differ from the %d sent", i, k, len(got[k]), len(want[k]))
			}
			if cap(got[k]) != len(got[k]) {
				// An append by the application must not reach into the
				// next message.
				t.Fatalf("message %d frame %d: cap %d > len %d", i, k, cap(got[k]), len(got[k]))
			}
		}
	}
}

func TestCloseBoundedByLingerWithStalledPeer(t *testing.T) {
	ctx := testCtx(t)
	push := NewSocket(PUSH, WithLogger(quietLogger()), WithLinger(100*time.Millisecond), WithSendTimeout(100*time.Millisecond))
	ep := bindAny(t, push)
	rawPeer(t, ep, zmq4.Pull) // never reads
	waitPeers(t, push, 1)
	big := bytes.Repeat([]byte("z"), 64<<10)
	for push.Send(ctx, Msg{big}) == nil {
	}
	start := time.Now()
	push.Close()
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("Close took %v with a linger of 100ms", d)
	}
}

func TestRouterRefusesDuplicateIdentity(t *testing.T) {
	ctx := testCtx(t)
	router := newSock(t, ROUTER)
	ep := bindAny(t, router)
	first := newSock(t, DEALER, WithIdentity([]byte("same")))
	mustConnect(t, first, ep)
	waitPeers(t, router, 1)
	second := newSock(t, DEALER, WithIdentity([]byte("same")))
	mustConnect(t, second, ep)
	mustSend(t, ctx, second, "from second")
	mustSend(t, ctx, first, "from first")
	if got := mustRecv(t, ctx, router); !eq(got, "same", "from first") {
		t.Fatalf("got %q: the second peer with the same identity must be refused", got)
	}
	if n := router.c.peerCount(); n != 1 {
		t.Fatalf("ROUTER has %d peers", n)
	}
}

// TestConcurrentSendRecv: a Socket is used by several goroutines at once;
// every message arrives exactly once.
func TestConcurrentSendRecv(t *testing.T) {
	ctx := testCtx(t)
	pull, push := connected(t, PULL, PUSH, []Option{WithRecvHWM(10)}, []Option{WithSendHWM(10)})
	const senders, each = 4, 500
	var wg sync.WaitGroup
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := push.Send(ctx, strMsg(fmt.Sprint(s, "-", i))); err != nil {
					t.Error(err)
					return
				}
			}
		}(s)
	}
	got := make(chan string, senders*each)
	var rwg sync.WaitGroup
	var mu sync.Mutex
	left := senders * each
	for r := 0; r < 3; r++ {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for {
				mu.Lock()
				if left == 0 {
					mu.Unlock()
					return
				}
				left--
				mu.Unlock()
				m, err := pull.Recv(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				got <- string(m[0])
			}
		}()
	}
	wg.Wait()
	rwg.Wait()
	close(got)
	seen := map[string]int{}
	for m := range got {
		seen[m]++
	}
	for s := 0; s < senders; s++ {
		for i := 0; i < each; i++ {
			if n := seen[fmt.Sprint(s, "-", i)]; n != 1 {
				t.Fatalf("message %d-%d received %d times", s, i, n)
			}
		}
	}
}

// TestGarbageFromPeers: whatever a peer sends after its handshake, the
// socket neither panics nor stops serving its other peers.
func TestGarbageFromPeers(t *testing.T) {
	ctx := testCtx(t)
	for _, typ := range []Type{PULL, PUB, ROUTER} {
		s := newSock(t, typ, WithMaxMsgSize(1<<20))
		ep := bindAny(t, s)
		peerType := map[Type]zmq4.SocketType{PULL: zmq4.Push, PUB: zmq4.Sub, ROUTER: zmq4.Dealer}[typ]
		inputs := [][]byte{
			{0xf0, 0},                               // unknown flags
			{flagCommand, 0},                        // empty command
			{flagCommand, 3, 9, 'A', 'B'},           // name longer than the body
			{flagCommand, 5, 4, 'P', 'I', 'N', 'G'}, // PING without TTL
			{flagCommand | flagMore, 1, 0},          // command with MORE
			{flagMore, 1, 'x', flagCommand, 5, 4, 'P', 'O', 'N', 'G'}, // command inside a message
			{flagCommand, 6, 5, 'E', 'R', 'R', 'O', 'R'},              // ERROR with a bad reason
			{0, 2, 1}, // truncated body, then EOF
		}
		seed := uint32(1)
		for i := 0; i < 50; i++ {
			b := make([]byte, 1+i*7%97)
			for k := range b {
				seed = seed*1664525 + 1013904223
				b[k] = byte(seed >> 24)
			}
			inputs = append(inputs, b)
		}
		for _, in := range inputs {
			conn := rawPeer(t, ep, peerType)
			conn.Write(in)
			conn.Close()
		}
		// Still serving.
		switch typ {
		case PULL:
			push := newSock(t, PUSH)
			mustConnect(t, push, ep)
			mustSend(t, ctx, push, "ok")
			if got := mustRecv(t, ctx, s); !eq(got, "ok") {
				t.Fatalf("PULL got %q", got)
			}
		case ROUTER:
			d := newSock(t, DEALER, WithIdentity([]byte("d")))
			mustConnect(t, d, ep)
			mustSend(t, ctx, d, "ok")
			if got := mustRecv(t, ctx, s); !eq(got, "d", "ok") {
				t.Fatalf("ROUTER got %q", got)
			}
		case PUB:
			sub := newSock(t, SUB, WithSubscribe(""))
			mustConnect(t, sub, ep)
			got := make(chan []string, 1)
			go func() {
				m, err := sub.Recv(ctx)
				if err == nil {
					got <- msgStrs(m)
				}
				close(got)
			}()
			for done := false; !done; {
				mustSend(t, ctx, s, "ok")
				select {
				case m := <-got:
					if !eq(m, "ok") {
						t.Fatalf("SUB got %q", m)
					}
					done = true
				case <-time.After(5 * time.Millisecond):
				}
			}
		}
	}
}

// TestGarbageHandshakes: malformed greetings and READY commands (some make
// zmq4 panic) are refused without bringing the socket down.
func TestGarbageHandshakes(t *testing.T) {
	ctx := testCtx(t)
	pull := newSock(t, PULL)
	ep := bindAny(t, pull)
	greeting := make([]byte, 64)
	greeting[0], greeting[9], greeting[10] = 0xff, 0x7f, 3
	copy(greeting[12:], "NULL")
	ready := func(meta []byte) []byte {
		return rawFrame(flagCommand, append([]byte("\x05READY"), meta...))
	}
	prop := func(k, v string) []byte {
		b := append([]byte{byte(len(k))}, k...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		return append(b, v...)
	}
	inputs := [][]byte{
		[]byte("GET / HTTP/1.1\r\n\r\n"),
		append(append([]byte{}, greeting...), ready(prop("Socket-Type", "FOO"))...),
		append(append([]byte{}, greeting...), ready(prop("Socket-Type", "PUSH")[:9])...),
		append(append([]byte{}, greeting...), ready([]byte{200})...),
		append(append([]byte{}, greeting...), rawFrame(0, []byte("data before READY"))...),
		append(append([]byte{}, greeting[:10]...), make([]byte, 54)...),
	}
	for _, in := range inputs {
		conn, err := net.Dial("tcp", strings.TrimPrefix(ep, "tcp://"))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(in)
		// A short greeting would otherwise wait for the handshake timeout.
		conn.(*net.TCPConn).CloseWrite()
		conn.SetReadDeadline(time.Now().Add(testTimeout))
		// Closed, or reset: a frame refused at its header leaves the rest
		// of the input unread, and closing a socket with unread input
		// resets the connection.
		if _, err := io.Copy(io.Discard, conn); err != nil && !errors.Is(err, syscall.ECONNRESET) {
			t.Fatalf("input %q: want the connection closed, got %v", in, err)
		}
		conn.Close()
	}
	push := newSock(t, PUSH)
	mustConnect(t, push, ep)
	mustSend(t, ctx, push, "ok")
	if got := mustRecv(t, ctx, pull); !eq(got, "ok") {
		t.Fatalf("got %q", got)
	}
}

// xpubSees receives from xpub until it has had each of msgs (in any
// order), failing on anything else.
func xpubSees(t *testing.T, ctx context.Context, xpub *Socket, msgs ...string) {
	t.Helper()
	seen := map[string]bool{}
	for len(seen) < len(msgs) {
		m := mustRecv(t, ctx, xpub)
		if !slices.Contains(msgs, m[0]) {
			t.Fatalf("XPUB got %q, want one of %q", m, msgs)
		}
		seen[m[0]] = true
	}
}

// Subscriptions are counted, as in libzmq: a prefix subscribed to twice
// stays subscribed after one Unsubscribe, and only the last one cancels it
// at the publisher.
func TestUnsubscribeCounted(t *testing.T) {
	ctx := testCtx(t)
	xpub, sub := connected(t, XPUB, SUB, nil, []Option{WithSubscribe("a", "b", "a")})
	xpubSees(t, ctx, xpub, "\x01a", "\x01b")
	for _, topic := range []string{"a", "b"} {
		if err := sub.Unsubscribe(topic); err != nil {
			t.Fatal(err)
		}
	}
	// One connection keeps order: had the first Unsubscribe("a") been
	// sent, it would come first.
	if got := mustRecv(t, ctx, xpub); !eq(got, "\x00b") {
		t.Fatalf("XPUB got %q, want the cancellation of b", got)
	}
	mustSend(t, ctx, xpub, "b1")
	mustSend(t, ctx, xpub, "a1")
	if got := mustRecv(t, ctx, sub); !eq(got, "a1") {
		t.Fatalf("SUB got %q, want a1", got)
	}
	if err := sub.Unsubscribe("a"); err != nil {
		t.Fatal(err)
	}
	if got := mustRecv(t, ctx, xpub); !eq(got, "\x00a") {
		t.Fatalf("XPUB got %q, want the cancellation of a", got)
	}
}

func TestUnsubscribe(t *testing.T) {
	ctx := testCtx(t)
	xpub, sub := connected(t, XPUB, SUB, nil, []Option{WithSubscribe("a", "b")})
	xpubSees(t, ctx, xpub, "\x01a", "\x01b")
	if err := sub.Unsubscribe("a"); err != nil {
		t.Fatal(err)
	}
	if got := mustRecv(t, ctx, xpub); !eq(got, "\x00a") {
		t.Fatalf("XPUB got %q, want the cancellation of a", got)
	}
	// Unsubscribing what is not subscribed changes nothing.
	if err := sub.Unsubscribe("zzz"); err != nil {
		t.Fatal(err)
	}
	mustSend(t, ctx, xpub, "a1")
	mustSend(t, ctx, xpub, "b1")
	if got := mustRecv(t, ctx, sub); !eq(got, "b1") {
		t.Fatalf("SUB got %q, want only b1", got)
	}
}
