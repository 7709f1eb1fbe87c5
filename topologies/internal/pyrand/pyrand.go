// Package pyrand reproduces the random numbers of CPython's random module
// for a given integer seed, so that a generated node and the guide's Python
// program of the same role, seeded alike, print the same transcript.
//
// Only what the guide's programs use is here: seed, randrange and randint.
// The generator is the Mersenne Twister MT19937 seeded the way CPython's
// random.seed(n) seeds it for a non-negative integer n.
package pyrand

const (
	n         = 624
	m         = 397
	matrixA   = 0x9908b0df
	upperMask = 0x80000000
	lowerMask = 0x7fffffff
)

// Rand is a source of Python-compatible random numbers. It is not safe for
// concurrent use.
type Rand struct {
	mt  [n]uint32
	mti int
}

// New returns a generator in the state random.seed(seed) leaves CPython's
// in. A negative seed is seeded as its absolute value, as CPython does.
func New(seed int64) *Rand {
	u := uint64(seed)
	if seed < 0 {
		u = uint64(-seed)
	}
	// CPython splits the seed into 32-bit words, least significant first;
	// zero is the single word 0.
	key := []uint32{uint32(u)}
	if hi := uint32(u >> 32); hi != 0 {
		key = append(key, hi)
	}
	r := &Rand{}
	r.initByArray(key)
	return r
}

func (r *Rand) initGenrand(s uint32) {
	r.mt[0] = s
	for i := 1; i < n; i++ {
		r.mt[i] = 1812433253*(r.mt[i-1]^(r.mt[i-1]>>30)) + uint32(i)
	}
	r.mti = n
}

func (r *Rand) initByArray(key []uint32) {
	r.initGenrand(19650218)
	i, j := 1, 0
	k := max(n, len(key))
	for ; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1664525)) + key[j] + uint32(j)
		i++
		j++
		if i >= n {
			r.mt[0] = r.mt[n-1]
			i = 1
		}
		if j >= len(key) {
			j = 0
		}
	}
	for k = n - 1; k > 0; k-- {
		r.mt[i] = (r.mt[i] ^ ((r.mt[i-1] ^ (r.mt[i-1] >> 30)) * 1566083941)) - uint32(i)
		i++
		if i >= n {
			r.mt[0] = r.mt[n-1]
			i = 1
		}
	}
	r.mt[0] = 0x80000000 // the key is never all zeros
}

// Uint32 returns the next 32 random bits.
func (r *Rand) Uint32() uint32 {
	if r.mti >= n {
		for kk := 0; kk < n; kk++ {
			y := (r.mt[kk] & upperMask) | (r.mt[(kk+1)%n] & lowerMask)
			v := r.mt[(kk+m)%n] ^ (y >> 1)
			if y&1 != 0 {
				v ^= matrixA
			}
			r.mt[kk] = v
		}
		r.mti = 0
	}
	y := r.mt[r.mti]
	r.mti++
	y ^= y >> 11
	y ^= (y << 7) & 0x9d2c5680
	y ^= (y << 15) & 0xefc60000
	y ^= y >> 18
	return y
}

// getrandbits returns k random bits, 1 <= k <= 32, as CPython does.
func (r *Rand) getrandbits(k int) uint32 {
	return r.Uint32() >> (32 - k)
}

// below returns a number in [0, limit) as CPython's _randbelow does:
// draw as many bits as limit has and try again until the draw fits.
func (r *Rand) below(limit int) int {
	if limit <= 0 {
		return 0
	}
	if limit > 1<<32-1 {
		panic("pyrand: range too large")
	}
	k := 0
	for v := limit; v > 0; v >>= 1 {
		k++
	}
	for {
		if v := int(r.getrandbits(k)); v < limit {
			return v
		}
	}
}

// Randrange returns random.randrange(start, stop): a number in
// [start, stop). It panics if the range is empty, as CPython raises.
func (r *Rand) Randrange(start, stop int) int {
	if stop <= start {
		panic("pyrand: empty range for Randrange")
	}
	return start + r.below(stop-start)
}

// Randint returns random.randint(a, b): a number in [a, b].
func (r *Rand) Randint(a, b int) int { return r.Randrange(a, b+1) }
