package main

// up -ui: the live picture of the running topology (internal/liveui).
// Up gives every node -metrics.addr=127.0.0.1:0, learns each process's
// metrics address from the line it logs, and tells the page each
// process's state.

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/zmqgen/zmqgen/dsl/model"
	"github.com/zmqgen/zmqgen/internal/liveui"
)

// uiMetricsArg is what up passes every node when it serves the page.
const uiMetricsArg = "-metrics.addr=127.0.0.1:0"

// liveGraph is the topology as `zmqgen graph` draws it (newPicture's
// identifiers and flowEdge's directions and labels), with where each
// edge's numbers are in the nodes' metrics.
func liveGraph(t *model.Topology) *liveui.Graph {
	p := newPicture(t)
	g := &liveui.Graph{Title: t.Name}
	ids := map[*model.Socket]string{}
	for i, n := range t.Nodes {
		grp := p.groups[i]
		ln := &liveui.Node{ID: grp.id, Name: n.Name, Replicas: max(n.Replicas, 1)}
		for j, s := range n.Sockets {
			box := grp.boxes[j]
			ids[s] = box.id
			ln.Sockets = append(ln.Sockets, &liveui.Socket{ID: box.id, Name: s.Name, Type: s.Type.String(), Info: box.lines[1:]})
		}
		g.Nodes = append(g.Nodes, ln)
	}
	drawn := map[[2]*model.Socket]bool{}
	for _, e := range t.Edges {
		if ids[e.From] == "" || ids[e.To] == "" || drawn[[2]*model.Socket{e.From, e.To}] {
			continue
		}
		drawn[[2]*model.Socket{e.From, e.To}] = true
		pe := flowEdge(e, ids[e.From], ids[e.To])
		port := e.Addr
		if _, a, ok := strings.Cut(e.Addr, "://"); ok {
			if _, pt, err := net.SplitHostPort(a); err == nil {
				port = pt
			}
		}
		g.Edges = append(g.Edges, &liveui.Edge{
			ID:   "e" + strconv.Itoa(len(g.Edges)),
			From: pe.from, To: pe.to,
			Both:  pe.dir == dirBoth,
			Label: pe.lines,
			// The model's edge goes from the connecting socket to the
			// binding one.
			ConnNode: e.From.Node.Name, ConnSocket: e.From.Name,
			BindNode: e.To.Node.Name, BindSocket: e.To.Name,
			Port:           port,
			ConnectorSends: pe.from == ids[e.From],
		})
	}
	return g
}

// startUI serves the page on addr for the processes of plan, which it
// gives a liveui.Proc each and the metrics flag; it returns the server.
func startUI(addr string, t *model.Topology, plan []*proc, stderr io.Writer) (*liveui.Server, error) {
	var procs []*liveui.Proc
	for _, p := range plan {
		replica := 0
		if _, r, ok := strings.Cut(p.name, "."); ok {
			replica, _ = strconv.Atoi(r)
		}
		p.ui = liveui.NewProc(p.name, p.node, replica)
		p.args = append([]string{uiMetricsArg}, p.args...)
		procs = append(procs, p.ui)
	}
	s := liveui.New(liveGraph(t), procs)
	if err := s.Listen(addr); err != nil {
		return nil, fmt.Errorf("-ui: %w", err)
	}
	fmt.Fprintf(stderr, "zmqgen up: live view at http://%s/\n", s.Addr())
	return s, nil
}
