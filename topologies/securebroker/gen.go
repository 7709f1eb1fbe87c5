package securebroker

// The generated code beside this file (securebroker.zmqgen.go and each node's
// <node>/<node>.zmqgen.go) comes from securebroker.ztopo; go generate refreshes it.

//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate securebroker.ztopo
