package runtime

// Interop with libzmq: each test runs our sockets against libzmq peers
// (pyzmq under Debian's /usr/bin/python3, see internal/pyzmqtest), in both
// directions where the pattern has two. They are skipped, saying why, when
// pyzmq is missing.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/runtime/internal/pyzmqtest"
)

func ipSock(t *testing.T, typ Type, opts ...Option) *Socket {
	t.Helper()
	s := NewSocket(typ, append([]Option{WithLogger(quietLogger()), WithName("interop." + typ.String())}, opts...)...)
	t.Cleanup(func() { s.Close() })
	return s
}

func ipBind(t *testing.T, s *Socket) string {
	t.Helper()
	if err := s.Bind("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return s.Addrs()[0]
}

func ipConnect(t *testing.T, s *Socket, ep string) {
	t.Helper()
	if err := s.Connect(ep); err != nil {
		t.Fatal(err)
	}
}

func ipSend(t *testing.T, ctx context.Context, s *Socket, frames ...string) {
	t.Helper()
	m := make(Msg, len(frames))
	for i, f := range frames {
		m[i] = []byte(f)
	}
	if err := s.Send(ctx, m); err != nil {
		t.Fatalf("%s: send %q: %v", s.Name(), frames, err)
	}
}

func ipRecv(t *testing.T, ctx context.Context, s *Socket) []string {
	t.Helper()
	m, err := s.Recv(ctx)
	if err != nil {
		t.Fatalf("%s: recv: %v", s.Name(), err)
	}
	return strs(m)
}

func strs(m [][]byte) []string {
	out := make([]string, len(m))
	for i, f := range m {
		out[i] = string(f)
	}
	return out
}

func ipWaitPeers(t *testing.T, s *Socket, n int) {
	t.Helper()
	deadline := time.Now().Add(pyzmqtest.Timeout)
	for s.c.peerCount() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d peers, want %d", s.Name(), s.c.peerCount(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitHandshakes waits until a monitored libzmq peer has completed n
// handshakes.
func waitHandshakes(p *pyzmqtest.Peer, n int) {
	for i := 0; i < n; i++ {
		p.WaitEvent("EVENT HANDSHAKE_SUCCEEDED")
	}
}

func TestInteropPushToLibzmqPulls(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	push := ipSock(t, PUSH)
	ep := ipBind(t, push)
	var peers []*pyzmqtest.Peer
	for i := 0; i < 3; i++ {
		peers = append(peers, pyzmqtest.Start(t, "PULL", "--connect", ep))
	}
	ipWaitPeers(t, push, 3)
	const n = 300
	for i := 0; i < n; i++ {
		ipSend(t, ctx, push, fmt.Sprintf("m-%d", i))
	}
	seen := map[string]int{}
	for k, p := range peers {
		for i := 0; i < n/3; i++ { // round-robin: exactly a third each
			m := p.Next()
			seen[string(m[0])]++
			if len(m) != 1 {
				t.Errorf("peer %d received %q", k, m)
			}
		}
	}
	if len(seen) != n {
		t.Errorf("%d distinct messages received, want %d (duplicates: %v)", len(seen), n, dups(seen))
	}
}

func dups(seen map[string]int) []string {
	var d []string
	for k, v := range seen {
		if v > 1 {
			d = append(d, k)
		}
	}
	slices.Sort(d)
	return d
}

func TestInteropLibzmqPushesToPull(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	pull := ipSock(t, PULL)
	ep := ipBind(t, pull)
	const per = 100
	for k := 0; k < 3; k++ {
		p := pyzmqtest.Start(t, "PUSH", "--connect", ep)
		p.Do(fmt.Sprintf("sendn %d p%d", per, k))
	}
	next := map[string]int{} // per sender, the next index expected
	for i := 0; i < 3*per; i++ {
		m := ipRecv(t, ctx, pull)
		sender, idx, _ := strings.Cut(m[0], "-")
		if want := fmt.Sprint(next[sender]); idx != want {
			t.Fatalf("from %s got message %s, want %s (lost, duplicated or reordered)", sender, idx, want)
		}
		next[sender]++
	}
	for k := 0; k < 3; k++ {
		if got := next[fmt.Sprintf("p%d", k)]; got != per {
			t.Errorf("p%d: %d messages, want %d", k, got, per)
		}
	}
}

func TestInteropLibzmqPushToPulls(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	push := pyzmqtest.Start(t, "PUSH", "--bind", "tcp://127.0.0.1:0", "--monitor")
	var pulls []*Socket
	for i := 0; i < 3; i++ {
		s := ipSock(t, PULL)
		ipConnect(t, s, push.Endpoint())
		pulls = append(pulls, s)
	}
	waitHandshakes(push, 3)
	push.Do("sendn 300 m")
	seen := map[string]int{}
	for _, s := range pulls {
		for i := 0; i < 100; i++ { // libzmq round-robins exactly
			seen[ipRecv(t, ctx, s)[0]]++
		}
	}
	if len(seen) != 300 {
		t.Errorf("%d distinct messages, want 300 (duplicates: %v)", len(seen), dups(seen))
	}
}

func TestInteropReqToLibzmqRep(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	rep := pyzmqtest.Start(t, "REP", "--bind", "tcp://127.0.0.1:0", "--echo", "re:")
	req := ipSock(t, REQ)
	ipConnect(t, req, rep.Endpoint())
	for i := 0; i < 5; i++ {
		ipSend(t, ctx, req, fmt.Sprint("hello ", i), "two")
		if got := ipRecv(t, ctx, req); !slices.Equal(got, []string{fmt.Sprint("hello ", i), "re:two"}) {
			t.Fatalf("reply %q", got)
		}
		if got := strs(rep.Next()); !slices.Equal(got, []string{fmt.Sprint("hello ", i), "two"}) {
			t.Errorf("libzmq REP received %q", got)
		}
	}
}

func TestInteropLibzmqReqToRep(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	rep := ipSock(t, REP)
	req := pyzmqtest.Start(t, "REQ", "--connect", ipBind(t, rep))
	for i := 0; i < 5; i++ {
		req.Send(fmt.Sprint("q", i))
		if got := ipRecv(t, ctx, rep); !slices.Equal(got, []string{fmt.Sprint("q", i)}) {
			t.Fatalf("REP received %q", got)
		}
		ipSend(t, ctx, rep, fmt.Sprint("a", i))
		if got := strs(req.Next()); !slices.Equal(got, []string{fmt.Sprint("a", i)}) {
			t.Fatalf("libzmq REQ received %q", got)
		}
	}
}

// TestInteropBrokerWithLibzmqClientsAndWorkers runs the guide's
// request-reply broker (rrbroker: ROUTER frontend, DEALER backend, a
// poller) in Go between libzmq REQ clients and libzmq REP workers.
func TestInteropBrokerWithLibzmqClientsAndWorkers(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	frontend := ipSock(t, ROUTER)
	backend := ipSock(t, DEALER)
	fep, bep := ipBind(t, frontend), ipBind(t, backend)
	for _, w := range []string{"w1:", "w2:"} {
		pyzmqtest.Start(t, "REP", "--connect", bep, "--echo", w)
	}
	ipWaitPeers(t, backend, 2)

	bctx, stop := context.WithCancel(ctx)
	brokerDone := make(chan error, 1)
	go func() {
		poller := NewPoller(frontend, backend)
		for {
			ready, err := poller.Poll(bctx)
			if err != nil {
				brokerDone <- nil
				return
			}
			for _, i := range ready {
				from, to := frontend, backend
				if i == 1 {
					from, to = backend, frontend
				}
				m, err := from.Recv(bctx)
				if err == nil {
					err = to.Send(bctx, m)
				}
				if err != nil && bctx.Err() == nil {
					brokerDone <- err
					return
				}
			}
		}
	}()
	defer func() {
		stop()
		if err := <-brokerDone; err != nil {
			t.Errorf("broker: %v", err)
		}
	}()

	c1 := pyzmqtest.Start(t, "REQ", "--connect", fep)
	c2 := pyzmqtest.Start(t, "REQ", "--connect", fep)
	served := map[string]int{}
	for i := 0; i < 10; i++ {
		// Both clients have a request in flight at once.
		r1, r2 := fmt.Sprint("c1-", i), fmt.Sprint("c2-", i)
		c1.Send(r1)
		c2.Send(r2)
		for _, c := range []struct {
			p   *pyzmqtest.Peer
			req string
		}{{c1, r1}, {c2, r2}} {
			m := strs(c.p.Next())
			if len(m) != 1 || !strings.HasSuffix(m[0], ":"+c.req) {
				t.Fatalf("client sent %q, got reply %q", c.req, m)
			}
			served[strings.SplitN(m[0], ":", 2)[0]]++
		}
	}
	// The backend DEALER round-robins: each worker got half the requests.
	if served["w1"] != 10 || served["w2"] != 10 {
		t.Errorf("workers served %v, want 10 each", served)
	}
	for _, c := range []*pyzmqtest.Peer{c1, c2} {
		if extra := c.Pending(); len(extra) != 0 {
			t.Errorf("a client got extra replies %q", extra)
		}
	}
}

func TestInteropLibzmqRouterWithReqAndDealer(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	router := pyzmqtest.Start(t, "ROUTER", "--bind", "tcp://127.0.0.1:0", "--echo", "re:")

	req := ipSock(t, REQ, WithIdentity([]byte("req-1")))
	ipConnect(t, req, router.Endpoint())
	ipSend(t, ctx, req, "hello")
	if got := ipRecv(t, ctx, req); !slices.Equal(got, []string{"re:hello"}) {
		t.Errorf("REQ got %q", got)
	}
	if got := strs(router.Next()); !slices.Equal(got, []string{"req-1", "", "hello"}) {
		t.Errorf("libzmq ROUTER received %q, want identity, delimiter, body", got)
	}

	dealer := ipSock(t, DEALER, WithIdentity([]byte("dealer-1")))
	ipConnect(t, dealer, router.Endpoint())
	ipSend(t, ctx, dealer, "a", "b")
	if got := ipRecv(t, ctx, dealer); !slices.Equal(got, []string{"a", "re:b"}) {
		t.Errorf("DEALER got %q", got)
	}
	if got := strs(router.Next()); !slices.Equal(got, []string{"dealer-1", "a", "b"}) {
		t.Errorf("libzmq ROUTER received %q", got)
	}
}

func TestInteropLibzmqDealerToRouter(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	router := ipSock(t, ROUTER)
	ep := ipBind(t, router)
	named := pyzmqtest.Start(t, "DEALER", "--connect", ep, "--identity", "6e616d6564") // "named"
	anon := pyzmqtest.Start(t, "DEALER", "--connect", ep)

	named.Send("", "from named")
	got := ipRecv(t, ctx, router)
	if !slices.Equal(got, []string{"named", "", "from named"}) {
		t.Fatalf("ROUTER received %q", got)
	}
	anon.Send("", "from anon")
	a := ipRecv(t, ctx, router)
	if len(a) != 3 || a[0] == "" || a[0] == "named" || a[2] != "from anon" {
		t.Fatalf("ROUTER received %q, want a generated identity", a)
	}
	// Replies are routed by identity.
	ipSend(t, ctx, router, a[0], "", "to anon")
	ipSend(t, ctx, router, "named", "", "to named")
	if m := strs(anon.Next()); !slices.Equal(m, []string{"", "to anon"}) {
		t.Errorf("anonymous DEALER got %q", m)
	}
	if m := strs(named.Next()); !slices.Equal(m, []string{"", "to named"}) {
		t.Errorf("named DEALER got %q", m)
	}
}

// publishUntil publishes "A-i" and "B-i" on pub every few milliseconds
// until got reports true (ZeroMQ's slow joiner: a subscriber misses what is
// published before its subscription arrives).
func publishUntil(t *testing.T, ctx context.Context, pub *Socket, got func() bool) {
	t.Helper()
	for i := 0; !got(); i++ {
		ipSend(t, ctx, pub, fmt.Sprint("A-", i))
		ipSend(t, ctx, pub, fmt.Sprint("B-", i))
		if ctx.Err() != nil {
			t.Fatal("the subscriber never received enough")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestInteropPubToLibzmqSub(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	pub := ipSock(t, PUB)
	ep := ipBind(t, pub)
	// A SUB filters on its side too; an XSUB does not, so it shows that our
	// PUB applies the subscription.
	sub := pyzmqtest.Start(t, "SUB", "--connect", ep, "--subscribe", "41") // "A"
	xsub := pyzmqtest.Start(t, "XSUB", "--connect", ep)
	xsub.Do("sub 41")
	var subGot, xsubGot []string
	publishUntil(t, ctx, pub, func() bool {
		for _, m := range sub.Pending() {
			subGot = append(subGot, string(m[0]))
		}
		for _, m := range xsub.Pending() {
			xsubGot = append(xsubGot, string(m[0]))
		}
		return len(subGot) >= 5 && len(xsubGot) >= 5
	})
	for _, m := range append(subGot, xsubGot...) {
		if !strings.HasPrefix(m, "A-") {
			t.Errorf("subscriber to \"A\" received %q", m)
		}
	}
	// Unsubscribing (XSUB sends \x00A) stops the flow at our PUB.
	xsub.Do("unsub 41")
	xsub.Do("sub 42") // "B": once B arrives, the cancellation was applied
	var after []string
	publishUntil(t, ctx, pub, func() bool {
		for _, m := range xsub.Pending() {
			after = append(after, string(m[0]))
		}
		return slices.ContainsFunc(after, func(s string) bool { return strings.HasPrefix(s, "B-") })
	})
	i := slices.IndexFunc(after, func(s string) bool { return strings.HasPrefix(s, "B-") })
	for _, m := range after[i:] {
		if strings.HasPrefix(m, "A-") {
			t.Errorf("XSUB received %q after unsubscribing from A", m)
		}
	}
}

func TestInteropLibzmqPubToSub(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	pub := pyzmqtest.Start(t, "PUB", "--bind", "tcp://127.0.0.1:0")
	sub := ipSock(t, SUB, WithSubscribe("A"))
	ipConnect(t, sub, pub.Endpoint())
	var got []string
	for i := 0; len(got) < 5; i++ {
		pub.Send(fmt.Sprint("B-", i))
		pub.Send(fmt.Sprint("A-", i))
		rctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
		for {
			m, err := sub.Recv(rctx)
			if err != nil {
				break
			}
			got = append(got, string(m[0]))
		}
		cancel()
		if ctx.Err() != nil {
			t.Fatalf("SUB received only %q", got)
		}
	}
	for _, m := range got {
		if !strings.HasPrefix(m, "A-") {
			t.Errorf("SUB subscribed to \"A\" received %q", m)
		}
	}
}

func TestInteropXPubXSub(t *testing.T) {
	t.Parallel()
	t.Run("libzmq XPUB sees our subscriptions", func(t *testing.T) {
		ctx := testCtx(t)
		xpub := pyzmqtest.Start(t, "XPUB", "--bind", "tcp://127.0.0.1:0")
		sub := ipSock(t, SUB, WithSubscribe("news"))
		ipConnect(t, sub, xpub.Endpoint())
		if m := strs(xpub.Next()); !slices.Equal(m, []string{"\x01news"}) {
			t.Errorf("libzmq XPUB received %q from our SUB", m)
		}
		xsub := ipSock(t, XSUB)
		ipConnect(t, xsub, xpub.Endpoint())
		ipSend(t, ctx, xsub, "\x01sport")
		if m := strs(xpub.Next()); !slices.Equal(m, []string{"\x01sport"}) {
			t.Errorf("libzmq XPUB received %q from our XSUB", m)
		}
		// And what XPUB publishes reaches the XSUB.
		var got []string
		for len(got) == 0 {
			xpub.Send("sport: 1-0")
			rctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
			if m, err := xsub.Recv(rctx); err == nil {
				got = strs(m)
			}
			cancel()
			if ctx.Err() != nil {
				t.Fatal("XSUB received nothing")
			}
		}
		if !slices.Equal(got, []string{"sport: 1-0"}) {
			t.Errorf("XSUB received %q", got)
		}
	})
	t.Run("our XPUB sees libzmq subscriptions", func(t *testing.T) {
		ctx := testCtx(t)
		xpub := ipSock(t, XPUB)
		ep := ipBind(t, xpub)
		pyzmqtest.Start(t, "SUB", "--connect", ep, "--subscribe", "6e657773") // "news"
		if m := ipRecv(t, ctx, xpub); !slices.Equal(m, []string{"\x01news"}) {
			t.Errorf("XPUB received %q from libzmq SUB", m)
		}
		xsub := pyzmqtest.Start(t, "XSUB", "--connect", ep)
		xsub.Do("sub 73706f7274") // "sport"
		if m := ipRecv(t, ctx, xpub); !slices.Equal(m, []string{"\x01sport"}) {
			t.Errorf("XPUB received %q from libzmq XSUB", m)
		}
		ipSend(t, ctx, xpub, "sport: 2-1")
		ipSend(t, ctx, xpub, "weather: rain") // nobody subscribed
		ipSend(t, ctx, xpub, "sport: 3-3")
		for _, want := range []string{"sport: 2-1", "sport: 3-3"} {
			if m := strs(xsub.Next()); !slices.Equal(m, []string{want}) {
				t.Errorf("libzmq XSUB received %q, want %q", m, want)
			}
		}
	})
}

func TestInteropPair(t *testing.T) {
	t.Parallel()
	t.Run("libzmq connects", func(t *testing.T) {
		ctx := testCtx(t)
		pair := ipSock(t, PAIR)
		peer := pyzmqtest.Start(t, "PAIR", "--connect", ipBind(t, pair), "--echo", "re:")
		for i := 0; i < 3; i++ {
			ipSend(t, ctx, pair, fmt.Sprint("ping ", i))
			if got := ipRecv(t, ctx, pair); !slices.Equal(got, []string{fmt.Sprint("re:ping ", i)}) {
				t.Errorf("PAIR got %q", got)
			}
		}
		peer.Next()
	})
	t.Run("we connect", func(t *testing.T) {
		ctx := testCtx(t)
		peer := pyzmqtest.Start(t, "PAIR", "--bind", "tcp://127.0.0.1:0")
		pair := ipSock(t, PAIR)
		ipConnect(t, pair, peer.Endpoint())
		ipSend(t, ctx, pair, "one", "two")
		if got := strs(peer.Next()); !slices.Equal(got, []string{"one", "two"}) {
			t.Errorf("libzmq PAIR got %q", got)
		}
		peer.Send("back")
		if got := ipRecv(t, ctx, pair); !slices.Equal(got, []string{"back"}) {
			t.Errorf("PAIR got %q", got)
		}
	})
}

func TestInteropPlain(t *testing.T) {
	t.Parallel()
	check := func(u, p string) bool { return u == "admin" && p == "secret" }

	t.Run("our server, libzmq clients", func(t *testing.T) {
		ctx := testCtx(t)
		log, logs := newTestLogger()
		pull := ipSock(t, PULL, WithName("sink.in"), WithLogger(log), WithPlainServer(check))
		ep := ipBind(t, pull)
		bad := pyzmqtest.Start(t, "PUSH", "--connect", ep, "--plain-client", "admin:guess", "--monitor")
		// Queued until a handshake succeeds, which none does; the queue
		// may already be gone if the first one failed (hence TrySend).
		bad.TrySend("from the intruder")
		good := pyzmqtest.Start(t, "PUSH", "--connect", ep, "--plain-client", "admin:secret")
		good.Send("from admin")
		if got := ipRecv(t, ctx, pull); !slices.Equal(got, []string{"from admin"}) {
			t.Errorf("PULL received %q", got)
		}
		if ev, skipped := bad.WaitEvent("EVENT HANDSHAKE_"); !strings.HasPrefix(ev, "EVENT HANDSHAKE_FAILED") {
			t.Errorf("the client with a wrong password saw %q (after %q)", ev, skipped)
		}
		out := logs.String()
		if !strings.Contains(out, "PLAIN authentication failed") || !strings.Contains(out, "user=admin") || !strings.Contains(out, "socket=sink.in") {
			t.Errorf("refusal not logged with the user and socket: %s", out)
		}
		if strings.Contains(out, "guess") {
			t.Errorf("the password was logged: %s", out)
		}
		rctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		if m, err := pull.Recv(rctx); err == nil {
			t.Errorf("PULL received %q from the refused client", m)
		}
	})
	t.Run("libzmq server, our clients", func(t *testing.T) {
		ctx := testCtx(t)
		peer := pyzmqtest.Start(t, "PULL", "--bind", "tcp://127.0.0.1:0", "--plain-server", "admin:secret", "--monitor")
		bad := ipSock(t, PUSH, WithPlainClient("admin", "guess"))
		ipConnect(t, bad, peer.Endpoint())
		if ev, _ := peer.WaitEvent("EVENT HANDSHAKE_FAILED_AUTH"); ev != "EVENT HANDSHAKE_FAILED_AUTH 400" {
			t.Errorf("libzmq reported %q", ev)
		}
		good := ipSock(t, PUSH, WithPlainClient("admin", "secret"))
		ipConnect(t, good, peer.Endpoint())
		ipSend(t, ctx, good, "authenticated")
		if got := strs(peer.Next()); !slices.Equal(got, []string{"authenticated"}) {
			t.Errorf("libzmq PULL received %q", got)
		}
		if bad.c.peerCount() != 0 {
			t.Error("the client with a wrong password is connected")
		}
	})
}

// The heartbeat interop tests leave wide margins (a timeout of 1.5s and
// more) because a libzmq peer on a starved core must not look dead.

func TestInteropLibzmqHeartbeatsNeverReachTheApplication(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	router := ipSock(t, ROUTER)
	peer := pyzmqtest.Start(t, "DEALER", "--connect", ipBind(t, router), "--identity", "6862", // "hb"
		"--opt", "heartbeat_ivl=100", "--opt", "heartbeat_timeout=1500", "--opt", "heartbeat_ttl=1500", "--monitor")
	waitHandshakes(peer, 1)
	time.Sleep(3 * time.Second) // 30 PINGs from libzmq, answered by the engine
	peer.Send("after the PINGs")
	if got := ipRecv(t, ctx, router); !slices.Equal(got, []string{"hb", "after the PINGs"}) {
		t.Errorf("ROUTER received %q first, want the message (no PING)", got)
	}
	ipSend(t, ctx, router, "hb", "reply")
	if got := strs(peer.Next()); !slices.Equal(got, []string{"reply"}) {
		t.Errorf("libzmq DEALER received %q", got)
	}
	for _, e := range peer.Events() {
		if strings.HasPrefix(e, "EVENT DISCONNECTED") {
			t.Errorf("the link went down: %v", e)
		}
	}
	if n := router.c.peerCount(); n != 1 {
		t.Errorf("ROUTER has %d peers, want 1", n)
	}
}

func TestInteropHeartbeatsToLibzmq(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	peer := pyzmqtest.Start(t, "ROUTER", "--bind", "tcp://127.0.0.1:0", "--monitor")
	log, logs := newTestLogger()
	// A liveness of a minute: no delay of a busy machine counts as
	// silence. What is checked is that libzmq answers our PINGs and that
	// its PONGs are read as the peer's traffic.
	dealer := ipSock(t, DEALER, WithIdentity([]byte("d")), WithLogger(log),
		WithHeartbeat(Heartbeat{Interval: 100 * time.Millisecond, Liveness: 600}))
	ipConnect(t, dealer, peer.Endpoint())
	waitHandshakes(peer, 1)
	ipWaitPeers(t, dealer, 1)
	dealer.c.mu.Lock()
	p := dealer.c.peers[0]
	dealer.c.mu.Unlock()
	// The libzmq ROUTER sends nothing but PONGs: each one read moves the
	// peer's last activity on. Wait for ten such moves.
	last := p.lastRecv.Load()
	for moves := 0; moves < 10; {
		if ctx.Err() != nil {
			t.Fatalf("the peer's activity moved %d times: libzmq did not answer our PINGs", moves)
		}
		if v := p.lastRecv.Load(); v != last {
			moves, last = moves+1, v
		}
		time.Sleep(5 * time.Millisecond)
	}
	ipSend(t, ctx, dealer, "still here")
	if got := strs(peer.Next()); !slices.Equal(got, []string{"d", "still here"}) {
		t.Errorf("libzmq ROUTER received %q", got)
	}
	if strings.Contains(logs.String(), "peer silent") {
		t.Errorf("libzmq's PONGs were not taken as activity: %s", logs)
	}
	for _, e := range peer.Events() {
		if strings.HasPrefix(e, "EVENT DISCONNECTED") {
			t.Errorf("the link went down: %v", e)
		}
	}
}

func TestInteropHeartbeatDetectsHungLibzmqPeer(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	peer := pyzmqtest.Start(t, "PULL", "--bind", "tcp://127.0.0.1:0")
	log, logs := newTestLogger()
	push := ipSock(t, PUSH, WithLogger(log), WithHeartbeat(Heartbeat{Interval: 100 * time.Millisecond, Liveness: 5}))
	ipConnect(t, push, peer.Endpoint())
	ipSend(t, ctx, push, "before")
	if got := strs(peer.Next()); !slices.Equal(got, []string{"before"}) {
		t.Fatalf("libzmq PULL received %q", got)
	}

	peer.Pause() // the process, and its libzmq I/O thread, stop answering
	for !strings.Contains(logs.String(), "peer silent, disconnecting") {
		if ctx.Err() != nil {
			t.Fatal("the hung peer was never disconnected")
		}
		time.Sleep(20 * time.Millisecond)
	}
	peer.Resume()
	// The engine redials; the message waits for the new connection. On a
	// busy machine the resumed peer may be found silent again (it has half
	// a second to answer a PING), and what was in flight then is lost, as
	// with libzmq: send until one message arrives.
	for i := 0; ; i++ {
		ipSend(t, ctx, push, "after")
		if got, ok := peer.NextWithin(time.Second); ok {
			if !slices.Equal(strs(got), []string{"after"}) {
				t.Errorf("libzmq PULL received %q after the reconnect", got)
			}
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("nothing reached the libzmq PULL after the reconnect (%d sends)", i+1)
		}
	}
}

func TestInteropMaxMsgSize(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	log, logs := newTestLogger()
	pull := ipSock(t, PULL, WithLogger(log), WithMaxMsgSize(1024))
	ep := ipBind(t, pull)
	big := pyzmqtest.Start(t, "PUSH", "--connect", ep, "--monitor")
	small := pyzmqtest.Start(t, "PUSH", "--connect", ep)
	waitHandshakes(big, 1)

	big.Do("sendbig 1024") // at the limit: accepted
	if got := ipRecv(t, ctx, pull); len(got) != 1 || len(got[0]) != 1024 {
		t.Fatalf("PULL received %d frames, want one of 1024 bytes", len(got))
	}
	big.Do("sendbig 1025")
	big.WaitEvent("EVENT DISCONNECTED")
	if !strings.Contains(logs.String(), "message too large") {
		t.Errorf("the disconnection was not logged: %s", logs)
	}
	// The other peer is still served.
	for i := 0; i < 3; i++ {
		small.Send(fmt.Sprint("small ", i))
		if got := ipRecv(t, ctx, pull); !slices.Equal(got, []string{fmt.Sprint("small ", i)}) {
			t.Errorf("PULL received %q", got)
		}
	}
}

func TestInteropHeartbeatHoldsLibzmqPeerToItsTTL(t *testing.T) {
	t.Parallel()
	log, logs := newTestLogger()
	router := ipSock(t, ROUTER, WithLogger(log), WithHeartbeat(Heartbeat{Interval: 100 * time.Millisecond, Liveness: 36000})) // an hour
	peer := pyzmqtest.Start(t, "DEALER", "--connect", ipBind(t, router),
		"--opt", "heartbeat_ivl=100", "--opt", "heartbeat_ttl=1000", "--opt", "heartbeat_timeout=30000")
	ipWaitPeers(t, router, 1)
	// Wait for a PING of the peer, then hang it: our liveness would wait an
	// hour, the peer's TTL a second.
	for peerTTL(router) != time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	peer.Pause()
	defer peer.Resume()
	deadline := time.Now().Add(pyzmqtest.Timeout)
	for !strings.Contains(logs.String(), "peer silent, disconnecting") {
		if time.Now().After(deadline) {
			t.Fatal("the hung peer was not held to its TTL")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// peerTTL is the TTL announced by the PINGs of s's first peer.
func peerTTL(s *Socket) time.Duration {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	if len(s.c.peers) == 0 {
		return 0
	}
	return s.c.peers[0].peerPingTTL()
}
