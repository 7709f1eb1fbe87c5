package dsl

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// messy is valid but laid out badly, with comments in every kind of place.
const messy = `// head comment

/* block
   doc */ topology  x // after the header
message A=json{a int // a's trailing
// b's doc
b { c []string d { e int } } }
message Unit = multipart { id bytes  body string }
node n { /* after brace */ replicas 2 // r
  param p /* inside */ int = 3
  socket s PUSH { connect "tcp://localhost:1" hwm 5 linger 0 // lc
     retry { timeout 1s // t
     retries 3 }
   reconnect{initial 1s max 2s}


   send A
   // dangling at the end of the socket
  } // after socket
  // end of node
}
node m { socket s PULL { bind "tcp://*:1" recv A } socket u PUSH { bind "inproc://u" send Unit } }
// final comment
`

const messyFormatted = `// head comment

/* block
   doc */
topology x // after the header

message A = json {
    a int // a's trailing
    // b's doc
    b {
        c []string
        d {
            e int
        }
    }
}

message Unit = multipart {
    id bytes
    body string
}

node n { /* after brace */
    replicas 2 // r
    param p int = 3 /* inside */
    socket s PUSH {
        connect "tcp://localhost:1"
        hwm 5
        linger 0 // lc
        retry {
            timeout 1s // t
            retries 3
        }
        reconnect { initial 1s max 2s }

        send A
        // dangling at the end of the socket
    } // after socket
    // end of node
}

node m {
    socket s PULL {
        bind "tcp://*:1"
        recv A
    }
    socket u PUSH {
        bind "inproc://u"
        send Unit
    }
}

// final comment
`

func TestFormatLayout(t *testing.T) {
	out, diags := Format("messy.ztopo", []byte(messy))
	if diags != nil {
		t.Fatal(diags)
	}
	if string(out) != messyFormatted {
		t.Errorf("got:\n%s\nwant:\n%s", out, messyFormatted)
	}
	checkFormatted(t, "messy.ztopo", []byte(messy))
}

// checkFormatted asserts the formatter's three promises for src: every
// comment survives, formatting twice gives the same bytes, and the
// formatted file compiles to the same model, docs included.
func checkFormatted(t *testing.T, name string, src []byte) {
	t.Helper()
	out, diags := Format(name, src)
	if diags != nil {
		t.Fatalf("format: %v", diags)
	}
	for _, tok := range syntax.Tokens(name, src) {
		if syntax.IsComment(tok) && !bytes.Contains(out, []byte(printedComment(tok))) {
			t.Errorf("comment %q lost", tok.Value)
		}
	}
	again, _ := Format(name, out)
	if !bytes.Equal(out, again) {
		t.Errorf("not idempotent; first:\n%s\nsecond:\n%s", out, again)
	}
	m1, d1 := Compile(name, src)
	m2, d2 := Compile(name, out)
	if d1.HasErrors() != d2.HasErrors() || len(d1) != len(d2) {
		t.Errorf("diagnostics changed: before %v, after %v", d1, d2)
	}
	if !reflect.DeepEqual(m1, m2) {
		t.Errorf("formatting changed the model")
	}
}

// TestFormatTopologies: every checked-in topology and every golden case
// keeps its meaning and comments, and formats idempotently.
func TestFormatTopologies(t *testing.T) {
	files, _ := filepath.Glob("../topologies/*/*.ztopo")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) { checkFormatted(t, f, src) })
	}
	for _, c := range goldenInputs(t) {
		if _, d := Format(c.name, c.src); d != nil {
			continue // syntax error cases
		}
		t.Run(c.name, func(t *testing.T) { checkFormatted(t, c.name, c.src) })
	}
}

func TestFormatSyntaxError(t *testing.T) {
	out, diags := Format("bad.ztopo", []byte("topology t\nnode a {\n"))
	if out != nil || !diags.HasErrors() {
		t.Fatalf("want a diagnostic and no output, got %q %v", out, diags)
	}
	if got := diags[0].String(); !strings.HasPrefix(got, "bad.ztopo:3:1: error: ") {
		t.Errorf("diagnostic = %q", got)
	}
}

func TestFormatCRLF(t *testing.T) {
	src := "topology t // x\r\n\r\nnode a {\r\n    socket s PUSH {\r\n        bind \"tcp://*:1\"\r\n        send string\r\n    }\r\n}\r\n"
	out, diags := Format("crlf.ztopo", []byte(src))
	if diags != nil {
		t.Fatal(diags)
	}
	if want := strings.ReplaceAll(src, "\r\n", "\n"); string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

// TestFormatConstants: a constant keeps its literal as written (escapes
// and all), and several send and recv statements keep their order.
func TestFormatConstants(t *testing.T) {
	src := "topology t\n// ready\nmessage   Ready=\"\\x01\"   // trailing\nmessage Hb = \"\\002\"\nmessage Text = string\n" +
		"node a { socket s PUSH { bind \"tcp://*:5000\" send Text send   Ready send Hb } }\n" +
		"node b { socket s PULL { connect a.s recv Hb recv Ready recv Text } }\n"
	want := `topology t

// ready
message Ready = "\x01" // trailing

message Hb = "\002"

message Text = string

node a {
    socket s PUSH {
        bind "tcp://*:5000"
        send Text
        send Ready
        send Hb
    }
}

node b {
    socket s PULL {
        connect a.s
        recv Hb
        recv Ready
        recv Text
    }
}
`
	out, diags := Format("c.ztopo", []byte(src))
	if diags != nil {
		t.Fatal(diags)
	}
	if string(out) != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
	checkFormatted(t, "c.ztopo", []byte(src))
	m, diags := Compile("c.ztopo", out)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	recv := m.Node("b").Socket("s").Recv
	if len(recv) != 3 || recv[0].Name != "Hb" || recv[1].Name != "Ready" || recv[2].Name != "Text" ||
		recv[0].Kind != model.Const || string(recv[0].Value) != "\x02" || string(recv[1].Value) != "\x01" {
		t.Errorf("b.s receives %v", recv)
	}
}
