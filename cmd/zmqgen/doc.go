// Command zmqgen checks ZeroMQ topologies written in the .ztopo language and
// generates typed Go programs from them, one per node, that use the
// github.com/zmqgen/zmqgen/runtime package. It also formats topologies,
// draws them, and runs every node of one on this machine.
//
// Usage:
//
//	zmqgen <command> [arguments]
//
// The commands are:
//
//	breaking  report changes that break a running mixed-version system
//	check     check topologies and report diagnostics
//	deploy    write Kubernetes or Compose manifests for a topology
//	fmt       format .ztopo files
//	generate  generate Go programs from topologies
//	graph     draw a topology as Graphviz dot or Mermaid
//	init      write starter handler files that do not exist yet
//	keys      write CURVE key pairs for a topology's secured nodes
//	lsp       run the language server for editors
//	up        build and run every node of a topology
//	version   print zmqgen's version
//	vet       report handler methods the generated code no longer calls
//
// "zmqgen <command> -h" prints the usage of a command, which says what
// its section below says; "zmqgen help" prints the list above. The
// language itself is described in dsl/LANGUAGE.md, and the Go API of the
// generated code by "go doc github.com/zmqgen/zmqgen/codegen".
//
// A first session, for a topology shop/shop.ztopo inside a Go module:
//
//	zmqgen check shop          # report every problem at once
//	zmqgen init shop           # generate the code and a starter handler per node
//	go build ./shop/...        # builds as it is; now write the nodes' code
//	zmqgen up shop             # run every node, output prefixed by its name
//
// After each change to shop.ztopo, run "zmqgen generate shop" (or go
// generate, below).
//
// # Naming topologies
//
// check, fmt, generate and init take any number of FILE, DIR and DIR/...
// arguments. A FILE is taken as named, whatever its extension; a DIR means
// every .ztopo file in it; DIR/... (./... for the current directory) means
// every .ztopo file in DIR and below it, skipping testdata, vendor and
// directories whose names start with "." or "_", as the go command does.
// The files are handled in the order of the arguments, each directory's in
// name order, and a file named twice is handled once. A FILE that cannot
// be read is reported like any other error in it, and the other files are
// still handled; a DIR without .ztopo files stops the command before it
// does anything (exit status 1). With no argument, generate and init
// handle the current directory, fmt reads standard input, and check
// complains (it needs at least one).
//
// graph and up take one topology: a FILE, or a DIR holding exactly one
// .ztopo file.
//
// # Diagnostics and exit status
//
// Every command prints the problems it finds in a topology in the same
// way (check can show them as snippets or JSON instead), on standard
// error, one a line, sorted by position:
//
//	file:line:col: severity: message
//
// which is what editors and go generate parse. Lines and columns start at
// 1; a column counts bytes, as Go's tools do. The severity is error or
// warning; warnings never change the exit status. For example:
//
//	shop/shop.ztopo:13:14: error: unknown message type "strng"; did you mean "string"?
//	shop/shop.ztopo:11:12: warning: SUB socket sub.in has no subscribe and receives nothing
//
// Every command exits with status 0 on success (warnings allowed), 1 when
// a topology has errors or the command failed (with generate -check, when
// a generated file is not up to date), and 2 when the command line is
// wrong. -h after a command prints its usage and exits 0.
//
// # zmqgen breaking
//
//	zmqgen breaking -against REF|FILE [-format text|json|github] [FILE|DIR]
//
// Breaking compares each topology with an earlier version of itself and
// reports every change that would break a running system in which some
// nodes run the old version and others the new one, since nodes are
// deployed and upgraded one at a time. WIRE rules find messages lost or
// misread between an old and a new node: nodes, sockets and connections
// removed, bind and connect swapped, a bind address changed, a socket type
// changed so that old and new peers cannot talk, a message type one side
// sends that the other side's version
// does not receive, a message's kind, frames (count, order, types),
// constant bytes or JSON fields (removed, renamed, retyped, list against
// single value) changed, a SUB prefix that no longer matches what is
// published, a max_msg_size lowered, heartbeats slower than the peer's
// liveness, a retry that gives up sooner, a connection's security (CURVE
// or none, a client's server key) changed. CODE rules find changes to the
// generated Go API that handlers use: a topology, node, socket, message,
// frame or param renamed or removed, a send removed, a socket type changed
// to one its peers still talk to. Adding an optional
// JSON field, a node, a param, or a message type on a new socket, and
// changing comments, layout, replicas, high-water marks, linger or
// reconnect backoff, are not reported. Every rule is listed, with a case,
// in golden/breaking.
//
// Each finding is positioned in the new file (a removed thing on what
// enclosed it) and ends with its rule ID:
//
//	shop.ztopo:6:9: error: field "price" of Order removed; old server.rep reads it and gets the zero value (WIRE_JSON_FIELD_REMOVED)
//
// The earlier version is -against FILE, when one topology is named, or a
// git revision: each topology is read with "git show REF:./NAME" in its
// directory; a topology the revision does not have is new and skipped.
// With no FILE|DIR, the topologies in the current directory are compared.
// A finding is accepted, once reviewed, with a comment on its line or
// right above it, naming one rule or several separated by commas, then the
// reason:
//
//	// zmqgen:accept WIRE_JSON_FIELD_REMOVED no old reader is left
//
// Flags:
//
//	-against REF|FILE   the earlier version: a git revision or a file
//	-format text        the usual diagnostics on standard error (default)
//	-format json        diagnostics on standard output as a JSON array
//	-format github      GitHub Actions annotations on standard output,
//	                    ::error file=F,line=L,col=C,title=RULE::message
//
// Exit status: 0 when nothing breaks, 1 when something does (or a version
// has errors, or git fails), 2 on a wrong command line. In a pull
// request's CI:
//
//	zmqgen breaking -against origin/main -format github ./shop
//
// # zmqgen check
//
//	zmqgen check [-format text|json] [-snippet] [-color] FILE|DIR|DIR/...
//
// Check parses and checks each topology and reports every problem found,
// sorted by position: syntax errors, unknown or duplicate names (with "did
// you mean", and where the first one was declared), socket types that
// cannot talk to each other, messages one end sends and the other does not
// receive, and the settings the ZeroMQ guide warns about (as warnings).
//
// Flags:
//
//	-format text   diagnostics on standard error, one a line (the default)
//	-format json   diagnostics on standard output as a JSON array of objects
//	               with severity, range (file, start and end line/col/offset;
//	               the end is exclusive), message and related places; [] when
//	               there are none
//	-snippet       follow each diagnostic by the source line and a caret
//	               under the position
//	-color         add ANSI colours to the -snippet output
//
// Exit status: 0 when no file has errors (warnings are allowed), 1 when
// some file has errors, 2 when the command line is wrong. In CI:
//
//	zmqgen check ./...
//
// # zmqgen deploy
//
//	zmqgen deploy -target k8s|compose [-image REF] [-namespace NS] FILE|DIR
//
// Deploy prints manifests that run the topology on Kubernetes or Docker
// Compose with every endpoint wired: a reference such as "connect
// sink.receiver", which zmqgen up connects to localhost, is connected to
// the name of the Service (or compose service) of the socket it names,
// through the node program's own environment variable
// ($WORKER_RECEIVER_CONNECT), and every tcp bind listens on every
// interface. Node programs resolve a name again on every reconnect, so a
// peer restarted on a new address is found again.
//
// The Kubernetes objects are built with the official typed API (k8s.io/api)
// and printed as YAML documents: a Deployment per node with one replica; a
// StatefulSet per node with replicas (pod N runs -replica N, from its
// apps.kubernetes.io/pod-index label) with its headless Service; and a
// Service per socket bound on tcp, NODE-SOCKET, headless when the node has
// replicas. Resources are left for you to set; readiness and liveness
// probes use the node's health endpoint (/readyz, /healthz on
// -metrics.addr); a node with CURVE sockets mounts its own secret key and
// the others' public keys from the Secret TOPOLOGY-keys, which you make
// from zmqgen keys' files (kubectl create secret generic TOPOLOGY-keys
// --from-file=DIR). The compose file has a service per replica, each known
// on the network by its node's name too. The output is deterministic;
// golden/deploy holds it for every shipped topology.
//
// Flags:
//
//	-target k8s       Kubernetes objects (apps/v1, v1)
//	-target compose   a Docker Compose file
//	-image REF        the image holding every node's program on its PATH
//	                  under the node's name (default zmqgen-TOPOLOGY:latest)
//	-namespace NS     the Kubernetes objects' namespace (default: none)
//
// Exit status: 0 on success, 1 when the topology has errors, 2 on a wrong
// command line.
//
// # zmqgen fmt
//
//	zmqgen fmt [-l] [-d] [-w] [FILE|DIR|DIR/...]
//
// Fmt prints each topology in the canonical layout. Comments are kept;
// formatting twice gives the same bytes, and never changes what a file
// means. With no arguments, fmt formats standard input to standard output.
// A file with a syntax error is left alone and its diagnostics are
// printed.
//
// Flags:
//
//	-l   list files whose formatting differs; do not print them
//	-d   print a unified diff of the changes; do not print the files
//	-w   write the result back to each file that changes (through a
//	     temporary file and a rename; not with standard input)
//
// Exit status: 0 on success, 1 when a file could not be formatted (or read
// or written), 2 when the command line is wrong. To format every topology
// of a module, and to check in CI that they are formatted:
//
//	zmqgen fmt -w ./...
//	test -z "$(zmqgen fmt -l ./...)"
//
// # zmqgen generate
//
//	zmqgen generate [-check] [-v] [FILE|DIR|DIR/...]...
//
// Generate writes the Go code of each topology named. For shop/shop.ztopo
// declaring topology shop, it writes
//
//   - shop/shop.zmqgen.go, package shop: a Go type per message, with its
//     codec;
//   - shop/<node>/<node>.zmqgen.go for each node, package main: the node's
//     program, with a typed handle per socket, flags and environment
//     variables, logging and signal handling (see "Generated programs"
//     below).
//
// With no argument, generate handles the current directory. The code is
// deterministic and gofmt'd, and every file starts with
// "// Code generated by zmqgen. DO NOT EDIT." and "// source: <path>".
// A file is written only when its bytes change, through a temporary file
// and a rename: a failed run leaves no partial file, and a topology with
// errors leaves its files as they were. A <node>/<node>.zmqgen.go whose
// node is gone from the topology is removed. Handler code in other files
// is never touched.
//
// The topology must be inside a Go module: the import path of the message
// package comes from the go.mod above the .ztopo file.
//
// Flags:
//
//	-check   write nothing; print a unified diff of every file that is not
//	         up to date and exit 1 if there is one (for CI)
//	-v       name every file written or removed, on standard error
//
// Exit status: 0 on success, 1 when a topology has errors or, with -check,
// when a file is stale, 2 on a wrong command line. In CI:
//
//	zmqgen generate -check ./...
//
// # zmqgen init
//
//	zmqgen init [-v] [FILE|DIR|DIR/...]...
//
// Init starts the Go programs of a topology: it generates the code, as
// zmqgen generate does, and writes a starter handler <node>/handler.go for
// each node, so that "go build ./..." works right away. A starter
// implements the node's Handler and does something visible with its
// sockets: it logs what they receive, sends a zero value every second,
// makes one request, or answers requests with zero values. It is yours to
// edit; replace it with the node's real code.
//
// Init never writes over a file: a node whose directory already holds Go
// code other than the generated <node>.zmqgen.go keeps it and gets no
// starter. Run it again after adding a node to get that node's starter.
//
// Flags:
//
//	-v   name every file written, on standard error
//
// Exit status: 0 on success, 1 when a topology has errors or a file cannot
// be written, 2 on a wrong command line.
//
// # Regenerating with go generate
//
// Put this line in a Go file of the topology's directory (package shop,
// for shop.ztopo), and require github.com/zmqgen/zmqgen in your go.mod
// ("go get github.com/zmqgen/zmqgen"):
//
//	//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate shop.ztopo
//
// Then "go generate ./..." regenerates the code, with the zmqgen your
// go.mod names, so that everyone generates the same bytes.
//
// # Generated programs
//
// The node's own code goes in other files of its directory: a function
//
//	func newHandler(n *Node) (Handler, error)
//
// and the Handler it returns, with Run(ctx) error (unless every socket of
// the node is a REP socket) and Serve<Socket>(ctx, In) (Out, error) for
// each REP socket. A missing or mistyped handler is a compile error that
// names it. "go doc github.com/zmqgen/zmqgen/codegen" describes the typed
// socket handles, Params, Node and Poll.
//
// A constant message ("message Ready = \"\x01\"") is an empty struct,
// shop.Ready{}. A socket that receives several types (several recv
// statements) returns an interface, <Socket>In, that only those types
// implement; a type switch tells them apart:
//
//	env, msg, err := n.Backend.Recv(ctx)
//	...
//	switch msg := msg.(type) {
//	case shop.Ready:
//		// a worker says READY
//	case shop.Request:
//		// a reply, msg is the value
//	}
//
// and one that sends several types takes <Socket>Out, which each of them
// is: n.Worker.Send(ctx, env, shop.Heartbeat{}). A socket with one type
// each way takes and returns that type.
//
// Each program takes its endpoints, socket settings and parameters from
// flags or from environment variables, which -h lists; a flag wins over
// its variable, and the variable over the .ztopo. For node till, socket
// rep and param greeting:
//
//	-rep.bind ENDPOINTS     endpoints the socket binds, comma-separated,
//	                        in place of the .ztopo's ($TILL_REP_BIND); a
//	                        REQ socket with a retry policy has none (it
//	                        connects to its servers, and -h says why)
//	-rep.connect ENDPOINTS  endpoints it connects to ($TILL_REP_CONNECT)
//	-rep.identity ID        routing identity, for REQ, REP, DEALER and
//	                        ROUTER sockets ($TILL_REP_IDENTITY)
//	-rep.subscribe PREFIXES a SUB socket's filters, comma-separated, in
//	                        place of the .ztopo's; repeat to add more
//	                        ($TILL_REP_SUBSCRIBE)
//	-rep.retry.timeout D, -rep.retry.tries N
//	-rep.reconnect.initial D, -rep.reconnect.max D
//	-rep.heartbeat.interval D, -rep.heartbeat.liveness N
//	                        the socket's policies, each one its .ztopo
//	                        declares ($TILL_REP_RETRY_TIMEOUT, ...):
//	                        positive durations, counts of at least 1; the
//	                        handler reads them with n.Rep.Retry(),
//	                        Reconnect() and Heartbeat()
//	-rep.connect_all, -rep.connect_all.interval D
//	                        connect each endpoint given by a host name to
//	                        every address it resolves to, looking it up
//	                        again every D (the .ztopo's connect_all block
//	                        sets both; every socket has the flags)
//	-greeting VALUE         the param, of its declared type: string, int,
//	                        float, bool or duration ($TILL_GREETING)
//	-replica N              which replica this process is, from 0, for a
//	                        node declared with replicas ($TILL_REPLICA)
//	-replicas N             how many replicas run, the .ztopo's count by
//	                        default ($TILL_REPLICAS); -replica must be
//	                        below it
//	-log-level LEVEL        debug, info (the default), warn or error
//	                        ($TILL_LOG_LEVEL)
//	-v                      the same as -log-level debug
//
// For example:
//
//	go run ./shop/till -rep.bind tcp://127.0.0.1:7000 -greeting hi
//	TILL_GREETING=hi go run ./shop/till
//
// A program logs to standard error (log/slog text, with node=<name>),
// "listening" with the real address of each endpoint it binds (so
// tcp://127.0.0.1:0 shows its port). It exits 0 when Run returns nil, and
// on SIGINT or SIGTERM (the context is cancelled and the sockets closed);
// 1 when a socket cannot be opened or Run or a Serve method returns an
// error; 2 on a bad flag or environment variable.
//
// # zmqgen graph
//
//	zmqgen graph [-format mermaid|dot] [-contracts] FILE|DIR
//
// Graph prints a picture of the topology in FILE (a .ztopo file) or DIR (a
// directory holding exactly one): a box per node ("consumer ×2" when it has
// replicas) holding a box per socket with its type and endpoints, and an
// edge for every connection between two sockets of the topology. An edge
// points the way messages flow and is labelled with the message types and,
// for a SUB socket, its subscriptions; a request/reply pair is drawn both
// ways. An edge secured with CURVE is labelled "secured: CURVE", and its
// sockets say "curve server" or "curve client". The output is deterministic, so it can be kept beside the topology
// and reviewed in diffs. Flags may also follow FILE.
//
// Flags:
//
//	-format mermaid   a Mermaid flowchart (the default); code hosts render
//	                  it in a Markdown file inside a mermaid code block
//	-format dot       a Graphviz digraph, for dot -Tsvg
//	-contracts        label each edge with the fingerprint of its contract
//	                  ("contract 0f98de02f9f897d9"): the socket types and
//	                  what each end sends, which the two ends exchange when
//	                  they connect; a node built from a version whose
//	                  fingerprint differs is refused
//
// Exit status: 0 on success, 1 when the topology has errors, 2 on a wrong
// command line. For example:
//
//	zmqgen graph topologies/reqrep
//	zmqgen graph -format dot shop/shop.ztopo | dot -Tsvg > shop.svg
//
// # zmqgen keys
//
//	zmqgen keys [-dir DIR] FILE|DIR
//
// Keys writes a CURVE key pair for every node of the topology that has a
// socket secured with curve: DIR/NODE.key holds the public key and
// DIR/NODE.key_secret both keys, with mode 0600, in the text certificate
// format of czmq and pyzmq's zmq.auth. A node's existing pair is kept,
// never overwritten. It prints each node's public key. Each node reads its
// pair, and the others' public keys, from the directory its -keys flag (or
// $NODE_KEYS) names; zmqgen up -keys DIR passes it. A node's secret key
// may come instead from the environment variable $NODE_CURVE_SECRET (Z85;
// -keys.secret-env names another), as a secret store hands it over; its
// NODE.key_secret is then not needed. A CURVE server admits the clients
// whose NODE.key is in the directory. Secret keys are never written in the
// .ztopo nor in generated code, nor taken from a flag.
//
// Flags:
//
//	-dir DIR   where to write the certificates (default "keys"); it is
//	           made, mode 0700, if missing
//
// Exit status: 0 on success, 1 when the topology has errors or a key
// cannot be written, 2 on a wrong command line. For example:
//
//	zmqgen keys -dir keys shop
//	zmqgen up -keys keys shop
//
// # zmqgen up
//
//	zmqgen up [flags] FILE|DIR [-- flags for every node]
//
// Up builds the node programs generated beside a topology (run zmqgen
// generate first; up warns when they are not current) and runs every node
// as its own process, each replica too, the way docker compose runs
// services:
//
//   - nodes that bind start first, and the nodes that only connect once
//     those say that they listen, on a pipe up gives them
//     ($ZMQGEN_READY_FD; see the runtime's ReadyFDEnv), whatever their
//     log level (or after 5s);
//   - every line a node prints, on stdout or stderr, is shown on up's
//     stdout after the node's name ("server1    | ...", "consumer.1 | ..."
//     for replica 1), coloured when stdout is a terminal; up's own
//     messages go to stderr;
//   - Ctrl-C or SIGTERM stops every node: each gets SIGTERM, and one that
//     has not exited after the grace period is killed; up then exits 0. A
//     second Ctrl-C kills at once;
//   - a node that exits with an error stops the whole run: up says which
//     node failed, stops the others and exits 1. With -restart, up
//     restarts the failed node instead, waiting 1s, then twice as long
//     after every further failure, up to 30s (a node that ran for 10s
//     starts over at 1s);
//   - a node that exits 0 has finished its work: the others keep running,
//     and when every node has exited 0, up exits 0.
//
// Flags:
//
//	-only NODE,...          run only these nodes
//	-replicas NODE=N,...    run N copies of NODE instead of what the
//	                        topology says (repeatable); each copy of a
//	                        node declared with replicas gets -replicas=N
//	                        and -replica=i, i from 0 to N-1 (the copies
//	                        of another node run alike)
//	-set NODE.NAME=VALUE    pass -NAME=VALUE to every copy of NODE: a
//	                        parameter, a socket's endpoints, any other
//	                        flag of the node's program (see its -h), or
//	                        log-level (repeatable)
//	-keys DIR               pass -keys DIR to every node with a socket
//	                        secured with curve: the directory of CURVE
//	                        certificates that zmqgen keys wrote
//	-restart                restart a node that fails, with backoff
//	-stdin NODE             give up's standard input to NODE (NODE.i for
//	                        a replica), for a node that waits for Enter
//	-ui ADDR                serve a live picture of the running topology
//	                        at http://ADDR/ (e.g. 127.0.0.1:8080): its
//	                        graph with each edge's messages per second,
//	                        drops and queue depth, each node's replicas,
//	                        restarts and state, from the nodes' metrics
//	                        endpoints (up passes them -metrics.addr)
//	-grace DURATION         how long a node may take to stop after SIGTERM
//	                        before it is killed (default 10s)
//	-color auto|always|never
//	                        colour the names (default auto: when stdout
//	                        is a terminal and NO_COLOR is not set)
//
// Flags after "--" go to every node unchanged. The nodes inherit up's
// environment, so the variables of "Generated programs" work too.
//
// Exit status: 0 when stopped by a signal or when every node exited 0; 1
// when the topology has errors, a build fails or a node fails; 2 on a
// wrong command line. For example:
//
//	zmqgen up topologies/reqrep -set client.requests=6 -set server1.drink=tea
//	zmqgen up topologies/reqrep -set server1.rep.bind=tcp://127.0.0.1:7000 \
//		-set client.req.connect=tcp://127.0.0.1:7000,tcp://127.0.0.1:6000
//
// # zmqgen lsp
//
//	zmqgen lsp
//
// Lsp runs the language server an editor starts for .ztopo files: it
// speaks the Language Server Protocol on standard input and output. Each
// open file is checked as check does (the same diagnostics, ranges and
// related places, file names relative to the workspace folder) on
// opening and shortly after every change. Hover shows a socket's type,
// binds and peers with the messages each way, the address behind a
// connect's node.socket, a message's wire form, and a param's default,
// flag and environment variable. Go to definition takes a connect's
// node.socket to the bind it connects to; references, rename (refused
// when the checker would reject the new name), the outline, completion
// of what may be typed at the cursor, formatting exactly as fmt does,
// and quick fixes for "did you mean" complete it. The package
// github.com/zmqgen/zmqgen/lsp documents each feature; editors/vscode is
// a VS Code extension, and README.md shows a Neovim setup.
//
// Exit status: 0 when the editor shuts the server down, 1 when the
// connection fails, 2 when the command line is wrong.
//
// # zmqgen vet
//
// Usage:
//
//	zmqgen vet [PACKAGES]
//
// Vet loads the Go packages of generated node programs (default ./...,
// named as the go command names packages, with golang.org/x/tools's
// go/packages) and reports each handler method that the generated code no
// longer calls: a method Run or Serve<Socket> of a type that implements
// the node's Handler, when Handler has no such method. A topology change
// leaves one behind, and it compiles: when a REP socket jobs becomes a
// DEALER, Run serves it and ServeJobs is dead code that looks alive. A
// missing or mistyped handler method does not compile; a method left
// behind is what only vet finds. Each finding is a line on standard
// error, file:line:col: warning: message, at the method. Exit status: 0
// when nothing is found, 1 when something is or a package does not load,
// 2 for a wrong command line.
//
// # zmqgen version
//
//	zmqgen version
//
// Version prints "zmqgen" and its version number on standard output.
package main
