package dsl

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// An Index tells where the declarations of a compiled topology are in its
// source, for tools that report on a model rather than on syntax (such as
// zmqgen breaking, which compares two versions of a topology). The model
// itself holds no positions; an Index looks them up by name.
//
// Every lookup returns a valid range: when the thing asked for is not in
// the file, it falls back to the nearest enclosing declaration (a socket's
// statement to the socket, a socket to its node, a node or message to the
// topology statement).
type Index struct {
	file    string
	top     Range
	ranges  map[string]Range
	accepts []Accept
}

// An Accept is a directive comment that accepts a change a tool would
// otherwise report:
//
//	// zmqgen:accept WIRE_JSON_FIELD_REMOVED the sink no longer reads it
//
// The first word after "zmqgen:accept" is one rule ID or several separated
// by commas; the rest of the comment is the reason, for people. A
// directive on a line of its own applies to the declaration or statement
// below it (as a doc comment does, and it is not part of the doc comment);
// a directive after code applies to that line.
type Accept struct {
	Rules  []string
	Reason string
	Range  Range // the comment
	Line   int   // the line it applies to
}

// acceptPrefix starts an accept directive's text (after "//").
const acceptPrefix = "zmqgen:accept"

// CompileIndex is Compile that also returns the Index of the source. The
// Index is nil when the source does not parse.
func CompileIndex(filename string, src []byte) (*model.Topology, *Index, Diagnostics) {
	topo, f, diags := compile(filename, src)
	if f == nil {
		return topo, nil, diags
	}
	return topo, newIndex(filename, src, f), diags
}

// LoadIndex reads the .ztopo file at path and compiles it with CompileIndex.
func LoadIndex(path string) (*model.Topology, *Index, []byte, Diagnostics) {
	src, diags := ReadFile(path)
	if diags != nil {
		return nil, nil, nil, diags
	}
	topo, ix, diags := CompileIndex(path, src)
	return topo, ix, src, diags
}

func newIndex(filename string, src []byte, f *syntax.File) *Index {
	filename = strings.ReplaceAll(filename, "\\", "/")
	d := &diagnoser{file: filename, src: src}
	ix := &Index{file: filename, ranges: map[string]Range{}}
	ix.top = d.rangeOf(f.Topology.Name)
	put := func(key string, n syntax.Node) {
		if _, dup := ix.ranges[key]; !dup {
			ix.ranges[key] = d.rangeOf(n)
		}
	}
	var fields func(prefix string, fs []*syntax.Field)
	fields = func(prefix string, fs []*syntax.Field) {
		for _, fd := range fs {
			k := prefix + "." + fd.Name.Name
			put(k, fd.Name)
			if fd.Type != nil {
				put(k+"#type", fd.Type)
				for t := fd.Type; t != nil; t = t.List {
					if t.Object {
						fields(k, t.Fields)
					}
				}
			}
		}
	}
	for _, decl := range f.Decls {
		switch decl := decl.(type) {
		case *syntax.MessageDecl:
			k := "m:" + decl.Name.Name
			put(k, decl.Name)
			switch {
			case decl.Const != nil:
				put(k+"#kind", decl.Const)
			case decl.Kind != nil:
				put(k+"#kind", decl.Kind)
			}
			fields(k, decl.Fields)
		case *syntax.NodeDecl:
			nk := "n:" + decl.Name.Name
			put(nk, decl.Name)
			for _, st := range decl.Stmts {
				switch st := st.(type) {
				case *syntax.Replicas:
					put(nk+"#replicas", st)
				case *syntax.ParamDecl:
					put(nk+"#param:"+st.Name.Name, st.Name)
				case *syntax.SocketDecl:
					sk := nk + "/" + st.Name.Name
					put(sk, st.Name)
					put(sk+"#type", st.Type)
					for _, ss := range st.Stmts {
						switch ss := ss.(type) {
						case *syntax.Bind:
							if ss.Addr.Literal != nil {
								v, _ := strconv.Unquote(*ss.Addr.Literal)
								put(sk+"#bind:"+v, ss)
							}
							put(sk+"#bind", ss)
						case *syntax.Connect:
							switch {
							case ss.Addr.Literal != nil:
								v, _ := strconv.Unquote(*ss.Addr.Literal)
								put(sk+"#connect:"+v, ss)
							case ss.Addr.Ref != nil:
								put(sk+"#connect:"+ss.Addr.Ref.Node.Name+"."+ss.Addr.Ref.Socket.Name, ss)
							}
							put(sk+"#connect", ss)
						case *syntax.Send:
							put(sk+"#send:"+ss.Msg.Name, ss)
							put(sk+"#send", ss)
						case *syntax.Recv:
							put(sk+"#recv:"+ss.Msg.Name, ss)
							put(sk+"#recv", ss)
						case *syntax.Subscribe:
							if ss.Value.String != nil {
								v, _ := strconv.Unquote(*ss.Value.String)
								put(sk+"#subscribe:"+v, ss)
							}
							put(sk+"#subscribe", ss)
						case *syntax.Policy:
							put(sk+"#"+ss.Kind.Name, ss)
						case *syntax.OptionStmt:
							name := ss.Name.Name
							put(sk+"#"+name, ss)
							// hwm sets both high-water marks.
							if name == "hwm" {
								put(sk+"#send_hwm", ss)
								put(sk+"#recv_hwm", ss)
							}
						}
					}
				}
			}
		}
	}
	ix.accepts = findAccepts(filename, src)
	return ix
}

// findAccepts returns the accept directives of src, in source order.
func findAccepts(filename string, src []byte) []Accept {
	// Lexing again costs as much as parsing: skip it when there is no
	// directive at all, as in most files.
	if !bytes.Contains(src, []byte(acceptPrefix)) {
		return nil
	}
	var out []Accept
	for _, d := range syntax.NewComments(syntax.Tokens(filename, src)).Directives(acceptPrefix) {
		a := Accept{Range: Range{File: filename, Start: posAt(src, d.Offset), End: posAt(src, d.End)}}
		if words := strings.Fields(d.Text); len(words) > 0 {
			for _, r := range strings.Split(words[0], ",") {
				if r != "" {
					a.Rules = append(a.Rules, r)
				}
			}
			a.Reason = strings.Join(words[1:], " ")
		}
		if d.Target >= 0 {
			a.Line = posAt(src, d.Target).Line
		}
		out = append(out, a)
	}
	return out
}

// File returns the file name the Index's ranges carry.
func (ix *Index) File() string { return ix.file }

// Topology returns the range of the topology's name.
func (ix *Index) Topology() Range { return ix.top }

func (ix *Index) lookup(keys ...string) Range {
	for _, k := range keys {
		if r, ok := ix.ranges[k]; ok {
			return r
		}
	}
	return ix.top
}

// Message returns the range of a declared message's name.
func (ix *Index) Message(name string) Range { return ix.lookup("m:" + name) }

// MessageKind returns the range of a message's kind (json, string, ...) or
// constant literal.
func (ix *Index) MessageKind(name string) Range { return ix.lookup("m:"+name+"#kind", "m:"+name) }

// Field returns the range of a field's name; path names the field and,
// for a field of a nested object, the fields that lead to it.
func (ix *Index) Field(message string, path ...string) Range {
	keys := []string{}
	for i := len(path); i >= 0; i-- {
		keys = append(keys, "m:"+message+prefixPath(path[:i]))
	}
	return ix.lookup(keys...)
}

// FieldType returns the range of a field's type.
func (ix *Index) FieldType(message string, path ...string) Range {
	k := "m:" + message + prefixPath(path)
	if r, ok := ix.ranges[k+"#type"]; ok {
		return r
	}
	return ix.Field(message, path...)
}

func prefixPath(path []string) string {
	if len(path) == 0 {
		return ""
	}
	return "." + strings.Join(path, ".")
}

// Node returns the range of a node's name.
func (ix *Index) Node(name string) Range { return ix.lookup("n:" + name) }

// Param returns the range of a node parameter's name.
func (ix *Index) Param(node, name string) Range {
	return ix.lookup("n:"+node+"#param:"+name, "n:"+node)
}

// Socket returns the range of a socket's name.
func (ix *Index) Socket(node, socket string) Range {
	return ix.lookup("n:"+node+"/"+socket, "n:"+node)
}

// Statement returns the range of a statement of a socket: what is a
// statement keyword ("bind", "connect", "send", "recv", "subscribe"), an
// option ("max_msg_size", ...), a policy ("retry", "heartbeat",
// "reconnect") or "type" for the socket's type. arg picks one of several:
// the address bound or connected to (a literal address, or node.socket for
// a reference), the message sent or received, the subscribed prefix; ""
// takes the first. A statement not found falls back to the socket.
func (ix *Index) Statement(node, socket, what, arg string) Range {
	sk := "n:" + node + "/" + socket
	keys := []string{}
	if arg != "" {
		keys = append(keys, sk+"#"+what+":"+arg)
	}
	keys = append(keys, sk+"#"+what, sk, "n:"+node)
	return ix.lookup(keys...)
}

// Accepts returns the file's accept directives, in source order.
func (ix *Index) Accepts() []Accept { return ix.accepts }

// Accepted reports whether an accept directive naming rule applies to the
// line r starts on.
func (ix *Index) Accepted(rule string, r Range) bool {
	for _, a := range ix.accepts {
		if a.Line != r.Start.Line {
			continue
		}
		for _, x := range a.Rules {
			if x == rule {
				return true
			}
		}
	}
	return false
}
