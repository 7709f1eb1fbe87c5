// Package dsl reads .ztopo files: it parses them, checks them into a
// dsl/model Topology, reports positioned diagnostics, and formats source
// into its canonical layout.
//
// The language is described for users in LANGUAGE.md, next to this file.
// The entry points are Load and Compile, which return the model (nil when
// there are errors) and every diagnostic found; Format re-prints a file.
//
// The syntax tree and the grammar are internal (dsl/internal/syntax), as
// hclsyntax is to hcl: what leaves this package is the model, Diagnostics,
// and the Pos and Range they carry. The checker is one type spread over
// files by pass: check.go (its state and the order of passes),
// messages.go, nodes.go, sockets.go, options.go, connects.go, edges.go and
// names.go (names the generated Go code cannot use).
package dsl
