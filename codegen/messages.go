package codegen

import (
	"fmt"
	"strconv"

	"github.com/dave/jennifer/jen"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// topologyFile is the message package: one Go type per declared message,
// with its codec. Its steps run in this order.
func (g *generator) topologyFile() *jen.File {
	f := jen.NewFilePathName(g.opts.ImportPath, g.t.Name)
	f.ImportName(RuntimePath, "runtime")
	g.genHeader(f)
	g.genTopologyDoc(f)
	genVersion(f)
	for _, m := range g.t.Messages {
		g.genMessage(f, m)
	}
	for _, n := range g.t.Nodes {
		socks, _ := nodeSockets(n) // validate has checked them
		for _, s := range socks {
			for _, ms := range []*msgSet{s.In, s.Out} {
				if ms != nil && ms.multi() {
					g.genSetInterface(f, n, s, ms)
				}
			}
		}
	}
	return f
}

// genSetInterface writes the sealed interface of the several types one
// direction of a socket carries: an unexported marker method that each
// type implements, and for what the socket receives, the decoder that
// picks the type.
func (g *generator) genSetInterface(f *jen.File, n *model.Node, s *sock, ms *msgSet) {
	verb := "sends"
	if ms.In {
		verb = "receives"
	}
	var names []string
	var consts []*model.Message
	var data *model.Message
	for _, m := range ms.Msgs {
		names = append(names, exported(m.Name))
		if m.Kind == model.Const {
			consts = append(consts, m)
		} else {
			data = m
		}
	}
	marker := "is" + ms.Iface
	f.Line()
	f.Add(doc(wrap(fmt.Sprintf("%s is a message that socket %s of node %s %s: %s. Its unexported "+
		"method keeps other types out.", ms.Iface, s.Name, n.Name, verb, orList(names)))))
	f.Type().Id(ms.Iface).Interface(
		jen.Qual(RuntimePath, "Marshaler"),
		jen.Id(marker).Params(),
	)
	f.Line()
	for _, m := range ms.Msgs {
		f.Func().Params(jen.Id(exported(m.Name))).Id(marker).Params().Block()
		f.Line()
	}
	if !ms.In {
		return
	}
	var constNames []string
	for _, m := range consts {
		constNames = append(constNames, exported(m.Name))
	}
	text := fmt.Sprintf("Unmarshal%s decodes msg as one of the messages socket %s of node %s receives", ms.Iface, s.Name, n.Name)
	switch {
	case len(consts) > 0 && data != nil:
		text += fmt.Sprintf(": %s when msg is its one frame, else %s.", orList(constNames), exported(data.Name))
	case len(consts) > 0:
		text += fmt.Sprintf(": %s, the one whose frame msg is.", orList(constNames))
	default:
		text += "."
	}
	f.Add(doc(wrap(text)))
	f.Func().Id("Unmarshal"+ms.Iface).Params(jen.Id("msg").Qual(RuntimePath, "Msg")).Params(jen.Id(ms.Iface), jen.Error()).BlockFunc(func(b *jen.Group) {
		if len(consts) > 0 {
			b.If(jen.Len(jen.Id("msg")).Op("==").Lit(1)).Block(
				jen.Switch(jen.String().Parens(jen.Id("msg").Index(jen.Lit(0)))).BlockFunc(func(sw *jen.Group) {
					for _, m := range consts {
						sw.Case(jen.Lit(string(m.Value))).Block(jen.Return(jen.Id(exported(m.Name)).Values(), jen.Nil()))
					}
				}),
			)
		}
		if data == nil {
			b.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(
				jen.Lit(fmt.Sprintf("%s.%s: a message of %%d frames is none of %s", g.t.Name, ms.Iface, orList(constNames))), jen.Len(jen.Id("msg"))))
			return
		}
		b.Var().Id("v").Id(exported(data.Name))
		b.If(jen.Err().Op(":=").Id("v").Dot("UnmarshalZMQ").Call(jen.Id("msg")), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Nil(), jen.Err()))
		b.Return(jen.Id("v"), jen.Nil())
	})
}

// genTopologyDoc writes the package doc: what the package is, then the
// topology's doc comment.
func (g *generator) genTopologyDoc(f *jen.File) {
	text := fmt.Sprintf("Package %s holds the message types of the %s topology and their\nZeroMQ codecs. Each node of the topology is a program in a sub-directory.", g.t.Name, g.t.Name)
	if g.t.Doc != "" {
		text += "\n\n" + g.t.Doc
	}
	f.PackageComment(commentLines(text))
}

// wireDesc says in words how a message is laid out on the wire.
func wireDesc(m *model.Message) string {
	switch m.Kind {
	case model.String:
		return "one frame of UTF-8 text"
	case model.Bytes:
		return "one frame of raw bytes"
	case model.JSON:
		return "one frame holding a JSON object"
	case model.Multipart:
		return fmt.Sprintf("%d frames, one per field in order", len(m.Fields))
	case model.Const:
		return fmt.Sprintf("one frame holding exactly %s", strconv.Quote(string(m.Value)))
	}
	return "?"
}

// genMessage writes a message's type, any nested types of its fields,
// and its MarshalZMQ and UnmarshalZMQ methods.
func (g *generator) genMessage(f *jen.File, m *model.Message) {
	name := exported(m.Name)
	f.Add(docFor(name, fmt.Sprintf("%s is the message %s: %s.", name, m.Name, wireDesc(m)), m.Doc))
	switch m.Kind {
	case model.String:
		f.Type().Id(name).String()
	case model.Bytes:
		f.Type().Id(name).Index().Byte()
	case model.JSON:
		var nested []nestedType
		f.Type().Id(name).Struct(g.jsonFields(name, m.Fields, &nested)...)
		for _, n := range nested {
			f.Line()
			f.Comment(n.doc)
			f.Type().Id(n.name).Struct(n.fields...)
		}
	case model.Const:
		// A struct with no fields: the type is the whole message.
		f.Type().Id(name).Struct()
	case model.Multipart:
		f.Type().Id(name).StructFunc(func(s *jen.Group) {
			for _, fl := range m.Fields {
				s.Add(doc(fl.Doc))
				s.Id(exported(fl.Name)).Add(scalarType(fl.Type))
			}
		})
	}
	f.Line()
	g.genMarshal(f, m, name)
	f.Line()
	g.genUnmarshal(f, m, name)
}

// A nestedType is the struct type of a nested JSON object.
type nestedType struct {
	name, doc string
	fields    []jen.Code
}

// jsonFields returns the fields of a JSON object type named parent, and
// appends the nested object types to nested, outer ones first.
func (g *generator) jsonFields(parent string, fields []*model.Field, nested *[]nestedType) []jen.Code {
	var out []jen.Code
	for _, fl := range fields {
		goName := exported(fl.Name)
		out = append(out, doc(fl.Doc),
			jen.Id(goName).Add(g.jsonType(parent, fl, fl.Type, nested)).Tag(map[string]string{"json": fl.Name}))
	}
	return out
}

// jsonType returns the Go type of field fl of the struct parent, or of an
// element of it; a nested object becomes a struct type named parent+field.
func (g *generator) jsonType(parent string, fl *model.Field, t *model.FieldType, nested *[]nestedType) jen.Code {
	switch t.Kind {
	case model.List:
		return jen.Index().Add(g.jsonType(parent, fl, t.Elem, nested))
	case model.Object:
		name := parent + exported(fl.Name)
		i := len(*nested)
		*nested = append(*nested, nestedType{name: name,
			doc: fmt.Sprintf("%s is the JSON object in field %s of %s.", name, exported(fl.Name), parent)})
		(*nested)[i].fields = g.jsonFields(name, t.Fields, nested)
		return jen.Id(name)
	case model.Ref:
		return jen.Id(exported(t.Message.Name))
	}
	return scalarType(t)
}

// scalarType is the Go type of an int, float, string, bool or bytes field.
func scalarType(t *model.FieldType) jen.Code {
	switch t.Kind {
	case model.Int:
		return jen.Int64()
	case model.Float:
		return jen.Float64()
	case model.Str:
		return jen.String()
	case model.Bool:
		return jen.Bool()
	case model.Raw:
		return jen.Index().Byte()
	}
	return jen.Any()
}

func (g *generator) genMarshal(f *jen.File, m *model.Message, name string) {
	rt := func(n string) *jen.Statement { return jen.Qual(RuntimePath, n) }
	f.Comment(fmt.Sprintf("MarshalZMQ encodes m as %s.", wireDesc(m)))
	f.Func().Params(jen.Id("m").Id(name)).Id("MarshalZMQ").Params().
		Params(rt("Msg"), jen.Error()).BlockFunc(func(b *jen.Group) {
		switch m.Kind {
		case model.String:
			b.Return(rt("StringMsg").Call(jen.String().Parens(jen.Id("m"))), jen.Nil())
		case model.Bytes:
			b.Return(rt("BytesMsg").Call(jen.Index().Byte().Parens(jen.Id("m"))), jen.Nil())
		case model.JSON:
			b.Return(rt("EncodeJSON").Call(jen.Id("m")))
		case model.Const:
			b.Return(rt("Msg").Values(jen.Index().Byte().Parens(jen.Lit(string(m.Value)))), jen.Nil())
		case model.Multipart:
			b.Return(rt("Msg").ValuesFunc(func(v *jen.Group) {
				for _, fl := range m.Fields {
					v.Line().Add(frameEncode(jen.Id("m").Dot(exported(fl.Name)), fl.Type))
				}
				v.Line()
			}), jen.Nil())
		}
	})
}

// frameEncode encodes the scalar v as one frame.
func frameEncode(v *jen.Statement, t *model.FieldType) jen.Code {
	fn := map[model.FieldKind]string{model.Int: "IntFrame", model.Float: "FloatFrame", model.Str: "StringFrame", model.Bool: "BoolFrame"}[t.Kind]
	if fn == "" {
		return v
	}
	return jen.Qual(RuntimePath, fn).Call(v)
}

func (g *generator) genUnmarshal(f *jen.File, m *model.Message, name string) {
	rt := func(n string) *jen.Statement { return jen.Qual(RuntimePath, n) }
	qualified := g.t.Name + "." + name
	f.Comment(fmt.Sprintf("UnmarshalZMQ decodes msg, %s, into m.", wireDesc(m)))
	f.Func().Params(jen.Id("m").Op("*").Id(name)).Id("UnmarshalZMQ").Params(jen.Id("msg").Add(rt("Msg"))).
		Error().BlockFunc(func(b *jen.Group) {
		switch m.Kind {
		case model.String, model.Bytes:
			decode := map[model.MessageKind]string{model.String: "DecodeString", model.Bytes: "DecodeBytes"}[m.Kind]
			b.List(jen.Id("v"), jen.Err()).Op(":=").Add(rt(decode)).Call(jen.Id("msg"))
			b.If(jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(qualified+": %w"), jen.Err())))
			b.Op("*").Id("m").Op("=").Id(name).Parens(jen.Id("v"))
			b.Return(jen.Nil())
		case model.JSON:
			b.Return(rt("DecodeJSON").Call(jen.Id("msg"), jen.Id("m")))
		case model.Const:
			b.If(jen.Len(jen.Id("msg")).Op("!=").Lit(1).Op("||").String().Parens(jen.Id("msg").Index(jen.Lit(0))).Op("!=").Lit(string(m.Value))).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(qualified+": not the one frame %q"), jen.Lit(string(m.Value)))))
			b.Return(jen.Nil())
		case model.Multipart:
			b.Id("r").Op(":=").Add(rt("NewFrameReader")).Call(jen.Id("msg"), jen.Lit(qualified), jen.Lit(len(m.Fields)))
			for _, fl := range m.Fields {
				read := map[model.FieldKind]string{model.Int: "Int", model.Float: "Float", model.Str: "String", model.Bool: "Bool", model.Raw: "Bytes"}[fl.Type.Kind]
				b.Id("m").Dot(exported(fl.Name)).Op("=").Id("r").Dot(read).Call(jen.Lit(fl.Name))
			}
			b.Return(jen.Id("r").Dot("Err").Call())
		}
	})
}
