package runtime

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// scalePeers is how many DEALERs TestManyDealers connects to one ROUTER.
// Issue 16's storm is 10,000: go test -run TestManyDealers -scale.peers
// 10000 ./runtime (without -race, whose detector allows 8,128 goroutines
// a process, and a ROUTER with 10,000 peers has two each).
var scalePeers = flag.Int("scale.peers", 1000, "DEALERs of TestManyDealers")

// dealersPerProcess is the most DEALERs one child process of
// TestManyDealers holds (a file descriptor each, and two goroutines).
const dealersPerProcess = 2000

// scaleEnv, set to "ENDPOINT COUNT", makes TestScaleDealerProcess the
// load process of TestManyDealers.
const scaleEnv = "ZMQGEN_TEST_SCALE_DEALERS"

// TestManyDealers connects many DEALERs at once, from child processes of
// the test binary, to one ROUTER that answers each request; every DEALER
// must get its reply, and no connection may be refused or retried (the
// listen backlog and the accept loop keep up with the storm).
func TestManyDealers(t *testing.T) {
	n := *scalePeers
	if testing.Short() {
		n = min(n, 200)
	}
	router := NewSocket(ROUTER, WithName("scale.router"), WithLogger(slog.New(slog.DiscardHandler)))
	defer router.Close()
	if err := router.Bind("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ep := router.Addrs()[0]
	go func() {
		ctx := context.Background()
		for {
			m, err := router.Recv(ctx)
			if err != nil {
				return
			}
			if err := router.Send(ctx, m); err != nil {
				return
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, n/dealersPerProcess+1)
	for left := n; left > 0; left -= dealersPerProcess {
		k := min(left, dealersPerProcess)
		cmd := exec.Command(os.Args[0], "-test.run=^TestScaleDealerProcess$", "-test.v")
		cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d", scaleEnv, ep, k))
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var result string
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if r, ok := strings.CutPrefix(sc.Text(), "SCALE "); ok {
					result = r
				}
			}
			err := cmd.Wait()
			want := fmt.Sprintf("replies=%d retried=0", k)
			if err != nil || result != want {
				errs <- fmt.Errorf("a process of %d DEALERs: %q (want %q), %v", k, result, want, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestScaleDealerProcess is the load process of TestManyDealers (it does
// nothing unless scaleEnv is set): it connects its DEALERs all at once,
// sends one request on each, waits for every reply and prints "SCALE
// replies=<right replies> retried=<dials retried>".
func TestScaleDealerProcess(t *testing.T) {
	spec := os.Getenv(scaleEnv)
	if spec == "" {
		t.Skip("the load process of TestManyDealers")
	}
	ep, count, _ := strings.Cut(spec, " ")
	n, err := strconv.Atoi(count)
	if err != nil {
		t.Fatal(err)
	}
	quiet := WithLogger(slog.New(slog.DiscardHandler))
	dealers := make([]*Socket, n)
	events := make([]<-chan Event, n)
	for i := range dealers {
		dealers[i] = NewSocket(DEALER, WithName(fmt.Sprintf("scale.dealer%d", i)), quiet)
		defer dealers[i].Close()
		events[i], _ = dealers[i].Monitor(16)
	}
	for _, d := range dealers {
		if err := d.Connect(ep); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	for i, d := range dealers {
		if err := d.Send(ctx, Msg{[]byte(strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	replies := 0
	for i, d := range dealers {
		m, err := d.Recv(ctx)
		switch {
		case err != nil:
			t.Errorf("dealer %d: %v", i, err)
		case len(m) != 1 || string(m[0]) != strconv.Itoa(i):
			t.Errorf("dealer %d: reply %q", i, m)
		default:
			replies++
		}
	}
	// Every DEALER has its reply, so each connected: a dial that failed
	// (refused, reset) shows as a retry before that.
	retried := 0
	for i, ch := range events {
	drain:
		for {
			select {
			case ev := <-ch:
				if ev.Type == EventConnectRetried || ev.Missed > 0 {
					retried++
					t.Logf("dealer %d: %v %v (missed %d)", i, ev.Type, ev.Err, ev.Missed)
				}
			default:
				break drain
			}
		}
	}
	fmt.Printf("SCALE replies=%d retried=%d\n", replies, retried)
	if retried > 0 {
		t.Error(errors.New("dials retried"))
	}
}
