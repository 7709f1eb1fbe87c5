// Command zmqgen checks ZeroMQ topologies written in the .ztopo language and
// generates typed Go programs from them, one per node, that use the
// github.com/zmqgen/zmqgen/runtime package.
//
// TODO: the manual (every command, its flags, exit statuses, and the
// //go:generate line to copy).
//
// # Generating Go: zmqgen generate and zmqgen init
//
// (This section is kept by the code generation owners; codegen's package
// doc describes the generated API in full.)
//
//	zmqgen generate [-check] [-v] [FILE|DIR|DIR/...]...
//	zmqgen init [-v] [FILE|DIR|DIR/...]...
//
// For shop/shop.ztopo declaring topology shop, generate writes
// shop/shop.zmqgen.go (package shop: a Go type per message, with its
// codec) and, for each node, shop/<node>/<node>.zmqgen.go (package main:
// the program). A file is rewritten only when its bytes change, through a
// temporary file and a rename, and a topology with errors leaves its files
// as they were. The topology must be inside a Go module: the message
// package's import path comes from the go.mod above it. With -check
// nothing is written; every stale file is printed as a unified diff and
// the exit status is 1 (for CI). Exit status: 0 ok, 1 errors or stale
// files, 2 a wrong command line.
//
// The node's own code goes in other files of its directory, which
// generate never touches: a function newHandler(n *Node) (Handler, error)
// and the Handler it returns (Run, and Serve<Socket> for each REP socket).
// init generates the code and writes a starter handler.go for each node
// that has no handler code yet, so that go build works at once; it never
// writes over a file.
//
// To regenerate with go generate, put this line in a Go file of the
// topology's directory (package shop) and require
// github.com/zmqgen/zmqgen in your go.mod:
//
//	//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate shop.ztopo
//
// Each generated program takes its endpoints and parameters from flags or
// environment variables, and -h lists them: -<socket>.bind and
// -<socket>.connect (comma-separated endpoints; $NODE_SOCKET_BIND,
// $NODE_SOCKET_CONNECT), -<param> ($NODE_PARAM), -replica for a
// replicated node, -v and -log-level. For example:
//
//	go run ./shop/till -rep.bind tcp://127.0.0.1:7000 -greeting hi
//	TILL_GREETING=hi go run ./shop/till
//
// It logs to standard error ("listening" with each bound address), stops
// cleanly on SIGINT or SIGTERM, and exits 0 when its Handler is done.
//
// (End of the section on generate and init.)
//
// # Seeing and running a topology: zmqgen graph and zmqgen up
//
// (This section is kept by the owners of graph and up; "zmqgen graph -h"
// and "zmqgen up -h" say the same at more length.)
//
//	zmqgen graph [-format mermaid|dot] FILE|DIR
//	zmqgen up [-only NODE,...] [-replicas NODE=N] [-set NODE.NAME=VALUE] [-restart]
//		[-stdin NODE] [-grace D] [-color auto|always|never] FILE|DIR [-- node flags...]
//
// graph prints a picture of a topology: a box per node, holding a box per
// socket with its type and endpoints, and an edge per connection, pointing
// the way messages flow and labelled with the message types and SUB
// filters. The Mermaid output (the default) renders on code hosts inside a
// mermaid code block; -format dot is for Graphviz. The output is
// deterministic.
//
// up builds the generated programs of a topology (run zmqgen generate
// first) and runs every node, each replica too, as its own process, the
// way docker compose runs services. Nodes that bind start first, the
// others once those log that they listen. Every line a node prints comes
// out after its name ("client  | ...", "worker.1 | ..." for replica 1).
// -set passes a parameter or endpoints to a node:
//
//	go run ./cmd/zmqgen up topologies/reqrep -set client.requests=6 -set server1.drink=tea
//	go run ./cmd/zmqgen up topologies/reqrep -set server1.rep.bind=tcp://127.0.0.1:7000 \
//		-set client.req.connect=tcp://127.0.0.1:7000,tcp://127.0.0.1:6000
//
// Ctrl-C or SIGTERM stops every node (SIGTERM, then SIGKILL after -grace,
// 10s by default) and up exits 0. A node that exits with an error stops
// the run, and up exits 1 naming it; with -restart, up restarts the node
// instead, after 1s, doubling up to 30s. A node that exits 0 has done its
// work; the others keep running, and up exits 0 when every node has.
// -stdin NODE gives up's standard input to one node, for the guide's
// producers that wait for Enter until their consumers are connected:
//
//	go run ./cmd/zmqgen up -stdin producer -set producer.wait_for_enter=true topologies/pushpull
//
// (End of the section on graph and up.)
package main
