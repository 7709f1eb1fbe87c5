package runtime

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"
)

// codecWork is what zmqgen generates for `message Work = json { num int name string }`.
type codecWork struct {
	Num  int64  `json:"num"`
	Name string `json:"name"`
}

func (w *codecWork) MarshalZMQ() (Msg, error) { return EncodeJSON(w) }
func (w *codecWork) UnmarshalZMQ(m Msg) error { return DecodeJSON(m, w) }

// codecEnvelope is what zmqgen generates for
// `message Envelope = multipart { id bytes n int ratio float ok bool body string }`.
type codecEnvelope struct {
	ID    []byte
	N     int64
	Ratio float64
	OK    bool
	Body  string
}

func (e *codecEnvelope) MarshalZMQ() (Msg, error) {
	return Msg{e.ID, IntFrame(e.N), FloatFrame(e.Ratio), BoolFrame(e.OK), StringFrame(e.Body)}, nil
}

func (e *codecEnvelope) UnmarshalZMQ(m Msg) error {
	r := NewFrameReader(m, "Envelope", 5)
	e.ID = r.Bytes("id")
	e.N = r.Int("n")
	e.Ratio = r.Float("ratio")
	e.OK = r.Bool("ok")
	e.Body = r.String("body")
	return r.Err()
}

func TestJSONRoundTrip(t *testing.T) {
	m, err := (&codecWork{Num: 42, Name: "héllo"}).MarshalZMQ()
	if err != nil {
		t.Fatal(err)
	}
	if len(m) != 1 || string(m[0]) != `{"num":42,"name":"héllo"}` {
		t.Errorf("encoded %q", m)
	}
	var w codecWork
	if err := w.UnmarshalZMQ(Msg{[]byte(` {"num": 7, "name": "x", "extra": [1]}`)}); err != nil {
		t.Fatal(err)
	}
	if w != (codecWork{Num: 7, Name: "x"}) {
		t.Errorf("decoded %+v", w)
	}
}

func TestDecodeJSONErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    Msg
		want string
	}{
		{"two frames", Msg{[]byte("{}"), []byte("{}")}, "JSON message has 2 frames, want 1"},
		{"no frames", Msg{}, "JSON message has 0 frames, want 1"},
		{"null", Msg{[]byte("null")}, `decoding JSON into *runtime.codecWork: frame "null" is not a JSON object`},
		{"array", Msg{[]byte("[1]")}, "is not a JSON object"},
		{"empty", Msg{[]byte("")}, `frame "" is not a JSON object`},
		{"syntax", Msg{[]byte(`{"num": 1,}`)}, "at offset 11 of"},
		{"wrong type", Msg{[]byte(`{"num": "seven"}`)}, "decoding JSON into *runtime.codecWork: json: cannot unmarshal string into Go struct field codecWork.num of type int64"},
		{"trailing", Msg{[]byte(`{} x`)}, "invalid character 'x' after top-level value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w codecWork
			err := DecodeJSON(tc.m, &w)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("DecodeJSON(%q) = %v, want an error containing %q", tc.m, err, tc.want)
			}
		})
	}
}

func TestEncodeJSONError(t *testing.T) {
	_, err := EncodeJSON(map[string]any{"f": math.Inf(1)})
	if err == nil || !strings.Contains(err.Error(), "encoding map[string]interface {} as JSON") {
		t.Errorf("EncodeJSON(+Inf) = %v, want an error naming the type", err)
	}
}

func TestMultipartRoundTrip(t *testing.T) {
	in := codecEnvelope{ID: []byte{0, 1, 2}, N: -12, Ratio: 0.1, OK: true, Body: "ok ✓"}
	m, err := in.MarshalZMQ()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"\x00\x01\x02", "-12", "0.1", "true", "ok ✓"}
	for i, f := range m {
		if string(f) != want[i] {
			t.Errorf("frame %d = %q, want %q", i, f, want[i])
		}
	}
	var out codecEnvelope
	if err := out.UnmarshalZMQ(m); err != nil {
		t.Fatal(err)
	}
	if string(out.ID) != string(in.ID) || out.N != in.N || out.Ratio != in.Ratio || out.OK != in.OK || out.Body != in.Body {
		t.Errorf("round trip gave %+v, want %+v", out, in)
	}
	// What a Python peer sends: str(True), repr(1e-05).
	py := Msg{[]byte("id"), []byte("3"), []byte("1e-05"), []byte("True"), []byte("x")}
	if err := out.UnmarshalZMQ(py); err != nil || !out.OK || out.Ratio != 1e-05 {
		t.Errorf("Python-style frames gave %+v, %v", out, err)
	}
}

func TestMultipartErrors(t *testing.T) {
	good := func() Msg { return Msg{[]byte("id"), []byte("1"), []byte("2.5"), []byte("false"), []byte("b")} }
	for _, tc := range []struct {
		name string
		edit func(Msg) Msg
		want string
	}{
		{"too few", func(m Msg) Msg { return m[:2] }, "Envelope: multipart message has 2 frames, want 5"},
		{"too many", func(m Msg) Msg { return append(m, nil) }, "Envelope: multipart message has 6 frames, want 5"},
		{"int", func(m Msg) Msg { m[1] = []byte("1.5"); return m }, `Envelope: frame 1 (n): "1.5" is not an int`},
		{"float", func(m Msg) Msg { m[2] = []byte("abc"); return m }, `Envelope: frame 2 (ratio): "abc" is not a float`},
		{"bool", func(m Msg) Msg { m[3] = []byte("yes"); return m }, `Envelope: frame 3 (ok): "yes" is not a bool`},
		{"utf8", func(m Msg) Msg { m[4] = []byte{0xff}; return m }, `Envelope: frame 4 (body): "\xff" is not UTF-8 text`},
		{"first error sticks", func(m Msg) Msg { m[1] = []byte("x"); m[3] = []byte("y"); return m }, `Envelope: frame 1 (n): "x" is not an int`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e codecEnvelope
			err := e.UnmarshalZMQ(tc.edit(good()))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCheckFrames(t *testing.T) {
	if err := CheckFrames(Msg{nil, nil}, 2); err != nil {
		t.Error(err)
	}
	if err := CheckFrames(Msg{nil, nil}, 3); err == nil || err.Error() != "multipart message has 2 frames, want 3" {
		t.Errorf("CheckFrames = %v", err)
	}
}

func TestStringAndBytes(t *testing.T) {
	if s, err := DecodeString(StringMsg("héllo")); err != nil || s != "héllo" {
		t.Errorf("DecodeString = %q, %v", s, err)
	}
	if _, err := DecodeString(Msg{[]byte{0xc3}}); err == nil || !strings.Contains(err.Error(), "not UTF-8") {
		t.Errorf("DecodeString(invalid UTF-8) = %v", err)
	}
	if _, err := DecodeString(Msg{nil, nil}); err == nil || err.Error() != "string message has 2 frames, want 1" {
		t.Errorf("DecodeString(2 frames) = %v", err)
	}
	if b, err := DecodeBytes(BytesMsg([]byte{0, 255})); err != nil || string(b) != "\x00\xff" {
		t.Errorf("DecodeBytes = %q, %v", b, err)
	}
	if _, err := DecodeBytes(Msg{}); err == nil || err.Error() != "bytes message has 0 frames, want 1" {
		t.Errorf("DecodeBytes(0 frames) = %v", err)
	}
}

func TestRecvValueDropsUndecodableMessages(t *testing.T) {
	log, logs := newTestLogger()
	pull := NewSocket(PULL, WithName("worker.in"), WithLogger(log))
	defer pull.Close()
	if err := pull.Bind("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	push := NewSocket(PUSH)
	defer push.Close()
	if err := push.Connect(pull.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, m := range []Msg{{[]byte("not json")}, {[]byte("{}"), []byte("{}")}, {[]byte(`{"num":3}`)}} {
		if err := push.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	w, err := RecvValue[codecWork](ctx, pull)
	if err != nil {
		t.Fatal(err)
	}
	if w.Num != 3 {
		t.Errorf("RecvValue = %+v, want the third message", w)
	}
	out := logs.String()
	// The first is logged, the second counted (one line per logInterval)
	// and reported when a message decodes again.
	if n := strings.Count(out, "dropped a message that does not decode"); n != 1 {
		t.Errorf("logged %d drops, want 1: %s", n, out)
	}
	if !strings.Contains(out, "more messages that do not decode were dropped") || !strings.Contains(out, "not_logged=1") {
		t.Errorf("log does not count the second drop: %s", out)
	}
	for _, want := range []string{"level=WARN", "socket=worker.in", "frames=1", "is not a JSON object"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q: %s", want, out)
		}
	}

	// Cancellation ends the wait with the context's error.
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if _, err := RecvValue[codecWork](short, pull); err == nil {
		t.Error("RecvValue with nothing to receive returned no error")
	}
}
