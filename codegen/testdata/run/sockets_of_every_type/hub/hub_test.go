package main

// This test runs in the module TestGolden builds from the golden case
// sockets_of_every_type: it runs the generated hub program's parts
// in-process, over real sockets on 127.0.0.1 with ports the system picks.

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	"example.com/golden/sockets_of_every_type"

	"github.com/zmqgen/zmqgen/runtime"
	"github.com/zmqgen/zmqgen/runtime/nodetest"
)

func TestParse(t *testing.T) {
	env := map[string]string{"HUB_NEWS_BIND": "tcp://127.0.0.1:1, tcp://127.0.0.1:2", "HUB_SINK_BIND": "tcp://127.0.0.1:3"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	var out bytes.Buffer
	c := zmqgenDefaults()
	_, err := c.program().Parse([]string{"-sink.bind", "tcp://127.0.0.1:4", "-v"}, lookup, &out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if want := []string{"tcp://*:6001"}; !reflect.DeepEqual(c.Answers.Bind, want) {
		t.Errorf("answers: %q, want the .ztopo's %q", c.Answers.Bind, want)
	}
	if want := []string{"tcp://127.0.0.1:1", "tcp://127.0.0.1:2"}; !reflect.DeepEqual(c.News.Bind, want) {
		t.Errorf("news: %q, want the environment's %q", c.News.Bind, want)
	}
	if want := []string{"tcp://127.0.0.1:4"}; !reflect.DeepEqual(c.Sink.Bind, want) {
		t.Errorf("sink: %q, want the flag's %q", c.Sink.Bind, want)
	}
	if s, err := c.program().Parse([]string{"-v"}, lookup, &out); err != nil || s.LogLevel != slog.LevelDebug {
		t.Errorf("-v: log level %v, %v", s, err)
	}
	if _, err := zmqgenDefaults().program().Parse([]string{"extra"}, lookup, io.Discard); err == nil {
		t.Error("an argument was accepted")
	}
	env["HUB_LOG_LEVEL"] = "loud"
	if _, err := zmqgenDefaults().program().Parse(nil, lookup, &out); err == nil || !strings.Contains(out.String(), "$HUB_LOG_LEVEL") {
		t.Errorf("a bad $HUB_LOG_LEVEL: %v\n%s", err, out.String())
	}
}

// openHub opens the hub with every bind on a port the system picks.
func openHub(t *testing.T) *Node {
	t.Helper()
	var args []string
	for _, s := range []string{"answers", "news", "front", "back", "sink", "xpub", "buddy"} {
		args = append(args, "-"+s+".bind", "tcp://127.0.0.1:0")
	}
	c := zmqgenDefaults()
	_, err := c.program().Parse(args, func(string) (string, bool) { return "", false }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	n := nodetest.Open(t, c.program(), c.node)
	return n
}

func TestRouterEnvelopesAndPoll(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	n := openHub(t)
	req := runtime.NewSocket(runtime.REQ)
	defer req.Close()
	if err := req.Connect(n.Front.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	if err := req.Send(ctx, runtime.Msg{[]byte("hi")}); err != nil {
		t.Fatal(err)
	}
	r, err := n.Poll(ctx)
	if err != nil || !r.Front || r.Back || r.Sink || r.Xpub || r.Buddy {
		t.Fatalf("Poll = %+v, %v; want only Front", r, err)
	}
	env, note, err := n.Front.Recv(ctx)
	if err != nil || note != "hi" || len(env) != 2 || len(env[1]) != 0 {
		t.Fatalf("Recv = %q, %q, %v; want an identity and a delimiter, and \"hi\"", env, note, err)
	}
	if err := n.Front.Send(ctx, env, "ho"); err != nil {
		t.Fatal(err)
	}
	if m, err := req.Recv(ctx); err != nil || string(m[0]) != "ho" {
		t.Fatalf("the REQ peer got %q, %v", m, err)
	}
}

// hubHandler serves the answers socket and runs until told.
type hubHandler struct {
	fail error
	stop chan struct{}
}

func (h hubHandler) Run(ctx context.Context) error {
	select {
	case <-h.stop:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h hubHandler) ServeAnswers(ctx context.Context, req zoo.Note) (zoo.Note, error) {
	return "re: " + req, h.fail
}

func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for _, fail := range []error{nil, errors.New("out of coffee")} {
		n := openHub(t)
		h := hubHandler{fail: fail, stop: make(chan struct{})}
		done := make(chan error, 1)
		go func() { done <- runtime.Run(ctx, n.tasks(h)...) }()
		req := runtime.NewSocket(runtime.REQ)
		if err := req.Connect(n.Answers.Addrs()[0]); err != nil {
			t.Fatal(err)
		}
		if err := req.Send(ctx, runtime.Msg{[]byte("tea?")}); err != nil {
			t.Fatal(err)
		}
		if fail != nil {
			// A failing Serve method stops the node with its error.
			if err := <-done; !errors.Is(err, fail) || !strings.Contains(err.Error(), "ServeAnswers") {
				t.Errorf("run = %v, want %v from ServeAnswers", err, fail)
			}
		} else {
			if m, err := req.Recv(ctx); err != nil || string(m[0]) != "re: tea?" {
				t.Errorf("reply %q, %v", m, err)
			}
			// Run returning nil stops the node cleanly.
			close(h.stop)
			if err := <-done; err != nil {
				t.Errorf("run = %v, want nil", err)
			}
		}
		req.Close()
	}
}
