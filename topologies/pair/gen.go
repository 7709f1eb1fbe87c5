package pair

// The generated code beside this file (pair.zmqgen.go and each node's
// <node>/<node>.zmqgen.go) comes from pair.ztopo; go generate refreshes it.

//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate pair.ztopo
