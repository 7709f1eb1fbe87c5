// Package fanout is the deploy simulation's fixture of connect_all: see
// fanout.ztopo.
package fanout

// The generated code beside this file (fanout.zmqgen.go and each node's
// <node>/<node>.zmqgen.go) comes from fanout.ztopo; go generate refreshes it.

//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate fanout.ztopo
