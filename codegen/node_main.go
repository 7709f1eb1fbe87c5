package codegen

import (
	"fmt"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/zmqgen/zmqgen/dsl/model"
	"github.com/zmqgen/zmqgen/runtime"
)

// mainText is the main of every node program: the runtime parses the
// flags of the node's program table into its config, opens the sockets,
// makes the Node (zmqgenConfig.node) and its Handler (newHandler, which the
// user writes), and runs the Handler's tasks (Node.tasks).
const mainText = `func main() {
	c := zmqgenDefaults()
	runtime.Main(c.program(), c.node, newHandler, (*Node).tasks)
}`

// genMain writes main.
func (ng *nodeGen) genMain(f *jen.File) {
	f.Line()
	f.Comment("main runs the node with the runtime: see runtime.Main.")
	f.Add(jen.Id(mainText))
}

// genConfig writes zmqgenConfig, the node's settings, and zmqgenDefaults, which
// returns the .ztopo's: the table of defaults.
func (ng *nodeGen) genConfig(f *jen.File) {
	f.Line()
	f.Comment("zmqgenConfig is the node's settings: zmqgenDefaults returns the .ztopo's, and")
	f.Comment("the flags and environment variables of program override them.")
	f.Type().Id("zmqgenConfig").StructFunc(func(st *jen.Group) {
		st.Id("Params").Id("Params")
		// A blank line before each socket, so that gofmt aligns each
		// alone: a socket added to the .ztopo moves no line.
		for _, s := range ng.socks {
			st.Line()
			st.Id(s.Go).Qual(RuntimePath, "SocketConfig")
		}
	})
	f.Line()
	f.Comment("zmqgenDefaults returns the node's settings as the .ztopo gives them.")
	f.Func().Id("zmqgenDefaults").Params().Op("*").Id("zmqgenConfig").BlockFunc(func(b *jen.Group) {
		b.Id("c").Op(":=").Op("&").Id("zmqgenConfig").Values()
		// One statement per setting rather than a composite literal,
		// which gofmt would align: a socket's change stays on its own
		// lines.
		for _, p := range ng.n.Params {
			b.Id("c").Dot("Params").Dot(exported(p.Name)).Op("=").Add(paramLit(p))
		}
		for _, s := range ng.socks {
			sc := jen.Id("c").Dot(s.Go)
			b.Add(sc.Clone()).Op("=").Qual(RuntimePath, "SocketConfig").Values(
				jen.Id("Name").Op(":").Lit(s.Name), jen.Id("Type").Op(":").Add(socketTypeName(s.Type)))
			if len(s.Binds) > 0 {
				b.Add(sc.Clone()).Dot("Bind").Op("=").Add(endpointList(s.Binds))
			}
			if len(s.Connects) > 0 {
				b.Add(sc.Clone()).Dot("Connect").Op("=").Add(endpointList(s.Connects))
			}
			if s.Options.Identity != nil {
				b.Add(sc.Clone()).Dot("Identity").Op("=").Lit(*s.Options.Identity)
			}
			if len(s.Subscribe) > 0 {
				var subs []jen.Code
				for _, p := range s.Subscribe {
					subs = append(subs, jen.Lit(p))
				}
				b.Add(sc.Clone()).Dot("Subscribe").Op("=").Index().String().Values(subs...)
			}
			if opts := ng.socketOptions(s); len(opts) > 0 {
				b.Add(sc.Clone()).Dot("Options").Op("=").Index().Qual(RuntimePath, "Option").ValuesFunc(func(g *jen.Group) {
					for _, o := range opts {
						g.Line().Add(o)
					}
					g.Line()
				})
			}
			if r := s.Retry; s.usesRequester() {
				b.Add(sc.Clone()).Dot("Retry").Op("=").Qual(RuntimePath, "Retry").Values(
					jen.Id("Timeout").Op(":").Add(durationLit(r.Timeout)), jen.Id("Tries").Op(":").Lit(r.Tries), jen.Id("Reopen").Op(":").Lit(r.Reopen))
			}
			if r := s.Reconnect; r != nil {
				b.Add(sc.Clone()).Dot("Reconnect").Op("=").Qual(RuntimePath, "Backoff").Values(
					jen.Id("Initial").Op(":").Add(durationLit(r.Initial)), jen.Id("Max").Op(":").Add(durationLit(r.Max)))
			}
			if h := s.Heartbeat; h != nil {
				b.Add(sc.Clone()).Dot("Heartbeat").Op("=").Qual(RuntimePath, "Heartbeat").Values(
					jen.Id("Interval").Op(":").Add(durationLit(h.Interval)), jen.Id("Liveness").Op(":").Lit(h.Liveness))
			}
			// Every socket has the connect_all flags, so that a deployment
			// can turn it on where a name stands for several replicas.
			all := []jen.Code{jen.Id("Interval").Op(":").Qual(RuntimePath, "DefaultConnectAllInterval")}
			if a := s.ConnectAll; a != nil {
				all = []jen.Code{jen.Id("On").Op(":").True(), jen.Id("Interval").Op(":").Add(durationLit(a.Interval))}
			}
			b.Add(sc.Clone()).Dot("ConnectAll").Op("=").Qual(RuntimePath, "ConnectAll").Values(all...)
			if c := s.Curve; c != nil {
				// Only the role and where the server's public key comes
				// from: the node reads its keys from -keys when it starts.
				var fields []jen.Code
				if c.Server {
					fields = append(fields, jen.Id("Server").Op(":").True())
				}
				if c.AnyKey {
					fields = append(fields, jen.Id("AllowAny").Op(":").True())
				}
				if c.ServerKey != "" {
					fields = append(fields, jen.Id("ServerKey").Op(":").Lit(c.ServerKey))
				} else if c.ServerNode != "" {
					fields = append(fields, jen.Id("ServerNode").Op(":").Lit(c.ServerNode))
				}
				b.Add(sc.Clone()).Dot("Curve").Op("=").Op("&").Qual(RuntimePath, "CurveSocket").Values(fields...)
			}
		}
		b.Return(jen.Id("c"))
	})
}

// paramLit is a parameter's default as a Go constant.
func paramLit(p *model.Param) jen.Code {
	switch p.Type {
	case model.ParamInt:
		v, _ := p.Default.(int64)
		return jen.Lit(int(v))
	case model.ParamDuration:
		d, _ := p.Default.(time.Duration)
		return durationLit(d)
	}
	return jen.Lit(p.Default)
}

// socketOptions are the runtime options the .ztopo gives s that no flag
// changes.
func (ng *nodeGen) socketOptions(s *sock) []jen.Code {
	rt := func(name string) *jen.Statement { return jen.Qual(RuntimePath, name) }
	var opts []jen.Code
	o := s.Options
	if o.SendHWM != nil {
		opts = append(opts, rt("WithSendHWM").Call(jen.Lit(*o.SendHWM)))
	}
	if o.RecvHWM != nil {
		opts = append(opts, rt("WithRecvHWM").Call(jen.Lit(*o.RecvHWM)))
	}
	if o.Linger != nil {
		opts = append(opts, rt("WithLinger").Call(durationLit(*o.Linger)))
	}
	if o.MaxMsgSize != nil {
		opts = append(opts, rt("WithMaxMsgSize").Call(intLit(*o.MaxMsgSize)))
	}
	if o.SendTimeout != nil {
		opts = append(opts, rt("WithSendTimeout").Call(durationLit(*o.SendTimeout)))
	}
	if o.RecvTimeout != nil {
		opts = append(opts, rt("WithRecvTimeout").Call(durationLit(*o.RecvTimeout)))
	}
	if c := ng.contractOption(s); c != nil {
		opts = append(opts, c)
	}
	return opts
}

// socketTypeName is the runtime constant of a socket type.
func socketTypeName(t model.SocketType) *jen.Statement { return jen.Qual(RuntimePath, t.String()) }

// endpointList is the literal default of an endpoint flag.
func endpointList(eps []*model.Endpoint) jen.Code {
	var lits []jen.Code
	for _, e := range eps {
		lits = append(lits, jen.Lit(e.Addr))
	}
	return jen.Index().String().Values(lits...)
}

// genProgram writes zmqgenConfig.program, the node's table for the runtime: its
// names, sockets and flags.
func (ng *nodeGen) genProgram(f *jen.File) {
	f.Line()
	f.Comment("program is the node's table for the runtime: its sockets, in the order")
	f.Comment("they open, and its flags, in the order -h lists them, each with the")
	f.Comment("environment variable that sets it when the command line does not. The")
	f.Comment("runtime adds the flags every node has (runtime.CommonFlags).")
	f.Func().Params(jen.Id("c").Op("*").Id("zmqgenConfig")).Id("program").Params().Op("*").Qual(RuntimePath, "Program").Block(
		jen.Return(jen.Op("&").Qual(RuntimePath, "Program").ValuesFunc(func(g *jen.Group) {
			g.Line().Id("Topology").Op(":").Lit(ng.t.Name)
			g.Line().Id("Node").Op(":").Lit(ng.n.Name)
			g.Line().Id("Source").Op(":").Lit(ng.opts.Source)
			g.Line().Id("Replicas").Op(":").Lit(ng.n.Replicas)
			g.Line().Id("EnvPrefix").Op(":").Lit(envName(ng.n.Name) + "_")
			g.Line().Id("Sockets").Op(":").Index().Op("*").Qual(RuntimePath, "SocketConfig").ValuesFunc(func(g *jen.Group) {
				// One line per socket: a socket added to the .ztopo adds
				// a line.
				for _, s := range ng.socks {
					g.Line().Op("&").Id("c").Dot(s.Go)
				}
				g.Line()
			})
			g.Line().Id("Flags").Op(":").Index().Qual(RuntimePath, "Flag").ValuesFunc(func(g *jen.Group) {
				for _, fl := range ng.flags() {
					g.Line().Values(jen.Id("Name").Op(":").Lit(fl.name), jen.Id("Env").Op(":").Lit(fl.env),
						jen.Id("Value").Op(":").Add(fl.value), jen.Id("Usage").Op(":").Lit(fl.usage))
				}
				g.Line()
			})
			g.Line()
		})))
}

// genNewNode writes zmqgenConfig.node, which makes the Node on the open
// sockets, and Node.tasks, what the runtime runs: the Handler's Run and
// the loops that serve REP sockets.
func (ng *nodeGen) genNewNode(f *jen.File) {
	f.Line()
	f.Comment("node returns the Node on the sockets the runtime opened.")
	f.Func().Params(jen.Id("c").Op("*").Id("zmqgenConfig")).Id("node").Params(jen.Id("s").Op("*").Qual(RuntimePath, "NodeState")).Op("*").Id("Node").BlockFunc(func(b *jen.Group) {
		fields := []jen.Code{jen.Id("Params").Op(":").Id("c").Dot("Params"), jen.Id("Replica").Op(":").Id("s").Dot("Replica")}
		if ng.replicated() {
			fields = append(fields, jen.Id("Replicas").Op(":").Id("s").Dot("Replicas"))
		}
		b.Id("n").Op(":=").Op("&").Id("Node").Values(append(fields, jen.Id("Logger").Op(":").Id("s").Dot("Logger"))...)
		for _, s := range ng.socks {
			base := s.handleBase()
			fields := []jen.Code{jen.Id(base).Op(":").Id("s").Dot(base).Call(jen.Lit(s.Name))}
			if s.Reconnect != nil {
				fields = append(fields, jen.Id("reconnect").Op(":").Id("c").Dot(s.Go).Dot("Reconnect"))
			}
			if s.Heartbeat != nil {
				fields = append(fields, jen.Id("heartbeat").Op(":").Id("c").Dot(s.Go).Dot("Heartbeat"))
			}
			b.Id("n").Dot(s.Go).Op("=").Op("&").Id(s.Handle).Values(fields...)
		}
		if polled := ng.polledSocks(); len(polled) >= 2 {
			b.Id("n").Dot("poller").Op("=").Qual(RuntimePath, "NewPoller").CallFunc(func(a *jen.Group) {
				for _, s := range polled {
					a.Id("n").Dot(s.Go).Dot("Raw").Call()
				}
			})
		}
		b.Return(jen.Id("n"))
	})
	var what []string
	if ng.hasRun() {
		what = append(what, "the Handler's Run")
	}
	for _, s := range ng.reps() {
		what = append(what, fmt.Sprintf("the loop that answers the requests of socket %s with %s", s.Name, serveMethod(s)))
	}
	f.Line()
	f.Add(doc(wrap(fmt.Sprintf("tasks are what the node runs at once: %s.", strings.Join(what, ", and ")))))
	f.Func().Params(jen.Id("n").Op("*").Id("Node")).Id("tasks").Params(jen.Id("h").Id("Handler")).Index().Qual(RuntimePath, "Task").Block(
		jen.Return(jen.Index().Qual(RuntimePath, "Task").ValuesFunc(func(g *jen.Group) {
			if ng.hasRun() {
				g.Id("h").Dot("Run")
			}
			for _, s := range ng.reps() {
				g.Qual(RuntimePath, "Serve").Call(jen.Id("n").Dot(s.Go).Dot("Raw").Call(), jen.Lit(serveMethod(s)),
					ng.setDecoder(s.In), ng.setEncoder(s.Out), jen.Id("h").Dot(serveMethod(s)))
			}
		})))
}

// flagDef is one flag of the node's program.
type flagDef struct {
	name, env string
	value     jen.Code // what the runtime.Flag's Value points at
	usage     string
}

// flags lists the node's own flags in a fixed order: each socket's, then
// the parameters. The runtime adds its own (runtime.CommonFlags).
func (ng *nodeGen) flags() []flagDef {
	var out []flagDef
	for _, s := range ng.socks {
		out = append(out, ng.socketFlags(s)...)
	}
	for _, p := range ng.n.Params {
		help := oneLine(p.Doc)
		if help == "" {
			help = paramHelp(p)
		}
		out = append(out, flagDef{p.Name, envName(ng.n.Name, p.Name), jen.Op("&").Id("c").Dot("Params").Dot(exported(p.Name)), help})
	}
	return out
}

// paramHelp is the -h text of a parameter the .ztopo does not comment: its
// type, and its default when the flag package would not show one (it
// leaves out zero values).
func paramHelp(p *model.Param) string {
	a := "a"
	if p.Type == model.ParamInt {
		a = "an"
	}
	help := fmt.Sprintf("%s %s parameter", a, p.Type)
	switch d := p.Default.(type) {
	case nil:
	case string:
		if d != "" {
			return help
		}
	case int64:
		if d != 0 {
			return help
		}
	case float64:
		if d != 0 {
			return help
		}
	case bool:
		if d {
			return help
		}
	case time.Duration:
		if d != 0 {
			return help
		}
	default:
		return help
	}
	zero := map[model.ParamType]string{model.ParamString: `""`, model.ParamInt: "0", model.ParamFloat: "0", model.ParamBool: "false", model.ParamDuration: "0s"}[p.Type]
	return help + ", " + zero + " by default"
}

// socketFlags are the flags of socket s: its endpoints, identity,
// subscriptions and policies, in this order.
func (ng *nodeGen) socketFlags(s *sock) []flagDef {
	var out []flagDef
	add := func(what, value, field, help string) {
		name := s.Name + "." + what
		out = append(out, flagDef{name, envName(ng.n.Name, s.Name, what),
			jen.Qual(RuntimePath, value).Call(jen.Op("&").Id("c").Dot(s.Go).Dot(field)), help})
	}
	if !s.usesRequester() {
		add("bind", "EndpointsFlag", "Bind", fmt.Sprintf("endpoints socket %s binds, comma-separated", s.Name))
	}
	connect := fmt.Sprintf("endpoints socket %s connects to, comma-separated", s.Name)
	if s.usesRequester() {
		// Binding is left out on purpose: runtime.Requester dials its
		// servers, as the guide's Lazy Pirate client does, and with
		// reopen a bound socket would lose its peers at every retry.
		connect += fmt.Sprintf("; there is no -%s.bind: a REQ socket with a retry policy connects to its servers", s.Name)
		if s.Retry.Reopen {
			connect += ", and reopening it between tries would drop the connections a bound socket had"
		}
	}
	add("connect", "EndpointsFlag", "Connect", connect)
	if s.hasIdentity() {
		add("identity", "IdentityFlag", "Identity", fmt.Sprintf("routing `identity` socket %s gives its peers, 1 to 255 bytes; empty lets a ROUTER peer pick one", s.Name))
	}
	if s.hasSubscriptions() {
		add("subscribe", "PrefixesFlag", "Subscribe", fmt.Sprintf("`prefixes` socket %s subscribes to, comma-separated, in place of the .ztopo's (repeat the flag to add more; an empty prefix is everything)", s.Name))
	}
	if s.usesRequester() {
		add("retry.timeout", "DurationFlag", "Retry.Timeout", fmt.Sprintf("how long socket %s waits for each reply, a positive `duration`", s.Name))
		add("retry.tries", "CountFlag", "Retry.Tries", fmt.Sprintf("how many `tries` socket %s makes in all before it gives up on a request, at least 1", s.Name))
	}
	out = append(out, flagDef{s.Name + ".connect_all", envName(ng.n.Name, s.Name, "connect_all"),
		jen.Op("&").Id("c").Dot(s.Go).Dot("ConnectAll").Dot("On"),
		fmt.Sprintf("connect each endpoint of socket %s given by a host name to every address the name resolves to, looking it up again every -%s.connect_all.interval and on each lost connection", s.Name, s.Name)})
	add("connect_all.interval", "DurationFlag", "ConnectAll.Interval", fmt.Sprintf("how often socket %s looks its names up with -%s.connect_all, a positive `duration`", s.Name, s.Name))
	if s.Reconnect != nil {
		add("reconnect.initial", "DurationFlag", "Reconnect.Initial", fmt.Sprintf("how long socket %s waits before its first reconnect, a positive `duration`; each failure doubles the wait", s.Name))
		add("reconnect.max", "DurationFlag", "Reconnect.Max", fmt.Sprintf("the longest socket %s waits between reconnects, a positive `duration`", s.Name))
	}
	if s.Heartbeat != nil {
		add("heartbeat.interval", "DurationFlag", "Heartbeat.Interval", fmt.Sprintf("how often socket %s sends a heartbeat, a positive `duration`", s.Name))
		add("heartbeat.liveness", "CountFlag", "Heartbeat.Liveness", fmt.Sprintf("socket %s drops a peer not heard from in this many heartbeat `intervals`, at least 1", s.Name))
	}
	return out
}

// Flags returns the names of the flags that the generated program of node
// n takes (for example "rep.bind", "drink", "log-level"), without the
// leading dash: the node's own, then those the runtime adds to every
// node. zmqgen up checks what it passes to a node against them.
func Flags(t *model.Topology, n *model.Node) ([]string, error) {
	socks, err := nodeSockets(n)
	if err != nil {
		return nil, fmt.Errorf("node %s: %w", n.Name, err)
	}
	ng := &nodeGen{generator: &generator{t: t}, n: n, socks: socks}
	var names []string
	for _, f := range ng.flags() {
		names = append(names, f.name)
	}
	names = append(names, runtime.CommonFlags(n.Replicas)...)
	for _, s := range n.Sockets {
		if s.Curve != nil {
			// The runtime adds -keys to a node with CURVE sockets.
			return append(names, "keys"), nil
		}
	}
	return names, nil
}
