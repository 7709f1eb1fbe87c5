package paranoidpirate

// The generated code beside this file (paranoidpirate.zmqgen.go and each
// node's <node>/<node>.zmqgen.go) comes from paranoidpirate.ztopo; go
// generate refreshes it.

//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate paranoidpirate.ztopo
