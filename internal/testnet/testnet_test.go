package testnet

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
)

// TestPortIsReserved checks that a port Port returns is outside the
// kernel's ephemeral range, free to bind, and claimed: another claim on it
// fails while the test runs.
func TestPortIsReserved(t *testing.T) {
	seen := map[int]bool{}
	for range 20 {
		port := Port(t)
		if port < portLow || port >= portHigh {
			t.Fatalf("port %d outside %d-%d", port, portLow, portHigh)
		}
		if seen[port] {
			t.Fatalf("port %d returned twice in one test", port)
		}
		seen[port] = true

		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatalf("port %d: %v", port, err)
		}
		l.Close()

		f, err := os.Open(filepath.Join(os.TempDir(), "zmqgen-e2e-ports", strconv.Itoa(port)))
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err == nil {
			t.Errorf("port %d: a second claim succeeded while the first is held", port)
		}
		f.Close()
	}
}
