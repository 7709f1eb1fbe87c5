package runtime

import (
	"bytes"
	"strings"
	"testing"
)

// TestNodeKeys: a node with CURVE sockets has -keys (and $PREFIX_KEYS),
// refuses to start without it, and with a directory zmqgen keys wrote it
// talks CURVE between its server and client sockets, admitting only the
// topology's keys.
func TestNodeKeys(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"hub", "spoke"} {
		if _, _, err := WriteCurveCertificate(dir, n, mustKeyPair(t)); err != nil {
			t.Fatal(err)
		}
	}
	hub := &Program{Topology: "t", Node: "hub", EnvPrefix: "HUB_", Sockets: []*SocketConfig{
		{Name: "hubin", Type: PULL, Bind: []string{"tcp://127.0.0.1:0"}, Curve: &CurveSocket{Server: true}},
	}}
	var help bytes.Buffer
	if _, err := hub.Parse([]string{"-h"}, func(string) (string, bool) { return "", false }, &help); !strings.Contains(help.String(), "-keys directory") || !strings.Contains(help.String(), "$HUB_KEYS") {
		t.Errorf("-h lacks -keys: %v\n%s", err, help.String())
	}
	if _, err := hub.Open(&Settings{}, quietLogger()); err == nil || !strings.Contains(err.Error(), "give -keys DIR (or $HUB_KEYS)") {
		t.Fatalf("Open without keys: %v", err)
	}
	s, err := hub.Parse(nil, func(k string) (string, bool) { return dir, k == "HUB_KEYS" }, &help)
	if err != nil || s.Keys != dir {
		t.Fatalf("$HUB_KEYS: %v %q", err, s.Keys)
	}
	hs, err := hub.Open(s, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	in := hs.Handle("hubin").sock
	spoke := &Program{Topology: "t", Node: "spoke", Sockets: []*SocketConfig{
		{Name: "spokeout", Type: PUSH, Connect: in.Addrs(), Curve: &CurveSocket{ServerNode: "hub"}},
	}}
	ss, err := spoke.Open(&Settings{Keys: dir}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	ctx := testCtx(t)
	if err := ss.Handle("spokeout").sock.Send(ctx, Msg{[]byte("secured")}); err != nil {
		t.Fatal(err)
	}
	if m, err := in.Recv(ctx); err != nil || string(m[0]) != "secured" {
		t.Fatalf("got %q, %v", m, err)
	}
	// A client whose key is not in the directory is refused.
	log, logs := newTestLogger()
	stranger := NewSocket(PUSH, WithLogger(log), WithCurveClient(mustKeyPair(t), mustHubKey(t, dir)))
	defer stranger.Close()
	mustConnect(t, stranger, in.Addrs()[0])
	waitLog(t, logs, "CURVE client not authorized", 1)
}

func mustHubKey(t *testing.T, dir string) CurvePublicKey {
	kp, _, err := LoadCurveCertificate(dir + "/hub" + PublicCertSuffix)
	if err != nil {
		t.Fatal(err)
	}
	return kp.Public
}
