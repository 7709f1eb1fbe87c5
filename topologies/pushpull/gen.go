package pushpull

// The generated code beside this file (pushpull.zmqgen.go and each node's
// <node>/<node>.zmqgen.go) comes from pushpull.ztopo; go generate refreshes it.

//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate pushpull.ztopo
