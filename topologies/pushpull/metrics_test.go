package pushpull

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/internal/promtest"
	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

// TestMetricsEndpoint runs the generated collector and a consumer replica
// with -metrics.addr and -log-format json, and a producer: the consumer is
// not ready (/readyz) until both peers are there; its /metrics, parsed
// with the Prometheus text parser, has every family with the topology,
// node, replica, socket and peer labels, and counts every message.
func TestMetricsEndpoint(t *testing.T) {
	const n = 200
	work, results := e2e.Port(t), e2e.Port(t)
	// The collector waits for more results than come, and the producer
	// for Enter, so that both stay connected while the test looks.
	collector.Start(t, e2e.Go, "collector", []string{"-results.bind", e2e.Bind(results), "-total", fmt.Sprint(n),
		"-metrics.addr", "127.0.0.1:0", "-log-format", "json"}, nil)
	cons := consumer.Start(t, e2e.Go, "consumer", []string{"-work.connect", e2e.Connect(work), "-results.connect", e2e.Connect(results),
		"-id", "2", "-replica", "1", "-metrics.addr", "127.0.0.1:0", "-log-format", "json"}, nil)
	base := e2e.MetricsAddr(t, cons)
	if code, body := e2e.HTTPGet(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz: %d %s", code, body)
	}
	if code, body := e2e.HTTPGet(t, base+"/readyz"); code != 503 || !strings.Contains(body, e2e.Connect(work)) {
		t.Fatalf("/readyz without a producer: %d %q, want 503 naming %s", code, body, e2e.Connect(work))
	}
	prod := producer.Start(t, e2e.Go, "producer", []string{"-out.bind", e2e.Bind(work), "-count", fmt.Sprint(n), "-wait_for_enter"}, nil)
	e2e.WaitReady(t, cons, base)
	if v := e2e.Value(promtest.Scrape(t, base+"/metrics"), "zmqgen_node_ready", nil); v != 1 {
		t.Errorf("node_ready %v once /readyz says ready", v)
	}
	prod.Enter()
	deadline := time.Now().Add(e2e.Timeout)
	for e2e.Value(promtest.Scrape(t, base+"/metrics"), "zmqgen_socket_messages_sent_total", map[string]string{"socket": "results"}) != n/2 {
		if time.Now().After(deadline) {
			t.Fatal("the consumer did not send every result")
		}
		time.Sleep(10 * time.Millisecond)
	}
	fams := promtest.Scrape(t, base+"/metrics")
	e2e.CheckFamilies(t, fams, "pushpull", "consumer", "1", false,
		[]string{"work", "results"}, []string{e2e.Connect(work), e2e.Connect(results)})
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"zmqgen_socket_messages_received_total", map[string]string{"socket": "work"}, n},
		{"zmqgen_peer_messages_received_total", map[string]string{"socket": "work", "peer": e2e.Connect(work)}, n},
		{"zmqgen_peer_messages_sent_total", map[string]string{"socket": "results", "peer": e2e.Connect(results)}, n / 2},
		{"zmqgen_socket_connects_total", map[string]string{"socket": "work"}, 1},
		{"zmqgen_socket_drops_total", map[string]string{"socket": "results", "reason": "hwm"}, 0},
	} {
		if v := e2e.Value(fams, c.name, c.labels); v != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, v, c.want)
		}
	}
	cons.Stop()
}
