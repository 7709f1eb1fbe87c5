// Package codegen turns a checked topology (dsl/model) into Go programs
// that run on github.com/zmqgen/zmqgen/runtime, with dave/jennifer.
//
// Generate returns, for a topology "shop" in the directory whose import
// path is Options.ImportPath:
//
//   - shop.zmqgen.go, package shop: one Go type per declared message,
//     with MarshalZMQ and UnmarshalZMQ (runtime.Marshaler and
//     runtime.Unmarshaler). "message Order = string" is type Order string;
//     bytes is []byte; json is a struct with json tags (int is int64,
//     float is float64, []T a slice, a nested object a struct named after
//     its parent and field, ParentField); multipart is a struct with one
//     field per frame; a constant ("message Ready = \"\x01\"") is an
//     empty struct, type Ready struct{}, whose codec is its one frame.
//     For each direction of a socket that carries several types, a
//     sealed interface named after the node, socket and direction
//     (QueueBackendIn, QueueBackendOut): runtime.Marshaler plus an
//     unexported marker method that each of the types implements; for
//     what the socket receives, also UnmarshalQueueBackendIn, which
//     matches the constants' exact bytes first and decodes anything
//     else as the one type that is not a constant.
//   - <node>/<node>.zmqgen.go, package main, for each node: the program.
//
// # The API of a node program
//
// The user writes the node's code in other files of the node's directory
// (never touched by generate; Starter, behind "zmqgen init", writes a first
// one). Everything it uses is in the generated file:
//
//   - Params: one field per param of the node (string, int, float64, bool,
//     time.Duration), set from the .ztopo's default, then the environment
//     variable NODE_PARAM, then the flag -param, which wins.
//   - Node: Params, Replica (which of the node's replicas this process is,
//     from -replica) and, for a node with replicas, Replicas (how many run:
//     the .ztopo's count unless -replicas says otherwise), Logger (*slog.Logger on stderr, -v / -log-level), and
//     one field per socket holding its typed handle, open and bound or
//     connected (-sock.bind, -sock.connect, $NODE_SOCK_BIND, ... override
//     the .ztopo's endpoints; lists are comma-separated).
//   - Socket settings a run may change, each with its flag and
//     environment variable ($NODE_SOCK_IDENTITY, ...), the .ztopo's value
//     by default: -sock.identity on REQ, REP, DEALER and ROUTER sockets;
//     -sock.subscribe on SUB sockets (comma-separated prefixes, in place
//     of the .ztopo's; repeat it to add more); and for each policy the
//     .ztopo declares, -sock.retry.timeout and -sock.retry.tries,
//     -sock.reconnect.initial and -sock.reconnect.max,
//     -sock.heartbeat.interval and -sock.heartbeat.liveness (positive
//     durations, counts of at least 1); on every socket, -sock.connect_all
//     and -sock.connect_all.interval (on with the .ztopo's connect_all
//     block: each endpoint given by a host name connects to every address
//     the name resolves to). The handler reads them back from
//     the handle: Retry(), Reconnect() and Heartbeat() return the
//     runtime.Retry, runtime.Backoff and runtime.Heartbeat in force,
//     Subscriptions() a SUB socket's prefixes. A REQ socket with a retry
//     policy has no -sock.bind: it connects to its servers, and its -h
//     says why.
//   - Handler: the interface the user implements. It has Run(ctx) error
//     unless every socket of the node is a REP socket, and one method
//     Serve<Sock>(ctx, In) (Out, error) per REP socket.
//
// The user also defines the function that main calls once the sockets are
// open:
//
//	func newHandler(n *Node) (Handler, error)
//
// A missing or mistyped handler is a compile error that names it
// ("undefined: newHandler", "handler does not implement Handler (missing
// method ServeRep)"). main runs Run and the Serve loops concurrently. The
// node stops when Run returns (nil: exit status 0), when a Serve method
// returns an error (status 1), or on SIGINT or SIGTERM (ctx is cancelled,
// the sockets closed, status 0); a bad flag is status 2. It logs
// "listening" with the real address of each bound endpoint.
//
// For example, the reqrep topology's server (topologies/reqrep/server1):
//
//	type handler struct{ n *Node }
//
//	func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }
//
//	func (h *handler) ServeRep(ctx context.Context, req reqrep.Order) (reqrep.Answer, error) {
//		fmt.Println("Received request: ", req)
//		return reqrep.Answer("need some " + h.n.Params.Drink), nil
//	}
//
// Socket handles (type <Sock>Socket, field Node.<Sock>), by socket type;
// In is the socket's recv type, Out its send type (a declared message, or
// string / []byte for the builtins). A socket with several recv (send)
// types has the same methods, with In (Out) the interface of those types,
// aliased in the node's package as <Sock>In (<Sock>Out): Recv returns one
// of them, which a type switch tells apart, and Send and Request take any
// of them. One method per direction, rather than one per type,
// keeps the handle's API the same shape whatever the .ztopo declares, and
// the switch on what arrived mirrors the value sent:
//
//	env, msg, err := n.Backend.Recv(ctx) // msg is a BackendIn
//	switch msg := msg.(type) {
//	case shop.Ready:
//		...
//	case shop.Task:
//		err = n.Backend.Send(ctx, env, msg) // msg is a BackendOut too
//	}
//
//
//	REQ          Request(ctx, Out) (In, error); with a retry policy it runs on
//	             runtime.Requester, OnRetry(func(left int)) reports retries,
//	             and Retry() returns the policy (runtime.RequestHandle)
//	REP          served by Handler.Serve<Sock>(ctx, In) (Out, error)
//	PUB, XPUB    Send(ctx, Out) error               XPUB also: Recv(ctx) (In, error)
//	SUB, XSUB    Recv(ctx) (In, error), Subscribe(prefix), Unsubscribe(prefix),
//	             Subscriptions() []string (runtime.SubHandle)
//	PUSH         Send(ctx, Out) error
//	PULL         Recv(ctx) (In, error)
//	PAIR         Send(ctx, Out) error, Recv(ctx) (In, error)
//	ROUTER       Recv(ctx) (Envelope, In, error), Send(ctx, Envelope, Out) error
//	DEALER       the same; to talk to a REP peer send Envelope{{}}. Send
//	             waits while no peer is connected: in a Poll loop, give it
//	             a ctx with a deadline, or send from another goroutine
//
// A handle embeds the runtime's part of it (runtime.Handle, SubHandle or
// RequestHandle), whose methods it has. Every handle but a retrying REQ's
// has Addrs() (the bound addresses, with real ports) and Raw() (the
// *runtime.Socket, for anything else); one
// with a reconnect or heartbeat policy has Reconnect() or Heartbeat(). A
// message that does not decode (for several types: matches none) is
// logged and dropped by Recv. A node with
// two or more receiving sockets (not counting REQ and REP) gets
// Node.Poll(ctx) (Ready, error), built on runtime.Poller, where Ready has
// one bool per such socket:
//
//	for {
//		r, err := n.Poll(ctx)
//		if err != nil {
//			return err
//		}
//		if r.Receiver {
//			task, err := n.Receiver.Recv(ctx)
//			...
//		}
//		if r.Controller {
//			...
//		}
//	}
//
// What every node does the same way lives in the runtime, not in the
// generated file: flag and environment parsing, -h, logging, signals,
// opening the sockets and running the Handler (runtime.Main), envelopes
// and the serving loop of REP sockets. The generated file keeps what a
// reviewer reads, the types above, and the node's tables: zmqgenDefaults
// (the .ztopo's settings), the program's flags (each with its environment
// variable) and sockets, and the Node made on the open sockets.
//
// Package-level unexported names the generated code declares start with
// "zmqgen", so that they do not clash with the user's.
//
// # Guarantees
//
// Every file starts with "// Code generated by zmqgen. DO NOT EDIT." and
// "// source: <path>", is gofmt'd and vet-clean, and is the same bytes for
// the same model: the generator is a fixed sequence of small gen steps
// over the model's declaration order. Doc comments of the .ztopo become
// the Go doc comments of what they describe. Generated code references
// runtime.SupportPackageIsVersion2, so a runtime that no longer supports
// it fails to compile it (older generated code fails with a message that
// says to regenerate it). Changing one socket changes only the lines that
// concern that socket.
package codegen
