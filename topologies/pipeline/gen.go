package pipeline

// The generated code beside this file (pipeline.zmqgen.go and each node's
// <node>/<node>.zmqgen.go) comes from pipeline.ztopo; go generate refreshes it.

//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate pipeline.ztopo
