package pyrepr

import (
	"encoding/hex"
	"os/exec"
	"strings"
	"testing"
)

var cases = [][]byte{
	nil,
	[]byte("Hello"),
	[]byte("\x00k\x8bEg"),
	[]byte(`it's`),
	[]byte(`both ' and "`),
	[]byte(`say "hi"`),
	[]byte("tab\tnl\nret\rbs\\del\x7f"),
	[]byte("\xff\x80 caf\xc3\xa9"),
}

func TestGuideExamples(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want string
	}{
		{[]byte("10001"), `b'10001'`},
		{[]byte("\x00k\x8bEg"), `b'\x00k\x8bEg'`},
		{nil, `b''`},
	} {
		if got := Bytes(tc.in); got != tc.want {
			t.Errorf("Bytes(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	if got, want := List([][]byte{[]byte("\x00k\x8bEg"), {}, []byte("Hello")}), `[b'\x00k\x8bEg', b'', b'Hello']`; got != want {
		t.Errorf("List = %s, want %s", got, want)
	}
}

// TestMatchesCPython compares with what CPython prints for the same bytes.
func TestMatchesCPython(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("no /usr/bin/python3")
	}
	var args []string
	for _, c := range cases {
		args = append(args, hex.EncodeToString(c))
	}
	script := "import sys\nbs=[bytes.fromhex(a) for a in sys.argv[1:]]\nfor b in bs: print(b)\nprint(bs)\n"
	out, err := exec.Command(py, append([]string{"-c", script}, args...)...).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	var got []string
	for _, c := range cases {
		got = append(got, Bytes(c))
	}
	got = append(got, List(cases))
	if g, w := strings.Join(got, "\n")+"\n", string(out); g != w {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}

func TestParseListRoundTrip(t *testing.T) {
	got, err := ParseList(List(cases))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(cases) {
		t.Fatalf("got %d frames, want %d", len(got), len(cases))
	}
	for i := range cases {
		if string(got[i]) != string(cases[i]) {
			t.Errorf("frame %d = %q, want %q", i, got[i], cases[i])
		}
	}
	for _, bad := range []string{"", "[", "[b'x'", "[b'x' b'y']", "[b'\\x4']", "[x'']"} {
		if _, err := ParseList(bad); err == nil {
			t.Errorf("ParseList(%q) succeeded, want an error", bad)
		}
	}
}
