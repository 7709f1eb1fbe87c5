// Package dsl reads .ztopo files: it lexes and parses them, resolves names
// into a dsl/model Topology, checks the whole topology, reports positioned
// diagnostics, and formats source into its canonical layout.
//
// The language is described for users in LANGUAGE.md, next to this file.
// The entry points are Load and Compile, which return the model (nil when
// there are errors) and every diagnostic found; Format re-prints a file.
package dsl
