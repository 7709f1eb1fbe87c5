package pyrand

import (
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// TestMatchesCPython draws the guide's kinds of numbers here and in
// CPython with the same seeds and compares them.
func TestMatchesCPython(t *testing.T) {
	py, err := exec.LookPath("/usr/bin/python3")
	if err != nil {
		t.Skip("no /usr/bin/python3")
	}
	const script = `
import random, sys
for seed in (1, 7, 42, 123456789, 2**40 + 3):
    random.seed(seed)
    print(" ".join(str(v) for v in
        [random.randrange(9999, 10005) for _ in range(50)] +
        [random.randrange(1, 215) - 80 for _ in range(50)] +
        [random.randint(1, 100) for _ in range(50)] +
        [random.randrange(1, 10005) for _ in range(50)] +
        [random.randint(0, 3) for _ in range(50)]))
`
	out, err := exec.Command(py, "-c", script).Output()
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	want := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, seed := range []int64{1, 7, 42, 123456789, 1<<40 + 3} {
		r := New(seed)
		var got []string
		for range 50 {
			got = append(got, fmt.Sprint(r.Randrange(9999, 10005)))
		}
		for range 50 {
			got = append(got, fmt.Sprint(r.Randrange(1, 215)-80))
		}
		for range 50 {
			got = append(got, fmt.Sprint(r.Randint(1, 100)))
		}
		for range 50 {
			got = append(got, fmt.Sprint(r.Randrange(1, 10005)))
		}
		for range 50 {
			got = append(got, fmt.Sprint(r.Randint(0, 3)))
		}
		if g := strings.Join(got, " "); g != want[i] {
			t.Errorf("seed %d:\n got %s\nwant %s", seed, g, want[i])
		}
	}
}
