package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
)

// requestMaker builds the i-th request of a benchmark.
type requestMaker func(b *testing.B, method, path string, body []byte) *http.Request

// viaAuthorizer builds requests as the Lambda adapter does in AWS: an HTTP
// API v2 event whose JWT authorizer claims identify the caller.
func viaAuthorizer(u user) requestMaker {
	return func(b *testing.B, method, path string, body []byte) *http.Request {
		ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: Prefix + path,
			Headers: map[string]string{"content-type": "application/json"}, Body: string(body),
			RequestContext: events.APIGatewayV2HTTPRequestContext{
				DomainName: "api.example.com", HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{Method: method, Path: Prefix + path},
				Authorizer: &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{
					Claims: map[string]string{"sub": u.sub, "email": u.email}}}}}
		var acc core.RequestAccessorV2
		r, err := acc.EventToRequestWithContext(context.Background(), ev)
		if err != nil {
			b.Fatal(err)
		}
		return r
	}
}

// viaBearer builds requests with an RS256 JWT verified against the JWKS
// (the local cloud's path).
func viaBearer(u user) requestMaker {
	return func(b *testing.B, method, path string, body []byte) *http.Request {
		r := httptest.NewRequest(method, Prefix+path, bytes.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Authorization", "Bearer "+u.token)
		return r
	}
}

// benchCall times one in-process request per iteration and reports the
// median and 99th percentile besides the mean.
func benchCall(b *testing.B, e *env, mk requestMaker, method, path string, body func(i int) []byte, want int) {
	b.Helper()
	var times []time.Duration
	i := 0
	for b.Loop() {
		var raw []byte
		if body != nil {
			raw = body(i)
		}
		req := mk(b, method, path, raw)
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

// bothPaths runs a benchmark through the Lambda authorizer path and the
// bearer JWT path.
func bothPaths(b *testing.B, u user, run func(b *testing.B, mk requestMaker)) {
	b.Run("authorizer", func(b *testing.B) { run(b, viaAuthorizer(u)) })
	b.Run("bearer", func(b *testing.B) { run(b, viaBearer(u)) })
}

func BenchmarkListProjects(b *testing.B) {
	e := newEnv(b)
	u := e.signIn("bench")
	for i := range 20 {
		e.do(http.MethodPost, "/tenants/"+u.tenant+"/projects", u.token, map[string]string{"name": fmt.Sprintf("Project %02d", i)}).
			status(http.StatusCreated)
	}
	bothPaths(b, u, func(b *testing.B, mk requestMaker) {
		benchCall(b, e, mk, http.MethodGet, "/tenants/"+u.tenant+"/projects", nil, http.StatusOK)
	})
}

func BenchmarkGetFlow200Nodes(b *testing.B) {
	e := newEnv(b)
	u := e.signIn("bench")
	proj, _ := e.project(u, "Bench")
	path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "big", "document": chainDoc(b, 200, "bench")})
	bothPaths(b, u, func(b *testing.B, mk requestMaker) {
		benchCall(b, e, mk, http.MethodGet, path, nil, http.StatusOK)
	})
}

func BenchmarkSaveDraft200Nodes(b *testing.B) {
	e := newEnv(b)
	u := e.signIn("bench")
	proj, _ := e.project(u, "Bench")
	docs := [2]json.RawMessage{chainDoc(b, 200, "even"), chainDoc(b, 200, "odd")}
	bothPaths(b, u, func(b *testing.B, mk requestMaker) {
		path, _ := e.flow(u, proj, map[string]any{"kind": "service", "name": "big", "document": docs[1]})
		body := func(i int) []byte {
			raw, err := json.Marshal(map[string]any{"document": docs[i%2], "revision": i + 1})
			if err != nil {
				b.Fatal(err)
			}
			return raw
		}
		benchCall(b, e, mk, http.MethodPut, path+"/draft", body, http.StatusOK)
	})
}

// BenchmarkDecodeDraftBody is the CPU part of a save: the strict body decode
// and the flow document decode of a 200-node draft.
func BenchmarkDecodeDraftBody(b *testing.B) {
	raw, err := json.Marshal(map[string]any{"document": chainDoc(b, 200, "bench"), "revision": 7})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		var body SaveDraftBody
		if err := strictDecode(raw, &body); err != nil {
			b.Fatal(err)
		}
		doc, _, err := decodeDocument("body.document", body.Document)
		if err != nil || len(doc.Nodes) != 200 || body.Revision != 7 {
			b.Fatalf("decoded %d nodes, revision %d: %v", len(doc.Nodes), body.Revision, err)
		}
	}
}
