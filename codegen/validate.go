package codegen

import (
	"fmt"
	"go/token"
	"strconv"

	"github.com/zmqgen/zmqgen/dsl/model"
	"github.com/zmqgen/zmqgen/runtime"
)

// A Clash is a name of a topology that generated code cannot use: two
// .ztopo names that become one Go name, flag or environment variable, or
// a name Go or the generated program keeps for itself. The checker (dsl)
// reports every Clash at its place in the .ztopo, with the first place
// when there is one; Generate refuses a topology that has any.
type Clash struct {
	// Thing is what to rename: a *model.Topology, *model.Message,
	// *model.Field, *model.Node, *model.Param or *model.Socket. What
	// describes it: `param "max_n"`.
	Thing any
	What  string
	// First is what Thing clashes with, declared before it, described by
	// FirstWhat; nil when the name is kept by Go or by the program, and
	// then Reason says by what.
	First     any
	FirstWhat string
	Reason    string
	// Verb and As say what both would become or read: "become" "the Go
	// type BasketOwner", "become" "the flag -v", "read" "$N_OUT_BIND".
	Verb, As string
}

// Message says what clashes, without positions: `param "maxN" and param
// "max_n" both become the Go field Params.MaxN`.
func (c Clash) Message() string {
	if c.First == nil {
		return fmt.Sprintf("%s cannot %s %s: %s", c.What, c.Verb, c.As, c.Reason)
	}
	return fmt.Sprintf("%s and %s both %s %s", c.What, c.FirstWhat, c.Verb, c.As)
}

// Names Go or the generated code keep. A node program imports runtime and
// is package main; a message type has the methods MarshalZMQ and
// UnmarshalZMQ, so no field of it may take those names; the Node type has
// the fields Params, Replica and Logger, so a socket named like one gets
// "Socket" appended.
var (
	reservedPackages = map[string]string{
		"_":       "the blank identifier is not a name",
		"main":    "a node program is package main",
		"runtime": "node programs import the zmqgen runtime as runtime",
	}
	messageMethods = []string{"MarshalZMQ", "UnmarshalZMQ"}
	nodeFields     = []string{"Params", "Replica", "Replicas", "Logger"}
)

// socketGoName is the Go name of socket s: its Node field, and with
// "Socket" appended its handle type.
func socketGoName(s *model.Socket) string {
	name := exported(s.Name)
	for _, f := range nodeFields {
		if name == f {
			return name + "Socket"
		}
	}
	return name
}

// namespace hands out the names of one Go scope and records clashes.
type namespace struct {
	verb   string // "become", or "read" for environment variables
	kind   string // "the Go type", "the flag"
	taken  map[string]owner
	report func(Clash)
}

type owner struct {
	thing  any
	what   string
	reason string // set for names kept by Go or the program
}

func newNamespace(verb, kind string, report func(Clash)) *namespace {
	return &namespace{verb: verb, kind: kind, taken: map[string]owner{}, report: report}
}

// keep reserves name for the program itself.
func (ns *namespace) keep(name, reason string) { ns.taken[name] = owner{reason: reason} }

// claim gives name to thing, reporting a clash if it is taken; it
// reports whether the name was free.
func (ns *namespace) claim(name string, thing any, what string) bool {
	as := ns.kind + " " + name
	if ns.kind == "" {
		as = name
	}
	if o, ok := ns.taken[name]; ok {
		if o.thing == nil {
			ns.report(Clash{Thing: thing, What: what, Reason: o.reason, Verb: ns.verb, As: as})
		} else {
			ns.report(Clash{Thing: thing, What: what, First: o.thing, FirstWhat: o.what, Verb: ns.verb, As: as})
		}
		return false
	}
	ns.taken[name] = owner{thing: thing, what: what}
	return true
}

// Clashes returns every name of t that generated code cannot use, in
// declaration order. A topology the checker accepted has none: dsl calls
// Clashes and reports each one at its place.
func Clashes(t *model.Topology) []Clash {
	var out []Clash
	// One clash per thing is enough: renaming it settles the others
	// (param replica takes both the flag -replica and its variable).
	reported := map[any]bool{}
	report := func(c Clash) {
		if !reported[c.Thing] {
			reported[c.Thing] = true
			out = append(out, c)
		}
	}
	topo := fmt.Sprintf("topology %q", t.Name)
	switch {
	case token.IsKeyword(t.Name):
		report(Clash{Thing: t, What: topo, Verb: "become", As: "a Go package name", Reason: strconv.Quote(t.Name) + " is a Go keyword"})
	case reservedPackages[t.Name] != "":
		report(Clash{Thing: t, What: topo, Verb: "become", As: "a Go package name", Reason: reservedPackages[t.Name]})
	}

	// The message package: message types, the struct types of nested
	// objects, and the interfaces of sockets with several types.
	types := newNamespace("become", "the Go type", report)
	for _, m := range t.Messages {
		name := exported(m.Name)
		types.claim(name, m, fmt.Sprintf("message %q", m.Name))
		fieldClashes(m, name, m.Fields, types, report)
	}
	for _, n := range t.Nodes {
		nodeClashes(n, report)
		for _, s := range n.Sockets {
			goName := socketGoName(s)
			for _, dir := range []struct {
				name string
				msgs []*model.Message
			}{{"In", s.Recv}, {"Out", s.Send}} {
				ms := newMsgSet(n.Name, goName, dir.name, dir.msgs)
				if ms == nil || !ms.multi() {
					continue
				}
				what := fmt.Sprintf("the interface of the types socket %q %s", s.Name, map[string]string{"In": "receives", "Out": "sends"}[dir.name])
				if types.claim(ms.Iface, s, what) && ms.In {
					types.claim("Unmarshal"+ms.Iface, s, what)
				}
			}
		}
	}
	return out
}

// fieldClashes checks the fields of the struct type named parent, and the
// struct types of its nested objects (parent+field), which join types.
func fieldClashes(m *model.Message, parent string, fields []*model.Field, types *namespace, report func(Clash)) {
	names := newNamespace("become", "the Go field", report)
	if parent == exported(m.Name) {
		for _, meth := range messageMethods {
			names.keep(parent+"."+meth, "every message type has a method "+meth)
		}
	}
	for _, f := range fields {
		names.claim(parent+"."+exported(f.Name), f, fmt.Sprintf("field %q", f.Name))
		ft := f.Type
		for ft.Kind == model.List {
			ft = ft.Elem
		}
		if ft.Kind == model.Object {
			nested := parent + exported(f.Name)
			if types.claim(nested, f, fmt.Sprintf("the object in field %q of message %q", f.Name, m.Name)) {
				fieldClashes(m, nested, ft.Fields, types, report)
			}
		}
	}
}

// nodeClashes checks that a node's name, params and sockets make a valid
// package and distinct Go fields, flags and environment variables.
func nodeClashes(n *model.Node, report func(Clash)) {
	node := fmt.Sprintf("node %q", n.Name)
	if !token.IsIdentifier(n.Name) {
		report(Clash{Thing: n, What: node, Verb: "become", As: "a directory and a Go identifier", Reason: strconv.Quote(n.Name) + " is a Go keyword"})
	}
	// The program's own flags, the runtime's (-log-level, -v, and
	// -replica and -replicas with replicas), and -h and -help, the flag package's.
	flags := newNamespace("become", "the flag", report)
	envs := newNamespace("read", "", report)
	for _, f := range append(runtime.CommonFlags(n.Replicas), "h", "help") {
		flags.keep("-"+f, "the program has its own -"+f)
	}
	envs.keep("$"+envName(n.Name, "log", "level"), "the -log-level flag reads it")
	if n.Replicas > 1 {
		envs.keep("$"+envName(n.Name, "replica"), "the -replica flag reads it")
		envs.keep("$"+envName(n.Name, "replicas"), "the -replicas flag reads it")
	}
	fields := newNamespace("become", "the Go field", report)
	for _, p := range n.Params {
		what := fmt.Sprintf("param %q", p.Name)
		flags.claim("-"+p.Name, p, what)
		fields.claim("Params."+exported(p.Name), p, what)
		envs.claim("$"+envName(n.Name, p.Name), p, what)
	}
	// Every flag of a socket has a dot, which params cannot, so only
	// their environment variables may clash with a param's (socket a's
	// -a.identity and param a_identity both read $NODE_A_IDENTITY).
	sockets := newNamespace("become", "the Go field", report)
	for _, f := range nodeFields {
		sockets.keep("Node."+f, "the Node type has its own "+f)
	}
	ng := &nodeGen{n: n}
	for _, s := range n.Sockets {
		what := fmt.Sprintf("socket %q", s.Name)
		sockets.claim("Node."+socketGoName(s), s, what)
		socks, err := nodeSockets(&model.Node{Name: n.Name, Sockets: []*model.Socket{s}})
		if err != nil {
			continue // a model the checker rejects; Generate says why
		}
		for _, fl := range ng.socketFlags(socks[0]) {
			envs.claim("$"+fl.env, s, what)
		}
	}
}

// validate returns the first Clash of t as an error, and the first
// problem nodeSockets finds in a model the checker should have rejected.
func validate(t *model.Topology) error {
	if cs := Clashes(t); len(cs) > 0 {
		return fmt.Errorf("%s", cs[0].Message())
	}
	for _, n := range t.Nodes {
		if _, err := nodeSockets(n); err != nil {
			return fmt.Errorf("node %s: %w", n.Name, err)
		}
	}
	return nil
}
