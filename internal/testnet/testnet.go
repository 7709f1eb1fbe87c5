// Package testnet gives tests of zmqgen network ports that other test
// processes running at the same time will not take.
package testnet

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// Port returns a TCP port on 127.0.0.1 for a node of the test to bind,
// reserved for the test until it ends.
//
// A port that a listen on port 0 hands out, closed and handed to another
// process, can be taken in between: the kernel gives the same range to
// every other port-0 listen and to the source port of every outgoing
// connection, and the test packages run in parallel. So Port draws from
// the ports below the kernel's ephemeral range (32768-60999 on Linux),
// which only a program that names them uses, claims the port against the
// other test processes with an flock on a file named after it (released
// when the test ends, or the process dies), and checks that nothing
// listens there now.
func Port(t testing.TB) int {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "zmqgen-e2e-ports")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		port := portLow + rand.IntN(portHigh-portLow)
		f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o666)
		if err != nil {
			t.Fatal(err)
		}
		if syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			f.Close() // another test process has it
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			f.Close() // some other program uses it
			continue
		}
		l.Close()
		t.Cleanup(func() { f.Close() })
		return port
	}
	t.Fatalf("e2e: no free port in %d-%d", portLow, portHigh)
	return 0
}

// The ports Port draws from: below Linux's ephemeral range.
const portLow, portHigh = 20000, 32000
