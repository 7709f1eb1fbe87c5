package runtime

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/internal/testdns"
	"golang.org/x/net/dns/dnsmessage"
)

// dnsServer is a DNS server on 127.0.0.1 (UDP) that answers A queries for
// one name with the addresses set last, and counts the queries.
type dnsServer struct {
	name    dnsmessage.Name
	addrs   atomic.Pointer[[]netip.Addr]
	queries atomic.Int64
	pc      net.PacketConn
}

func startDNS(t *testing.T, name string, a ...netip.Addr) *dnsServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &dnsServer{name: dnsmessage.MustNewName(name), pc: pc}
	s.set(a...)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		testdns.Serve(pc, s.lookup)
	}()
	t.Cleanup(func() { pc.Close(); wg.Wait() })
	return s
}

// set makes the name resolve to addrs from now on.
func (s *dnsServer) set(addrs ...netip.Addr) { s.addrs.Store(&addrs) }

// useDNS points the resolver of the package at s for the test.
func useDNS(t *testing.T, s *dnsServer) {
	old := resolver
	resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", s.pc.LocalAddr().String())
	}}
	t.Cleanup(func() { resolver = old })
}

// lookup knows s's name only, and counts the A queries for it.
func (s *dnsServer) lookup(q dnsmessage.Question) ([]netip.Addr, bool) {
	if q.Name.String() != s.name.String() {
		return nil, false
	}
	if q.Type == dnsmessage.TypeA {
		s.queries.Add(1)
	}
	return *s.addrs.Load(), true
}

// TestConnectResolvesNameOnReconnect: a connect endpoint given by a host
// name follows its peer when the peer comes back on another address and
// the name moves with it, as a restarted pod behind a Service name does.
// The name is resolved by Go's own resolver, over real DNS queries to a
// server on loopback; only where the resolver sends them is the test's.
func TestConnectResolvesNameOnReconnect(t *testing.T) {
	const name = "sink.zmqgen.test."
	dns := startDNS(t, name, netip.MustParseAddr("127.0.0.2"))
	useDNS(t, dns)
	ctx := testCtx(t)

	first := NewSocket(PULL, WithLogger(quietLogger()))
	if err := first.Bind("tcp://127.0.0.2:0"); err != nil {
		first.Close()
		t.Skipf("127.0.0.2 not usable here: %v", err)
	}
	_, port, _ := net.SplitHostPort(first.Addrs()[0][len("tcp://"):])

	push := newSock(t, PUSH, WithReconnect(Backoff{Initial: 20 * time.Millisecond}))
	evs, stop := push.Monitor(64)
	defer stop()
	mustConnect(t, push, "tcp://"+name+":"+port)
	mustSend(t, ctx, push, "one")
	if got := msgStrs(mustRecvMsg(t, ctx, first)); got[0] != "one" {
		t.Fatalf("first peer got %q", got)
	}
	before := dns.queries.Load()
	if before < 1 {
		t.Fatalf("the name was never looked up (queries %d)", before)
	}

	// The peer goes away and comes back on 127.0.0.3, same port; the name
	// now says 127.0.0.3. Nothing listens on 127.0.0.2 any more, so only a
	// fresh lookup finds it.
	first.Close()
	waitEvent(t, ctx, evs, EventDisconnected)
	second := newSock(t, PULL)
	if err := second.Bind("tcp://127.0.0.3:" + port); err != nil {
		t.Skipf("127.0.0.3:%s not usable here: %v", port, err)
	}
	dns.set(netip.MustParseAddr("127.0.0.3"))
	ev := waitEvent(t, ctx, evs, EventConnected)
	if ev.Remote != "127.0.0.3:"+port {
		t.Fatalf("reconnected to %s, want 127.0.0.3:%s", ev.Remote, port)
	}
	mustSend(t, ctx, push, "two")
	if got := msgStrs(mustRecvMsg(t, ctx, second)); got[0] != "two" {
		t.Fatalf("moved peer got %q", got)
	}
	if after := dns.queries.Load(); after <= before {
		t.Fatalf("reconnect did not look the name up again (queries %d, then %d)", before, after)
	}
	t.Logf("A queries: %d before the move, %d after", before, dns.queries.Load())
}

func mustRecvMsg(t *testing.T, ctx context.Context, s *Socket) Msg {
	t.Helper()
	m, err := s.Recv(ctx)
	if err != nil {
		t.Fatalf("%v recv: %v", s.Type(), err)
	}
	return m
}

// waitEvent returns the next event of type typ from evs.
func waitEvent(t *testing.T, ctx context.Context, evs <-chan Event, typ EventType) Event {
	t.Helper()
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				t.Fatalf("events ended before %v", typ)
			}
			if ev.Type == typ {
				return ev
			}
		case <-ctx.Done():
			t.Fatalf("no %v event: %v", typ, ctx.Err())
		}
	}
}
