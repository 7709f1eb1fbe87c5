package runtime

import (
	"context"
	"fmt"
	"testing"
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
