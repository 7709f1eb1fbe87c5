// Command zmqgen checks ZeroMQ topologies written in the .ztopo language and
// generates typed Go programs from them, one per node, that use the
// github.com/zmqgen/zmqgen/runtime package.
//
// TODO: the manual (every command, its flags, exit statuses, and the
// //go:generate line to copy).
package main
