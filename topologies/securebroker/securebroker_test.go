package securebroker

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/runtime"
	"github.com/zmqgen/zmqgen/topologies/internal/brokertest"
	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

// example is the broker run, with CURVE keys in a fresh directory, that
// the tests vary (brokertest does the checking).
func example(t *testing.T) brokertest.Run {
	return brokertest.Run{
		Topology: "securebroker",
		Keys:     writeKeys(t),
		Golden:   "golden/transcripts/securebroker.txt",
		Intro: "What the broker example secured with CURVE prints (securebroker_test.go): %d clients making %d requests\n" +
			"each, %d servers. Which server answers which request, and the order of the\n" +
			"broker's lines, vary from run to run: their lines are counted.",
	}
}

// TestGenerated runs every node generated, with the guide's Hello/World.
func TestGenerated(t *testing.T) { example(t).Start(t) }

// TestGuide runs the guide's Python programs: the reference.
func TestGuide(t *testing.T) {
	r := example(t)
	r.Client, r.Broker, r.Server = e2e.Py, e2e.Py, e2e.Py
	r.Start(t)
}

// TestMixed runs generated and Python nodes together (brokertest.Run.Mixed).
func TestMixed(t *testing.T) { example(t).Mixed(t) }

// TestSecretKeyFromEnvironment runs the generated nodes with the broker's
// secret key in $BROKER_CURVE_SECRET, as a deployment's secret store
// hands it over, and no broker.key_secret in the keys directory; the
// broker's -h names the variable, never its value.
func TestSecretKeyFromEnvironment(t *testing.T) {
	r := example(t)
	r.Secret = secretToEnv(t, r.Keys, "broker", "BROKER_CURVE_SECRET")
	r.Start(t)
	pkg := r.Role("broker").Pkg
	bin := e2e.Build(t, pkg)[pkg]
	help, _ := exec.Command(bin, "-h").CombinedOutput()
	if !strings.Contains(string(help), "-keys.secret-env") || !strings.Contains(string(help), "BROKER_CURVE_SECRET") {
		t.Errorf("broker -h does not name the variable:\n%s", help)
	}
	if strings.Contains(string(help), os.Getenv("BROKER_CURVE_SECRET")) {
		t.Errorf("broker -h printed the secret key")
	}
}

// secretToEnv moves node's secret key from its certificate in dir to the
// environment variable env, for this test and the processes it starts,
// and returns the key.
func secretToEnv(t *testing.T, dir, node, env string) string {
	path := filepath.Join(dir, node+runtime.SecretCertSuffix)
	kp, _, err := runtime.LoadCurveCertificate(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	t.Setenv(env, kp.Secret.Z85())
	return kp.Secret.Z85()
}

// writeKeys writes a key pair per node into a fresh directory, as zmqgen
// keys does, and returns the directory.
func writeKeys(t *testing.T) string {
	dir := t.TempDir()
	for _, n := range []string{"client", "broker", "server"} {
		kp, err := runtime.GenerateCurveKeyPair()
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := runtime.WriteCurveCertificate(dir, n, kp); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
