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
	if o.Identity != nil {
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
	if len(s.Subscribe) > 0 {
		var subs []jen.Code
		for _, p := range s.Subscribe {
			subs = append(subs, jen.Lit(p))
		}
		opts = append(opts, rt("WithSubscribe").Call(subs...))
	}
	if r := s.Reconnect; r != nil {
		opts = append(opts, rt("WithReconnect").Call(rt("Backoff").Values(jen.Dict{
			jen.Id("Initial"): durationLit(r.Initial), jen.Id("Max"): durationLit(r.Max)})))
	}
	if h := s.Heartbeat; h != nil {
		opts = append(opts, rt("WithHeartbeat").Call(rt("Heartbeat").Values(jen.Dict{
			jen.Id("Interval"): durationLit(h.Interval), jen.Id("Liveness"): jen.Lit(h.Liveness)})))
	}
	return opts
}

// socketTypeName is the runtime constant of a socket type.
func socketTypeName(t model.SocketType) *jen.Statement { return jen.Qual(RuntimePath, t.String()) }

// endpointField is the zmqgenConfig field of a socket's binds or connects.
func endpointField(kind string, s *sock) string { return kind + s.Go }

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
				r := s.Retry
				b.Add(h.Clone()).Op("=").Op("&").Id(s.Handle).Values(jen.Dict{jen.Id("log"): jen.Id("log")})
				b.List(h.Clone().Dot("req"), jen.Err()).Op("=").Add(multiCall(jen.Qual(RuntimePath, "NewRequester"),
					append([]jen.Code{
						jen.Id("c").Dot(endpointField("connect", s)),
						jen.Qual(RuntimePath, "Retry").Values(jen.Dict{
							jen.Id("Timeout"):  durationLit(r.Timeout),
							jen.Id("Attempts"): jen.Lit(r.Retries),
							jen.Id("Reopen"):   jen.Lit(r.Reopen),
							jen.Id("OnRetry"):  h.Clone().Dot("retried"),
						}),
					}, ng.socketOptions(s)...)...))
				b.Add(fail)
				continue
			}
			b.Add(h.Clone()).Op("=").Op("&").Id(s.Handle).Values(jen.Dict{
				jen.Id("sock"): multiCall(jen.Qual(RuntimePath, "NewSocket"), append([]jen.Code{socketTypeName(s.Type)}, ng.socketOptions(s)...)...),
				jen.Id("log"):  jen.Id("log"),
			})
			b.Err().Op("=").Id("zmqgenAttach").Call(h.Clone().Dot("sock"), jen.Id("c").Dot(endpointField("bind", s)), jen.Id("c").Dot(endpointField("connect", s)), jen.Id("log"))
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
	f.Line()
	f.Comment("zmqgenAttach binds s to each of binds, logging the addresses it got, then")
	f.Comment("connects it to each of connects.")
	f.Func().Id("zmqgenAttach").Params(jen.Id("s").Op("*").Qual(RuntimePath, "Socket"), jen.List(jen.Id("binds"), jen.Id("connects")).Index().String(),
		jen.Id("log").Op("*").Qual("log/slog", "Logger")).Error().Block(
		jen.For().List(jen.Id("_"), jen.Id("e")).Op(":=").Range().Id("binds").Block(
			jen.If(jen.Err().Op(":=").Id("s").Dot("Bind").Call(jen.Id("e")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))),
		jen.If(jen.Len(jen.Id("binds")).Op(">").Lit(0)).Block(
			jen.For().List(jen.Id("_"), jen.Id("a")).Op(":=").Range().Id("s").Dot("Addrs").Call().Block(
				jen.Id("log").Dot("Info").Call(jen.Lit("listening"), jen.Lit("socket"), jen.Id("s").Dot("Name").Call(), jen.Lit("addr"), jen.Id("a")))),
		jen.For().List(jen.Id("_"), jen.Id("e")).Op(":=").Range().Id("connects").Block(
			jen.If(jen.Err().Op(":=").Id("s").Dot("Connect").Call(jen.Id("e")), jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Err()))),
		jen.Return(jen.Nil()),
	)
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
	define    *jen.Statement // the FlagSet call that defines it
}

// flags lists the node's flags in a fixed order: each socket's endpoints,
// then the parameters, then -replica.
func (ng *nodeGen) flags() []flagDef {
	var out []flagDef
	fs := jen.Id("fs")
	for _, s := range ng.socks {
		for _, kind := range []string{"bind", "connect"} {
			if kind == "bind" && s.usesRequester() {
				continue
			}
			name := s.Name + "." + kind
			env := envName(ng.n.Name, s.Name, kind)
			verb := map[string]string{"bind": "binds", "connect": "connects to"}[kind]
			out = append(out, flagDef{name, env, fs.Clone().Dot("Var").Call(
				jen.Parens(jen.Op("*").Id("zmqgenEndpoints")).Parens(jen.Op("&").Id("c").Dot(endpointField(kind, s))),
				jen.Lit(name),
				jen.Lit(fmt.Sprintf("endpoints socket %s %s, comma-separated ($%s)", s.Name, verb, env)))})
		}
	}
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
		out = append(out, flagDef{p.Name, env, def})
	}
	if ng.replicated() {
		env := envName(ng.n.Name, "replica")
		out = append(out, flagDef{"replica", env, fs.Clone().Dot("IntVar").Call(
			jen.Op("&").Id("c").Dot("replica"), jen.Lit("replica"), jen.Lit(0),
			jen.Lit(fmt.Sprintf("which of the %d replicas this process is, from 0 ($%s)", ng.n.Replicas, env)))})
	}
	env := envName(ng.n.Name, "log", "level")
	out = append(out, flagDef{"log-level", env, fs.Clone().Dot("TextVar").Call(
		jen.Op("&").Id("c").Dot("logLevel"), jen.Lit("log-level"), jen.Qual("log/slog", "LevelInfo"),
		jen.Lit(fmt.Sprintf("log at `level` and above: debug, info, warn or error ($%s)", env)))})
	return out
}

// genConfig writes zmqgenConfig: what flags and environment set.
func (ng *nodeGen) genConfig(f *jen.File) {
	f.Line()
	f.Comment("zmqgenConfig is what the command line and the environment say.")
	f.Type().Id("zmqgenConfig").StructFunc(func(st *jen.Group) {
		st.Id("params").Id("Params")
		st.Id("replica").Int()
		st.Id("logLevel").Qual("log/slog", "Level")
		for _, s := range ng.socks {
			st.Line()
			st.Comment(fmt.Sprintf("Endpoints of socket %s.", s.Name))
			if !s.usesRequester() {
				st.Id(endpointField("bind", s)).Index().String()
			}
			st.Id(endpointField("connect", s)).Index().String()
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
