package aws

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
	"polysynergy/shared/nodes/nodetest"
	"polysynergy/shared/store"
)

// testLoader returns a configuration with static credentials, no retries and the
// owned-body transport, so tests never look for real credentials.
func testLoader(_ context.Context, region string) (sdkaws.Config, error) {
	return sdkaws.Config{
		Region:           region,
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1,
		HTTPClient:       &http.Client{Transport: store.OwnedBodyTransport{}},
	}, nil
}

// registry registers the family with the test loader.
func registry(t *testing.T) *nodes.Registry {
	t.Helper()
	return registryWith(t, testLoader)
}

// registryWith registers the family with load, its credentials usable by nodes without
// their own (as on a user's machine; credentials_test.go covers the functions' rule).
func registryWith(t *testing.T, load ConfigLoader) *nodes.Registry {
	t.Helper()
	f := newFamily(load)
	f.ambient = true
	guarded := f.endpointClient
	f.endpointClient = func(allow bool) sdkaws.HTTPClient {
		if allow { // the fakes listen on loopback, which the functions' guard always refuses
			return &http.Client{Transport: store.OwnedBodyTransport{}}
		}
		return guarded(false)
	}
	r := nodes.NewRegistry()
	if err := r.Register(f.types()...); err != nil {
		t.Fatalf("register: %v", err)
	}
	return r
}

func lookup(t *testing.T, r *nodes.Registry, id string) *nodes.Type {
	t.Helper()
	typ, ok := r.Lookup(id)
	if !ok {
		t.Fatalf("node type %s not registered", id)
	}
	return typ
}

// recorded is one request a fake received.
type recorded struct {
	Method, Path, Query string
	Header              http.Header
	Body                []byte
}

// JSON decodes the body as JSON.
func (r recorded) JSON(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("request body %q is not JSON: %v", r.Body, err)
	}
	return m
}

// recorder wraps a handler and keeps every request it saw.
type recorder struct {
	mu   sync.Mutex
	reqs []recorded
	next http.Handler
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rec.mu.Lock()
	rec.reqs = append(rec.reqs, recorded{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), Body: b})
	rec.mu.Unlock()
	r.Body = io.NopCloser(strings.NewReader(string(b)))
	rec.next.ServeHTTP(w, r)
}

// last returns the latest request, failing when there was none.
func (rec *recorder) last(t *testing.T) recorded {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.reqs) == 0 {
		t.Fatal("no request was sent")
	}
	return rec.reqs[len(rec.reqs)-1]
}

func (rec *recorder) count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.reqs)
}

// fake starts an httptest server running h behind a recorder.
func fake(t *testing.T, h http.HandlerFunc) (*recorder, string) {
	t.Helper()
	rec := &recorder{next: h}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	return rec, srv.URL
}

// run executes a node with inputs and the common region/endpoint filled in.
func run(t *testing.T, typ *nodes.Type, url string, in map[string]any) (nodes.Out, error) {
	t.Helper()
	full := map[string]any{portRegion: "eu-west-1", portEndpoint: url, netguard.PortName: true}
	for k, v := range in {
		full[k] = v
	}
	out, err, _ := nodetest.Run(context.Background(), typ, full, nodetest.Options{})
	return out, err
}

// checkErr asserts err against want: empty want means no error; otherwise err must
// contain want.
func checkErr(t *testing.T, err error, want string) bool {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want one containing %q", err, want)
	}
	return true
}

// subset asserts that every key of want is in got with an equal value.
func subset(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	for k, w := range want {
		if g := got[k]; !reflect.DeepEqual(nodes.Normalize(g), nodes.Normalize(w)) {
			t.Errorf("%s[%q] = %#v, want %#v", what, k, g, w)
		}
	}
}
