package broker

// The generated code beside this file (broker.zmqgen.go and each node's
// <node>/<node>.zmqgen.go) comes from broker.ztopo; go generate refreshes it.

//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate broker.ztopo
