package runtime

import (
	"fmt"
	"testing"
)

// BenchmarkCurveFrame measures sealing and opening one frame of the data
// phase (the per-message cost CURVE adds to the engine).
func BenchmarkCurveFrame(b *testing.B) {
	var key [32]byte
	for _, size := range []int{16, 1024} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			send := newCurveCipher(&key, false, 1, 0)
			recv := newCurveCipher(&key, true, 1, 0)
			f := make([]byte, size)
			var buf []byte
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				buf = send.appendSealed(buf[:0], f, false, false)
				hdr := 2
				if buf[0]&flagLong != 0 {
					hdr = 9
				}
				if _, _, err := recv.open(buf[hdr:]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
