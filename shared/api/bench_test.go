package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"
)

// benchCall times one in-process request per iteration and reports the
// median and 99th percentile besides the mean.
func benchCall(b *testing.B, e *env, method, path, tok string, body func(i int) []byte, want int) {
	b.Helper()
	var times []time.Duration
	i := 0
	for b.Loop() {
		var rd *bytes.Reader
		if body != nil {
			rd = bytes.NewReader(body(i))
		}
		req := httptest.NewRequest(method, Prefix+path, nil)
		if rd != nil {
			req = httptest.NewRequest(method, Prefix+path, rd)
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		rec := httptest.NewRecorder()
		start := time.Now()
		e.h.ServeHTTP(rec, req)
		times = append(times, time.Since(start))
		if rec.Code != want {
			b.Fatalf("%s %s → %d %s", method, path, rec.Code, rec.Body)
		}
		i++
	}
	slices.Sort(times)
	if n := len(times); n > 0 {
		b.ReportMetric(float64(times[n/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(times[n*99/100].Microseconds()), "p99-µs")
	}
}

func BenchmarkListProjects(b *testing.B) {
	e := newEnv(b)
	u := e.signIn("bench")
	for i := range 20 {
		e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, map[string]string{"name": fmt.Sprintf("Project %02d", i)}).
			status(http.StatusCreated)
	}
	benchCall(b, e, http.MethodGet, "/tenants/"+u.tenant+"/projects", u.token, nil, http.StatusOK)
}

func BenchmarkGetFlow200Nodes(b *testing.B) {
	e := newEnv(b)
	u := e.signIn("bench")
	proj, _ := e.project(u, "Bench")
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "big", "document": chainDoc(b, 200, "bench")})
	benchCall(b, e, http.MethodGet, path, u.token, nil, http.StatusOK)
}

func BenchmarkSaveDraft200Nodes(b *testing.B) {
	e := newEnv(b)
	u := e.signIn("bench")
	proj, _ := e.project(u, "Bench")
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "big", "document": chainDoc(b, 200, "bench")})
	docs := [2]json.RawMessage{chainDoc(b, 200, "even"), chainDoc(b, 200, "odd")}
	body := func(i int) []byte {
		raw, err := json.Marshal(map[string]any{"document": docs[i%2], "revision": i + 1})
		if err != nil {
			b.Fatal(err)
		}
		return raw
	}
	benchCall(b, e, http.MethodPut, path+"/draft", u.token, body, http.StatusOK)
}
