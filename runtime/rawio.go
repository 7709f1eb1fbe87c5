package runtime

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Reads and writes on a connection's descriptor, made as raw system
// calls. The descriptors are the poller's, non-blocking, so a call never
// waits (EAGAIN says it would, and the caller waits through the poller);
// telling the scheduler of a system call that may block, and waking its
// monitor thread to watch it, was a tenth of a busy SUB's CPU time
// (issue 18).

// readFd reads from fd into b, retrying when a signal interrupts it.
func readFd(fd uintptr, b []byte) (int, error) { return rawIO(unix.SYS_READ, fd, b) }

// writeFd writes b to fd, retrying when a signal interrupts it; it
// returns how much fd took (0 and EAGAIN when nothing).
func writeFd(fd uintptr, b []byte) (int, error) { return rawIO(unix.SYS_WRITE, fd, b) }

// rawIO makes the read or write system call trap on fd and b.
func rawIO(trap, fd uintptr, b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	for {
		n, _, e := unix.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&b[0])), uintptr(len(b)))
		if e == 0 {
			return int(n), nil
		}
		if e != unix.EINTR {
			return 0, e
		}
	}
}

// An fdWriter writes to a connection's descriptor through its RawConn:
// everything, waiting for room (wait, the writer's), or what the
// descriptor takes at once (a direct write's).
type fdWriter struct {
	raw  syscall.RawConn
	wait bool
	// The write in progress, for writeFD; fn is writeFD, made once (a
	// closure per write would allocate).
	b   []byte
	k   int
	err error
	fn  func(fd uintptr) bool
}

// write writes b and returns how much of it the descriptor took.
func (w *fdWriter) write(b []byte) (int, error) {
	if w.fn == nil {
		w.fn = w.writeFD
	}
	w.b, w.k, w.err = b, 0, nil
	err := w.raw.Write(w.fn)
	k, werr := w.k, w.err
	w.b, w.err = nil, nil
	if err != nil {
		return k, err
	}
	return k, werr
}

// writeFD is write's write, which RawConn.Write calls until it returns
// true, waiting for the descriptor to take more in between.
func (w *fdWriter) writeFD(fd uintptr) bool {
	for w.k < len(w.b) {
		n, err := writeFd(fd, w.b[w.k:])
		if err == syscall.EAGAIN {
			return !w.wait
		}
		if err != nil {
			w.err = err
			return true
		}
		w.k += n
	}
	return true
}
