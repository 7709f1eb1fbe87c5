package codegen

import (
	"fmt"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// genMain writes main: parse flags, set up logging, run until done or
// signalled.
func (ng *nodeGen) genMain(f *jen.File) {
	logger := jen.Qual("log/slog", "New").Call(
		jen.Qual("log/slog", "NewTextHandler").Call(jen.Qual("os", "Stderr"),
			jen.Op("&").Qual("log/slog", "HandlerOptions").Values(jen.Dict{jen.Id("Level"): jen.Id("c").Dot("logLevel")}))).
		Dot("With").CallFunc(func(a *jen.Group) {
		a.Lit("node")
		a.Lit(ng.n.Name)
		if ng.replicated() {
			a.Lit("replica")
			a.Id("c").Dot("replica")
		}
	})
	f.Line()
	f.Func().Id("main").Params().Block(
		jen.List(jen.Id("c"), jen.Err()).Op(":=").Id("zmqgenParse").Call(
			jen.Qual("os", "Args").Index(jen.Lit(1), jen.Empty()), jen.Qual("os", "LookupEnv"), jen.Qual("os", "Stderr")),
		jen.If(jen.Qual("errors", "Is").Call(jen.Err(), jen.Qual("flag", "ErrHelp"))).Block(jen.Return()),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Qual("os", "Exit").Call(jen.Lit(2))),
		jen.Qual(RuntimePath, "TuneGC").Call(),
		jen.Id("log").Op(":=").Add(logger),
		jen.List(jen.Id("ctx"), jen.Id("stop")).Op(":=").Qual("os/signal", "NotifyContext").Call(
			jen.Qual("context", "Background").Call(), jen.Qual("os", "Interrupt"), jen.Qual("syscall", "SIGTERM")),
		jen.Err().Op("=").Id("zmqgenMain").Call(jen.Id("ctx"), jen.Id("c"), jen.Id("log")),
		jen.Id("stop").Call(),
		jen.If(jen.Err().Op("!=").Nil()).Block(
			jen.Id("log").Dot("Error").Call(jen.Lit("stopped"), jen.Lit("err"), jen.Err()),
			jen.Qual("os", "Exit").Call(jen.Lit(1)),
		),
	)
	f.Line()
	f.Comment("zmqgenMain opens the node's sockets, makes the handler and runs it. The")
	f.Comment("sockets are closed when it returns.")
	f.Func().Id("zmqgenMain").Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("c").Op("*").Id("zmqgenConfig"),
		jen.Id("log").Op("*").Qual("log/slog", "Logger")).Error().Block(
		jen.List(jen.Id("n"), jen.Err()).Op(":=").Id("zmqgenOpen").Call(jen.Id("c"), jen.Id("log")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
		jen.Defer().Id("n").Dot("close").Call(),
		jen.List(jen.Id("h"), jen.Err()).Op(":=").Id("newHandler").Call(jen.Id("n")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("newHandler: %w"), jen.Err()))),
		jen.Return(jen.Id("n").Dot("run").Call(jen.Id("ctx"), jen.Id("h"))),
	)
}

// genRun writes Node.run, which runs the handler's Run and Serve methods
// concurrently and stops them all when the first ends.
func (ng *nodeGen) genRun(f *jen.File) {
	f.Line()
	f.Comment("run runs h until Run returns, a Serve method fails or ctx is done; only")
	f.Comment("a failure is an error.")
	f.Func().Params(jen.Id("n").Op("*").Id("Node")).Id("run").Params(jen.Id("ctx").Qual("context", "Context"), jen.Id("h").Id("Handler")).Error().BlockFunc(func(b *jen.Group) {
		b.List(jen.Id("ctx"), jen.Id("cancel")).Op(":=").Qual("context", "WithCancelCause").Call(jen.Id("ctx"))
		b.Defer().Id("cancel").Call(jen.Nil())
		b.Var().Id("wg").Qual("sync", "WaitGroup")
		if ng.hasRun() {
			b.Id("wg").Dot("Go").Call(jen.Func().Params().Block(jen.Id("cancel").Call(jen.Id("h").Dot("Run").Call(jen.Id("ctx")))))
		}
		for _, s := range ng.reps() {
			b.Id("wg").Dot("Go").Call(jen.Func().Params().Block(jen.Id("cancel").Call(
				jen.Id("n").Dot(s.Go).Dot("serve").Call(jen.Id("ctx"), jen.Id("h").Dot(serveMethod(s))))))
		}
		b.Id("wg").Dot("Wait").Call()
		b.Comment("A signal, or Run returning nil, cancels ctx with context.Canceled.")
		b.If(jen.Err().Op(":=").Qual("context", "Cause").Call(jen.Id("ctx")), jen.Op("!").Qual("errors", "Is").Call(jen.Err(), jen.Qual("context", "Canceled"))).Block(
			jen.Return(jen.Err()))
		b.Return(jen.Nil())
	})
}

// socketOptions are the runtime options the .ztopo gives s.
func (ng *nodeGen) socketOptions(s *sock) []jen.Code {
	rt := func(name string) *jen.Statement { return jen.Qual(RuntimePath, name) }
	opts := []jen.Code{
		rt("WithName").Call(jen.Lit(ng.n.Name + "." + s.Name)),
		rt("WithLogger").Call(jen.Id("log")),
	}
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
	if s.hasIdentity() {
		opts = append(opts, rt("WithIdentity").Call(jen.Index().Byte().Parens(jen.Id("c").Dot(configField("identity", s)))))
	} else if o.Identity != nil {
		opts = append(opts, rt("WithIdentity").Call(jen.Index().Byte().Parens(jen.Lit(*o.Identity))))
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
	if s.hasSubscriptions() {
		opts = append(opts, rt("WithSubscribe").Call(jen.Id("c").Dot(configField("subscribe", s)).Op("...")))
	} else if len(s.Subscribe) > 0 {
		var subs []jen.Code
		for _, p := range s.Subscribe {
			subs = append(subs, jen.Lit(p))
		}
		opts = append(opts, rt("WithSubscribe").Call(subs...))
	}
	if s.Reconnect != nil {
		opts = append(opts, rt("WithReconnect").Call(jen.Id("c").Dot(configField("reconnect", s))))
	}
	if s.Heartbeat != nil {
		opts = append(opts, rt("WithHeartbeat").Call(jen.Id("c").Dot(configField("heartbeat", s))))
	}
	return opts
}

// handleFields are the fields of a socket's handle that hold what the
// configuration says, beyond its runtime socket.
func handleFields(s *sock) jen.Dict {
	d := jen.Dict{jen.Id("log"): jen.Id("log")}
	if s.usesRequester() {
		d[jen.Id("retry")] = jen.Id("c").Dot(configField("retry", s))
	}
	if s.Reconnect != nil {
		d[jen.Id("reconnect")] = jen.Id("c").Dot(configField("reconnect", s))
	}
	if s.Heartbeat != nil {
		d[jen.Id("heartbeat")] = jen.Id("c").Dot(configField("heartbeat", s))
	}
	if s.hasSubscriptions() {
		d[jen.Id("subs")] = jen.Qual("slices", "Clone").Call(jen.Id("c").Dot(configField("subscribe", s)))
	}
	return d
}

// socketTypeName is the runtime constant of a socket type.
func socketTypeName(t model.SocketType) *jen.Statement { return jen.Qual(RuntimePath, t.String()) }

// endpointField is the zmqgenConfig field of a socket's binds or connects.
func endpointField(kind string, s *sock) string { return configField(kind, s) }

// configField is the zmqgenConfig field of what of a socket: "bind",
// "connect", "identity", "subscribe", "retry", "reconnect", "heartbeat".
func configField(what string, s *sock) string { return what + s.Go }

// genOpen writes zmqgenOpen, which opens every socket of the node.
func (ng *nodeGen) genOpen(f *jen.File) {
	f.Line()
	f.Comment("zmqgenOpen opens the node's sockets and binds and connects them as c says.")
	f.Func().Id("zmqgenOpen").Params(jen.Id("c").Op("*").Id("zmqgenConfig"), jen.Id("log").Op("*").Qual("log/slog", "Logger")).
		Params(jen.Op("*").Id("Node"), jen.Error()).BlockFunc(func(b *jen.Group) {
		b.Id("n").Op(":=").Op("&").Id("Node").Values(jen.Dict{
			jen.Id("Params"): jen.Id("c").Dot("params"), jen.Id("Replica"): jen.Id("c").Dot("replica"), jen.Id("Logger"): jen.Id("log")})
		if len(ng.socks) > 0 {
			b.Var().Err().Error()
		}
		for _, s := range ng.socks {
			b.Line()
			h := jen.Id("n").Dot(s.Go)
			fail := jen.If(jen.Err().Op("!=").Nil()).Block(
				jen.Id("n").Dot("close").Call(),
				jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("socket "+s.Name+": %w"), jen.Err())))
			if s.usesRequester() {
				retry := jen.Id("c").Dot(configField("retry", s))
				b.Add(h.Clone()).Op("=").Op("&").Id(s.Handle).Values(handleFields(s))
				b.List(h.Clone().Dot("req"), jen.Err()).Op("=").Add(multiCall(jen.Qual(RuntimePath, "NewRequester"),
					append([]jen.Code{
						jen.Id("c").Dot(endpointField("connect", s)),
						jen.Qual(RuntimePath, "Retry").Values(jen.Dict{
							jen.Id("Timeout"):  retry.Clone().Dot("Timeout"),
							jen.Id("Attempts"): retry.Clone().Dot("Attempts"),
							jen.Id("Reopen"):   retry.Clone().Dot("Reopen"),
							jen.Id("OnRetry"):  h.Clone().Dot("retried"),
						}),
					}, ng.socketOptions(s)...)...))
				b.Add(fail)
				continue
			}
			fields := handleFields(s)
			fields[jen.Id("sock")] = multiCall(jen.Qual(RuntimePath, "NewSocket"), append([]jen.Code{socketTypeName(s.Type)}, ng.socketOptions(s)...)...)
			b.Add(h.Clone()).Op("=").Op("&").Id(s.Handle).Values(fields)
			b.Err().Op("=").Qual(RuntimePath, "Attach").Call(h.Clone().Dot("sock"), jen.Id("c").Dot(endpointField("bind", s)), jen.Id("c").Dot(endpointField("connect", s)), jen.Id("log"))
			b.Add(fail)
		}
		if ng.pollCount() >= 2 {
			b.Line()
			b.Id("n").Dot("poller").Op("=").Qual(RuntimePath, "NewPoller").CallFunc(func(a *jen.Group) {
				for _, s := range ng.socks {
					if s.polled() {
						a.Id("n").Dot(s.Go).Dot("sock")
					}
				}
			})
		}
		b.Return(jen.Id("n"), jen.Nil())
	})
}

// genClose writes Node.close.
func (ng *nodeGen) genClose(f *jen.File) {
	f.Line()
	f.Comment("close closes the node's sockets that are open, the last opened first.")
	f.Func().Params(jen.Id("n").Op("*").Id("Node")).Id("close").Params().BlockFunc(func(b *jen.Group) {
		for i := len(ng.socks) - 1; i >= 0; i-- {
			s := ng.socks[i]
			field := "sock"
			if s.usesRequester() {
				field = "req"
			}
			h := jen.Id("n").Dot(s.Go)
			b.If(h.Clone().Op("!=").Nil().Op("&&").Add(h.Clone()).Dot(field).Op("!=").Nil()).Block(
				jen.If(jen.Err().Op(":=").Add(h.Clone()).Dot(field).Dot("Close").Call(), jen.Err().Op("!=").Nil()).Block(
					jen.Id("n").Dot("Logger").Dot("Debug").Call(jen.Lit("close"), jen.Lit("socket"), jen.Lit(s.Name), jen.Lit("err"), jen.Err())))
		}
	})
}

// flagDef is one flag of the node's program.
type flagDef struct {
	name, env string
	valueType string         // the generated flag.Value type it uses, if any
	define    *jen.Statement // the FlagSet call that defines it
}

// flags lists the node's flags in a fixed order: each socket's, then the
// parameters, then -replica and -log-level.
func (ng *nodeGen) flags() []flagDef {
	var out []flagDef
	for _, s := range ng.socks {
		out = append(out, ng.socketFlags(s)...)
	}
	fs := jen.Id("fs")
	for _, p := range ng.n.Params {
		env := envName(ng.n.Name, p.Name)
		help := oneLine(p.Doc)
		if help == "" {
			help = "parameter " + p.Name
		}
		help += fmt.Sprintf(" ($%s)", env)
		field := jen.Op("&").Id("c").Dot("params").Dot(exported(p.Name))
		var def *jen.Statement
		switch p.Type {
		case model.ParamString:
			def = fs.Clone().Dot("StringVar").Call(field, jen.Lit(p.Name), jen.Lit(p.Default), jen.Lit(help))
		case model.ParamInt:
			v, _ := p.Default.(int64)
			def = fs.Clone().Dot("IntVar").Call(field, jen.Lit(p.Name), jen.Lit(int(v)), jen.Lit(help))
		case model.ParamFloat:
			v, _ := p.Default.(float64)
			def = fs.Clone().Dot("Float64Var").Call(field, jen.Lit(p.Name), jen.Lit(v), jen.Lit(help))
		case model.ParamBool:
			def = fs.Clone().Dot("BoolVar").Call(field, jen.Lit(p.Name), jen.Lit(p.Default), jen.Lit(help))
		case model.ParamDuration:
			d, _ := p.Default.(time.Duration)
			def = fs.Clone().Dot("DurationVar").Call(field, jen.Lit(p.Name), durationLit(d), jen.Lit(help))
		}
		out = append(out, flagDef{p.Name, env, "", def})
	}
	if ng.replicated() {
		env := envName(ng.n.Name, "replica")
		out = append(out, flagDef{"replica", env, "", fs.Clone().Dot("IntVar").Call(
			jen.Op("&").Id("c").Dot("replica"), jen.Lit("replica"), jen.Lit(0),
			jen.Lit(fmt.Sprintf("which of the %d replicas this process is, from 0 ($%s)", ng.n.Replicas, env)))})
	}
	env := envName(ng.n.Name, "log", "level")
	out = append(out, flagDef{"log-level", env, "", fs.Clone().Dot("TextVar").Call(
		jen.Op("&").Id("c").Dot("logLevel"), jen.Lit("log-level"), jen.Qual("log/slog", "LevelInfo"),
		jen.Lit(fmt.Sprintf("log at `level` and above: debug, info, warn or error ($%s)", env)))})
	return out
}

// A flag.Value type of the generated code, for settings that need more
// checks than the flag package's own types make.
const (
	endpointsValue = "zmqgenEndpoints" // a comma-separated list of endpoints
	durationValue  = "zmqgenDuration"  // a positive time.Duration
	countValue     = "zmqgenCount"     // an int, at least 1
	identityValue  = "zmqgenIdentity"  // a ZMTP routing identity
	prefixesValue  = "zmqgenPrefixes"  // SUB prefix filters
)

// socketFlags are the flags of socket s: its endpoints, identity,
// subscriptions and policies, in this order.
func (ng *nodeGen) socketFlags(s *sock) []flagDef {
	var out []flagDef
	add := func(what, valueType, help string) {
		name := s.Name + "." + what
		env := envName(ng.n.Name, s.Name, what)
		field := jen.Op("&").Id("c").Dot(configField(what, s))
		if policy, _, ok := strings.Cut(what, "."); ok {
			field = jen.Op("&").Id("c").Dot(configField(policy, s)).Dot(policyFields[what])
		}
		value := jen.Parens(jen.Op("*").Id(valueType)).Parens(field)
		if valueType == prefixesValue {
			value = jen.Op("&").Id(prefixesValue).Values(jen.Dict{jen.Id("list"): field})
		}
		out = append(out, flagDef{name, env, valueType, jen.Id("fs").Dot("Var").Call(value, jen.Lit(name),
			jen.Lit(fmt.Sprintf("%s ($%s)", help, env)))})
	}
	if !s.usesRequester() {
		add("bind", endpointsValue, fmt.Sprintf("endpoints socket %s binds, comma-separated", s.Name))
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
	add("connect", endpointsValue, connect)
	if s.hasIdentity() {
		add("identity", identityValue, fmt.Sprintf("routing `identity` socket %s gives its peers, 1 to 255 bytes; empty lets a ROUTER peer pick one", s.Name))
	}
	if s.hasSubscriptions() {
		add("subscribe", prefixesValue, fmt.Sprintf("`prefixes` socket %s subscribes to, comma-separated, in place of the .ztopo's (repeat the flag to add more; an empty prefix is everything)", s.Name))
	}
	if s.usesRequester() {
		add("retry.timeout", durationValue, fmt.Sprintf("how long socket %s waits for each reply, a positive `duration`", s.Name))
		add("retry.tries", countValue, fmt.Sprintf("how many `tries` socket %s makes in all before it gives up on a request, at least 1", s.Name))
	}
	if s.Reconnect != nil {
		add("reconnect.initial", durationValue, fmt.Sprintf("how long socket %s waits before its first reconnect, a positive `duration`; each failure doubles the wait", s.Name))
		add("reconnect.max", durationValue, fmt.Sprintf("the longest socket %s waits between reconnects, a positive `duration`", s.Name))
	}
	if s.Heartbeat != nil {
		add("heartbeat.interval", durationValue, fmt.Sprintf("how often socket %s sends a heartbeat, a positive `duration`", s.Name))
		add("heartbeat.liveness", countValue, fmt.Sprintf("socket %s drops a peer not heard from in this many heartbeat `intervals`, at least 1", s.Name))
	}
	return out
}

// policyFields are the runtime struct fields that policy flags set.
var policyFields = map[string]string{
	"retry.timeout":      "Timeout",
	"retry.tries":        "Attempts",
	"reconnect.initial":  "Initial",
	"reconnect.max":      "Max",
	"heartbeat.interval": "Interval",
	"heartbeat.liveness": "Liveness",
}

// genConfig writes zmqgenConfig: what flags and environment set.
func (ng *nodeGen) genConfig(f *jen.File) {
	f.Line()
	f.Comment("zmqgenConfig is what the command line and the environment say.")
	f.Type().Id("zmqgenConfig").StructFunc(func(st *jen.Group) {
		st.Id("params").Id("Params")
		st.Id("replica").Int()
		st.Id("logLevel").Qual("log/slog", "Level")
		// A comment line before each group, so that gofmt aligns it
		// alone: a socket's setting added to the .ztopo moves no line.
		for _, s := range ng.socks {
			st.Line()
			st.Comment(fmt.Sprintf("Endpoints of socket %s.", s.Name))
			if !s.usesRequester() {
				st.Id(endpointField("bind", s)).Index().String()
			}
			st.Id(endpointField("connect", s)).Index().String()
			if s.hasIdentity() {
				st.Comment("Its routing identity.")
				st.Id(configField("identity", s)).String()
			}
			if s.hasSubscriptions() {
				st.Comment("Its prefix filters.")
				st.Id(configField("subscribe", s)).Index().String()
			}
			if s.usesRequester() {
				st.Comment("Its retry policy.")
				st.Id(configField("retry", s)).Qual(RuntimePath, "Retry")
			}
			if s.Reconnect != nil {
				st.Comment("Its reconnect backoff.")
				st.Id(configField("reconnect", s)).Qual(RuntimePath, "Backoff")
			}
			if s.Heartbeat != nil {
				st.Comment("Its heartbeat policy.")
				st.Id(configField("heartbeat", s)).Qual(RuntimePath, "Heartbeat")
			}
		}
	})
}

// endpointList is the literal default of an endpoint flag.
func endpointList(eps []*model.Endpoint) jen.Code {
	if len(eps) == 0 {
		return jen.Nil()
	}
	var lits []jen.Code
	for _, e := range eps {
		lits = append(lits, jen.Lit(e.Addr))
	}
	return jen.Index().String().Values(lits...)
}

// genParse writes zmqgenParse: flags, then environment variables for
// what the flags did not set, then the .ztopo's defaults.
func (ng *nodeGen) genParse(f *jen.File) {
	flags := ng.flags()
	usage := fmt.Sprintf("Usage: %s [flags]\n\n%s runs the node %s of the %s topology (%s).\n"+
		"Each flag can also be set by the environment variable named in its\ndescription; a flag wins over its variable.\n\nFlags:\n",
		ng.n.Name, ng.n.Name, ng.n.Name, ng.t.Name, ng.opts.Source)
	f.Line()
	f.Comment("zmqgenUsage starts the -h text; the flags' descriptions follow.")
	f.Const().Id("zmqgenUsage").Op("=").Add(rawString(usage))
	f.Line()
	f.Comment("zmqgenParse reads the command line args, then the environment through")
	f.Comment("lookupEnv for the flags args did not set. It writes errors and -h help to")
	f.Comment("out.")
	f.Func().Id("zmqgenParse").Params(jen.Id("args").Index().String(), jen.Id("lookupEnv").Func().Params(jen.String()).Params(jen.String(), jen.Bool()),
		jen.Id("out").Qual("io", "Writer")).Params(jen.Op("*").Id("zmqgenConfig"), jen.Error()).BlockFunc(func(b *jen.Group) {
		b.Id("c").Op(":=").Op("&").Id("zmqgenConfig").Values()
		// One statement per default rather than a composite literal, which
		// gofmt would align: a socket's change stays on its own lines.
		for _, s := range ng.socks {
			if !s.usesRequester() && len(s.Binds) > 0 {
				b.Id("c").Dot(endpointField("bind", s)).Op("=").Add(endpointList(s.Binds))
			}
			if len(s.Connects) > 0 {
				b.Id("c").Dot(endpointField("connect", s)).Op("=").Add(endpointList(s.Connects))
			}
			if s.hasIdentity() && s.Options.Identity != nil {
				b.Id("c").Dot(configField("identity", s)).Op("=").Lit(*s.Options.Identity)
			}
			if s.hasSubscriptions() && len(s.Subscribe) > 0 {
				var subs []jen.Code
				for _, p := range s.Subscribe {
					subs = append(subs, jen.Lit(p))
				}
				b.Id("c").Dot(configField("subscribe", s)).Op("=").Index().String().Values(subs...)
			}
			if r := s.Retry; s.usesRequester() {
				b.Id("c").Dot(configField("retry", s)).Op("=").Qual(RuntimePath, "Retry").Values(jen.Dict{
					jen.Id("Timeout"): durationLit(r.Timeout), jen.Id("Attempts"): jen.Lit(r.Tries), jen.Id("Reopen"): jen.Lit(r.Reopen)})
			}
			if r := s.Reconnect; r != nil {
				b.Id("c").Dot(configField("reconnect", s)).Op("=").Qual(RuntimePath, "Backoff").Values(jen.Dict{
					jen.Id("Initial"): durationLit(r.Initial), jen.Id("Max"): durationLit(r.Max)})
			}
			if h := s.Heartbeat; h != nil {
				b.Id("c").Dot(configField("heartbeat", s)).Op("=").Qual(RuntimePath, "Heartbeat").Values(jen.Dict{
					jen.Id("Interval"): durationLit(h.Interval), jen.Id("Liveness"): jen.Lit(h.Liveness)})
			}
		}
		b.Id("fs").Op(":=").Qual("flag", "NewFlagSet").Call(jen.Lit(ng.n.Name), jen.Qual("flag", "ContinueOnError"))
		b.Id("fs").Dot("SetOutput").Call(jen.Id("out"))
		b.Id("fs").Dot("Usage").Op("=").Func().Params().Block(
			jen.Qual("fmt", "Fprint").Call(jen.Id("out"), jen.Id("zmqgenUsage")),
			jen.Id("fs").Dot("PrintDefaults").Call(),
		)
		for _, fl := range flags {
			b.Add(fl.define)
		}
		b.Id("verbose").Op(":=").Id("fs").Dot("Bool").Call(jen.Lit("v"), jen.False(), jen.Lit("log debug messages too; the same as -log-level debug"))
		b.If(jen.Err().Op(":=").Id("fs").Dot("Parse").Call(jen.Id("args")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err()))
		b.If(jen.Id("fs").Dot("NArg").Call().Op(">").Lit(0)).Block(
			jen.Return(jen.Nil(), jen.Id("zmqgenUsageError").Call(jen.Id("fs"), jen.Lit("unexpected argument %q"), jen.Id("fs").Dot("Arg").Call(jen.Lit(0)))))
		b.Id("set").Op(":=").Map(jen.String()).Bool().Values()
		b.Id("fs").Dot("Visit").Call(jen.Func().Params(jen.Id("f").Op("*").Qual("flag", "Flag")).Block(
			jen.Id("set").Index(jen.Id("f").Dot("Name")).Op("=").True()))
		b.For().List(jen.Id("_"), jen.Id("e")).Op(":=").Range().Index(jen.Op("...")).Index(jen.Lit(2)).String().ValuesFunc(func(v *jen.Group) {
			for _, fl := range flags {
				v.Line().Values(jen.Lit(fl.name), jen.Lit(fl.env))
			}
			v.Line()
		}).Block(
			jen.If(jen.List(jen.Id("v"), jen.Id("ok")).Op(":=").Id("lookupEnv").Call(jen.Id("e").Index(jen.Lit(1))),
				jen.Id("ok").Op("&&").Op("!").Id("set").Index(jen.Id("e").Index(jen.Lit(0)))).Block(
				jen.If(jen.Err().Op(":=").Id("fs").Dot("Set").Call(jen.Id("e").Index(jen.Lit(0)), jen.Id("v")), jen.Err().Op("!=").Nil()).Block(
					jen.Return(jen.Nil(), jen.Id("zmqgenUsageError").Call(jen.Id("fs"), jen.Lit("invalid value %q for $%s: %v"), jen.Id("v"), jen.Id("e").Index(jen.Lit(1)), jen.Err())))),
		)
		b.If(jen.Op("*").Id("verbose")).Block(jen.Id("c").Dot("logLevel").Op("=").Qual("log/slog", "LevelDebug"))
		if ng.replicated() {
			b.If(jen.Id("c").Dot("replica").Op("<").Lit(0).Op("||").Id("c").Dot("replica").Op(">=").Lit(ng.n.Replicas)).Block(
				jen.Return(jen.Nil(), jen.Id("zmqgenUsageError").Call(jen.Id("fs"), jen.Lit(fmt.Sprintf("-replica %%d: want 0 to %d", ng.n.Replicas-1)), jen.Id("c").Dot("replica"))))
		}
		b.Return(jen.Id("c"), jen.Nil())
	})
	f.Line()
	f.Comment("zmqgenUsageError reports a usage error as flag.FlagSet.Parse does.")
	f.Func().Id("zmqgenUsageError").Params(jen.Id("fs").Op("*").Qual("flag", "FlagSet"), jen.Id("format").String(), jen.Id("args").Op("...").Any()).Error().Block(
		jen.Err().Op(":=").Qual("fmt", "Errorf").Call(jen.Id("format"), jen.Id("args").Op("...")),
		jen.Qual("fmt", "Fprintln").Call(jen.Id("fs").Dot("Output").Call(), jen.Err()),
		jen.Id("fs").Dot("Usage").Call(),
		jen.Return(jen.Err()),
	)
}

// genFlagValues writes the flag.Value types the node's flags use.
func (ng *nodeGen) genFlagValues(f *jen.File) {
	used := map[string]bool{}
	for _, fl := range ng.flags() {
		used[fl.valueType] = true
	}
	ng.genEndpoints(f)
	if used[durationValue] {
		f.Line()
		f.Comment(durationValue + " is a flag.Value: a positive time.Duration.")
		f.Type().Id(durationValue).Qual("time", "Duration")
		f.Line()
		f.Func().Params(jen.Id("d").Op("*").Id(durationValue)).Id("String").Params().String().Block(
			jen.Return(jen.Qual("time", "Duration").Parens(jen.Op("*").Id("d")).Dot("String").Call()))
		f.Line()
		f.Func().Params(jen.Id("d").Op("*").Id(durationValue)).Id("Set").Params(jen.Id("s").String()).Error().Block(
			jen.List(jen.Id("v"), jen.Err()).Op(":=").Qual("time", "ParseDuration").Call(jen.Id("s")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err())),
			jen.If(jen.Id("v").Op("<=").Lit(0)).Block(jen.Return(jen.Qual("errors", "New").Call(jen.Lit("must be positive")))),
			jen.Op("*").Id("d").Op("=").Id(durationValue).Parens(jen.Id("v")),
			jen.Return(jen.Nil()),
		)
	}
	if used[countValue] {
		f.Line()
		f.Comment(countValue + " is a flag.Value: a whole number, at least 1.")
		f.Type().Id(countValue).Int()
		f.Line()
		f.Func().Params(jen.Id("n").Op("*").Id(countValue)).Id("String").Params().String().Block(
			jen.Return(jen.Qual("strconv", "Itoa").Call(jen.Int().Parens(jen.Op("*").Id("n")))))
		f.Line()
		f.Func().Params(jen.Id("n").Op("*").Id(countValue)).Id("Set").Params(jen.Id("s").String()).Error().Block(
			jen.List(jen.Id("v"), jen.Err()).Op(":=").Qual("strconv", "Atoi").Call(jen.Id("s")),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Qual("errors", "New").Call(jen.Lit("not a whole number")))),
			jen.If(jen.Id("v").Op("<").Lit(1)).Block(jen.Return(jen.Qual("errors", "New").Call(jen.Lit("must be at least 1")))),
			jen.Op("*").Id("n").Op("=").Id(countValue).Parens(jen.Id("v")),
			jen.Return(jen.Nil()),
		)
	}
	if used[identityValue] {
		f.Line()
		f.Comment(identityValue + " is a flag.Value: a routing identity, as ZMTP allows one. An")
		f.Comment("empty one is none: a ROUTER peer makes one up.")
		f.Type().Id(identityValue).String()
		f.Line()
		f.Func().Params(jen.Id("id").Op("*").Id(identityValue)).Id("String").Params().String().Block(
			jen.Return(jen.String().Parens(jen.Op("*").Id("id"))))
		f.Line()
		f.Func().Params(jen.Id("id").Op("*").Id(identityValue)).Id("Set").Params(jen.Id("s").String()).Error().Block(
			jen.Switch().Block(
				jen.Case(jen.Len(jen.Id("s")).Op(">").Lit(255)).Block(
					jen.Return(jen.Qual("fmt", "Errorf").Call(jen.Lit("must be at most 255 bytes, not %d"), jen.Len(jen.Id("s"))))),
				jen.Case(jen.Id("s").Op("!=").Lit("").Op("&&").Id("s").Index(jen.Lit(0)).Op("==").Lit(0)).Block(
					jen.Comment("ZMTP keeps these for the identities a ROUTER makes up."),
					jen.Return(jen.Qual("errors", "New").Call(jen.Lit("must not start with a zero byte")))),
			),
			jen.Op("*").Id("id").Op("=").Id(identityValue).Parens(jen.Id("s")),
			jen.Return(jen.Nil()),
		)
	}
	if used[prefixesValue] {
		f.Line()
		f.Comment(prefixesValue + " is a flag.Value: SUB prefix filters, comma-separated. Its")
		f.Comment("first Set replaces the list, which holds the .ztopo's, and each later one")
		f.Comment("adds to it. Each part is a prefix as it stands, spaces included; an empty")
		f.Comment("one lets everything through.")
		f.Type().Id(prefixesValue).Struct(
			jen.Id("list").Op("*").Index().String(),
			jen.Id("set").Bool(),
		)
		f.Line()
		f.Func().Params(jen.Id("p").Op("*").Id(prefixesValue)).Id("String").Params().String().Block(
			jen.If(jen.Id("p").Dot("list").Op("==").Nil()).Block(jen.Return(jen.Lit(""))),
			jen.Return(jen.Qual("strings", "Join").Call(jen.Op("*").Id("p").Dot("list"), jen.Lit(","))))
		f.Line()
		f.Func().Params(jen.Id("p").Op("*").Id(prefixesValue)).Id("Set").Params(jen.Id("s").String()).Error().Block(
			jen.If(jen.Op("!").Id("p").Dot("set")).Block(
				jen.Op("*").Id("p").Dot("list").Op("=").Nil(),
				jen.Id("p").Dot("set").Op("=").True(),
			),
			jen.Op("*").Id("p").Dot("list").Op("=").Append(jen.Op("*").Id("p").Dot("list"), jen.Qual("strings", "Split").Call(jen.Id("s"), jen.Lit(",")).Op("...")),
			jen.Return(jen.Nil()),
		)
	}
}

// genEndpoints writes the flag.Value of endpoint lists.
func (ng *nodeGen) genEndpoints(f *jen.File) {
	f.Line()
	f.Comment("zmqgenEndpoints is a flag.Value: a comma-separated list of endpoints.")
	f.Type().Id("zmqgenEndpoints").Index().String()
	f.Line()
	f.Func().Params(jen.Id("e").Op("*").Id("zmqgenEndpoints")).Id("String").Params().String().Block(
		jen.Return(jen.Qual("strings", "Join").Call(jen.Op("*").Id("e"), jen.Lit(","))))
	f.Line()
	f.Func().Params(jen.Id("e").Op("*").Id("zmqgenEndpoints")).Id("Set").Params(jen.Id("s").String()).Error().Block(
		jen.Op("*").Id("e").Op("=").Nil(),
		jen.For().List(jen.Id("_"), jen.Id("p")).Op(":=").Range().Qual("strings", "Split").Call(jen.Id("s"), jen.Lit(",")).Block(
			jen.If(jen.Id("p").Op("=").Qual("strings", "TrimSpace").Call(jen.Id("p")), jen.Id("p").Op("!=").Lit("")).Block(
				jen.Op("*").Id("e").Op("=").Append(jen.Op("*").Id("e"), jen.Id("p")))),
		jen.Return(jen.Nil()),
	)
}

// rawString writes s as a raw string literal when it can, for
// readability, and as a quoted one otherwise.
func rawString(s string) *jen.Statement {
	if strings.ContainsAny(s, "`\r") {
		return jen.Lit(s)
	}
	return jen.Op("`" + s + "`")
}

// Flags returns the names of the flags that the generated program of node
// n takes, in the order its -h lists them (for example "rep.bind",
// "drink", "log-level"), without the leading dash. zmqgen up checks what
// it passes to a node against them.
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
	return names, nil
}
