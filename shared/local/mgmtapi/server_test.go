package mgmtapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi/types"

	"polysynergy/shared/local/mgmtapi"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// fakeConn records what the registry delivers.
type fakeConn struct {
	mu     sync.Mutex
	msgs   [][]byte
	closed int
	fail   error
}

func (f *fakeConn) Send(_ context.Context, msg []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.msgs = append(f.msgs, bytes.Clone(msg))
	return nil
}

func (f *fakeConn) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed++
	return nil
}

func (f *fakeConn) messages() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]string, len(f.msgs))
	for i, m := range f.msgs {
		out[i] = string(m)
	}
	return out
}

// newClient is the real SDK client pointed at the server, with the stage in
// the endpoint as API Gateway has it.
func newClient(url string) *apigatewaymanagementapi.Client {
	return apigatewaymanagementapi.New(apigatewaymanagementapi.Options{
		BaseEndpoint:     aws.String(url + "/dev"),
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("test", "test", ""),
		RetryMaxAttempts: 1,
	})
}

func startServer(t *testing.T, now func() time.Time) (*mgmtapi.Registry, *apigatewaymanagementapi.Client, string) {
	t.Helper()
	reg := mgmtapi.NewRegistry(now)
	ts := httptest.NewServer(mgmtapi.NewServer(reg, mgmtapi.WithServerLogger(quiet)))
	t.Cleanup(ts.Close)
	return reg, newClient(ts.URL), ts.URL
}

func TestPostToConnection(t *testing.T) {
	reg, client, _ := startServer(t, nil)
	tests := []struct {
		name string
		id   string
		data []byte
	}{
		{"plain id", "Kx9vTc3BoAMCE7Q=", []byte(`[{"type":"run_start"}]`)},
		{"id needing escapes", "a/b+c d=", []byte("hello")},
		{"binary data", "bin=", []byte{0xff, 0x00, 0x01}},
		{"largest allowed", "big=", bytes.Repeat([]byte("x"), mgmtapi.MaxPayloadBytes)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fc := &fakeConn{}
			if err := reg.Add(tt.id, fc, mgmtapi.Info{}); err != nil {
				t.Fatalf("add: %v", err)
			}
			_, err := client.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{
				ConnectionId: aws.String(tt.id), Data: tt.data})
			if err != nil {
				t.Fatalf("post: %v", err)
			}
			got := fc.messages()
			if len(got) != 1 || got[0] != string(tt.data) {
				t.Fatalf("delivered %d messages, first %.40q; want exactly %.40q", len(got), first(got), tt.data)
			}
		})
	}
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func TestPostErrors(t *testing.T) {
	reg, client, _ := startServer(t, nil)
	broken := &fakeConn{fail: errors.New("broken pipe")}
	if err := reg.Add("broken=", broken, mgmtapi.Info{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Add("ok=", &fakeConn{}, mgmtapi.Info{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		id    string
		data  []byte
		check func(error) bool
		want  string
	}{
		{"unknown connection", "nobody=", []byte("x"), isGone, "GoneException"},
		{"write fails", "broken=", []byte("x"), isGone, "GoneException"},
		{"too large", "ok=", bytes.Repeat([]byte("y"), mgmtapi.MaxPayloadBytes+1), func(err error) bool {
			var e *types.PayloadTooLargeException
			return errors.As(err, &e)
		}, "PayloadTooLargeException"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{
				ConnectionId: aws.String(tt.id), Data: tt.data})
			if err == nil || !tt.check(err) {
				t.Fatalf("post error = %v; want %s", err, tt.want)
			}
		})
	}
	if broken.closed != 1 {
		t.Errorf("broken connection closed %d times; want 1", broken.closed)
	}
	if _, ok := reg.Info("broken="); ok {
		t.Errorf("broken connection still registered after a failed write")
	}
}

func isGone(err error) bool {
	var g *types.GoneException
	return errors.As(err, &g)
}

func TestGetConnection(t *testing.T) {
	clock := time.Date(2025, 3, 4, 5, 6, 7, 891_000_000, time.UTC)
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	reg, client, _ := startServer(t, now)
	connected := clock.Add(-time.Minute)
	if err := reg.Add("c1=", &fakeConn{}, mgmtapi.Info{ConnectedAt: connected,
		Identity: mgmtapi.Identity{SourceIP: "203.0.113.9", UserAgent: "tester/1.0"}}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	clock = clock.Add(30 * time.Second)
	mu.Unlock()
	if _, err := client.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{
		ConnectionId: aws.String("c1="), Data: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	out, err := client.GetConnection(context.Background(), &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String("c1=")})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if !out.ConnectedAt.Equal(connected) {
		t.Errorf("ConnectedAt = %v; want %v", out.ConnectedAt, connected)
	}
	if want := now(); !out.LastActiveAt.Equal(want) {
		t.Errorf("LastActiveAt = %v; want %v (the post)", out.LastActiveAt, want)
	}
	if out.Identity == nil || aws.ToString(out.Identity.SourceIp) != "203.0.113.9" || aws.ToString(out.Identity.UserAgent) != "tester/1.0" {
		t.Errorf("Identity = %+v; want 203.0.113.9 / tester/1.0", out.Identity)
	}
	_, err = client.GetConnection(context.Background(), &apigatewaymanagementapi.GetConnectionInput{ConnectionId: aws.String("none=")})
	if !isGone(err) {
		t.Errorf("get unknown: %v; want GoneException", err)
	}
}

func TestDeleteConnection(t *testing.T) {
	reg, client, _ := startServer(t, nil)
	fc := &fakeConn{}
	if err := reg.Add("d1=", fc, mgmtapi.Info{}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.DeleteConnection(context.Background(), &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String("d1=")}); err != nil {
		t.Fatalf("delete: %v", err)
	}
	if fc.closed != 1 {
		t.Errorf("connection closed %d times; want 1", fc.closed)
	}
	if reg.Len() != 0 {
		t.Errorf("registry holds %v after delete; want none", reg.IDs())
	}
	_, err := client.DeleteConnection(context.Background(), &apigatewaymanagementapi.DeleteConnectionInput{ConnectionId: aws.String("d1=")})
	if !isGone(err) {
		t.Errorf("second delete: %v; want GoneException", err)
	}
	_, err = client.PostToConnection(context.Background(), &apigatewaymanagementapi.PostToConnectionInput{
		ConnectionId: aws.String("d1="), Data: []byte("x")})
	if !isGone(err) {
		t.Errorf("post after delete: %v; want GoneException", err)
	}
}

func TestServerRawWire(t *testing.T) {
	reg, _, url := startServer(t, nil)
	if err := reg.Add("w1=", &fakeConn{}, mgmtapi.Info{}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		method    string
		path      string
		status    int
		errorType string
		body      string
	}{
		{"no stage prefix", http.MethodPost, "/@connections/w1=", 200, "", ""},
		{"gone", http.MethodPost, "/dev/@connections/zz=", 410, "GoneException", `"message"`},
		{"not the resource", http.MethodGet, "/dev/other/w1=", 404, "NotFoundException", "@connections"},
		{"empty id", http.MethodGet, "/dev/@connections/", 404, "NotFoundException", ""},
		{"nested path", http.MethodGet, "/dev/@connections/w1=/x", 404, "NotFoundException", ""},
		{"wrong method", http.MethodPut, "/dev/@connections/w1=", 405, "MethodNotAllowedException", "PUT"},
		{"get json", http.MethodGet, "/dev/@connections/w1=", 200, "", `"connectedAt":"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, url+tt.path, strings.NewReader("m"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d (%s); want %d", resp.StatusCode, b, tt.status)
			}
			if got := resp.Header.Get("X-Amzn-ErrorType"); got != tt.errorType {
				t.Errorf("x-amzn-ErrorType = %q; want %q", got, tt.errorType)
			}
			if resp.Header.Get("X-Amzn-RequestId") == "" {
				t.Errorf("no x-amzn-RequestId header")
			}
			if !strings.Contains(string(b), tt.body) {
				t.Errorf("body %s; want it to contain %s", b, tt.body)
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	reg := mgmtapi.NewRegistry(nil)
	a := &fakeConn{}
	if err := reg.Add("", a, mgmtapi.Info{}); err == nil || !strings.Contains(err.Error(), "id") {
		t.Errorf("add with empty id: %v; want an error naming id", err)
	}
	if err := reg.Add("x=", nil, mgmtapi.Info{}); err == nil || !strings.Contains(err.Error(), "conn") {
		t.Errorf("add nil conn: %v; want an error naming conn", err)
	}
	if err := reg.Add("b=", a, mgmtapi.Info{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Add("a=", a, mgmtapi.Info{}); err != nil {
		t.Fatal(err)
	}
	if err := reg.Add("a=", &fakeConn{}, mgmtapi.Info{}); err == nil {
		t.Errorf("second add of a=: no error; want one")
	}
	if got := strings.Join(reg.IDs(), ","); got != "a=,b=" {
		t.Errorf("IDs = %s; want a=,b=", got)
	}
	info, ok := reg.Info("a=")
	if !ok || info.ConnectedAt.IsZero() || !info.LastActiveAt.Equal(info.ConnectedAt) {
		t.Errorf("Info = %+v, %v; want ConnectedAt set and LastActiveAt equal to it", info, ok)
	}
	if !reg.Remove("a=") || reg.Remove("a=") {
		t.Errorf("Remove: want true then false")
	}
	if err := reg.Close("a="); !errors.Is(err, mgmtapi.ErrGone) {
		t.Errorf("Close removed: %v; want ErrGone", err)
	}
	if err := reg.Send(context.Background(), "a=", nil); !errors.Is(err, mgmtapi.ErrGone) {
		t.Errorf("Send removed: %v; want ErrGone", err)
	}
	if reg.Len() != 1 {
		t.Errorf("Len = %d; want 1", reg.Len())
	}
}
