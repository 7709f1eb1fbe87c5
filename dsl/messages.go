package dsl

import (
	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// This file declares and defines messages: their kinds, fields and
// field types, and reports messages that contain themselves.

func (check *checker) isNested(mi *msgInfo) bool {
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
	for _, o := range check.msgOrder {
		if o != mi && walk(o.m.Fields) {
			return true
		}
	}
	return false
}

func (check *checker) declareMessage(d *syntax.MessageDecl) {
	name := d.Name.Name
	if _, ok := check.builtins[name]; ok {
		check.errorf(d.Name, "message name %q is a builtin type", name)
		return
	}
	if prev, ok := check.msgs[name]; ok {
		check.errorf(d.Name, "message %q already declared at %s", name, check.first(prev.decl.Name))
		return
	}
	mi := &msgInfo{decl: d, m: &model.Message{Name: name, Doc: check.docs.DocAt(d.Pos)}}
	check.declared[mi.m] = d.Name
	check.msgs[name] = mi
	check.msgOrder = append(check.msgOrder, mi)
	check.topo.Messages = append(check.topo.Messages, mi.m)
}

var messageKinds = map[string]model.MessageKind{
	"string": model.String, "bytes": model.Bytes, "json": model.JSON, "multipart": model.Multipart,
}

func (check *checker) defineMessage(mi *msgInfo) {
	d := mi.decl
	if d.Const != nil {
		mi.m.Kind = model.Const
		v, msg := readString(d.Const)
		switch {
		case msg != "":
			check.errorf(d.Const, "constant message %q: %s", mi.m.Name, msg)
		case v == "":
			// An empty frame is the envelope delimiter on ROUTER and
			// DEALER sockets: it could not be told from one.
			check.errorf(d.Const, "constant message %q is empty; a constant needs at least one byte", mi.m.Name)
		default:
			mi.m.Value = []byte(v)
		}
		return
	}
	kind, ok := messageKinds[d.Kind.Name]
	if !ok {
		check.errorf(d.Kind, "unknown message kind %q; expected string, bytes, json or multipart%s",
			d.Kind.Name, syntax.DidYouMean(d.Kind.Name, []string{"string", "bytes", "json", "multipart"}))
		return
	}
	mi.m.Kind = kind
	switch kind {
	case model.String, model.Bytes:
		if d.Braces {
			check.errorf(d.Kind, "a %s message has no fields", kind)
		}
	case model.JSON, model.Multipart:
		if !d.Braces {
			check.errorf(d.Kind, "a %s message needs its fields in braces: %s { name type ... }", kind, kind)
			return
		}
		if kind == model.Multipart && len(d.Fields) == 0 {
			check.errorf(d.Kind, "a multipart message needs at least one frame")
		}
		mi.m.Fields = check.fields(d.Fields, kind == model.Multipart, mi)
	}
}

// fields resolves a field list; frames restricts types to scalars.
func (check *checker) fields(fs []*syntax.Field, frames bool, owner *msgInfo) []*model.Field {
	var out []*model.Field
	seen := map[string]*syntax.Field{}
	for _, f := range fs {
		if prev, ok := seen[f.Name.Name]; ok {
			what := "field"
			if frames {
				what = "frame"
			}
			check.errorf(f.Name, "%s %q already declared at %s", what, f.Name.Name, check.first(prev.Name))
			continue
		}
		seen[f.Name.Name] = f
		t := check.fieldType(f.Type, owner)
		if t == nil {
			continue
		}
		if frames && (t.Kind == model.List || t.Kind == model.Object || t.Kind == model.Ref) {
			check.errorf(f.Type, "multipart frame %q cannot be of %s type; frames are int, float, string, bool or bytes",
				f.Name.Name, map[model.FieldKind]string{model.List: "list", model.Object: "object", model.Ref: "message"}[t.Kind])
			continue
		}
		mf := &model.Field{Name: f.Name.Name, Doc: check.docs.DocAt(f.Pos), Type: t}
		check.declared[mf] = f.Name
		out = append(out, mf)
	}
	return out
}

var scalarKinds = map[string]model.FieldKind{
	"int": model.Int, "float": model.Float, "string": model.Str, "bool": model.Bool, "bytes": model.Raw,
}

func (check *checker) fieldType(t *syntax.Type, owner *msgInfo) *model.FieldType {
	switch {
	case t.List != nil:
		elem := check.fieldType(t.List, owner)
		if elem == nil {
			return nil
		}
		return &model.FieldType{Kind: model.List, Elem: elem}
	case t.Object:
		return &model.FieldType{Kind: model.Object, Fields: check.fields(t.Fields, false, owner)}
	case t.Name != nil:
		name := t.Name.Name
		if k, ok := scalarKinds[name]; ok {
			return &model.FieldType{Kind: k}
		}
		mi, ok := check.msgs[name]
		if !ok {
			cands := []string{"int", "float", "string", "bool", "bytes"}
			for _, o := range check.msgOrder {
				cands = append(cands, o.m.Name)
			}
			if hint := syntax.DidYouMean(name, cands); hint != "" {
				check.errorf(t.Name, "unknown type %q%s", name, hint)
			} else {
				check.errorf(t.Name, "unknown type %q; field types are int, float, string, bool, bytes, []T, { fields } or a json message", name)
			}
			return nil
		}
		if mi.decl.Kind == nil || mi.decl.Kind.Name != "json" {
			kind := "constant"
			if mi.decl.Kind != nil {
				kind = mi.decl.Kind.Name
			}
			check.errorf(t.Name, "field type %q is a %s message; only json messages can be nested", name, kind)
			return nil
		}
		return &model.FieldType{Kind: model.Ref, Message: mi.m}
	}
	return nil
}

// checkMessageCycles reports a JSON message that contains itself other
// than through a list: such a value would be infinitely large.
func (check *checker) checkMessageCycles() {
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
	for _, mi := range check.msgOrder {
		if state[mi.m] == unvisited && mi.m.Kind == model.JSON && visit(mi.m) {
			check.errorf(mi.decl.Name, "message %q contains itself; use a list ([]%s) to nest it", mi.m.Name, mi.m.Name)
		}
	}
}

// message resolves a send or recv message name.
func (check *checker) message(id *syntax.Ident) *model.Message {
	if b, ok := check.builtins[id.Name]; ok {
		return b
	}
	if mi, ok := check.msgs[id.Name]; ok {
		mi.used = true
		return mi.m
	}
	cands := []string{"string", "bytes"}
	for _, o := range check.msgOrder {
		cands = append(cands, o.m.Name)
	}
	check.errorf(id, "unknown message type %q%s", id.Name, syntax.DidYouMean(id.Name, cands))
	return nil
}
