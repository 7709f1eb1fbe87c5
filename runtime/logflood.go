package runtime

// Log lines for conditions a peer can repeat thousands of times a second:
// messages that do not decode, replies dropped for a peer that never
// reads, a subscriber flapping at its high-water mark, failed handshakes
// from a port scanner or a client with the wrong password. libzmq logs
// none of these; we log each condition when it starts and when it ends,
// with counts, and never more than one pair of lines per logInterval for
// one condition, so that a careless or hostile peer cannot fill the disk
// or drown the lines that matter.

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// logInterval is the least time between two log lines of one recurring
// condition.
const logInterval = 10 * time.Second

// A logLimiter spaces out the lines of one recurring event that has no
// natural end (a message that does not decode, a failed handshake): the
// first occurrence is logged, then at most one per logInterval, each line
// saying how many occurrences were not logged since the previous one.
type logLimiter struct {
	mu     sync.Mutex
	next   time.Time    // no line before this
	hidden atomic.Int64 // occurrences not logged since the last line
}

// note records one occurrence; it reports whether to log it and, if so,
// how many occurrences before it were not logged.
func (l *logLimiter) note() (log bool, hidden int64) {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.next) {
		l.hidden.Add(1)
		return false, 0
	}
	l.next = now.Add(logInterval)
	return true, l.hidden.Swap(0)
}

// warn logs a line of l's event at Warn, or at Debug when it comes less
// than logInterval after the last Warn; a Warn line counts the lines
// since the last one that went to Debug (not_logged). A nil l logs every
// line at Warn.
func (l *logLimiter) warn(log *slog.Logger, msg string, args ...any) {
	if l == nil {
		log.Warn(msg, args...)
		return
	}
	ok, hidden := l.note()
	if !ok {
		log.Debug(msg, args...)
		return
	}
	if hidden > 0 {
		args = append(args, "not_logged", hidden)
	}
	log.Warn(msg, args...)
}

// flush reports the occurrences not logged yet, and forgets them, so that
// a line saying the condition ended can count them. It costs one atomic
// load when there are none.
func (l *logLimiter) flush() int64 {
	if l.hidden.Load() == 0 {
		return 0
	}
	return l.hidden.Swap(0)
}

// A dropRun is a condition of one peer that starts and ends: messages for
// it are being dropped (it is at its high-water mark, or gone). Its owner
// guards it. The start of a run is logged (drop reports true) and so is
// its end, with the number of messages dropped (end reports it); when the
// peer flaps in and out of the condition, runs starting less than
// logInterval after the last logged one are not logged, and their drops
// are counted into the next end line that is.
type dropRun struct {
	on      bool      // a run is going on
	logged  bool      // the current run's start was logged
	n       int64     // drops not yet reported in an end line
	runs    int64     // runs whose drops n counts
	lastLog time.Time // when a run's start was last logged
}

// drop records a dropped message; it reports whether it starts a run
// whose start should be logged.
func (r *dropRun) drop() bool {
	r.n++
	if r.on {
		return false // small enough to inline: a flooding PUB calls it per subscriber and message
	}
	return r.start()
}

// start starts a run (drop's slow path).
func (r *dropRun) start() bool {
	r.on = true
	r.runs++
	now := time.Now()
	r.logged = r.lastLog.IsZero() || now.Sub(r.lastLog) >= logInterval
	if r.logged {
		r.lastLog = now
	}
	return r.logged
}

// end records that a message went through again. It reports whether a
// run ends whose end should be logged, with the messages dropped and the
// runs since the last end line.
func (r *dropRun) end() (log bool, dropped, runs int64) {
	if !r.on {
		return false, 0, 0
	}
	r.on = false
	if !r.logged {
		return false, 0, 0
	}
	dropped, runs = r.n, r.runs
	r.n, r.runs = 0, 0
	return true, dropped, runs
}
