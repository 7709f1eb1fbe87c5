package lazypirate

// The generated code beside this file (lazypirate.zmqgen.go and each
// node's <node>/<node>.zmqgen.go) comes from lazypirate.ztopo; go generate
// refreshes it.

//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate lazypirate.ztopo
