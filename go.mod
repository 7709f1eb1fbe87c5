module github.com/zmqgen/zmqgen

go 1.26.8

require (
	github.com/alecthomas/participle/v2 v2.1.4
	github.com/dave/jennifer v1.7.1
	github.com/go-zeromq/zmq4 v0.17.0
	golang.org/x/tools v0.52.0
)

require (
	github.com/go-zeromq/goczmq/v4 v4.2.2 // indirect
	golang.org/x/sync v0.24.0 // indirect
	golang.org/x/text v0.15.0 // indirect
)
