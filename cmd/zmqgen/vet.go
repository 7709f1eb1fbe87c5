package main

import (
	"fmt"
	"go/types"
	"io"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

const vetUsage = `usage: zmqgen vet [PACKAGES]

Vet loads the Go packages of generated node programs (default ./..., as
the go command names packages) and reports the handler methods that the
generated code no longer calls: a method Run or Serve<Socket> of a type
that implements the node's Handler, when Handler has no such method. A
topology change leaves one behind, and it compiles: a socket that was a
REP (ServeJobs) and is now a DEALER is served by Run, and ServeJobs is
dead code that looks alive.

Each finding is one line on standard error, file:line:col: warning:
message, at the method. Packages that are not node programs (no
*.zmqgen.go file declaring Handler) are skipped; packages that do not
compile are reported as the go command would.

Exit status: 0 when nothing is found, 1 when something is (or a package
does not load), 2 when the command line is wrong.
`

func runVet(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("vet")
	patterns, code, done := parseInterleaved(fl, args, vetUsage, stdout, stderr)
	if done {
		return code
	}
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	findings, err := vetHandlers(".", patterns)
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen vet: %v\n", err)
		return exitFail
	}
	for _, f := range findings {
		fmt.Fprintln(stderr, f)
	}
	if len(findings) > 0 {
		return exitFail
	}
	return exitOK
}

// handlerMethod is the shape of the methods generated code calls on a
// node's handler.
var handlerMethod = regexp.MustCompile(`^(Run|Serve[A-Z].*)$`)

// vetHandlers loads the packages matching patterns from dir and returns a
// positioned line for each handler method the generated Handler lacks.
func vetHandlers(dir string, patterns []string) ([]string, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo,
		Dir:  dir,
	}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return nil, err
	}
	var out []string
	var loadErrs []string
	for _, pkg := range pkgs {
		for _, e := range pkg.Errors {
			loadErrs = append(loadErrs, e.Error())
		}
		if pkg.Types == nil || !slices.ContainsFunc(pkg.GoFiles, isGenerated) {
			continue
		}
		obj, ok := pkg.Types.Scope().Lookup("Handler").(*types.TypeName)
		if !ok {
			continue
		}
		iface, ok := obj.Type().Underlying().(*types.Interface)
		if !ok {
			continue
		}
		wanted := map[string]bool{}
		for i := range iface.NumMethods() {
			wanted[iface.Method(i).Name()] = true
		}
		scope := pkg.Types.Scope()
		for _, name := range scope.Names() {
			tn, ok := scope.Lookup(name).(*types.TypeName)
			if !ok || tn == obj || types.IsInterface(tn.Type()) {
				continue
			}
			ptr := types.NewPointer(tn.Type())
			if !types.Implements(tn.Type(), iface) && !types.Implements(ptr, iface) {
				continue
			}
			ms := types.NewMethodSet(ptr)
			for i := range ms.Len() {
				m := ms.At(i).Obj()
				pos := pkg.Fset.Position(m.Pos())
				if wanted[m.Name()] || !handlerMethod.MatchString(m.Name()) || isGenerated(pos.Filename) {
					continue
				}
				if abs, err := filepath.Abs(dir); err == nil {
					if rel, err := filepath.Rel(abs, pos.Filename); err == nil && !strings.HasPrefix(rel, "..") {
						pos.Filename = rel
					}
				}
				out = append(out, fmt.Sprintf("%s: warning: %s.%s is not a method of the generated Handler of node %s: nothing calls it (%s)",
					pos, tn.Name(), m.Name(), path.Base(pkg.PkgPath), staleHint(m.Name(), wanted)))
			}
		}
	}
	if len(loadErrs) > 0 {
		return out, fmt.Errorf("%s", strings.Join(loadErrs, "\n"))
	}
	slices.Sort(out)
	return out, nil
}

// staleHint says what a left-behind handler method was for.
func staleHint(name string, wanted map[string]bool) string {
	if name == "Run" {
		return "Run is generated for a node with sockets other than REP; this node has only REP sockets, served by its Serve methods"
	}
	s := "a Serve method answers the requests of a REP socket; this node has no such REP socket"
	if wanted["Run"] {
		s += ", and its other sockets are used in Run"
	}
	return s
}

// isGenerated reports whether file is one zmqgen generated.
func isGenerated(file string) bool { return strings.HasSuffix(file, ".zmqgen.go") }
