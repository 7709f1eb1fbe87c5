package codegen

import (
	"fmt"

	"github.com/dave/jennifer/jen"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// StarterName is the name of the handler file Starter writes, in the
// node's directory.
const StarterName = "handler.go"

// Starter returns a starter handler file for node n of t: a Handler that
// compiles against the generated code and does something visible with
// every kind of socket the node has (logs what it receives, sends zero
// values, answers requests with zero values), for the user to replace.
func Starter(t *model.Topology, n *model.Node, opts Options) ([]byte, error) {
	socks, err := nodeSockets(n)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", n.Name, err)
	}
	g := &generator{t: t, opts: opts}
	ng := &nodeGen{generator: g, n: n, socks: socks}
	f := jen.NewFile("main")
	f.ImportName(RuntimePath, "runtime")
	f.ImportName(opts.ImportPath, t.Name)
	f.HeaderComment("zmqgen init wrote this file as a starting point: it is yours to edit, and")
	f.HeaderComment("zmqgen never writes over it. See Handler in " + n.Name + Suffix + ".")
	f.Comment(fmt.Sprintf("handler is the code of node %s.", n.Name))
	f.Type().Id("handler").Struct(jen.Id("n").Op("*").Id("Node"))
	f.Line()
	f.Comment("newHandler makes the node's handler; main calls it once the sockets are open.")
	f.Func().Id("newHandler").Params(jen.Id("n").Op("*").Id("Node")).Params(jen.Id("Handler"), jen.Error()).Block(
		jen.Return(jen.Op("&").Id("handler").Values(jen.Dict{jen.Id("n"): jen.Id("n")}), jen.Nil()))
	if ng.hasRun() {
		f.Line()
		ng.genStarterRun(f)
	}
	for _, s := range ng.reps() {
		f.Line()
		f.Comment(fmt.Sprintf("%s answers a request of socket %s.", serveMethod(s), s.Name))
		f.Func().Params(jen.Id("h").Op("*").Id("handler")).Id(serveMethod(s)).
			Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("req").Add(ng.setType(s.In))).
			Params(ng.setType(s.Out), jen.Error()).Block(
			jen.Id("h").Dot("n").Dot("Logger").Dot("Info").Call(jen.Lit("request"), jen.Lit("socket"), jen.Lit(s.Name), jen.Lit("req"), jen.Id("req")),
			jen.Var().Id("reply").Add(ng.msgType(s.Out.Msgs[0])),
			jen.Return(jen.Id("reply"), jen.Nil()),
		)
	}
	return g.render(f)
}

// genStarterRun writes a Run that receives on the node's receiving
// sockets, or else makes one request, or else sends a zero value every
// second.
func (ng *nodeGen) genStarterRun(f *jen.File) {
	var polled []*sock
	var req, sender *sock
	for _, s := range ng.socks {
		switch {
		case s.polled():
			polled = append(polled, s)
		case s.Type == model.REQ && req == nil:
			req = s
		case s.Out != nil && s.Type != model.REP && sender == nil:
			sender = s
		}
	}
	h := func(s *sock) *jen.Statement { return jen.Id("h").Dot("n").Dot(s.Go) }
	logf := func(what string, args ...jen.Code) *jen.Statement {
		return jen.Id("h").Dot("n").Dot("Logger").Dot("Info").Call(append([]jen.Code{jen.Lit(what)}, args...)...)
	}
	// recv receives once on s and logs what came.
	recv := func(s *sock) []jen.Code {
		if s.hasEnvelope() {
			return []jen.Code{
				jen.List(jen.Id("env"), jen.Id("msg"), jen.Err()).Op(":=").Add(h(s)).Dot("Recv").Call(jen.Id("ctx")),
				jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
				logf("received", jen.Lit("socket"), jen.Lit(s.Name), jen.Lit("envelope"), jen.Len(jen.Id("env")), jen.Lit("msg"), jen.Id("msg")),
			}
		}
		return []jen.Code{
			jen.List(jen.Id("msg"), jen.Err()).Op(":=").Add(h(s)).Dot("Recv").Call(jen.Id("ctx")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			logf("received", jen.Lit("socket"), jen.Lit(s.Name), jen.Lit("msg"), jen.Id("msg")),
		}
	}
	ctx := jen.Id("ctx").Qual("context", "Context")
	run := jen.Func().Params(jen.Id("h").Op("*").Id("handler")).Id("Run").Params(ctx).Error()
	switch {
	case len(polled) >= 2:
		f.Comment("Run logs every message the node's receiving sockets get, until ctx is done.")
		f.Add(run.Block(jen.For().BlockFunc(func(b *jen.Group) {
			b.List(jen.Id("ready"), jen.Err()).Op(":=").Id("h").Dot("n").Dot("Poll").Call(jen.Id("ctx"))
			b.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))
			for _, s := range polled {
				b.If(jen.Id("ready").Dot(s.Go)).Block(recv(s)...)
			}
		})))
	case len(polled) == 1:
		f.Comment(fmt.Sprintf("Run logs every message socket %s gets, until ctx is done.", polled[0].Name))
		f.Add(run.Block(jen.For().Block(recv(polled[0])...)))
	case req != nil:
		f.Comment(fmt.Sprintf("Run makes one request on socket %s and logs the reply.", req.Name))
		f.Add(run.Block(
			jen.Var().Id("req").Add(ng.msgType(req.Out.Msgs[0])),
			jen.List(jen.Id("reply"), jen.Err()).Op(":=").Add(h(req)).Dot("Request").Call(jen.Id("ctx"), jen.Id("req")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			logf("reply", jen.Lit("socket"), jen.Lit(req.Name), jen.Lit("reply"), jen.Id("reply")),
			jen.Return(jen.Nil()),
		))
	case sender != nil:
		f.Comment(fmt.Sprintf("Run sends a message on socket %s every second until ctx is done.", sender.Name))
		args := []jen.Code{jen.Id("ctx")}
		if sender.hasEnvelope() {
			args = append(args, jen.Nil())
		}
		args = append(args, jen.Id("msg"))
		f.Add(run.Block(
			jen.Id("tick").Op(":=").Qual("time", "NewTicker").Call(jen.Qual("time", "Second")),
			jen.Defer().Id("tick").Dot("Stop").Call(),
			jen.For().Block(
				jen.Var().Id("msg").Add(ng.msgType(sender.Out.Msgs[0])),
				jen.If(jen.Err().Op(":=").Add(h(sender)).Dot(sender.sendMethod()).Call(args...), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
				logf("sent", jen.Lit("socket"), jen.Lit(sender.Name), jen.Lit("msg"), jen.Id("msg")),
				jen.Select().Block(
					jen.Case(jen.Op("<-").Id("ctx").Dot("Done").Call()).Block(jen.Return(jen.Nil())),
					jen.Case(jen.Op("<-").Id("tick").Dot("C")),
				),
			),
		))
	default:
		f.Comment("Run waits until ctx is done.")
		f.Add(run.Block(jen.Op("<-").Id("ctx").Dot("Done").Call(), jen.Return(jen.Nil())))
	}
}
