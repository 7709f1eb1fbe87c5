package runtime

// The metrics endpoint of a node: its sockets' counters (metrics.go) in
// the Prometheus text format, with client_golang's registry and exposition.
// A Collector reads the counters when Prometheus scrapes, so the sockets
// only ever increment their atomics; nothing is kept twice.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// MetricsLabels are the labels every series of a node carries.
type MetricsLabels struct {
	Topology, Node string
	Replica        int
}

func (l MetricsLabels) constLabels() prometheus.Labels {
	return prometheus.Labels{"topology": l.Topology, "node": l.Node, "replica": strconv.Itoa(l.Replica)}
}

// metricDesc describes one family.
type metricDesc struct {
	name, help string
	labels     []string
}

// The families, all prefixed zmqgen_. socket is the socket's name in the
// .ztopo (without the node); peer is a connect endpoint or an accepted
// peer's address, at most MaxPeerSeries of them per socket plus "other".
var metricFamilies = []metricDesc{
	{"socket_messages_received_total", "Messages received by the socket, from every peer it has had.", []string{"socket"}},
	{"socket_messages_sent_total", "Messages the socket wrote to its peers' connections.", []string{"socket"}},
	{"socket_bytes_received_total", "Bytes of message frames received by the socket.", []string{"socket"}},
	{"socket_bytes_sent_total", "Bytes of message frames the socket wrote.", []string{"socket"}},
	{"socket_drops_total", "Messages the socket dropped, by reason: hwm, no_route, oversized, undecodable, subscriber_full, disconnected.", []string{"socket", "reason"}},
	{"socket_queue_messages", "Messages queued in the socket: in, received and not yet taken; out, waiting to be written.", []string{"socket", "direction"}},
	{"socket_peers", "Peers connected to the socket now.", []string{"socket"}},
	{"socket_accepts_total", "Connections accepted on the socket's bound endpoints.", []string{"socket"}},
	{"socket_connects_total", "Connections established on the socket's connect endpoints.", []string{"socket"}},
	{"socket_reconnects_total", "Connections established on a connect endpoint after its first.", []string{"socket"}},
	{"socket_disconnects_total", "Established connections the socket lost.", []string{"socket"}},
	{"socket_handshake_failures_total", "ZMTP handshakes that failed, by reason: protocol, auth, timeout, closed.", []string{"socket", "reason"}},
	{"socket_heartbeat_timeouts_total", "Peers disconnected because they were silent past the heartbeat timeout.", []string{"socket"}},
	{"requester_retries_total", "Lazy Pirate tries that got no reply in time and were retried.", []string{"socket"}},
	{"requester_give_ups_total", "Lazy Pirate requests abandoned after their last try.", []string{"socket"}},
	{"request_duration_seconds", "Round trips of requests, from send to reply.", []string{"socket"}},
	{"peer_connected", "1 if the peer is connected now, else 0.", []string{"socket", "peer"}},
	{"peer_messages_received_total", "Messages received from the peer (a connect endpoint: over all its connections).", []string{"socket", "peer"}},
	{"peer_messages_sent_total", "Messages written to the peer.", []string{"socket", "peer"}},
	{"peer_bytes_received_total", "Bytes of message frames received from the peer.", []string{"socket", "peer"}},
	{"peer_bytes_sent_total", "Bytes of message frames written to the peer.", []string{"socket", "peer"}},
	{"peer_queue_messages", "Messages queued for or from the peer.", []string{"socket", "peer", "direction"}},
	{"node_ready", "1 when every socket is open and every connect endpoint connected.", nil},
}

// MetricFamilies returns the names of every family a node's Collector
// exports (besides Go's and the process's own), without the zmqgen_ prefix.
func MetricFamilies() []string {
	names := make([]string, len(metricFamilies))
	for i, f := range metricFamilies {
		names[i] = f.name
	}
	return names
}

// statsCollector is a prometheus.Collector of every named socket of the
// process.
type statsCollector struct {
	descs map[string]*prometheus.Desc
	node  string
	ready func() error
}

// NewCollector returns a prometheus.Collector of the counters of every
// named socket of the process (Stats), labelled with l. ready, if not nil,
// says whether the node is ready (node_ready).
func NewCollector(l MetricsLabels, ready func() error) prometheus.Collector {
	c := &statsCollector{descs: make(map[string]*prometheus.Desc), node: l.Node, ready: ready}
	for _, f := range metricFamilies {
		c.descs[f.name] = prometheus.NewDesc("zmqgen_"+f.name, f.help, f.labels, l.constLabels())
	}
	return c
}

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// socketLabel is the socket's name without its node: a generated node
// names its sockets "node.socket". A socket of another name (several nodes
// in one process, as in tests) keeps its whole name.
func socketLabel(name, node string) string {
	if s, ok := strings.CutPrefix(name, node+"."); ok {
		return s
	}
	return name
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	counter := func(name string, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(c.descs[name], prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(name string, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(c.descs[name], prometheus.GaugeValue, v, labels...)
	}
	seen := map[string]bool{}
	for _, s := range Stats() {
		sock := socketLabel(s.Name, c.node)
		if seen[sock] {
			// "node.x" and a socket named "x": one series each would
			// collide.
			continue
		}
		seen[sock] = true
		counter("socket_messages_received_total", s.MsgsIn, sock)
		counter("socket_messages_sent_total", s.MsgsOut, sock)
		counter("socket_bytes_received_total", s.BytesIn, sock)
		counter("socket_bytes_sent_total", s.BytesOut, sock)
		for r, n := range s.Drops {
			counter("socket_drops_total", n, sock, DropReason(r).String())
		}
		gauge("socket_queue_messages", float64(s.QueueIn), sock, "in")
		gauge("socket_queue_messages", float64(s.QueueOut), sock, "out")
		gauge("socket_peers", float64(s.Peers), sock)
		counter("socket_accepts_total", s.Accepted, sock)
		counter("socket_connects_total", s.Connected, sock)
		counter("socket_reconnects_total", s.Reconnects, sock)
		counter("socket_disconnects_total", s.Disconnects, sock)
		for r, n := range s.HandshakeFailures {
			counter("socket_handshake_failures_total", n, sock, HandshakeFailure(r).String())
		}
		counter("socket_heartbeat_timeouts_total", s.HeartbeatTimeouts, sock)
		if s.Type == REQ {
			counter("requester_retries_total", s.Retries, sock)
			counter("requester_give_ups_total", s.GiveUps, sock)
			buckets := make(map[float64]uint64, len(rttBuckets))
			var cum uint64
			for i, b := range rttBuckets {
				cum += s.RTT[i]
				buckets[b] = cum
			}
			ch <- prometheus.MustNewConstHistogram(c.descs["request_duration_seconds"], s.RTTCount, s.RTTSum.Seconds(), buckets, sock)
		}
		for _, l := range s.Links {
			connected := 0.0
			if l.Connected {
				connected = 1
			}
			gauge("peer_connected", connected, sock, l.Peer)
			counter("peer_messages_received_total", l.MsgsIn, sock, l.Peer)
			counter("peer_messages_sent_total", l.MsgsOut, sock, l.Peer)
			counter("peer_bytes_received_total", l.BytesIn, sock, l.Peer)
			counter("peer_bytes_sent_total", l.BytesOut, sock, l.Peer)
			gauge("peer_queue_messages", float64(l.QueueIn), sock, l.Peer, "in")
			gauge("peer_queue_messages", float64(l.QueueOut), sock, l.Peer, "out")
		}
	}
	ready := 0.0
	if c.ready == nil || c.ready() == nil {
		ready = 1
	}
	gauge("node_ready", ready)
}

// Ready returns nil when every open named socket has every connect
// endpoint connected, else an error naming those that are not.
func Ready() error {
	var missing []string
	for _, s := range Stats() {
		if !s.Live {
			continue
		}
		for _, l := range s.Links {
			if l.Connect && !l.Connected {
				missing = append(missing, s.Name+" → "+l.Peer)
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("not connected: %s", strings.Join(missing, ", "))
	}
	return nil
}

// A MetricsServer serves a node's metrics over HTTP.
type MetricsServer struct {
	srv    *http.Server
	addr   string
	opened atomic.Bool
	done   chan struct{}
}

// ServeMetrics listens on addr (host:port; port 0 picks one) and serves,
// until Close:
//
//	/metrics  the sockets' counters (Prometheus text format), with Go's
//	          and the process's own collectors
//	/healthz  200 while the process serves
//	/readyz   200 once Opened was called (every bind listening) and every
//	          connect endpoint has a connection; 503 and why, otherwise
func ServeMetrics(addr string, labels MetricsLabels, log *slog.Logger) (*MetricsServer, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	m := &MetricsServer{addr: l.Addr().String(), done: make(chan struct{})}
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		NewCollector(labels, m.ready),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintln(w, "ok") })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if err := m.ready(); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	m.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	go func() {
		defer close(m.done)
		if err := m.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("metrics: server stopped", "err", err)
		}
	}()
	log.Info("metrics listening", "addr", "http://"+m.addr)
	return m, nil
}

// Addr is the address the server listens on, with the real port.
func (m *MetricsServer) Addr() string { return m.addr }

// Opened says that every socket of the node is open: its binds listen.
func (m *MetricsServer) Opened() { m.opened.Store(true) }

func (m *MetricsServer) ready() error {
	if !m.opened.Load() {
		return errors.New("sockets not open yet")
	}
	return Ready()
}

// Close stops the server.
func (m *MetricsServer) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := m.srv.Shutdown(ctx)
	<-m.done
	return err
}
