package dsl

import (
	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// This file holds the checker: the state it keeps while it walks one
// file, and the order of its passes. The passes live in files of their
// own, as go/types spreads its Checker: messages.go, nodes.go,
// sockets.go, options.go, connects.go, edges.go and names.go.

// A checker turns a parsed file into a model.Topology, reporting every
// problem it meets on the way. It declares every name first, then defines
// messages, nodes and sockets, resolves connect references, and last runs
// the checks that need the whole topology (edges.go, names.go).
type checker struct {
	diagnoser
	docs *syntax.Comments

	topo     *model.Topology
	builtins map[string]*model.Message

	msgs     map[string]*msgInfo
	msgOrder []*msgInfo
	nodes    map[string]*nodeInfo
	nodeList []*nodeInfo

	// declared maps each thing of the model (*model.Topology, Message,
	// Field, Node, Param, Socket) to the name that declares it, so that a
	// problem found on the model is reported at its place.
	declared map[any]*syntax.Ident
}

type msgInfo struct {
	decl *syntax.MessageDecl
	m    *model.Message
	used bool
}

type nodeInfo struct {
	decl     *syntax.NodeDecl
	n        *model.Node
	replicas *syntax.Replicas
	sockets  map[string]*sockInfo
	list     []*sockInfo
}

type sockInfo struct {
	decl     *syntax.SocketDecl
	s        *model.Socket
	node     *nodeInfo
	binds    []*bindInfo
	connects []*connInfo
	sends    []*syntax.Send // resolved send statements, in order
	recvs    []*syntax.Recv // resolved recv statements, in order
	// badMsg marks a socket with a send or recv that did not resolve
	// (already reported), so that its edges are not checked.
	badMsg bool
	// peered marks a socket that receives data from a peer in the
	// topology; sentBy holds what those peers send, and flowReported
	// marks one whose edges already had a message error.
	peered       bool
	sentBy       map[*model.Message]bool
	flowReported bool
	subs         []*syntax.Subscribe
	// incomplete marks a REQ or REP socket already reported for missing
	// send or recv, so that its edges are not reported again for it.
	incomplete bool
	// serverKey marks a curve client whose block gives serverkey, valid
	// or not (an invalid one is already reported).
	serverKey bool
}

type bindInfo struct {
	stmt *syntax.Bind
	addr addr
}

type connInfo struct {
	stmt *syntax.Connect
	addr addr        // literal connects only
	ref  *syntax.Ref // reference connects only
	to   *sockInfo
}

func newChecker(filename string, src []byte, toks *syntax.Comments) *checker {
	return &checker{
		diagnoser: diagnoser{file: filename, src: src},
		docs:      toks,
		msgs:      map[string]*msgInfo{},
		nodes:     map[string]*nodeInfo{},
		declared:  map[any]*syntax.Ident{},
		builtins: map[string]*model.Message{
			"string": {Name: "string", Kind: model.String, Builtin: true},
			"bytes":  {Name: "bytes", Kind: model.Bytes, Builtin: true},
		},
	}
}

// checkFile checks f and returns its model, complete as far as f is right.
func (check *checker) checkFile(f *syntax.File) *model.Topology {
	check.topo = &model.Topology{
		Name:   f.Topology.Name.Name,
		Doc:    check.docs.DocAt(f.Topology.Pos),
		Source: check.file,
	}
	check.declared[check.topo] = f.Topology.Name
	// Declare every name first so that references may point forward.
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *syntax.MessageDecl:
			check.declareMessage(d)
		case *syntax.NodeDecl:
			check.declareNode(d)
		}
	}
	for _, mi := range check.msgOrder {
		check.defineMessage(mi)
	}
	check.checkMessageCycles()
	for _, ni := range check.nodeList {
		check.defineNode(ni)
	}
	for _, ni := range check.nodeList {
		for _, si := range ni.list {
			check.resolveConnects(si)
		}
	}
	if len(check.nodeList) == 0 {
		check.errorf(f.Topology, "topology %q has no nodes", check.topo.Name)
	}
	check.checkTopology()
	check.checkGoNames()
	// An unused message is worth a warning only in a file that is
	// otherwise right: next to errors it is noise (often the misspelled
	// name's intended target).
	for _, mi := range check.msgOrder {
		if !check.diags.HasErrors() && !mi.used && !check.isNested(mi) {
			check.warnf(mi.decl.Name, "message %q is never sent or received", mi.m.Name)
		}
	}
	return check.topo
}

// isNested reports whether another message uses mi as a field type.
