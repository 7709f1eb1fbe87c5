package runtime

import (
	"io"
	"sync"
	"syscall"
)

// frameReader is the read side of a connection: a buffer that frames are
// parsed from in place. Frame bodies up to maxInline bytes are returned as
// slices of the buffer rather than copied out of it (as libzmq's zero-copy
// decoder does), so a message costs no allocation and no copy beyond the
// kernel's. When the buffer is used up a new one is allocated and the old
// one is left to the messages that refer to it; a message the application
// keeps therefore keeps its buffer (at most chunkSize bytes) alive.
//
// Reading from a connection's descriptor (a rawSource), the reader lets
// its buffer go whenever it has parsed everything in it and must wait for
// the peer, and after the wait takes a buffer of the size of what came:
// an idle connection holds no buffer at all (with 10,000 idle peers, 4 KiB
// each was a quarter of the heap), and a message that arrives alone pins
// no more than itself.
type frameReader struct {
	src io.Reader
	rs  rawSource // src, if it reads from a descriptor; else nil
	raw syscall.RawConn
	// readFn is readFD, the function raw.Read calls; rd its state.
	readFn func(fd uintptr) bool
	rd     fdRead
	buf    []byte
	r, w   int // unread bytes are buf[r:w]
	// big is set while the frames are larger than maxInline: reads into
	// the buffer are then kept short (bigRead), so that the bulk of each
	// body is read straight into its own allocation instead of into the
	// buffer and copied out (libzmq's decoder does the same).
	big bool
	// size is the size of the next buffer: it starts at firstChunk, so
	// that an idle connection holds little, and doubles up to chunkSize
	// each time a read fills all the room it was given (the peer is
	// sending faster than we read).
	size int
}

const (
	firstChunk = 4 << 10
	chunkSize  = 128 << 10
	// minRead is the least room worth a read system call: with less left
	// at the end of the buffer, the unread bytes move to a new one.
	minRead = 16 << 10
	// maxInline is the largest body returned as a slice of the buffer;
	// larger ones get their own allocation, so a few big messages cannot
	// pin many buffers.
	maxInline = 8 << 10
	bigRead   = 4 << 10
)

// A rawSource is a reader from a file descriptor that the frameReader may
// read from directly (readWaiting). beforeRead is called before a read
// that may wait, afterRead after a read of n > 0 bytes.
type rawSource interface {
	io.Reader
	rawConn() syscall.RawConn
	beforeRead() error
	afterRead(n int)
}

func newFrameReader(src io.Reader) *frameReader {
	f := &frameReader{src: src}
	if rs, ok := src.(rawSource); ok {
		if raw := rs.rawConn(); raw != nil {
			f.rs, f.raw = rs, raw
		}
	}
	return f
}

// room makes room for n bytes (n ≤ chunkSize) past the unread ones,
// moving these to a fresh buffer if needed: the old one may be referenced
// by delivered messages, so it is never reused.
func (f *frameReader) room(n int) {
	if !f.fits(n) {
		if f.size == 0 {
			f.size = firstChunk
		}
		nb := make([]byte, max(f.size, n))
		f.w = copy(nb, f.buf[f.r:f.w])
		f.r = 0
		f.buf = nb
	}
}

// fits reports whether the buffer has room for n bytes past the unread
// ones, and enough of it to be worth a read system call, unless the
// unread bytes hold the n already.
func (f *frameReader) fits(n int) bool {
	return len(f.buf)-f.r >= n && (len(f.buf)-f.w >= min(minRead, len(f.buf)/4) || f.w-f.r >= n)
}

// fill makes at least n bytes readable (n ≤ chunkSize).
func (f *frameReader) fill(n int) error {
	for f.w-f.r < n {
		if f.rs != nil && f.r == f.w && !f.big {
			if err := f.readWaiting(n); err != nil {
				return err
			}
			continue
		}
		f.room(n)
		end := len(f.buf)
		if f.big && f.w+bigRead < end {
			end = max(f.w+bigRead, f.r+n)
		}
		k, err := f.src.Read(f.buf[f.w:end])
		if k == end-f.w && f.size < chunkSize && !f.big {
			f.size *= 2
		}
		f.w += k
		if err != nil {
			if f.w-f.r >= n {
				return nil
			}
			if err == io.EOF && f.w-f.r > 0 {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// readWaiting reads when everything read so far has been parsed (f.r ==
// f.w), straight from the descriptor: into the buffer if the peer has
// sent more already; else the buffer is let go while the reader waits,
// and what comes is read into a pooled scratch buffer and copied into a
// buffer of its size.
func (f *frameReader) readWaiting(n int) error {
	if err := f.rs.beforeRead(); err != nil {
		return err
	}
	if f.readFn == nil {
		f.readFn = f.readFD // made once: a closure per read would allocate
	}
	f.rd = fdRead{n: n}
	err := f.raw.Read(f.readFn)
	rd := f.rd
	switch {
	case err != nil:
		return err
	case rd.err != nil:
		return rd.err
	case rd.k <= 0:
		return io.EOF
	}
	f.w += rd.k
	f.rs.afterRead(rd.k)
	if rd.k == rd.room && f.size < chunkSize {
		// The peer sends faster than we read: bigger buffers.
		f.size *= 2
	}
	return nil
}

// fdRead is the state of one readWaiting.
type fdRead struct {
	n, k, room int
	err        error
	waited     bool
}

// scratch holds the buffers readFD reads into after a wait.
var scratch = sync.Pool{New: func() any { b := make([]byte, firstChunk); return &b }}

// readFD is readWaiting's read, which net.RawConn.Read calls until it
// returns true, waiting for the descriptor to be readable in between.
func (f *frameReader) readFD(fd uintptr) bool {
	// Every false return follows an EAGAIN: the poller reports only new
	// readiness, so the descriptor must be drained before waiting.
	rd := &f.rd
	if !rd.waited && f.fits(rd.n) {
		rd.room = len(f.buf) - f.w
		rd.k, rd.err = readFd(fd, f.buf[f.w:])
		if rd.err != syscall.EAGAIN {
			return true
		}
	} else {
		sp := scratch.Get().(*[]byte)
		b := *sp
		rd.k, rd.err = readFd(fd, b)
		if rd.err != syscall.EAGAIN {
			if rd.k > 0 {
				size := rd.k
				if rd.k == len(b) {
					// More is coming: room for it.
					size = max(f.size, 2*rd.k)
				}
				f.buf = make([]byte, max(size, rd.n))
				copy(f.buf, b[:rd.k])
				f.r, f.w = 0, 0
				rd.room = len(b)
			}
			scratch.Put(sp)
			return true
		}
		scratch.Put(sp)
	}
	// Nothing more from the peer for now: let the buffer go (the messages
	// delivered from it keep what they use) and wait.
	f.buf, f.r, f.w = nil, 0, 0
	rd.waited = true
	rd.k, rd.err = 0, nil
	return false
}

func (f *frameReader) readByte() (byte, error) {
	if f.r == f.w {
		if err := f.fill(1); err != nil {
			return 0, err
		}
	}
	b := f.buf[f.r]
	f.r++
	return b, nil
}

// next returns the next n bytes (n ≤ chunkSize), a slice of the buffer
// capped at its length.
func (f *frameReader) next(n int) ([]byte, error) {
	if f.w-f.r < n {
		if err := f.fill(n); err != nil {
			return nil, err
		}
	}
	b := f.buf[f.r : f.r+n : f.r+n]
	f.r += n
	return b, nil
}

// body returns a frame body of size bytes: in place if it is small, else
// in an allocation of its own that grows as bytes actually arrive, so that
// a peer announcing a huge frame without sending it costs nothing.
func (f *frameReader) body(size uint64) ([]byte, error) {
	f.big = size > maxInline
	if size == 0 {
		return []byte{}, nil
	}
	if size <= maxInline {
		return f.next(int(size))
	}
	const step = 1 << 20
	b := make([]byte, 0, min(size, step))
	for uint64(len(b)) < size {
		if len(b) == cap(b) {
			nb := make([]byte, len(b), min(size, 2*uint64(cap(b))))
			copy(nb, b)
			b = nb
		}
		k := len(b)
		if f.r < f.w {
			n := copy(b[k:cap(b)], f.buf[f.r:f.w])
			f.r += n
			b = b[:k+n]
			continue
		}
		n, err := io.ReadAtLeast(f.src, b[k:cap(b)], 1)
		b = b[:k+n]
		if err != nil && uint64(len(b)) < size {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return b, nil
}
