package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zmqgen/zmqgen/dsl"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// This file holds what the commands share about files: which .ztopo files
// a command line names, reading and compiling them, printing their
// diagnostics, and replacing a file safely.

// ztopoFiles expands command-line arguments into the .ztopo files they
// name. A FILE is taken as named, whatever its extension; a DIR means the
// .ztopo files in it; DIR/... (./... for the current directory) means those
// in DIR and every directory below it, skipping testdata, vendor and names
// starting with "." or "_", as the go command does. The files come in
// argument order, each directory's sorted, cleaned and without repeats.
//
// A FILE that does not exist is returned all the same: the command reports
// it among the diagnostics of the other files (see dsl.ReadFile) and goes on
// with them. A directory without .ztopo files, or one that cannot be read,
// is an error for the whole command line.
func ztopoFiles(args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(f string) {
		f = filepath.Clean(f)
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, arg := range args {
		var found []string
		var err error
		if arg == "..." || strings.HasSuffix(arg, "/...") {
			found, err = ztopoTree(filepath.Clean(strings.TrimSuffix(arg, "...") + "."))
		} else if fi, serr := os.Stat(arg); serr != nil || !fi.IsDir() {
			add(arg)
			continue
		} else {
			found, err = ztopoDir(arg)
		}
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("%s: %v", pe.Path, pe.Err)
			}
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no .ztopo files found", arg)
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	return out, nil
}

// ztopoDir lists the .ztopo files in dir.
func ztopoDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".ztopo") {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	return out, nil
}

// ztopoTree lists the .ztopo files in root and below it.
func ztopoTree(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if strings.HasSuffix(name, ".ztopo") {
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// loadOne loads the one topology that graph and up take, named by arg as
// for ztopoFiles: a FILE, or a DIR holding exactly one .ztopo file. It
// reports problems as check, fmt, generate and init do, and returns the
// file and its topology, or false when there are errors.
func loadOne(cmd, arg string, stderr io.Writer) (string, *model.Topology, bool) {
	files, err := ztopoFiles([]string{arg})
	if err == nil && len(files) > 1 {
		err = fmt.Errorf("%s: %d .ztopo files; name one", arg, len(files))
	}
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen %s: %v\n", cmd, err)
		return "", nil, false
	}
	topo, _, diags := loadFile(files[0])
	if !printDiags(stderr, diags) {
		return "", nil, false
	}
	return files[0], topo, true
}

// loadFile reads, parses and checks the topology in file. It is dsl.Load
// that also returns the source, for snippets. The topology is nil when there are
// errors.
func loadFile(file string) (*model.Topology, []byte, dsl.Diagnostics) {
	src, diags := dsl.ReadFile(file)
	if diags != nil {
		return nil, nil, diags
	}
	topo, diags := dsl.Compile(file, src)
	return topo, src, diags
}

// printDiags is how every command shows the diagnostics of a topology
// (only "check -snippet" and "check -format json" differ): compact, one a
// line on stderr, "file:line:col: severity: message", the form editors and
// go generate parse. It reports false when one of them is an error, and
// the command then exits with status 1.
func printDiags(stderr io.Writer, diags dsl.Diagnostics) (ok bool) {
	diags.WriteCompact(stderr)
	return !diags.HasErrors()
}

// replaceFile writes data to name, with permissions perm, through a
// temporary file in the same directory and a rename, so that name is
// never half written and a failed write leaves it as it was.
func replaceFile(name string, data []byte, perm os.FileMode) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
