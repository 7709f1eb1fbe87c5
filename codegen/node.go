package codegen

import (
	"fmt"
	"slices"
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
// order, the parts a handler author reads first.
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
	ng.genBuiltinCodecs(f)
	ng.genMain(f)
	ng.genRun(f)
	ng.genOpen(f)
	ng.genClose(f)
	ng.genConfig(f)
	ng.genParse(f)
	ng.genFlagValues(f)
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
		"implement; this file opens the sockets, reads flags and environment variables "+
		"(run it with -h to list them) and runs the Handler until it is done or the "+
		"program gets SIGINT or SIGTERM.")
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
			s.Comment(fmt.Sprintf("Replica says which of the %d replicas of the node this process is,", ng.n.Replicas))
			s.Comment(fmt.Sprintf("from 0 (-replica, $%s).", envName(ng.n.Name, "replica")))
		} else {
			s.Comment("Replica is 0: the node has one replica.")
		}
		s.Id("Replica").Int()
		s.Comment("Logger logs to standard error at the level -v or -log-level sets.")
		s.Id("Logger").Op("*").Qual("log/slog", "Logger")
		for _, sk := range ng.socks {
			s.Line()
			s.Add(doc(fmt.Sprintf("%s is the %v socket %s.", sk.Go, sk.Type, sk.Name)))
			s.Id(sk.Go).Op("*").Id(sk.Handle)
		}
		if ng.pollCount() >= 2 {
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
	if s.Type == model.REP {
		sentence += fmt.Sprintf(" Handler.%s answers its requests.", serveMethod(s))
	}
	ng.genSets(f, s)
	f.Line()
	f.Add(docFor(s.Handle, sentence, s.Doc))
	f.Type().Id(s.Handle).StructFunc(func(st *jen.Group) {
		if s.usesRequester() {
			st.Id("req").Op("*").Qual(RuntimePath, "Requester")
			st.Id("onRetry").Func().Params(jen.Id("left").Int())
		} else {
			st.Id("sock").Op("*").Qual(RuntimePath, "Socket")
		}
		st.Id("log").Op("*").Qual("log/slog", "Logger")
		// One comment line before each policy field, so that gofmt aligns
		// it alone: a policy added to the .ztopo adds lines, and moves
		// none.
		if s.usesRequester() {
			st.Comment("retry is what Retry returns; the Requester has it too.")
			st.Id("retry").Qual(RuntimePath, "Retry")
		}
		if s.Reconnect != nil {
			st.Comment("reconnect is what Reconnect returns.")
			st.Id("reconnect").Qual(RuntimePath, "Backoff")
		}
		if s.Heartbeat != nil {
			st.Comment("heartbeat is what Heartbeat returns.")
			st.Id("heartbeat").Qual(RuntimePath, "Heartbeat")
		}
		if s.hasSubscriptions() {
			st.Comment("mu guards subs, the socket's prefix filters.")
			st.Id("mu").Qual("sync", "Mutex")
			st.Id("subs").Index().String()
		}
	})
	recv := jen.Id("s").Op("*").Id(s.Handle)
	ctx := jen.Id("ctx").Qual("context", "Context")
	switch {
	case s.Type == model.REQ && s.usesRequester():
		ng.genRetryRequest(f, s, recv, ctx)
	case s.Type == model.REQ:
		ng.genRequest(f, s, recv, ctx)
	case s.Type == model.REP:
		ng.genServe(f, s, recv, ctx)
	case s.hasEnvelope():
		ng.genEnvelopeSend(f, s, recv, ctx)
		ng.genEnvelopeRecv(f, s, recv, ctx)
	default:
		ng.genSend(f, s, recv, ctx)
		ng.genRecv(f, s, recv, ctx)
	}
	switch {
	case s.hasSubscriptions():
		ng.genSubscriptions(f, s, recv)
	case s.Type == model.XSUB:
		ng.genSubscribe(f, s, recv)
	}
	if !s.usesRequester() {
		f.Line()
		f.Comment("Addrs returns the addresses the socket is bound to, with real port numbers.")
		f.Func().Params(recv.Clone()).Id("Addrs").Params().Index().String().Block(
			jen.Return(jen.Id("s").Dot("sock").Dot("Addrs").Call()))
		f.Line()
		f.Comment("Raw returns the runtime socket, for what the typed methods do not offer.")
		f.Func().Params(recv.Clone()).Id("Raw").Params().Op("*").Qual(RuntimePath, "Socket").Block(
			jen.Return(jen.Id("s").Dot("sock")))
	}
	ng.genPolicies(f, s, recv)
}

// genSets writes, for each direction of s that carries several message
// types, the alias of the message package's interface and, for what s
// receives, the wrapper runtime.RecvValue decodes into.
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
		if !ms.In {
			continue
		}
		f.Line()
		f.Comment(fmt.Sprintf("%s decodes a %s, for runtime.RecvValue.", ms.codec(), ms.Alias))
		f.Type().Id(ms.codec()).Struct(jen.Id("v").Id(ms.Alias))
		f.Line()
		f.Func().Params(jen.Id("c").Op("*").Id(ms.codec())).Id("UnmarshalZMQ").
			Params(jen.Id("msg").Qual(RuntimePath, "Msg")).Params(jen.Err().Error()).Block(
			jen.List(jen.Id("c").Dot("v"), jen.Err()).Op("=").Qual(ng.opts.ImportPath, "Unmarshal"+ms.Iface).Call(jen.Id("msg")),
			jen.Return(jen.Err()),
		)
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

func (ng *nodeGen) genRequest(f *jen.File, s *sock, recv, ctx *jen.Statement) {
	f.Line()
	f.Comment("Request sends req and waits for the reply. Requests go to the socket's")
	f.Comment("peers in turn (round robin).")
	f.Func().Params(recv.Clone()).Id("Request").Params(ctx.Clone(), jen.Id("req").Add(ng.setType(s.Out))).
		Params(jen.Id("reply").Add(ng.setType(s.In)), jen.Err().Error()).Block(
		jen.If(jen.Err().Op(":=").Qual(RuntimePath, "SendValue").Call(jen.Id("ctx"), jen.Id("s").Dot("sock"), ng.setToCodec(s.Out, jen.Id("req"))),
			jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("reply"), jen.Err())),
		ng.recvValue(s.In),
	)
}

func (ng *nodeGen) genRetryRequest(f *jen.File, s *sock, recv, ctx *jen.Statement) {
	r := s.Retry
	text := "Request sends req and waits for the reply, as the socket's retry policy (Retry) " +
		"says: it waits up to the policy's timeout for a reply, and makes up to its number of tries in all"
	if r.Reopen {
		text += ", closing the socket and opening a new one before each new try"
	}
	text += ". It returns an error wrapping runtime.ErrNoReply when no try got a reply."
	f.Line()
	f.Add(doc(wrap(text)))
	f.Func().Params(recv.Clone()).Id("Request").Params(ctx.Clone(), jen.Id("req").Add(ng.setType(s.Out))).
		Params(jen.Id("reply").Add(ng.setType(s.In)), jen.Err().Error()).Block(
		jen.List(jen.Id("m"), jen.Err()).Op(":=").Add(ng.setToCodec(s.Out, jen.Id("req"))).Dot("MarshalZMQ").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("reply"), jen.Err())),
		jen.List(jen.Id("m"), jen.Err()).Op("=").Id("s").Dot("req").Dot("Request").Call(jen.Id("ctx"), jen.Id("m")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Id("reply"), jen.Err())),
		jen.Var().Id("v").Add(ng.setCodec(s.In)),
		jen.Err().Op("=").Id("v").Dot("UnmarshalZMQ").Call(jen.Id("m")),
		jen.Return(ng.setFromCodec(s.In, jen.Id("v")), jen.Err()),
	)
	f.Line()
	f.Comment("OnRetry sets f to be called after each try that got no reply in time, with")
	f.Comment("the number of tries left (0 when the request is abandoned). Set it before")
	f.Comment("the first Request.")
	f.Func().Params(recv.Clone()).Id("OnRetry").Params(jen.Id("f").Func().Params(jen.Id("left").Int())).Block(
		jen.Id("s").Dot("onRetry").Op("=").Id("f"))
	f.Line()
	f.Add(doc(wrap(fmt.Sprintf("Retry returns the socket's retry policy. The .ztopo says %s and %d tries; "+
		"-%s.retry.timeout and -%s.retry.tries override it. Its OnRetry is nil: "+
		"OnRetry sets the hook.", durationText(r.Timeout), r.Tries, s.Name, s.Name))))
	f.Func().Params(recv.Clone()).Id("Retry").Params().Qual(RuntimePath, "Retry").Block(
		jen.Return(jen.Id("s").Dot("retry")))
	f.Line()
	f.Comment("retried is the runtime's OnRetry hook.")
	f.Func().Params(recv.Clone()).Id("retried").Params(jen.Id("left").Int()).Block(
		jen.If(jen.Id("s").Dot("onRetry").Op("!=").Nil()).Block(jen.Id("s").Dot("onRetry").Call(jen.Id("left"))))
}

// genServe writes the loop that answers a REP socket's requests.
func (ng *nodeGen) genServe(f *jen.File, s *sock, recv, ctx *jen.Statement) {
	f.Line()
	f.Comment("serve answers each request with h until ctx is done or h fails.")
	f.Func().Params(recv.Clone()).Id("serve").Params(ctx.Clone(), jen.Id("h").Func().
		Params(jen.Qual("context", "Context"), ng.setType(s.In)).Params(ng.setType(s.Out), jen.Error())).Error().Block(
		jen.For().Block(
			jen.List(jen.Id("req"), jen.Err()).Op(":=").Qual(RuntimePath, "RecvValue").Types(ng.setCodec(s.In)).Call(jen.Id("ctx"), jen.Id("s").Dot("sock")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.List(jen.Id("reply"), jen.Err()).Op(":=").Id("h").Call(jen.Id("ctx"), ng.setFromCodec(s.In, jen.Id("req"))),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit(serveMethod(s)+": %w"), jen.Err()))),
			jen.If(jen.Err().Op(":=").Qual(RuntimePath, "SendValue").Call(jen.Id("ctx"), jen.Id("s").Dot("sock"), ng.setToCodec(s.Out, jen.Id("reply"))),
				jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		),
	)
}

// sendDoc explains where a socket type's Send goes.
func sendDoc(t model.SocketType) string {
	switch t {
	case model.PUB, model.XPUB:
		return "Publish sends msg to every subscriber whose filters let it through; with\nno subscriber it is dropped."
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
		jen.Return(jen.Qual(RuntimePath, "SendValue").Call(jen.Id("ctx"), jen.Id("s").Dot("sock"), ng.setToCodec(s.Out, jen.Id("msg")))))
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
	f.Func().Params(recv.Clone()).Id("Recv").Params(ctx.Clone()).Params(jen.Id("msg").Add(ng.setType(s.In)), jen.Err().Error()).Block(
		ng.recvValue(s.In),
	)
}

// genSubscriptions writes a SUB socket's Subscribe, Unsubscribe and
// Subscriptions, which keep the list of its prefix filters.
func (ng *nodeGen) genSubscriptions(f *jen.File, s *sock, recv *jen.Statement) {
	lock := jen.Id("s").Dot("mu").Dot("Lock").Call()
	unlock := jen.Defer().Id("s").Dot("mu").Dot("Unlock").Call()
	f.Line()
	f.Comment("Subscribe adds a prefix filter (\"\" lets everything through).")
	f.Func().Params(recv.Clone()).Id("Subscribe").Params(jen.Id("prefix").String()).Error().Block(
		lock.Clone(), unlock.Clone(),
		jen.If(jen.Err().Op(":=").Id("s").Dot("sock").Dot("Subscribe").Call(jen.Id("prefix")), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Err())),
		jen.Id("s").Dot("subs").Op("=").Append(jen.Id("s").Dot("subs"), jen.Id("prefix")),
		jen.Return(jen.Nil()),
	)
	f.Line()
	f.Comment("Unsubscribe removes a prefix filter.")
	f.Func().Params(recv.Clone()).Id("Unsubscribe").Params(jen.Id("prefix").String()).Error().Block(
		lock.Clone(), unlock.Clone(),
		jen.If(jen.Err().Op(":=").Id("s").Dot("sock").Dot("Unsubscribe").Call(jen.Id("prefix")), jen.Err().Op("!=").Nil()).Block(
			jen.Return(jen.Err())),
		jen.If(jen.Id("i").Op(":=").Qual("slices", "Index").Call(jen.Id("s").Dot("subs"), jen.Id("prefix")), jen.Id("i").Op(">=").Lit(0)).Block(
			jen.Id("s").Dot("subs").Op("=").Qual("slices", "Delete").Call(jen.Id("s").Dot("subs"), jen.Id("i"), jen.Id("i").Op("+").Lit(1))),
		jen.Return(jen.Nil()),
	)
	f.Line()
	f.Add(doc(wrap(fmt.Sprintf("Subscriptions returns the socket's prefix filters, in the order they were added: "+
		"those of the .ztopo (%s), or of -%s.subscribe when it is given, then those of Subscribe, "+
		"less those of Unsubscribe.", prefixesText(s.Subscribe), s.Name))))
	f.Func().Params(recv.Clone()).Id("Subscriptions").Params().Index().String().Block(
		lock.Clone(), unlock.Clone(),
		jen.Return(jen.Qual("slices", "Clone").Call(jen.Id("s").Dot("subs"))),
	)
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

// genSubscribe writes an XSUB socket's Subscribe and Unsubscribe.
func (ng *nodeGen) genSubscribe(f *jen.File, s *sock, recv *jen.Statement) {
	f.Line()
	f.Comment("Subscribe adds a prefix filter (\"\" lets everything through).")
	f.Func().Params(recv.Clone()).Id("Subscribe").Params(jen.Id("prefix").String()).Error().Block(
		jen.Return(jen.Id("s").Dot("sock").Dot("Subscribe").Call(jen.Id("prefix"))))
	f.Line()
	f.Comment("Unsubscribe removes a prefix filter.")
	f.Func().Params(recv.Clone()).Id("Unsubscribe").Params(jen.Id("prefix").String()).Error().Block(
		jen.Return(jen.Id("s").Dot("sock").Dot("Unsubscribe").Call(jen.Id("prefix"))))
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
		f.Comment("as Envelope{{}}.")
	}
	f.Func().Params(recv.Clone()).Id("Send").Params(ctx.Clone(), jen.Id("env").Id("Envelope"), jen.Id("msg").Add(ng.setType(s.Out))).Error().Block(
		jen.List(jen.Id("m"), jen.Err()).Op(":=").Add(ng.setToCodec(s.Out, jen.Id("msg"))).Dot("MarshalZMQ").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Return(jen.Id("s").Dot("sock").Dot("Send").Call(jen.Id("ctx"),
			jen.Append(jen.Qual(RuntimePath, "Msg").Parens(jen.Qual("slices", "Clone").Call(jen.Id("env"))), jen.Id("m").Op("...")))),
	)
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
		jen.Var().Id("v").Add(ng.setCodec(s.In)),
		jen.For().Block(
			jen.List(jen.Id("m"), jen.Err()).Op(":=").Id("s").Dot("sock").Dot("Recv").Call(jen.Id("ctx")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), ng.setFromCodec(s.In, jen.Id("v")), jen.Err())),
			jen.List(jen.Id("env"), jen.Id("body")).Op(":=").Id("zmqgenSplitEnvelope").Call(jen.Id("m"), jen.Lit(s.Type == model.ROUTER)),
			jen.If(jen.Err().Op(":=").Id("v").Dot("UnmarshalZMQ").Call(jen.Id("body")), jen.Err().Op("!=").Nil()).Block(
				jen.Id("s").Dot("log").Dot("Warn").Call(jen.Lit("dropped a message that does not decode"), jen.Lit("socket"), jen.Id("s").Dot("sock").Dot("Name").Call(), jen.Lit("err"), jen.Err()),
				jen.Continue(),
			),
			jen.Return(jen.Id("env"), ng.setFromCodec(s.In, jen.Id("v")), jen.Nil()),
		),
	)
}

// pollCount is the number of sockets Node.Poll waits on.
func (ng *nodeGen) pollCount() int {
	n := 0
	for _, s := range ng.socks {
		if s.polled() {
			n++
		}
	}
	return n
}

// genPoll writes Node.Poll for a node with several receiving sockets.
func (ng *nodeGen) genPoll(f *jen.File) {
	if ng.pollCount() < 2 {
		return
	}
	var names []string
	f.Line()
	f.Comment("Ready says which of the node's receiving sockets have a message waiting;")
	f.Comment("Node.Poll returns it.")
	f.Type().Id("Ready").StructFunc(func(st *jen.Group) {
		for _, s := range ng.socks {
			if s.polled() {
				names = append(names, s.Name)
				st.Comment(fmt.Sprintf("%s: socket %s has a message.", s.Go, s.Name))
				st.Id(s.Go).Bool()
			}
		}
	})
	f.Line()
	f.Comment(fmt.Sprintf("Poll waits until at least one of the sockets %s has a message", strings.Join(names, ", ")))
	f.Comment("to receive, or ctx is done, and says which. Receive from each socket it")
	f.Comment("reports, or it reports it again.")
	f.Func().Params(jen.Id("n").Op("*").Id("Node")).Id("Poll").Params(jen.Id("ctx").Qual("context", "Context")).
		Params(jen.Id("r").Id("Ready"), jen.Err().Error()).Block(
		jen.List(jen.Id("ready"), jen.Err()).Op(":=").Id("n").Dot("poller").Dot("Poll").Call(jen.Id("ctx")),
		jen.For().List(jen.Id("_"), jen.Id("i")).Op(":=").Range().Id("ready").Block(
			jen.Switch(jen.Id("i")).BlockFunc(func(sw *jen.Group) {
				i := 0
				for _, s := range ng.socks {
					if s.polled() {
						sw.Case(jen.Lit(i)).Block(jen.Id("r").Dot(s.Go).Op("=").True())
						i++
					}
				}
			}),
		),
		jen.Return(jen.Id("r"), jen.Err()),
	)
}

// genEnvelope writes the Envelope type for nodes with ROUTER or DEALER
// sockets.
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
	f.Type().Id("Envelope").Index().Index().Byte()
	f.Line()
	f.Comment("zmqgenSplitEnvelope splits m after its first empty frame. A ROUTER's first")
	f.Comment("frame is always the sender's identity, delimiter or not; a message with no")
	f.Comment("empty frame has no envelope otherwise.")
	f.Func().Id("zmqgenSplitEnvelope").Params(jen.Id("m").Qual(RuntimePath, "Msg"), jen.Id("router").Bool()).
		Params(jen.Id("Envelope"), jen.Qual(RuntimePath, "Msg")).Block(
		jen.Id("start").Op(":=").Lit(0),
		jen.If(jen.Id("router")).Block(jen.Id("start").Op("=").Lit(1)),
		jen.For(jen.Id("i").Op(":=").Id("start"), jen.Id("i").Op("<").Len(jen.Id("m")), jen.Id("i").Op("++")).Block(
			jen.If(jen.Len(jen.Id("m").Index(jen.Id("i"))).Op("==").Lit(0)).Block(
				jen.Return(jen.Id("Envelope").Parens(jen.Id("m").Index(jen.Empty(), jen.Id("i").Op("+").Lit(1))), jen.Id("m").Index(jen.Id("i").Op("+").Lit(1), jen.Empty())))),
		jen.If(jen.Id("router").Op("&&").Len(jen.Id("m")).Op(">").Lit(0)).Block(
			jen.Return(jen.Id("Envelope").Parens(jen.Id("m").Index(jen.Empty(), jen.Lit(1))), jen.Id("m").Index(jen.Lit(1), jen.Empty()))),
		jen.Return(jen.Nil(), jen.Id("m")),
	)
}

// genBuiltinCodecs writes codecs for the builtin string and bytes types,
// when the node's sockets use them.
func (ng *nodeGen) genBuiltinCodecs(f *jen.File) {
	var text, raw bool
	for _, s := range ng.socks {
		for _, m := range append(slices.Clone(s.Send), s.Recv...) {
			if m.Builtin {
				text = text || m.Kind == model.String
				raw = raw || m.Kind == model.Bytes
			}
		}
	}
	for _, c := range []struct {
		use                        bool
		name, desc, encode, decode string
		typ                        *jen.Statement
	}{
		{text, textCodec, "string: one frame of UTF-8 text", "StringMsg", "DecodeString", jen.String()},
		{raw, bytesCodec, "bytes: one frame of raw bytes", "BytesMsg", "DecodeBytes", jen.Index().Byte()},
	} {
		if !c.use {
			continue
		}
		f.Line()
		f.Comment(fmt.Sprintf("%s is the codec of the builtin message type %s.", c.name, c.desc))
		f.Type().Id(c.name).Add(c.typ)
		f.Line()
		f.Func().Params(jen.Id("m").Id(c.name)).Id("MarshalZMQ").Params().Params(jen.Qual(RuntimePath, "Msg"), jen.Error()).Block(
			jen.Return(jen.Qual(RuntimePath, c.encode).Call(c.typ.Clone().Parens(jen.Id("m"))), jen.Nil()))
		f.Line()
		f.Func().Params(jen.Id("m").Op("*").Id(c.name)).Id("UnmarshalZMQ").Params(jen.Id("msg").Qual(RuntimePath, "Msg")).Error().Block(
			jen.List(jen.Id("v"), jen.Err()).Op(":=").Qual(RuntimePath, c.decode).Call(jen.Id("msg")),
			jen.Op("*").Id("m").Op("=").Id(c.name).Parens(jen.Id("v")),
			jen.Return(jen.Err()),
		)
	}
}

// recvValue returns the statements that receive a value of ms on s.sock
// and return it with the error.
func (ng *nodeGen) recvValue(ms *msgSet) jen.Code {
	call := jen.Qual(RuntimePath, "RecvValue").Types(ng.setCodec(ms)).Call(jen.Id("ctx"), jen.Id("s").Dot("sock"))
	if !ms.converts() {
		return jen.Return(call)
	}
	return jen.List(jen.Id("v"), jen.Err()).Op(":=").Add(call).Line().Return(ng.setFromCodec(ms, jen.Id("v")), jen.Err())
}
