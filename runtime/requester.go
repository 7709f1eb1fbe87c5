package runtime

import "context"

// requester holds the state of a Requester.
type requester struct{}

func newRequester(endpoints []string, retry Retry, opts []Option) (*Requester, error) {
	panic("unimplemented")
}

func (r *requester) request(ctx context.Context, req Msg) (Msg, error) { panic("unimplemented") }

func (r *requester) close() error { panic("unimplemented") }
