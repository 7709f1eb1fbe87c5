package reqrep_test

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

var (
	server1 = e2e.Role{Pkg: "topologies/reqrep/server1", Script: "topologies/reqrep/py/server.py"}
	server2 = e2e.Role{Pkg: "topologies/reqrep/server2", Script: "topologies/reqrep/py/server.py"}
	client  = e2e.Role{Pkg: "topologies/reqrep/client", Script: "topologies/reqrep/py/client.py"}
)

// requests is how many requests the client makes: enough to see the
// replies alternate a few times.
const requests = 8

// TestGenerated runs the generated servers and client.
func TestGenerated(t *testing.T) { runReqRep(t, e2e.Go, e2e.Go) }

// TestGuide runs the guide's Python programs: the reference.
func TestGuide(t *testing.T) { runReqRep(t, e2e.Py, e2e.Py) }

// TestMixed runs the generated servers with the guide's client, and the
// generated client with the guide's servers.
func TestMixed(t *testing.T) {
	t.Run("go-servers", func(t *testing.T) { runReqRep(t, e2e.Go, e2e.Py) })
	t.Run("go-client", func(t *testing.T) { runReqRep(t, e2e.Py, e2e.Go) })
}

var answerLine = regexp.MustCompile(`^CUSTOMER:  b'(\d+) need some (.*)'$`)

// runReqRep runs both servers, waits until they listen, runs the client
// for a number of requests, and checks that the replies come from the two
// servers in turn, each with its own port and drink.
func runReqRep(t *testing.T, srvLang, cliLang e2e.Lang) {
	p1, p2 := e2e.Port(t), e2e.Port(t)
	const delay = "20ms"
	s1 := server1.Start(t, srvLang, "server1",
		[]string{"-rep.bind", e2e.Bind(p1), "-delay", delay},
		[]string{"--bind", e2e.Bind(p1), "--drink", "coffee", "--delay", "0.02"})
	s2 := server2.Start(t, srvLang, "server2",
		[]string{"-rep.bind", e2e.Bind(p2), "-delay", delay},
		[]string{"--bind", e2e.Bind(p2), "--drink", "hot chocolate", "--delay", "0.02"})
	e2e.WaitListening(t, p1)
	e2e.WaitListening(t, p2)
	cli := client.Start(t, cliLang, "client",
		[]string{"-req.connect", e2e.Connect(p1) + "," + e2e.Connect(p2), "-requests", fmt.Sprint(requests)},
		[]string{"--connect", e2e.Connect(p1), "--connect", e2e.Connect(p2), "--requests", fmt.Sprint(requests)})
	cli.WaitOK()

	lines := e2e.Lines(cli.Stdout())
	if len(lines) != requests+1 || lines[0] != "Connecting to server..." {
		t.Fatalf("client printed %q, want \"Connecting to server...\" and %d answers", lines, requests)
	}
	want := map[string]string{fmt.Sprint(p1): "coffee", fmt.Sprint(p2): "hot chocolate"}
	var ports []string
	for _, line := range lines[1:] {
		m := answerLine.FindStringSubmatch(line)
		if m == nil || want[m[1]] != m[2] {
			t.Fatalf("client line %q: want an answer from %v (port: drink)", line, want)
		}
		ports = append(ports, m[1])
	}
	// The REQ socket takes turns between the servers it is connected to,
	// from the first request: like libzmq's, the runtime's REQ has a pipe
	// to each connect endpoint from the moment it connects, so the first
	// request goes to the first server and the second to the second.
	for i, port := range ports {
		if wantPort := []int{p1, p2}[i%2]; port != fmt.Sprint(wantPort) {
			t.Fatalf("answer %d came from port %s, want %d: answers in turn from the first, got %v", i+1, port, wantPort, ports)
		}
	}

	// A generated node stops cleanly on SIGTERM; Python dies of it. Once
	// stopped, a server's output is complete.
	for _, s := range []*e2e.Proc{s1, s2} {
		code := s.Stop()
		if srvLang == e2e.Go && code != 0 {
			t.Errorf("%s exited with status %d on SIGTERM, want 0; stderr:\n%s", s.Name, code, s.Stderr())
		}
	}

	// The turns start with the first server, whichever client runs, so
	// the run is deterministic: it must print what the guide shows, ports
	// and all once they are the guide's.
	guidePorts := strings.NewReplacer(fmt.Sprint(p1), "5000", fmt.Sprint(p2), "6000")
	e2e.Golden(t, "golden/transcripts/reqrep.txt",
		"What the reqrep example prints, whichever servers and client run\n"+
			"(reqrep_test.go, "+fmt.Sprint(requests)+" requests; ports replaced by the guide's 5000 and 6000).",
		e2e.Section{Name: "client", Text: guidePorts.Replace(cli.Stdout())},
		e2e.Section{Name: "server1", Text: s1.Stdout()},
		e2e.Section{Name: "server2", Text: s2.Stdout()})

	// Each server printed each request it answered.
	total := 0
	for _, s := range []*e2e.Proc{s1, s2} {
		for _, line := range e2e.Lines(s.Stdout()) {
			if line != "Received request:  b'What can I get for you?'" {
				t.Errorf("%s printed %q", s.Name, line)
			}
			total++
		}
	}
	if total != requests {
		t.Errorf("servers printed %d requests, want %d", total, requests)
	}
}

// TestFlagsAndEnvironment checks what a generated program reads: -h lists
// every flag with its environment variable, a variable sets what its
// flag did not, a flag wins over its variable, and a bad value is a usage
// error (status 2) that names the variable.
func TestFlagsAndEnvironment(t *testing.T) {
	bins := e2e.Build(t, server1.Pkg, server2.Pkg, client.Pkg)
	help := exec.Command(bins[server1.Pkg], "-h")
	out, err := help.CombinedOutput()
	if err != nil {
		t.Fatalf("server1 -h: %v\n%s", err, out)
	}
	for _, want := range []string{
		"Usage: server1 [flags]",
		"-rep.bind value", "$SERVER1_REP_BIND", "(default tcp://*:5000)",
		"-rep.connect value", "$SERVER1_REP_CONNECT",
		"-drink string", "What this server offers. ($SERVER1_DRINK)", `(default "coffee")`,
		"-delay duration", "$SERVER1_DELAY", "(default 1s)",
		"-log-level level", "$SERVER1_LOG_LEVEL", "-v\t",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("server1 -h does not say %q:\n%s", want, out)
		}
	}

	// A param without a comment in the .ztopo: -h still says its type.
	out, err = exec.Command(bins[server2.Pkg], "-h").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "-delay duration\n    \ta duration parameter ($SERVER2_DELAY) (default 1s)\n") {
		t.Errorf("server2 -h does not give -delay's type: %v\n%s", err, out)
	}

	bad := exec.Command(bins[server1.Pkg])
	bad.Env = append(os.Environ(), "SERVER1_DELAY=soon")
	out, err = bad.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), `invalid value "soon" for $SERVER1_DELAY`) {
		t.Errorf("SERVER1_DELAY=soon: %v\n%s", err, out)
	}

	// The bind endpoint and the drink from the environment, the delay from
	// both (the flag wins: a 1h delay would time the test out).
	port := e2e.Port(t)
	// env(1) execs the program, so that Stop signals the server itself.
	s := e2e.Start(t, "server1", "env", "SERVER1_REP_BIND="+e2e.Bind(port), "SERVER1_DRINK=tea", "SERVER1_DELAY=1h",
		bins[server1.Pkg], "-delay", "1ms")
	e2e.WaitListening(t, port)
	cli := e2e.Start(t, "client", bins[client.Pkg], "-req.connect", e2e.Connect(port), "-requests", "1")
	cli.WaitOK()
	if got, want := e2e.Lines(cli.Stdout()), fmt.Sprintf("CUSTOMER:  b'%d need some tea'", port); len(got) != 2 || got[1] != want {
		t.Errorf("client printed %q, want %q last", got, want)
	}
	if code := s.Stop(); code != 0 {
		t.Errorf("server1 exited with status %d on SIGTERM; stderr:\n%s", code, s.Stderr())
	}
}

// carelessREQ is a libzmq client that sends a request of two frames, where
// server1 expects one, then waits (stdin) without reading a reply.
const carelessREQ = `
import sys, zmq
s = zmq.Context().socket(zmq.REQ)
s.linger = 0
s.connect(sys.argv[1])
s.send_multipart([b"What can I get", b"for you?"])
print("SENT", flush=True)
sys.stdin.read()
`

// carelessREP is a libzmq server that answers a request with two frames,
// where the client expects one, then waits (stdin).
const carelessREP = `
import sys, zmq
s = zmq.Context().socket(zmq.REP)
s.linger = 0
s.bind(sys.argv[1])
print("READY", flush=True)
s.recv_multipart()
s.send_multipart([b"coffee", b"and cake"])
print("ANSWERED", flush=True)
sys.stdin.read()
`

// waitStderr waits until p's standard error contains what, failing the
// test if p exits first.
func waitStderr(t *testing.T, p *e2e.Proc, what string) {
	t.Helper()
	deadline := time.Now().Add(e2e.Timeout)
	for !strings.Contains(p.Stderr(), what) {
		if p.Exited() {
			t.Fatalf("%s exited before logging %q; stderr:\n%s", p.Name, what, p.Stderr())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not log %q in %v; stderr:\n%s", p.Name, what, e2e.Timeout, p.Stderr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCarelessPeers is issue 17's first defect: a multipart request from
// an ordinary libzmq client, or a multipart reply from a libzmq server,
// used to stop server1 or the client with "REP must reply before receiving
// the next request" (status 1). Now server1 drops the request, logs one
// warning and serves the next client; the client drops the reply, logs one
// warning and waits on for a reply, as for a lost one.
func TestCarelessPeers(t *testing.T) {
	py := e2e.Python(t)
	bins := e2e.Build(t, server1.Pkg, client.Pkg)

	t.Run("request", func(t *testing.T) {
		port := e2e.Port(t)
		s := e2e.Start(t, "server1", bins[server1.Pkg], "-rep.bind", e2e.Bind(port), "-delay", "1ms")
		e2e.WaitListening(t, port)
		careless := e2e.Start(t, "careless", append(py, "-c", carelessREQ, e2e.Connect(port))...)
		careless.WaitLines(1)
		waitStderr(t, s, "dropped a message that does not decode")
		cli := e2e.Start(t, "client", bins[client.Pkg], "-req.connect", e2e.Connect(port), "-requests", "3")
		cli.WaitOK()
		if got := e2e.Lines(cli.Stdout()); len(got) != 4 {
			t.Errorf("client printed %q, want 3 answers", got)
		}
		if s.Exited() {
			t.Fatalf("server1 exited; stderr:\n%s", s.Stderr())
		}
		if code := s.Stop(); code != 0 {
			t.Errorf("server1 exited with status %d on SIGTERM", code)
		}
		// Log bound: the one warning.
		if lines := warnings(s.Stderr()); len(lines) != 1 || !strings.Contains(lines[0], "level=WARN") || !strings.Contains(lines[0], "string message has 2 frames, want 1") {
			t.Errorf("server1 logged %q, want one warning about the request", lines)
		}
	})

	t.Run("reply", func(t *testing.T) {
		port := e2e.Port(t)
		careless := e2e.Start(t, "careless", append(py, "-c", carelessREP, e2e.Bind(port))...)
		careless.WaitLines(1)
		cli := e2e.Start(t, "client", bins[client.Pkg], "-req.connect", e2e.Connect(port), "-requests", "1")
		careless.WaitLines(2)
		waitStderr(t, cli, "dropped a message that does not decode")
		if cli.Exited() {
			t.Fatalf("client exited; stderr:\n%s", cli.Stderr())
		}
		cli.Stop()
		if lines := warnings(cli.Stderr()); len(lines) != 1 || !strings.Contains(lines[0], "string message has 2 frames, want 1") {
			t.Errorf("client logged %q, want one warning about the reply", lines)
		}
	})
}

// warnings returns the lines of a log at level WARN or ERROR.
func warnings(log string) []string {
	var w []string
	for _, l := range e2e.Lines(log) {
		if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
			w = append(w, l)
		}
	}
	return w
}
