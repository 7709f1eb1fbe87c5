// Package e2e runs the guide's examples end to end in tests: every node as
// its own process over tcp on loopback, generated Go programs and the
// guide's Python programs alike.
//
// A test builds the node programs of its topology once (Build), picks free
// ports (Port) and passes them as endpoint overrides, starts each node
// (Start, Python), waits for what it prints (Proc.WaitFor, Proc.Wait),
// and compares the deterministic part of the transcript with a golden
// file (Golden, -update to rewrite it). Every process still running when
// the test ends is killed, and a failed test logs what each one printed.
//
// Nothing here sleeps to synchronise: waits are on output lines, process
// exits, listeners (WaitListening) and TCP connections (WaitConnections),
// each with a generous deadline so that a busy machine does not fail a
// correct run.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/internal/testnet"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts")

// Timeout bounds every wait of a test: long enough for a race-enabled
// run on two busy cores, short enough that a hang fails the test.
const Timeout = 2 * time.Minute

// Root returns the module's root directory, where go.mod is.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("e2e: no go.mod above the working directory")
		}
		dir = parent
	}
}

var (
	buildMu    sync.Mutex
	buildCache = map[string]string{} // package path -> binary
	buildDir   string
)

// Build builds the Go programs in pkgs (import paths relative to the
// module root, e.g. "topologies/pair/server") and returns the path of each
// binary by package path. A package is built once per test binary, with
// the race detector when the test binary has it.
func Build(t testing.TB, pkgs ...string) map[string]string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if buildDir == "" {
		// The directory outlives the test that made it, so that later
		// tests of the same binary reuse the programs; nothing runs when
		// the test binary ends, so the next one removes it.
		removeStaleBuildDirs()
		d, err := os.MkdirTemp("", fmt.Sprintf("%s%d-", buildDirPrefix, os.Getpid()))
		if err != nil {
			t.Fatal(err)
		}
		buildDir = d
	}
	var todo []string
	for _, p := range pkgs {
		if _, ok := buildCache[p]; !ok {
			todo = append(todo, p)
		}
	}
	if len(todo) > 0 {
		out := filepath.Join(buildDir, strconv.Itoa(len(buildCache)))
		if err := os.MkdirAll(out, 0o755); err != nil {
			t.Fatal(err)
		}
		args := []string{"build", "-o", out + string(filepath.Separator)}
		if raceEnabled {
			args = append(args, "-race")
		}
		for _, p := range todo {
			args = append(args, "./"+p)
		}
		cmd := exec.Command(goTool(), args...)
		cmd.Dir = Root(t)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, b)
		}
		for _, p := range todo {
			buildCache[p] = filepath.Join(out, filepath.Base(p))
		}
	}
	bins := make(map[string]string, len(pkgs))
	for _, p := range pkgs {
		bins[p] = buildCache[p]
	}
	return bins
}

// buildDirPrefix starts the name of each test binary's build directory,
// followed by the binary's process id.
const buildDirPrefix = "zmqgen-e2e-"

// removeStaleBuildDirs removes the build directories of test binaries
// that are no longer running.
func removeStaleBuildDirs() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), buildDirPrefix+"*"))
	for _, d := range dirs {
		pid, _, ok := strings.Cut(strings.TrimPrefix(filepath.Base(d), buildDirPrefix), "-")
		n, err := strconv.Atoi(pid)
		if !ok || err != nil || n <= 0 {
			continue
		}
		if err := syscall.Kill(n, 0); errors.Is(err, syscall.ESRCH) {
			_ = os.RemoveAll(d)
		}
	}
}

// goTool is the go command: go test puts the bin directory of the Go
// running the tests first on $PATH.
func goTool() string { return "go" }

// Python returns the command line prefix that runs a Python program
// against libzmq: Debian's python3 with pyzmq, unbuffered. It skips the
// test when pyzmq is missing, except in CI, where it fails it.
func Python(t testing.TB) []string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import zmq").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("e2e: %s with pyzmq is needed (apt-get install python3-zmq): %v", py, err)
		}
		t.Skipf("e2e: %s with pyzmq not available: %v", py, err)
	}
	return []string{py, "-u"}
}

// Port returns a TCP port on 127.0.0.1 for a node of the test to bind,
// reserved for the test until it ends (see testnet.Port).
func Port(t testing.TB) int { return testnet.Port(t) }

// Bind and Connect are the endpoints a node binds and its peers connect
// to for a port that Port picked.
func Bind(port int) string    { return fmt.Sprintf("tcp://127.0.0.1:%d", port) }
func Connect(port int) string { return fmt.Sprintf("tcp://127.0.0.1:%d", port) }

// A Proc is a node running as a process.
type Proc struct {
	Name string

	t     testing.TB
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan struct{} // closed once the process has exited and its output is read
	err   error         // Wait's error, once done is closed

	mu     sync.Mutex
	cond   *sync.Cond
	stdout bytes.Buffer
	stderr bytes.Buffer
}

// Start starts argv as the node name. Its standard input is a pipe
// (Proc.Enter writes to it); its output is kept for WaitFor and Stdout.
// When the test ends the process is killed if it still runs, and if the
// test failed its output is logged.
func Start(t testing.TB, name string, argv ...string) *Proc {
	t.Helper()
	return StartEnv(t, name, nil, argv...)
}

// StartEnv is Start with the process's environment env ("NAME=value"
// strings) in place of the test's; nil is the test's.
func StartEnv(t testing.TB, name string, env []string, argv ...string) *Proc {
	t.Helper()
	p := &Proc{Name: name, t: t, done: make(chan struct{})}
	p.cond = sync.NewCond(&p.mu)
	p.cmd = exec.Command(argv[0], argv[1:]...)
	p.cmd.Dir = Root(t)
	p.cmd.Env = env
	// Its own process group, so that a kill reaches anything it started.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdin, err := p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdin = stdin
	outR, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	errR, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	var copies sync.WaitGroup
	copies.Go(func() { p.copy(outR, &p.stdout) })
	copies.Go(func() { p.copy(errR, &p.stderr) })
	go func() {
		copies.Wait() // Wait must not run before the pipes are drained
		p.err = p.cmd.Wait()
		close(p.done)
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	}()
	t.Cleanup(func() {
		p.Kill()
		if t.Failed() {
			t.Logf("--- %s %s\nstdout:\n%s\nstderr:\n%s", name, strings.Join(argv, " "), p.Stdout(), p.Stderr())
		}
	})
	return p
}

func (p *Proc) copy(r io.Reader, into *bytes.Buffer) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			p.mu.Lock()
			into.Write(buf[:n])
			p.cond.Broadcast()
			p.mu.Unlock()
		}
		if err != nil {
			return
		}
	}
}

// Stdout returns what the process printed on standard output so far.
func (p *Proc) Stdout() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stdout.String()
}

// Stderr returns what the process printed on standard error so far.
func (p *Proc) Stderr() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// Exited says whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// WaitFor waits until the standard output so far satisfies ok, and fails
// the test if the process exits first or Timeout passes.
func (p *Proc) WaitFor(what string, ok func(stdout string) bool) {
	p.t.Helper()
	deadline := time.Now().Add(Timeout)
	timer := time.AfterFunc(Timeout, func() {
		p.mu.Lock()
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer timer.Stop()
	p.mu.Lock()
	defer p.mu.Unlock()
	for !ok(p.stdout.String()) {
		if p.Exited() {
			p.t.Fatalf("%s exited (%v) before %s; stdout:\n%s\nstderr:\n%s", p.Name, p.err, what, p.stdout.String(), p.stderr.String())
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: no %s after %v; stdout:\n%s\nstderr:\n%s", p.Name, what, Timeout, p.stdout.String(), p.stderr.String())
		}
		p.cond.Wait()
	}
}

// WaitLines waits until the process has printed at least n lines.
func (p *Proc) WaitLines(n int) {
	p.t.Helper()
	p.WaitFor(fmt.Sprintf("%d lines", n), func(s string) bool { return strings.Count(s, "\n") >= n })
}

// Wait waits for the process to exit by itself and returns its exit
// status; it fails the test if Timeout passes first.
func (p *Proc) Wait() int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(Timeout):
		p.t.Fatalf("%s still running after %v; stdout:\n%s\nstderr:\n%s", p.Name, Timeout, p.Stdout(), p.Stderr())
	}
	return p.exitCode()
}

// WaitOK waits for the process to exit and fails the test unless its
// exit status is 0.
func (p *Proc) WaitOK() {
	p.t.Helper()
	if code := p.Wait(); code != 0 {
		p.t.Fatalf("%s exited with status %d; stderr:\n%s", p.Name, code, p.Stderr())
	}
}

func (p *Proc) exitCode() int {
	var ee *exec.ExitError
	switch {
	case p.err == nil:
		return 0
	case errors.As(p.err, &ee):
		return ee.ExitCode() // -1 when killed by a signal
	}
	return -1
}

// Enter writes a line to the process's standard input, as a user
// pressing Enter.
func (p *Proc) Enter() {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, "\n"); err != nil {
		p.t.Fatalf("%s: write stdin: %v", p.Name, err)
	}
}

// Stop sends SIGTERM, the way a user stops a node that runs forever, and
// waits for the process to exit; it returns the exit status (-1 if the
// signal killed it, as it does a Python program).
func (p *Proc) Stop() int {
	p.t.Helper()
	if !p.Exited() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	return p.Wait()
}

// Kill kills the process group if the process still runs, and waits for
// it to exit.
func (p *Proc) Kill() {
	if p.Exited() {
		return
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

// WaitConnections waits until at least n TCP connections to port on this
// machine are established, as seen from the listening side. A test uses
// it where the guide has a person wait ("Press Enter when the workers are
// ready"): the batch must not start before every worker is connected.
func WaitConnections(t testing.TB, port, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	for {
		got, err := established(port)
		if err != nil {
			t.Fatalf("count connections: %v", err)
		}
		if got >= n {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%d connections to port %d after %v, want %d", got, port, Timeout, n)
		case <-time.After(5 * time.Millisecond): // polling a condition, not a guess
		}
	}
}

// WaitListening waits until something listens on 127.0.0.1:port (or on
// every address), reading /proc/net/tcp rather than connecting, so as not
// to be a peer of the node under test. A test uses it where a node must
// not start before its peer listens: a Lazy Pirate client started too
// early spends its first try's timeout on a server that is not there yet.
func WaitListening(t testing.TB, port int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	for {
		got, err := sockets(port, tcpListen)
		if err != nil {
			t.Fatalf("look for a listener: %v", err)
		}
		if got > 0 {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("nothing listens on port %d after %v", port, Timeout)
		case <-time.After(5 * time.Millisecond): // polling a condition, not a guess
		}
	}
}

// States of a TCP socket in /proc/net/tcp.
const (
	tcpEstablished = "01"
	tcpListen      = "0A"
)

// established counts the established TCP connections whose local port is
// port.
func established(port int) (int, error) { return sockets(port, tcpEstablished) }

// sockets counts the TCP sockets in state whose local port is port, from
// /proc/net/tcp and /proc/net/tcp6.
func sockets(port int, state string) (int, error) {
	if runtime.GOOS != "linux" {
		return 0, fmt.Errorf("needs Linux's /proc/net/tcp")
	}
	want := fmt.Sprintf(":%04X", port)
	n := 0
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			return 0, err
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Scan() // header
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			// sl local_address rem_address st ...
			if len(fields) > 3 && strings.HasSuffix(fields[1], want) && fields[3] == state {
				n++
			}
		}
	}
	return n, nil
}

// A Section is one part of a transcript: what one node printed, possibly
// normalised.
type Section struct {
	Name string
	Text string
}

// Golden compares the transcript made of sections with the txtar file at
// path (relative to the module root), or rewrites the file with -update.
// comment heads the file and says what it holds.
func Golden(t testing.TB, path, comment string, sections ...Section) {
	t.Helper()
	a := &txtar.Archive{Comment: []byte(strings.TrimRight(comment, "\n") + "\n")}
	for _, s := range sections {
		text := s.Text
		if text != "" && !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		a.Files = append(a.Files, txtar.File{Name: s.Name, Data: []byte(text)})
	}
	got := txtar.Format(a)
	file := filepath.Join(Root(t), filepath.FromSlash(path))
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run the test with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("transcript differs from %s (-update rewrites it)\n got:\n%s\nwant:\n%s", path, got, want)
	}
}

// Lines splits text into lines without their newlines; a final line
// without a newline counts.
func Lines(text string) []string {
	text = strings.TrimSuffix(text, "\n")
	if text == "" {
		return nil
	}
	return strings.Split(text, "\n")
}

// Lang says which implementation of a node runs: the generated Go program
// or the guide's Python program.
type Lang int

const (
	Go Lang = iota // the node's generated program and handler
	Py             // the guide's Python program, on libzmq
)

func (l Lang) String() string {
	if l == Py {
		return "py"
	}
	return "go"
}

// A Role is one node of a topology, in either implementation.
type Role struct {
	Pkg    string // the Go program's package, relative to the module root
	Script string // the Python program, relative to the module root
}

// Start starts the role as node name in lang, with goArgs for the Go
// program or pyArgs for the Python one.
func (r Role) Start(t testing.TB, lang Lang, name string, goArgs, pyArgs []string) *Proc {
	t.Helper()
	if lang == Py {
		return Start(t, name, append(append(Python(t), r.Script), pyArgs...)...)
	}
	if _, err := os.Stat(filepath.Join(Root(t), filepath.FromSlash(r.Pkg))); err != nil {
		t.Skipf("%s: no generated program yet (%v)", r.Pkg, err)
	}
	bin := Build(t, r.Pkg)[r.Pkg]
	return Start(t, name, append([]string{bin}, goArgs...)...)
}
