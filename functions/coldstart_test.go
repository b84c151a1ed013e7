package functions_test

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// coldProbes names, for each function, the sample event its cold starts are timed with:
// one that does the function's ordinary work (projects listed from DynamoDB for a signed-in
// user, a route flow run and saved, an editor run, a WebSocket connection recorded) and can
// be repeated.
var coldProbes = []struct{ function, event string }{
	{"api", "04-list-projects"},
	{"router", "get-path-variables"},
	{"runner", "rie-editor"},
	{"ws", "1-connect"},
}

// warmInvokes is how many warm invocations follow each cold one.
const warmInvokes = 5

// BenchmarkColdStart times each function's cold start under the Lambda runtime emulator.
//
// init-ms is the init duration as Lambda defines it (its REPORT line's "Init Duration"):
// from the start of the bootstrap process until it first asks the runtime API for an
// event. initclock (functions/internal/initclock) stands between the bootstrap and the
// emulator's runtime API to time it, on b.N more fresh starts. aws-lambda-rie prints an
// "Init Duration" of its own, reported as rie-init-ms, but it times only the emulator's
// call that starts the runtime, which returns before the bootstrap has run.
//
// cold-ms is what a caller waits for: the first invocation of a fresh emulator (which starts the bootstrap process) minus the median of the warm
// invocations that follow it, so it holds the process start, the Go runtime's and the
// packages' initialisation, the handler's setup and anything the first request sets up
// (connections, caches). Each iteration is one fresh emulator; run it with -benchtime Nx.
// cold-cpu-ms is the same difference in the CPU time the bootstrap process used (all its
// threads, from /proc), which a busy machine disturbs much less than the wall time.
// pkg-init-ms is the sum of the package initialisation times GODEBUG=inittrace=1 prints
// for the bootstrap, from one more start.
func BenchmarkColdStart(b *testing.B) {
	root, _ := filepath.Abs("..")
	bin := b.TempDir()
	rie := filepath.Join(bin, "aws-lambda-rie")
	build(b, root, rie, "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie")
	clock := filepath.Join(bin, "initclock")
	build(b, root, clock, "./functions/internal/initclock/cmd")
	env, vars := startEndpoints(b)
	for _, p := range coldProbes {
		boot := filepath.Join(bin, p.function, "bootstrap")
		build(b, root, boot, "-tags", lambdaTags, "./functions/"+p.function)
		event := filepath.Join(root, "events", p.function, p.event+".json")
		payload := substitute(b, event, vars)
		exp := loadExpect(b, filepath.Join(root, "events", p.function, p.event+".expect.json"))
		b.Run(p.function, func(b *testing.B) {
			var colds, firsts, warms, rieInits, coldCPUs []float64
			for range b.N {
				s := startEmulator(b, rie, env, boot)
				first := timedInvoke(b, s.url, payload)
				check(b, p.function+"/"+p.event+" (cold)", first.inv, exp, s.out)
				pid := s.bootstrapPID()
				cpuFirst, cpuOK := processCPU(pid)
				var w, wcpu []float64
				for range warmInvokes {
					before, _ := processCPU(pid)
					r := timedInvoke(b, s.url, payload)
					after, ok := processCPU(pid)
					check(b, p.function+"/"+p.event+" (warm)", r.inv, exp, s.out)
					w = append(w, ms(r.took))
					cpuOK = cpuOK && ok
					wcpu = append(wcpu, ms(after-before))
				}
				warm := median(w)
				firsts = append(firsts, ms(first.took))
				warms = append(warms, warm)
				colds = append(colds, ms(first.took)-warm)
				if cpuOK {
					coldCPUs = append(coldCPUs, ms(cpuFirst)-median(wcpu))
				}
				if m := rieInitRE.FindStringSubmatch(s.out.String()); m != nil {
					v, _ := strconv.ParseFloat(m[1], 64)
					rieInits = append(rieInits, v)
				}
				s.stop()
			}
			b.StopTimer()
			var inits []float64
			for range b.N {
				inits = append(inits, initDuration(b, rie, clock, boot, env, payload, exp, p.function+"/"+p.event))
			}
			s := startEmulator(b, rie, append(slices.Clip(env), "GODEBUG=inittrace=1"), boot)
			mark := s.out.Len()
			check(b, p.function+"/"+p.event+" (inittrace)", timedInvoke(b, s.url, payload).inv, exp, s.out)
			pkgInit, pkgs := sumInitTrace(s.out.String()[mark:])
			s.stop()
			if pkgs == 0 {
				b.Fatalf("%s: GODEBUG=inittrace=1 printed no package init lines", p.function)
			}
			b.ReportMetric(median(inits), "init-ms")
			b.ReportMetric(median(colds), "cold-ms")
			b.ReportMetric(median(firsts), "first-ms")
			b.ReportMetric(median(warms), "warm-ms")
			if len(coldCPUs) > 0 {
				b.ReportMetric(median(coldCPUs), "cold-cpu-ms")
			}
			b.ReportMetric(pkgInit, "pkg-init-ms")
			if len(rieInits) > 0 {
				b.ReportMetric(median(rieInits), "rie-init-ms")
			}
			b.Logf("%s: inits %v ms; cold starts %v ms (first invocation − median warm one); %d packages initialised in %.1f ms",
				p.function, rounded(inits), rounded(colds), pkgs, pkgInit)
		})
	}
}

var rieInitRE = regexp.MustCompile(`Init Duration: ([0-9.]+) ms`)

// initClockRE matches the line initclock prints.
var initClockRE = regexp.MustCompile(`initclock: init ([0-9.]+) ms`)

// initDuration starts bootstrap on a fresh emulator through initclock, invokes it once
// (checking the answer) and returns the init duration initclock measured.
func initDuration(b testing.TB, rie, clock, boot string, env []string, payload []byte, exp expectation, name string) float64 {
	b.Helper()
	s := startEmulator(b, rie, env, clock, boot)
	defer s.stop()
	check(b, name+" (through initclock)", timedInvoke(b, s.url, payload).inv, exp, s.out)
	m := initClockRE.FindStringSubmatch(s.out.String())
	if m == nil {
		b.Fatalf("%s: initclock printed no init duration\n%s", name, tail(s.out.String()))
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil || v <= 0 {
		b.Fatalf("%s: initclock printed init %q", name, m[1])
	}
	return v
}

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
	pid  int // the emulator's
}

// bootstrapPID finds the bootstrap process the emulator started, directly or through
// initclock (0: none, or no /proc).
func (e emulator) bootstrapPID() int {
	for queue := []int{e.pid}; len(queue) > 0; queue = queue[1:] {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", queue[0]))
		for _, t := range tasks {
			b, _ := os.ReadFile(t)
			for _, f := range strings.Fields(string(b)) {
				pid, _ := strconv.Atoi(f)
				if comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); strings.TrimSpace(string(comm)) == "bootstrap" {
					return pid
				}
				queue = append(queue, pid)
			}
		}
	}
	return 0
}

// processCPU is the CPU time all of a process's threads have run (Linux schedstat).
func processCPU(pid int) (time.Duration, bool) {
	if pid == 0 {
		return 0, false
	}
	stats, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	var total int64
	for _, st := range stats {
		b, err := os.ReadFile(st)
		if err != nil {
			continue // a thread that ended
		}
		f := strings.Fields(string(b))
		if len(f) == 0 {
			continue
		}
		ns, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, false
		}
		total += ns
	}
	return time.Duration(total), len(stats) > 0
}

// startEmulator starts the runtime emulator on fresh ports and waits until it accepts
// connections; the bootstrap itself starts on the first invocation, as in Lambda.
// bootstrap is the command the emulator runs: the bootstrap's path, or initclock's and then
// the bootstrap's.
func startEmulator(b testing.TB, rie string, env []string, bootstrap ...string) emulator {
	b.Helper()
	addr, apiAddr := freePort(b), freePort(b)
	cmd := exec.Command(rie, append([]string{"--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr,
		"--log-level", "error"}, bootstrap...)...)
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
	return emulator{url: "http://" + addr + "/2015-03-31/functions/function/invocations", out: out, stop: stop, pid: cmd.Process.Pid}
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
