package dsl

import (
	"time"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// This file declares and defines nodes: replicas, params, and the
// sockets each node holds.

func (check *checker) declareNode(d *syntax.NodeDecl) {
	name := d.Name.Name
	if prev, ok := check.nodes[name]; ok {
		check.errorf(d.Name, "node %q already declared at %s", name, check.first(prev.decl.Name))
		return
	}
	ni := &nodeInfo{decl: d, n: &model.Node{Name: name, Doc: check.docs.DocAt(d.Pos), Replicas: 1}, sockets: map[string]*sockInfo{}}
	check.declared[ni.n] = d.Name
	check.nodes[name] = ni
	check.nodeList = append(check.nodeList, ni)
	check.topo.Nodes = append(check.topo.Nodes, ni.n)
	// Sockets are declared now so that connect references can be
	// resolved whatever the order of nodes.
	for _, st := range d.Stmts {
		sd, ok := st.(*syntax.SocketDecl)
		if !ok {
			continue
		}
		if prev, ok := ni.sockets[sd.Name.Name]; ok {
			check.errorf(sd.Name, "socket %q already declared at %s", sd.Name.Name, check.first(prev.decl.Name))
			continue
		}
		si := &sockInfo{decl: sd, node: ni, s: &model.Socket{Name: sd.Name.Name, Doc: check.docs.DocAt(sd.Pos), Node: ni.n}}
		check.declared[si.s] = sd.Name
		ni.sockets[sd.Name.Name] = si
		ni.list = append(ni.list, si)
		ni.n.Sockets = append(ni.n.Sockets, si.s)
	}
}

// maxReplicas bounds replicas: each copy is a process on one machine.
const maxReplicas = 1000

func (check *checker) defineNode(ni *nodeInfo) {
	params := map[string]*syntax.ParamDecl{}
	for _, st := range ni.decl.Stmts {
		switch st := st.(type) {
		case *syntax.Replicas:
			if ni.replicas != nil {
				check.errorf(st, "replicas already set at %s", check.first(ni.replicas))
				continue
			}
			ni.replicas = st
			n, msg := readInt(st.Value)
			if msg != "" {
				check.errorf(st.Value, "replicas: %s", msg)
				continue
			}
			if n < 1 || n > maxReplicas {
				check.errorf(st.Value, "replicas must be between 1 and %d, not %d", maxReplicas, n)
				continue
			}
			ni.n.Replicas = int(n)
		case *syntax.ParamDecl:
			if prev, ok := params[st.Name.Name]; ok {
				check.errorf(st.Name, "param %q already declared at %s", st.Name.Name, check.first(prev.Name))
				continue
			}
			params[st.Name.Name] = st
			if p := check.param(st); p != nil {
				ni.n.Params = append(ni.n.Params, p)
			}
		}
	}
	for _, si := range ni.list {
		check.defineSocket(si)
	}
	if len(ni.list) == 0 && !hasSocketStmt(ni.decl) {
		check.warnf(ni.decl.Name, "node %q has no sockets", ni.n.Name)
	}
}

func hasSocketStmt(d *syntax.NodeDecl) bool {
	for _, st := range d.Stmts {
		if _, ok := st.(*syntax.SocketDecl); ok {
			return true
		}
	}
	return false
}

var paramTypes = map[string]model.ParamType{
	"string": model.ParamString, "int": model.ParamInt, "float": model.ParamFloat,
	"bool": model.ParamBool, "duration": model.ParamDuration,
}

func (check *checker) param(d *syntax.ParamDecl) *model.Param {
	typ, ok := paramTypes[d.Type.Name]
	if !ok {
		check.errorf(d.Type, "unknown param type %q; expected string, int, float, bool or duration%s",
			d.Type.Name, syntax.DidYouMean(d.Type.Name, []string{"string", "int", "float", "bool", "duration"}))
		return nil
	}
	p := &model.Param{Name: d.Name.Name, Doc: check.docs.DocAt(d.Pos), Type: typ}
	check.declared[p] = d.Name
	zero := map[model.ParamType]any{
		model.ParamString: "", model.ParamInt: int64(0), model.ParamFloat: float64(0),
		model.ParamBool: false, model.ParamDuration: time.Duration(0),
	}
	p.Default = zero[typ]
	if d.Default == nil {
		return p
	}
	var v any
	var msg string
	switch typ {
	case model.ParamString:
		v, msg = readString(d.Default)
	case model.ParamInt:
		v, msg = readInt(d.Default)
	case model.ParamFloat:
		v, msg = readFloat(d.Default)
	case model.ParamBool:
		v, msg = readBool(d.Default)
	case model.ParamDuration:
		v, msg = readDuration(d.Default)
	}
	if msg != "" {
		check.errorf(d.Default, "default of %s param %q: %s", typ, p.Name, msg)
		return p
	}
	p.Default = v
	return p
}
