package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"

	"github.com/zmqgen/zmqgen/internal/liveui"
	"github.com/zmqgen/zmqgen/runtime"
)

// Supervision: starting, watching, restarting and stopping the processes.

// Restart backoff; variables so that tests can shorten them.
var (
	restartInitial = time.Second
	restartMax     = 30 * time.Second
	restartReset   = 10 * time.Second // a node that ran this long starts over at restartInitial, as Docker's restart policies do
)

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
	setPrefixes(procs, color)
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
	stderr := &lineWriter{out: s.out, prefix: p.prefix}
	if p.ui != nil {
		stderr.watch = p.ui.WatchLine
	}
	cmd := exec.Command(p.binary, p.args...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	var ready *os.File
	if len(p.listens) > 0 {
		// The node's readiness descriptor (see runtime.ReadyFDEnv): the
		// write end of a pipe, its fd 3.
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		defer w.Close() // the node has its own copy once started
		cmd.ExtraFiles = []*os.File{w}
		cmd.Env = append(os.Environ(), runtime.ReadyFDEnv+"=3")
		ready = r
	}
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
		if ready != nil {
			ready.Close()
		}
		return err
	}
	p.cmd, p.started = cmd, time.Now()
	p.ui.SetState(liveui.StateRunning)
	if ready != nil {
		go s.watchReady(p, ready)
	}
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

// watchReady reads the records p writes on its readiness descriptor
// until p closes it (by exiting), and reports p on s.ready once each of
// its binding sockets listens. The runtime documents the records
// (runtime.ReadyRecord); up's waiting does not depend on the node's logs,
// whose level and format are the user's.
func (s *supervisor) watchReady(p *proc, r *os.File) {
	defer r.Close()
	waiting := make(map[string]bool)
	for _, name := range p.listens {
		waiting[name] = true
	}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var rec runtime.ReadyRecord
		if json.Unmarshal(sc.Bytes(), &rec) != nil || rec.Event != "listening" || !waiting[rec.Socket] {
			continue
		}
		delete(waiting, rec.Socket)
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
				p.ui.SetState(liveui.StateStopped)
				if ev.err != nil && !isTermination(ev.err) {
					s.say("%s: %v", p.name, ev.err)
				}
			case ev.err == nil:
				p.ui.SetState(liveui.StateExited)
				s.say("%s exited with code 0", p.name)
				p.fails = 0
			case s.restart:
				p.ui.SetState(liveui.StateRestarting)
				if ran >= restartReset {
					p.fails = 0
				}
				delay := min(restartInitial<<min(p.fails, 30), restartMax)
				p.fails++
				s.say("%s failed (%v); restarting in %v", p.name, ev.err, delay)
				pending++
				time.AfterFunc(delay, func() { s.restarts <- p })
			default:
				p.ui.SetState(liveui.StateFailed)
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
