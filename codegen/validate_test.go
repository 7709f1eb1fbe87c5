package codegen_test

import (
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/codegen"
)

// TestNamesThatClashInGo checks that names the checker accepts but that
// would make broken Go are errors that say what to rename.
func TestNamesThatClashInGo(t *testing.T) {
	for _, tt := range []struct {
		name, src, want string
	}{
		{"param named like a flag", `topology a
node n {
    param v bool = false
    socket s PUSH { bind "tcp://*:1" send string }
}`, "node n: param v: the flag -v is taken by the -v flag"},
		{"param and socket read one variable", `topology a
node n {
    param out_bind string = "x"
    socket out PUSH { bind "tcp://*:1" send string }
}`, "node n: param out_bind and socket out both read $N_OUT_BIND"},
		{"param and socket setting read one variable", `topology a
node n {
    param rep_heartbeat_interval duration = 1s
    socket rep ROUTER { bind "tcp://*:1" recv string send string heartbeat { interval 1s liveness 3 } }
}`, "node n: param rep_heartbeat_interval and socket rep both read $N_REP_HEARTBEAT_INTERVAL"},
		{"two params, one Go field", `topology a
node n {
    param max_n int = 1
    param maxN int = 2
    socket s PUSH { bind "tcp://*:1" send string }
}`, "node n: param max_n and param maxN both become the Go field Params.MaxN"},
		{"replica param of a replicated node", `topology a
node n {
    replicas 2
    param replica int = 1
    socket s PUSH { connect "tcp://localhost:1" send string }
}`, "param replica: the flag -replica is taken by the -replica flag"},
		{"nested object and message", `topology a
message Basket = json { owner { name string } }
message BasketOwner = string
node n {
    socket s PUSH { bind "tcp://*:1" send Basket }
}`, "a nested object of message Basket and message BasketOwner both become the Go type BasketOwner"},
		{"topology named main", `topology main
node n {
    socket s PUSH { bind "tcp://*:1" send string }
}`, "topology main: the name must be usable as a Go package name"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			topo := compile(t, "a.ztopo", []byte(tt.src))
			_, err := codegen.Generate(topo, codegen.Options{ImportPath: "example.com/a"})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Generate: %v\nwant an error saying %q", err, tt.want)
			}
		})
	}
}
