package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestPprintMatchesPython compares the tally's format with what Python's
// pprint prints for the same dict, short and too long for one line.
func TestPprintMatchesPython(t *testing.T) {
	const py = "/usr/bin/python3"
	if _, err := exec.LookPath(py); err != nil {
		t.Skip("no python3")
	}
	tallies := []map[int64]int{
		{824: 433, 9053: 567},
		{3: 1, 1: 2, 2: 3},
		{1001: 100, 2002: 200, 3003: 300, 4004: 400, 5005: 500, 6006: 600, 7007: 700, 8008: 800},
		{1001: 100, 2002: 200, 3003: 300, 4004: 400, 5005: 500, 6006: 600, 7007: 700, 8008: 800, 9009: 900},
	}
	for _, tally := range tallies {
		js, _ := json.Marshal(tally)
		out, err := exec.Command(py, "-c",
			"import json, pprint, sys\npprint.pprint({int(k): v for k, v in json.loads(sys.argv[1]).items()})",
			string(js)).Output()
		if err != nil {
			t.Fatal(err)
		}
		if got, want := pprint(tally), strings.TrimSuffix(string(out), "\n"); got != want {
			t.Errorf("pprint(%v) =\n%s\nwant\n%s", tally, got, want)
		}
	}
}
