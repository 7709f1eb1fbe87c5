package dsl

import (
	"fmt"
	"go/token"
	"sort"
	"strings"
	"time"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// resolver turns a parsed File into a model.Topology, reporting every
// problem it meets on the way. Checks that need the whole topology (edges,
// pairing, message agreement) live in check.go.
type resolver struct {
	diagnoser
	docs *comments

	topo     *model.Topology
	builtins map[string]*model.Message

	msgs     map[string]*msgInfo
	msgOrder []*msgInfo
	nodes    map[string]*nodeInfo
	nodeList []*nodeInfo
}

type msgInfo struct {
	decl *MessageDecl
	m    *model.Message
	used bool
}

type nodeInfo struct {
	decl     *NodeDecl
	n        *model.Node
	replicas *Replicas
	sockets  map[string]*sockInfo
	list     []*sockInfo
}

type sockInfo struct {
	decl     *SocketDecl
	s        *model.Socket
	node     *nodeInfo
	binds    []*bindInfo
	connects []*connInfo
	sends    []*Send // resolved send statements, in order
	recvs    []*Recv // resolved recv statements, in order
	// badMsg marks a socket with a send or recv that did not resolve
	// (already reported), so that its edges are not checked.
	badMsg bool
	// peered marks a socket that receives data from a peer in the
	// topology; sentBy holds what those peers send, and flowReported
	// marks one whose edges already had a message error.
	peered       bool
	sentBy       map[*model.Message]bool
	flowReported bool
	subs         []*Subscribe
	// incomplete marks a REQ or REP socket already reported for missing
	// send or recv, so that its edges are not reported again for it.
	incomplete bool
}

type bindInfo struct {
	stmt *Bind
	addr addr
}

type connInfo struct {
	stmt *Connect
	addr addr // literal connects only
	ref  *Ref // reference connects only
	to   *sockInfo
}

func newResolver(filename string, src []byte, toks *comments) *resolver {
	return &resolver{
		diagnoser: diagnoser{file: filename, src: src},
		docs:      toks,
		msgs:      map[string]*msgInfo{},
		nodes:     map[string]*nodeInfo{},
		builtins: map[string]*model.Message{
			"string": {Name: "string", Kind: model.String, Builtin: true},
			"bytes":  {Name: "bytes", Kind: model.Bytes, Builtin: true},
		},
	}
}

func (r *resolver) resolve(f *File) *model.Topology {
	r.topo = &model.Topology{
		Name:   f.Topology.Name.Name,
		Doc:    r.docs.docAt(f.Topology.Pos),
		Source: r.file,
	}
	if token.IsKeyword(r.topo.Name) {
		r.errorf(f.Topology.Name, "topology name %q is a Go keyword; generated packages are named after the topology", r.topo.Name)
	}
	// Declare every name first so that references may point forward.
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *MessageDecl:
			r.declareMessage(d)
		case *NodeDecl:
			r.declareNode(d)
		}
	}
	for _, mi := range r.msgOrder {
		r.defineMessage(mi)
	}
	r.checkMessageCycles()
	for _, ni := range r.nodeList {
		r.defineNode(ni)
	}
	for _, ni := range r.nodeList {
		for _, si := range ni.list {
			r.resolveConnects(si)
		}
	}
	if len(r.nodeList) == 0 {
		r.errorf(f.Topology, "topology %q has no nodes", r.topo.Name)
	}
	r.checkTopology()
	// An unused message is worth a warning only in a file that is
	// otherwise right: next to errors it is noise (often the misspelled
	// name's intended target).
	for _, mi := range r.msgOrder {
		if !r.diags.HasErrors() && !mi.used && !r.isNested(mi) {
			r.warnf(mi.decl.Name, "message %q is never sent or received", mi.m.Name)
		}
	}
	return r.topo
}

// isNested reports whether another message uses mi as a field type.
func (r *resolver) isNested(mi *msgInfo) bool {
	var walk func(fs []*model.Field) bool
	walk = func(fs []*model.Field) bool {
		for _, f := range fs {
			for t := f.Type; t != nil; t = t.Elem {
				if t.Message == mi.m || walk(t.Fields) {
					return true
				}
			}
		}
		return false
	}
	for _, o := range r.msgOrder {
		if o != mi && walk(o.m.Fields) {
			return true
		}
	}
	return false
}

// ---- messages ----

func (r *resolver) declareMessage(d *MessageDecl) {
	name := d.Name.Name
	if _, ok := r.builtins[name]; ok {
		r.errorf(d.Name, "message name %q is a builtin type", name)
		return
	}
	if prev, ok := r.msgs[name]; ok {
		r.errorf(d.Name, "message %q already declared at %s", name, r.at(prev.decl.Name))
		return
	}
	mi := &msgInfo{decl: d, m: &model.Message{Name: name, Doc: r.docs.docAt(d.Pos)}}
	r.msgs[name] = mi
	r.msgOrder = append(r.msgOrder, mi)
	r.topo.Messages = append(r.topo.Messages, mi.m)
}

var messageKinds = map[string]model.MessageKind{
	"string": model.String, "bytes": model.Bytes, "json": model.JSON, "multipart": model.Multipart,
}

func (r *resolver) defineMessage(mi *msgInfo) {
	d := mi.decl
	if d.Const != nil {
		mi.m.Kind = model.Const
		v, msg := readString(d.Const)
		switch {
		case msg != "":
			r.errorf(d.Const, "constant message %q: %s", mi.m.Name, msg)
		case v == "":
			// An empty frame is the envelope delimiter on ROUTER and
			// DEALER sockets: it could not be told from one.
			r.errorf(d.Const, "constant message %q is empty; a constant needs at least one byte", mi.m.Name)
		default:
			mi.m.Value = []byte(v)
		}
		return
	}
	kind, ok := messageKinds[d.Kind.Name]
	if !ok {
		r.errorf(d.Kind, "unknown message kind %q; expected string, bytes, json or multipart%s",
			d.Kind.Name, didYouMean(d.Kind.Name, []string{"string", "bytes", "json", "multipart"}))
		return
	}
	mi.m.Kind = kind
	switch kind {
	case model.String, model.Bytes:
		if d.Braces {
			r.errorf(d.Kind, "a %s message has no fields", kind)
		}
	case model.JSON, model.Multipart:
		if !d.Braces {
			r.errorf(d.Kind, "a %s message needs its fields in braces: %s { name type ... }", kind, kind)
			return
		}
		if kind == model.Multipart && len(d.Fields) == 0 {
			r.errorf(d.Kind, "a multipart message needs at least one frame")
		}
		mi.m.Fields = r.fields(d.Fields, kind == model.Multipart, mi)
	}
}

// fields resolves a field list; frames restricts types to scalars.
func (r *resolver) fields(fs []*Field, frames bool, owner *msgInfo) []*model.Field {
	var out []*model.Field
	seen := map[string]*Field{}
	for _, f := range fs {
		if prev, ok := seen[f.Name.Name]; ok {
			what := "field"
			if frames {
				what = "frame"
			}
			r.errorf(f.Name, "%s %q already declared at %s", what, f.Name.Name, r.at(prev.Name))
			continue
		}
		seen[f.Name.Name] = f
		t := r.fieldType(f.Type, owner)
		if t == nil {
			continue
		}
		if frames && (t.Kind == model.List || t.Kind == model.Object || t.Kind == model.Ref) {
			r.errorf(f.Type, "multipart frame %q cannot be of %s type; frames are int, float, string, bool or bytes",
				f.Name.Name, map[model.FieldKind]string{model.List: "list", model.Object: "object", model.Ref: "message"}[t.Kind])
			continue
		}
		out = append(out, &model.Field{Name: f.Name.Name, Doc: r.docs.docAt(f.Pos), Type: t})
	}
	return out
}

var scalarKinds = map[string]model.FieldKind{
	"int": model.Int, "float": model.Float, "string": model.Str, "bool": model.Bool, "bytes": model.Raw,
}

func (r *resolver) fieldType(t *Type, owner *msgInfo) *model.FieldType {
	switch {
	case t.List != nil:
		elem := r.fieldType(t.List, owner)
		if elem == nil {
			return nil
		}
		return &model.FieldType{Kind: model.List, Elem: elem}
	case t.Object:
		return &model.FieldType{Kind: model.Object, Fields: r.fields(t.Fields, false, owner)}
	case t.Name != nil:
		name := t.Name.Name
		if k, ok := scalarKinds[name]; ok {
			return &model.FieldType{Kind: k}
		}
		mi, ok := r.msgs[name]
		if !ok {
			cands := []string{"int", "float", "string", "bool", "bytes"}
			for _, o := range r.msgOrder {
				cands = append(cands, o.m.Name)
			}
			if hint := didYouMean(name, cands); hint != "" {
				r.errorf(t.Name, "unknown type %q%s", name, hint)
			} else {
				r.errorf(t.Name, "unknown type %q; field types are int, float, string, bool, bytes, []T, { fields } or a json message", name)
			}
			return nil
		}
		if mi.decl.Kind == nil || mi.decl.Kind.Name != "json" {
			kind := "constant"
			if mi.decl.Kind != nil {
				kind = mi.decl.Kind.Name
			}
			r.errorf(t.Name, "field type %q is a %s message; only json messages can be nested", name, kind)
			return nil
		}
		return &model.FieldType{Kind: model.Ref, Message: mi.m}
	}
	return nil
}

// checkMessageCycles reports a JSON message that contains itself other
// than through a list: such a value would be infinitely large.
func (r *resolver) checkMessageCycles() {
	const (
		unvisited = iota
		active
		done
	)
	state := map[*model.Message]int{}
	var visit func(m *model.Message) bool
	refs := func(m *model.Message) []*model.Message {
		var out []*model.Message
		var walk func(fs []*model.Field)
		walk = func(fs []*model.Field) {
			for _, f := range fs {
				switch f.Type.Kind {
				case model.Ref:
					out = append(out, f.Type.Message)
				case model.Object:
					walk(f.Type.Fields)
				}
			}
		}
		walk(m.Fields)
		return out
	}
	visit = func(m *model.Message) bool {
		switch state[m] {
		case active:
			return true
		case done:
			return false
		}
		state[m] = active
		for _, n := range refs(m) {
			if visit(n) {
				state[m] = done
				return true
			}
		}
		state[m] = done
		return false
	}
	for _, mi := range r.msgOrder {
		if state[mi.m] == unvisited && mi.m.Kind == model.JSON && visit(mi.m) {
			r.errorf(mi.decl.Name, "message %q contains itself; use a list ([]%s) to nest it", mi.m.Name, mi.m.Name)
		}
	}
}

// message resolves a send or recv message name.
func (r *resolver) message(id *Ident) *model.Message {
	if b, ok := r.builtins[id.Name]; ok {
		return b
	}
	if mi, ok := r.msgs[id.Name]; ok {
		mi.used = true
		return mi.m
	}
	cands := []string{"string", "bytes"}
	for _, o := range r.msgOrder {
		cands = append(cands, o.m.Name)
	}
	r.errorf(id, "unknown message type %q%s", id.Name, didYouMean(id.Name, cands))
	return nil
}

// ---- nodes ----

func (r *resolver) declareNode(d *NodeDecl) {
	name := d.Name.Name
	if prev, ok := r.nodes[name]; ok {
		r.errorf(d.Name, "node %q already declared at %s", name, r.at(prev.decl.Name))
		return
	}
	ni := &nodeInfo{decl: d, n: &model.Node{Name: name, Doc: r.docs.docAt(d.Pos), Replicas: 1}, sockets: map[string]*sockInfo{}}
	r.nodes[name] = ni
	r.nodeList = append(r.nodeList, ni)
	r.topo.Nodes = append(r.topo.Nodes, ni.n)
	// Sockets are declared now so that connect references can be
	// resolved whatever the order of nodes.
	for _, st := range d.Stmts {
		sd, ok := st.(*SocketDecl)
		if !ok {
			continue
		}
		if prev, ok := ni.sockets[sd.Name.Name]; ok {
			r.errorf(sd.Name, "socket %q already declared at %s", sd.Name.Name, r.at(prev.decl.Name))
			continue
		}
		si := &sockInfo{decl: sd, node: ni, s: &model.Socket{Name: sd.Name.Name, Doc: r.docs.docAt(sd.Pos), Node: ni.n}}
		ni.sockets[sd.Name.Name] = si
		ni.list = append(ni.list, si)
		ni.n.Sockets = append(ni.n.Sockets, si.s)
	}
}

// maxReplicas bounds replicas: each copy is a process on one machine.
const maxReplicas = 1000

func (r *resolver) defineNode(ni *nodeInfo) {
	params := map[string]*ParamDecl{}
	for _, st := range ni.decl.Stmts {
		switch st := st.(type) {
		case *Replicas:
			if ni.replicas != nil {
				r.errorf(st, "replicas already set at %s", r.at(ni.replicas))
				continue
			}
			ni.replicas = st
			n, msg := readInt(st.Value)
			if msg != "" {
				r.errorf(st.Value, "replicas: %s", msg)
				continue
			}
			if n < 1 || n > maxReplicas {
				r.errorf(st.Value, "replicas must be between 1 and %d, not %d", maxReplicas, n)
				continue
			}
			ni.n.Replicas = int(n)
		case *ParamDecl:
			if prev, ok := params[st.Name.Name]; ok {
				r.errorf(st.Name, "param %q already declared at %s", st.Name.Name, r.at(prev.Name))
				continue
			}
			params[st.Name.Name] = st
			if p := r.param(st); p != nil {
				ni.n.Params = append(ni.n.Params, p)
			}
		}
	}
	for _, si := range ni.list {
		r.defineSocket(si)
	}
	if len(ni.list) == 0 && !hasSocketStmt(ni.decl) {
		r.warnf(ni.decl.Name, "node %q has no sockets", ni.n.Name)
	}
}

func hasSocketStmt(d *NodeDecl) bool {
	for _, st := range d.Stmts {
		if _, ok := st.(*SocketDecl); ok {
			return true
		}
	}
	return false
}

var paramTypes = map[string]model.ParamType{
	"string": model.ParamString, "int": model.ParamInt, "float": model.ParamFloat,
	"bool": model.ParamBool, "duration": model.ParamDuration,
}

func (r *resolver) param(d *ParamDecl) *model.Param {
	typ, ok := paramTypes[d.Type.Name]
	if !ok {
		r.errorf(d.Type, "unknown param type %q; expected string, int, float, bool or duration%s",
			d.Type.Name, didYouMean(d.Type.Name, []string{"string", "int", "float", "bool", "duration"}))
		return nil
	}
	p := &model.Param{Name: d.Name.Name, Doc: r.docs.docAt(d.Pos), Type: typ}
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
		r.errorf(d.Default, "default of %s param %q: %s", typ, p.Name, msg)
		return p
	}
	p.Default = v
	return p
}

func (r *resolver) defineSocket(si *sockInfo) {
	d := si.decl
	s := si.s
	typ, typeKnown := socketTypeByName[d.Type.Name]
	if !typeKnown {
		r.errorf(d.Type, "expected socket type (%s), found %q%s",
			strings.Join(socketTypeNames, ", "), d.Type.Name, didYouMean(d.Type.Name, socketTypeNames))
	}
	s.Type = typ
	opts := map[string]*OptionStmt{}
	policies := map[string]*Policy{}
	subs := map[string]*Subscribe{}
	for _, st := range d.Stmts {
		switch st := st.(type) {
		case *Bind:
			if st.Addr.Ref != nil {
				r.errorf(st.Addr, "bind takes an address string such as \"tcp://*:5555\", not a reference")
				continue
			}
			a, ok := r.address(st.Addr, true)
			if !ok {
				continue
			}
			for _, b := range si.binds {
				if b.addr.text == a.text {
					r.errorf(st.Addr, "socket %s already binds %q at %s", sockName(si), a.text, r.at(b.stmt.Addr))
					ok = false
				}
			}
			if !ok {
				continue
			}
			si.binds = append(si.binds, &bindInfo{stmt: st, addr: a})
			s.Binds = append(s.Binds, &model.Endpoint{Addr: a.text})
		case *Connect:
			if st.Addr.Ref != nil {
				si.connects = append(si.connects, &connInfo{stmt: st, ref: st.Addr.Ref})
				continue
			}
			a, ok := r.address(st.Addr, false)
			if !ok {
				continue
			}
			si.connects = append(si.connects, &connInfo{stmt: st, addr: a})
		case *Send:
			if prev := findMsgStmt(si.sends, st.Msg.Name); prev != nil {
				r.errorf(st, "socket %s already sends %s at %s", sockName(si), st.Msg.Name, r.at(prev))
				continue
			}
			m := r.message(st.Msg)
			if m == nil {
				si.badMsg = true
				continue
			}
			si.sends = append(si.sends, st)
			s.Send = append(s.Send, m)
		case *Recv:
			if prev := findMsgStmt(si.recvs, st.Msg.Name); prev != nil {
				r.errorf(st, "socket %s already receives %s at %s", sockName(si), st.Msg.Name, r.at(prev))
				continue
			}
			m := r.message(st.Msg)
			if m == nil {
				si.badMsg = true
				continue
			}
			si.recvs = append(si.recvs, st)
			s.Recv = append(s.Recv, m)
		case *Subscribe:
			si.subs = append(si.subs, st)
			v, msg := readString(st.Value)
			if msg != "" {
				r.errorf(st.Value, "subscribe: %s", msg)
				continue
			}
			if typ != model.SUB && typeKnown {
				r.errorf(st, "subscribe applies to SUB sockets only, and %s is %s", sockName(si), typ)
				continue
			}
			if prev, ok := subs[v]; ok {
				r.warnf(st, "socket %s already subscribes to %q at %s", sockName(si), v, r.at(prev))
			}
			subs[v] = st
			s.Subscribe = append(s.Subscribe, v)
		case *OptionStmt:
			if prev, ok := opts[st.Name.Name]; ok {
				r.errorf(st, "option %s already set at %s", st.Name.Name, r.at(prev))
				continue
			}
			opts[st.Name.Name] = st
			r.option(si, st, opts)
		case *Policy:
			if prev, ok := policies[st.Kind.Name]; ok {
				r.errorf(st, "%s already set at %s", st.Kind.Name, r.at(prev))
				continue
			}
			policies[st.Kind.Name] = st
			r.policy(si, st)
		}
	}
	r.socketShape(si, typeKnown)
}

var socketTypeByName = map[string]model.SocketType{}

func init() {
	for _, t := range model.SocketTypes() {
		socketTypeByName[t.String()] = t
	}
}

// What each socket type may do. XPUB receives subscription messages and
// XSUB sends them, so both directions are allowed for those.
var (
	canSend = map[model.SocketType]bool{
		model.PAIR: true, model.PUB: true, model.REQ: true, model.REP: true, model.DEALER: true,
		model.ROUTER: true, model.PUSH: true, model.XPUB: true, model.XSUB: true,
	}
	canRecv = map[model.SocketType]bool{
		model.PAIR: true, model.SUB: true, model.REQ: true, model.REP: true, model.DEALER: true,
		model.ROUTER: true, model.PULL: true, model.XPUB: true, model.XSUB: true,
	}
)

// socketShape checks what a socket declares against its type.
func (r *resolver) socketShape(si *sockInfo, typeKnown bool) {
	s := si.s
	if len(si.binds) == 0 && len(si.connects) == 0 && !r.hasEndpointStmt(si) {
		r.errorf(si.decl.Name, "socket %s neither binds nor connects", sockName(si))
	}
	if !typeKnown {
		return
	}
	hasSend := len(si.sends) > 0 || hasStmt[*Send](si)
	hasRecv := len(si.recvs) > 0 || hasStmt[*Recv](si)
	if !canSend[s.Type] {
		for _, st := range si.sends {
			r.errorf(st, "%s socket %s cannot send", s.Type, sockName(si))
		}
	}
	if !canRecv[s.Type] {
		for _, st := range si.recvs {
			r.errorf(st, "%s socket %s cannot receive", s.Type, sockName(si))
		}
	}
	r.distinct(si, "sends", si.s.Send, msgStmts(si.sends))
	r.distinct(si, "receives", si.s.Recv, msgStmts(si.recvs))
	switch s.Type {
	case model.REQ, model.REP:
		if !hasSend || !hasRecv {
			missing := "send"
			switch {
			case !hasSend && !hasRecv:
				missing = "send or recv"
			case !hasRecv:
				missing = "recv"
			}
			r.errorf(si.decl.Name, "%s socket %s needs both send and recv; it has no %s", s.Type, sockName(si), missing)
			si.incomplete = true
		}
	case model.SUB:
		if len(si.subs) == 0 {
			r.warnf(si.decl.Name, "SUB socket %s has no subscribe and receives nothing", sockName(si))
		}
	}
	if !hasSend && !hasRecv && s.Type != model.REQ && s.Type != model.REP &&
		s.Type != model.XPUB && s.Type != model.XSUB {
		r.warnf(si.decl.Name, "socket %s neither sends nor receives", sockName(si))
	}
}

// hasStmt reports whether the socket wrote a statement of type T, even
// one that did not resolve (already reported).
func hasStmt[T SocketStmt](si *sockInfo) bool {
	for _, st := range si.decl.Stmts {
		if _, ok := st.(T); ok {
			return true
		}
	}
	return false
}

// findMsgStmt returns the statement of list that names msg, or nil.
func findMsgStmt[T interface{ *Send | *Recv }](list []T, msg string) Node {
	for _, st := range list {
		var id *Ident
		switch st := any(st).(type) {
		case *Send:
			id = st.Msg
		case *Recv:
			id = st.Msg
		}
		if id.Name == msg {
			return any(st).(Node)
		}
	}
	return nil
}

// msgStmts returns the send or recv statements as Nodes, for positions.
func msgStmts[T interface {
	*Send | *Recv
	Node
}](list []T) []Node {
	out := make([]Node, len(list))
	for i, st := range list {
		out[i] = st
	}
	return out
}

// distinct checks that the several types a socket sends or receives can
// be told apart on the wire: a receiver matches constants by their bytes
// first, then decodes the rest as the one other type. So of several types
// at most one is not a constant, and no two constants have the same bytes.
// Builtin types cannot be among several: their Go types (string, []byte)
// cannot join the socket's sealed interface.
func (r *resolver) distinct(si *sockInfo, verb string, msgs []*model.Message, stmts []Node) {
	if len(msgs) < 2 {
		return
	}
	var data *model.Message
	var dataAt Node
	consts := map[string]int{}
	for i, m := range msgs {
		switch {
		case m.Builtin:
			r.errorf(stmts[i], "socket %s %s several types, so %s needs a name: declare \"message Name = %s\" and use it",
				sockName(si), verb, m.Name, m.Name)
		case m.Kind == model.Const:
			if j, ok := consts[string(m.Value)]; ok {
				r.errorf(stmts[i], "socket %s %s %s and %s, constants with the same bytes %q, which cannot be told apart",
					sockName(si), verb, msgs[j].Name, m.Name, m.Value)
				continue
			}
			consts[string(m.Value)] = i
		case m.Kind == 0:
			// Its kind did not resolve; already reported.
		default:
			if data != nil {
				r.errorf(stmts[i], "socket %s %s both %s (at %s) and %s, which cannot be told apart on the wire; all but one of a socket's types must be constants",
					sockName(si), verb, data.Name, r.at(dataAt), m.Name)
				continue
			}
			data, dataAt = m, stmts[i]
		}
	}
}

// hasBindStmt reports whether the socket wrote a bind, even an invalid
// one (already reported).
func hasBindStmt(si *sockInfo) bool {
	for _, st := range si.decl.Stmts {
		if _, ok := st.(*Bind); ok {
			return true
		}
	}
	return false
}

// hasEndpointStmt reports whether the socket wrote any bind or connect,
// even an invalid one (already reported).
func (r *resolver) hasEndpointStmt(si *sockInfo) bool {
	for _, st := range si.decl.Stmts {
		switch st.(type) {
		case *Bind, *Connect:
			return true
		}
	}
	return false
}

var optionNames = []string{"hwm", "send_hwm", "recv_hwm", "linger", "identity", "max_msg_size", "send_timeout", "recv_timeout"}

// maxHWM bounds high-water marks (libzmq stores them in an int).
const maxHWM = 1<<31 - 1

func (r *resolver) option(si *sockInfo, st *OptionStmt, set map[string]*OptionStmt) {
	o := &si.s.Options
	name := st.Name.Name
	fail := func(msg string) { r.errorf(st.Value, "%s: %s", name, msg) }
	switch name {
	case "hwm", "send_hwm", "recv_hwm":
		if name != "hwm" {
			if prev, ok := set["hwm"]; ok {
				r.errorf(st, "%s conflicts with hwm at %s", name, r.at(prev))
				return
			}
		} else {
			for _, other := range []string{"send_hwm", "recv_hwm"} {
				if prev, ok := set[other]; ok {
					r.errorf(st, "hwm conflicts with %s at %s", other, r.at(prev))
					return
				}
			}
		}
		n, msg := readInt(st.Value)
		if msg != "" {
			fail(msg)
			return
		}
		if n < 0 || n > maxHWM {
			fail(fmt.Sprintf("must be between 0 (no limit) and %d, not %d", maxHWM, n))
			return
		}
		v := int(n)
		if name != "recv_hwm" {
			o.SendHWM = &v
		}
		if name != "send_hwm" {
			o.RecvHWM = &v
		}
	case "linger", "send_timeout", "recv_timeout":
		d, msg := readDuration(st.Value)
		if msg != "" {
			fail(msg)
			return
		}
		if d < 0 {
			fail(fmt.Sprintf("must not be negative, not %s", st.Value.Text()))
			return
		}
		if d == 0 && name != "linger" {
			fail("must be positive; leave it out to wait forever")
			return
		}
		switch name {
		case "linger":
			o.Linger = &d
		case "send_timeout":
			o.SendTimeout = &d
		case "recv_timeout":
			o.RecvTimeout = &d
		}
	case "identity":
		id, msg := readString(st.Value)
		if msg != "" {
			fail(msg)
			return
		}
		// ZMTP reserves identities starting with a zero byte for ROUTER's
		// own generated ones, and limits them to 255 bytes.
		switch {
		case id == "":
			fail("must not be empty")
			return
		case len(id) > 255:
			fail(fmt.Sprintf("must be at most 255 bytes, not %d", len(id)))
			return
		case id[0] == 0:
			fail("must not start with a zero byte (reserved by ZeroMQ)")
			return
		}
		o.Identity = &id
	case "max_msg_size":
		n, msg := readSize(st.Value)
		if msg != "" {
			fail(msg)
			return
		}
		if n <= 0 {
			fail(fmt.Sprintf("must be positive, not %s", st.Value.Text()))
			return
		}
		o.MaxMsgSize = &n
	case "retry", "reconnect", "heartbeat":
		r.errorf(st.Value, "%s takes a block of settings, such as %s", name, map[string]string{
			"retry": "retry { timeout 2500ms retries 3 }", "reconnect": "reconnect { initial 1s max 32s }",
			"heartbeat": "heartbeat { interval 1s liveness 3 }"}[name])
	default:
		r.errorf(st.Name, "unknown socket option %q%s", name, didYouMean(name, socketKeywords))
	}
}

// Defaults of the policy settings, from the zguide's Lazy Pirate and
// Paranoid Pirate examples.
const (
	defaultRetryTimeout      = 2500 * time.Millisecond
	defaultRetries           = 3
	defaultReconnectInitial  = time.Second
	defaultReconnectMax      = 32 * time.Second
	defaultHeartbeatInterval = time.Second
	defaultHeartbeatLiveness = 3
)

var policySettings = map[string][]string{
	"retry":     {"timeout", "retries", "reopen"},
	"reconnect": {"initial", "max"},
	"heartbeat": {"interval", "liveness"},
}

func (r *resolver) policy(si *sockInfo, p *Policy) {
	kind := p.Kind.Name
	names, ok := policySettings[kind]
	if !ok {
		r.errorf(p.Kind, "unknown policy %q; expected retry, reconnect or heartbeat%s",
			kind, didYouMean(kind, []string{"retry", "reconnect", "heartbeat"}))
		return
	}
	vals := map[string]*Setting{}
	for _, st := range p.Settings {
		if !contains(names, st.Name.Name) {
			r.errorf(st.Name, "unknown %s setting %q; expected %s%s", kind, st.Name.Name,
				strings.Join(names, ", "), didYouMean(st.Name.Name, names))
			continue
		}
		if prev, ok := vals[st.Name.Name]; ok {
			r.errorf(st, "%s already set at %s", st.Name.Name, r.at(prev))
			continue
		}
		vals[st.Name.Name] = st
		if st.Value == nil && st.Name.Name != "reopen" {
			r.errorf(st, "%s needs a value", st.Name.Name)
			delete(vals, st.Name.Name)
		}
	}
	dur := func(name string, def time.Duration) (time.Duration, bool) {
		st, ok := vals[name]
		if !ok {
			return def, true
		}
		d, msg := readDuration(st.Value)
		if msg == "" && d <= 0 {
			msg = fmt.Sprintf("must be positive, not %s", st.Value.Text())
		}
		if msg != "" {
			r.errorf(st.Value, "%s %s: %s", kind, name, msg)
			return def, false
		}
		return d, true
	}
	count := func(name string, def int) (int, bool) {
		st, ok := vals[name]
		if !ok {
			return def, true
		}
		n, msg := readInt(st.Value)
		if msg == "" && (n < 1 || n > 1<<20) {
			msg = fmt.Sprintf("must be between 1 and %d, not %d", 1<<20, n)
		}
		if msg != "" {
			r.errorf(st.Value, "%s %s: %s", kind, name, msg)
			return def, false
		}
		return int(n), true
	}
	s := si.s
	switch kind {
	case "retry":
		if s.Type != model.REQ && s.Type != 0 {
			r.errorf(p.Kind, "retry applies to REQ sockets only, and %s is %s", sockName(si), s.Type)
		}
		timeout, ok1 := dur("timeout", defaultRetryTimeout)
		retries, _ := count("retries", defaultRetries)
		reopen := false
		if st, ok := vals["reopen"]; ok && st.Value != nil {
			b, msg := readBool(st.Value)
			if msg != "" {
				r.errorf(st.Value, "retry reopen: %s", msg)
			}
			reopen = b
		} else if ok {
			reopen = true
		}
		if ok1 && timeout < time.Second {
			r.warnf(vals["timeout"], "retry timeout %s is under 1s; a busy peer will look dead", timeout)
		}
		s.Retry = &model.Retry{Timeout: timeout, Retries: retries, Reopen: reopen}
	case "reconnect":
		initial, ok1 := dur("initial", defaultReconnectInitial)
		max, ok2 := dur("max", defaultReconnectMax)
		if ok1 && ok2 && max < initial {
			at := Node(p)
			if st, ok := vals["max"]; ok {
				at = st
			}
			r.warnf(at, "reconnect max %s is under its initial %s", max, initial)
		}
		s.Reconnect = &model.Reconnect{Initial: initial, Max: max}
	case "heartbeat":
		interval, _ := dur("interval", defaultHeartbeatInterval)
		liveness, ok := count("liveness", defaultHeartbeatLiveness)
		if ok && liveness < 3 {
			r.warnf(vals["liveness"], "heartbeat liveness %d is under 3; one late heartbeat will drop the peer", liveness)
		}
		s.Heartbeat = &model.Heartbeat{Interval: interval, Liveness: liveness}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// resolveConnects resolves node.socket references, now that every socket
// is declared and has its binds.
func (r *resolver) resolveConnects(si *sockInfo) {
	for _, c := range si.connects {
		if c.ref == nil {
			si.s.Connects = append(si.s.Connects, &model.Endpoint{Addr: c.addr.text})
			continue
		}
		ni, ok := r.nodes[c.ref.Node.Name]
		if !ok {
			r.errorf(c.ref.Node, "unknown node %q%s", c.ref.Node.Name, didYouMean(c.ref.Node.Name, r.nodeNames()))
			continue
		}
		to, ok := ni.sockets[c.ref.Socket.Name]
		if !ok {
			var names []string
			for _, o := range ni.list {
				names = append(names, o.s.Name)
			}
			r.errorf(c.ref.Socket, "node %q has no socket %q%s", ni.n.Name, c.ref.Socket.Name, didYouMean(c.ref.Socket.Name, names))
			continue
		}
		if to == si {
			r.errorf(c.ref, "socket %s cannot connect to itself", sockName(si))
			continue
		}
		if len(to.binds) == 0 {
			if !hasBindStmt(to) {
				r.errorf(c.ref, "%s.%s does not bind; connect to a socket that binds", ni.n.Name, to.s.Name)
			}
			continue
		}
		c.to = to
		for _, b := range to.binds {
			if b.addr.ephemeral() {
				r.errorf(c.ref, "%s.%s binds %q, an ephemeral port, so its address is not known in advance",
					ni.n.Name, to.s.Name, b.addr.text)
				continue
			}
			si.s.Connects = append(si.s.Connects, &model.Endpoint{Addr: b.addr.connectForm(), Ref: to.s})
		}
	}
	// The same target twice is a mistake (and a double connection).
	seen := map[string]*connInfo{}
	for _, c := range si.connects {
		var key string
		switch {
		case c.to != nil:
			key = "ref:" + c.to.node.n.Name + "." + c.to.s.Name
		case c.ref == nil:
			key = "addr:" + c.addr.text
		default:
			continue
		}
		if prev, ok := seen[key]; ok {
			r.errorf(c.stmt.Addr, "socket %s already connects to %s at %s", sockName(si), c.describe(), r.at(prev.stmt.Addr))
			continue
		}
		seen[key] = c
	}
}

func (c *connInfo) describe() string {
	if c.to != nil {
		return c.to.node.n.Name + "." + c.to.s.Name
	}
	return fmt.Sprintf("%q", c.addr.text)
}

func (r *resolver) nodeNames() []string {
	var out []string
	for _, n := range r.nodeList {
		out = append(out, n.n.Name)
	}
	sort.Strings(out)
	return out
}
