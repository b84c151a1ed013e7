package store_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"polysynergy/shared/store"
)

// The transport's timeout bounds a request whose answer never starts, and one whose
// body stalls halfway, while answers read in time keep their connection for the next
// request.
func TestHTTPClientTimeout(t *testing.T) {
	var conns atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/stall":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/half":
			w.Header().Set("Content-Length", "100")
			_, _ = w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			select {
			case <-release:
			case <-r.Context().Done():
			}
		default:
			_, _ = w.Write(append([]byte("echo:"), body...))
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	defer close(release)
	c := store.NewHTTPClient(300 * time.Millisecond)

	for i := 0; i < 3; i++ {
		resp, err := c.Post(srv.URL+"/echo", "application/json", strings.NewReader(`{"n":1}`))
		if err != nil {
			t.Fatalf("echo %d: %v", i, err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(b) != `echo:{"n":1}` {
			t.Fatalf("echo %d: %q, %v", i, b, err)
		}
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("three answered requests used %d connections, want 1 (kept alive)", n)
	}

	start := time.Now()
	_, err := c.Post(srv.URL+"/stall", "application/json", strings.NewReader(`{}`))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stalled answer: got %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("stalled answer returned after %s", d)
	}

	resp, err := c.Get(srv.URL + "/half")
	if err != nil {
		t.Fatalf("half answer: %v", err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("stalled body: got %v, want a deadline error", err)
	}

	// no timeout: a plain pass-through that still copies bodies
	plain := store.NewHTTPClient(0)
	resp, err = plain.Post(srv.URL+"/echo", "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "echo:x" {
		t.Errorf("no timeout: got %q", b)
	}
}
