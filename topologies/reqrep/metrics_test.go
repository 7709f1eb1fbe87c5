package reqrep_test

import (
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/internal/promtest"
	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

// TestMetricsEndpoint runs the generated client, a REQ socket, against
// both servers with -metrics.addr and -log-format json, and finds every
// family of its metrics, the requesters' included, with the right labels,
// and its round trips in the histogram.
func TestMetricsEndpoint(t *testing.T) {
	p1, p2 := e2e.Port(t), e2e.Port(t)
	server1.Start(t, e2e.Go, "server1", []string{"-rep.bind", e2e.Bind(p1), "-delay", "1ms"}, nil)
	server2.Start(t, e2e.Go, "server2", []string{"-rep.bind", e2e.Bind(p2), "-delay", "1ms"}, nil)
	e2e.WaitListening(t, p1)
	e2e.WaitListening(t, p2)
	c := client.Start(t, e2e.Go, "client", []string{"-req.connect", e2e.Connect(p1) + "," + e2e.Connect(p2),
		"-requests", "1000000", "-metrics.addr", "127.0.0.1:0", "-log-format", "json"}, nil)
	base := e2e.MetricsAddr(t, c)
	e2e.WaitReady(t, c, base)
	deadline := time.Now().Add(e2e.Timeout)
	for e2e.Value(promtest.Scrape(t, base+"/metrics"), "zmqgen_request_duration_seconds", map[string]string{"socket": "req"}) < 10 {
		if c.Exited() || time.Now().After(deadline) {
			t.Fatal("the client made no 10 round trips")
		}
		time.Sleep(10 * time.Millisecond)
	}
	fams := promtest.Scrape(t, base+"/metrics")
	e2e.CheckFamilies(t, fams, "reqrep", "client", "0", true, []string{"req"}, []string{e2e.Connect(p1), e2e.Connect(p2)})
	for _, peer := range []string{e2e.Connect(p1), e2e.Connect(p2)} {
		if v := e2e.Value(fams, "zmqgen_peer_messages_sent_total", map[string]string{"socket": "req", "peer": peer}); v < 1 {
			t.Errorf("requests to %s: %v, want some (REQ alternates)", peer, v)
		}
	}
	if v := e2e.Value(fams, "zmqgen_node_ready", nil); v != 1 {
		t.Errorf("node_ready %v", v)
	}
	c.Stop()
}
