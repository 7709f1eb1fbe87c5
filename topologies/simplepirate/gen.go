package simplepirate

// The generated code beside this file (simplepirate.zmqgen.go and each
// node's <node>/<node>.zmqgen.go) comes from simplepirate.ztopo; go
// generate refreshes it.

//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate simplepirate.ztopo
