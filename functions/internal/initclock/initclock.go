// Package initclock measures a Lambda bootstrap's init duration as Lambda defines it:
// from the start of the process until it first asks the runtime API for an event. The
// runtime emulator's own "Init Duration" times only its call that starts the process.
//
// The cold-start benchmark (functions/coldstart_test.go) gives the command (./cmd) to the
// emulator as the bootstrap, followed by the real one:
//
//	aws-lambda-rie … initclock /path/to/bootstrap [ARG…]
package initclock

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// EnvRuntimeAPI names the runtime API's address in a bootstrap's environment.
const EnvRuntimeAPI = "AWS_LAMBDA_RUNTIME_API"

// Run starts the bootstrap command args with EnvRuntimeAPI pointing at a proxy of its own
// in front of the runtime API at upstream, writes "initclock: init N ms" to report when
// the first request for the next invocation arrives, and waits for the bootstrap to end.
// The bootstrap shares this process's standard streams.
func Run(args []string, upstream string, report io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: initclock BOOTSTRAP [ARG…]")
	}
	if upstream == "" {
		return fmt.Errorf("%s is not set: run initclock as the runtime emulator's bootstrap", EnvRuntimeAPI)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the runtime API proxy: %w", err)
	}
	defer ln.Close()
	var started atomic.Int64
	var once sync.Once
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: upstream})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") {
			once.Do(func() {
				took := time.Since(time.Unix(0, started.Load()))
				fmt.Fprintf(report, "initclock: init %.3f ms\n", float64(took)/float64(time.Millisecond))
			})
		}
		proxy.ServeHTTP(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), EnvRuntimeAPI+"="+ln.Addr().String())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// the emulator stops a bootstrap by killing it: the real one goes too. Pdeathsig
	// follows the thread that started the child, so that thread stays.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	started.Store(time.Now().UnixNano())
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", args[0], err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	return nil
}
