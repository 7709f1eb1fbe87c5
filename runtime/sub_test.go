package runtime

import (
	"slices"
	"testing"

	"github.com/go-zeromq/zmq4"
)

// TestSubSendsSubscriptionsInOrder: a SUB sends a new peer its
// subscriptions in byte order, each once, as libzmq does walking its trie,
// so that a peer can tell when the last has come (the benchmark's
// subscriptions cells rely on it).
func TestSubSendsSubscriptionsInOrder(t *testing.T) {
	topics := []string{"b", "topic-2", "a", "", "topic-10", "\xff", "b", "topic-1"}
	want := []string{"", "a", "b", "topic-1", "topic-10", "topic-2", "\xff"}
	sub := newSock(t, SUB, WithSubscribe(topics...))
	ep := bindAny(t, sub)
	for round := range 2 { // and again on a new connection
		pub := rawPeer(t, ep, zmq4.Pub)
		var got []string
		for range want {
			flags, body := rawRead(t, pub)
			if flags != 0 || len(body) == 0 || body[0] != 1 {
				t.Fatalf("round %d: frame %#x %q, want a subscription", round, flags, body)
			}
			got = append(got, string(body[1:]))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("round %d: subscriptions %q, want %q", round, got, want)
		}
		pub.Close()
	}
}
