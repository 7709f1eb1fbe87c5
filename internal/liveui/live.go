package liveui

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Proc states, as the supervisor reports them.
const (
	StateStarting   = "starting"
	StateRunning    = "running"
	StateRestarting = "restarting"
	StateExited     = "exited" // with status 0: done
	StateFailed     = "failed"
	StateStopped    = "stopped"
)

// A Proc is one process of a node, as the supervisor sees it. Its methods
// are safe for concurrent use.
type Proc struct {
	Name    string // "worker.1"
	Node    string
	Replica int

	mu       sync.Mutex
	state    string
	restarts int
	metrics  string // base URL of its metrics endpoint, once it logged it
}

// NewProc returns a Proc in state starting.
func NewProc(name, node string, replica int) *Proc {
	return &Proc{Name: name, Node: node, Replica: replica, state: StateStarting}
}

// SetState records the process's state; restarting counts a restart. A
// nil Proc ignores it.
func (p *Proc) SetState(state string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if state == StateRestarting {
		p.restarts++
	}
	if state == StateRunning {
		p.metrics = "" // a new process listens elsewhere
	}
	p.state = state
}

// WatchLine reads one line of the process's log for the address of its
// metrics endpoint ("msg=\"metrics listening\" ... addr=http://...", or
// the same in JSON).
func (p *Proc) WatchLine(line []byte) {
	if p == nil {
		return
	}
	s := string(line)
	if !strings.Contains(s, "metrics listening") {
		return
	}
	i := strings.Index(s, "http://")
	if i < 0 {
		return
	}
	u := s[i:]
	if j := strings.IndexAny(u, " \"\n"); j >= 0 {
		u = u[:j]
	}
	if _, err := url.Parse(u); err != nil {
		return
	}
	p.mu.Lock()
	p.metrics = u
	p.mu.Unlock()
}

func (p *Proc) snapshot() (state string, restarts int, metrics string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state, p.restarts, p.metrics
}

// Live is what /api/live returns.
type Live struct {
	Time  time.Time            `json:"time"`
	Nodes map[string]*NodeLive `json:"nodes"`
	Edges map[string]*EdgeLive `json:"edges"`
	// Totals over the topology.
	Rate  float64 `json:"rate"`
	Drops float64 `json:"drops"`
}

// NodeLive is a node's state.
type NodeLive struct {
	State    string  `json:"state"` // the worst of its processes'
	Replicas int     `json:"replicas"`
	Running  int     `json:"running"`
	Ready    int     `json:"ready"`
	Restarts int     `json:"restarts"`
	Rate     float64 `json:"rate"` // messages per second in and out
	Scraped  int     `json:"scraped"`
}

// EdgeLive is an edge's numbers.
type EdgeLive struct {
	Rate     float64 `json:"rate"`     // messages per second the way the edge points
	RateBack float64 `json:"rateBack"` // the other way (edges that carry both)
	Total    float64 `json:"total"`    // messages so far, the way the edge points
	Drops    float64 `json:"drops"`    // messages the sending socket dropped so far
	DropRate float64 `json:"dropRate"`
	Queue    float64 `json:"queue"` // messages queued on the edge now
	Up       bool    `json:"up"`    // every connecting process is connected
}

// sample is one scrape of every process, summed per key.
type sample struct {
	at time.Time
	v  map[string]float64
}

// key names a summed value in a sample.
func key(parts ...string) string { return strings.Join(parts, "\x00") }

// scrapeAll reads every process's metrics and returns their sums by the
// keys the edges and nodes look up, and which processes answered.
func scrapeAll(ctx context.Context, client *http.Client, procs []*Proc) (map[string]float64, map[*Proc]bool) {
	out := map[string]float64{}
	ok := map[*Proc]bool{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range procs {
		_, _, base := p.snapshot()
		if base == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fams, err := scrape(ctx, client, base+"/metrics")
			if err != nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			ok[p] = true
			add := func(k string, v float64) { out[k] += v }
			for name, f := range fams {
				name = strings.TrimPrefix(name, "zmqgen_")
				for _, m := range f.GetMetric() {
					l := map[string]string{}
					for _, lp := range m.GetLabel() {
						l[lp.GetName()] = lp.GetValue()
					}
					v := value(m)
					sock := l["socket"]
					switch name {
					case "peer_messages_sent_total", "peer_messages_received_total", "peer_connected", "peer_queue_messages":
						// By the peer's port, and over every peer (anyPort)
						// for an edge whose endpoint -set changed.
						for _, pt := range []string{port(l["peer"]), anyPort} {
							add(key(name, p.Node, sock, pt), v)
							if name == "peer_connected" && l["peer"] != "other" {
								add(key("peer_series", p.Node, sock, pt), 1)
							}
						}
					case "socket_drops_total":
						add(key(name, p.Node, sock), v)
					case "socket_queue_messages", "socket_messages_sent_total", "socket_messages_received_total":
						add(key(name, p.Node, sock), v)
						add(key(name, p.Node), v)
					case "node_ready":
						add(key(name, p.Node), v)
					}
				}
			}
		}()
	}
	wg.Wait()
	return out, ok
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}

// anyPort keys the sums over every peer of a socket.
const anyPort = "*"

// port is the port of an endpoint ("tcp://localhost:5558" → "5558"); an
// address without one is itself.
func port(ep string) string {
	addr := ep
	if _, a, ok := strings.Cut(ep, "://"); ok {
		addr = a
	}
	if _, p, err := net.SplitHostPort(addr); err == nil {
		return p
	}
	return addr
}

func scrape(ctx context.Context, client *http.Client, u string) (map[string]*dto.MetricFamily, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", u, resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	return p.TextToMetricFamilies(resp.Body)
}

// compute turns the latest sample (and the one before, for rates) into
// what the page shows.
func compute(g *Graph, procs []*Proc, cur, prev *sample, answered map[*Proc]bool) *Live {
	live := &Live{Time: cur.at, Nodes: map[string]*NodeLive{}, Edges: map[string]*EdgeLive{}}
	dt := 0.0
	if prev != nil {
		dt = cur.at.Sub(prev.at).Seconds()
	}
	rate := func(k string) float64 {
		if prev == nil || dt <= 0 {
			return 0
		}
		d := cur.v[k] - prev.v[k]
		if d < 0 { // a process restarted: its counters began again
			return 0
		}
		return d / dt
	}
	byName := map[string]*Node{}
	for _, n := range g.Nodes {
		byName[n.Name] = n
		live.Nodes[n.ID] = &NodeLive{State: StateStopped}
	}
	worst := map[string]int{StateFailed: 6, StateRestarting: 5, StateStarting: 4, StateStopped: 3, StateExited: 2, StateRunning: 1, "ready": 0}
	seen := map[string]bool{}
	for _, p := range procs {
		n := byName[p.Node]
		if n == nil {
			continue
		}
		nl := live.Nodes[n.ID]
		state, restarts, _ := p.snapshot()
		nl.Replicas++
		nl.Restarts += restarts
		if state == StateRunning {
			nl.Running++
		}
		if answered[p] {
			nl.Scraped++
		}
		if !seen[n.ID] || worst[state] > worst[nl.State] {
			nl.State = state
		}
		seen[n.ID] = true
	}
	for _, n := range g.Nodes {
		nl := live.Nodes[n.ID]
		nl.Ready = int(cur.v[key("node_ready", n.Name)])
		nl.Rate = rate(key("socket_messages_sent_total", n.Name)) + rate(key("socket_messages_received_total", n.Name))
		if nl.State == StateRunning && nl.Replicas > 0 && nl.Ready == nl.Replicas {
			nl.State = "ready"
		}
	}
	edgesOf := map[string]int{}
	for _, e := range g.Edges {
		edgesOf[key(e.ConnNode, e.ConnSocket)]++
	}
	for _, e := range g.Edges {
		el := &EdgeLive{}
		fwd, back := "peer_messages_sent_total", "peer_messages_received_total"
		if !e.ConnectorSends {
			fwd, back = back, fwd
		}
		pt := e.Port
		if cur.v[key("peer_series", e.ConnNode, e.ConnSocket, pt)] == 0 && edgesOf[key(e.ConnNode, e.ConnSocket)] == 1 {
			// The endpoint is not the topology's (up -set): the socket's
			// only edge is all its peers.
			pt = anyPort
		}
		fk := key(fwd, e.ConnNode, e.ConnSocket, pt)
		el.Rate = rate(fk)
		el.Total = cur.v[fk]
		if e.Both {
			el.RateBack = rate(key(back, e.ConnNode, e.ConnSocket, pt))
		}
		sender, sendSock := e.ConnNode, e.ConnSocket
		if !e.ConnectorSends {
			sender, sendSock = e.BindNode, e.BindSocket
		}
		dk := key("socket_drops_total", sender, sendSock)
		el.Drops = cur.v[dk]
		el.DropRate = rate(dk)
		el.Queue = cur.v[key("peer_queue_messages", e.ConnNode, e.ConnSocket, pt)] +
			cur.v[key("socket_queue_messages", e.BindNode, e.BindSocket)]
		series := cur.v[key("peer_series", e.ConnNode, e.ConnSocket, pt)]
		el.Up = series > 0 && cur.v[key("peer_connected", e.ConnNode, e.ConnSocket, pt)] == series
		live.Edges[e.ID] = el
		live.Rate += el.Rate + el.RateBack
		live.Drops += el.Drops
	}
	return live
}
