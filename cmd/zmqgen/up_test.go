package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/dsl/model"
	"github.com/zmqgen/zmqgen/internal/testnet"
)

// fakeNodeSource is a stand-in for a generated node program: it prints a
// greeting on stdout and a line on stderr, then behaves as -mode says.
// %[1]s is the node's name, %[2]s its default mode.
const fakeNodeSource = `package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
)

func main() {
	replica := flag.Int("replica", 0, "")
	flag.Int("replicas", 1, "")
	mode := flag.String("mode", %[2]q, "")
	greeting := flag.String("greeting", "hello", "")
	marker := flag.String("marker", "", "flaky: fail when this file does not exist yet, creating it")
	flag.Parse()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	// What a generated node logs once a socket is bound, for people, and
	// the readiness record it writes for up (see runtime.ReadyFDEnv).
	// $FAKE_READY_DIR, if set, counts the nodes that said they listen.
	fmt.Fprintln(os.Stderr, "level=INFO msg=listening node=%[1]s socket=%[1]s.rep addr=tcp://127.0.0.1:5000")
	readyDir := os.Getenv("FAKE_READY_DIR")
	if fd, err := strconv.Atoi(os.Getenv("ZMQGEN_READY_FD")); err == nil {
		if readyDir != "" {
			os.WriteFile(filepath.Join(readyDir, strconv.Itoa(os.Getpid())), nil, 0o666)
		}
		f := os.NewFile(uintptr(fd), "ready")
		fmt.Fprintln(f, "{\"event\":\"listening\",\"socket\":\"%[1]s.rep\",\"addrs\":[\"tcp://127.0.0.1:5000\"]}")
		f.Close()
	} else if readyDir != "" {
		ready, _ := os.ReadDir(readyDir)
		fmt.Printf("%%d nodes listened before me\n", len(ready))
	}
	fmt.Printf("%%s from %[1]s replica %%d args %%q\n", *greeting, *replica, flag.Args())
	fmt.Fprintln(os.Stderr, "a line on stderr")
	fmt.Printf("pid %%d\n", os.Getpid())
	switch *mode {
	case "serve":
		<-sig
		fmt.Println("stopping cleanly")
	case "exit0":
		fmt.Print("done, without a newline")
	case "fail":
		fmt.Fprintln(os.Stderr, "boom")
		os.Exit(3)
	case "flaky":
		if _, err := os.Stat(*marker); err != nil {
			os.WriteFile(*marker, nil, 0o666)
			fmt.Println("failing the first time")
			os.Exit(4)
		}
		fmt.Println("fine the second time")
	case "stdin":
		sc := bufio.NewScanner(os.Stdin)
		for sc.Scan() {
			fmt.Println("got", sc.Text())
		}
		fmt.Println("end of input")
	case "stubborn":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ignoring SIGTERM")
		select {}
	}
}
`

// fakeModes are the fake nodes every fake topology directory holds, with
// their default modes.
var fakeModes = map[string]string{
	"server": "serve", "client": "exit0", "bad": "fail", "flaky": "flaky", "stubborn": "stubborn",
}

// writeFakeNodes writes a module holding a program for every fake node,
// laid out as zmqgen generate lays out a topology's directory.
func writeFakeNodes(t *testing.T) string {
	t.Helper()
	files := map[string]string{"go.mod": "module fake\n\ngo 1.22\n", "fake.ztopo": fakeZtopo}
	for name, mode := range fakeModes {
		files[name+"/main.go"] = fmt.Sprintf(fakeNodeSource, name, mode)
	}
	return writeFiles(t, files)
}

// fakeZtopo declares the fake nodes, as fakeTopology builds them, for
// runs of up as a command.
const fakeZtopo = `// Fake nodes for the tests of zmqgen up.
topology fake

message Ping = string

node server {
    param mode string = "serve"
    param greeting string = "hello"
    param marker string = ""
    socket rep REP {
        bind "tcp://127.0.0.1:5000"
        recv Ping
        send Ping
    }
}

node client {
    param mode string = "exit0"
    param greeting string = "hello"
    param marker string = ""
    socket req REQ {
        connect server.rep
        send Ping
        recv Ping
    }
}

node bad {
    param mode string = "fail"
    param greeting string = "hello"
    param marker string = ""
    socket req REQ {
        connect server.rep
        send Ping
        recv Ping
    }
}
`

// fakeTopology is a model of fake nodes: each given name is a node, with
// replicas after a colon ("server:2"). A server binds; the others connect
// to the first server. Every node has the parameters of the fake program.
func fakeTopology(specs ...string) *model.Topology {
	b := newTopo("fake")
	ping := b.msg("Ping")
	var srv *model.Socket
	for _, spec := range specs {
		name, reps, _ := strings.Cut(spec, ":")
		n := b.node(name, 1)
		if reps != "" {
			fmt.Sscan(reps, &n.Replicas)
		}
		for _, p := range []string{"mode", "greeting", "marker"} {
			n.Params = append(n.Params, &model.Param{Name: p, Type: model.ParamString, Default: ""})
		}
		if name == "server" {
			srv = sock(n, "rep", model.REP, ping, ping)
			bind(srv, "tcp://*:5000")
		} else {
			s := sock(n, "req", model.REQ, ping, ping)
			if srv != nil {
				b.link(s, srv)
			}
		}
	}
	return b.t
}

// syncBuffer is a bytes.Buffer that a test may read while up writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor waits until buf holds every one of want, failing the test after
// a generous time.
func waitFor(t *testing.T, buf *syncBuffer, want ...string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		missing := ""
		for _, w := range want {
			if !strings.Contains(buf.String(), w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %q in output:\n%s", missing, buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// upResult is what an in-process up run left behind.
type upResult struct {
	code           int
	stdout, stderr *syncBuffer
}

// startUp runs up in-process on topo with the fake programs; the returned
// channel delivers its result, and interrupt plays the signals.
func startUp(t *testing.T, topo *model.Topology, args ...string) (res chan upResult, interrupt chan os.Signal, stdout, stderr *syncBuffer) {
	t.Helper()
	return startUpWith(t, topo, nil, args...)
}

// startUpWith is startUp with stdin as up's standard input.
func startUpWith(t *testing.T, topo *model.Topology, stdin io.Reader, args ...string) (res chan upResult, interrupt chan os.Signal, stdout, stderr *syncBuffer) {
	t.Helper()
	dir := writeFakeNodes(t)
	opts, code, done := parseUpArgs(append([]string{"unused.ztopo"}, args...), &bytes.Buffer{}, &bytes.Buffer{})
	if done {
		t.Fatalf("parseUpArgs(%q): exit %d", args, code)
	}
	opts.stdinSrc = stdin
	stdout, stderr = &syncBuffer{}, &syncBuffer{}
	interrupt = make(chan os.Signal, 2)
	res = make(chan upResult, 1)
	go func() {
		res <- upResult{upTopology(topo, dir, opts, interrupt, stdout, stderr), stdout, stderr}
	}()
	return res, interrupt, stdout, stderr
}

func wait(t *testing.T, res chan upResult) upResult {
	t.Helper()
	select {
	case r := <-res:
		return r
	case <-time.After(2 * time.Minute):
		t.Fatal("up did not return")
		panic("unreachable")
	}
}

// TestUpRunsAndStops runs replicas with prefixed output, lets a node finish
// while the others go on, and stops everything on an interrupt.
func TestUpRunsAndStops(t *testing.T) {
	t.Setenv("FAKE_READY_DIR", t.TempDir())
	res, interrupt, stdout, stderr := startUp(t, fakeTopology("client", "server:2"),
		"-set", "client.greeting=hey", "--", "extra")
	waitFor(t, stdout,
		"server.0 | hello from server replica 0 args [\"extra\"]\n",
		"server.1 | hello from server replica 1 args [\"extra\"]\n",
		"server.1 | a line on stderr\n",
		"client   | hey from client replica 0 args [\"extra\"]\n",
		"client   | done, without a newline\n",
	)
	waitFor(t, stderr, "zmqgen up: client exited with code 0\n")
	select {
	case r := <-res:
		t.Fatalf("up returned %d after one node finished; stdout:\n%s", r.code, r.stdout)
	default:
	}
	interrupt <- os.Interrupt
	r := wait(t, res)
	if r.code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	out := r.stdout.String()
	for _, want := range []string{"server.0 | stopping cleanly\n", "server.1 | stopping cleanly\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if m := regexp.MustCompile(`(?m)^(?:server\.[01]|client  ) \| `).FindAllString(out, -1); len(m) != strings.Count(out, "\n") {
		t.Errorf("not every line is prefixed:\n%s", out)
	}
	if strings.Contains(r.stderr.String(), "killing") {
		t.Errorf("a node was killed:\n%s", r.stderr)
	}
	// The client, which only connects, started once both servers said
	// they listen.
	if want := "client   | 2 nodes listened before me\n"; !strings.Contains(out, want) {
		t.Errorf("stdout lacks %q:\n%s", want, out)
	}
}

// TestUpOnlyBinders checks that up does not warn about binding nodes that
// are slow to listen when every node it runs binds and listens: there is
// no other node to start.
func TestUpOnlyBinders(t *testing.T) {
	defer func(d time.Duration) { readyWait = d }(readyWait)
	readyWait = 50 * time.Millisecond
	res, interrupt, stdout, _ := startUp(t, fakeTopology("server:2"))
	waitFor(t, stdout, "server.0 | level=INFO msg=listening", "server.1 | level=INFO msg=listening")
	// Give a timer that should not be running the time to fire.
	time.Sleep(4 * readyWait)
	interrupt <- os.Interrupt
	r := wait(t, res)
	if r.code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	if strings.Contains(r.stderr.String(), "starting the other nodes") {
		t.Errorf("up warned about starting other nodes, and there are none:\n%s", r.stderr)
	}
}

// TestUpFailingNode checks that a failing node stops the run with exit 1
// and that up names it.
func TestUpFailingNode(t *testing.T) {
	res, _, stdout, _ := startUp(t, fakeTopology("server", "bad"))
	r := wait(t, res)
	if r.code != exitFail {
		t.Errorf("exit %d, want %d", r.code, exitFail)
	}
	if want := "zmqgen up: bad failed (exit status 3); stopping the other nodes\n"; !strings.Contains(r.stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
	// The server was started (binders first) and then stopped gently.
	waitFor(t, stdout, "bad    | boom\n", "server | stopping cleanly\n")
}

// TestUpRestart checks -restart: a node that fails is started again after
// the backoff, and up ends when every node has exited 0.
func TestUpRestart(t *testing.T) {
	defer func(d time.Duration) { restartInitial = d }(restartInitial)
	restartInitial = 10 * time.Millisecond
	marker := filepath.Join(t.TempDir(), "marker")
	res, _, _, _ := startUp(t, fakeTopology("flaky"), "-restart", "-set", "flaky.marker="+marker)
	r := wait(t, res)
	if r.code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"flaky | failing the first time\n", "flaky | fine the second time\n"} {
		if !strings.Contains(r.stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	for _, want := range []string{
		"zmqgen up: flaky failed (exit status 4); restarting in 10ms\n",
		"zmqgen up: flaky exited with code 0\n",
		"zmqgen up: every node has exited\n",
	} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestUpKillsAfterGrace checks that a node ignoring SIGTERM is killed once
// the grace period is over, and that up still exits 0.
//
// The stubborn node also binds a socket it never says it listens on, so
// the client starts only after readyWait.
func TestUpKillsAfterGrace(t *testing.T) {
	defer func(d time.Duration) { readyWait = d }(readyWait)
	readyWait = 100 * time.Millisecond
	topo := fakeTopology("stubborn", "client")
	bind(sock(topo.Node("stubborn"), "quiet", model.PUSH, nil, nil), "tcp://*:5000")
	res, interrupt, stdout, _ := startUp(t, topo, "-grace", "200ms")
	waitFor(t, stdout, "stubborn | ignoring SIGTERM\n", "client   | done")
	// A second SIGTERM does not cut the grace period short.
	interrupt <- syscall.SIGTERM
	interrupt <- syscall.SIGTERM
	r := wait(t, res)
	if r.code != exitOK {
		t.Errorf("exit %d, want 0", r.code)
	}
	for _, want := range []string{
		"zmqgen up: starting the other nodes, though not every binding node listens after 100ms\n",
		"zmqgen up: stubborn did not stop within 200ms; killing it\n",
	} {
		if !strings.Contains(r.stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// TestUpSecondCtrlC checks that a second Ctrl-C kills at once, however
// long the grace period.
func TestUpSecondCtrlC(t *testing.T) {
	res, interrupt, stdout, _ := startUp(t, fakeTopology("stubborn"), "-grace", "1h")
	waitFor(t, stdout, "stubborn | ignoring SIGTERM\n")
	interrupt <- os.Interrupt
	interrupt <- os.Interrupt
	r := wait(t, res)
	if r.code != exitOK {
		t.Errorf("exit %d, want 0", r.code)
	}
	if want := "zmqgen up: stubborn is still running at the second Ctrl-C; killing it\n"; !strings.Contains(r.stderr.String(), want) {
		t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
	}
}

// TestUpStdin checks that -stdin gives up's standard input to one node
// process, and that the others read nothing.
func TestUpStdin(t *testing.T) {
	res, _, _, _ := startUpWith(t, fakeTopology("server:2", "client"), strings.NewReader("one\ntwo\n"),
		"-stdin", "server.1", "-set", "server.mode=stdin", "-set", "client.mode=stdin")
	r := wait(t, res)
	if r.code != exitOK {
		t.Errorf("exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	out := r.stdout.String()
	for _, want := range []string{"server.1 | got one\n", "server.1 | got two\n", "server.1 | end of input\n", "server.0 | end of input\n", "client   | end of input\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "| got "); n != 2 {
		t.Errorf("%d lines read in all, want 2:\n%s", n, out)
	}

	// Input that never ends must not keep up from seeing that the node,
	// which does not read it, exited.
	never, _ := io.Pipe()
	res, _, _, _ = startUpWith(t, fakeTopology("client"), never, "-stdin", "client")
	if r := wait(t, res); r.code != exitOK || !strings.Contains(r.stderr.String(), "zmqgen up: client exited with code 0\n") {
		t.Errorf("exit %d; stderr:\n%s", r.code, r.stderr)
	}
}

// TestUpCommand runs zmqgen up as a real command on the fake topology, so
// that signals reach it as they would from a terminal or a supervisor.
func TestUpCommand(t *testing.T) {
	if goruntime.GOOS == "windows" {
		t.Skip("needs SIGTERM")
	}
	zmqgen := filepath.Join(t.TempDir(), "zmqgen")
	if out, err := exec.Command(goTool(), "build", "-o", zmqgen, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := writeFakeNodes(t)
	start := func(t *testing.T, args ...string) (*exec.Cmd, *syncBuffer, *syncBuffer) {
		t.Helper()
		cmd := exec.Command(zmqgen, append([]string{"up"}, args...)...)
		stdout, stderr := &syncBuffer{}, &syncBuffer{}
		cmd.Stdout, cmd.Stderr = stdout, stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		return cmd, stdout, stderr
	}
	exitCode := func(t *testing.T, cmd *exec.Cmd) int {
		t.Helper()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
			return cmd.ProcessState.ExitCode()
		case <-time.After(2 * time.Minute):
			t.Fatal("zmqgen up did not exit")
			return -1
		}
	}

	t.Run("SIGTERM stops every node and exits 0", func(t *testing.T) {
		cmd, stdout, stderr := start(t, dir, "-only", "server", "-replicas", "server=2")
		waitFor(t, stdout, "server.0 | hello from server", "server.1 | hello from server")
		waitFor(t, stdout, "server.0 | pid ", "server.1 | pid ")
		cmd.Process.Signal(syscall.SIGTERM)
		if code := exitCode(t, cmd); code != 0 {
			t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
		}
		for _, want := range []string{"server.0 | stopping cleanly\n", "server.1 | stopping cleanly\n"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("stdout lacks %q:\n%s", want, stdout)
			}
		}
		for _, pid := range nodePids(t, stdout.String()) {
			if alive(pid) {
				t.Errorf("node process %d outlived up", pid)
			}
		}
		// The fake nodes were written by hand, not generated.
		if want := "zmqgen up: warning: generated code is not current, run zmqgen generate "; !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	})

	t.Run("a failing node makes up exit 1", func(t *testing.T) {
		cmd, stdout, stderr := start(t, filepath.Join(dir, "fake.ztopo"), "-only=server,bad")
		if code := exitCode(t, cmd); code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		if want := "zmqgen up: bad failed (exit status 3); stopping the other nodes\n"; !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
		waitFor(t, stdout, "bad    | boom\n", "server | stopping cleanly\n")
	})

	t.Run("topology errors exit 1", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.ztopo")
		os.WriteFile(bad, []byte("topology bad\nnode x { socket s REQ { connect y.z } }\n"), 0o666)
		cmd, _, stderr := start(t, bad)
		if code := exitCode(t, cmd); code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
		// The wording is the dsl package's; the compact form is up's.
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(bad) + `:2:\d+: error: \S`).MatchString(stderr.String()) {
			t.Errorf("stderr lacks a compact error at line 2:\n%s", stderr)
		}
	})

	t.Run("nodes die with up", func(t *testing.T) {
		if goruntime.GOOS != "linux" {
			t.Skip("the parent death signal is Linux's")
		}
		cmd, stdout, _ := start(t, dir, "-only", "server")
		waitFor(t, stdout, "server | pid ")
		cmd.Process.Kill()
		exitCode(t, cmd)
		pids := nodePids(t, stdout.String())
		deadline := time.Now().Add(time.Minute)
		for _, pid := range pids {
			for alive(pid) {
				if time.Now().After(deadline) {
					t.Fatalf("node process %d outlived a killed up", pid)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	})
}

// nodePids are the pids the fake nodes announced in out.
func nodePids(t *testing.T, out string) []int {
	t.Helper()
	var pids []int
	for _, m := range regexp.MustCompile(`\| pid (\d+)\n`).FindAllStringSubmatch(out, -1) {
		pid, _ := strconv.Atoi(m[1])
		pids = append(pids, pid)
	}
	if len(pids) == 0 {
		t.Fatalf("no pid in output:\n%s", out)
	}
	return pids
}

// alive reports whether process pid exists and is not a zombie waiting to
// be reaped by whoever inherited it.
func alive(pid int) bool {
	if err := syscall.Kill(pid, 0); err != nil {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return goruntime.GOOS != "linux" // without /proc, trust kill
	}
	// The state follows the parenthesized command name.
	s := string(stat)
	i := strings.LastIndexByte(s, ')')
	return !(i >= 0 && i+2 < len(s) && s[i+2] == 'Z')
}

// freePort returns a TCP port on 127.0.0.1 reserved for the test: the
// guide's fixed ports may be taken on a test machine.
func freePort(t *testing.T) int { return testnet.Port(t) }

// generatedTopology returns the directory of topologies/<name> and skips
// the test while the topology's node programs have not been generated.
func generatedTopology(t *testing.T, name string, nodes ...string) string {
	t.Helper()
	dir := filepath.Join("..", "..", "topologies", name)
	for _, n := range nodes {
		if _, err := os.Stat(filepath.Join(dir, n, n+".zmqgen.go")); err != nil {
			t.Skipf("topologies/%s has no generated program for %s yet", name, n)
		}
	}
	return dir
}

// TestUpReqRep runs the guide's Request/Reply example with up: two coffee
// servers and a customer who makes six requests, on free ports. The nodes
// log warnings only: up learns that the servers listen from their
// readiness records, not from their logs.
func TestUpReqRep(t *testing.T) {
	dir := generatedTopology(t, "reqrep", "server1", "server2", "client")
	p1, p2 := freePort(t), freePort(t)
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	interrupt := make(chan os.Signal, 1)
	res := make(chan int, 1)
	go func() {
		res <- up([]string{dir,
			"-set", fmt.Sprintf("server1.rep.bind=tcp://127.0.0.1:%d", p1),
			"-set", fmt.Sprintf("server2.rep.bind=tcp://127.0.0.1:%d", p2),
			"-set", fmt.Sprintf("client.req.connect=tcp://127.0.0.1:%d,tcp://127.0.0.1:%d", p1, p2),
			"-set", "client.requests=6",
			"-set", "server1.delay=1ms", "-set", "server2.delay=1ms",
			"--", "-log-level=warn",
		}, nil, interrupt, stdout, stderr)
	}()
	// The customer finishes; the servers go on serving until Ctrl-C.
	waitFor(t, stderr, "zmqgen up: client exited with code 0\n")
	interrupt <- os.Interrupt
	select {
	case code := <-res:
		if code != exitOK {
			t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr)
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("up did not stop; stderr:\n%s", stderr)
	}
	out := stdout.String()
	answers := regexp.MustCompile(`(?m)^client  \| CUSTOMER:  b'(\d+) need some (coffee|hot chocolate)'$`).FindAllStringSubmatch(out, -1)
	if len(answers) != 6 {
		t.Errorf("%d answers, want 6:\n%s", len(answers), out)
	}
	for _, a := range answers {
		if want := map[string]string{strconv.Itoa(p1): "coffee", strconv.Itoa(p2): "hot chocolate"}[a[1]]; a[2] != want {
			t.Errorf("answer %q: the server on port %s offers %q", a[0], a[1], want)
		}
	}
	served := regexp.MustCompile(`(?m)^server[12] \| Received request:  b'What can I get for you\?'$`).FindAllString(out, -1)
	if len(served) != 6 {
		t.Errorf("servers got %d requests, want 6:\n%s", len(served), out)
	}
	if strings.Contains(stderr.String(), "killing") {
		t.Errorf("a node had to be killed:\n%s", stderr)
	}
	if strings.Contains(stderr.String(), "not every binding node listens") || strings.Contains(out, "msg=listening") {
		t.Errorf("up did not learn that the servers listen, or they logged at info:\nstderr:\n%s\nstdout:\n%s", stderr, out)
	}
}

// TestUpRefusesBadSetBeforeBuilding runs up on a real topology with a
// -set value its node could not parse: up says so in one line, before it
// builds or starts anything.
func TestUpRefusesBadSetBeforeBuilding(t *testing.T) {
	dir := generatedTopology(t, "reqrep", "server1", "server2", "client")
	var stdout, stderr syncBuffer
	code := up([]string{dir, "-set", "client.requests=abc"}, nil, make(chan os.Signal), &stdout, &stderr)
	want := `zmqgen up: -set client.requests=abc: parameter requests is an int: want a whole number such as 10, not "abc"` + "\n"
	if code != exitUsage || stderr.String() != want || stdout.String() != "" {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d, stderr:\n%s", code, stderr.String(), exitUsage, want)
	}
}

// TestUpReplicasAboveTheTopologys runs the broker example with more
// servers than its .ztopo declares, and fewer clients: each copy learns
// the count (-replicas) and its index in it, and runs.
func TestUpReplicasAboveTheTopologys(t *testing.T) {
	dir := generatedTopology(t, "broker", "broker", "client", "server")
	front, back := freePort(t), freePort(t)
	ep := func(port int) string { return fmt.Sprintf("tcp://127.0.0.1:%d", port) }
	var stdout, stderr syncBuffer
	interrupt := make(chan os.Signal, 1)
	res := make(chan int, 1)
	go func() {
		res <- up([]string{dir, "-replicas", "server=3,client=1",
			"-set", "broker.frontend.bind=" + ep(front), "-set", "broker.backend.bind=" + ep(back),
			"-set", "client.req.connect=" + ep(front), "-set", "server.rep.connect=" + ep(back),
			"-set", "client.requests=3", "-set", "server.log-level=debug",
		}, nil, interrupt, &stdout, &stderr)
	}()
	waitFor(t, &stderr, "zmqgen up: client exited with code 0\n")
	waitFor(t, &stdout, "server.0 | ", "server.1 | ", "server.2 | ")
	interrupt <- os.Interrupt
	select {
	case code := <-res:
		if code != exitOK {
			t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("up did not stop; stderr:\n%s", stderr.String())
	}
	out := stdout.String()
	for i := range 3 {
		// The runtime's logs name the replica (debug: "zmq: connected").
		if re := fmt.Sprintf(`(?m)^server\.%d \| .* node=server replica=%d `, i, i); !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("no log line of server.%d as replica %d:\n%s", i, i, out)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^client +\| Received reply \d \[b'World'\]$`).FindAllString(out, -1)); n != 3 {
		t.Errorf("the client got %d replies, want 3:\n%s", n, out)
	}
	if strings.Contains(stderr.String(), "failed") {
		t.Errorf("a node failed:\n%s", stderr.String())
	}
}

// TestUpPipeline runs the guide's parallel pipeline with up: every node
// ends by itself (the ventilator after its batch, the sink after 100
// results, the workers on KILL), so up ends too, with status 0.
func TestUpPipeline(t *testing.T) {
	dir := generatedTopology(t, "pipeline", "ventilator", "worker", "sink")
	tasks, results, control := freePort(t), freePort(t), freePort(t)
	ep := func(port int) string { return fmt.Sprintf("tcp://127.0.0.1:%d", port) }
	var stdout, stderr syncBuffer
	interrupt := make(chan os.Signal, 1)
	res := make(chan int, 1)
	go func() {
		res <- up([]string{dir,
			"-set", "ventilator.sender.bind=" + ep(tasks),
			"-set", "ventilator.sink.connect=" + ep(results),
			"-set", "ventilator.seed=7",
			"-set", "worker.receiver.connect=" + ep(tasks),
			"-set", "worker.sender.connect=" + ep(results),
			"-set", "worker.controller.connect=" + ep(control),
			"-set", "sink.receiver.bind=" + ep(results),
			"-set", "sink.controller.bind=" + ep(control),
		}, nil, interrupt, &stdout, &stderr)
	}()
	select {
	case code := <-res:
		if code != exitOK {
			t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(3 * time.Minute):
		interrupt <- os.Interrupt
		t.Fatalf("up did not end by itself; stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	for _, node := range []string{"ventilator", "sink", "worker.0", "worker.1"} {
		if want := "zmqgen up: " + node + " exited with code 0\n"; !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if want := "zmqgen up: every node has exited\n"; !strings.HasSuffix(stderr.String(), want) {
		t.Errorf("stderr does not end with %q:\n%s", want, stderr.String())
	}
	out := stdout.String()
	for _, re := range []string{
		`(?m)^ventilator \| Total expected cost: \d+ msec$`,
		`(?m)^sink       \| (?::\.{9}){10}Total elapsed time: \d+ msec$`,
	} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("stdout lacks a line matching %s:\n%s", re, out)
		}
	}
	// Each worker printed a dot per task it did, on one line flushed when
	// it exited: 100 in all.
	dots := 0
	for _, m := range regexp.MustCompile(`(?m)^worker\.[01]   \| (\.+)$`).FindAllStringSubmatch(out, -1) {
		dots += len(m[1])
	}
	if dots != 100 {
		t.Errorf("the workers did %d tasks, want 100:\n%s", dots, out)
	}
}
