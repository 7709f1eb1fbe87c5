package pubsub

// The generated code beside this file (pubsub.zmqgen.go and each node's
// <node>/<node>.zmqgen.go) comes from pubsub.ztopo; go generate refreshes it.

//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate pubsub.ztopo
