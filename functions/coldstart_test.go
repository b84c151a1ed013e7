package functions_test

import (
	"bytes"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
)

// coldProbes names, for each function, the sample event its cold starts are timed with:
// one that does the function's ordinary work (a route flow run and saved, an editor run,
// a WebSocket connection recorded) and can be repeated.
var coldProbes = []struct{ function, event string }{
	{"api", "01-health"},
	{"router", "get-path-variables"},
	{"runner", "rie-editor"},
	{"ws", "1-connect"},
}

// warmInvokes is how many warm invocations follow each cold one.
const warmInvokes = 5

// BenchmarkColdStart times each function's cold start under the Lambda runtime emulator.
//
// aws-lambda-rie prints an "Init Duration", reported here as rie-init-ms, but it times only
// the emulator's own call that starts the runtime, which returns before the bootstrap has
// run: it is not the function's init. The figure is cold-ms: the first invocation of a
// fresh emulator (which starts the bootstrap process) minus the median of the warm
// invocations that follow it, so it holds the process start, the Go runtime's and the
// packages' initialisation, the handler's setup and anything the first request sets up
// (connections, caches). Each iteration is one fresh emulator; run it with -benchtime Nx.
// pkg-init-ms is the sum of the package initialisation times GODEBUG=inittrace=1 prints
// for the bootstrap, from one more start.
func BenchmarkColdStart(b *testing.B) {
	root, _ := filepath.Abs("..")
	bin := b.TempDir()
	rie := filepath.Join(bin, "aws-lambda-rie")
	build(b, root, rie, "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie")
	env, vars := startEndpoints(b)
	for _, p := range coldProbes {
		boot := filepath.Join(bin, p.function, "bootstrap")
		build(b, root, boot, "-tags", "lambda.norpc", "./functions/"+p.function)
		event := filepath.Join(root, "events", p.function, p.event+".json")
		payload := substitute(b, event, vars)
		exp := loadExpect(b, filepath.Join(root, "events", p.function, p.event+".expect.json"))
		b.Run(p.function, func(b *testing.B) {
			var colds, firsts, warms, rieInits []float64
			for range b.N {
				s := startEmulator(b, rie, boot, env)
				first := timedInvoke(b, s.url, payload)
				check(b, p.function+"/"+p.event+" (cold)", first.inv, exp, s.out)
				var w []float64
				for range warmInvokes {
					r := timedInvoke(b, s.url, payload)
					check(b, p.function+"/"+p.event+" (warm)", r.inv, exp, s.out)
					w = append(w, ms(r.took))
				}
				warm := median(w)
				firsts = append(firsts, ms(first.took))
				warms = append(warms, warm)
				colds = append(colds, ms(first.took)-warm)
				if m := rieInitRE.FindStringSubmatch(s.out.String()); m != nil {
					v, _ := strconv.ParseFloat(m[1], 64)
					rieInits = append(rieInits, v)
				}
				s.stop()
			}
			b.StopTimer()
			s := startEmulator(b, rie, boot, append(slices.Clip(env), "GODEBUG=inittrace=1"))
			mark := s.out.Len()
			check(b, p.function+"/"+p.event+" (inittrace)", timedInvoke(b, s.url, payload).inv, exp, s.out)
			pkgInit, pkgs := sumInitTrace(s.out.String()[mark:])
			s.stop()
			if pkgs == 0 {
				b.Fatalf("%s: GODEBUG=inittrace=1 printed no package init lines", p.function)
			}
			b.ReportMetric(median(colds), "cold-ms")
			b.ReportMetric(median(firsts), "first-ms")
			b.ReportMetric(median(warms), "warm-ms")
			b.ReportMetric(pkgInit, "pkg-init-ms")
			if len(rieInits) > 0 {
				b.ReportMetric(median(rieInits), "rie-init-ms")
			}
			b.Logf("%s: cold starts %v ms (first invocation − median warm one), %d packages initialised in %.1f ms",
				p.function, rounded(colds), pkgs, pkgInit)
		})
	}
}

var rieInitRE = regexp.MustCompile(`Init Duration: ([0-9.]+) ms`)

// initTraceRE matches a line GODEBUG=inittrace=1 prints, e.g.
// "init net/http @1.2 ms, 0.31 ms clock, 1024 bytes, 9 allocs".
var initTraceRE = regexp.MustCompile(`(?m)^init \S+ @[0-9.]+ m?s, ([0-9.]+) (ms|s) clock`)

// sumInitTrace adds up the clock time of every package init line in out.
func sumInitTrace(out string) (totalMS float64, packages int) {
	for _, m := range initTraceRE.FindAllStringSubmatch(out, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			continue
		}
		if m[2] == "s" {
			v *= 1000
		}
		totalMS += v
		packages++
	}
	return totalMS, packages
}

// emulator is one aws-lambda-rie process serving one bootstrap.
type emulator struct {
	url  string
	out  *lockedBuffer
	stop func()
}

// startEmulator starts the runtime emulator on fresh ports and waits until it accepts
// connections; the bootstrap itself starts on the first invocation, as in Lambda.
func startEmulator(b testing.TB, rie, boot string, env []string) emulator {
	b.Helper()
	addr, apiAddr := freePort(b), freePort(b)
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, "--log-level", "error", boot)
	cmd.Env = env
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	stop := func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			stop()
			b.Fatalf("the emulator did not listen on %s: %v\n%s", addr, err, tail(out.String()))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return emulator{url: "http://" + addr + "/2015-03-31/functions/function/invocations", out: out, stop: stop}
}

type timed struct {
	inv  invocation
	took time.Duration
}

func timedInvoke(b testing.TB, url string, payload []byte) timed {
	b.Helper()
	start := time.Now()
	resp, err := http.Post(url, "application/json", bytes.NewReader(payload))
	if err != nil {
		b.Fatalf("invoke: %v", err)
	}
	inv := readInvocation(resp)
	return timed{inv: inv, took: time.Since(start)}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func rounded(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(int(x*10+0.5)) / 10
	}
	return out
}
