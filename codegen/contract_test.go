package codegen_test

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/internal/testnet"
)

// TestContractAtHandshake builds a server from one version of a topology
// and clients from two others, runs them as processes, and checks the
// contract fingerprints they exchange when they connect: a client built
// from a version whose messages differ is refused, with a log line on
// both sides naming the topology, the edge and both fingerprints; a client
// from a compatible version (a JSON field added) and a libzmq peer
// (pyzmq, which sends no fingerprint) are served.
func TestContractAtHandshake(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	port := testnet.Port(t)
	topo := func(order string) string {
		return fmt.Sprintf(`topology shop

message Order = %s

node server {
    socket in PULL {
        bind "tcp://127.0.0.1:%d"
        recv Order
    }
}

node client {
    socket out PUSH {
        connect server.in
        send Order
    }
}
`, order, port)
	}
	versions := map[string]string{
		"v1": topo("json {\n    id int\n}"),                  // the server's
		"v2": topo("string"),                                 // incompatible
		"v3": topo("json {\n    id int\n    note string\n}"), // compatible
	}
	files := map[string][]byte{}
	for v, src := range versions {
		tp := compile(t, "shop.ztopo", []byte(src))
		gen, err := generateAll(t, tp, "example.com/contract/"+v)
		if err != nil {
			t.Fatal(err)
		}
		for name, data := range gen {
			if strings.HasSuffix(name, "/handler.go") {
				continue
			}
			files[v+"/"+name] = data
		}
	}
	files["v1/server/handler.go"] = []byte(`package main

import (
	"context"
	"fmt"
)

type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return handler{n}, nil }

// Run prints the ids of two orders.
func (h handler) Run(ctx context.Context) error {
	for range 2 {
		o, err := h.n.In.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Println("order", o.ID)
	}
	return nil
}
`)
	for v, send := range map[string]string{"v2": `"7"`, "v3": `shop.Order{ID: 7, Note: "new"}`} {
		files[v+"/client/handler.go"] = []byte(fmt.Sprintf(`package main

import (
	"context"

	"example.com/contract/%s"
)

type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return handler{n}, nil }

// Run sends one order and waits until the program is stopped.
func (h handler) Run(ctx context.Context) error {
	if err := h.n.Out.Send(ctx, %s); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

var _ shop.Order
`, v, send))
	}
	dir := writeModule(t, "example.com/contract", files)
	bin := t.TempDir()
	for _, p := range []string{"v1/server", "v2/client", "v3/client"} {
		cmd := exec.Command(goTool(), "build", "-o", filepath.Join(bin, strings.ReplaceAll(p, "/", "-")), "./"+p)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", p, err, out)
		}
	}

	server := startProc(t, filepath.Join(bin, "v1-server"))
	server.waitFor(t, "listening")

	bad := startProc(t, filepath.Join(bin, "v2-client"))
	const refused = "refused a peer built from another version of the topology"
	for _, p := range []*proc{server, bad} {
		line := p.waitFor(t, refused)
		t.Logf("%s: %s", p.name, line)
		for _, want := range []string{"topology=shop", "edge=client.out->server.in", "fingerprint=", "peer_fingerprint="} {
			if !strings.Contains(line, want) {
				t.Errorf("%s: refusal does not name %s: %s", p.name, want, line)
			}
		}
	}
	bad.stop()
	if strings.Contains(server.output(), "order") {
		t.Fatalf("the server took an order from the incompatible client:\n%s", server.output())
	}

	good := startProc(t, filepath.Join(bin, "v3-client"))
	server.waitFor(t, "order 7")
	good.stop()

	// A libzmq peer: pyzmq under Debian's python3, as the runtime's
	// interop tests use.
	py := exec.Command("/usr/bin/python3", "-c", `import sys, zmq
ctx = zmq.Context()
s = ctx.socket(zmq.PUSH)
s.setsockopt(zmq.LINGER, 60000)
s.connect(sys.argv[1])
s.send(b'{"id": 8}')
s.close()
ctx.term()  # waits for the linger; at exit pyzmq would not, and the order could be lost
`, fmt.Sprintf("tcp://127.0.0.1:%d", port))
	if out, err := py.CombinedOutput(); err != nil {
		if strings.Contains(string(out), "No module named") || os.IsNotExist(err) {
			t.Logf("no pyzmq: %v %s", err, out)
			server.stop()
			return
		}
		t.Fatalf("pyzmq peer: %v\n%s", err, out)
	}
	server.waitFor(t, "order 8")
	if err := server.wait(); err != nil {
		t.Errorf("server: %v\n%s", err, server.output())
	}
}

// proc is a node program running for a test, its stdout and stderr
// collected line by line.
type proc struct {
	name  string
	cmd   *exec.Cmd
	mu    sync.Mutex
	lines []string
	more  chan struct{} // signalled on each line
	done  chan struct{} // closed when the program has exited
	err   error         // its exit, once done is closed
}

func startProc(t *testing.T, path string, args ...string) *proc {
	t.Helper()
	p := &proc{name: filepath.Base(path), cmd: exec.Command(path, append([]string{"-v"}, args...)...),
		more: make(chan struct{}, 1), done: make(chan struct{})}
	r, w := io.Pipe()
	p.cmd.Stdout, p.cmd.Stderr = w, w
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			select {
			case p.more <- struct{}{}:
			default:
			}
		}
	}()
	go func() {
		p.err = p.cmd.Wait()
		w.Close()
		close(p.done)
	}()
	t.Cleanup(p.stop)
	return p
}

// waitFor waits for a line containing s and returns it.
func (p *proc) waitFor(t *testing.T, s string) string {
	t.Helper()
	deadline := time.After(2 * time.Minute)
	for {
		p.mu.Lock()
		for _, l := range p.lines {
			if strings.Contains(l, s) {
				p.mu.Unlock()
				return l
			}
		}
		p.mu.Unlock()
		select {
		case <-p.more:
		case <-deadline:
			t.Fatalf("%s printed no line with %q:\n%s", p.name, s, p.output())
		}
	}
}

func (p *proc) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.lines, "\n")
}

func (p *proc) stop() {
	select {
	case <-p.done:
	default:
		p.cmd.Process.Signal(os.Interrupt)
	}
}

// wait waits for the program to exit by itself.
func (p *proc) wait() error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("still running")
	}
}
