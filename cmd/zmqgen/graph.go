package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/zmqgen/zmqgen/dsl/model"
)

const graphUsage = `usage: zmqgen graph [-format mermaid|dot] [-contracts] FILE|DIR

Graph prints a picture of the topology in FILE (a .ztopo file) or DIR (a
directory holding exactly one): a box per node ("consumer ×2" when it has
replicas) holding a box per socket with its type and endpoints, and an
edge for every connection between two sockets of the topology. An edge
points the way messages flow and is labelled with the message types and,
for a SUB socket, its subscriptions; a request/reply pair is drawn both
ways, labelled "Request →" and "← Reply". An edge secured with CURVE is
labelled "secured: CURVE", and its sockets say "curve server" or "curve client".

The output is deterministic, so it can be kept beside the topology and
reviewed in diffs.

Flags:

	-format mermaid   a Mermaid flowchart (the default); code hosts render
	                  it in a Markdown file inside a mermaid code block
	-format dot       a Graphviz digraph, for dot -Tsvg
	-contracts        label each edge with the fingerprint of its contract
	                  ("contract 0f98de02f9f897d9"): the socket types and
	                  what each end sends, which the two ends exchange when
	                  they connect; a node built from a version whose
	                  fingerprint differs is refused

Exit status: 0 on success, 1 when the topology has errors (they are
printed as file:line:col: error: message), 2 on a wrong command line.
`

func runGraph(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("graph")
	format := fl.String("format", "mermaid", "")
	contracts := fl.Bool("contracts", false, "")
	files, code, done := parseInterleaved(fl, args, graphUsage, stdout, stderr)
	if done {
		return code
	}
	if len(files) != 1 {
		return usageError(stderr, "graph", graphUsage, "want one FILE or DIR")
	}
	render := mermaidPicture
	switch *format {
	case "mermaid":
	case "dot":
		render = dotPicture
	default:
		return usageError(stderr, "graph", graphUsage, "unknown format %q (want mermaid or dot)", *format)
	}
	_, topo, ok := loadOne("graph", files[0], stderr)
	if !ok {
		return exitFail
	}
	p := newPicture(topo)
	if *contracts {
		p.addContracts(topo)
	}
	io.WriteString(stdout, render(p))
	return exitOK
}

// addContracts adds to each edge's label the contract fingerprint its two
// ends exchange when they connect (dsl/model's Edge.Fingerprint, sent by
// runtime.WithContract), for an operator comparing versions.
func (p *picture) addContracts(t *model.Topology) {
	for i, e := range p.edges {
		fp := t.Edges[p.edgeIndex[i]].Fingerprint()
		p.edges[i].lines = append(e.lines, "contract "+fp)
	}
}

// A picture is what both renderers draw: the topology reduced to groups of
// labelled boxes and labelled edges, with identifiers that are safe in
// Mermaid and dot alike.
type picture struct {
	title  string
	groups []pictureGroup
	edges  []pictureEdge
	// edgeIndex maps each edge of the picture to its first model edge.
	edgeIndex []int
}

// A pictureGroup is one node of the topology.
type pictureGroup struct {
	id, label string
	boxes     []pictureBox // its sockets; none for a node without sockets
}

// A pictureBox is one socket.
type pictureBox struct {
	id    string
	lines []string
}

// edgeDir is which way an edge's arrow points.
type edgeDir int

const (
	dirNone    edgeDir = iota // no declared message flows either way
	dirForward                // from → to
	dirBoth                   // from ↔ to, e.g. REQ/REP
)

// A pictureEdge is one connection between two sockets.
type pictureEdge struct {
	from, to string
	dir      edgeDir
	lines    []string
}

// newPicture lays out t. Identifiers are readable ("s_server1_rep") when
// that is unambiguous; when two would collide (node "a_b" socket "c" and
// node "a" socket "b_c"), or a name has characters an identifier cannot
// hold, every identifier is numbered instead, so the output stays valid.
func newPicture(t *model.Topology) *picture {
	p := buildPicture(t, func(n *model.Node, _ int) string { return "n_" + n.Name },
		func(s *model.Socket, _, _ int) string { return "s_" + s.Node.Name + "_" + s.Name })
	if p.idsOK() {
		return p
	}
	return buildPicture(t, func(_ *model.Node, i int) string { return "n" + strconv.Itoa(i) },
		func(_ *model.Socket, i, j int) string { return "s" + strconv.Itoa(i) + "_" + strconv.Itoa(j) })
}

func buildPicture(t *model.Topology, nodeID func(*model.Node, int) string, sockID func(*model.Socket, int, int) string) *picture {
	p := &picture{title: t.Name}
	ids := make(map[*model.Socket]string)
	for i, n := range t.Nodes {
		g := pictureGroup{id: nodeID(n, i), label: nodeLabel(n)}
		for j, s := range n.Sockets {
			id := sockID(s, i, j)
			ids[s] = id
			g.boxes = append(g.boxes, pictureBox{id: id, lines: socketLines(s)})
		}
		p.groups = append(p.groups, g)
	}
	// The model has an edge per address: a socket that connects to one
	// that binds two addresses, or to the same one by reference and by
	// literal address, makes several. They carry the same messages, so
	// the picture draws one.
	drawn := make(map[[2]*model.Socket]bool)
	for i, e := range t.Edges {
		from, to := ids[e.From], ids[e.To]
		if from == "" || to == "" || drawn[[2]*model.Socket{e.From, e.To}] {
			continue // an edge joins two sockets of the topology (the model promises it)
		}
		drawn[[2]*model.Socket{e.From, e.To}] = true
		p.edges = append(p.edges, flowEdge(e, from, to))
		p.edgeIndex = append(p.edgeIndex, i)
	}
	return p
}

// idsOK reports whether every identifier of p is distinct and made of
// ASCII letters, digits and underscores.
func (p *picture) idsOK() bool {
	seen := make(map[string]bool)
	ok := func(id string) bool {
		if seen[id] || id == "" {
			return false
		}
		seen[id] = true
		for _, r := range id {
			if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
		return true
	}
	for _, g := range p.groups {
		if !ok(g.id) {
			return false
		}
		for _, b := range g.boxes {
			if !ok(b.id) {
				return false
			}
		}
	}
	return true
}

func nodeLabel(n *model.Node) string {
	if n.Replicas > 1 {
		return fmt.Sprintf("%s ×%d", n.Name, n.Replicas)
	}
	return n.Name
}

// socketLines is a socket's label: its name and type, then every endpoint
// with its side. A connect written as a reference shows the reference,
// which says more than the address it resolves to.
func socketLines(s *model.Socket) []string {
	lines := []string{s.Name + " " + s.Type.String()}
	for _, e := range s.Binds {
		lines = append(lines, "bind "+e.Addr)
	}
	shown := make(map[*model.Socket]bool)
	for _, e := range s.Connects {
		if e.Ref != nil {
			// A reference to a socket that binds several addresses
			// resolves to one endpoint per address; it was written once.
			if !shown[e.Ref] {
				lines = append(lines, "connect "+e.Ref.Node.Name+"."+e.Ref.Name)
			}
			shown[e.Ref] = true
		} else {
			lines = append(lines, "connect "+e.Addr)
		}
	}
	if c := s.Curve; c != nil {
		lines = append(lines, map[bool]string{true: "curve server", false: "curve client"}[c.Server])
	}
	return lines
}

// flowEdge draws e the way its messages flow. The model's edge goes from
// the connecting socket to the binding one, which is an accident of
// deployment; a reader wants to see where messages go (publisher →
// subscriber whichever side binds).
func flowEdge(e *model.Edge, from, to string) pictureEdge {
	fwd := len(e.From.Send) > 0 && len(e.To.Recv) > 0
	back := len(e.To.Send) > 0 && len(e.From.Recv) > 0
	pe := pictureEdge{from: from, to: to}
	switch {
	case fwd && back:
		pe.dir = dirBoth
		pe.lines = []string{msgLabel(e.From.Send) + " →", "← " + msgLabel(e.To.Send)}
	case fwd:
		pe.dir = dirForward
		pe.lines = []string{msgLabel(e.From.Send)}
	case back:
		pe.dir = dirForward
		pe.from, pe.to = to, from
		pe.lines = []string{msgLabel(e.To.Send)}
	}
	for _, s := range []*model.Socket{e.From, e.To} {
		if !s.Type.Subscribes() {
			continue
		}
		for _, f := range s.Subscribe {
			pe.lines = append(pe.lines, "subscribe "+strconv.Quote(f))
		}
	}
	if e.Secured() {
		pe.lines = append(pe.lines, "secured: CURVE")
	}
	return pe
}

// msgLabel names the types a socket sends, in declaration order:
// "Ready | Routed".
func msgLabel(ms []*model.Message) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name
	}
	return strings.Join(names, " | ")
}

// renderMermaid draws t as a Mermaid flowchart: left to right, a subgraph
// per node, every label quoted and escaped with Mermaid's entity codes, so
// that names and addresses cannot break the syntax.
func renderMermaid(t *model.Topology) string { return mermaidPicture(newPicture(t)) }

func mermaidPicture(p *picture) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\ntitle: %s\n---\nflowchart LR\n", strconv.Quote(p.title))
	for _, g := range p.groups {
		if len(g.boxes) == 0 {
			fmt.Fprintf(&b, "    %s[%s]\n", g.id, mermaidText([]string{g.label}))
			continue
		}
		fmt.Fprintf(&b, "    subgraph %s [%s]\n", g.id, mermaidText([]string{g.label}))
		for _, box := range g.boxes {
			fmt.Fprintf(&b, "        %s[%s]\n", box.id, mermaidText(box.lines))
		}
		b.WriteString("    end\n")
	}
	for _, e := range p.edges {
		arrow := map[edgeDir]string{dirNone: "---", dirForward: "-->", dirBoth: "<-->"}[e.dir]
		if len(e.lines) > 0 {
			arrow += "|" + mermaidText(e.lines) + "|"
		}
		fmt.Fprintf(&b, "    %s %s %s\n", e.from, arrow, e.to)
	}
	return b.String()
}

// mermaidEscaper replaces what could end or reinterpret a quoted Mermaid
// label: quotes, entity and HTML syntax, the edge-label bar, and a
// backtick (which would turn the label into Markdown).
var mermaidEscaper = strings.NewReplacer(
	`#`, "#35;",
	`"`, "#quot;",
	`&`, "#amp;",
	`<`, "#lt;",
	`>`, "#gt;",
	`|`, "#124;",
	"`", "#96;",
	"\n", " ",
)

// mermaidText is lines as one quoted Mermaid label.
func mermaidText(lines []string) string {
	esc := make([]string, len(lines))
	for i, l := range lines {
		esc[i] = mermaidEscaper.Replace(l)
	}
	return `"` + strings.Join(esc, "<br>") + `"`
}

// renderDot draws t as a Graphviz digraph: left to right, a cluster per
// node, a box per socket.
func renderDot(t *model.Topology) string { return dotPicture(newPicture(t)) }

func dotPicture(p *picture) string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %s {\n\trankdir=LR;\n\tnode [shape=box];\n", dotText([]string{p.title}))
	for _, g := range p.groups {
		if len(g.boxes) == 0 {
			fmt.Fprintf(&b, "\t%s [label=%s];\n", g.id, dotText([]string{g.label}))
			continue
		}
		fmt.Fprintf(&b, "\tsubgraph cluster_%s {\n\t\tlabel=%s;\n", g.id, dotText([]string{g.label}))
		for _, box := range g.boxes {
			fmt.Fprintf(&b, "\t\t%s [label=%s];\n", box.id, dotText(box.lines))
		}
		b.WriteString("\t}\n")
	}
	for _, e := range p.edges {
		var attrs []string
		switch e.dir {
		case dirNone:
			attrs = append(attrs, "dir=none")
		case dirBoth:
			attrs = append(attrs, "dir=both")
		}
		if len(e.lines) > 0 {
			attrs = append(attrs, "label="+dotText(e.lines))
		}
		fmt.Fprintf(&b, "\t%s -> %s", e.from, e.to)
		if len(attrs) > 0 {
			fmt.Fprintf(&b, " [%s]", strings.Join(attrs, ", "))
		}
		b.WriteString(";\n")
	}
	b.WriteString("}\n")
	return b.String()
}

// dotEscaper escapes text for a dot quoted string, where a backslash
// starts an escape such as \n or \l.
var dotEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// dotText is lines as one quoted dot string, one line per "\n".
func dotText(lines []string) string {
	esc := make([]string, len(lines))
	for i, l := range lines {
		esc[i] = dotEscaper.Replace(l)
	}
	return `"` + strings.Join(esc, `\n`) + `"`
}
