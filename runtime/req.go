package runtime

// REQ: the strict send/receive alternation (libzmq's req_t).

const (
	reqIdle = iota
	reqWaiting
	reqReplied
)
