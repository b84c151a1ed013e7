package initclock_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"polysynergy/functions/internal/initclock"
)

// helperEnv makes the test binary act as a bootstrap: it "initialises" for helperInit,
// asks the runtime API for the next event and checks it got the emulator's answer.
const (
	helperEnv  = "INITCLOCK_TEST_BOOTSTRAP"
	helperInit = 30 * time.Millisecond
	nextPath   = "/2018-06-01/runtime/invocation/next"
	event      = `{"hello":"bootstrap"}`
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "" {
		os.Exit(m.Run())
	}
	time.Sleep(helperInit)
	resp, err := http.Get("http://" + os.Getenv(initclock.EnvRuntimeAPI) + nextPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bootstrap:", err)
		os.Exit(3)
	}
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != event || resp.Header.Get("Lambda-Runtime-Aws-Request-Id") != "req-1" {
		fmt.Fprintf(os.Stderr, "bootstrap: got %d %q\n", resp.StatusCode, b)
		os.Exit(4)
	}
	os.Exit(0)
}

var initLine = regexp.MustCompile(`^initclock: init ([0-9.]+) ms\n$`)

func TestRunTimesTheFirstRequestForAnEvent(t *testing.T) {
	var nexts atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != nextPath {
			http.NotFound(w, r)
			return
		}
		nexts.Add(1)
		w.Header().Set("Lambda-Runtime-Aws-Request-Id", "req-1")
		_, _ = io.WriteString(w, event)
	}))
	defer api.Close()
	t.Setenv(helperEnv, "1")
	var report bytes.Buffer
	if err := initclock.Run([]string{os.Args[0]}, strings.TrimPrefix(api.URL, "http://"), &report); err != nil {
		t.Fatalf("Run: %v", err)
	}
	m := initLine.FindStringSubmatch(report.String())
	if m == nil {
		t.Fatalf("report %q, want one init line", report.String())
	}
	ms, _ := strconv.ParseFloat(m[1], 64)
	// the bootstrap initialised for helperInit before it asked: the init holds that much
	if ms < float64(helperInit)/float64(time.Millisecond) {
		t.Errorf("init %.3f ms, less than the %v the bootstrap took before asking", ms, helperInit)
	}
	if n := nexts.Load(); n != 1 {
		t.Errorf("the runtime API got %d requests for an event, want 1 (passed through)", n)
	}
}

func TestRunRefuses(t *testing.T) {
	var report bytes.Buffer
	for _, tc := range []struct {
		args     []string
		upstream string
		want     string
	}{
		{nil, "127.0.0.1:9001", "usage: initclock BOOTSTRAP"},
		{[]string{"/bin/true"}, "", initclock.EnvRuntimeAPI + " is not set"},
		{[]string{"/no/such/bootstrap"}, "127.0.0.1:9001", "start /no/such/bootstrap"},
		{[]string{"/bin/false"}, "127.0.0.1:9001", "/bin/false: exit status 1"},
	} {
		err := initclock.Run(tc.args, tc.upstream, &report)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Run(%v, %q) = %v, want an error saying %q", tc.args, tc.upstream, err, tc.want)
		}
	}
	if report.Len() != 0 {
		t.Errorf("a bootstrap that never asked for an event got an init line: %q", report.String())
	}
}
