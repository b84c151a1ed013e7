// Command initclock measures a Lambda bootstrap's init duration as Lambda defines it:
// from the start of the process until it first asks the runtime API for an event. The
// runtime emulator's own "Init Duration" times only its call that starts the process.
//
// The cold-start benchmark (functions/coldstart_test.go) gives it to the emulator as the
// bootstrap, followed by the real one:
//
//	aws-lambda-rie … initclock /path/to/bootstrap [ARG…]
//
// It starts the bootstrap with AWS_LAMBDA_RUNTIME_API pointing at a proxy of its own in
// front of the emulator's, and prints "initclock: init N ms" to stderr when the first
// request for the next invocation arrives.
package main

import (
	"fmt"
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

const runtimeAPI = "AWS_LAMBDA_RUNTIME_API"

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "initclock:", err)
		os.Exit(2)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: initclock BOOTSTRAP [ARG…]")
	}
	upstream := os.Getenv(runtimeAPI)
	if upstream == "" {
		return fmt.Errorf("%s is not set: run me as the runtime emulator's bootstrap", runtimeAPI)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen for the runtime API proxy: %w", err)
	}
	var started atomic.Int64
	var once sync.Once
	proxy := httputil.NewSingleHostReverseProxy(&url.URL{Scheme: "http", Host: upstream})
	go func() {
		_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/runtime/invocation/next") {
				once.Do(func() {
					took := time.Since(time.Unix(0, started.Load()))
					fmt.Fprintf(os.Stderr, "initclock: init %.3f ms\n", float64(took)/float64(time.Millisecond))
				})
			}
			proxy.ServeHTTP(w, r)
		}))
	}()

	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = append(os.Environ(), runtimeAPI+"="+ln.Addr().String())
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// the emulator stops a bootstrap by killing it: take the real one along
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// Pdeathsig follows the thread that started the child: keep this one
	runtime.LockOSThread()
	started.Store(time.Now().UnixNano())
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", args[0], err)
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	return nil
}
