package reqrep

// The generated code beside this file (reqrep.zmqgen.go and each node's
// <node>/<node>.zmqgen.go) comes from reqrep.ztopo; go generate refreshes it.

//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate reqrep.ztopo
