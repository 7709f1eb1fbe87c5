package codegen

import (
	"fmt"
	"strings"

	"github.com/dave/jennifer/jen"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// nodeGen generates one node's program.
type nodeGen struct {
	*generator
	n     *model.Node
	socks []*sock
}

// nodeFile is a node's program: package main. Its steps run in this
// order, the parts a handler author reads first, then the tables the
// runtime runs the node from.
func (g *generator) nodeFile(n *model.Node) (*jen.File, error) {
	socks, err := nodeSockets(n)
	if err != nil {
		return nil, err
	}
	ng := &nodeGen{generator: g, n: n, socks: socks}
	f := jen.NewFile("main")
	f.ImportName(RuntimePath, "runtime")
	f.ImportName(g.opts.ImportPath, g.t.Name)
	g.genHeader(f)
	ng.genNodeDoc(f)
	genVersion(f)
	ng.genParams(f)
	ng.genNode(f)
	ng.genHandler(f)
	for _, s := range socks {
		ng.genSocket(f, s)
	}
	ng.genPoll(f)
	ng.genEnvelope(f)
	ng.genMain(f)
	ng.genConfig(f)
	ng.genProgram(f)
	ng.genNewNode(f)
	return f, nil
}

// replicated says whether the node runs as several processes.
func (ng *nodeGen) replicated() bool { return ng.n.Replicas > 1 }

// reps returns the node's REP sockets, which the Handler serves.
func (ng *nodeGen) reps() []*sock {
	var out []*sock
	for _, s := range ng.socks {
		if s.Type == model.REP {
			out = append(out, s)
		}
	}
	return out
}

// hasRun says whether the Handler has a Run method: every node but one
// whose sockets are all REP sockets, which only serve.
func (ng *nodeGen) hasRun() bool {
	return len(ng.reps()) < len(ng.socks) || len(ng.socks) == 0
}

func (ng *nodeGen) genNodeDoc(f *jen.File) {
	text := fmt.Sprintf("Command %s runs the node %s of the %s topology.", ng.n.Name, ng.n.Name, ng.t.Name)
	if ng.n.Doc != "" {
		text += "\n\n" + ng.n.Doc
	}
	text += "\n\n" + wrap("The node's own code is the Handler that the other files of this directory "+
		"implement. This file declares the node's sockets, flags and environment variables "+
		"(run it with -h to list them); the runtime opens the sockets and runs the Handler "+
		"until it is done or the program gets SIGINT or SIGTERM.")
	if ng.replicated() {
		text += fmt.Sprintf("\n\nThe topology runs %d replicas of the node; -replica says which one this is.", ng.n.Replicas)
	}
	f.PackageComment(commentLines(text))
}

// paramType is the Go type of a parameter.
func paramType(t model.ParamType) *jen.Statement {
	switch t {
	case model.ParamString:
		return jen.String()
	case model.ParamInt:
		return jen.Int()
	case model.ParamFloat:
		return jen.Float64()
	case model.ParamBool:
		return jen.Bool()
	case model.ParamDuration:
		return jen.Qual("time", "Duration")
	}
	return jen.Any()
}

// genParams writes the Params struct, one field per parameter.
func (ng *nodeGen) genParams(f *jen.File) {
	f.Comment(fmt.Sprintf("Params are the parameters of node %s: the defaults of the .ztopo,", ng.n.Name))
	f.Comment("overridden by flags and environment variables.")
	f.Type().Id("Params").StructFunc(func(s *jen.Group) {
		for _, p := range ng.n.Params {
			d := p.Doc
			if d == "" {
				d = fmt.Sprintf("%s is the parameter %s.", exported(p.Name), p.Name)
			}
			s.Add(doc(fmt.Sprintf("%s\n(-%s, $%s; default %s)", d, p.Name, envName(ng.n.Name, p.Name), paramDefaultText(p))))
			s.Id(exported(p.Name)).Add(paramType(p.Type))
		}
	})
}

// paramDefaultText is a parameter's default as docs show it.
func paramDefaultText(p *model.Param) string {
	if s, ok := p.Default.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(p.Default)
}

// genNode writes the Node struct: what the handler gets.
func (ng *nodeGen) genNode(f *jen.File) {
	f.Comment(fmt.Sprintf("Node is the running node %s: its parameters, logger and sockets, open", ng.n.Name))
	f.Comment("and bound or connected as the .ztopo, flags and environment say. Its")
	f.Comment("sockets are safe for use by several goroutines.")
	f.Type().Id("Node").StructFunc(func(s *jen.Group) {
		s.Comment("Params are the node's parameters.")
		s.Id("Params").Id("Params")
		if ng.replicated() {
			s.Comment("Replica says which of the node's replicas this process is, from 0")
			s.Comment(fmt.Sprintf("(-replica, $%s), and Replicas how many run: %d as the .ztopo", envName(ng.n.Name, "replica"), ng.n.Replicas))
			s.Comment(fmt.Sprintf("says, unless -replicas ($%s) says otherwise.", envName(ng.n.Name, "replicas")))
			s.List(jen.Id("Replica"), jen.Id("Replicas")).Int()
		} else {
			s.Comment("Replica is 0: the node has one replica.")
			s.Id("Replica").Int()
		}
		s.Comment("Logger logs to standard error at the level -v or -log-level sets.")
		s.Id("Logger").Op("*").Qual("log/slog", "Logger")
		for _, sk := range ng.socks {
			s.Line()
			s.Add(doc(fmt.Sprintf("%s is the %v socket %s.", sk.Go, sk.Type, sk.Name)))
			s.Id(sk.Go).Op("*").Id(sk.Handle)
		}
		if len(ng.polledSocks()) >= 2 {
			s.Line()
			s.Id("poller").Op("*").Qual(RuntimePath, "Poller")
		}
	})
}

// serveMethod is the Handler method that serves a REP socket.
func serveMethod(s *sock) string { return "Serve" + s.Go }

// genHandler writes the Handler interface that user code implements.
func (ng *nodeGen) genHandler(f *jen.File) {
	text := fmt.Sprintf("Handler is the code of node %s, which you write in the other files of this "+
		"directory (zmqgen init writes a starter). Define the function that main calls "+
		"once the sockets are open:\n\n"+
		"\tfunc newHandler(n *Node) (Handler, error)\n\n", ng.n.Name)
	switch {
	case ng.hasRun() && len(ng.reps()) > 0:
		text += "main then calls Run, and the Serve methods for the requests of the REP " +
			"sockets, concurrently. The node stops when Run returns, when a Serve " +
			"method returns an error, or on SIGINT or SIGTERM (ctx is then done)."
	case ng.hasRun():
		text += "main then calls Run. The node stops when Run returns, or on SIGINT or " +
			"SIGTERM (ctx is then done)."
	default:
		text += "main then calls the Serve methods for the requests of the REP sockets, " +
			"concurrently. The node stops when a Serve method returns an error, or on " +
			"SIGINT or SIGTERM (ctx is then done)."
	}
	text = wrap(text)
	f.Add(doc(text))
	f.Type().Id("Handler").InterfaceFunc(func(i *jen.Group) {
		if ng.hasRun() {
			i.Comment("Run does the node's work. A nil error stops the node cleanly.")
			i.Id("Run").Params(jen.Id("ctx").Qual("context", "Context")).Error()
		}
		for _, s := range ng.reps() {
			i.Comment(fmt.Sprintf("%s answers a request that socket %s received; socket %s", serveMethod(s), s.Name, s.Name))
			i.Comment("serves one request at a time.")
			i.Id(serveMethod(s)).Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("req").Add(ng.setType(s.In))).
				Params(ng.setType(s.Out), jen.Error())
		}
	})
}

// handleBase is the runtime handle a socket's handle type embeds.
func (s *sock) handleBase() string {
	switch {
	case s.usesRequester():
		return "RequestHandle"
	case s.Type == model.SUB || s.Type == model.XSUB:
		return "SubHandle"
	}
	return "Handle"
}

// genSocket writes a socket's handle type and its methods.
func (ng *nodeGen) genSocket(f *jen.File, s *sock) {
	var io []string
	if s.In != nil {
		io = append(io, "receives "+ng.setName(s.In))
	}
	if s.Out != nil {
		io = append(io, "sends "+ng.setName(s.Out))
	}
	sentence := fmt.Sprintf("%s is the %v socket %s of node %s", s.Handle, s.Type, s.Name, ng.n.Name)
	if len(io) > 0 {
		sentence += ": it " + strings.Join(io, " and ")
	}
	sentence += "."
	switch {
	case s.Type == model.REP:
		sentence += fmt.Sprintf(" Handler.%s answers its requests.", serveMethod(s))
	case s.usesRequester():
		sentence += fmt.Sprintf(" Its retry policy (Retry): the .ztopo says %s and %d tries; -%s.retry.timeout and -%s.retry.tries override it.",
			durationText(s.Retry.Timeout), s.Retry.Tries, s.Name, s.Name)
		if s.Retry.Reopen {
			sentence += " The socket is closed and a new one opened before each new try."
		}
	case s.hasSubscriptions():
		sentence += fmt.Sprintf(" Its prefix filters: the .ztopo's (%s), or those of -%s.subscribe.", prefixesText(s.Subscribe), s.Name)
	}
	ng.genSets(f, s)
	f.Line()
	f.Add(docFor(s.Handle, sentence, s.Doc))
	f.Type().Id(s.Handle).StructFunc(func(st *jen.Group) {
		st.Op("*").Qual(RuntimePath, s.handleBase())
		// One comment line before each policy field, so that gofmt aligns
		// it alone: a policy added to the .ztopo adds lines, and moves
		// none.
		if s.Reconnect != nil {
			st.Comment("reconnect is what Reconnect returns.")
			st.Id("reconnect").Qual(RuntimePath, "Backoff")
		}
		if s.Heartbeat != nil {
			st.Comment("heartbeat is what Heartbeat returns.")
			st.Id("heartbeat").Qual(RuntimePath, "Heartbeat")
		}
	})
	recv := jen.Id("s").Op("*").Id(s.Handle)
	ctx := jen.Id("ctx").Qual("context", "Context")
	raw := jen.Id("s").Dot("Raw").Call()
	switch {
	case s.Type == model.REP:
		// Handler.ServeX answers; Node.tasks runs the loop.
	case s.Type == model.REQ:
		f.Line()
		call := jen.Qual(RuntimePath, "Request").Call(jen.Id("ctx"), raw, ng.setMarshaler(s.Out, jen.Id("req")), ng.setDecoder(s.In))
		if s.usesRequester() {
			f.Comment("Request sends req and waits for the reply, as the socket's retry policy says.")
			f.Comment("It returns an error wrapping runtime.ErrNoReply when no try got a reply.")
			call = jen.Qual(RuntimePath, "RequestRetry").Call(jen.Id("ctx"), jen.Id("s").Dot("RequestHandle"), ng.setMarshaler(s.Out, jen.Id("req")), ng.setDecoder(s.In))
		} else {
			f.Comment("Request sends req and waits for the reply. Requests go to the socket's")
			f.Comment("peers in turn (round robin).")
		}
		f.Func().Params(recv.Clone()).Id("Request").Params(ctx.Clone(), jen.Id("req").Add(ng.setType(s.Out))).
			Params(ng.setType(s.In), jen.Error()).Block(jen.Return(call))
	case s.hasEnvelope():
		ng.genEnvelopeSend(f, s, recv, ctx)
		ng.genEnvelopeRecv(f, s, recv, ctx)
	default:
		ng.genSend(f, s, recv, ctx)
		ng.genRecv(f, s, recv, ctx)
	}
	ng.genPolicies(f, s, recv)
}

// genSets writes, for each direction of s that carries several message
// types, the alias of the message package's interface.
func (ng *nodeGen) genSets(f *jen.File, s *sock) {
	for _, ms := range []*msgSet{s.In, s.Out} {
		if ms == nil || !ms.multi() {
			continue
		}
		verb := "sends"
		if ms.In {
			verb = "receives"
		}
		var names []string
		for _, m := range ms.Msgs {
			names = append(names, ng.msgName(m))
		}
		f.Line()
		text := fmt.Sprintf("%s is a message that socket %s %s: %s. Only those types are %ss", ms.Alias, s.Name, verb, orList(names), ms.Alias)
		if ms.In {
			text += "; a type switch tells them apart."
		} else {
			text += "."
		}
		f.Add(doc(wrap(text)))
		f.Type().Id(ms.Alias).Op("=").Qual(ng.opts.ImportPath, ms.Iface)
	}
}

// genPolicies writes the methods that return the socket's reconnect and
// heartbeat policies, as the .ztopo, flags and environment set them, for
// handlers that run a protocol on top of them (Paranoid Pirate's
// heartbeats and backoff).
func (ng *nodeGen) genPolicies(f *jen.File, s *sock, recv *jen.Statement) {
	if r := s.Reconnect; r != nil {
		f.Line()
		f.Add(doc(wrap(fmt.Sprintf("Reconnect returns the socket's reconnect backoff: the first wait after a lost "+
			"or refused connection, doubling on each failure up to the longest. The .ztopo "+
			"says %s doubling to %s; -%s.reconnect.initial and -%s.reconnect.max "+
			"override it.", durationText(r.Initial), durationText(r.Max), s.Name, s.Name))))
		f.Func().Params(recv.Clone()).Id("Reconnect").Params().Qual(RuntimePath, "Backoff").Block(
			jen.Return(jen.Id("s").Dot("reconnect")))
	}
	if h := s.Heartbeat; h != nil {
		f.Line()
		f.Add(doc(wrap(fmt.Sprintf("Heartbeat returns the socket's heartbeat policy, with which the runtime "+
			"sends ZMTP heartbeats and drops a peer not heard from in Liveness intervals. "+
			"The .ztopo says every %s, liveness %d; -%s.heartbeat.interval and "+
			"-%s.heartbeat.liveness override it.", durationText(h.Interval), h.Liveness, s.Name, s.Name))))
		f.Func().Params(recv.Clone()).Id("Heartbeat").Params().Qual(RuntimePath, "Heartbeat").Block(
			jen.Return(jen.Id("s").Dot("heartbeat")))
	}
}

// sendDoc explains where a socket type's Send goes.
func sendDoc(t model.SocketType) string {
	switch t {
	case model.PUB, model.XPUB:
		return "Send publishes msg to every subscriber whose filters let it through; with\nno subscriber it is dropped."
	case model.PUSH:
		return "Send sends msg to the next peer in turn (round robin), waiting while no\npeer can take it."
	case model.PAIR:
		return "Send sends msg to the peer, waiting while it cannot take it."
	case model.XSUB:
		return "Send sends msg to every publisher; XSUB sends subscriptions as messages."
	}
	return "Send sends msg."
}

func (ng *nodeGen) genSend(f *jen.File, s *sock, recv, ctx *jen.Statement) {
	if s.Out == nil {
		return
	}
	f.Line()
	f.Add(doc(sendDoc(s.Type)))
	f.Func().Params(recv.Clone()).Id(s.sendMethod()).Params(ctx.Clone(), jen.Id("msg").Add(ng.setType(s.Out))).Error().Block(
		jen.Return(jen.Qual(RuntimePath, "SendValue").Call(jen.Id("ctx"), jen.Id("s").Dot("Raw").Call(), ng.setMarshaler(s.Out, jen.Id("msg")))))
}

func (ng *nodeGen) genRecv(f *jen.File, s *sock, recv, ctx *jen.Statement) {
	if s.In == nil {
		return
	}
	f.Line()
	switch s.Type {
	case model.SUB, model.XSUB:
		f.Comment("Recv waits for the next message that the socket's subscriptions let")
		f.Comment("through. A message that does not decode is logged and dropped.")
	case model.XPUB:
		f.Comment("Recv waits for the next subscription message from a subscriber. A message")
		f.Comment("that does not decode is logged and dropped.")
	default:
		f.Comment("Recv waits for the next message. A message that does not decode is logged")
		f.Comment("and dropped.")
	}
	call := jen.Qual(RuntimePath, "RecvFunc").Call(jen.Id("ctx"), jen.Id("s").Dot("Raw").Call(), ng.setDecoder(s.In))
	if !s.In.multi() && !s.In.Msgs[0].Builtin {
		call = jen.Qual(RuntimePath, "RecvValue").Types(ng.setType(s.In)).Call(jen.Id("ctx"), jen.Id("s").Dot("Raw").Call())
	}
	f.Func().Params(recv.Clone()).Id("Recv").Params(ctx.Clone()).Params(ng.setType(s.In), jen.Error()).Block(jen.Return(call))
}

// prefixesText lists prefix filters for docs.
func prefixesText(prefixes []string) string {
	if len(prefixes) == 0 {
		return "none"
	}
	var q []string
	for _, p := range prefixes {
		q = append(q, fmt.Sprintf("%q", p))
	}
	return strings.Join(q, ", ")
}

func (ng *nodeGen) genEnvelopeSend(f *jen.File, s *sock, recv, ctx *jen.Statement) {
	if s.Out == nil {
		return
	}
	f.Line()
	if s.Type == model.ROUTER {
		f.Comment("Send sends the frames of env, then msg, to the peer that env's first frame")
		f.Comment("names; a message for a peer that is gone is dropped. Reply with the")
		f.Comment("envelope Recv returned.")
	} else {
		f.Comment("Send sends the frames of env, then msg, to the next peer in turn (round")
		f.Comment("robin). A REP peer wants an envelope that ends with an empty frame, such")
		f.Comment("as Envelope{{}}. With no peer connected, Send waits until one connects or")
		f.Comment("ctx ends, as libzmq's DEALER does, and a loop that also receives (Poll)")
		f.Comment("stalls meanwhile: give such a Send a ctx with a deadline")
		f.Comment("(context.WithTimeout) and handle its error, or send from a goroutine of")
		f.Comment("its own.")
	}
	f.Func().Params(recv.Clone()).Id("Send").Params(ctx.Clone(), jen.Id("env").Id("Envelope"), jen.Id("msg").Add(ng.setType(s.Out))).Error().Block(
		jen.Return(jen.Qual(RuntimePath, "SendEnvelope").Call(jen.Id("ctx"), jen.Id("s").Dot("Raw").Call(), jen.Id("env"), ng.setMarshaler(s.Out, jen.Id("msg")))))
}

func (ng *nodeGen) genEnvelopeRecv(f *jen.File, s *sock, recv, ctx *jen.Statement) {
	if s.In == nil {
		return
	}
	f.Line()
	if s.Type == model.ROUTER {
		f.Comment("Recv waits for the next message and returns it with its envelope: the")
		f.Comment("sender's identity and any routing frames, up to and including the empty")
		f.Comment("delimiter frame. A message that does not decode is logged and dropped.")
	} else {
		f.Comment("Recv waits for the next message and returns it with its envelope: the")
		f.Comment("frames up to and including the first empty frame, if there is one. A")
		f.Comment("message that does not decode is logged and dropped.")
	}
	f.Func().Params(recv.Clone()).Id("Recv").Params(ctx.Clone()).Params(jen.Id("Envelope"), ng.setType(s.In), jen.Error()).Block(
		jen.Return(jen.Qual(RuntimePath, "RecvEnvelope").Call(jen.Id("ctx"), jen.Id("s").Dot("Raw").Call(), ng.setDecoder(s.In))))
}

// polledSocks are the sockets Node.Poll waits on.
func (ng *nodeGen) polledSocks() []*sock {
	var out []*sock
	for _, s := range ng.socks {
		if s.polled() {
			out = append(out, s)
		}
	}
	return out
}

// genPoll writes Node.Poll for a node with several receiving sockets.
func (ng *nodeGen) genPoll(f *jen.File) {
	polled := ng.polledSocks()
	if len(polled) < 2 {
		return
	}
	var names []string
	var ready []jen.Code
	f.Line()
	f.Comment("Ready says which of the node's receiving sockets have a message waiting;")
	f.Comment("Node.Poll returns it.")
	f.Type().Id("Ready").StructFunc(func(st *jen.Group) {
		for i, s := range polled {
			names = append(names, s.Name)
			st.Comment(fmt.Sprintf("%s: socket %s has a message.", s.Go, s.Name))
			st.Id(s.Go).Bool()
			ready = append(ready, jen.Id(s.Go).Op(":").Id("r").Index(jen.Lit(i)))
		}
	})
	f.Line()
	f.Add(doc(wrap(fmt.Sprintf("Poll waits until at least one of the sockets %s has a message "+
		"to receive, or ctx is done, and says which. Receive from each socket it "+
		"reports, or it reports it again.", strings.Join(names, ", ")))))
	f.Func().Params(jen.Id("n").Op("*").Id("Node")).Id("Poll").Params(jen.Id("ctx").Qual("context", "Context")).
		Params(jen.Id("Ready"), jen.Error()).Block(
		jen.List(jen.Id("r"), jen.Err()).Op(":=").Id("n").Dot("poller").Dot("Ready").Call(jen.Id("ctx")),
		jen.Return(jen.Id("Ready").Values(ready...), jen.Err()),
	)
}

// genEnvelope writes the Envelope alias for nodes with ROUTER or DEALER
// sockets, so that handlers name it as the node's own.
func (ng *nodeGen) genEnvelope(f *jen.File) {
	any := false
	for _, s := range ng.socks {
		any = any || s.hasEnvelope()
	}
	if !any {
		return
	}
	f.Line()
	f.Comment("Envelope is the routing part of a message on a ROUTER or DEALER socket: the")
	f.Comment("peer identities a ROUTER adds, then an empty delimiter frame (REQ and REP")
	f.Comment("peers use one; DEALER peers may not).")
	f.Type().Id("Envelope").Op("=").Qual(RuntimePath, "Envelope")
}
