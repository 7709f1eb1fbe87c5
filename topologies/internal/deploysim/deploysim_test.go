package deploysim

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

// manifest is the path of a shipped topology's Kubernetes manifests.
func manifest(t *testing.T, topo string) string {
	return filepath.Join(e2e.Root(t), "golden", "deploy", topo+".k8s.yaml")
}

// programs builds the node programs of topologies/topo and maps each
// container command (the node's name) to its program. (One go build per
// topology: e2e.Build names a program after its package's directory.)
func programs(t *testing.T, topo string, nodes ...string) map[string]string {
	t.Helper()
	var pkgs []string
	for _, n := range nodes {
		pkgs = append(pkgs, "topologies/"+topo+"/"+n)
	}
	built := e2e.Build(t, pkgs...)
	bins := map[string]string{}
	for _, n := range nodes {
		bins[n] = built["topologies/"+topo+"/"+n]
	}
	return bins
}

// TestPipelineDeployed runs pipeline's manifests: every pod ends by
// itself once the batch is done, printing what it prints under zmqgen up
// (cmd/zmqgen's TestUpPipeline checks the same lines).
func TestPipelineDeployed(t *testing.T) {
	canSimulate(t)
	t.Parallel()
	c := newCluster(t, "pipeline", manifest(t, "pipeline"), programs(t, "pipeline", "ventilator", "worker", "sink"))
	c.startAll()
	pods := map[string]*pod{}
	for _, w := range []string{"ventilator", "worker", "sink"} {
		for _, p := range c.podsOf(w) {
			pods[p.name] = p
		}
	}
	if len(pods) != 4 {
		t.Fatalf("%d pods, want the ventilator, 2 workers and the sink", len(pods))
	}
	for name, p := range pods {
		if code := p.proc.Wait(); code != 0 {
			t.Errorf("%s exited with %d; stderr:\n%s", name, code, p.proc.Stderr())
		}
	}
	vent := c.podsOf("ventilator")[0].proc.Stdout()
	if !regexp.MustCompile(`(?m)^Total expected cost: \d+ msec$`).MatchString(vent) {
		t.Errorf("ventilator printed:\n%s", vent)
	}
	sink := c.podsOf("sink")[0].proc.Stdout()
	if !regexp.MustCompile(`(?m)^(?::\.{9}){10}Total elapsed time: \d+ msec$`).MatchString(sink) {
		t.Errorf("sink printed:\n%s", sink)
	}
	dots := 0
	for _, name := range []string{"worker-0", "worker-1"} {
		out := pods[name].proc.Stdout()
		if !regexp.MustCompile(`^\.*\n?$`).MatchString(out) {
			t.Errorf("%s printed:\n%s", name, out)
		}
		dots += strings.Count(out, ".")
	}
	if dots != 100 {
		t.Errorf("the workers did %d tasks, want 100", dots)
	}
}

// TestParanoidPirateDeployedQueueMoves runs paranoidpirate's manifests
// with the parameters of its e2e TestEcho (workers that never crash,
// 10 ms of work; each client makes a fixed number of requests), set as
// environment variables the way kubectl set env would. Once every client
// has its first answers the queue's pod is deleted and a new one starts
// on another address: the workers, which keep connecting to the
// queue-backend Service's name, connect to the new address (the
// runtime resolves the name again at each reconnect), and each client's
// request in flight is retried by its Lazy Pirate policy and answered, so
// that no request is lost: every client ends with every answer, in order,
// each the echo of its request, as TestEcho wants.
func TestParanoidPirateDeployedQueueMoves(t *testing.T) {
	canSimulate(t)
	t.Parallel()
	const requests = 30
	c := newCluster(t, "paranoidpirate", manifest(t, "paranoidpirate"), programs(t, "paranoidpirate", "client", "queue", "worker"))
	setEnv(c, "worker", "WORKER_TROUBLE_AFTER", "1000000000")
	setEnv(c, "worker", "WORKER_WORK", "10ms")
	setEnv(c, "client", "CLIENT_REQUESTS", fmt.Sprint(requests))
	c.startAll()
	clients := c.podsOf("client")
	queue := c.podsOf("queue")[0]
	if len(clients) != 2 || len(c.podsOf("worker")) != 2 {
		t.Fatalf("want 2 clients and 2 workers")
	}
	// Half the requests before the move.
	for _, p := range clients {
		p.proc.WaitFor("a third of the answers", func(s string) bool {
			return strings.Count(s, "Server replied OK") >= requests/3
		})
	}
	c.deletePod(queue)
	moved := c.startPod(c.workloads["queue"], 0)
	c.waitUntil("the new queue pod in queue-backend", func() bool {
		a, _ := c.endpoints("queue-backend")
		return len(a) == 1 && a[0] == moved.ip
	})
	listed := time.Now()
	// Both workers connected to the new address: the queue's backend
	// has two peers (its metrics, as Prometheus would read them).
	c.waitUntil("both workers at the new queue", func() bool {
		return backendPeers(moved) == 2
	})
	found := time.Since(listed)
	t.Logf("queue moved %s -> %s; both workers connected to the new address %v after the name moved (their reconnect interval: 1s)",
		queue.ip, moved.ip, found.Round(time.Millisecond))
	for _, p := range clients {
		checkLazyPirateClient(t, p, requests)
	}
}

// checkLazyPirateClient waits for a Lazy Pirate client to exit and checks
// that it has every answer, in order, each the echo of its request;
// retries are allowed (the request in flight when its server went),
// giving up is not.
func checkLazyPirateClient(t *testing.T, p *pod, requests int) {
	t.Helper()
	if code := p.proc.Wait(); code != 0 {
		t.Errorf("%s exited with %d; stderr:\n%s", p.name, code, p.proc.Stderr())
	}
	out := p.proc.Stdout()
	var got []string
	for _, m := range regexp.MustCompile(`(?m)^I: Server replied OK \(b'(\d+)'\)$`).FindAllStringSubmatch(out, -1) {
		got = append(got, m[1])
	}
	var want []string
	for i := 1; i <= requests; i++ {
		want = append(want, fmt.Sprint(i))
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: answers %v, want 1 to %d in order:\n%s", p.name, got, requests, out)
	}
	if strings.Contains(out, "abandoning") || strings.Contains(out, "offline") {
		t.Errorf("%s gave a request up:\n%s", p.name, out)
	}
	t.Logf("%s: %d retries", p.name, strings.Count(out, "retrying"))
}

// TestLazyPirateDeployedServerMoves runs lazypirate's manifests (a server
// that never crashes and works 10 ms, a client making a fixed number of
// requests, as kubectl set env would set them): the server's pod is
// deleted mid-run and a new one starts on another address. The client's
// request in flight gets no reply; at its retry the client reopens its
// socket, which looks server-server up again and reaches the new address:
// every request is answered, none given up.
func TestLazyPirateDeployedServerMoves(t *testing.T) {
	canSimulate(t)
	t.Parallel()
	const requests = 20
	c := newCluster(t, "lazypirate", manifest(t, "lazypirate"), programs(t, "lazypirate", "client", "server"))
	setEnv(c, "server", "SERVER_TROUBLE_AFTER", "1000000000")
	setEnv(c, "server", "SERVER_WORK", "10ms")
	setEnv(c, "client", "CLIENT_REQUESTS", fmt.Sprint(requests))
	c.startAll()
	client, server := c.podsOf("client")[0], c.podsOf("server")[0]
	answers := func(s string) int { return strings.Count(s, "Server replied OK") }
	client.proc.WaitFor("a third of the answers", func(s string) bool { return answers(s) >= requests/3 })
	c.deletePod(server)
	before := answers(client.proc.Stdout())
	moved := c.startPod(c.workloads["server"], 0)
	c.waitUntil("the new server pod in server-server", func() bool {
		a, _ := c.endpoints("server-server")
		return len(a) == 1 && a[0] == moved.ip
	})
	listed := time.Now()
	client.proc.WaitFor("an answer from the new server", func(s string) bool { return answers(s) > before })
	t.Logf("server moved %s -> %s; the client's next answer came %v after the name moved (its retry timeout: 2.5s)",
		server.ip, moved.ip, time.Since(listed).Round(time.Millisecond))
	checkLazyPirateClient(t, client, requests)
}

// backendPeers is the number of peers of the queue's backend socket.
func backendPeers(p *pod) float64 {
	return scrape(p, `zmqgen_socket_peers{node="queue",replica="0",socket="backend",topology="paranoidpirate"}`)
}

// setEnv sets an environment variable of a workload's container, as
// kubectl set env does.
func setEnv(c *cluster, workload, name, value string) {
	w := c.workloads[workload]
	if w == nil {
		c.t.Fatalf("no workload %s", workload)
	}
	ctr := &w.template.Spec.Containers[0]
	for i := range ctr.Env {
		if ctr.Env[i].Name == name {
			ctr.Env[i].Value = value
			return
		}
	}
	ctr.Env = append(ctr.Env, envVar(name, value))
}

// TestConnectAllPicksUpAddedReplica runs the manifests zmqgen deploy
// writes for the fixture fanout (fanout/fanout.ztopo): a source whose
// PUSH socket connects with connect_all to sink-in, the headless Service
// of a StatefulSet of sinks that all bind port 5600. Each sink gets items;
// then the StatefulSet is scaled to three (its $SINK_REPLICAS with it, as
// deploy's -h says), and the new sink gets items too, the source having
// found its address in the Service's name at a lookup of its own (every
// 500 ms, the .ztopo's connect_all interval). The delay from the new pod's
// start (when the name gives its address: the Service publishes
// not-ready addresses) and from its listening to its first item is
// logged; the test's deadline is e2e.Timeout.
func TestConnectAllPicksUpAddedReplica(t *testing.T) {
	canSimulate(t)
	t.Parallel()
	// One go build for the nodes and zmqgen.
	const fanout = "topologies/internal/deploysim/fanout/"
	built := e2e.Build(t, fanout+"source", fanout+"sink", "cmd/zmqgen")
	bins := map[string]string{"source": built[fanout+"source"], "sink": built[fanout+"sink"]}
	zmqgen := built["cmd/zmqgen"]
	out, err := exec.Command(zmqgen, "deploy", "-target", "k8s", filepath.Join(e2e.Root(t), "topologies", "internal", "deploysim", "fanout")).Output()
	if err != nil {
		t.Fatalf("zmqgen deploy: %v", err)
	}
	file := filepath.Join(t.TempDir(), "fanout.k8s.yaml")
	if err := os.WriteFile(file, out, 0o644); err != nil {
		t.Fatal(err)
	}
	c := newCluster(t, "fanout", file, bins)
	src := c.workloads["source"].template.Spec.Containers[0]
	if !slices.Contains(src.Env, envVar("SOURCE_OUT_CONNECT_ALL", "true")) || !slices.Contains(src.Env, envVar("SOURCE_OUT_CONNECT", "tcp://sink-in:5600")) {
		t.Fatalf("the source's environment does not connect to every sink: %v", src.Env)
	}
	c.startAll()
	sinks := c.podsOf("sink")
	if len(sinks) != 2 {
		t.Fatalf("%d sinks, want 2", len(sinks))
	}
	for _, p := range sinks {
		p.proc.WaitFor("an item", func(s string) bool { return strings.Contains(s, "got ") })
	}
	setEnv(c, "sink", "SINK_REPLICAS", "3")
	added := c.startPod(c.workloads["sink"], 2)
	added.proc.WaitFor("an item", func(s string) bool { return strings.Contains(s, "got ") })
	got := time.Now()
	c.mu.Lock()
	listening := added.readyAt
	c.mu.Unlock()
	fromListening := "its readiness probe had not passed yet"
	if !listening.IsZero() {
		fromListening = got.Sub(listening).Round(time.Millisecond).String()
	}
	t.Logf("the added sink (%s) got its first item %v after its pod started and its address joined sink-in; after it listened: %s (the source looks the name up every 500ms)",
		added.ip, got.Sub(added.started).Round(time.Millisecond), fromListening)
	for _, p := range append(sinks, added) {
		if p.proc.Exited() {
			t.Errorf("%s exited; stderr:\n%s", p.name, p.proc.Stderr())
		}
	}
}
