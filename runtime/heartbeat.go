package runtime

// Heartbeats at two levels.
//
// ZMTP heartbeats (WithHeartbeat): on each connection of the socket, a
// PING command (ZMTP 3.1, RFC 37) every Interval, announcing a TTL of
// Interval×Liveness; a peer from which nothing at all (messages, commands,
// PONGs) arrived for Interval×Liveness after a PING is disconnected, and if this side
// connected, the engine dials again with the reconnect backoff. A peer whose
// own PINGs announce a shorter TTL is held to that TTL instead. Answering
// the peer's PINGs with PONG is the engine's job (conn.go) and needs no
// option. libzmq does the same with ZMQ_HEARTBEAT_IVL and
// ZMQ_HEARTBEAT_TIMEOUT.
//
// Application heartbeats (Liveness): the Paranoid Pirate pattern of the
// guide's chapter 4, where worker and queue exchange heartbeat messages of
// their own and each side decides when the other is dead, reconnecting
// with a doubling backoff. Liveness keeps that arithmetic, so that
// generated code and handlers need only say what a heartbeat is.

import (
	"container/heap"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

// defaultLiveness is the number of silent intervals after which a peer is
// considered dead when a Heartbeat leaves Liveness at 0, as the guide's
// HEARTBEAT_LIVENESS.
const defaultLiveness = 3

// errHeartbeatTimeout is the reason a silent peer's connection is closed.
var errHeartbeatTimeout = errors.New("zmq: heartbeat timeout")

func init() {
	// The engine calls heartbeatHook for each new peer of a socket that has
	// a heartbeat Interval (engine.go, runPeer).
	heartbeatHook = startHeartbeat
}

// heartbeats runs the ZMTP heartbeats of all a socket's peers in one
// goroutine with one timer, as libzmq runs them on its I/O thread's
// timers: a goroutine and a timer per peer cost a 10,000-peer socket
// 10,000 of each. The loop starts with the first peer and ends when the
// socket closes.
type heartbeats struct {
	mu    sync.Mutex
	added []*hbPeer     // peers the loop has not taken yet
	wake  chan struct{} // cap 1: a peer was added; made when the loop starts
}

// hbPeer is a peer's heartbeat state, which only the loop touches.
type hbPeer struct {
	p        *peer
	nextPing time.Time
	pinged   time.Time // the first PING since the peer's last traffic; zero if none
	at       time.Time // when the loop looks at the peer next
}

// hbQueue is a min-heap of peers by hbPeer.at.
type hbQueue []*hbPeer

func (q hbQueue) Len() int           { return len(q) }
func (q hbQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q hbQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *hbQueue) Push(x any)        { *q = append(*q, x.(*hbPeer)) }
func (q *hbQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return x
}

// startHeartbeat starts heartbeats on a peer that finished its handshake.
func startHeartbeat(p *peer) {
	h := p.c.o.heartbeat
	if h.Interval <= 0 {
		return
	}
	if h.Liveness <= 0 {
		h.Liveness = defaultLiveness
	}
	first := time.Now().Add(h.Interval)
	hb := &p.c.hb
	hb.mu.Lock()
	hb.added = append(hb.added, &hbPeer{p: p, nextPing: first, at: first})
	start := hb.wake == nil
	if start {
		hb.wake = make(chan struct{}, 1)
	}
	wake := hb.wake
	hb.mu.Unlock()
	if start {
		c := p.c
		c.spawn(func() { heartbeatLoop(c, h, wake) })
	}
	select {
	case wake <- struct{}{}:
	default:
	}
}

// pingBody is the body of a PING command after its name: the TTL in tenths
// of a second (rounded up, at most 0xFFFF), and an empty context.
func pingBody(ttl time.Duration) []byte {
	ds := (ttl + 100*time.Millisecond - 1) / (100 * time.Millisecond)
	if ds > 0xFFFF {
		ds = 0xFFFF
	}
	return []byte{byte(ds >> 8), byte(ds)}
}

// heartbeatLoop looks at each of c's peers when it is due: it sends a PING
// every Interval and disconnects a peer when nothing at all came from it
// for Interval×Liveness after a PING, or for the TTL of the peer's own
// PINGs. A peer leaves the loop when its connection ends; the loop ends
// when the socket closes.
//
// As libzmq's ZMQ_HEARTBEAT_TIMEOUT, the count starts at the first PING
// sent since the peer was last heard from, not at that last traffic: a
// peer is never dropped without having been asked, and a heartbeat
// goroutine (or a writer) that a busy machine starved for a while cannot
// find a peer silent that was never pinged.
func heartbeatLoop(c *engine, h Heartbeat, wake <-chan struct{}) {
	timeout := h.Interval * time.Duration(h.Liveness)
	body := pingBody(timeout)
	var q hbQueue
	t := time.NewTimer(h.Interval)
	defer t.Stop()
	for {
		c.hb.mu.Lock()
		added := c.hb.added
		c.hb.added = nil
		c.hb.mu.Unlock()
		for _, x := range added {
			heap.Push(&q, x)
		}
		now := time.Now()
		for len(q) > 0 && !q[0].at.After(now) {
			if heartbeat(q[0], now, timeout, body, h) {
				heap.Fix(&q, 0)
			} else {
				heap.Pop(&q)
			}
		}
		if len(q) > 0 {
			t.Reset(q[0].at.Sub(now))
		}
		select {
		case <-c.closing:
			return
		case <-wake:
		case <-t.C:
		}
	}
}

// heartbeat looks at one peer at now: it disconnects the peer if it has
// been silent too long, sends a PING if one is due, and sets when to look
// again. It reports false when the peer is gone (no more heartbeats).
func heartbeat(x *hbPeer, now time.Time, timeout time.Duration, body []byte, h Heartbeat) bool {
	p := x.p
	select {
	case <-p.done:
		return false
	default:
	}
	last := p.lastActivity()
	if p.stalled.Load() {
		// The reader waits for the application to take this peer's
		// messages and reads nothing meanwhile: the silence is ours,
		// not the peer's. (Once it resumes, it restarts lastRecv.)
		last = now
	}
	if !x.pinged.IsZero() && !last.Before(x.pinged) {
		x.pinged = time.Time{} // answered (or other traffic): start again
	}
	silent := now.Sub(last)
	expired := !x.pinged.IsZero() && now.Sub(x.pinged) >= timeout
	ttl := p.peerPingTTL()
	if ttl > 0 && silent >= ttl {
		// The peer's PINGs promise traffic within their TTL (ZMTP
		// 3.1); libzmq holds a peer to it, and so do we.
		expired = true
	}
	if expired {
		p.c.log.Warn("zmq: peer silent, disconnecting", "remote", p.remote,
			"silent", silent.Round(time.Millisecond), "interval", h.Interval, "liveness", h.Liveness)
		p.fail(fmt.Errorf("%w: nothing received for %v", errHeartbeatTimeout, silent.Round(time.Millisecond)))
		return false
	}
	if !now.Before(x.nextPing) {
		if !p.sendCommand(zmq4.CmdPing, body) {
			return false
		}
		if x.pinged.IsZero() {
			x.pinged = now
		}
		x.nextPing = now.Add(h.Interval)
	}
	next := x.nextPing
	if !x.pinged.IsZero() && x.pinged.Add(timeout).Before(next) {
		next = x.pinged.Add(timeout)
	}
	if ttl > 0 && last.Add(ttl).Before(next) {
		next = last.Add(ttl)
	}
	x.at = now.Add(max(next.Sub(now), time.Millisecond))
	return true
}

// Liveness tracks a peer's application-level heartbeats, as the Paranoid
// Pirate worker and queue of the guide do: the peer is alive while it was
// heard from (any message counts) within Heartbeat.Interval ×
// Heartbeat.Liveness; our own heartbeat is due every Interval; after the
// peer is declared dead, the wait before reconnecting starts at
// Backoff.Initial and doubles at each consecutive failure up to Backoff.Max.
//
// It reads no clock itself: every method takes the current time, so the
// caller's loop (and its tests) decide what "now" is. A worker's loop:
//
//	lv := runtime.NewLiveness(hb, backoff, time.Now())
//	for {
//		// wait for a message for at most lv.Wait(time.Now())
//		now := time.Now()
//		if got a message { lv.Beat(now); handle it }
//		if lv.Expired(now) {
//			time.Sleep(lv.NextBackoff())
//			// close and reopen the socket, send READY
//			lv.Restart(time.Now())
//		}
//		if lv.Due(now) { send a heartbeat }
//	}
//
// A Liveness is not safe for concurrent use.
type Liveness struct {
	hb       Heartbeat
	backoff  Backoff
	heard    time.Time     // when the peer was last heard, or the last (re)start
	nextSend time.Time     // when our next heartbeat is due
	wait     time.Duration // the next reconnect backoff
}

// NewLiveness returns a tracker that starts at now with full liveness. A
// Liveness of 0 in h means 3; a Backoff.Initial of 0 means Interval.
func NewLiveness(h Heartbeat, b Backoff, now time.Time) *Liveness {
	if h.Liveness <= 0 {
		h.Liveness = defaultLiveness
	}
	if b.Initial <= 0 {
		b.Initial = h.Interval
	}
	return &Liveness{hb: h, backoff: b, heard: now, nextSend: now.Add(h.Interval), wait: b.Initial}
}

// Beat records that the peer was heard from at now: full liveness again,
// and the reconnect backoff back to its initial value.
func (l *Liveness) Beat(now time.Time) {
	if now.After(l.heard) {
		l.heard = now
	}
	l.wait = l.backoff.Initial
}

// Expired reports whether the peer has been silent for Interval×Liveness.
func (l *Liveness) Expired(now time.Time) bool {
	return now.Sub(l.heard) >= l.timeout()
}

// Left returns how many whole intervals of silence remain before the peer
// is declared dead (the guide's liveness counter), 0 once it is.
func (l *Liveness) Left(now time.Time) int {
	if l.Expired(now) {
		return 0
	}
	return l.hb.Liveness - int(now.Sub(l.heard)/l.hb.Interval)
}

// Due reports whether our heartbeat should be sent at now; when it does,
// the next one is due an Interval later.
func (l *Liveness) Due(now time.Time) bool {
	if now.Before(l.nextSend) {
		return false
	}
	l.nextSend = now.Add(l.hb.Interval)
	return true
}

// Wait returns how long the caller may wait for a message before it must
// look at the tracker again: until our next heartbeat is due or the peer
// expires, whichever is first (0 if that is already past).
func (l *Liveness) Wait(now time.Time) time.Duration {
	next := l.nextSend
	if exp := l.heard.Add(l.timeout()); exp.Before(next) {
		next = exp
	}
	return max(next.Sub(now), 0)
}

// NextBackoff returns how long to wait before reconnecting to a dead peer,
// and doubles the wait for the next failure, up to Backoff.Max (with a Max
// at or below Initial, the wait stays at Initial).
func (l *Liveness) NextBackoff() time.Duration {
	w := l.wait
	if l.backoff.Max > l.backoff.Initial {
		l.wait = min(2*l.wait, l.backoff.Max)
	}
	return w
}

// Restart gives the peer full liveness again after a reconnect at now,
// keeping the backoff (it resets only when the peer is heard from), and
// makes our heartbeat due an Interval later.
func (l *Liveness) Restart(now time.Time) {
	l.heard = now
	l.nextSend = now.Add(l.hb.Interval)
}

func (l *Liveness) timeout() time.Duration {
	return l.hb.Interval * time.Duration(l.hb.Liveness)
}
