// Package testtopo writes topologies of any size for benchmarks.
package testtopo

import (
	"fmt"
	"strings"
)

// Hub returns the source of topology "big": a hub node and n worker
// nodes w0, w1, ..., each of which pulls jobs from the hub's PUSH socket
// and pushes results to its PULL socket.
func Hub(n int) []byte {
	var b strings.Builder
	b.WriteString("topology big\n\nmessage Job = string\n\n")
	b.WriteString("node hub {\n    socket jobs PUSH {\n        bind \"tcp://*:5000\"\n        send Job\n    }\n" +
		"    socket results PULL {\n        bind \"tcp://*:5001\"\n        recv Job\n    }\n}\n")
	for i := range n {
		fmt.Fprintf(&b, "\nnode w%d {\n    socket in PULL {\n        connect hub.jobs\n        recv Job\n    }\n"+
			"    socket out PUSH {\n        connect hub.results\n        send Job\n    }\n}\n", i)
	}
	return []byte(b.String())
}
