package runtime

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/runtime/internal/pyzmqtest"
)

const contractEdge = "client.out->server.in"

// contractPair returns a PULL bound with a contract of fingerprint bindFP
// and a PUSH connected to it with fingerprint connFP, each logging to its
// own buffer.
func contractPair(t *testing.T, bindFP, connFP string, pullOpts, pushOpts []Option) (pull, push *Socket, pullLog, pushLog *logBuffer) {
	t.Helper()
	pl, pullLog := newTestLogger()
	pull = newSock(t, PULL, append([]Option{WithLogger(pl), WithName("server.in"),
		WithContract(Contract{Topology: "shop", Socket: "server.in", Binds: []ContractEdge{{contractEdge, bindFP}}})}, pullOpts...)...)
	if err := pull.Bind("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ep := pull.Addrs()[0]
	sl, pushLog := newTestLogger()
	push = newSock(t, PUSH, append([]Option{WithLogger(sl), WithName("client.out"),
		WithContract(Contract{Topology: "shop", Connects: map[string]ContractEdge{ep: {contractEdge, connFP}}})}, pushOpts...)...)
	if err := push.Connect(ep); err != nil {
		t.Fatal(err)
	}
	return pull, push, pullLog, pushLog
}

// waitContractLog waits until b holds want.
func waitContractLog(t *testing.T, b *logBuffer, want string) string {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for !strings.Contains(b.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q in:\n%s", want, b.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	return b.String()
}

func TestContractSameFingerprintTalks(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		opts []Option
	}{
		{"NULL", nil},
		{"PLAIN", []Option{WithPlainServer(func(u, p string) bool { return true })}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := testCtx(t)
			opts := c.opts
			pl, pullLog := newTestLogger()
			pull := newSock(t, PULL, append([]Option{WithLogger(pl), WithName("server.in"),
				WithContract(Contract{Topology: "shop", Socket: "server.in", Binds: []ContractEdge{{"other.x->server.in", "0000000000000000"}, {contractEdge, "1111111111111111"}}})}, opts...)...)
			if err := pull.Bind("tcp://127.0.0.1:0"); err != nil {
				t.Fatal(err)
			}
			ep := pull.Addrs()[0]
			var pushOpts []Option
			if c.name == "PLAIN" {
				pushOpts = []Option{WithPlainClient("u", "p")}
			}
			push := newSock(t, PUSH, append(pushOpts, WithContract(Contract{Topology: "shop", Connects: map[string]ContractEdge{ep: {contractEdge, "1111111111111111"}}}))...)
			if err := push.Connect(ep); err != nil {
				t.Fatal(err)
			}
			if err := push.Send(ctx, Msg{[]byte("order")}); err != nil {
				t.Fatal(err)
			}
			m, err := pull.Recv(ctx)
			if err != nil || string(m[0]) != "order" {
				t.Fatalf("recv %q, %v", m, err)
			}
			if strings.Contains(pullLog.String(), "refused") {
				t.Errorf("a matching peer was refused:\n%s", pullLog)
			}
		})
	}
}

func TestContractOtherFingerprintRefusedOnBothSides(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name               string
		pullOpts, pushOpts []Option
	}{
		{"NULL", nil, nil},
		{"PLAIN", []Option{WithPlainServer(func(u, p string) bool { return true })}, []Option{WithPlainClient("u", "p")}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pull, _, pullLog, pushLog := contractPair(t, "1111111111111111", "2222222222222222", c.pullOpts, c.pushOpts)
			for _, b := range []*logBuffer{pullLog, pushLog} {
				out := waitContractLog(t, b, "refused a peer built from another version of the topology")
				for _, want := range []string{"topology=shop", "edge=" + contractEdge, "fingerprint=", "peer_fingerprint="} {
					if !strings.Contains(out, want) {
						t.Errorf("refusal log lacks %q:\n%s", want, out)
					}
				}
			}
			if out := pullLog.String(); !strings.Contains(out, "fingerprint=1111111111111111") || !strings.Contains(out, "peer_fingerprint=2222222222222222") {
				t.Errorf("binding side does not name both fingerprints:\n%s", out)
			}
			if out := pushLog.String(); !strings.Contains(out, "fingerprint=2222222222222222") || !strings.Contains(out, "peer_fingerprint=1111111111111111") {
				t.Errorf("connecting side does not name both fingerprints:\n%s", out)
			}
			if n := pull.c.peerCount(); n != 0 {
				t.Errorf("PULL has %d peers after refusing the only one", n)
			}
		})
	}
}

func TestContractLibzmqPeersAccepted(t *testing.T) {
	t.Parallel()
	if err := pyzmqtest.Available(); err != nil {
		t.Skip(err)
	}
	ctx := testCtx(t)
	pull := ipSock(t, PULL, WithContract(Contract{Topology: "shop", Socket: "server.in", Binds: []ContractEdge{{contractEdge, "1111111111111111"}}}))
	ep := ipBind(t, pull)
	p := pyzmqtest.Start(t, "PUSH", "--connect", ep)
	p.Send("from libzmq")
	if got := ipRecv(t, ctx, pull); !slices.Equal(got, []string{"from libzmq"}) {
		t.Errorf("PULL received %q", got)
	}

	peer := pyzmqtest.Start(t, "PULL", "--bind", "tcp://127.0.0.1:0")
	push := ipSock(t, PUSH, WithContract(Contract{Topology: "shop", Connects: map[string]ContractEdge{peer.Endpoint(): {contractEdge, "1111111111111111"}}}))
	ipConnect(t, push, peer.Endpoint())
	ipSend(t, ctx, push, "to libzmq")
	if got := strs(peer.Next()); !slices.Equal(got, []string{"to libzmq"}) {
		t.Errorf("libzmq PULL received %q", got)
	}
}

// TestContractValue pins the property's form.
func TestContractValue(t *testing.T) {
	c := &Contract{Topology: "shop", Socket: "server.in",
		Connects: map[string]ContractEdge{"tcp://localhost:1": {"a.b->c.d", "aa"}},
		Binds:    []ContractEdge{{"x.y->server.in", "bb"}, {"z.w->server.in", "cc"}, {"q.r->server.in", "bb"}}}
	if got := contractValue(c, false, "tcp://localhost:1"); got != "shop a.b->c.d aa" {
		t.Errorf("connect side: %q", got)
	}
	if got := contractValue(c, false, "tcp://elsewhere:1"); got != "shop a.b->c.d aa" {
		t.Errorf("an endpoint set by a flag, one contract: %q", got)
	}
	c.Connects["tcp://localhost:2"] = ContractEdge{"a.b->e.f", "dd"}
	if got := contractValue(c, false, "tcp://elsewhere:1"); got != "" {
		t.Errorf("an endpoint set by a flag, two contracts: %q", got)
	}
	if got := contractValue(c, true, "tcp://0.0.0.0:1"); got != "shop server.in bb,cc" {
		t.Errorf("bind side: %q", got)
	}
}
