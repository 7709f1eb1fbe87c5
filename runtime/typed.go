package runtime

// Typed sends and receives, for the methods of generated socket handles.
// A message type's decoder is a func(Msg) (T, error): Decode[T] for a
// generated message type, DecodeString and DecodeBytes for the builtin
// string and bytes, and the message package's UnmarshalX for a socket
// that receives several types.

import (
	"context"
	"reflect"
)

// RecvFunc receives a message and decodes it with decode. A message that
// does not decode is logged with the socket's name and dropped, and
// RecvFunc waits for the next one.
func RecvFunc[T any](ctx context.Context, s *Socket, decode func(Msg) (T, error)) (T, error) {
	_, v, err := recvDecoded(ctx, s, false, decode)
	return v, err
}

// recvDecoded implements RecvFunc and, with envelope, RecvEnvelope.
func recvDecoded[T any](ctx context.Context, s *Socket, envelope bool, decode func(Msg) (T, error)) (Envelope, T, error) {
	for {
		m, err := s.Recv(ctx)
		if err != nil {
			var zero T
			return nil, zero, err
		}
		var env Envelope
		body := m
		if envelope {
			env, body = SplitEnvelope(m, s.Type() == ROUTER)
		}
		v, err := decode(body)
		if err != nil {
			// One bad message must not stop a node that serves many
			// peers: report it and wait for the next. A REP forgets the
			// request (its requester gets no reply, as if the request
			// were lost); a REQ waits on for a reply from the peer it
			// asked, as if this one had not come.
			s.c.forget()
			s.c.stats.drop(DropUndecodable, 1)
			if ok, hidden := s.c.badMsgs.note(); ok {
				args := []any{"socket", s.Name(), "type", typeName[T](), "frames", len(m), "err", err}
				if hidden > 0 {
					args = append(args, "not_logged", hidden)
				}
				loggerOf(&s.opts).Warn("zmq: dropped a message that does not decode", args...)
			}
			continue
		}
		if n := s.c.badMsgs.flush(); n > 0 {
			loggerOf(&s.opts).Warn("zmq: more messages that do not decode were dropped", "socket", s.Name(), "type", typeName[T](), "not_logged", n)
		}
		return env, v, nil
	}
}

// typeName names T in logs: "pipeline.Task", "paranoidpirate.QueueBackendIn".
func typeName[T any]() string { return reflect.TypeFor[T]().String() }

// Decode decodes m into a T, a generated message type.
func Decode[T any, PT interface {
	*T
	Unmarshaler
}](m Msg) (T, error) {
	var v T
	err := PT(&v).UnmarshalZMQ(m)
	return v, err
}

// Text is the builtin message type string as a Marshaler: one frame of
// UTF-8 text.
type Text string

// MarshalZMQ encodes t as one frame.
func (t Text) MarshalZMQ() (Msg, error) { return StringMsg(string(t)), nil }

// Bytes is the builtin message type bytes as a Marshaler: one frame of raw
// bytes.
type Bytes []byte

// MarshalZMQ encodes b as one frame (not copied).
func (b Bytes) MarshalZMQ() (Msg, error) { return BytesMsg(b), nil }

// EncodeString encodes the builtin message type string.
func EncodeString(s string) (Msg, error) { return StringMsg(s), nil }

// EncodeBytes encodes the builtin message type bytes (not copied).
func EncodeBytes(b []byte) (Msg, error) { return BytesMsg(b), nil }

// Request sends req on s, a REQ socket, and waits for the reply, which it
// decodes with decode. A reply that does not decode is logged and
// dropped, as RecvFunc does.
func Request[T any](ctx context.Context, s *Socket, req Marshaler, decode func(Msg) (T, error)) (T, error) {
	if err := SendValue(ctx, s, req); err != nil {
		var zero T
		return zero, err
	}
	return RecvFunc(ctx, s, decode)
}

// RequestRetry sends req through h's Requester, as its retry policy says,
// and decodes the reply with decode. A reply that does not decode is
// logged and dropped and counts as no reply: the try waits on for one that
// does, and when it times out the retry policy resends.
func RequestRetry[T any](ctx context.Context, h *RequestHandle, req Marshaler, decode func(Msg) (T, error)) (T, error) {
	var v T
	m, err := req.MarshalZMQ()
	if err != nil {
		return v, err
	}
	_, err = h.req.requestAccepting(ctx, m, func(reply Msg) error {
		w, err := decode(reply)
		if err == nil {
			v = w
		}
		return err
	})
	return v, err
}
