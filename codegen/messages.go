package codegen

import (
	"fmt"

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
	return f
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
		var nested []*jen.Statement
		f.Type().Id(name).Struct(g.jsonFields(name, m.Fields, &nested)...)
		for _, n := range nested {
			f.Line()
			f.Add(n)
		}
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

// jsonFields returns the fields of a JSON object type named parent, and
// appends the declarations of nested object types to nested.
func (g *generator) jsonFields(parent string, fields []*model.Field, nested *[]*jen.Statement) []jen.Code {
	var out []jen.Code
	for _, fl := range fields {
		goName := exported(fl.Name)
		out = append(out, doc(fl.Doc),
			jen.Id(goName).Add(g.jsonType(parent+goName, fl.Type, nested)).Tag(map[string]string{"json": fl.Name}))
	}
	return out
}

// jsonType returns the Go type of a JSON value; a nested object becomes a
// struct type named name.
func (g *generator) jsonType(name string, t *model.FieldType, nested *[]*jen.Statement) jen.Code {
	switch t.Kind {
	case model.List:
		return jen.Index().Add(g.jsonType(name, t.Elem, nested))
	case model.Object:
		decl := jen.Add(doc(fmt.Sprintf("%s is a nested JSON object of a message.", name))).
			Type().Id(name).Struct(g.jsonFields(name, t.Fields, nested)...)
		*nested = append(*nested, decl)
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
	f.Comment(fmt.Sprintf("MarshalZMQ encodes m as %s.", wireDesc(m)))
	f.Func().Params(jen.Id("m").Id(name)).Id("MarshalZMQ").Params().
		Params(jen.Qual(RuntimePath, "Msg"), jen.Error()).BlockFunc(func(b *jen.Group) {
		switch m.Kind {
		case model.String, model.Bytes:
			b.Return(jen.Qual(RuntimePath, "Msg").Values(jen.Index().Byte().Parens(jen.Id("m"))), jen.Nil())
		case model.JSON:
			b.List(jen.Id("b"), jen.Err()).Op(":=").Qual("encoding/json", "Marshal").Call(jen.Id("m"))
			b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err()))
			b.Return(jen.Qual(RuntimePath, "Msg").Values(jen.Id("b")), jen.Nil())
		case model.Multipart:
			b.Return(jen.Qual(RuntimePath, "Msg").ValuesFunc(func(v *jen.Group) {
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
	switch t.Kind {
	case model.Int:
		return jen.Index().Byte().Parens(jen.Qual("strconv", "FormatInt").Call(v, jen.Lit(10)))
	case model.Float:
		return jen.Index().Byte().Parens(jen.Qual("strconv", "FormatFloat").Call(v, jen.LitRune('g'), jen.Lit(-1), jen.Lit(64)))
	case model.Str:
		return jen.Index().Byte().Parens(v)
	case model.Bool:
		return jen.Index().Byte().Parens(jen.Qual("strconv", "FormatBool").Call(v))
	}
	return v
}

func (g *generator) genUnmarshal(f *jen.File, m *model.Message, name string) {
	frames := 1
	if m.Kind == model.Multipart {
		frames = len(m.Fields)
	}
	f.Comment(fmt.Sprintf("UnmarshalZMQ decodes msg, %s, into m.", wireDesc(m)))
	f.Func().Params(jen.Id("m").Op("*").Id(name)).Id("UnmarshalZMQ").Params(jen.Id("msg").Qual(RuntimePath, "Msg")).
		Error().BlockFunc(func(b *jen.Group) {
		b.If(jen.Len(jen.Id("msg")).Op("!=").Lit(frames)).Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(
				jen.Lit(fmt.Sprintf("%s.%s: got %%d frames, want %d", g.t.Name, name, frames)), jen.Len(jen.Id("msg")))))
		switch m.Kind {
		case model.String, model.Bytes:
			b.Op("*").Id("m").Op("=").Id(name).Parens(jen.Id("msg").Index(jen.Lit(0)))
			b.Return(jen.Nil())
		case model.JSON:
			b.If(jen.Err().Op(":=").Qual("encoding/json", "Unmarshal").Call(jen.Id("msg").Index(jen.Lit(0)), jen.Id("m")), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%s.%s: %%w", g.t.Name, name)), jen.Err())))
			b.Return(jen.Nil())
		case model.Multipart:
			g.genFrameDecodes(b, m, name)
			b.Return(jen.Nil())
		}
	})
}

// genFrameDecodes decodes each frame of a multipart message into its
// field; a frame that does not parse is an error naming the field.
func (g *generator) genFrameDecodes(b *jen.Group, m *model.Message, name string) {
	for _, fl := range m.Fields {
		if k := fl.Type.Kind; k == model.Int || k == model.Float || k == model.Bool {
			b.Var().Err().Error()
			break
		}
	}
	for i, fl := range m.Fields {
		frame := jen.Id("msg").Index(jen.Lit(i))
		field := jen.Id("m").Dot(exported(fl.Name))
		var parse *jen.Statement
		switch fl.Type.Kind {
		case model.Str:
			b.Add(field).Op("=").String().Parens(frame)
			continue
		case model.Raw:
			b.Add(field).Op("=").Add(frame)
			continue
		case model.Int:
			parse = jen.Qual("strconv", "ParseInt").Call(jen.String().Parens(frame), jen.Lit(10), jen.Lit(64))
		case model.Float:
			parse = jen.Qual("strconv", "ParseFloat").Call(jen.String().Parens(frame), jen.Lit(64))
		case model.Bool:
			parse = jen.Qual("strconv", "ParseBool").Call(jen.String().Parens(frame))
		default:
			continue
		}
		b.If(jen.List(field, jen.Err()).Op("=").Add(parse), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(fmt.Sprintf("%s.%s: frame %d (%s): %%w", g.t.Name, name, i, fl.Name)), jen.Err())))
	}
}
