package runtime

import (
	"io"
)

// frameReader is the read side of a connection: a buffer that frames are
// parsed from in place. Frame bodies up to maxInline bytes are returned as
// slices of the buffer rather than copied out of it (as libzmq's zero-copy
// decoder does), so a message costs no allocation and no copy beyond the
// kernel's. When the buffer is used up a new one is allocated and the old
// one is left to the messages that refer to it; a message the application
// keeps therefore keeps its buffer (at most chunkSize bytes) alive.
type frameReader struct {
	src  io.Reader
	buf  []byte
	r, w int // unread bytes are buf[r:w]
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

func newFrameReader(src io.Reader) *frameReader {
	return &frameReader{src: src}
}

// fill makes at least n bytes readable (n ≤ chunkSize).
func (f *frameReader) fill(n int) error {
	for f.w-f.r < n {
		if len(f.buf)-f.r < n || len(f.buf)-f.w < min(minRead, len(f.buf)/4) && f.w-f.r < n {
			// Move what is unread to a fresh buffer: the old one may be
			// referenced by delivered messages, so it is never reused.
			if f.size == 0 {
				f.size = firstChunk
			}
			nb := make([]byte, max(f.size, n))
			f.w = copy(nb, f.buf[f.r:f.w])
			f.r = 0
			f.buf = nb
		}
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
