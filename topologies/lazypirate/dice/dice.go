// Package dice is the reproducible randomness of the pirate examples
// (lazypirate, simplepirate, paranoidpirate): the simulated crashes and
// overloads of servers and workers, and the workers' random identities.
//
// The numbers come from splitmix64 rather than math/rand so that the
// Python programs in each example's py/ directory, which carry the same
// ten lines, draw exactly the same numbers from the same seed. A seeded
// run then behaves the same whichever language plays each role, and one
// golden transcript serves both.
package dice

import "time"

// Dice is a splitmix64 generator. The zero value is seeded with 0.
// A Dice is not safe for concurrent use.
type Dice struct {
	state uint64
}

// New returns dice seeded with seed; seed 0 seeds them from the clock,
// as the guide's unseeded random module is.
func New(seed int64) *Dice {
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	return &Dice{state: uint64(seed)}
}

// Next returns the next 64-bit number.
func (d *Dice) Next() uint64 {
	d.state += 0x9E3779B97F4A7C15
	z := d.state
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// Roll returns a number in [0, n), as Python's randint(0, n-1) does.
// n must be positive.
func (d *Dice) Roll(n int) int {
	return int(d.Next() % uint64(n))
}

// Identity returns a worker identity in the guide's "%04X-%04X" form.
func (d *Dice) Identity() string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, 9)
	for i := 0; i < 2; i++ {
		if i > 0 {
			b = append(b, '-')
		}
		v := d.Roll(0x10000)
		b = append(b, hex[v>>12&15], hex[v>>8&15], hex[v>>4&15], hex[v&15])
	}
	return string(b)
}
