package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// replicas are PULL sockets bound to one port on several loopback
// addresses, as the pods of a headless Service are, each counting what it
// receives.
type replicas struct {
	t    *testing.T
	port string
	mu   sync.Mutex
	got  map[string]int // by address
	cond *sync.Cond
	pull map[string]*Socket
}

// bindReplicas binds a PULL socket on each of addrs, all on one port.
func bindReplicas(t *testing.T, addrs ...string) *replicas {
	t.Helper()
	r := &replicas{t: t, got: map[string]int{}, pull: map[string]*Socket{}}
	r.cond = sync.NewCond(&r.mu)
	for _, a := range addrs {
		r.add(a)
	}
	return r
}

// add binds a PULL socket on a, on the replicas' port (the first picks it).
func (r *replicas) add(a string) {
	r.t.Helper()
	s := NewSocket(PULL, WithLogger(quietLogger()), WithLinger(0))
	port := r.port
	if port == "" {
		port = "0"
	}
	if err := s.Bind("tcp://" + net.JoinHostPort(a, port)); err != nil {
		s.Close()
		r.t.Skipf("%s:%s not usable here: %v", a, port, err)
	}
	if r.port == "" {
		_, r.port, _ = net.SplitHostPort(s.Addrs()[0][len("tcp://"):])
	}
	r.pull[a] = s
	r.t.Cleanup(func() { s.Close() })
	go func() {
		for {
			if _, err := s.Recv(context.Background()); err != nil {
				return
			}
			r.mu.Lock()
			r.got[a]++
			r.cond.Broadcast()
			r.mu.Unlock()
		}
	}()
}

// waitTotal waits until the replicas at addrs have received n messages in
// all, and returns what each has.
func (r *replicas) waitTotal(n int, addrs ...string) map[string]int {
	r.t.Helper()
	ctx := testCtx(r.t)
	stop := context.AfterFunc(ctx, func() {
		r.mu.Lock()
		r.cond.Broadcast()
		r.mu.Unlock()
	})
	defer stop()
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		sum := 0
		for _, a := range addrs {
			sum += r.got[a]
		}
		if sum >= n {
			out := map[string]int{}
			for a, c := range r.got {
				out[a] = c
			}
			return out
		}
		if ctx.Err() != nil {
			r.t.Fatalf("%v received %d of %d messages (all: %v)", addrs, sum, n, r.got)
		}
		r.cond.Wait()
	}
}

// An evKey is an event of a type from a remote address.
type evKey struct {
	typ    EventType
	remote string
}

// waitEvents waits for every event of want, in any order, skipping others.
func waitEvents(t *testing.T, ctx context.Context, evs <-chan Event, want ...evKey) {
	t.Helper()
	left := map[evKey]bool{}
	for _, k := range want {
		left[k] = true
	}
	for len(left) > 0 {
		select {
		case ev, ok := <-evs:
			if !ok {
				t.Fatalf("events ended before %v", left)
			}
			delete(left, evKey{ev.Type, ev.Remote})
		case <-ctx.Done():
			t.Fatalf("no events %v: %v", left, ctx.Err())
		}
	}
}

// TestConnectAllFollowsName: a PUSH socket WithConnectAll that connects
// to a name with two addresses has a connection to each and deals its
// messages over both; when the name's addresses change, it connects to
// the new one and leaves the one that went, and every message after the
// change reaches one of the name's addresses of now.
func TestConnectAllFollowsName(t *testing.T) {
	const name = "workers.zmqgen.test."
	r := bindReplicas(t, "127.0.0.2", "127.0.0.3")
	dns := startDNS(t, name, netip.MustParseAddr("127.0.0.2"), netip.MustParseAddr("127.0.0.3"))
	useDNS(t, dns)
	ctx := testCtx(t)

	push := newSock(t, PUSH, WithConnectAll(20*time.Millisecond), WithReconnect(Backoff{Initial: 20 * time.Millisecond}))
	evs, stop := push.Monitor(256)
	defer stop()
	mustConnect(t, push, "tcp://"+name+":"+r.port)
	at := func(a string) string { return a + ":" + r.port }
	waitEvents(t, ctx, evs, evKey{EventConnected, at("127.0.0.2")}, evKey{EventConnected, at("127.0.0.3")})
	for i := range 10 {
		mustSend(t, ctx, push, fmt.Sprint(i))
	}
	got := r.waitTotal(10, "127.0.0.2", "127.0.0.3")
	if got["127.0.0.2"] == 0 || got["127.0.0.3"] == 0 {
		t.Errorf("messages by replica %v: want both replicas to get some", got)
	}
	if n := push.c.peerCount(); n != 2 {
		t.Errorf("%d peers, want 2", n)
	}

	// 127.0.0.4 joins the name, 127.0.0.2 leaves it (it still listens:
	// only the name says it is no longer one of the replicas).
	r.add("127.0.0.4")
	dns.set(netip.MustParseAddr("127.0.0.3"), netip.MustParseAddr("127.0.0.4"))
	waitEvents(t, ctx, evs, evKey{EventConnected, at("127.0.0.4")}, evKey{EventDisconnected, at("127.0.0.2")})
	before := got["127.0.0.2"]
	for i := range 10 {
		mustSend(t, ctx, push, fmt.Sprint(10+i))
	}
	// Ten messages at .3 and .4 beyond what .3 had: none went to .2.
	got = r.waitTotal(got["127.0.0.3"]+10, "127.0.0.3", "127.0.0.4")
	if got["127.0.0.2"] != before || got["127.0.0.4"] == 0 {
		t.Errorf("after the change, messages by replica %v (127.0.0.2 had %d before)", got, before)
	}
	if n := push.c.peerCount(); n != 2 {
		t.Errorf("%d peers, want 2", n)
	}
}

// TestConnectAllLooksUpOnDisconnect: a lost connection makes the socket
// look the name up at once, not at its next interval (an hour here): the
// replica that went away took its address with it, and its successor has
// another.
func TestConnectAllLooksUpOnDisconnect(t *testing.T) {
	const name = "queue.zmqgen.test."
	r := bindReplicas(t, "127.0.0.2")
	dns := startDNS(t, name, netip.MustParseAddr("127.0.0.2"))
	useDNS(t, dns)
	ctx := testCtx(t)

	push := newSock(t, PUSH, WithConnectAll(time.Hour), WithReconnect(Backoff{Initial: 20 * time.Millisecond}))
	evs, stop := push.Monitor(256)
	defer stop()
	mustConnect(t, push, "tcp://"+name+":"+r.port)
	waitEvents(t, ctx, evs, evKey{EventConnected, "127.0.0.2:" + r.port})

	r.add("127.0.0.3")
	dns.set(netip.MustParseAddr("127.0.0.3"))
	queries := dns.queries.Load()
	r.pull["127.0.0.2"].Close()
	waitEvents(t, ctx, evs, evKey{EventConnected, "127.0.0.3:" + r.port})
	mustSend(t, ctx, push, "moved")
	r.waitTotal(1, "127.0.0.3")
	if dns.queries.Load() <= queries {
		t.Errorf("no lookup after the disconnection")
	}
}

// TestConnectAllLeavesAddressesAlone: an endpoint given by an address,
// not a name, connects as it would without the option.
func TestConnectAllLeavesAddressesAlone(t *testing.T) {
	r := bindReplicas(t, "127.0.0.1")
	ctx := testCtx(t)
	push := newSock(t, PUSH, WithConnectAll(time.Hour))
	evs, stop := push.Monitor(64)
	defer stop()
	ep := "tcp://127.0.0.1:" + r.port
	mustConnect(t, push, ep)
	if ev := waitEvent(t, ctx, evs, EventConnected); ev.Endpoint != ep {
		t.Errorf("connected through %q, want the endpoint as given, %q", ev.Endpoint, ep)
	}
	mustSend(t, ctx, push, "x")
	r.waitTotal(1, "127.0.0.1")
}

// stalledReplica is the setup of the linger tests: a PULL on 127.0.0.2
// that does not read for now (its receive HWM of 1 stops its reader, then
// TCP's buffers fill, then the PUSH's queue), name resolving to it, and a
// connect-all PUSH (linger a minute) that has queued for it the n
// messages, numbered, that slow must then receive in order; push's
// events are evs. It skips the test when nothing is left queued.
func stalledReplica(t *testing.T, ctx context.Context, name string) (slow, push *Socket, evs <-chan Event, port string, dns *dnsServer, queued int) {
	t.Helper()
	slow = NewSocket(PULL, WithLogger(quietLogger()), WithRecvHWM(1))
	if err := slow.Bind("tcp://127.0.0.2:0"); err != nil {
		slow.Close()
		t.Skipf("127.0.0.2 not usable here: %v", err)
	}
	t.Cleanup(func() { slow.Close() })
	_, port, _ = net.SplitHostPort(slow.Addrs()[0][len("tcp://"):])
	dns = startDNS(t, name, netip.MustParseAddr("127.0.0.2"))
	useDNS(t, dns)

	push = newSock(t, PUSH, WithConnectAll(20*time.Millisecond), WithLinger(time.Minute), WithSendHWM(0))
	evs, stop := push.Monitor(256)
	t.Cleanup(stop)
	mustConnect(t, push, "tcp://"+name+":"+port)
	waitEvents(t, ctx, evs, evKey{EventConnected, "127.0.0.2:" + port})
	big := strings.Repeat("x", 256<<10)
	for i := range stalledMsgs {
		mustSend(t, ctx, push, fmt.Sprint(i), big)
	}
	if queued = push.c.queuedOut(); queued == 0 {
		t.Skip("the socket buffers took every message; nothing to linger on")
	}
	return slow, push, evs, port, dns, queued
}

// stalledMsgs is how many messages stalledReplica queues: 16 MiB, more
// than loopback's socket buffers hold.
const stalledMsgs = 64

// recvStalled receives stalledReplica's messages from slow, in order.
func recvStalled(t *testing.T, ctx context.Context, slow *Socket, queued int) {
	t.Helper()
	for i := range stalledMsgs {
		m, err := slow.Recv(ctx)
		if err != nil {
			t.Fatalf("message %d of %d (%d were queued): %v", i, stalledMsgs, queued, err)
		}
		if string(m[0]) != fmt.Sprint(i) {
			t.Fatalf("message %d is %q", i, m[0])
		}
	}
}

// TestConnectAllLingersOnLeftAddress: messages queued for an address when
// it leaves the name are still written to it, within the linger time,
// before its connection is closed; what is sent after goes to the
// addresses the name gives now.
func TestConnectAllLingersOnLeftAddress(t *testing.T) {
	ctx := testCtx(t)
	slow, push, evs, port, dns, queued := stalledReplica(t, ctx, "lingering.zmqgen.test.")
	r := bindReplicas(t)
	r.port = port

	// The name moves to 127.0.0.3: the next lookup adds .3 and takes .2
	// out, at once (one update), so once .3 is connected .2 has left.
	r.add("127.0.0.3")
	dns.set(netip.MustParseAddr("127.0.0.3"))
	waitEvents(t, ctx, evs, evKey{EventConnected, "127.0.0.3:" + port})
	mustSend(t, ctx, push, "after")
	r.waitTotal(1, "127.0.0.3")

	// .2 left the name with messages queued: it gets every one once it
	// reads, and only then is its connection closed.
	recvStalled(t, ctx, slow, queued)
	for {
		ev := waitEvent(t, ctx, evs, EventDisconnected)
		if ev.Remote == "127.0.0.2:"+port {
			if !errors.Is(ev.Err, errAddressGone) {
				t.Errorf("disconnected from .2 for %v, want errAddressGone", ev.Err)
			}
			break
		}
	}
	t.Logf("%d of %d messages were queued when 127.0.0.2 left the name; all delivered", queued, stalledMsgs)
}

// Close lingers on a connect-all socket's connections as on any other:
// what was queued for an address still in the name is written before its
// connection closes.
func TestConnectAllCloseLingers(t *testing.T) {
	ctx := testCtx(t)
	slow, push, _, _, _, queued := stalledReplica(t, ctx, "closing.zmqgen.test.")
	closed := make(chan error, 1)
	go func() { closed <- push.Close() }()
	recvStalled(t, ctx, slow, queued)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

// TestConnectAllNotReadyWithoutAddress: while its name gives no address,
// a connect-to-all endpoint is a connect endpoint without a connection,
// for Ready and the metrics; once an address connects, it is not.
func TestConnectAllNotReadyWithoutAddress(t *testing.T) {
	const name = "empty.zmqgen.test."
	dns := startDNS(t, name)
	useDNS(t, dns)
	ctx := testCtx(t)
	sock := "dialall.notready"
	push := newSock(t, PUSH, WithName(sock), WithConnectAll(20*time.Millisecond), WithReconnect(Backoff{Initial: 20 * time.Millisecond}))
	evs, stop := push.Monitor(64)
	defer stop()
	r := bindReplicas(t, "127.0.0.2")
	ep := "tcp://" + name + ":" + r.port
	mustConnect(t, push, ep)
	if err := Ready(); err == nil || !strings.Contains(err.Error(), sock+" → "+ep) {
		t.Errorf("Ready() = %v, want %s → %s not connected", err, sock, ep)
	}
	dns.set(netip.MustParseAddr("127.0.0.2"))
	waitEvents(t, ctx, evs, evKey{EventConnected, "127.0.0.2:" + r.port})
	if err := Ready(); err != nil && strings.Contains(err.Error(), sock+" ") {
		t.Errorf("Ready() = %v after the name gave a connected address", err)
	}
}
