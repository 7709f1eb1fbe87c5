package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/dsl/model"
	"github.com/zmqgen/zmqgen/runtime"
)

// TestKeys: zmqgen keys writes a certificate pair per secured node, the
// secret one mode 0600, keeps existing pairs, and writes nothing for a
// topology without curve.
func TestKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	code, out, errs := runCmd(t, "", "keys", "-dir", dir, "../../topologies/securebroker")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 {
		t.Fatalf("printed %q, want a line per node", out)
	}
	for i, node := range []string{"client", "broker", "server"} {
		kp, hasSecret, err := runtime.LoadCurveCertificate(filepath.Join(dir, node+".key_secret"))
		if err != nil || !hasSecret {
			t.Fatalf("%s: %v", node, err)
		}
		if st, _ := os.Stat(filepath.Join(dir, node+".key_secret")); st.Mode().Perm() != 0o600 {
			t.Errorf("%s.key_secret has mode %v", node, st.Mode().Perm())
		}
		if !strings.HasPrefix(lines[i], node+" "+kp.Public.String()+" (wrote ") {
			t.Errorf("line %q, want %s and its public key", lines[i], node)
		}
		if strings.Contains(out, kp.Secret.Z85()) {
			t.Errorf("a secret key was printed: %s", out)
		}
	}
	before, _ := os.ReadFile(filepath.Join(dir, "broker.key_secret"))
	code, out, _ = runCmd(t, "", "keys", "-dir", dir, "../../topologies/securebroker")
	after, _ := os.ReadFile(filepath.Join(dir, "broker.key_secret"))
	if code != exitOK || !strings.Contains(out, "(kept ") || !bytes.Equal(before, after) {
		t.Errorf("second run: exit %d, %q; the pair changed: %v", code, out, !bytes.Equal(before, after))
	}
	code, _, errs = runCmd(t, "", "keys", "-dir", filepath.Join(t.TempDir(), "none"), "../../topologies/reqrep")
	if code != exitOK || !strings.Contains(errs, "no socket secured with curve") {
		t.Errorf("reqrep: exit %d, %q", code, errs)
	}
}

// TestUpKeys: up passes -keys to the secured nodes only, as an absolute
// path, and refuses to start them without it.
func TestUpKeys(t *testing.T) {
	topo := fakeTopology("client", "server")
	plan := func(args ...string) string {
		opts, code, done := parseUpArgs(append([]string{"x.ztopo"}, args...), &bytes.Buffer{}, &bytes.Buffer{})
		if done {
			t.Fatalf("%q: exit %d", args, code)
		}
		procs, err := planUp(topo, opts)
		if err != nil {
			return "error: " + err.Error()
		}
		var parts []string
		for _, p := range procs {
			parts = append(parts, p.name+strings.Join(append([]string{""}, p.args...), " "))
		}
		return strings.Join(parts, "; ")
	}
	if got := plan("-keys", "/k"); got != "server; client" {
		t.Errorf("no curve: %q", got)
	}
	topo.Node("client").Sockets[0].Curve = curveOf(false)
	topo.Node("server").Sockets[0].Curve = curveOf(true)
	if got := plan(); !strings.Contains(got, "error: nodes client, server have sockets secured with curve") {
		t.Errorf("without -keys: %q", got)
	}
	abs, _ := filepath.Abs("rel")
	if got, want := plan("-keys", "rel"), "server -keys="+abs+"; client -keys="+abs; got != want {
		t.Errorf("-keys rel: %q, want %q", got, want)
	}
}

func curveOf(server bool) *model.Curve { return &model.Curve{Server: server} }
