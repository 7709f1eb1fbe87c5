package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/zmqgen/zmqgen/codegen"
	"github.com/zmqgen/zmqgen/dsl/model"
)

const upUsage = `usage: zmqgen up [flags] FILE|DIR [-- flags for every node]

Up builds the node programs generated beside a topology (FILE is its .ztopo
file; DIR a directory holding exactly one) and runs every node as its own
process, each replica too, the way docker compose runs services:

  - nodes that bind start first, and the nodes that only connect once
    those have logged that they listen (or after 5s: ZeroMQ reconnects
    anyway; the order spares early connect retries, so that a REQ
    socket's first requests are shared among its servers);
  - every line a node prints, on stdout or stderr, is shown on up's
    stdout after the node's name ("server1    | ...", "consumer.1 | ..."
    for replica 1), coloured when stdout is a terminal;
  - Ctrl-C or SIGTERM stops every node: each gets SIGTERM, and one that has
    not exited after the grace period is killed; up then exits 0. A second
    Ctrl-C kills at once;
  - a node that exits with an error stops the whole run: up says which
    node failed, stops the others and exits 1. With -restart, up restarts
    the failed node instead, waiting 1s, then twice as long after every
    further failure, up to 30s (a node that ran for 10s starts over at
    1s);
  - a node that exits 0 has finished its work (a client that made its
    requests): the others keep running until Ctrl-C, and when every node
    has exited 0, up exits 0.

The programs are built with "go build" from the node directories
(<DIR>/<node>, package main) into a temporary directory; run
"zmqgen generate" first. Up's own messages go to stderr.

Flags:

	-only NODE,...          run only these nodes
	-replicas NODE=N,...    run N copies of NODE instead of what the
	                        topology says (repeatable); replica i of a
	                        node declared with replicas gets -replica=i
	-set NODE.NAME=VALUE    pass -NAME=VALUE to every copy of NODE: a
	                        parameter (-set server1.drink=tea), a
	                        socket's endpoints, comma-separated, in place
	                        of the topology's (-set server1.rep.bind=
	                        tcp://*:7000, -set client.req.connect=
	                        tcp://host1:5000,tcp://host2:6000), any
	                        other flag of the node's program (-set
	                        worker.worker.heartbeat.interval=250ms;
	                        see its -h), or log-level (repeatable)
	-restart                restart a node that fails, with backoff
	-stdin NODE             give up's standard input to NODE (NODE.i for
	                        a replica), for a node that waits for Enter,
	                        as the guide's producers do; the other nodes
	                        read nothing. up then reads the terminal, so
	                        run it in the foreground
	-grace DURATION         how long a node may take to stop after SIGTERM
	                        before it is killed (default 10s)
	-color auto|always|never
	                        colour the names (default auto: when stdout
	                        is a terminal and NO_COLOR is not set)

Flags after "--" go to every node unchanged, after those above. The
nodes inherit up's environment, so the variables a node program reads
($SERVER1_DRINK, $CLIENT_REQ_CONNECT; see its -h) work too.

Exit status: 0 when stopped by a signal or when every node exited 0; 1
when the topology has errors, a build fails or a node fails; 2 on a wrong
command line.
`

// Restart backoff; variables so that tests can shorten them.
var (
	restartInitial = time.Second
	restartMax     = 30 * time.Second
	restartReset   = 10 * time.Second // a node that ran this long starts over at restartInitial, as Docker's restart policies do
)

// upOptions is the parsed command line of zmqgen up.
type upOptions struct {
	path     string
	only     []string
	replicas map[string]int
	sets     []string
	restart  bool
	grace    time.Duration
	color    string
	nodeArgs []string
	stdin    string    // -stdin: the process that gets stdinSrc
	stdinSrc io.Reader // up's standard input
}

// replicasFlag collects -replicas NODE=N[,NODE=N...].
type replicasFlag map[string]int

func (f replicasFlag) String() string { return "" }

func (f replicasFlag) Set(v string) error {
	for _, kv := range strings.Split(v, ",") {
		name, n, ok := strings.Cut(kv, "=")
		count, err := strconv.Atoi(n)
		if !ok || name == "" || err != nil || count < 0 {
			return fmt.Errorf("want NODE=N with N ≥ 0, got %q", kv)
		}
		f[name] = count
	}
	return nil
}

// listFlag collects a repeatable flag; with split, each value may also
// be a comma-separated list.
type listFlag struct {
	values *[]string
	split  bool
}

func (f listFlag) String() string { return "" }

func (f listFlag) Set(v string) error {
	if f.split {
		for _, s := range strings.Split(v, ",") {
			if s != "" {
				*f.values = append(*f.values, s)
			}
		}
		return nil
	}
	*f.values = append(*f.values, v)
	return nil
}

// parseUpArgs parses up's command line. Flags may come before or after
// FILE|DIR, as in the usage line; everything after "--" is for the nodes.
func parseUpArgs(args []string, stdout, stderr io.Writer) (opts *upOptions, code int, done bool) {
	opts = &upOptions{replicas: make(map[string]int)}
	if i := slices.Index(args, "--"); i >= 0 {
		args, opts.nodeArgs = args[:i], args[i+1:]
	}
	fl := newFlagSet("up")
	fl.Var(listFlag{&opts.only, true}, "only", "")
	fl.Var(replicasFlag(opts.replicas), "replicas", "")
	fl.Var(listFlag{&opts.sets, false}, "set", "")
	fl.BoolVar(&opts.restart, "restart", false, "")
	fl.DurationVar(&opts.grace, "grace", 10*time.Second, "")
	fl.StringVar(&opts.color, "color", "auto", "")
	fl.StringVar(&opts.stdin, "stdin", "", "")
	positional, code, done := parseInterleaved(fl, args, upUsage, stdout, stderr)
	if done {
		return nil, code, true
	}
	switch {
	case len(positional) != 1:
		return nil, usageError(stderr, "up", upUsage, "want one FILE or DIR"), true
	case opts.color != "auto" && opts.color != "always" && opts.color != "never":
		return nil, usageError(stderr, "up", upUsage, "-color %q: want auto, always or never", opts.color), true
	case opts.grace < 0:
		return nil, usageError(stderr, "up", upUsage, "-grace %v: must not be negative", opts.grace), true
	}
	opts.path = positional[0]
	return opts, 0, false
}

func runUp(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Listen before building, so that a Ctrl-C during the build does not
	// kill up with a temporary directory left behind.
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	return up(args, stdin, sig, stdout, stderr)
}

// up is runUp with the signals it obeys as a channel, so that tests can
// stop it in-process.
func up(args []string, stdin io.Reader, interrupt <-chan os.Signal, stdout, stderr io.Writer) int {
	opts, code, done := parseUpArgs(args, stdout, stderr)
	if done {
		return code
	}
	opts.stdinSrc = stdin
	file, topo, ok := loadOne("up", opts.path, stderr)
	if !ok {
		return exitFail
	}
	warnStale(file, topo, stderr)
	return upTopology(topo, filepath.Dir(file), opts, interrupt, stdout, stderr)
}

// warnStale warns when the generated code beside file, whose topology is
// topo, is not what zmqgen generate would write now: the programs up runs
// would not be the topology's (their flags, say, would not be what -set
// checks against). It warns rather than fails, as a user may be trying a
// change on purpose; when the code cannot be generated at all (no go.mod),
// building the nodes will say so.
func warnStale(file string, topo *model.Topology, stderr io.Writer) {
	_, changes, err := generateChanges(file, topo)
	if err != nil {
		return
	}
	var stale []string
	for _, c := range changes {
		if c.changed() {
			stale = append(stale, filepath.ToSlash(c.path))
		}
	}
	if len(stale) > 0 {
		fmt.Fprintf(stderr, "zmqgen up: warning: generated code is not current, run zmqgen generate %s: %s\n", file, strings.Join(stale, ", "))
	}
}

// upTopology runs the nodes of topo, whose generated programs are in
// topoDir.
func upTopology(topo *model.Topology, topoDir string, opts *upOptions, interrupt <-chan os.Signal, stdout, stderr io.Writer) int {
	plan, err := planUp(topo, opts)
	if err != nil {
		return usageError(stderr, "up", upUsage, "%v", err)
	}
	if len(plan) == 0 {
		fmt.Fprintln(stderr, "zmqgen up: no node to run")
		return exitOK
	}
	bin, err := os.MkdirTemp("", "zmqgen-up-")
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen up: %v\n", err)
		return exitFail
	}
	defer os.RemoveAll(bin)
	if err := buildNodes(topoDir, plan, bin, interrupt, stderr); err != nil {
		fmt.Fprintf(stderr, "zmqgen up: %v\n", err)
		return exitFail
	}
	color := opts.color == "always" || opts.color == "auto" && isTerminal(stdout)
	s := newSupervisor(plan, stdout, stderr, color)
	s.restart = opts.restart
	s.grace = opts.grace
	s.stdin = opts.stdinSrc
	return s.run(interrupt)
}

// A proc is one process up runs: a replica of a node.
type proc struct {
	name   string // "server1", or "consumer.1" for replica 1
	node   string
	binary string // set by buildNodes
	args   []string
	// listens are the sockets ("node.socket") the node binds; up waits
	// for the node to log that they listen before it starts the nodes
	// that only connect.
	listens []string
	stdin   bool   // gets up's standard input
	prefix  string // padded and maybe coloured "name | "
	cmd     *exec.Cmd
	started time.Time
	fails   int // consecutive failures, for the backoff
	// readyOnce is set when up no longer waits for the node to listen.
	readyOnce bool
}

// planUp turns the topology and the options into the processes to run, in
// start order: binding nodes first, each group in declaration order.
func planUp(t *model.Topology, opts *upOptions) ([]*proc, error) {
	names := make([]string, len(t.Nodes))
	for i, n := range t.Nodes {
		names[i] = n.Name
	}
	known := func(what, name string) error {
		if t.Node(name) == nil {
			return fmt.Errorf("%s: no node %q in topology %s (nodes: %s)", what, name, t.Name, strings.Join(names, ", "))
		}
		return nil
	}
	for _, name := range opts.only {
		if err := known("-only", name); err != nil {
			return nil, err
		}
	}
	for _, name := range slices.Sorted(maps.Keys(opts.replicas)) {
		if err := known("-replicas", name); err != nil {
			return nil, err
		}
	}
	perNode := make(map[string][]string)
	for _, set := range opts.sets {
		node, flagArg, err := parseSet(t, set)
		if err != nil {
			return nil, err
		}
		if err := known("-set "+set, node); err != nil {
			return nil, err
		}
		perNode[node] = append(perNode[node], flagArg)
	}

	var binders, others []*proc
	for _, n := range t.Nodes {
		if len(opts.only) > 0 && !slices.Contains(opts.only, n.Name) {
			continue
		}
		count := n.Replicas
		if c, ok := opts.replicas[n.Name]; ok {
			count = c
		}
		var listens []string
		for _, s := range n.Sockets {
			if len(s.Binds) > 0 {
				listens = append(listens, n.Name+"."+s.Name)
			}
		}
		for i := 0; i < count; i++ {
			p := &proc{name: n.Name, node: n.Name, listens: listens}
			if count > 1 {
				p.name = n.Name + "." + strconv.Itoa(i)
			}
			// Only a node the topology declares with replicas has the
			// -replica flag; copies of any other node all run as it would.
			if n.Replicas > 1 && count > 1 {
				p.args = append(p.args, "-replica="+strconv.Itoa(i))
			}
			p.args = append(p.args, perNode[n.Name]...)
			p.args = append(p.args, opts.nodeArgs...)
			if len(listens) > 0 {
				binders = append(binders, p)
			} else {
				others = append(others, p)
			}
		}
	}
	plan := append(binders, others...)
	if opts.stdin != "" {
		var names []string
		for _, p := range plan {
			names = append(names, p.name)
			if p.name == opts.stdin {
				p.stdin = true
			}
		}
		if !slices.Contains(names, opts.stdin) {
			return nil, fmt.Errorf("-stdin %s: no such node runs (these do: %s)", opts.stdin, strings.Join(names, ", "))
		}
	}
	return plan, nil
}

// parseSet checks a -set NODE.NAME=VALUE and returns the node and the flag
// to pass it. NAME is any flag of the node's generated program
// (codegen.Flags): a parameter, SOCKET.bind or SOCKET.connect (a
// comma-separated list of endpoints, which replaces the .ztopo's), a
// socket's identity, subscriptions or policy settings, or log-level.
func parseSet(t *model.Topology, set string) (node, flagArg string, err error) {
	key, value, ok := strings.Cut(set, "=")
	node, name, ok2 := strings.Cut(key, ".")
	if !ok || !ok2 || node == "" || name == "" {
		return "", "", fmt.Errorf("-set %s: want NODE.NAME=VALUE", set)
	}
	n := t.Node(node)
	if n == nil {
		return node, "", nil // reported by the caller, with the node list
	}
	valid, err := codegen.Flags(t, n)
	if err != nil {
		return "", "", fmt.Errorf("-set %s: %v", set, err)
	}
	if name == "replica" || !slices.Contains(valid, name) {
		valid = slices.DeleteFunc(valid, func(f string) bool { return f == "replica" })
		return "", "", fmt.Errorf("-set %s: node %s has no setting %q (it has: %s)", set, node, name, strings.Join(valid, ", "))
	}
	return node, "-" + name + "=" + value, nil
}

// buildNodes builds the program of every node in plan with one go build,
// which links them in parallel, into dir, and sets each proc's binary.
func buildNodes(topoDir string, plan []*proc, dir string, interrupt <-chan os.Signal, stderr io.Writer) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("cannot build the nodes: %v", err)
	}
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	var nodes []string
	for _, p := range plan {
		if slices.Contains(nodes, p.node) {
			continue
		}
		nodes = append(nodes, p.node)
		if fi, err := os.Stat(filepath.Join(topoDir, p.node)); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s: no program for node %s (run zmqgen generate first)", filepath.Join(topoDir, p.node), p.node)
		}
		args = append(args, "./"+p.node)
	}
	fmt.Fprintf(stderr, "zmqgen up: building %s\n", strings.Join(nodes, ", "))
	cmd := exec.Command(goTool, args...)
	cmd.Dir = topoDir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("go build: %v", err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err = <-waitErr:
	case <-interrupt:
		cmd.Process.Kill()
		<-waitErr
		return errors.New("interrupted while building")
	}
	if err != nil {
		stderr.Write(out.Bytes())
		return fmt.Errorf("building the nodes of %s failed: %v", topoDir, err)
	}
	exe := ""
	if goruntime.GOOS == "windows" {
		exe = ".exe"
	}
	for _, p := range plan {
		p.binary = filepath.Join(dir, p.node+exe)
		if _, err := os.Stat(p.binary); err != nil {
			return fmt.Errorf("go build wrote no program for node %s: %v", p.node, err)
		}
	}
	return nil
}

// isTerminal reports whether w is a terminal that takes colours.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// prefixColors are the ANSI colours of the names, in turn, as docker
// compose picks them.
var prefixColors = []string{"36", "33", "32", "35", "34", "96", "93", "92", "95", "94"}

// output serializes whole lines from every process onto one writer.
type output struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

func (o *output) line(prefix string, text []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	// One write per line: when stdout and stderr are the same pipe or
	// terminal, up's own messages on stderr then fall between lines, never
	// inside one.
	o.buf = append(append(o.buf[:0], prefix...), text...)
	o.w.Write(o.buf)
}

// maxLine bounds how much of a line without a newline is held back; a
// longer one is shown in pieces.
const maxLine = 64 << 10

// A lineWriter receives one stream of a process and passes it on to the
// output line by line, each line after the process's prefix.
type lineWriter struct {
	out    *output
	prefix string
	buf    []byte
	watch  func(line []byte) // if not nil, sees every line first
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.buf = append(l.buf, b...)
	start := 0
	for {
		i := bytes.IndexByte(l.buf[start:], '\n')
		if i < 0 {
			break
		}
		if l.watch != nil {
			l.watch(l.buf[start : start+i+1])
		}
		l.out.line(l.prefix, l.buf[start:start+i+1])
		start += i + 1
	}
	if len(l.buf)-start > maxLine {
		l.out.line(l.prefix, append(l.buf[start:], '\n'))
		start = len(l.buf)
	}
	l.buf = append(l.buf[:0], l.buf[start:]...)
	return len(b), nil
}

// flush shows a last line that had no newline.
func (l *lineWriter) flush() {
	if len(l.buf) > 0 {
		l.out.line(l.prefix, append(l.buf, '\n'))
		l.buf = l.buf[:0]
	}
}

// A supervisor starts the processes, relays their output, and stops or
// restarts them by the policy in upUsage. Only its run loop changes its
// state, so it needs no locks.
type supervisor struct {
	procs   []*proc
	out     *output
	stderr  io.Writer
	restart bool
	grace   time.Duration
	stdin   io.Reader // for the proc with stdin set

	stdinOnce sync.Once
	stdinData chan []byte // what was read from stdin, once someone asked

	exits    chan exitEvent
	restarts chan *proc
	ready    chan *proc // a binding node listens on all its sockets
}

// readyWait bounds how long up waits for the binding nodes to listen
// before it starts the others anyway; a variable for tests.
var readyWait = 5 * time.Second

type exitEvent struct {
	p   *proc
	err error // nil for exit status 0
}

func newSupervisor(procs []*proc, stdout, stderr io.Writer, color bool) *supervisor {
	width := 0
	for _, p := range procs {
		width = max(width, len(p.name))
	}
	for i, p := range procs {
		name := fmt.Sprintf("%-*s |", width, p.name)
		if color {
			name = "\x1b[" + prefixColors[i%len(prefixColors)] + "m" + name + "\x1b[0m"
		}
		p.prefix = name + " "
	}
	return &supervisor{
		procs:    procs,
		out:      &output{w: stdout},
		stderr:   stderr,
		grace:    10 * time.Second,
		exits:    make(chan exitEvent, len(procs)),
		restarts: make(chan *proc, len(procs)), // at most one pending restart per proc
		ready:    make(chan *proc, len(procs)),
	}
}

func (s *supervisor) say(format string, args ...any) {
	fmt.Fprintf(s.stderr, "zmqgen up: "+format+"\n", args...)
}

// start starts p; its exit arrives on s.exits.
func (s *supervisor) start(p *proc) error {
	stdout := &lineWriter{out: s.out, prefix: p.prefix}
	stderr := &lineWriter{out: s.out, prefix: p.prefix, watch: s.readiness(p)}
	cmd := exec.Command(p.binary, p.args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	var stdin io.WriteCloser
	if p.stdin && s.stdin != nil {
		// A pipe that up feeds, rather than up's own stdin: a node in a
		// process group of its own that read the terminal would be stopped
		// by SIGTTIN, and exec's own copying would keep Wait waiting for
		// the next line after the node exited.
		var err error
		if stdin, err = cmd.StdinPipe(); err != nil {
			return err
		}
	}
	cmd.SysProcAttr = childProcAttr()
	// A grandchild that keeps the output pipes open must not keep Wait
	// from returning once the node itself has exited.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return err
	}
	p.cmd, p.started = cmd, time.Now()
	exited := make(chan struct{})
	if stdin != nil {
		go s.feedStdin(stdin, exited)
	}
	go func() {
		err := cmd.Wait()
		close(exited)
		stdout.flush()
		stderr.flush()
		s.exits <- exitEvent{p, err}
	}()
	return nil
}

// feedStdin passes up's standard input to a node's until either ends.
// One goroutine reads up's standard input for the whole run (a read
// cannot be called off), so what a node did not get before it exited
// goes to the node's next start.
func (s *supervisor) feedStdin(w io.WriteCloser, exited <-chan struct{}) {
	defer w.Close()
	s.stdinOnce.Do(func() {
		s.stdinData = make(chan []byte)
		go func() {
			defer close(s.stdinData)
			buf := make([]byte, 32<<10)
			for {
				n, err := s.stdin.Read(buf)
				if n > 0 {
					s.stdinData <- bytes.Clone(buf[:n])
				}
				if err != nil {
					return
				}
			}
		}()
	})
	for {
		select {
		case b, ok := <-s.stdinData:
			if !ok {
				return // end of input: the node sees it too
			}
			if _, err := w.Write(b); err != nil {
				return
			}
		case <-exited:
			return
		}
	}
}

// readiness returns a watcher of p's log that reports p on s.ready once
// p has logged that each of its binding sockets listens. Generated node
// programs log, after binding a socket, a line per address such as
//
//	... level=INFO msg=listening node=server1 socket=server1.rep addr=tcp://0.0.0.0:5000
//
// It returns nil for a node that binds nothing.
func (s *supervisor) readiness(p *proc) func([]byte) {
	if len(p.listens) == 0 {
		return nil
	}
	waiting := make(map[string]bool)
	for _, name := range p.listens {
		waiting[" socket="+name+" "] = true
	}
	return func(line []byte) {
		if len(waiting) == 0 || !bytes.Contains(line, []byte("msg=listening ")) {
			return
		}
		for w := range waiting {
			if bytes.Contains(line, []byte(w)) {
				delete(waiting, w)
			}
		}
		if len(waiting) == 0 {
			s.ready <- p
		}
	}
}

// run starts every process and supervises them until up is done; it
// returns up's exit status.
func (s *supervisor) run(interrupt <-chan os.Signal) int {
	status := exitOK
	running, pending := 0, 0 // processes alive; restarts waiting
	stopping := false
	var graceOver <-chan time.Time

	stop := func() {
		if stopping {
			return
		}
		stopping = true
		for _, p := range s.procs {
			if p.cmd != nil {
				terminate(p.cmd.Process)
			}
		}
		graceOver = time.After(s.grace)
	}
	kill := func(why string) {
		for _, p := range s.procs {
			if p.cmd != nil {
				s.say("%s %s; killing it", p.name, why)
				p.cmd.Process.Kill()
			}
		}
	}

	// Binding nodes start first; the others once the binding nodes listen
	// (or exited, or readyWait passed), so that their first connects
	// succeed and, say, a REQ socket's first requests are shared among
	// all its servers as the guide shows.
	var later []*proc // not started yet
	listening := 0    // binding nodes not yet listening
	var readyOver <-chan time.Time
	startAll := func(procs []*proc) {
		for _, p := range procs {
			if stopping {
				return
			}
			if err := s.start(p); err != nil {
				s.say("cannot start %s: %v", p.name, err)
				status = exitFail
				stop()
				return
			}
			running++
		}
	}
	startLater := func() {
		procs := later
		later, readyOver = nil, nil
		startAll(procs)
	}
	i := 0
	for ; i < len(s.procs) && len(s.procs[i].listens) > 0; i++ {
		listening++
	}
	startAll(s.procs[:i])
	later = s.procs[i:]
	if listening == 0 || len(later) == 0 || stopping {
		startLater()
	} else {
		readyOver = time.After(readyWait)
	}

	for running > 0 || (pending > 0 || len(later) > 0) && !stopping {
		select {
		case p := <-s.ready:
			if p.cmd != nil && !p.readyOnce {
				p.readyOnce = true
				if listening--; listening == 0 {
					startLater()
				}
			}
		case <-readyOver:
			s.say("starting the other nodes, though not every binding node listens after %v", readyWait)
			startLater()
		case ev := <-s.exits:
			p := ev.p
			running--
			unblocked := false
			if len(later) > 0 && !p.readyOnce && len(p.listens) > 0 {
				p.readyOnce = true // it will not listen now
				listening--
				unblocked = listening == 0
			}
			ran := time.Since(p.started)
			p.cmd = nil
			switch {
			case stopping:
				if ev.err != nil && !isTermination(ev.err) {
					s.say("%s: %v", p.name, ev.err)
				}
			case ev.err == nil:
				s.say("%s exited with code 0", p.name)
				p.fails = 0
			case s.restart:
				if ran >= restartReset {
					p.fails = 0
				}
				delay := min(restartInitial<<min(p.fails, 30), restartMax)
				p.fails++
				s.say("%s failed (%v); restarting in %v", p.name, ev.err, delay)
				pending++
				time.AfterFunc(delay, func() { s.restarts <- p })
			default:
				s.say("%s failed (%v); stopping the other nodes", p.name, ev.err)
				status = exitFail
				stop()
			}
			if unblocked && !stopping {
				startLater()
			}
		case p := <-s.restarts:
			pending--
			if stopping {
				continue
			}
			if err := s.start(p); err != nil {
				s.say("cannot restart %s: %v", p.name, err)
				status = exitFail
				stop()
				continue
			}
			running++
		case sig := <-interrupt:
			if stopping {
				// Only a second Ctrl-C forces: a supervisor's SIGTERM may
				// well come twice (GNU timeout signals the process, then
				// its group), and that must not cut the grace period short.
				if sig == os.Interrupt {
					kill("is still running at the second Ctrl-C")
				}
				continue
			}
			s.say("stopping (press Ctrl-C again to kill)")
			stop()
		case <-graceOver:
			graceOver = nil
			kill(fmt.Sprintf("did not stop within %v", s.grace))
		}
	}
	if !stopping && status == exitOK {
		s.say("every node has exited")
	}
	return status
}

// terminate asks a process to stop: SIGTERM where there are signals.
func terminate(p *os.Process) {
	if err := p.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		p.Kill()
	}
}

// isTermination reports whether err says a process ended by SIGTERM or
// SIGKILL: how up itself stops nodes, so not worth a message.
func isTermination(err error) bool {
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && (ws.Signal() == syscall.SIGTERM || ws.Signal() == syscall.SIGKILL)
}
