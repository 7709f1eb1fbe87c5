package breaking

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zmqgen/zmqgen/dsl"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// A Version is one version of a topology: its model and, for positions,
// its Index (nil puts every finding on the file as a whole).
type Version struct {
	Topology *model.Topology
	Index    *dsl.Index
}

// Compare reports every change from old to new that breaks a system
// running both versions at once, as error diagnostics positioned in the new
// file (a removed thing is reported on what enclosed it, with the old
// place as a related location). Each message ends with the rule ID in
// parentheses. Findings the new file accepts with a zmqgen:accept
// directive are left out. The result is sorted.
func Compare(old, new Version) dsl.Diagnostics {
	c := &comparison{old: old, new: new, seen: map[string]bool{}}
	c.match()
	c.codeRules()
	c.wireRules()
	var out dsl.Diagnostics
	for _, f := range c.found {
		if new.Index != nil && new.Index.Accepted(f.rule, f.d.Range) {
			continue
		}
		out = append(out, f.d)
	}
	return out.Sort()
}

// RuleOf returns the rule ID a diagnostic made by Compare ends with.
func RuleOf(d dsl.Diagnostic) string {
	m := d.Message
	if i := strings.LastIndex(m, " ("); i >= 0 && strings.HasSuffix(m, ")") {
		return m[i+2 : len(m)-1]
	}
	return ""
}

type finding struct {
	rule string
	d    dsl.Diagnostic
}

type comparison struct {
	old, new Version
	found    []finding
	seen     map[string]bool

	nodeNew  map[*model.Node]*model.Node // old node → new node
	nodeOld  map[*model.Node]*model.Node
	sockNew  map[*model.Socket]*model.Socket // old socket → new socket
	sockOld  map[*model.Socket]*model.Socket
	msgNew   map[*model.Message]*model.Message // old declared message → new
	msgOld   map[*model.Message]*model.Message
	versions map[*model.Socket]bool // socket → it belongs to the new version
}

// report records a finding once per rule and place.
func (c *comparison) report(rule string, at dsl.Range, related []dsl.Related, format string, args ...any) {
	key := rule + "\x00" + at.String()
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	msg := fmt.Sprintf(format, args...) + " (" + rule + ")"
	c.found = append(c.found, finding{rule, dsl.Diagnostic{Severity: dsl.Error, Range: at, Message: msg, Related: related}})
}

// Positions in either version. With no Index, the file as a whole.

func (v Version) file() dsl.Range {
	if v.Index != nil {
		return dsl.Range{File: v.Index.File()}
	}
	return dsl.Range{File: v.Topology.Source}
}

func (v Version) at(f func(ix *dsl.Index) dsl.Range) dsl.Range {
	if v.Index == nil {
		return v.file()
	}
	return f(v.Index)
}

func (v Version) topoAt() dsl.Range {
	return v.at(func(ix *dsl.Index) dsl.Range { return ix.Topology() })
}

func (v Version) nodeAt(n *model.Node) dsl.Range {
	return v.at(func(ix *dsl.Index) dsl.Range { return ix.Node(n.Name) })
}

func (v Version) sockAt(s *model.Socket) dsl.Range {
	return v.at(func(ix *dsl.Index) dsl.Range { return ix.Socket(s.Node.Name, s.Name) })
}

func (v Version) stmtAt(s *model.Socket, what, arg string) dsl.Range {
	return v.at(func(ix *dsl.Index) dsl.Range { return ix.Statement(s.Node.Name, s.Name, what, arg) })
}

func (v Version) msgAt(m *model.Message) dsl.Range {
	return v.at(func(ix *dsl.Index) dsl.Range { return ix.Message(m.Name) })
}

// was is the related location of a thing in the old version.
func (c *comparison) was(r dsl.Range, what string) []dsl.Related {
	if !r.Start.IsValid() {
		return nil
	}
	return []dsl.Related{{Range: r, Message: what}}
}

func sockName(s *model.Socket) string { return s.Node.Name + "." + s.Name }

// ---- matching old and new ----

// match pairs old and new nodes, sockets and messages: by name, and
// otherwise, for a rename, by what they are.
func (c *comparison) match() {
	c.nodeNew, c.nodeOld = map[*model.Node]*model.Node{}, map[*model.Node]*model.Node{}
	c.sockNew, c.sockOld = map[*model.Socket]*model.Socket{}, map[*model.Socket]*model.Socket{}
	c.msgNew, c.msgOld = map[*model.Message]*model.Message{}, map[*model.Message]*model.Message{}
	c.versions = map[*model.Socket]bool{}
	for _, n := range c.new.Topology.Nodes {
		for _, s := range n.Sockets {
			c.versions[s] = true
		}
	}
	for _, o := range c.old.Topology.Nodes {
		if n := c.new.Topology.Node(o.Name); n != nil {
			c.nodeNew[o], c.nodeOld[n] = n, o
		}
	}
	for _, o := range c.old.Topology.Nodes {
		if c.nodeNew[o] != nil {
			continue
		}
		for _, n := range c.new.Topology.Nodes {
			if c.nodeOld[n] == nil && nodeSig(o) == nodeSig(n) {
				c.nodeNew[o], c.nodeOld[n] = n, o
				break
			}
		}
	}
	for o, n := range c.nodeNew {
		for _, os := range o.Sockets {
			if ns := n.Socket(os.Name); ns != nil {
				c.sockNew[os], c.sockOld[ns] = ns, os
			}
		}
		for _, os := range o.Sockets {
			if c.sockNew[os] != nil {
				continue
			}
			for _, ns := range n.Sockets {
				if c.sockOld[ns] == nil && sockSig(os) == sockSig(ns) {
					c.sockNew[os], c.sockOld[ns] = ns, os
					break
				}
			}
		}
	}
	for _, o := range c.old.Topology.Messages {
		if n := c.new.Topology.Message(o.Name); n != nil {
			c.msgNew[o], c.msgOld[n] = n, o
		}
	}
	for _, o := range c.old.Topology.Messages {
		if c.msgNew[o] != nil {
			continue
		}
		for _, n := range c.new.Topology.Messages {
			if c.msgOld[n] == nil && msgSig(o) == msgSig(n) {
				c.msgNew[o], c.msgOld[n] = n, o
				break
			}
		}
	}
}

// nodeSig is what a renamed node keeps: its sockets and where they bind.
func nodeSig(n *model.Node) string {
	var parts []string
	for _, s := range n.Sockets {
		parts = append(parts, s.Name+" "+sockSig(s))
	}
	sort.Strings(parts)
	return strings.Join(parts, ";")
}

// sockSig is what a renamed socket keeps: its type and endpoints.
func sockSig(s *model.Socket) string {
	var b strings.Builder
	b.WriteString(s.Type.String())
	for _, e := range s.Binds {
		b.WriteString(" bind " + e.Addr)
	}
	for _, e := range s.Connects {
		b.WriteString(" connect " + e.Addr)
	}
	return b.String()
}

// msgSig is a message's shape, for telling a renamed message.
func msgSig(m *model.Message) string {
	var b strings.Builder
	b.WriteString(m.Kind.String())
	if m.Kind == model.Const {
		fmt.Fprintf(&b, " %q", m.Value)
	}
	writeFieldsSig(&b, m.Fields, 0)
	return b.String()
}

func writeFieldsSig(b *strings.Builder, fs []*model.Field, depth int) {
	if depth > 8 {
		return
	}
	b.WriteString("{")
	for _, f := range fs {
		b.WriteString(f.Name + " ")
		writeTypeSig(b, f.Type, depth)
		b.WriteString(";")
	}
	b.WriteString("}")
}

func writeTypeSig(b *strings.Builder, t *model.FieldType, depth int) {
	switch t.Kind {
	case model.List:
		b.WriteString("[]")
		writeTypeSig(b, t.Elem, depth)
	case model.Object:
		writeFieldsSig(b, t.Fields, depth+1)
	case model.Ref:
		writeFieldsSig(b, t.Message.Fields, depth+1)
	default:
		b.WriteString(t.Kind.String())
	}
}

// ---- CODE ----

func (c *comparison) codeRules() {
	o, n := c.old.Topology, c.new.Topology
	if o.Name != n.Name {
		c.report(TopologyRenamed, c.new.topoAt(), c.was(c.old.topoAt(), "was "+o.Name),
			"topology %q renamed from %q; handlers import its message types by package name", n.Name, o.Name)
	}
	for _, on := range o.Nodes {
		nn := c.nodeNew[on]
		if nn == nil {
			continue
		}
		if nn.Name != on.Name {
			c.report(NodeRenamed, c.new.nodeAt(nn), c.was(c.old.nodeAt(on), "was here"),
				"node %q renamed from %q; its generated package and handler move", nn.Name, on.Name)
		}
		for _, op := range on.Params {
			var np *model.Param
			for _, p := range nn.Params {
				if p.Name == op.Name {
					np = p
				}
			}
			switch {
			case np == nil:
				c.report(ParamRemoved, c.new.nodeAt(nn), c.was(c.old.at(func(ix *dsl.Index) dsl.Range { return ix.Param(on.Name, op.Name) }), "was here"),
					"param %q of node %s removed; handlers that read it no longer compile", op.Name, nn.Name)
			case np.Type != op.Type:
				c.report(ParamRetyped, c.new.at(func(ix *dsl.Index) dsl.Range { return ix.Param(nn.Name, np.Name) }), nil,
					"param %q of node %s changed type from %s to %s", np.Name, nn.Name, op.Type, np.Type)
			}
		}
		for _, os := range on.Sockets {
			ns := c.sockNew[os]
			if ns == nil {
				continue
			}
			if ns.Name != os.Name {
				c.report(SocketRenamed, c.new.sockAt(ns), c.was(c.old.sockAt(os), "was here"),
					"socket %s renamed from %q; its generated handle and methods change", sockName(ns), os.Name)
			}
			for _, om := range os.Send {
				if !c.hasMsg(ns.Send, om) {
					c.report(SendRemoved, c.new.sockAt(ns), c.was(c.old.stmtAt(os, "send", om.Name), "was here"),
						"socket %s no longer sends %s; handlers that send it no longer compile", sockName(ns), om.Name)
				}
			}
		}
	}
	for _, om := range o.Messages {
		nm := c.msgNew[om]
		switch {
		case nm == nil:
			c.report(MessageRemoved, c.new.topoAt(), c.was(c.old.msgAt(om), "was here"),
				"message type %s removed", om.Name)
		case nm.Name != om.Name:
			c.report(MessageRenamed, c.new.msgAt(nm), c.was(c.old.msgAt(om), "was here"),
				"message type %s renamed from %s; handlers use the Go type by name", nm.Name, om.Name)
		}
		if nm != nil && om.Kind == model.Multipart && nm.Kind == model.Multipart && len(om.Fields) == len(nm.Fields) {
			if !sameNameSet(om.Fields, nm.Fields) {
				for i, of := range om.Fields {
					nf := nm.Fields[i]
					if nf.Name != of.Name {
						c.report(FieldRenamed, c.new.at(func(ix *dsl.Index) dsl.Range { return ix.Field(nm.Name, nf.Name) }), nil,
							"frame %d of %s renamed from %q to %q; handlers use the Go field by name", i+1, nm.Name, of.Name, nf.Name)
					}
				}
			}
		}
	}
}

// hasMsg reports whether list (of the new version) holds old message om.
func (c *comparison) hasMsg(list []*model.Message, om *model.Message) bool {
	for _, m := range list {
		if om.Builtin && m.Builtin && m.Name == om.Name || !om.Builtin && c.msgNew[om] == m {
			return true
		}
	}
	return false
}

func sameNameSet(a, b []*model.Field) bool {
	if len(a) != len(b) {
		return false
	}
	set := map[string]bool{}
	for _, f := range a {
		set[f.Name] = true
	}
	for _, f := range b {
		if !set[f.Name] {
			return false
		}
	}
	return true
}

// CompileVersions compiles both versions of a topology, at the same time:
// each compile is independent, and most of breaking's time is spent in them.
// A version is usable only when its diagnostics have no errors.
func CompileVersions(oldName string, oldSrc []byte, newName string, newSrc []byte) (old, new Version, oldDiags, newDiags dsl.Diagnostics) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		old.Topology, old.Index, oldDiags = dsl.CompileIndex(oldName, oldSrc)
	}()
	new.Topology, new.Index, newDiags = dsl.CompileIndex(newName, newSrc)
	<-done
	return old, new, oldDiags, newDiags
}
