package main

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/zmqgen/zmqgen/dsl"
	"github.com/zmqgen/zmqgen/internal/browsertest"
)

// TestLiveGraph: the live page's graph is zmqgen graph's picture, with
// each edge pointing the way messages flow and knowing where its numbers
// are: the connecting socket's series for the bound port.
func TestLiveGraph(t *testing.T) {
	topo, diags := dsl.Load("../../topologies/pushpull/pushpull.ztopo")
	if diags.HasErrors() {
		t.Fatal(diags.Err())
	}
	g := liveGraph(topo)
	var nodes []string
	for _, n := range g.Nodes {
		nodes = append(nodes, fmt.Sprintf("%s×%d", n.Name, n.Replicas))
	}
	if got := strings.Join(nodes, " "); got != "producer×1 consumer×3 collector×1" {
		t.Errorf("nodes %s", got)
	}
	var edges []string
	for _, e := range g.Edges {
		edges = append(edges, fmt.Sprintf("%s→%s %v conn=%s.%s bind=%s.%s port=%s sends=%v",
			e.From, e.To, e.Label, e.ConnNode, e.ConnSocket, e.BindNode, e.BindSocket, e.Port, e.ConnectorSends))
	}
	want := []string{
		"s_consumer_results→s_collector_results [Result] conn=consumer.results bind=collector.results port=5558 sends=true",
		"s_producer_out→s_consumer_work [Work] conn=consumer.work bind=producer.out port=5557 sends=false",
	}
	if strings.Join(edges, "\n") != strings.Join(want, "\n") {
		t.Errorf("edges:\n%s\nwant:\n%s", strings.Join(edges, "\n"), strings.Join(want, "\n"))
	}
}

// TestUpUI runs the guide's push/pull example with up -ui, loads the page
// in headless Chromium, and sees the graph drawn, every node ready with
// its replicas, and the numbers of both edges appear and change.
func TestUpUI(t *testing.T) {
	browsertest.Chromium(t)
	dir := generatedTopology(t, "pushpull", "producer", "consumer", "collector")
	work, results, page := freePort(t), freePort(t), freePort(t)
	ep := func(port int) string { return fmt.Sprintf("tcp://127.0.0.1:%d", port) }
	var stdout, stderr syncBuffer
	interrupt := make(chan os.Signal, 1)
	res := make(chan int, 1)
	go func() {
		res <- up([]string{dir, "-ui", fmt.Sprintf("127.0.0.1:%d", page),
			"-set", "producer.out.bind=" + ep(work),
			"-set", "consumer.work.connect=" + ep(work),
			"-set", "consumer.results.connect=" + ep(results),
			"-set", "collector.results.bind=" + ep(results),
			"-set", "producer.count=1000000000",
			"-set", "collector.total=1000000000",
		}, nil, interrupt, &stdout, &stderr)
	}()
	defer func() {
		interrupt <- os.Interrupt
		select {
		case code := <-res:
			if code != exitOK {
				t.Errorf("exit %d; stderr:\n%s", code, stderr.String())
			}
		case <-time.After(time.Minute):
			t.Errorf("up did not stop; stderr:\n%s", stderr.String())
		}
	}()
	waitFor(t, &stderr, fmt.Sprintf("zmqgen up: live view at http://127.0.0.1:%d/\n", page))

	ctx := browsertest.New(t, 1400, 860)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("http://127.0.0.1:%d/", page)),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
	); err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr.String())
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}
	if got := eval(`Array.from(document.querySelectorAll("#nodes .node .name")).map(e => e.textContent).join(", ")`); got != "producer, consumer  ×3, collector" {
		t.Errorf("nodes drawn: %q", got)
	}
	if n := eval(`String(document.querySelectorAll("#edges .edge").length)`); n != "2" {
		t.Errorf("%s edges drawn, want 2", n)
	}
	// Every node becomes ready (all its replicas running, every connect
	// endpoint connected), and both edges carry messages.
	rates := func() (string, string) {
		return eval(`document.querySelector('[data-edge-rate="e0"]').textContent`),
			eval(`document.querySelector('[data-edge-rate="e1"]').textContent`)
	}
	number := regexp.MustCompile(`^([0-9.]+)([kMG]?) msg/s$`)
	positive := func(s string) bool {
		m := number.FindStringSubmatch(s)
		if m == nil {
			return false
		}
		f, _ := strconv.ParseFloat(m[1], 64)
		return f > 0
	}
	var r0, r1 string
	for {
		ready := eval(`document.getElementById("nodes-ready").textContent`)
		consumer := eval(`document.querySelector('#node-table tr[data-node="n_consumer"] .rp').textContent`)
		r0, r1 = rates()
		if ready == "3/3" && consumer == "3/3" && positive(r0) && positive(r1) {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("ready %s, consumer replicas %s, edges %q %q; stderr:\n%s", ready, consumer, r0, r1, stderr.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The numbers move: the total so far on an edge grows from one
	// refresh to a later one.
	total := func() string {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch("api/live").then(r => r.json()).then(l => String(l.edges.e1.total))`,
			chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	refreshes := eval(`document.getElementById("updated").dataset.refreshes`)
	first := total()
	for {
		if now := total(); now != first && eval(`document.getElementById("updated").dataset.refreshes`) != refreshes {
			t.Logf("the producer's edge: %s messages, then %s; rates %q, %q", first, now, r0, r1)
			break
		}
		if ctx.Err() != nil {
			t.Fatal("the numbers do not change")
		}
		time.Sleep(200 * time.Millisecond)
	}
	browsertest.Screenshot(t, ctx, "up-ui-pushpull.png")
}
