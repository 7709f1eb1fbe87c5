// Package liveui serves the live picture of a running topology that
// `zmqgen up -ui` shows: the topology's graph, laid out once, with each
// edge's messages per second, drops and queue depth, and each node's
// replicas, restarts and state, read from the nodes' metrics endpoints
// (runtime.ServeMetrics) and refreshed twice a second. The page is static
// files embedded in the binary; it fetches /api/graph once and /api/live
// on every refresh.
package liveui

import (
	"cmp"
	"slices"
)

// A Graph is the topology as the page draws it: what `zmqgen graph`
// computes (a group per node, a box per socket, an edge per pair of
// connected sockets, pointing the way messages flow), plus what the live
// numbers need to find each edge in the metrics.
type Graph struct {
	Title string  `json:"title"`
	Nodes []*Node `json:"nodes"`
	Edges []*Edge `json:"edges"`
	// Width and Height are the laid-out picture's size.
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// A Node is one node of the topology.
type Node struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Replicas int       `json:"replicas"`
	Sockets  []*Socket `json:"sockets"`
	// Layout.
	X    float64 `json:"x"`
	Y    float64 `json:"y"`
	W    float64 `json:"w"`
	H    float64 `json:"h"`
	Rank int     `json:"rank"`
}

// A Socket is one socket of a node.
type Socket struct {
	ID   string   `json:"id"`
	Name string   `json:"name"`
	Type string   `json:"type"`
	Info []string `json:"info"` // bind and connect lines
	Y    float64  `json:"y"`    // centre, relative to the node
}

// An Edge joins two sockets. From and To are the sockets in the direction
// messages flow (both ways when Both).
type Edge struct {
	ID    string   `json:"id"`
	From  string   `json:"from"` // socket IDs
	To    string   `json:"to"`
	Both  bool     `json:"both"`
	Label []string `json:"label"` // message types, subscriptions
	// Where the metrics of the edge are: the connecting socket's series
	// for the peer whose endpoint has Port, sending when ConnectorSends.
	ConnNode, ConnSocket string `json:"-"`
	BindNode, BindSocket string `json:"-"`
	Port                 string `json:"-"`
	ConnectorSends       bool   `json:"-"`
}

// Layout constants, in SVG user units.
const (
	nodeW  = 214.0
	headH  = 44.0
	sockH  = 27.0
	padB   = 10.0
	colGap = 196.0
	rowGap = 28.0
	margin = 30.0
)

// layout places the nodes in columns by rank (the longest path of message
// flow that reaches them, so sources are on the left and sinks on the
// right), orders each column to shorten edges, and wraps tall columns.
func (g *Graph) layout() {
	byID := map[string]*Node{}
	sockNode := map[string]*Node{}
	for _, n := range g.Nodes {
		byID[n.ID] = n
		for _, s := range n.Sockets {
			sockNode[s.ID] = n
		}
	}
	// Node-level edges, without self loops and duplicates.
	type pair struct{ a, b *Node }
	seen := map[pair]bool{}
	succ := map[*Node][]*Node{}
	pred := map[*Node][]*Node{}
	for _, e := range g.Edges {
		a, b := sockNode[e.From], sockNode[e.To]
		if a == nil || b == nil || a == b || seen[pair{a, b}] {
			continue
		}
		seen[pair{a, b}] = true
		succ[a] = append(succ[a], b)
		pred[b] = append(pred[b], a)
	}
	// Break cycles: a depth-first search in declaration order drops the
	// edges that go back to a node on the current path.
	const white, grey, black = 0, 1, 2
	colour := map[*Node]int{}
	dag := map[*Node][]*Node{}
	var visit func(n *Node)
	visit = func(n *Node) {
		colour[n] = grey
		for _, m := range succ[n] {
			switch colour[m] {
			case white:
				dag[n] = append(dag[n], m)
				visit(m)
			case black:
				dag[n] = append(dag[n], m)
			}
		}
		colour[n] = black
	}
	for _, n := range g.Nodes {
		if colour[n] == white && len(pred[n]) == 0 {
			visit(n)
		}
	}
	for _, n := range g.Nodes {
		if colour[n] == white {
			visit(n)
		}
	}
	// Longest path ranks, in topological order.
	indeg := map[*Node]int{}
	for _, ms := range dag {
		for _, m := range ms {
			indeg[m]++
		}
	}
	var queue []*Node
	for _, n := range g.Nodes {
		if indeg[n] == 0 {
			queue = append(queue, n)
		}
	}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		for _, m := range dag[n] {
			m.Rank = max(m.Rank, n.Rank+1)
			if indeg[m]--; indeg[m] == 0 {
				queue = append(queue, m)
			}
		}
	}
	maxRank := 0
	for _, n := range g.Nodes {
		maxRank = max(maxRank, n.Rank)
	}
	cols := make([][]*Node, maxRank+1)
	for _, n := range g.Nodes {
		cols[n.Rank] = append(cols[n.Rank], n)
	}
	// Order each column by the mean position of its neighbours in the
	// columns before it (barycentre), a few sweeps.
	pos := map[*Node]float64{}
	for _, col := range cols {
		for i, n := range col {
			pos[n] = float64(i)
		}
	}
	for sweep := 0; sweep < 4; sweep++ {
		for r := 1; r < len(cols); r++ {
			bary := map[*Node]float64{}
			for _, n := range cols[r] {
				sum, k := 0.0, 0
				for _, m := range pred[n] {
					if m.Rank < r {
						sum += pos[m]
						k++
					}
				}
				if k > 0 {
					bary[n] = sum / float64(k)
				} else {
					bary[n] = pos[n]
				}
			}
			slices.SortStableFunc(cols[r], func(a, b *Node) int { return cmp.Compare(bary[a], bary[b]) })
			for i, n := range cols[r] {
				pos[n] = float64(i)
			}
		}
	}
	// Sizes and coordinates. A column of more than m nodes is wrapped
	// into several side by side, m chosen so that the whole picture fits
	// a 16:9 screen at the largest scale.
	for _, n := range g.Nodes {
		n.W = nodeW
		n.H = headH + float64(len(n.Sockets))*sockH + padB
		for i, s := range n.Sockets {
			s.Y = headH + float64(i)*sockH + sockH/2
		}
	}
	best, bestK := len(g.Nodes), 0.0
	for m := 1; m <= max(len(g.Nodes), 1); m++ {
		w, h := place(cols, m, false)
		if k := min(1600/w, 900/h); k > bestK+1e-9 {
			best, bestK = m, k
		}
	}
	g.Width, g.Height = place(cols, best, true)
}

// place lays the columns out with at most m nodes per column and returns
// the picture's size; it moves the nodes only if set.
func place(cols [][]*Node, m int, set bool) (float64, float64) {
	var placed [][]*Node
	for _, col := range cols {
		for len(col) > 0 {
			k := min(len(col), m)
			placed = append(placed, col[:k])
			col = col[k:]
		}
	}
	heights := make([]float64, len(placed))
	height := 0.0
	for i, col := range placed {
		h := 0.0
		for _, n := range col {
			h += n.H + rowGap
		}
		heights[i] = h - rowGap
		height = max(height, heights[i])
	}
	x := margin
	for i, col := range placed {
		y := margin + (height-heights[i])/2
		for _, n := range col {
			if set {
				n.X, n.Y = x, y
			}
			y += n.H + rowGap
		}
		x += nodeW + colGap
	}
	return x - colGap + margin, height + 2*margin
}
