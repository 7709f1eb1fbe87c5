package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"sync"
)

// Output: every process's lines on up's stdout, each after the process's
// name.

// isTerminal reports whether w is a terminal that takes colours.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("NO_COLOR") != "" || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// prefixColors are the ANSI colours of the names, in turn, as docker
// compose picks them.
var prefixColors = []string{"36", "33", "32", "35", "34", "96", "93", "92", "95", "94"}

// setPrefixes gives each process its prefix: its name, padded to the
// longest, and coloured if color is set.
func setPrefixes(procs []*proc, color bool) {
	width := 0
	for _, p := range procs {
		width = max(width, len(p.name))
	}
	for i, p := range procs {
		name := fmt.Sprintf("%-*s |", width, p.name)
		if color {
			name = "\x1b[" + prefixColors[i%len(prefixColors)] + "m" + name + "\x1b[0m"
		}
		p.prefix = name + " "
	}
}

// output serializes whole lines from every process onto one writer.
type output struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

func (o *output) line(prefix string, text []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	// One write per line: when stdout and stderr are the same pipe or
	// terminal, up's own messages on stderr then fall between lines, never
	// inside one.
	o.buf = append(append(o.buf[:0], prefix...), text...)
	o.w.Write(o.buf)
}

// maxLine bounds how much of a line without a newline is held back; a
// longer one is shown in pieces.
const maxLine = 64 << 10

// A lineWriter receives one stream of a process and passes it on to the
// output line by line, each line after the process's prefix.
type lineWriter struct {
	out    *output
	prefix string
	buf    []byte
	watch  func(line []byte) // if not nil, sees each line (up -ui reads the metrics address)
}

func (l *lineWriter) Write(b []byte) (int, error) {
	l.buf = append(l.buf, b...)
	start := 0
	for {
		i := bytes.IndexByte(l.buf[start:], '\n')
		if i < 0 {
			break
		}
		if l.watch != nil {
			l.watch(l.buf[start : start+i+1])
		}
		l.out.line(l.prefix, l.buf[start:start+i+1])
		start += i + 1
	}
	if len(l.buf)-start > maxLine {
		l.out.line(l.prefix, append(l.buf[start:], '\n'))
		start = len(l.buf)
	}
	l.buf = append(l.buf[:0], l.buf[start:]...)
	return len(b), nil
}

// flush shows a last line that had no newline.
func (l *lineWriter) flush() {
	if len(l.buf) > 0 {
		l.out.line(l.prefix, append(l.buf, '\n'))
		l.buf = l.buf[:0]
	}
}
