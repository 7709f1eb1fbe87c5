package dsl

import (
	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// This file defines sockets: their statements, and what a socket
// declares checked against what its type can do.

func (check *checker) defineSocket(si *sockInfo) {
	d := si.decl
	s := si.s
	typ, typeKnown := model.ParseSocketType(d.Type.Name)
	if !typeKnown {
		check.errorf(d.Type, "expected a socket type (%s), found %q%s",
			syntax.OrList(model.SocketTypeNames()), d.Type.Name, syntax.DidYouMean(d.Type.Name, model.SocketTypeNames()))
	}
	s.Type = typ
	opts := map[string]*syntax.OptionStmt{}
	policies := map[string]*syntax.Policy{}
	subs := map[string]*syntax.Subscribe{}
	for _, st := range d.Stmts {
		switch st := st.(type) {
		case *syntax.Bind:
			if st.Addr.Ref != nil {
				check.errorf(st.Addr, "bind takes an address string such as \"tcp://*:5555\", not a reference")
				continue
			}
			a, ok := check.address(st.Addr, true)
			if !ok {
				continue
			}
			for _, b := range si.binds {
				if b.addr.text == a.text {
					check.errorf(st.Addr, "socket %s already binds %q at %s", sockName(si), a.text, check.first(b.stmt.Addr))
					ok = false
				}
			}
			if !ok {
				continue
			}
			si.binds = append(si.binds, &bindInfo{stmt: st, addr: a})
			s.Binds = append(s.Binds, &model.Endpoint{Addr: a.text})
		case *syntax.Connect:
			if st.Addr.Ref != nil {
				si.connects = append(si.connects, &connInfo{stmt: st, ref: st.Addr.Ref})
				continue
			}
			a, ok := check.address(st.Addr, false)
			if !ok {
				continue
			}
			si.connects = append(si.connects, &connInfo{stmt: st, addr: a})
		case *syntax.Send:
			if prev := findMsgStmt(si.sends, st.Msg.Name); prev != nil {
				check.errorf(st, "socket %s already sends %s at %s", sockName(si), st.Msg.Name, check.first(prev))
				continue
			}
			m := check.message(st.Msg)
			if m == nil {
				si.badMsg = true
				continue
			}
			si.sends = append(si.sends, st)
			s.Send = append(s.Send, m)
		case *syntax.Recv:
			if prev := findMsgStmt(si.recvs, st.Msg.Name); prev != nil {
				check.errorf(st, "socket %s already receives %s at %s", sockName(si), st.Msg.Name, check.first(prev))
				continue
			}
			m := check.message(st.Msg)
			if m == nil {
				si.badMsg = true
				continue
			}
			si.recvs = append(si.recvs, st)
			s.Recv = append(s.Recv, m)
		case *syntax.Subscribe:
			si.subs = append(si.subs, st)
			v, msg := readString(st.Value)
			if msg != "" {
				check.errorf(st.Value, "subscribe: %s", msg)
				continue
			}
			if !typ.Subscribes() && typeKnown {
				check.errorf(st, "subscribe applies to SUB sockets only, and %s is %s", sockName(si), typ)
				continue
			}
			if prev, ok := subs[v]; ok {
				check.warnf(st, "socket %s already subscribes to %q at %s", sockName(si), v, check.first(prev))
			}
			subs[v] = st
			s.Subscribe = append(s.Subscribe, v)
		case *syntax.OptionStmt:
			if prev, ok := opts[st.Name.Name]; ok {
				check.errorf(st, "option %s already set at %s", st.Name.Name, check.first(prev))
				continue
			}
			opts[st.Name.Name] = st
			check.option(si, st, opts)
		case *syntax.Policy:
			if prev, ok := policies[st.Kind.Name]; ok {
				check.errorf(st, "%s already set at %s", st.Kind.Name, check.first(prev))
				continue
			}
			policies[st.Kind.Name] = st
			check.policy(si, st)
		}
	}
	check.socketShape(si, typeKnown)
}

// socketShape checks what a socket declares against its type.
func (check *checker) socketShape(si *sockInfo, typeKnown bool) {
	s := si.s
	if len(si.binds) == 0 && len(si.connects) == 0 && !hasStmt[*syntax.Bind](si) && !hasStmt[*syntax.Connect](si) {
		check.errorf(si.decl.Name, "socket %s neither binds nor connects", sockName(si))
	} else if s.ConnectAll != nil && !hasStmt[*syntax.Connect](si) {
		check.errorf(policyBlock(si, "connect_all"), "connect_all applies to a socket that connects, and %s only binds", sockName(si))
	}
	if !typeKnown {
		return
	}
	hasSend := len(si.sends) > 0 || hasStmt[*syntax.Send](si)
	hasRecv := len(si.recvs) > 0 || hasStmt[*syntax.Recv](si)
	if !s.Type.CanSend() {
		for _, st := range si.sends {
			check.errorf(st, "%s socket %s cannot send", s.Type, sockName(si))
		}
	}
	if !s.Type.CanRecv() {
		for _, st := range si.recvs {
			check.errorf(st, "%s socket %s cannot receive", s.Type, sockName(si))
		}
	}
	check.distinct(si, "sends", si.s.Send, msgStmts(si.sends))
	check.distinct(si, "receives", si.s.Recv, msgStmts(si.recvs))
	if s.Type.Lockstep() && (!hasSend || !hasRecv) {
		missing := "send"
		switch {
		case !hasSend && !hasRecv:
			missing = "send or recv"
		case !hasRecv:
			missing = "recv"
		}
		check.errorf(si.decl.Name, "%s socket %s needs both send and recv; it has no %s", s.Type, sockName(si), missing)
		si.incomplete = true
	}
	if s.Type.Subscribes() && len(si.subs) == 0 {
		check.warnf(si.decl.Name, "%s socket %s has no subscribe and receives nothing", s.Type, sockName(si))
	}
	// An XPUB or XSUB (a proxy's sockets) may only forward subscriptions.
	if !hasSend && !hasRecv && !s.Type.Lockstep() && s.Type != model.XPUB && s.Type != model.XSUB {
		check.warnf(si.decl.Name, "socket %s neither sends nor receives", sockName(si))
	}
}

// hasStmt reports whether the socket wrote a statement of type T, even
// one that did not resolve (already reported).
func hasStmt[T syntax.SocketStmt](si *sockInfo) bool {
	for _, st := range si.decl.Stmts {
		if _, ok := st.(T); ok {
			return true
		}
	}
	return false
}

// findMsgStmt returns the statement of list that names msg, or nil.
func findMsgStmt[T interface{ *syntax.Send | *syntax.Recv }](list []T, msg string) syntax.Node {
	for _, st := range list {
		var id *syntax.Ident
		switch st := any(st).(type) {
		case *syntax.Send:
			id = st.Msg
		case *syntax.Recv:
			id = st.Msg
		}
		if id.Name == msg {
			return any(st).(syntax.Node)
		}
	}
	return nil
}

// msgStmts returns the send or recv statements as Nodes, for positions.
func msgStmts[T interface {
	*syntax.Send | *syntax.Recv
	syntax.Node
}](list []T) []syntax.Node {
	out := make([]syntax.Node, len(list))
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
func (check *checker) distinct(si *sockInfo, verb string, msgs []*model.Message, stmts []syntax.Node) {
	if len(msgs) < 2 {
		return
	}
	var data *model.Message
	var dataAt syntax.Node
	consts := map[string]int{}
	for i, m := range msgs {
		switch {
		case m.Builtin:
			check.errorf(stmts[i], "socket %s %s several types, so %s needs a name: declare \"message Name = %s\" and use it",
				sockName(si), verb, m.Name, m.Name)
		case m.Kind == model.Const:
			if j, ok := consts[string(m.Value)]; ok {
				check.errorf(stmts[i], "socket %s %s %s and %s, constants with the same bytes %q, which cannot be told apart",
					sockName(si), verb, msgs[j].Name, m.Name, m.Value)
				continue
			}
			consts[string(m.Value)] = i
		case m.Kind == 0:
			// Its kind did not resolve; already reported.
		default:
			if data != nil {
				check.errorf(stmts[i], "socket %s %s both %s (at %s) and %s, which cannot be told apart on the wire; all but one of a socket's types must be constants",
					sockName(si), verb, data.Name, check.first(dataAt), m.Name)
				continue
			}
			data, dataAt = m, stmts[i]
		}
	}
}
