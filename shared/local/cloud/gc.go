package cloud

import (
	"os"
	"runtime/debug"
)

// DevGCPercent is the garbage collector's target (GOGC) a local cloud process runs with
// when GOGC is not set. Everything runs in one process there — the front, every function,
// the embedded DynamoDB and its write log — so with Go's default of 100 a busy local
// cloud spends about a fifth of its CPU collecting. 400 lets the heap grow to five times
// what is live (tens of megabytes on a laptop) and collects a quarter as often.
const DevGCPercent = 400

// TuneGC sets the collector's target for a local cloud process: DevGCPercent, unless the
// GOGC environment variable is set (the user's choice stands). It returns the target in
// effect. Commands that run a local cloud call it once at start.
func TuneGC() int {
	if v, ok := os.LookupEnv("GOGC"); ok && v != "" {
		cur := debug.SetGCPercent(100)
		debug.SetGCPercent(cur)
		return cur
	}
	debug.SetGCPercent(DevGCPercent)
	return DevGCPercent
}
