package runtime

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/zmqgen/zmqgen/internal/promtest"
)

// find returns the metric of family name whose labels include want.
func find(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		l := promtest.Labels(m)
		for k, v := range want {
			if l[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metricsRuns numbers the runs of TestMetricsEndpoint.
var metricsRuns atomic.Int64

// TestMetricsEndpoint serves a node's metrics, scrapes them with the
// Prometheus text parser and finds every family with its labels and the
// counts the sockets made; /readyz follows the connect endpoints.
func TestMetricsEndpoint(t *testing.T) {
	ctx := testCtx(t)
	// The counters of a socket name are the process's (a socket reopened
	// under its name adds to them), so each run of the test (-count) takes
	// names of its own.
	node := fmt.Sprintf("%s_%d", strings.ReplaceAll(t.Name(), "/", "_"), metricsRuns.Add(1))
	srv, err := ServeMetrics("127.0.0.1:0", MetricsLabels{Topology: "demo", Node: node, Replica: 1}, quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	base := "http://" + srv.Addr()
	if code, body := get(t, base+"/readyz"); code != 503 {
		t.Fatalf("/readyz before the sockets open: %d %s, want 503", code, body)
	}
	pull := newSock(t, PULL, WithName(node+".tasks"))
	ep := bindAny(t, pull)
	push := newSock(t, PUSH, WithName(node+".out"))
	mustConnect(t, push, ep)
	req, err := NewRequester([]string{bindAny(t, newSock(t, REP))}, Retry{Timeout: 20 * time.Millisecond, Tries: 2},
		WithName(node+".ask"), WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer req.Close()
	srv.Opened()
	waitStats(t, "connected", push.Stats, func(s SocketStats) bool { return s.Peers == 1 })
	for {
		if code, _ := get(t, base+"/readyz"); code == 200 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	for i := 0; i < 3; i++ {
		mustSend(t, ctx, push, "task")
		mustRecv(t, ctx, pull)
	}
	if _, err := req.Request(ctx, strMsg("q")); err == nil {
		t.Fatal("the REP never answers")
	}
	if code, body := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz: %d %s", code, body)
	}

	fams := promtest.Scrape(t, base+"/metrics")
	const ns = "zmqgen_"
	for _, name := range MetricFamilies() {
		f := fams[ns+name]
		if f == nil {
			t.Errorf("family %s missing", ns+name)
			continue
		}
		for _, m := range f.GetMetric() {
			l := promtest.Labels(m)
			if l["topology"] != "demo" || l["node"] != node || l["replica"] != "1" {
				t.Errorf("%s%v: want topology demo, node %s, replica 1", ns+name, l, node)
			}
		}
	}
	for _, want := range []struct {
		name   string
		labels map[string]string
		value  float64
	}{
		{"socket_messages_sent_total", map[string]string{"socket": "out"}, 3},
		{"socket_messages_received_total", map[string]string{"socket": "tasks"}, 3},
		{"socket_bytes_received_total", map[string]string{"socket": "tasks"}, 12},
		{"peer_messages_sent_total", map[string]string{"socket": "out", "peer": ep}, 3},
		{"peer_connected", map[string]string{"socket": "out", "peer": ep}, 1},
		{"peer_queue_messages", map[string]string{"socket": "out", "peer": ep, "direction": "out"}, 0},
		{"socket_peers", map[string]string{"socket": "tasks"}, 1},
		{"socket_accepts_total", map[string]string{"socket": "tasks"}, 1},
		{"socket_connects_total", map[string]string{"socket": "out"}, 1},
		{"socket_drops_total", map[string]string{"socket": "out", "reason": "hwm"}, 0},
		{"socket_handshake_failures_total", map[string]string{"socket": "tasks", "reason": "auth"}, 0},
		{"socket_queue_messages", map[string]string{"socket": "tasks", "direction": "in"}, 0},
		{"requester_retries_total", map[string]string{"socket": "ask"}, 1},
		{"requester_give_ups_total", map[string]string{"socket": "ask"}, 1},
		{"node_ready", nil, 1},
	} {
		m := find(fams, ns+want.name, want.labels)
		if m == nil {
			t.Errorf("%s%v: no such series", ns+want.name, want.labels)
			continue
		}
		var v float64
		switch {
		case m.Counter != nil:
			v = m.Counter.GetValue()
		case m.Gauge != nil:
			v = m.Gauge.GetValue()
		}
		if v != want.value {
			t.Errorf("%s%v = %v, want %v", ns+want.name, want.labels, v, want.value)
		}
	}
	h := find(fams, ns+"request_duration_seconds", map[string]string{"socket": "ask"})
	if h == nil || h.Histogram == nil || len(h.Histogram.GetBucket()) < len(RTTBuckets()) {
		t.Errorf("request_duration_seconds: %v", h)
	}
	if fams["go_goroutines"] == nil || fams["process_cpu_seconds_total"] == nil {
		t.Error("Go's and the process's collectors are missing")
	}
}
