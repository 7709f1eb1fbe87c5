package main

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

//go:embed cpeer/peer.c pypeer/peer.py
var peerSources embed.FS

// Implementations measured. Each runs one end of a scenario in a process of
// its own (see impl.command).
const (
	implRuntime = "runtime"
	implZmq4    = "zmq4"
	implC       = "c"
	implPy      = "py"
	// implRuntimeOff is the runtime with its per-connection message and
	// byte counters off (ZMQGEN_COUNTERS=off), to measure what they cost;
	// only -impls or -counters asks for it.
	implRuntimeOff = "runtime-off"
)

var allImpls = []string{implRuntime, implZmq4, implC, implPy}

// knownImpls are what -impls accepts.
var knownImpls = append(slices.Clone(allImpls), implRuntimeOff)

// implLabel is an implementation's column heading.
var implLabel = map[string]string{
	implRuntime:    "runtime",
	implZmq4:       "zmq4",
	implC:          "libzmq C",
	implPy:         "pyzmq",
	implRuntimeOff: "runtime, counters off",
}

// errNA marks a measurement that cannot be made: the runtime is not
// implemented yet, or a peer's toolchain is missing.
var errNA = errors.New("n/a")

// peers knows how to start a peer process of each implementation.
type peers struct {
	dir     string // temp dir holding the C binary and the Python script
	self    string // this executable, for the Go peers
	cpeer   string // built C peer, "" if it could not be built
	cErr    error
	python  string
	pyErr   error
	verbose io.Writer
	// countSyscalls wraps the peers that exit by themselves (push, pull,
	// sub, req) in `perf stat`, counting their system calls and context
	// switches (see proc.stats).
	countSyscalls bool
	nstat         int
	// profileDir, if set, is where the Go peers write CPU profiles.
	profileDir string
	// lastCPU is the CPU time per message of each role of the last
	// measurement, in µs (perMessage).
	lastCPU map[string]float64
	// lastDelivered is the fraction delivered of the last PUB→SUB
	// measurement, -1 for other ones.
	lastDelivered float64
	// curveKeys is curveEnv's value for the curve modes, made on first use.
	curveKeys string
	// topics, when not 0, is passed to the peers as topicsEnv (the
	// subscriptions scenarios).
	topics int
}

// newPeers prepares the peers of impls: builds the C peer with cc and
// pkg-config into a temp dir, writes the Python script next to it.
// Missing toolchains are recorded, not fatal: those columns say n/a.
func newPeers(impls []string, verbose io.Writer) (*peers, error) {
	dir, err := os.MkdirTemp("", "zmqgen-bench-")
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	p := &peers{dir: dir, self: self, verbose: verbose}
	for _, impl := range impls {
		switch {
		case impl == implC && p.cpeer == "" && p.cErr == nil:
			p.cpeer, p.cErr = buildCPeer(dir)
		case impl == implPy && p.python == "" && p.pyErr == nil:
			p.python, p.pyErr = writePyPeer(dir)
		}
	}
	return p, nil
}

func (p *peers) cleanup() { os.RemoveAll(p.dir) }

// buildCPeer compiles cpeer/peer.c against libzmq into dir.
func buildCPeer(dir string) (string, error) {
	src, err := peerSources.ReadFile("cpeer/peer.c")
	if err != nil {
		return "", err
	}
	cfile := filepath.Join(dir, "peer.c")
	if err := os.WriteFile(cfile, src, 0o644); err != nil {
		return "", err
	}
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "libzmq").Output()
	if err != nil {
		return "", fmt.Errorf("pkg-config --cflags --libs libzmq: %v (install libzmq3-dev and pkg-config)", err)
	}
	bin := filepath.Join(dir, "cpeer")
	args := append([]string{"-O2", "-o", bin, cfile}, strings.Fields(string(flags))...)
	if out, err := exec.Command("cc", args...).CombinedOutput(); err != nil {
		return "", fmt.Errorf("cc: %v\n%s", err, out)
	}
	return bin, nil
}

// pythonPath is Debian's python3, the one with python3-zmq.
const pythonPath = "/usr/bin/python3"

// writePyPeer writes the Python peer into dir, after checking that pyzmq
// imports.
func writePyPeer(dir string) (string, error) {
	if out, err := exec.Command(pythonPath, "-c", "import zmq").CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s cannot import zmq: %v\n%s (install python3-zmq)", pythonPath, err, out)
	}
	src, err := peerSources.ReadFile("pypeer/peer.py")
	if err != nil {
		return "", err
	}
	file := filepath.Join(dir, "peer.py")
	return file, os.WriteFile(file, src, 0o644)
}

// command returns the command line of a peer of impl.
func (p *peers) command(impl, mode, endpoint string, count int64, size int) (*exec.Cmd, error) {
	cmd, err := p.command1(impl, mode, endpoint, count, size)
	if err == nil && p.topics > 0 {
		if cmd.Env == nil {
			cmd.Env = os.Environ()
		}
		cmd.Env = append(cmd.Env, fmt.Sprintf("%s=%d", topicsEnv, p.topics))
	}
	if err != nil || !strings.HasPrefix(mode, "curve") {
		return cmd, err
	}
	if p.curveKeys == "" {
		if p.curveKeys, err = newCurveEnv(); err != nil {
			return nil, err
		}
	}
	if cmd.Env == nil {
		cmd.Env = os.Environ()
	}
	cmd.Env = append(cmd.Env, curveEnv+"="+p.curveKeys)
	return cmd, nil
}

func (p *peers) command1(impl, mode, endpoint string, count int64, size int) (*exec.Cmd, error) {
	args := []string{mode, endpoint, strconv.FormatInt(count, 10), strconv.Itoa(size)}
	if strings.HasPrefix(mode, "curve") && impl != implC && impl != implRuntime && impl != implRuntimeOff {
		return nil, fmt.Errorf("%w: no CURVE in this peer", errNA)
	}
	switch impl {
	case implC:
		if p.cpeer == "" {
			return nil, fmt.Errorf("%w: C peer: %v", errNA, p.cErr)
		}
		return exec.Command(p.cpeer, args...), nil
	case implPy:
		if p.python == "" {
			return nil, fmt.Errorf("%w: Python peer: %v", errNA, p.pyErr)
		}
		return exec.Command(pythonPath, append([]string{p.python}, args...)...), nil
	case implRuntime, implZmq4, implRuntimeOff:
		goImpl := impl
		if impl == implRuntimeOff {
			goImpl = implRuntime
		}
		cmd := exec.Command(p.self, append([]string{"peer", goImpl}, args...)...)
		cmd.Env = append(os.Environ(), peerEnv+"=1", "ZMQGEN_COUNTERS=on")
		if impl == implRuntimeOff {
			cmd.Env[len(cmd.Env)-1] = "ZMQGEN_COUNTERS=off"
		}
		if p.profileDir != "" {
			cmd.Env = append(cmd.Env, profileEnv+"="+p.profileDir)
		}
		return cmd, nil
	}
	return nil, fmt.Errorf("unknown implementation %q", impl)
}

// A proc is a running peer process.
type proc struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string // stdout, line by line; closed at EOF
	errb  bytes.Buffer
	done  chan struct{} // closed when the process has exited
	err   error         // exit error, valid after done
	once  sync.Once

	statFile string // perf stat output, if counted
}

// stats returns the system calls and context switches perf counted for
// the process, which must have exited by itself.
func (pr *proc) stats() (syscalls, switches int64, err error) {
	if pr.statFile == "" {
		return 0, 0, errors.New("not counted")
	}
	data, err := os.ReadFile(pr.statFile)
	if err != nil {
		return 0, 0, err
	}
	found := 0
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ",")
		if len(f) < 3 {
			continue
		}
		v, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch f[2] {
		case "raw_syscalls:sys_enter":
			syscalls = v
			found++
		case "context-switches":
			switches = v
			found++
		}
	}
	if found != 2 {
		return 0, 0, fmt.Errorf("%s: perf stat counted nothing: %q", pr.name, data)
	}
	return syscalls, switches, nil
}

// start starts a peer.
func (p *peers) start(impl, mode, endpoint string, count int64, size int) (*proc, error) {
	cmd, err := p.command(impl, mode, endpoint, count, size)
	if err != nil {
		return nil, err
	}
	pr := &proc{name: impl + " " + mode, cmd: cmd, lines: make(chan string, 64), done: make(chan struct{})}
	if p.countSyscalls && (mode == "push" || mode == "pull" || mode == "sub" || mode == "req") {
		p.nstat++
		pr.statFile = filepath.Join(p.dir, fmt.Sprintf("perf%d.txt", p.nstat))
		wrapped := exec.Command("perf", append([]string{"stat", "-x", ",", "-o", pr.statFile,
			"-e", "raw_syscalls:sys_enter,context-switches", "--"}, cmd.Args...)...)
		wrapped.Env = cmd.Env
		cmd, pr.cmd = wrapped, wrapped
	}
	cmd.Stderr = &pr.errb
	// A process group of its own, so that kill also ends what a wrapper
	// (perf stat) started.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if pr.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	if p.verbose != nil {
		fmt.Fprintf(p.verbose, "  start %s (pid %d): %s\n", pr.name, cmd.Process.Pid, strings.Join(cmd.Args[1:], " "))
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			pr.lines <- sc.Text()
		}
		close(pr.lines)
		pr.err = cmd.Wait()
		close(pr.done)
	}()
	return pr, nil
}

// expect waits for the next stdout line starting with prefix and returns
// the rest of it. Other lines are passed to other, if not nil.
func (pr *proc) expect(prefix string, timeout time.Duration, other func(string)) (string, error) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-pr.lines:
			if !ok {
				<-pr.done
				return "", pr.failure(fmt.Sprintf("exited before %s", prefix))
			}
			if rest, found := strings.CutPrefix(line, prefix+" "); found {
				return rest, nil
			}
			if other != nil {
				other(line)
			}
		case <-timer.C:
			return "", fmt.Errorf("%s: no %s line within %v", pr.name, prefix, timeout)
		}
	}
}

// failure describes why the process stopped, mapping the Go peers'
// "unimplemented" exit status to errNA.
func (pr *proc) failure(what string) error {
	var ee *exec.ExitError
	if errors.As(pr.err, &ee) && ee.ExitCode() == exitUnimplemented {
		return fmt.Errorf("%w: %s: %s", errNA, pr.name, strings.TrimSpace(pr.errb.String()))
	}
	return fmt.Errorf("%s %s (%v): %s", pr.name, what, pr.err, strings.TrimSpace(pr.errb.String()))
}

// result waits for the RESULT line and returns its count and elapsed time.
func (pr *proc) result(timeout time.Duration) (int64, time.Duration, error) {
	n, d, _, err := pr.subResult(timeout)
	return n, d, err
}

// subResult is result for a subscriber, whose line also says how many
// messages it received in all (received, -1 if absent).
func (pr *proc) subResult(timeout time.Duration) (n int64, d time.Duration, received int64, err error) {
	rest, err := pr.expect("RESULT", timeout, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	var ns int64
	received = -1
	if _, err := fmt.Sscanf(rest, "count=%d ns=%d received=%d", &n, &ns, &received); err != nil {
		if _, err := fmt.Sscanf(rest, "count=%d ns=%d", &n, &ns); err != nil {
			return 0, 0, 0, fmt.Errorf("%s: bad RESULT line %q", pr.name, rest)
		}
	}
	return n, time.Duration(ns), received, nil
}

// send writes a line to the process's stdin.
func (pr *proc) send(line string) error {
	_, err := io.WriteString(pr.stdin, line+"\n")
	return err
}

// wait waits up to timeout for the process to exit by itself, then kills it.
// Output lines nobody asked for are discarded.
func (pr *proc) wait(timeout time.Duration) error {
	deadline := time.After(timeout)
	for {
		select {
		case _, ok := <-pr.lines:
			if ok {
				continue
			}
			<-pr.done
			if pr.err != nil {
				return pr.failure("failed")
			}
			return nil
		case <-deadline:
			pr.kill()
			return fmt.Errorf("%s did not exit within %v", pr.name, timeout)
		}
	}
}

// kill ends the process (only this one, by its pid) and reaps it.
func (pr *proc) kill() {
	pr.once.Do(func() {
		pr.stdin.Close()
		select {
		case <-pr.done:
		default:
			// The group of the peer started (see start), by its id:
			// SIGTERM first, so that a profiling Go peer writes its
			// profile, then SIGKILL.
			_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGTERM)
			t := time.NewTimer(2 * time.Second)
		drain:
			for {
				select {
				case _, ok := <-pr.lines:
					if !ok {
						break drain
					}
				case <-t.C:
					_ = syscall.Kill(-pr.cmd.Process.Pid, syscall.SIGKILL)
					break drain
				}
			}
			t.Stop()
		}
		for range pr.lines {
		}
		<-pr.done
	})
}

// rssBytes reads a process's resident set size from /proc.
func rssBytes(pid int) (int64, error) {
	kb, err := procStatus(pid, "VmRSS:") // "1234 kB"
	return kb << 10, err
}

// procStatus reads a number field (such as "Threads:") of /proc/PID/status.
func procStatus(pid int, field string) (int64, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			if f := strings.Fields(rest); len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}
