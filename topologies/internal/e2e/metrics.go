package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/zmqgen/zmqgen/internal/promtest"
	"github.com/zmqgen/zmqgen/runtime"
)

// MetricsAddr waits for the JSON line in which p (run with -log-format
// json and -metrics.addr) logs where its metrics are served, and fails the
// test if p logged a line that is not JSON.
func MetricsAddr(t testing.TB, p *Proc) string {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		for _, line := range Lines(p.Stderr()) {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("%s logged a line that is not JSON (-log-format json): %q", p.Name, line)
			}
			if rec["msg"] == "metrics listening" {
				return rec["addr"].(string)
			}
		}
		if p.Exited() || time.Now().After(deadline) {
			t.Fatalf("%s: no metrics address; stderr:\n%s", p.Name, p.Stderr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// HTTPGet returns the status and body of a GET of url.
func HTTPGet(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// WaitReady waits until base's /readyz answers 200.
func WaitReady(t testing.TB, p *Proc, base string) {
	t.Helper()
	deadline := time.Now().Add(Timeout)
	for {
		code, body := HTTPGet(t, base+"/readyz")
		if code == 200 {
			return
		}
		if p.Exited() || time.Now().After(deadline) {
			t.Fatalf("%s is not ready: %d %s", p.Name, code, body)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Value returns the value of the series of family name whose labels
// include want, or -1 if there is none.
func Value(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	for _, m := range fams[name].GetMetric() {
		l := promtest.Labels(m)
		ok := true
		for k, v := range want {
			ok = ok && l[k] == v
		}
		if !ok {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	return -1
}

// requesterFamilies are the families only REQ sockets have.
var requesterFamilies = []string{"requester_retries_total", "requester_give_ups_total", "request_duration_seconds"}

// CheckFamilies checks that fams has every family of the runtime's
// Collector (those of requesters only if requester), each series labelled
// with topology, node and replica, a socket of sockets, and, for the
// per-peer families, a peer of peers.
func CheckFamilies(t testing.TB, fams map[string]*dto.MetricFamily, topology, node, replica string, requester bool, sockets, peers []string) {
	t.Helper()
	for _, name := range runtime.MetricFamilies() {
		f := fams["zmqgen_"+name]
		if f == nil {
			if requester || !slices.Contains(requesterFamilies, name) {
				t.Errorf("no family zmqgen_%s", name)
			}
			continue
		}
		if len(f.GetMetric()) == 0 {
			t.Errorf("zmqgen_%s has no series", name)
		}
		for _, m := range f.GetMetric() {
			l := promtest.Labels(m)
			if l["topology"] != topology || l["node"] != node || l["replica"] != replica {
				t.Errorf("zmqgen_%s%v: want topology %s, node %s, replica %s", name, l, topology, node, replica)
			}
			if name != "node_ready" && !slices.Contains(sockets, l["socket"]) {
				t.Errorf("zmqgen_%s%v: the socket is not one of %q", name, l, sockets)
			}
			if strings.HasPrefix(name, "peer_") && !slices.Contains(peers, l["peer"]) {
				t.Errorf("zmqgen_%s%v: the peer is not one of %q", name, l, peers)
			}
		}
	}
	if fams["go_goroutines"] == nil || fams["process_resident_memory_bytes"] == nil {
		t.Error("no Go or process metrics")
	}
}
