package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

func TestLineWriter(t *testing.T) {
	var buf bytes.Buffer
	o := &output{w: &buf}
	a := &lineWriter{out: o, prefix: "a | "}
	b := &lineWriter{out: o, prefix: "b | "}
	a.Write([]byte("one\ntw"))
	b.Write([]byte("x"))
	a.Write([]byte("o\nthree"))
	b.Write([]byte("y\n"))
	a.flush()
	b.flush()
	if want := "a | one\na | two\nb | xy\na | three\n"; buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	buf.Reset()
	a.Write(bytes.Repeat([]byte("z"), maxLine+10))
	if n := strings.Count(buf.String(), "\n"); n != 1 {
		t.Errorf("an overlong line came out as %d lines, want 1 now", n)
	}
}

// writeRecorder keeps every Write call apart.
type writeRecorder struct{ writes []string }

func (w *writeRecorder) Write(b []byte) (int, error) {
	w.writes = append(w.writes, string(b))
	return len(b), nil
}

// TestLineWriterOneWritePerLine checks that each line reaches the output
// in one write, so that up's messages on stderr cannot land inside one.
func TestLineWriterOneWritePerLine(t *testing.T) {
	var rec writeRecorder
	l := &lineWriter{out: &output{w: &rec}, prefix: "a | "}
	l.Write([]byte("one\ntwo\nthr"))
	l.Write([]byte("ee\n"))
	if want := []string{"a | one\n", "a | two\n", "a | three\n"}; fmt.Sprint(rec.writes) != fmt.Sprint(want) {
		t.Errorf("writes %q, want %q", rec.writes, want)
	}
}

func TestUpColor(t *testing.T) {
	s := newSupervisor([]*proc{{name: "server1"}, {name: "c"}}, &bytes.Buffer{}, &bytes.Buffer{}, true)
	if got, want := s.procs[1].prefix, "\x1b[33mc       |\x1b[0m "; got != want {
		t.Errorf("coloured prefix %q, want %q", got, want)
	}
	s = newSupervisor([]*proc{{name: "server1"}, {name: "c"}}, &bytes.Buffer{}, &bytes.Buffer{}, false)
	if got, want := s.procs[1].prefix, "c       | "; got != want {
		t.Errorf("plain prefix %q, want %q", got, want)
	}
}
