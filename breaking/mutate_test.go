package breaking

// Single-edit mutations of a topology's source, for the mutation test.
// Each edit is made on the canonical layout zmqgen fmt gives (the shipped
// topologies are formatted), as a person would make it, and records what
// it renamed, so that the wire simulation knows which old and new things
// are the same program, socket, message or field.

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/zmqgen/zmqgen/dsl/model"
)

type mutation struct {
	topo string // the shipped topology's name
	kind string // the kind of edit, for the table
	desc string
	src  []byte
	// ids maps a renamed thing's new name to its old one: "m:Msg",
	// "f:Msg.field" (new message name), "n:node", "s:node.socket" (new
	// node name).
	ids map[string]string
	// timing marks edits whose effect is a matter of time (heartbeat,
	// retry), classified by the arithmetic of the policies, not sockets.
	timing bool
}

type editor struct {
	name  string
	lines []string
	out   []mutation
}

func (e *editor) add(kind, desc string, lines []string, ids map[string]string, timing bool) {
	e.out = append(e.out, mutation{topo: e.name, kind: kind, desc: desc,
		src: []byte(strings.Join(lines, "\n")), ids: ids, timing: timing})
}

// find returns the index of the first line matching re at or after from
// and before to (-1 if none).
func find(lines []string, re *regexp.Regexp, from, to int) int {
	for i := from; i < to && i < len(lines); i++ {
		if re.MatchString(lines[i]) {
			return i
		}
	}
	return -1
}

// blockEnd returns the index of the line closing the block opened on
// line i, whose indent is the opening line's.
func blockEnd(lines []string, i int) int {
	if !strings.HasSuffix(strings.TrimSpace(lines[i]), "{") {
		return i
	}
	indent := lines[i][:len(lines[i])-len(strings.TrimLeft(lines[i], " "))]
	for j := i + 1; j < len(lines); j++ {
		if lines[j] == indent+"}" {
			return j
		}
	}
	return len(lines) - 1
}

func clone(lines []string) []string { return append([]string(nil), lines...) }

func splice(lines []string, i, j int, repl ...string) []string {
	out := append(clone(lines[:i]), repl...)
	return append(out, lines[j:]...)
}

// replaceWord replaces whole-word old by new on every line that is not a
// comment.
func replaceWord(lines []string, old, new string) []string {
	re := regexp.MustCompile(`\b` + regexp.QuoteMeta(old) + `\b`)
	out := clone(lines)
	for i, l := range out {
		if !strings.HasPrefix(strings.TrimSpace(l), "//") {
			out[i] = re.ReplaceAllString(l, new)
		}
	}
	return out
}

var scalarTypes = []string{"int", "float", "string", "bool", "bytes"}

// mutate returns the single-edit mutations of a topology.
func mutate(name string, src []byte, t *model.Topology) []mutation {
	e := &editor{name: name, lines: strings.Split(string(src), "\n")}
	L := e.lines
	ids := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	// The topology.
	top := find(L, regexp.MustCompile(`^topology `), 0, len(L))
	e.add("CODE topology renamed", "topology renamed", splice(L, top, top+1, "topology "+t.Name+"x"), nil, false)
	e.add("safe comments", "a comment added", splice(L, top+1, top+1, "", "// A note for readers."), nil, false)

	for _, m := range t.Messages {
		i := find(L, regexp.MustCompile(`^message `+m.Name+` = `), 0, len(L))
		if i < 0 {
			continue
		}
		j := blockEnd(L, i)
		decl := func(body ...string) []string { return splice(L, i, j+1, body...) }
		h := "message " + m.Name + " = "
		switch m.Kind {
		case model.String:
			e.add("WIRE kind", m.Name+" string→bytes", decl(h+"bytes"), nil, false)
			e.add("WIRE kind", m.Name+" string→json", decl(h+"json {", "    v string", "}"), nil, false)
			e.add("WIRE kind", m.Name+" string→multipart", decl(h+"multipart {", "    a string", "    b string", "}"), nil, false)
			e.add("WIRE kind", m.Name+" string→constant", decl(h+`"X!"`), nil, false)
		case model.Bytes:
			e.add("WIRE kind", m.Name+" bytes→string", decl(h+"string"), nil, false)
		case model.Const:
			e.add("WIRE constant", m.Name+" bytes changed", decl(h+`"\x7f"`), nil, false)
			e.add("WIRE kind", m.Name+" constant→string", decl(h+"string"), nil, false)
		case model.JSON, model.Multipart:
			e.add("WIRE kind", m.Name+" "+m.Kind.String()+"→string", decl(h+"string"), nil, false)
			other := "multipart"
			if m.Kind == model.Multipart {
				other = "json"
			}
			e.add("WIRE kind", m.Name+" "+m.Kind.String()+"→"+other, splice(L, i, i+1, h+other+" {"), nil, false)
			prefix := "WIRE json "
			if m.Kind == model.Multipart {
				prefix = "WIRE frame "
			}
			for k := i + 1; k < j; k++ {
				f := strings.Fields(L[k])
				if len(f) != 2 || strings.HasPrefix(f[0], "//") {
					continue
				}
				fname, ftype := f[0], f[1]
				e.add(prefix+"removed", m.Name+"."+fname+" removed", splice(L, k, k+1), nil, false)
				rk := "CODE frame renamed"
				if m.Kind == model.JSON {
					rk = "WIRE json renamed"
				}
				e.add(rk, m.Name+"."+fname+" renamed", splice(L, k, k+1, "    "+fname+"_x "+ftype),
					ids("f:"+m.Name+"."+fname+"_x", fname), false)
				base := strings.TrimPrefix(ftype, "[]")
				for _, st := range scalarTypes {
					if st != base && strings.HasPrefix(ftype, "[]") == false {
						e.add(prefix+"retyped", m.Name+"."+fname+" "+ftype+"→"+st, splice(L, k, k+1, "    "+fname+" "+st), nil, false)
					}
				}
				if m.Kind == model.JSON {
					if strings.HasPrefix(ftype, "[]") {
						e.add("WIRE json list/scalar", m.Name+"."+fname+" list→scalar", splice(L, k, k+1, "    "+fname+" "+base), nil, false)
					} else {
						e.add("WIRE json list/scalar", m.Name+"."+fname+" scalar→list", splice(L, k, k+1, "    "+fname+" []"+ftype), nil, false)
					}
					e.add("safe json field added", m.Name+" gains a field after "+fname, splice(L, k+1, k+1, "    "+fname+"_note string"), nil, false)
				} else {
					// Swap with the next frame (past its doc comment).
					for n := k + 1; n < j; n++ {
						if g := strings.Fields(L[n]); len(g) == 2 && !strings.HasPrefix(g[0], "//") {
							sw := clone(L)
							sw[k], sw[n] = L[n], L[k]
							e.add("WIRE frame reordered", m.Name+"."+fname+" swapped with the next frame", sw, nil, false)
							break
						}
					}
				}
			}
			if m.Kind == model.Multipart {
				e.add("WIRE frame added", m.Name+" gains a frame", splice(L, j, j, "    extra string"), nil, false)
			}
		}
		e.add("CODE message renamed", m.Name+" renamed", replaceWord(L, m.Name, m.Name+"X"), ids("m:"+m.Name+"X", m.Name), false)
	}

	for _, n := range t.Nodes {
		ni := find(L, regexp.MustCompile(`^node `+n.Name+` \{`), 0, len(L))
		if ni < 0 {
			continue
		}
		nj := blockEnd(L, ni)
		e.add("safe comments", "comment above node "+n.Name, splice(L, ni, ni, "// The "+n.Name+" node."), nil, false)
		// Removing the node: its peers' references become the literal
		// addresses it bound, which nothing in the topology binds now.
		e.add("WIRE node removed", n.Name+" removed", unref(splice(L, ni, nj+1), t, n, nil), nil, false)
		e.add("safe param added", "param added to "+n.Name, splice(L, ni+1, ni+1, "    param extra_knob int = 7"), nil, false)
		e.add("safe replicas", "replicas of "+n.Name, splice(L, ni+1, ni+1, "    replicas 4"), nil, false)
		// The node's name and the references to its sockets, nothing
		// else: a socket, message or param may have the same name.
		renamed := clone(L)
		renamed[ni] = "node " + n.Name + "x {"
		ref := regexp.MustCompile(`^(\s+connect )` + regexp.QuoteMeta(n.Name) + `\.`)
		for k := range renamed {
			renamed[k] = ref.ReplaceAllString(renamed[k], "${1}"+n.Name+"x.")
		}
		e.add("CODE node renamed", n.Name+" renamed", renamed, ids("n:"+n.Name+"x", n.Name), false)
		for k := ni + 1; k < nj; k++ {
			if f := strings.Fields(L[k]); len(f) >= 3 && f[0] == "param" {
				e.add("CODE param removed", "param "+f[1]+" of "+n.Name+" removed", splice(L, k, k+1), nil, false)
				if len(f) >= 5 {
					e.add("safe param default", "param "+f[1]+" default changed", splice(L, k, k+1, strings.Join(f[:4], " ")), nil, false)
				}
			}
		}
		for _, s := range n.Sockets {
			si := find(L, regexp.MustCompile(`^    socket `+s.Name+` [A-Z]+ \{`), ni, nj)
			if si < 0 {
				continue
			}
			sj := blockEnd(L, si)
			full := n.Name + "." + s.Name
			if len(n.Sockets) > 1 {
				e.add("WIRE socket removed", full+" removed", unref(splice(L, si, sj+1), t, n, s), nil, false)
			}
			for _, typ := range model.SocketTypes() {
				if typ != s.Type {
					e.add("type changed", full+" "+s.Type.String()+"→"+typ.String(),
						splice(L, si, si+1, "    socket "+s.Name+" "+typ.String()+" {"), nil, false)
				}
			}
			rn := regexp.MustCompile(`\b` + n.Name + `\.` + s.Name + `\b`)
			rl := clone(L)
			rl[si] = "    socket " + s.Name + "x " + s.Type.String() + " {"
			for k := range rl {
				rl[k] = rn.ReplaceAllString(rl[k], n.Name+"."+s.Name+"x")
			}
			e.add("CODE socket renamed", full+" renamed", rl, ids("s:"+n.Name+"."+s.Name+"x", n.Name+"."+s.Name), false)
			e.add("safe options", full+" hwm and linger", splice(L, sj, sj, "        hwm 10", "        linger 0s"), nil, false)
			e.add("safe options", full+" reconnect backoff", splice(L, sj, sj, "        reconnect { initial 10ms max 1s }"), nil, false)
			if len(s.Recv) > 0 {
				e.add("WIRE max_msg_size", full+" max_msg_size 1KiB", splice(L, sj, sj, "        max_msg_size 1KiB"), nil, true)
			}
			nEndpoints := len(s.Binds) + len(s.Connects)
			for k := si + 1; k < sj; k++ {
				f := strings.Fields(L[k])
				if len(f) < 2 {
					continue
				}
				switch f[0] {
				case "bind":
					if m := regexp.MustCompile(`:(\d+)"`).FindStringSubmatch(f[1]); m != nil {
						e.add("WIRE endpoint", full+" binds another port", splice(L, k, k+1, strings.Replace(L[k], ":"+m[1]+`"`, ":1"+m[1]+`"`, 1)), nil, false)
						// Flip with its one connector by reference.
						var conn *model.Socket
						count := 0
						for _, ed := range t.Edges {
							if ed.To == s {
								conn = ed.From
								count++
							}
						}
						if count == 1 && len(conn.Connects) == 1 && len(s.Binds) == 1 {
							ci := find(L, regexp.MustCompile(`^\s+connect `+regexp.QuoteMeta(n.Name+"."+s.Name)+`$`), 0, len(L))
							if ci >= 0 {
								fl := clone(L)
								fl[k] = "        connect " + conn.Node.Name + "." + conn.Name
								fl[ci] = "        bind \"tcp://*:" + m[1] + "\""
								e.add("WIRE bind/connect flipped", full+" and "+conn.Node.Name+"."+conn.Name+" swap bind and connect", fl, nil, false)
							}
						}
					}
				case "connect":
					if nEndpoints > 1 {
						e.add("WIRE connect removed", full+" drops "+f[1], splice(L, k, k+1), nil, false)
					} else {
						e.add("WIRE connect removed", full+" binds instead of connecting to "+f[1], splice(L, k, k+1, `        bind "tcp://*:7999"`), nil, false)
					}
				case "subscribe":
					e.add("safe subscription added", full+" subscribes to more", splice(L, k+1, k+1, `        subscribe "zz"`), nil, false)
					e.add("subscription changed", full+" subscribes to another prefix", splice(L, k, k+1, `        subscribe "zz"`), nil, false)
				case "send":
					if !s.Type.SendsData() {
						break
					}
					// The peers learn to receive it in the same edit.
					at := map[int]string{k + 1: "        send Extra"}
					for _, ed := range t.Edges {
						var peer *model.Socket
						switch {
						case ed.From == s:
							peer = ed.To
						case ed.To == s:
							peer = ed.From
						}
						if peer == nil || !peer.Type.ReceivesData() {
							continue
						}
						pn := find(L, regexp.MustCompile(`^node `+peer.Node.Name+` \{`), 0, len(L))
						ps := find(L, regexp.MustCompile(`^    socket `+peer.Name+` [A-Z]+ \{`), pn, blockEnd(L, pn))
						if ps >= 0 {
							at[blockEnd(L, ps)] = "        recv Extra"
						}
					}
					var idx []int
					for i := range at {
						idx = append(idx, i)
					}
					sort.Sort(sort.Reverse(sort.IntSlice(idx)))
					nl := clone(L)
					for _, i := range idx {
						nl = splice(nl, i, i, at[i])
					}
					e.add("sends a new constant", full+" also sends a new constant", append(nl, "", `message Extra = "\x7e"`), nil, false)
					if len(s.Send) > 1 {
						e.add("CODE send removed", full+" no longer sends "+f[1], splice(L, k, k+1), nil, false)
					}
				case "heartbeat":
					e.add("WIRE heartbeat", full+" heartbeats every 5s", splice(L, k, k+1, "        heartbeat { interval 5s liveness 3 }"), nil, true)
					e.add("safe heartbeat", full+" heartbeats every 500ms", splice(L, k, k+1, "        heartbeat { interval 500ms liveness 3 }"), nil, true)
					e.add("WIRE heartbeat", full+" drops its heartbeat", splice(L, k, k+1), nil, true)
				case "retry":
					e.add("WIRE retry", full+" waits 1s", splice(L, k, k+1, "        retry { timeout 1s tries 3 reopen }"), nil, true)
					e.add("safe retry", full+" waits 5s", splice(L, k, k+1, "        retry { timeout 5s tries 3 reopen }"), nil, true)
					e.add("safe retry", full+" retries more", splice(L, k, k+1, "        retry { timeout 2500ms tries 5 reopen }"), nil, true)
				}
			}
			if s.Type == model.REQ && s.Retry == nil {
				e.add("WIRE retry", full+" gains a retry", splice(L, sj, sj, "        retry { timeout 1s }"), nil, true)
			}
		}
	}
	// A new node with a new socket and message.
	e.add("safe new node", "a new node on a new address", append(clone(L), "", "message Probe = string", "",
		"node prober {", "    socket out PUSH {", `        bind "tcp://*:7990"`, "        send Probe", "    }", "}", "",
		"node probed {", "    socket in PULL {", "        connect prober.out", "        recv Probe", "    }", "}", ""), nil, false)
	// A new message type on a new socket of an existing node.
	if len(t.Nodes) > 0 {
		n := t.Nodes[0]
		ni := find(L, regexp.MustCompile(`^node `+n.Name+` \{`), 0, len(L))
		ml := splice(L, ni+1, ni+1, "    socket status PUB {", `        bind "tcp://*:7991"`, "        send Status", "    }")
		ml = append(ml, "", "message Status = json {", "    load float", "}", "", "node watcher {", "    socket in SUB {",
			"        connect "+n.Name+".status", `        subscribe ""`, "        recv Status", "    }", "}", "")
		e.add("safe new socket", "a new message on a new socket of "+n.Name, ml, nil, false)
	}
	return e.out
}

// unref replaces each "connect node.socket" that names node n (socket s,
// or any of n's when s is nil) by the literal address it connected to.
func unref(lines []string, t *model.Topology, n *model.Node, s *model.Socket) []string {
	out := clone(lines)
	for _, sock := range n.Sockets {
		if s != nil && sock != s || len(sock.Binds) == 0 {
			continue
		}
		addr := strings.Replace(sock.Binds[0].Addr, "*", "localhost", 1)
		re := regexp.MustCompile(`^(\s+connect )` + regexp.QuoteMeta(n.Name+"."+sock.Name) + `$`)
		for k := range out {
			out[k] = re.ReplaceAllString(out[k], "${1}\""+addr+"\"")
		}
	}
	return out
}

func (m mutation) String() string { return fmt.Sprintf("%s: %s", m.topo, m.desc) }
