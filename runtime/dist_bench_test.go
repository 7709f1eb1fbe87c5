package runtime

import (
	"context"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/go-zeromq/zmq4"
)

// BenchmarkPubFanout: what one Send costs a PUB with 16 subscribers that
// never read (every queue at its HWM: the drop path, what a flooding
// publisher mostly meets) and with 16 that read as fast as they can.
func BenchmarkPubFanout(b *testing.B) {
	for _, reading := range []bool{false, true} {
		b.Run(fmt.Sprintf("subs=16/reading=%v", reading), func(b *testing.B) {
			ctx := context.Background()
			pub := NewSocket(PUB, WithLogger(quietLogger()))
			defer pub.Close()
			if err := pub.Bind("tcp://127.0.0.1:0"); err != nil {
				b.Fatal(err)
			}
			ep := pub.Addrs()[0]
			for range 16 {
				sub := NewSocket(SUB, WithLogger(quietLogger()), WithSubscribe(""))
				defer sub.Close()
				if err := sub.Connect(ep); err != nil {
					b.Fatal(err)
				}
				if reading {
					go func() {
						for {
							if _, err := sub.Recv(ctx); err != nil {
								return
							}
						}
					}()
				}
			}
			for subscribedPeers(pub.c, "") < 16 {
				pub.Send(ctx, Msg{[]byte("probe")})
			}
			m := Msg{make([]byte, 16)}
			if !reading {
				// Fill every queue first.
				for range 1 << 20 {
					pub.Send(ctx, m)
				}
			}
			b.ResetTimer()
			for b.Loop() {
				if err := pub.Send(ctx, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSubReceive: the CPU time (user + system, the whole process) a
// SUB spends per message received, fed 16-byte messages over loopback by a
// raw ZMTP publisher writing 64 KiB at a time (its share is a write per
// ~3,600 messages).
func BenchmarkSubReceive(b *testing.B) {
	ctx := context.Background()
	sub := NewSocket(SUB, WithLogger(quietLogger()), WithSubscribe(""))
	defer sub.Close()
	if err := sub.Bind("tcp://127.0.0.1:0"); err != nil {
		b.Fatal(err)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(sub.Addrs()[0], "tcp://"))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	if _, err := zmq4.Open(conn, zmq4NullSecurity(), zmq4.Pub, nil, false, nil); err != nil {
		b.Fatal(err)
	}
	var chunk []byte
	for len(chunk) < 64<<10-18 {
		chunk = append(chunk, rawFrame(0, make([]byte, 16))...)
	}
	go func() {
		for {
			if _, err := conn.Write(chunk); err != nil {
				return
			}
		}
	}()
	for range 10000 { // warm up: buffers at full size
		if _, err := sub.Recv(ctx); err != nil {
			b.Fatal(err)
		}
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if _, err := sub.Recv(ctx); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/msg")
}

// cpuTime is the process's user + system CPU time, in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
