package runtime

import (
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
