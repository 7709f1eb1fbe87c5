package runtime

import (
	"bytes"
	"os"
	"path/filepath"
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

// TestNodeSecretFromEnvironment: a node's secret key can come from the
// environment variable -keys.secret-env names ($PREFIX_CURVE_SECRET by
// default) rather than from NODE.key_secret; -h names the variable but a
// secret is never printed, not even a malformed one in an error.
func TestNodeSecretFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	hubKP, spokeKP := mustKeyPair(t), mustKeyPair(t)
	for n, kp := range map[string]CurveKeyPair{"hub": hubKP, "spoke": spokeKP} {
		if _, _, err := WriteCurveCertificate(dir, n, kp); err != nil {
			t.Fatal(err)
		}
		// Only the public certificates stay: the secrets come from the
		// environment.
		if err := os.Remove(filepath.Join(dir, n+SecretCertSuffix)); err != nil {
			t.Fatal(err)
		}
	}
	hub := &Program{Topology: "t", Node: "hub", EnvPrefix: "HUB_", Sockets: []*SocketConfig{
		{Name: "hubin", Type: PULL, Bind: []string{"tcp://127.0.0.1:0"}, Curve: &CurveSocket{Server: true}},
	}}
	env := func(vars map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
	}
	var out bytes.Buffer
	hub.Parse([]string{"-h"}, env(map[string]string{"HUB_CURVE_SECRET": hubKP.Secret.Z85()}), &out)
	if !strings.Contains(out.String(), "-keys.secret-env variable") || !strings.Contains(out.String(), `(default "HUB_CURVE_SECRET")`) {
		t.Errorf("-h does not name the variable:\n%s", out.String())
	}

	// Without the variable and without hub.key_secret, the node cannot
	// start; the error names the file.
	s, err := hub.Parse([]string{"-keys", dir}, env(nil), &out)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hub.Open(s, quietLogger()); err == nil || !strings.Contains(err.Error(), "hub.key_secret") {
		t.Fatalf("Open with neither: %v", err)
	}

	// A malformed secret is a usage error naming the variable, not its
	// value (one character short of a real secret key).
	out.Reset()
	bad := hubKP.Secret.Z85()[:39]
	if _, err := hub.Parse([]string{"-keys", dir}, env(map[string]string{"HUB_CURVE_SECRET": bad}), &out); err == nil || !strings.Contains(out.String(), "$HUB_CURVE_SECRET does not hold a CURVE secret key") {
		t.Errorf("malformed secret: %v, printed %q", err, out.String())
	}
	if strings.Contains(out.String(), bad) {
		t.Errorf("the malformed secret was printed: %q", out.String())
	}

	// -keys.secret-env names another variable.
	s, err = hub.Parse([]string{"-keys", dir, "-keys.secret-env", "VAULT_HUB"}, env(map[string]string{"VAULT_HUB": hubKP.Secret.Z85() + "\n"}), &out)
	if err != nil {
		t.Fatal(err)
	}
	log, logs := newTestLogger()
	hs, err := hub.Open(s, log)
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	in := hs.Handle("hubin").sock

	spoke := &Program{Topology: "t", Node: "spoke", EnvPrefix: "SPOKE_", Sockets: []*SocketConfig{
		{Name: "spokeout", Type: PUSH, Connect: in.Addrs(), Curve: &CurveSocket{ServerNode: "hub"}},
	}}
	ss, err := spoke.Parse([]string{"-keys", dir}, env(map[string]string{"SPOKE_CURVE_SECRET": spokeKP.Secret.Z85()}), &out)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spoke.Open(ss, log)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	ctx := testCtx(t)
	if err := sp.Handle("spokeout").sock.Send(ctx, Msg{[]byte("keys from the environment")}); err != nil {
		t.Fatal(err)
	}
	if m, err := in.Recv(ctx); err != nil || string(m[0]) != "keys from the environment" {
		t.Fatalf("got %q, %v", m, err)
	}
	// The hub admitted the spoke by its public certificate in the
	// directory: a key pair from elsewhere is refused.
	stranger := NewSocket(PUSH, WithLogger(log), WithCurveClient(mustKeyPair(t), hubKP.Public))
	defer stranger.Close()
	mustConnect(t, stranger, in.Addrs()[0])
	waitLog(t, logs, "CURVE client not authorized", 1)
	for _, kp := range []CurveKeyPair{hubKP, spokeKP} {
		if strings.Contains(logs.String()+out.String(), kp.Secret.Z85()) {
			t.Fatal("a secret key was logged or printed")
		}
	}
}
