package runtime

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
)

// TestAttachNotifiesReadiness holds the readiness contract of ready.go: a
// bound socket writes one JSON line to the descriptor ZMQGEN_READY_FD
// names, whatever the log level, and the variable is gone afterwards.
func TestAttachNotifiesReadiness(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	// The runtime takes the descriptor for its own (an *os.File, whose
	// finalizer closes it): give it a duplicate, and close that when the
	// test ends. Handing it w's own descriptor closed that number twice,
	// the second time (at a later GC) under whatever socket of another
	// test had been given the number since (TestUnwrittenSurviveDrop and
	// TestMetricsEndpoint failed with "bad file descriptor" and lost peers).
	dup, err := syscall.Dup(int(w.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(ReadyFDEnv, strconv.Itoa(dup))
	readyFD.once, readyFD.f = sync.Once{}, nil
	defer func() {
		if readyFD.f != nil {
			readyFD.f.Close()
		} else {
			syscall.Close(dup)
		}
		readyFD.once, readyFD.f = sync.Once{}, nil
	}()

	// A socket that only connects says nothing; one that binds, once.
	c := NewSocket(PUSH, WithName("n.out"), WithLogger(quietLogger()))
	defer c.Close()
	if err := Attach(c, nil, []string{"tcp://127.0.0.1:9"}, quietLogger()); err != nil {
		t.Fatal(err)
	}
	s := NewSocket(PULL, WithName("n.in"), WithLogger(quietLogger()))
	defer s.Close()
	if err := Attach(s, []string{"tcp://127.0.0.1:0", "tcp://127.0.0.1:0"}, nil, quietLogger()); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(r).ReadBytes('\n')
	if err != nil {
		t.Fatal(err)
	}
	var rec ReadyRecord
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	if rec.Event != "listening" || rec.Socket != "n.in" || !slices.Equal(rec.Addrs, s.Addrs()) || len(rec.Addrs) != 2 {
		t.Errorf("record %+v, want listening n.in %v", rec, s.Addrs())
	}
	if v, ok := os.LookupEnv(ReadyFDEnv); ok {
		t.Errorf("%s=%s is still set: programs the node starts would write to it", ReadyFDEnv, v)
	}
}
