package runtime

// Readiness: how a node program tells the process that started it that a
// socket listens, without that process reading the node's logs.
//
// A supervisor (zmqgen up, or any other) that wants to know when a node's
// binding sockets listen opens a pipe, passes its write end to the node as
// an inherited file descriptor and names that descriptor, in decimal, in
// the node's environment variable ZMQGEN_READY_FD. Each time a socket has
// bound all its endpoints (Attach, so every generated node program), the
// runtime writes one line to it, a JSON object:
//
//	{"event":"listening","socket":"server1.rep","addrs":["tcp://0.0.0.0:5000"]}
//
// socket is the socket's name as the logs give it (node.socket), addrs the
// addresses it is bound to, with the real port of a "tcp://*:0" bind. Each
// line is written with one write, so lines from one node never interleave;
// more fields or events may be added, and a reader should ignore what it
// does not know. The runtime takes the descriptor once, marks it
// close-on-exec and removes the variable from its environment, so that
// programs the node starts do not write to it; a write that fails (the
// supervisor is gone) is ignored. Without the variable, nothing is
// written: the "listening" log lines say the same for people.
//
// The logs are not the contract: their level, format and handler are the
// user's to choose (-log-level=warn hides "listening").

import (
	"encoding/json"
	"os"
	"strconv"
	"sync"
)

// ReadyFDEnv is the environment variable naming the readiness descriptor.
const ReadyFDEnv = "ZMQGEN_READY_FD"

// A ReadyRecord is one line of the readiness descriptor.
type ReadyRecord struct {
	// Event is "listening": Socket has bound every endpoint it binds.
	Event string `json:"event"`
	// Socket is the socket's name, node.socket.
	Socket string `json:"socket"`
	// Addrs are the addresses the socket is bound to.
	Addrs []string `json:"addrs"`
}

var readyFD struct {
	once sync.Once
	mu   sync.Mutex
	f    *os.File
}

// readyFile returns the readiness descriptor, or nil if there is none.
func readyFile() *os.File {
	readyFD.once.Do(func() {
		v, ok := os.LookupEnv(ReadyFDEnv)
		if !ok {
			return
		}
		os.Unsetenv(ReadyFDEnv)
		fd, err := strconv.Atoi(v)
		if err != nil || fd < 3 {
			return
		}
		closeOnExec(fd)
		readyFD.f = os.NewFile(uintptr(fd), "zmqgen-ready")
	})
	return readyFD.f
}

// notifyReady writes rec to the readiness descriptor, if there is one.
func notifyReady(rec ReadyRecord) {
	f := readyFile()
	if f == nil {
		return
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return
	}
	b = append(b, '\n')
	readyFD.mu.Lock()
	defer readyFD.mu.Unlock()
	f.Write(b) // one write: lines never interleave; a gone reader is ignored
}
