package runtime

// One ZMTP connection ("peer"): zmq4.Open runs the greeting, the security
// handshake and READY; after that the engine frames the data phase itself,
// directly on the net.Conn: the reader parses frames in place from its
// buffer (framereader.go; the announced size is checked before anything is
// allocated), and one writer goroutine drains the peer's outgoing queue
// into a buffered writer that it flushes only when the queue is empty, so
// a burst of small messages costs one write system call.
//
// NULL and PLAIN leave the data frames as they are; CURVE (curve.go) seals
// each frame into a MESSAGE as the writer writes it and opens it in place
// in the reader's buffer, so batching and in-place parsing stay as they are.

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-zeromq/zmq4"
)

const (
	flagMore    = 0x01
	flagLong    = 0x02
	flagCommand = 0x04

	// handshakeTimeout bounds the greeting and the security handshake,
	// as libzmq's ZMQ_HANDSHAKE_IVL (30s by default) does.
	handshakeTimeout = 30 * time.Second
	// maxHandshakeFrame bounds each frame of the handshake: zmq4 allocates
	// what a frame announces before reading it.
	maxHandshakeFrame = 64 << 10
	// maxCommand bounds a command in the data phase (PING, SUBSCRIBE…)
	// when the socket sets no maximum message size.
	maxCommand = 1 << 20

	writeBufSize  = 64 << 10
	firstWriteBuf = 4 << 10
	// maxReadBatch bounds the messages a reader hands to the incoming
	// queue at once.
	maxReadBatch = 256
)

// errTooBig is the error of a connection whose peer announced a message
// larger than the socket's maximum message size.
var errTooBig = errors.New("zmq: peer announced a message larger than the maximum message size")

// outItem is one entry of a peer's outgoing queue: a message, or a ZMTP
// command (its single frame is the command body, name included).
type outItem struct {
	m   Msg
	cmd bool
}

// peer is one connection in its data phase. Its fields are grouped by
// what guards them.
type peer struct {
	// Set before the reader and writer start, then only read.
	c      *engine
	conn   net.Conn
	remote string // for logs
	id     []byte // routing identity (ROUTER: set by attach), the peer's metadata Identity otherwise
	meta   zmq4.Metadata
	cc     *curveCipher    // CURVE's data phase; nil for NULL and PLAIN
	raw    syscall.RawConn // for direct writes; nil when the connection has no file descriptor
	link   *link           // counters (metrics.go)

	// Guarded by engine.mu.
	pipe *pipe // load-balancing sockets: the pipe this connection serves (lb.go)
	// PUB/XPUB (dist.go): what the PUB queued for this peer, the message
	// it last went through (pubSeq), and the messages dropped at its HWM,
	// for logs. sendPub, which holds engine.mu, reads them for every
	// message without taking mu, so they keep a cache line away from mu
	// and what the writer changes under it: sharing one cost the
	// publisher a cache miss per subscriber and message.
	pubQueued int64
	pubSeq    uint64
	drops     dropRun
	_         [64]byte

	// Guarded by mu: the outgoing side, which senders fill and the writer
	// drains.
	mu sync.Mutex
	// q is the outgoing queue; the high-water mark applies to it. The
	// writer takes the whole queue at once and writes it while senders
	// refill q, so a peer holds at most twice the HWM (as libzmq holds the
	// HWM in its pipe plus a batch in its encoder).
	q        []outItem
	inflight int  // messages the writer took and has not finished writing
	idle     bool // the writer waits for p.wake
	full     bool // a sender found the queue full: wake blocked senders when it drains
	dead     bool // the connection is gone: queue nothing
	linger   bool // the socket is closing: write what is queued, then stop
	// ctlQueued has bit 1 set while a PING waits in q, bit 2 while a PONG
	// does (sendCommand queues at most one of each).
	ctlQueued uint8
	// taken counts the messages the writer has taken from q, read without
	// mu by a PUB that drops for a subscriber at its high-water mark
	// (dist.go); it changes only under mu.
	taken atomic.Int64

	// Direct writes (REQ and REP, and a ROUTER's replies): when the
	// writer has flushed everything and sleeps, a sender writes its
	// message to the socket itself instead of waking the writer, saving a
	// goroutine hand-off on each request and reply. Whatever the socket
	// does not take at once goes to pend, which the writer writes before
	// anything else.
	parked bool   // the writer flushed everything and waits
	direct bool   // a sender is writing directly
	pend   []byte // the unwritten rest of a direct write
	// asked is set (ROUTER) when a message came from the peer since the
	// last one went to it: the next is a reply, written directly, while a
	// stream of messages to the peer goes through the writer's batches.
	// It is atomic: the reader sets it without mu.
	asked atomic.Bool

	// Owned by the sender that set direct (under mu) until it clears it.
	dbuf []byte   // scratch for direct writes
	dw   fdWriter // what the socket takes at once, never waiting

	// Synchronised by themselves.
	wake       chan struct{} // cap 1: work for the writer
	done       chan struct{} // closed when the connection is finished
	writerDone chan struct{} // closed when the writer goroutine returned
	failOnce   sync.Once
	failErr    error        // written in failOnce; read once done is closed
	lastRecv   atomic.Int64 // unix nanoseconds of the last bytes read
	// stalled is set while the reader waits for room in inq rather than
	// reading: the silence is then ours, and heartbeats do not count it.
	stalled atomic.Bool
	peerTTL atomic.Int64 // the TTL of the peer's last PING, nanoseconds (0: none)

	// Guarded by engine.in.mu: the incoming side (see inQueue). The reader
	// appends to inq; the receiver, under engine.rmu, takes inq whole as
	// local and returns it message by message.
	inq     []inMsg
	listed  bool        // p is in engine.in.active
	inSpace broadcaster // inq went below the receive HWM
	inRing  bool        // p is in engine.ring; written under engine.rmu and engine.in.mu

	// Guarded by engine.rmu: the receiver's batch.
	local []inMsg
	li    int

	// Used only by the reader goroutine: frame headers for messages are
	// carved from fslab; batch collects messages for the incoming queue.
	fslab           [][]byte
	batch           []inMsg
	rdMsgs, rdBytes uint64 // read since the reader last added them to link
}

func newPeer(c *engine, conn net.Conn, zc *zmq4.Conn) *peer {
	p := &peer{
		c:          c,
		conn:       conn,
		remote:     remoteAddr(conn),
		meta:       zc.Peer.Meta,
		wake:       make(chan struct{}, 1),
		done:       make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	if sc, ok := conn.(syscall.Conn); ok {
		p.raw, _ = sc.SyscallConn()
		p.dw.raw = p.raw
	}
	if id := zc.Peer.Meta["Identity"]; id != "" {
		p.id = []byte(id)
	}
	p.lastRecv.Store(time.Now().UnixNano())
	return p
}

// remoteAddr describes conn's peer for logs.
func remoteAddr(conn net.Conn) string {
	if a := conn.RemoteAddr(); a != nil {
		return a.String()
	}
	return "?"
}

// Hooks for the heartbeat code (heartbeat.go): it may send a PING with
// sendCommand("PING", ttl+context), read lastActivity (every read from the
// connection counts: frames, commands, PONGs), read peerPingTTL, disconnect
// a silent peer with fail, watch p.done, and run its goroutines with
// p.c.spawn so that Close waits for them.

// sendCommand queues a ZMTP command (name and body) for the peer, ahead of
// no one but regardless of the high-water mark. It reports false if the
// connection is gone. Control traffic is bounded: as in libzmq, at most one
// PING and one PONG wait in the queue (more are dropped until the writer
// takes it), so a peer that floods PINGs and never reads the PONGs costs
// nothing beyond what the kernel buffers.
func (p *peer) sendCommand(name string, body []byte) bool {
	var bit uint8
	switch name {
	case zmq4.CmdPing:
		bit = 1
	case zmq4.CmdPong:
		bit = 2
	}
	if bit != 0 {
		p.mu.Lock()
		queued := p.ctlQueued&bit != 0
		p.ctlQueued |= bit
		dead := p.dead
		p.mu.Unlock()
		if queued {
			return !dead
		}
	}
	b := make([]byte, 0, 1+len(name)+len(body))
	b = append(b, byte(len(name)))
	b = append(b, name...)
	b = append(b, body...)
	return p.enqueueCtl(outItem{m: Msg{b}, cmd: true})
}

// lastActivity is when bytes last arrived from the peer.
func (p *peer) lastActivity() time.Time { return time.Unix(0, p.lastRecv.Load()) }

// peerPingTTL is the TTL the peer announced in its last PING (0 if none).
func (p *peer) peerPingTTL() time.Duration { return time.Duration(p.peerTTL.Load()) }

// fail closes the connection (once) with err as the reason.
func (p *peer) fail(err error) {
	p.failOnce.Do(func() {
		p.failErr = err
		p.conn.Close()
		close(p.done)
	})
}

// enqueue queues m if the queue is below hwm (0: no limit); it reports
// whether it did.
func (p *peer) enqueue(m Msg, hwm int) bool {
	p.mu.Lock()
	if p.dead || p.linger || (hwm > 0 && len(p.q) >= hwm) {
		p.full = true
		p.mu.Unlock()
		return false
	}
	wake := p.pushLocked(outItem{m: m})
	p.mu.Unlock()
	if wake {
		p.signal()
	}
	return true
}

// sendDirect queues m like enqueue, or, if the writer is asleep with
// nothing buffered, writes it to the socket at once from the caller's
// goroutine (without blocking: what the socket does not take is left to
// the writer). It is for the strict request-reply sockets, where each
// message waits for an answer and batching has nothing to gain.
func (p *peer) sendDirect(m Msg, hwm int) bool {
	p.mu.Lock()
	if p.raw == nil || !p.parked || p.direct || len(p.q) != 0 || p.pend != nil || p.dead || p.linger {
		p.mu.Unlock()
		return p.enqueue(m, hwm)
	}
	p.direct = true
	p.mu.Unlock()

	var buf []byte
	size := msgBytes(m)
	scratch := p.dbuf[:0]
	var bp *[]byte // a scratch from directBufs
	if size+9*len(m) > smallDirect {
		if bp, _ = directBufs.Get().(*[]byte); bp != nil {
			scratch = (*bp)[:0]
		}
	}
	if p.cc != nil {
		buf = p.cc.appendMsg(scratch, m)
	} else {
		buf = appendMsg(scratch, m, false)
	}
	n, err := p.tryWrite(buf)
	if err == nil {
		p.countOut(1, uint64(size))
	}

	p.mu.Lock()
	p.direct = false
	if err == nil && n < len(buf) {
		p.pend = append([]byte(nil), buf[n:]...)
	}
	// A small scratch stays with the peer; a big one goes to a pool, so
	// that the last large reply is not kept by every idle peer.
	switch {
	case cap(buf) <= smallDirect:
		p.dbuf = buf[:0]
	case cap(buf) <= 64<<10:
		// The pool's own pointer goes back: &buf would move buf to the
		// heap at every call.
		if bp == nil {
			bp = new([]byte)
		}
		*bp = buf[:0]
		directBufs.Put(bp)
	}
	// The writer may be waiting for this direct write to end: wake it if
	// there is something to write, or a Close waiting for it to finish.
	wake := (len(p.q) > 0 || p.pend != nil || p.linger) && p.idle
	if wake {
		p.idle = false
	}
	p.mu.Unlock()
	if err != nil {
		p.fail(err)
	} else if wake {
		p.signal()
	}
	return true
}

// smallDirect is the largest scratch for direct writes a peer keeps;
// larger ones are shared through directBufs.
const smallDirect = 512

var directBufs sync.Pool // *[]byte

// tryWrite writes b to the socket without waiting; it returns how much
// the socket took. Only the direct writer calls it.
func (p *peer) tryWrite(b []byte) (int, error) { return p.dw.write(b) }

// appendMsg appends the ZMTP encoding of m (a command if cmd) to b.
func appendMsg(b []byte, m Msg, cmd bool) []byte {
	n := len(m)
	for j, f := range m {
		var fl byte
		if cmd {
			fl = flagCommand
		} else if j < n-1 {
			fl = flagMore
		}
		if len(f) > 255 {
			b = append(b, fl|flagLong)
			b = binary.BigEndian.AppendUint64(b, uint64(len(f)))
		} else {
			b = append(b, fl, byte(len(f)))
		}
		b = append(b, f...)
	}
	return b
}

// enqueueCtl queues commands or subscriptions regardless of the HWM,
// under one lock.
func (p *peer) enqueueCtl(items ...outItem) bool {
	if len(items) == 0 {
		return true
	}
	p.mu.Lock()
	if p.dead {
		p.mu.Unlock()
		return false
	}
	wake := p.pushLocked(items...)
	p.mu.Unlock()
	if wake {
		p.signal()
	}
	return true
}

// pushLocked appends items to the outgoing queue and reports whether the
// writer sleeps and must be signalled (it is then counted awake, so that
// one sender signals it). p.mu is held.
func (p *peer) pushLocked(items ...outItem) (wake bool) {
	p.q = append(p.q, items...)
	wake = p.idle
	p.idle = false
	return wake
}

func (p *peer) signal() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// queued is the number of messages queued for the peer, being written included.
func (p *peer) queued() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.q) + p.inflight
}

// Write buffers: the writer takes one when it has something to write and
// gives it back once it has flushed everything, so that an idle peer holds
// none (with 10,000 idle peers, 4 KiB each was a third of the heap).
var (
	smallWriters = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, firstWriteBuf) }}
	bigWriters   = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, writeBufSize) }}
)

// writeLoop drains the queue into a buffered writer, flushing when the
// queue is empty. It returns when the connection fails, or, once lingering,
// when the queue is empty.
func (p *peer) writeLoop() {
	defer close(p.writerDone)
	// The buffer is small, so that a trickle costs little, until the
	// first batch that overflows it: the peer takes big ones from then on.
	cw := &countingWriter{w: p.conn, fd: fdWriter{raw: p.raw, wait: true}}
	var bw *bufio.Writer // nil while there is nothing to write
	big := false
	take := func() {
		if bw == nil {
			if big {
				bw = bigWriters.Get().(*bufio.Writer)
			} else {
				bw = smallWriters.Get().(*bufio.Writer)
			}
			bw.Reset(cw)
		}
	}
	// giveBack returns the buffer, which must be empty.
	giveBack := func() {
		if bw != nil {
			bw.Reset(nil)
			if bw.Size() >= writeBufSize {
				bigWriters.Put(bw)
			} else {
				smallWriters.Put(bw)
			}
			bw = nil
		}
	}
	var batch []outItem
	var hdr [9]byte
	for {
		p.mu.Lock()
		p.parked = false
		if p.direct {
			// A sender is writing to the socket: wait for it to finish
			// (it wakes the writer if there is more to write).
			p.idle = true
			p.mu.Unlock()
			select {
			case <-p.wake:
			case <-p.done:
				return
			}
			continue
		}
		if pend := p.pend; pend != nil {
			p.pend = nil
			p.mu.Unlock()
			take()
			bw.Write(pend)
			continue
		}
		p.inflight = 0
		wasFull := p.full
		p.full = false
		if len(p.q) == 0 {
			linger := p.linger
			p.idle = !linger
			p.mu.Unlock()
			if wasFull {
				p.c.fireSpace()
			}
			if bw != nil {
				if err := bw.Flush(); err != nil {
					p.fail(err)
					return
				}
				giveBack()
			}
			if linger {
				return
			}
			p.mu.Lock()
			p.parked = p.idle && len(p.q) == 0 && p.pend == nil && !p.direct
			p.mu.Unlock()
			select {
			case <-p.wake:
			case <-p.done:
				return
			}
			continue
		}
		batch, p.q = p.q, batch[:0]
		p.taken.Add(int64(len(batch)))
		p.ctlQueued = 0
		p.inflight = len(batch)
		p.mu.Unlock()
		if wasFull {
			p.c.fireSpace()
		}
		take()
		var msgs, bytes uint64
		writes := cw.n
		for i := range batch {
			it := &batch[i]
			n := len(it.m)
			if !it.cmd {
				msgs++
			}
			if p.cc != nil {
				for j, f := range it.m {
					p.cc.write(bw, f, !it.cmd && j < n-1, it.cmd)
					if !it.cmd {
						bytes += uint64(len(f))
					}
				}
				*it = outItem{}
				continue
			}
			for j, f := range it.m {
				var fl byte
				if it.cmd {
					fl = flagCommand
				} else if j < n-1 {
					fl = flagMore
				}
				h := hdr[:2]
				if len(f) > 255 {
					fl |= flagLong
					binary.BigEndian.PutUint64(hdr[1:9], uint64(len(f)))
					h = hdr[:9]
				} else {
					hdr[1] = byte(len(f))
				}
				hdr[0] = fl
				bw.Write(h)
				bw.Write(f)
				if !it.cmd {
					bytes += uint64(len(f))
				}
			}
			*it = outItem{}
		}
		p.countOut(msgs, bytes)
		// bufio.Writer keeps the first write error and returns it from
		// every later call, so one check per batch is enough.
		if _, err := bw.Write(nil); err != nil {
			p.fail(err)
			return
		}
		if cw.n != writes && !big {
			// The batch overflowed the small buffer: traffic, not a
			// trickle.
			if err := bw.Flush(); err != nil {
				p.fail(err)
				return
			}
			giveBack()
			big = true
			take()
		}
	}
}

// countingWriter counts the writes made through it, so that the writer
// can tell when its buffer overflowed. It writes to the connection's
// descriptor when it has one (rawio.go), else to w.
type countingWriter struct {
	w  io.Writer
	fd fdWriter // w's descriptor, written to directly when it has one
	n  int
}

func (c *countingWriter) Write(b []byte) (int, error) {
	c.n++
	if c.fd.raw == nil {
		return c.w.Write(b)
	}
	return c.fd.write(b)
}

// activityReader is what the frameReader reads from: before each read
// that may block, it hands the messages parsed so far to the socket, and
// after it, records the activity for heartbeats.
type activityReader struct{ p *peer }

func (a activityReader) Read(b []byte) (int, error) {
	if err := a.beforeRead(); err != nil {
		return 0, err
	}
	n, err := a.p.conn.Read(b)
	if n > 0 {
		a.afterRead(n)
	}
	return n, err
}

func (a activityReader) beforeRead() error {
	p := a.p
	p.flushIn()
	if len(p.batch) > 0 {
		if !p.c.deliver(p, p.batch) {
			return ErrClosed
		}
		clear(p.batch)
		p.batch = p.batch[:0]
	}
	return nil
}

func (a activityReader) afterRead(int) { a.p.lastRecv.Store(time.Now().UnixNano()) }

// rawConn is the connection's descriptor, for the frameReader's reads
// that wait (readWaiting); nil if it has none.
func (a activityReader) rawConn() syscall.RawConn { return a.p.raw }

// readLoop reads messages until the connection fails.
func (p *peer) readLoop() error {
	r := newFrameReader(activityReader{p})
	p.batch = make([]inMsg, 0, 16)
	for {
		m, cmd, err := p.readMsg(r)
		if err != nil {
			p.flushIn()
			if len(p.batch) > 0 {
				p.c.deliver(p, p.batch)
				p.batch = p.batch[:0]
			}
			return err
		}
		if cmd {
			if err := p.command(m[0]); err != nil {
				return err
			}
			continue
		}
		var keep bool
		if m, keep = p.c.routing.incoming(p, m); !keep {
			continue
		}
		p.batch = append(p.batch, inMsg{m: m, p: p})
		if len(p.batch) >= maxReadBatch {
			if !p.c.deliver(p, p.batch) {
				return ErrClosed
			}
			clear(p.batch)
			p.batch = p.batch[:0]
		}
	}
}

// readMsg reads one message (all its frames) or one command.
func (p *peer) readMsg(r *frameReader) (Msg, bool, error) {
	if len(p.fslab) < 8 {
		// A small slab first: an idle connection should hold little.
		n := 512
		if p.fslab == nil {
			n = 32
		}
		p.fslab = make([][]byte, n)
	}
	frames := p.fslab[:0]
	router := p.c.typ == ROUTER
	if router {
		frames = append(frames, p.id[:len(p.id):len(p.id)])
	}
	max := p.c.o.maxMsgSize
	maxFrames := p.c.o.maxFrames
	var total int64
	for nf := 1; ; nf++ {
		fl, err := r.readByte()
		if err != nil {
			return nil, false, err
		}
		if nf > maxFrames && maxFrames > 0 {
			// Checked at the frame's first byte: each frame costs a slice
			// header (24 bytes) however short it is on the wire (2 bytes).
			return nil, false, fmt.Errorf("%w (more than %d frames)", errTooBig, maxFrames)
		}
		if fl&^(flagMore|flagLong|flagCommand) != 0 {
			return nil, false, fmt.Errorf("zmq: invalid frame flags %#x", fl)
		}
		var size uint64
		if fl&flagLong != 0 {
			b, err := r.next(8)
			if err != nil {
				return nil, false, err
			}
			size = binary.BigEndian.Uint64(b)
		} else {
			b, err := r.readByte()
			if err != nil {
				return nil, false, err
			}
			size = uint64(b)
		}
		var sealed []byte // CURVE: the frame, opened
		if p.cc != nil {
			// The MESSAGE is bounded by what its frame may be (a command
			// or what is left of the maximum message size) plus the
			// MESSAGE overhead, before anything is allocated.
			limit := uint64(maxCommand)
			if max > 0 && uint64(max-total) > limit {
				limit = uint64(max - total)
			} else if max <= 0 {
				limit = 1<<63 - curveMsgOverhead
			}
			if size > limit+curveMsgOverhead {
				return nil, false, fmt.Errorf("%w (%d bytes announced, %d allowed)", errTooBig, total+int64(min(size, 1<<62)), max)
			}
			body, err := r.body(size)
			if err != nil {
				return nil, false, err
			}
			fl, sealed, err = p.cc.open(body)
			if err != nil {
				return nil, false, err
			}
			size = uint64(len(sealed))
		}
		if fl&flagCommand != 0 {
			if len(frames) > 0 && !(router && len(frames) == 1) || fl&flagMore != 0 {
				return nil, false, errors.New("zmq: command frame inside a message")
			}
			limit := uint64(maxCommand)
			if max > 0 && uint64(max) > limit {
				limit = uint64(max)
			}
			if size > limit || size == 0 {
				return nil, false, fmt.Errorf("zmq: invalid command of %d bytes", size)
			}
			if sealed != nil {
				return Msg{sealed}, true, nil
			}
			body, err := r.body(size)
			if err != nil {
				return nil, false, err
			}
			return Msg{body}, true, nil
		}
		if max > 0 && size > uint64(max-total) {
			return nil, false, fmt.Errorf("%w (%d bytes announced, %d allowed)", errTooBig, total+int64(min(size, 1<<62)), max)
		}
		body := sealed
		if body == nil {
			var err error
			if body, err = r.body(size); err != nil {
				return nil, false, err
			}
		}
		total += int64(size)
		frames = append(frames, body)
		if fl&flagMore == 0 {
			break
		}
	}
	p.rdMsgs++
	p.rdBytes += uint64(total)
	n := len(frames)
	if n <= len(p.fslab) {
		// The frames live in the slab: cap them so that an append by the
		// application cannot overwrite the next message's frames.
		m := Msg(frames[:n:n])
		p.fslab = p.fslab[n:]
		return m, false, nil
	}
	return Msg(frames), false, nil
}

// command handles a command in the data phase. PING is answered with PONG
// (echoing the context, ZMTP 3.1), SUBSCRIBE and CANCEL update a PUB's
// filters, ERROR ends the connection, anything else is ignored.
func (p *peer) command(body []byte) error {
	n := int(body[0])
	if n > len(body)-1 {
		return errors.New("zmq: malformed command")
	}
	name, data := string(body[1:1+n]), body[1+n:]
	switch name {
	case zmq4.CmdPing:
		if len(data) < 2 {
			return errors.New("zmq: malformed PING")
		}
		p.peerTTL.Store(int64(binary.BigEndian.Uint16(data)) * int64(100*time.Millisecond))
		ctx := data[2:]
		if len(ctx) > 16 {
			ctx = ctx[:16]
		}
		p.sendCommand(zmq4.CmdPong, ctx)
	case zmq4.CmdPong:
		// lastRecv is updated by every read.
	case zmq4.CmdSubscribe:
		p.c.peerSubscription(p, true, data)
	case "CANCEL":
		p.c.peerSubscription(p, false, data)
	case zmq4.CmdError:
		reason := ""
		if len(data) > 0 && int(data[0]) <= len(data)-1 {
			reason = string(data[1 : 1+int(data[0])])
		}
		return fmt.Errorf("zmq: peer sent ERROR %q", reason)
	}
	return nil
}

// handshakeGuard wraps a connection during zmq4.Open. It follows the ZMTP
// framing of the bytes zmq4 reads and fails the read that completes a
// frame header zmq4 must not act on, before zmq4 allocates anything for
// it: a frame that is not a lone command (flags other than 0x04 or 0x06:
// zmq4 v0.17.0's Conn.read keeps appending frames while MORE is set, for
// the whole handshake, where libzmq closes the connection at the first such
// frame), a frame larger than maxHandshakeFrame (zmq4 makes a buffer of
// whatever size the peer announces, up to 2^63; go-zeromq/zmq4 pull
// request #161, open, bounds it at 1 GiB), and any frame that would take
// the handshake as a whole past maxHandshakeBytes or maxHandshakeFrames.
// What the handshake may cost is thus bounded whatever the peer sends
// within the handshake timeout.
type handshakeGuard struct {
	net.Conn
	greeting int    // greeting bytes still to pass (64 in all)
	state    int    // 0: flags next; 1: short size; 2..9: long size bytes; 10: body
	size     uint64 // size being assembled
	body     uint64 // body bytes still to pass
	total    uint64 // bytes announced by the frames so far (headers and bodies)
	frames   int    // frames so far
}

// Bounds of a whole handshake after the greeting, checked by
// handshakeGuard. The largest handshakes are a few hundred bytes in one to
// three commands (PLAIN's HELLO and INITIATE; READY with the metadata).
const (
	maxHandshakeBytes  = 64 << 10
	maxHandshakeFrames = 8
)

func (g *handshakeGuard) Read(b []byte) (int, error) {
	n, err := g.Conn.Read(b)
	for _, c := range b[:n] {
		if g.greeting > 0 {
			g.greeting--
			continue
		}
		switch {
		case g.state == 0:
			if c != flagCommand && c != flagCommand|flagLong {
				return 0, fmt.Errorf("zmq: handshake frame with flags %#x, want a command", c)
			}
			if g.frames++; g.frames > maxHandshakeFrames {
				return 0, fmt.Errorf("zmq: handshake of more than %d commands", maxHandshakeFrames)
			}
			g.size = 0
			if c&flagLong != 0 {
				g.state = 2
				g.total += 9
			} else {
				g.state = 1
				g.total += 2
			}
		case g.state == 1 || g.state >= 2 && g.state <= 9:
			g.size = g.size<<8 | uint64(c)
			if g.state == 1 || g.state == 9 {
				if g.size > maxHandshakeFrame {
					return 0, fmt.Errorf("zmq: handshake frame of %d bytes exceeds %d", g.size, maxHandshakeFrame)
				}
				if g.total += g.size; g.total > maxHandshakeBytes {
					return 0, fmt.Errorf("zmq: handshake of more than %d bytes", maxHandshakeBytes)
				}
				g.body = g.size
				g.state = 10
				if g.body == 0 {
					g.state = 0
				}
			} else {
				g.state++
			}
		case g.state == 10:
			g.body--
			if g.body == 0 {
				g.state = 0
			}
		}
	}
	return n, err
}

// openZMTP runs the ZMTP handshake on conn. zmq4 v0.17.0 panics on some
// malformed input (SocketType.IsCompatible panics on an unknown peer socket
// type; Property.Write indexes past truncated metadata); a bad peer must
// not crash the program, so a panic becomes an error (TestGarbageHandshakes).
func openZMTP(conn net.Conn, sec zmq4.Security, typ zmq4.SocketType, id []byte, server bool) (zc *zmq4.Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			zc, err = nil, fmt.Errorf("zmq: handshake: malformed peer input: %v", r)
		}
	}()
	return zmq4.Open(&handshakeGuard{Conn: conn, greeting: 64}, sec, typ, zmq4.SocketIdentity(id), server, nil)
}
