package securebroker

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/runtime"
	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
)

var (
	clientRole = e2e.Role{Pkg: "topologies/securebroker/client", Script: "topologies/securebroker/py/client.py"}
	brokerRole = e2e.Role{Pkg: "topologies/securebroker/broker", Script: "topologies/securebroker/py/broker.py"}
	serverRole = e2e.Role{Pkg: "topologies/securebroker/server", Script: "topologies/securebroker/py/server.py"}
)

const (
	clients  = 3  // the topology's replicas
	servers  = 2  // the topology's replicas
	requests = 10 // the guide's number
)

// run says how one run is made: which roles are generated and whether the
// servers echo, so that each client can recognise its own replies.
type run struct {
	client, broker, server e2e.Lang
	echo                   bool
	// secretEnv: the broker's secret key is not in the keys directory
	// but in $BROKER_CURVE_SECRET.
	secretEnv bool
}

// TestGenerated runs every node generated, with the guide's Hello/World.
func TestGenerated(t *testing.T) { runBroker(t, run{}) }

// TestGuide runs the guide's Python programs: the reference.
func TestGuide(t *testing.T) { runBroker(t, run{client: e2e.Py, broker: e2e.Py, server: e2e.Py}) }

// TestMixed runs the generated broker between the guide's clients and
// servers, and the guide's broker between generated clients and servers.
// The servers echo and every client says its own hello, so a reply that
// reached the wrong client would show.
func TestMixed(t *testing.T) {
	t.Run("go-broker", func(t *testing.T) {
		runBroker(t, run{client: e2e.Py, broker: e2e.Go, server: e2e.Py, echo: true})
	})
	t.Run("go-clients-and-servers", func(t *testing.T) {
		runBroker(t, run{client: e2e.Go, broker: e2e.Py, server: e2e.Go, echo: true})
	})
}

var brokerLine = regexp.MustCompile(`^msg from (frontend|backend) (\[.*\])$`)

// runBroker runs the broker, two servers and three clients, each client
// making ten requests; every client must get exactly its ten replies, in
// order, and the broker must pass each request and reply on once.
func runBroker(t *testing.T, r run) {
	keys := writeKeys(t)
	secret := ""
	if r.secretEnv {
		secret = secretToEnv(t, keys, "broker", "BROKER_CURVE_SECRET")
	}
	front, back := e2e.Port(t), e2e.Port(t)
	brk := brokerRole.Start(t, r.broker, "broker",
		[]string{"-frontend.bind", e2e.Bind(front), "-backend.bind", e2e.Bind(back), "-keys", keys},
		[]string{"--frontend", e2e.Bind(front), "--backend", e2e.Bind(back), "--keys", keys})
	var srvs []*e2e.Proc
	for i := range servers {
		goArgs := []string{"-rep.connect", e2e.Connect(back), "-replica", fmt.Sprint(i), "-keys", keys}
		pyArgs := []string{"--connect", e2e.Connect(back), "--keys", keys}
		if r.echo {
			goArgs = append(goArgs, "-echo")
			pyArgs = append(pyArgs, "--echo")
		}
		srvs = append(srvs, serverRole.Start(t, r.server, fmt.Sprintf("server%d", i+1), goArgs, pyArgs))
	}
	// The DEALER deals requests to the servers it has: let both join first.
	e2e.WaitConnections(t, back, servers)

	hello := func(i int) string {
		if r.echo {
			return fmt.Sprintf("Hello from client %d", i+1)
		}
		return "Hello"
	}
	var clis []*e2e.Proc
	for i := range clients {
		clis = append(clis, clientRole.Start(t, r.client, fmt.Sprintf("client%d", i+1),
			[]string{"-req.connect", e2e.Connect(front), "-requests", fmt.Sprint(requests),
				"-hello", hello(i), "-replica", fmt.Sprint(i), "-keys", keys},
			[]string{"--connect", e2e.Connect(front), "--requests", fmt.Sprint(requests), "--hello", hello(i), "--keys", keys}))
	}
	for _, c := range clis {
		c.WaitOK()
	}
	// The broker and servers run forever; they have passed on and answered
	// every request once the clients are done.
	// A generated node stops cleanly on SIGTERM; Python dies of it.
	if code := brk.Stop(); r.broker == e2e.Go && code != 0 {
		t.Errorf("%s exited with status %d on SIGTERM, want 0", brk.Name, code)
	}
	for _, s := range srvs {
		if code := s.Stop(); r.server == e2e.Go && code != 0 {
			t.Errorf("%s exited with status %d on SIGTERM, want 0", s.Name, code)
		}
	}
	if secret != "" && strings.Contains(brk.Stdout()+brk.Stderr(), secret) {
		t.Errorf("the broker printed its secret key")
	}

	var sections []e2e.Section
	helloOf := map[string]int{} // hello text -> client index
	for i, c := range clis {
		helloOf[hello(i)] = i
		reply := "World"
		if r.echo {
			reply = hello(i)
		}
		var want []string
		for n := 1; n <= requests; n++ {
			want = append(want, fmt.Sprintf("Received reply %d [%s]", n, pyrepr.Bytes([]byte(reply))))
		}
		if got := strings.Join(e2e.Lines(c.Stdout()), "\n"); got != strings.Join(want, "\n") {
			t.Errorf("%s printed\n%s\nwant\n%s", c.Name, got, strings.Join(want, "\n"))
		}
		sections = append(sections, e2e.Section{Name: c.Name, Text: c.Stdout()})
	}

	var served []string
	for _, s := range srvs {
		lines := e2e.Lines(s.Stdout())
		if len(lines) == 0 {
			t.Errorf("%s answered no request", s.Name)
		}
		served = append(served, lines...)
	}
	if len(served) != clients*requests {
		t.Errorf("servers answered %d requests in all, want %d", len(served), clients*requests)
	}
	sections = append(sections, e2e.Section{Name: "servers (both, counted)", Text: tally(served)})

	// The broker's lines, by client identity: each client's requests
	// and replies pass once each way.
	type flow struct{ front, back int }
	byID := map[string]*flow{}
	var norm []string
	lines := e2e.Lines(brk.Stdout())
	for _, line := range lines {
		m := brokerLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("broker printed %q, want \"msg from frontend|backend [frames]\"", line)
			continue
		}
		frames, err := pyrepr.ParseList(m[2])
		if err != nil || len(frames) != 3 || len(frames[1]) != 0 {
			t.Errorf("broker printed %q, want [identity, b'', body] (%v)", line, err)
			continue
		}
		id, body := string(frames[0]), string(frames[2])
		if byID[id] == nil {
			byID[id] = &flow{}
		}
		if m[1] == "frontend" {
			byID[id].front++
			if _, ok := helloOf[body]; !ok {
				t.Errorf("broker got request %q from a client", body)
			}
		} else {
			byID[id].back++
		}
		norm = append(norm, fmt.Sprintf("msg from %s [<identity>, b'', %s]", m[1], pyrepr.Bytes(frames[2])))
	}
	if len(byID) != clients {
		t.Errorf("broker saw %d client identities, want %d", len(byID), clients)
	}
	for id, f := range byID {
		if f.front != requests || f.back != requests {
			t.Errorf("client %s: %d requests and %d replies through the broker, want %d each",
				pyrepr.Bytes([]byte(id)), f.front, f.back, requests)
		}
	}
	sections = append(sections, e2e.Section{Name: "broker (identities normalised, counted)", Text: tally(norm)})

	if !r.echo {
		e2e.Golden(t, "golden/transcripts/securebroker.txt",
			fmt.Sprintf("What the broker example secured with CURVE prints (securebroker_test.go): %d clients making %d requests\n"+
				"each, %d servers. Which server answers which request, and the order of the\n"+
				"broker's lines, vary from run to run: their lines are counted.", clients, requests, servers),
			sections...)
	}
}

// TestSecretKeyFromEnvironment runs the generated nodes with the broker's
// secret key in $BROKER_CURVE_SECRET, as a deployment's secret store
// hands it over, and no broker.key_secret in the keys directory; the
// broker's -h names the variable, never its value.
func TestSecretKeyFromEnvironment(t *testing.T) {
	runBroker(t, run{secretEnv: true})
	bin := e2e.Build(t, brokerRole.Pkg)[brokerRole.Pkg]
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

// tally counts equal lines: "30x line", in line order.
func tally(lines []string) string {
	n := map[string]int{}
	for _, l := range lines {
		n[l]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%dx %s", n[k], k))
	}
	return strings.Join(out, "\n")
}
