package runtime

import "context"

// recvValue implements RecvValue.
func recvValue[T any, PT interface {
	*T
	Unmarshaler
}](ctx context.Context, s *Socket) (T, error) {
	panic("unimplemented")
}
