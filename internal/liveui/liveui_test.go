package liveui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/zmqgen/zmqgen/internal/browsertest"
	"github.com/zmqgen/zmqgen/runtime"
)

// pipeline runs, in this process, a PUSH socket "src.out" connected to a
// PULL "dst.in", sending until the test ends, and serves their metrics;
// it returns the graph of the two nodes and their processes.
func pipeline(t *testing.T) (*Graph, []*Proc) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	m, err := runtime.ServeMetrics("127.0.0.1:0", runtime.MetricsLabels{Topology: "t", Node: "n"}, log)
	if err != nil {
		t.Fatal(err)
	}
	m.Opened()
	t.Cleanup(func() { m.Close() })
	pull := runtime.NewSocket(runtime.PULL, runtime.WithName("dst.in"+t.Name()), runtime.WithLogger(log))
	if err := pull.Bind("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ep := pull.Addrs()[0]
	push := runtime.NewSocket(runtime.PUSH, runtime.WithName("src.out"+t.Name()), runtime.WithLogger(log))
	push.Connect(ep)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	go func() {
		defer func() { done <- struct{}{} }()
		for ctx.Err() == nil {
			if push.Send(ctx, runtime.Msg{[]byte("task")}) != nil {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		for {
			if _, err := pull.Recv(ctx); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		push.Close()
		pull.Close()
	})
	_, port, _ := strings.Cut(strings.TrimPrefix(ep, "tcp://"), ":")
	g := &Graph{Title: "demo", Nodes: []*Node{
		{ID: "n_src", Name: "src", Replicas: 1, Sockets: []*Socket{{ID: "s_src_out", Name: "out" + t.Name(), Type: "PUSH"}}},
		{ID: "n_dst", Name: "dst", Replicas: 1, Sockets: []*Socket{{ID: "s_dst_in", Name: "in" + t.Name(), Type: "PULL"}}},
	}, Edges: []*Edge{{
		ID: "e0", From: "s_src_out", To: "s_dst_in", Label: []string{"Task"},
		ConnNode: "src", ConnSocket: "src.out" + t.Name(), BindNode: "dst", BindSocket: "dst.in" + t.Name(),
		Port: port, ConnectorSends: true,
	}}}
	// One process serves both "nodes" here (its metrics name the sockets
	// in full: they are not of its node "n"); the page only needs a URL per
	// process.
	src, dst := NewProc("src", "src", 0), NewProc("dst", "dst", 0)
	for _, p := range []*Proc{src, dst} {
		p.SetState(StateRunning)
		p.WatchLine([]byte(`time=x level=INFO msg="metrics listening" addr=http://` + m.Addr()))
	}
	return g, []*Proc{src, dst}
}

func getLive(t *testing.T, base string) *Live {
	t.Helper()
	resp, err := http.Get(base + "/api/live")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var l Live
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		t.Fatal(err)
	}
	return &l
}

// TestLiveNumbers: the server's numbers for an edge follow the traffic.
func TestLiveNumbers(t *testing.T) {
	g, procs := pipeline(t)
	s := New(g, procs)
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	base := "http://" + s.Addr()
	deadline := time.Now().Add(20 * time.Second)
	var first float64
	for {
		l := getLive(t, base)
		e := l.Edges["e0"]
		if e != nil && e.Rate > 0 && e.Up {
			if first == 0 {
				first = e.Total
			} else if e.Total > first {
				if n := l.Nodes["n_src"]; n.State != "ready" || n.Running != 1 || n.Scraped != 1 {
					t.Fatalf("node src: %+v", n)
				}
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("edge e0: %+v", e)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestPageInBrowser loads the page in headless Chromium: the graph is
// drawn, and the edge's live number appears and changes.
func TestPageInBrowser(t *testing.T) {
	ctx := browsertest.New(t, 1280, 800)
	g, procs := pipeline(t)
	s := New(g, procs)
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate("http://"+s.Addr()+"/"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
	); err != nil {
		t.Fatal(err)
	}
	nodes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#nodes .node").length`))
	if err != nil {
		t.Fatal(err)
	}
	edges, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#edges .edge").length`))
	if err != nil {
		t.Fatal(err)
	}
	if nodes != 2 || edges != 1 {
		t.Fatalf("drawn: %d nodes, %d edges; want 2, 1", nodes, edges)
	}
	first := waitRate(t, ctx, "e0", "")
	second := waitRate(t, ctx, "e0", first)
	t.Logf("edge rate: %q, then %q", first, second)
	browsertest.Screenshot(t, ctx, "liveui-pipeline.png")
}

// waitRate waits until the edge's rate label shows a number of messages
// per second other than not and returns it.
func waitRate(t *testing.T, ctx context.Context, edge, not string) string {
	t.Helper()
	for {
		// Read in one evaluation: the page redraws the label on every
		// update, and a node looked up first may be gone when its text is
		// asked for ("No node with given id found").
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`(document.querySelector('[data-edge-rate=%q]') || {}).textContent || ""`, edge)))
		if err != nil {
			t.Fatalf("edge %s: %v (last %q)", edge, err, text)
		}
		if v, _, ok := strings.Cut(text, " "); ok && text != not {
			if f, err := strconv.ParseFloat(strings.TrimRight(v, "kMG"), 64); err == nil && f > 0 {
				return text
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// fiftyNodes is a topology of 50 nodes: 10 clients, a broker, 30 workers,
// 5 sinks, 3 monitors and a logger.
func fiftyNodes() (*Graph, []*Proc) {
	g := &Graph{Title: "fifty"}
	var procs []*Proc
	node := func(name string, socks ...string) *Node {
		n := &Node{ID: "n_" + name, Name: name, Replicas: 1}
		for _, s := range socks {
			typ, sname, _ := strings.Cut(s, " ")
			n.Sockets = append(n.Sockets, &Socket{ID: "s_" + name + "_" + sname, Name: sname, Type: typ})
		}
		g.Nodes = append(g.Nodes, n)
		p := NewProc(name, name, 0)
		p.SetState(StateRunning)
		procs = append(procs, p)
		return n
	}
	edge := func(from, to *Node, fi, ti int, label string) {
		g.Edges = append(g.Edges, &Edge{ID: "e" + strconv.Itoa(len(g.Edges)), From: from.Sockets[fi].ID, To: to.Sockets[ti].ID, Label: []string{label}})
	}
	broker := node("broker", "ROUTER frontend", "DEALER backend", "PUB log")
	var sinks []*Node
	for i := 0; i < 5; i++ {
		sinks = append(sinks, node(fmt.Sprintf("sink%d", i), "PULL results", "PUB stats"))
	}
	for i := 0; i < 10; i++ {
		c := node(fmt.Sprintf("client%d", i), "REQ req")
		edge(c, broker, 0, 0, "Request")
		g.Edges[len(g.Edges)-1].Both = true
	}
	for i := 0; i < 30; i++ {
		w := node(fmt.Sprintf("worker%02d", i), "REP rep", "PUSH out")
		edge(broker, w, 1, 0, "Request")
		g.Edges[len(g.Edges)-1].Both = true
		edge(w, sinks[i%5], 1, 0, "Result")
	}
	logger := node("logger", "SUB log")
	edge(broker, logger, 2, 0, "LogLine")
	for i := 0; i < 3; i++ {
		m := node(fmt.Sprintf("monitor%d", i), "SUB stats")
		for _, s := range sinks {
			edge(s, m, 1, 0, "Stats")
		}
	}
	return g, procs
}

// TestFiftyNodesLayout: at 50 nodes the picture has no two cards on top
// of each other, every node reachable with the keyboard (j), and a scale
// at which the names stay legible on a 1920×1080 screen.
func TestFiftyNodesLayout(t *testing.T) {
	g, procs := fiftyNodes()
	if len(g.Nodes) != 50 {
		t.Fatalf("%d nodes", len(g.Nodes))
	}
	s := New(g, procs)
	for i, a := range g.Nodes {
		for _, b := range g.Nodes[i+1:] {
			if a.X < b.X+b.W && b.X < a.X+a.W && a.Y < b.Y+b.H && b.Y < a.Y+a.H {
				t.Fatalf("%s and %s overlap", a.Name, b.Name)
			}
		}
	}
	if k := min(1920/g.Width, (1080-60)/g.Height); k < 0.45 {
		t.Errorf("the picture (%.0f×%.0f) fits 1920×1080 only at scale %.2f", g.Width, g.Height, k)
	}
	ctx := browsertest.New(t, 1920, 1080)
	if err := s.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate("http://"+s.Addr()+"/"),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
	); err != nil {
		t.Fatal(err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#nodes .node").length`))
	if err != nil || n != 50 {
		t.Fatalf("%d nodes drawn (%v)", n, err)
	}
	// The keyboard walks every node: j moves the focus to the next one.
	seen := map[string]bool{}
	for i := 0; i < 50; i++ {
		if err := chromedp.Do(ctx, chromedp.KeyEvent("j")); err != nil {
			t.Fatal(err)
		}
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.dataset.node || ""`))
		if err != nil {
			t.Fatal(err)
		}
		seen[id] = true
	}
	if len(seen) != 50 {
		t.Errorf("j visited %d nodes, want 50", len(seen))
	}
	// Enter on the focused node shows its details.
	if err := chromedp.Do(ctx, chromedp.KeyEvent("\r")); err != nil {
		t.Fatal(err)
	}
	// The panel is redrawn on every live update: wait for its title in
	// the page rather than look up a node that may be replaced.
	h, err := chromedp.Run(ctx, chromedp.Poll[string](`(document.querySelector("#details h3") || {}).textContent`))
	names := map[string]bool{}
	for _, n := range g.Nodes {
		names[n.Name] = true
	}
	if err != nil || !names[h] {
		t.Errorf("details after Enter: %q %v, want a node's name", h, err)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent("0")); err != nil {
		t.Fatal(err)
	}
	browsertest.Screenshot(t, ctx, "liveui-fifty.png")
}
