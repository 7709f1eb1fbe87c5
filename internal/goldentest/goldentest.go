// Package goldentest runs golden cases kept as txtar archives
// (golden/*/*.txtar): one subtest per file, named after it, and a check of
// one of its sections against what the code under test gives, which
// -update writes into the file instead.
package goldentest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// Each runs f as a subtest of t for every file matching pattern, named
// after the file without .txtar, with the file's archive. It returns the
// number of files.
func Each(t *testing.T, pattern string, f func(t *testing.T, name, file string, ar *txtar.Archive)) int {
	t.Helper()
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		t.Run(name, func(t *testing.T) {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			f(t, name, file, ar)
		})
	}
	return len(files)
}

// Check compares section i of file's archive ar with got. With update it
// writes got into the file instead; accept says how to do that.
func Check(t *testing.T, file string, ar *txtar.Archive, i int, got string, update bool, accept string) {
	t.Helper()
	if update {
		ar.Files[i].Data = []byte(got)
		if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if want := string(ar.Files[i].Data); got != want {
		t.Errorf("%s differs (%s to accept)\ngot:\n%s\nwant:\n%s", ar.Files[i].Name, accept, got, want)
	}
}
