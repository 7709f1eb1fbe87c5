package runtime

import (
	"os"
	"runtime/debug"
	"testing"
)

// TestTuneGC checks that TuneGC raises the collector's target to 400%
// only when the user has not chosen one with GOGC.
func TestTuneGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(100))

	t.Setenv("GOGC", "150") // restored after the test
	debug.SetGCPercent(150)
	TuneGC()
	if got := debug.SetGCPercent(100); got != 150 {
		t.Errorf("with GOGC=150, TuneGC left the target at %d%%, want 150%%", got)
	}

	os.Unsetenv("GOGC")
	TuneGC()
	if got := debug.SetGCPercent(100); got != 400 {
		t.Errorf("without GOGC, TuneGC set the target to %d%%, want 400%%", got)
	}
}
