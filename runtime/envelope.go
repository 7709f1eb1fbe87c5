package runtime

// Envelopes: the routing frames in front of a message on a ROUTER or
// DEALER socket, which generated handles keep apart from the typed body.

import (
	"context"
	"slices"
)

// Envelope is the routing part of a message on a ROUTER or DEALER socket:
// the peer identities a ROUTER adds, then an empty delimiter frame (REQ
// and REP peers use one; DEALER peers may not).
type Envelope [][]byte

// SplitEnvelope splits m after its first empty frame. A ROUTER's first
// frame is always the sender's identity, delimiter or not, so with router
// the envelope is at least that frame; otherwise a message with no empty
// frame has no envelope.
func SplitEnvelope(m Msg, router bool) (Envelope, Msg) {
	start := 0
	if router {
		start = 1
	}
	for i := start; i < len(m); i++ {
		if len(m[i]) == 0 {
			return Envelope(m[:i+1]), m[i+1:]
		}
	}
	if router && len(m) > 0 {
		return Envelope(m[:1]), m[1:]
	}
	return nil, m
}

// SendEnvelope sends the frames of env, then v, on s. On a ROUTER socket
// env's first frame names the peer (a message for a peer that is gone is
// dropped); on a DEALER socket the message goes to the next peer in turn.
func SendEnvelope(ctx context.Context, s *Socket, env Envelope, v Marshaler) error {
	m, err := v.MarshalZMQ()
	if err != nil {
		return err
	}
	return s.Send(ctx, append(Msg(slices.Clone(env)), m...))
}

// RecvEnvelope receives a message on s, a ROUTER or DEALER socket, and
// returns its envelope (SplitEnvelope) and its body decoded with decode.
// A message whose body does not decode is logged and dropped.
func RecvEnvelope[T any](ctx context.Context, s *Socket, decode func(Msg) (T, error)) (Envelope, T, error) {
	return recvDecoded(ctx, s, true, decode) // typed.go
}
