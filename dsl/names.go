package dsl

import (
	"github.com/zmqgen/zmqgen/codegen"
)

// This file reports names that generated Go code cannot use: two .ztopo
// names that become one Go type, field, flag or environment variable
// ("max_size" and "maxSize" both become MaxSize), or a name Go or the
// generated program keeps for itself (topology main, param v). The rules
// are the generator's, in codegen.Clashes; here each clash is reported
// at its place, with the first place when there is one, so that check
// refuses everything generate would.

// checkGoNames reports every codegen.Clash of the model built so far.
func (check *checker) checkGoNames() {
	for _, c := range codegen.Clashes(check.topo) {
		at := check.declared[c.Thing]
		if at == nil {
			continue // not a thing of this file's model; cannot happen
		}
		first := check.declared[c.First]
		if first == nil {
			check.errorf(at, "%s", c.Message())
			continue
		}
		check.errorf(at, "%s and %s at %s both %s %s", c.What, c.FirstWhat, check.first(first), c.Verb, c.As)
	}
}
