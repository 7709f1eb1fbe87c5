package runtime

import (
	"os"
	"runtime/debug"
)

// TuneGC sets the garbage collector's target to 400%, unless GOGC is set
// in the environment. Generated mains call it before opening sockets.
//
// Every received frame is memory the application owns, so a node
// allocates at its message rate while keeping little live data (queues
// are bounded by their high-water marks): with Go's default of 100% the
// collector runs hundreds of times a second at 1 KiB messages. In
// runtime/bench, 400% cut a PULL's CPU per 1 KiB message from about 1.05
// to 0.67 µs (1.0 → 1.4 M msgs/s) for 10-25 MiB more RSS.
func TuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
}
