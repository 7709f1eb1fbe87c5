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
package main
