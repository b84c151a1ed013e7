package cloud_test

import (
	"runtime/debug"
	"testing"

	"polysynergy/shared/local/cloud"
)

func TestTuneGC(t *testing.T) {
	prev := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(prev) })

	t.Setenv("GOGC", "")
	if got := cloud.TuneGC(); got != cloud.DevGCPercent {
		t.Fatalf("TuneGC without GOGC = %d, want %d", got, cloud.DevGCPercent)
	}
	if cur := debug.SetGCPercent(100); cur != cloud.DevGCPercent {
		t.Fatalf("collector target = %d, want %d", cur, cloud.DevGCPercent)
	}

	// a GOGC the user set stands (the runtime read it at start; here it is applied by hand)
	t.Setenv("GOGC", "150")
	debug.SetGCPercent(150)
	if got := cloud.TuneGC(); got != 150 {
		t.Fatalf("TuneGC with GOGC=150 = %d, want 150", got)
	}
	if cur := debug.SetGCPercent(150); cur != 150 {
		t.Fatalf("collector target changed to %d with GOGC set", cur)
	}
}
