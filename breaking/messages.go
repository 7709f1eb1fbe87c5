package breaking

import (
	"fmt"
	"strings"
	"time"

	"github.com/zmqgen/zmqgen/dsl"
	"github.com/zmqgen/zmqgen/dsl/model"
)

func timeMul(n int) time.Duration { return time.Duration(n) }

// msgCheck compares a message as one version sends it with the message
// the other version's receiver decodes it as.
type msgCheck struct {
	c        *comparison
	newSend  bool // the sender is the new version (else the receiver is)
	snd, rcv *model.Socket
	depth    int
}

// newMsg returns whichever of s (sent) and r (received) is the new
// version's message.
func (mc *msgCheck) newMsg(s, r *model.Message) *model.Message {
	if mc.newSend {
		return s
	}
	return r
}

func (mc *msgCheck) msgRange(m *model.Message) dsl.Range {
	if m.Builtin {
		what, s := "recv", mc.rcv
		if mc.newSend {
			what, s = "send", mc.snd
		}
		return mc.c.new.stmtAt(s, what, m.Name)
	}
	return mc.c.new.at(func(ix *dsl.Index) dsl.Range { return ix.MessageKind(m.Name) })
}

// message compares a sent non-constant message s with r, the receiver's
// one non-constant type.
func (mc *msgCheck) message(s, r *model.Message) {
	nm := mc.newMsg(s, r)
	if s.Kind != r.Kind {
		// A bytes receiver takes any frame as it is.
		if s.Kind == model.String && r.Kind == model.Bytes {
			return
		}
		mc.c.report(MessageKindChanged, mc.msgRange(nm), nil,
			"%s %s sends %s as %s; %s %s reads it as %s", mc.c.ver(mc.snd), sockName(mc.snd), s.Name, kindName(s), mc.c.ver(mc.rcv), sockName(mc.rcv), kindName(r))
		return
	}
	switch s.Kind {
	case model.JSON:
		mc.fields(s, r, nil, s.Fields, r.Fields)
	case model.Multipart:
		mc.frames(s, r)
	}
}

func kindName(m *model.Message) string {
	if m.Kind == model.Multipart {
		return fmt.Sprintf("multipart (%d frames)", len(m.Fields))
	}
	return m.Kind.String()
}

// frames compares multipart frames, which travel by position.
func (mc *msgCheck) frames(s, r *model.Message) {
	nm := mc.newMsg(s, r)
	if len(s.Fields) != len(r.Fields) {
		mc.c.report(FrameCountChanged, mc.msgRange(nm), nil,
			"%s has %d frames in the new version and %d in the old; a receiver of the other version drops it",
			nm.Name, len(nm.Fields), len(s.Fields)+len(r.Fields)-len(nm.Fields))
		return
	}
	if sameNameSet(s.Fields, r.Fields) {
		for i := range s.Fields {
			if s.Fields[i].Name != r.Fields[i].Name {
				mc.c.report(FrameOrderChanged, mc.msgRange(nm), nil,
					"frames of %s reordered; frame %d is %q to one version and %q to the other", nm.Name, i+1, s.Fields[i].Name, r.Fields[i].Name)
				return
			}
		}
	}
	for i := range s.Fields {
		sk, rk := s.Fields[i].Type.Kind, r.Fields[i].Type.Kind
		if frameReads(sk, rk) {
			continue
		}
		nf := mc.newMsg(s, r).Fields[i]
		mc.c.report(FrameTypeChanged, mc.c.new.at(func(ix *dsl.Index) dsl.Range { return ix.FieldType(nm.Name, nf.Name) }), nil,
			"frame %d of %s (%q) changed type; %s sends %s, %s reads %s", i+1, nm.Name, nf.Name, mc.c.ver(mc.snd), sk, mc.c.ver(mc.rcv), rk)
	}
}

// frameReads reports whether a frame written as sent decodes right as
// recv: the same type, any frame as bytes, text (not raw bytes) as a
// string, and an integer as a float.
func frameReads(sent, recv model.FieldKind) bool {
	switch {
	case sent == recv, recv == model.Raw:
		return true
	case recv == model.Str:
		return sent != model.Raw
	case recv == model.Float:
		return sent == model.Int
	}
	return false
}

// fields compares JSON object fields, which travel by key. path leads from
// the new version's message nm to the fields.
func (mc *msgCheck) fields(s, r *model.Message, path []string, sf, rf []*model.Field) {
	mc.depth++
	defer func() { mc.depth-- }()
	if mc.depth > 16 {
		return
	}
	nm := mc.newMsg(s, r)
	byName := func(fs []*model.Field) map[string]*model.Field {
		m := map[string]*model.Field{}
		for _, f := range fs {
			m[f.Name] = f
		}
		return m
	}
	sm, rm := byName(sf), byName(rf)
	at := func(name string) dsl.Range {
		p := append(append([]string(nil), path...), name)
		return mc.c.new.at(func(ix *dsl.Index) dsl.Range { return ix.Field(nm.Name, p...) })
	}
	typeAt := func(name string) dsl.Range {
		p := append(append([]string(nil), path...), name)
		return mc.c.new.at(func(ix *dsl.Index) dsl.Range { return ix.FieldType(nm.Name, p...) })
	}
	where := strings.Join(append([]string{nm.Name}, path...), ".")
	// A field the receiver knows that the sender does not send: with a
	// new receiver it is a field added in the new version, optional by
	// nature; with an old receiver it was removed or renamed.
	if mc.newSend {
		for _, f := range rf {
			if sm[f.Name] != nil {
				continue
			}
			renamed := ""
			for _, g := range sf {
				if rm[g.Name] == nil && sameType(g.Type, f.Type, 0) {
					renamed = g.Name
					break
				}
			}
			if renamed != "" {
				mc.c.report(JSONFieldRenamed, at(renamed), nil,
					"field %q of %s renamed from %q; an old receiver reads %q and finds nothing", renamed, where, f.Name, f.Name)
			} else {
				mc.c.report(JSONFieldRemoved, at(f.Name), nil,
					"field %q of %s removed; old %s reads it and gets the zero value", f.Name, where, sockName(mc.rcv))
			}
		}
	}
	for _, f := range sf {
		g := rm[f.Name]
		if g == nil {
			continue
		}
		mc.fieldType(s, r, append(append([]string(nil), path...), f.Name), f.Type, g.Type, typeAt(f.Name), where+"."+f.Name)
	}
}

// fieldType compares the types of one JSON field as sent (st) and as read (rt).
func (mc *msgCheck) fieldType(s, r *model.Message, path []string, st, rt *model.FieldType, at dsl.Range, where string) {
	switch {
	case (st.Kind == model.List) != (rt.Kind == model.List):
		mc.c.report(JSONListScalar, at, nil, "field %s changed between a list and a single value (%s, %s)", where, typeName(st), typeName(rt))
	case st.Kind == model.List:
		mc.fieldType(s, r, path, st.Elem, rt.Elem, at, where+"[]")
	case isObject(st) && isObject(rt):
		mc.fields(s, r, path, objFields(st), objFields(rt))
	case st.Kind == rt.Kind, st.Kind == model.Int && rt.Kind == model.Float:
	default:
		mc.c.report(JSONFieldRetyped, at, nil, "field %s changed type; %s sends %s, %s reads %s", where,
			mc.c.ver(mc.snd), typeName(st), mc.c.ver(mc.rcv), typeName(rt))
	}
}

func isObject(t *model.FieldType) bool { return t.Kind == model.Object || t.Kind == model.Ref }

func objFields(t *model.FieldType) []*model.Field {
	if t.Kind == model.Ref {
		return t.Message.Fields
	}
	return t.Fields
}

func typeName(t *model.FieldType) string {
	switch t.Kind {
	case model.List:
		return "[]" + typeName(t.Elem)
	case model.Object:
		return "object"
	case model.Ref:
		return t.Message.Name
	}
	return t.Kind.String()
}

func sameType(a, b *model.FieldType, depth int) bool {
	if depth > 16 {
		return true
	}
	if isObject(a) && isObject(b) {
		af, bf := objFields(a), objFields(b)
		if len(af) != len(bf) {
			return false
		}
		for i := range af {
			if af[i].Name != bf[i].Name || !sameType(af[i].Type, bf[i].Type, depth+1) {
				return false
			}
		}
		return true
	}
	if a.Kind != b.Kind {
		return false
	}
	if a.Kind == model.List {
		return sameType(a.Elem, b.Elem, depth+1)
	}
	return true
}
