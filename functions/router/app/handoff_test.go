package app

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"polysynergy/shared/local/apigw"
	"polysynergy/shared/nodes/trigger"
	"polysynergy/shared/router"
	"polysynergy/shared/runs"
)

// The hand-off to the runner through the Lambda Invoke API (the local cloud's, which keeps
// Lambda's 1 MB limit for an asynchronous invocation): a request too large for it is an
// ErrTooLarge (the router answers 413, not a 503 to retry), and nothing runs.
func TestInvokeRunnerTooLarge(t *testing.T) {
	ctx := context.Background()
	l := apigw.NewLambda(ctx, nil)
	ran := make(chan []byte, 2)
	l.Register("runner", func(_ context.Context, payload []byte) ([]byte, error) {
		ran <- payload
		return []byte(`{}`), nil
	})
	mux := http.NewServeMux()
	l.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	lc := lambda.New(lambda.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", "")})
	job := func(body string) runs.Job {
		return runs.Job{Kind: runs.KindRouter, Tenant: "t1", Project: "p1", Flow: "f1", Stage: "dev", RunID: "r1",
			Trigger: trigger.HTTPRequest{Method: "POST", Path: "/in", Body: body}.Map()}
	}

	if err := invokeRunner(ctx, lc, "runner", job("small")); err != nil {
		t.Fatalf("small hand-off: %v", err)
	}
	if p := <-ran; !strings.Contains(string(p), `"body":"small"`) || !strings.Contains(string(p), `"run_id":"r1"`) {
		t.Fatalf("runner got %s", p)
	}

	err := invokeRunner(ctx, lc, "runner", job(strings.Repeat("a", 2<<20)))
	if !errors.Is(err, router.ErrTooLarge) || !strings.Contains(err.Error(), "r1") {
		t.Fatalf("2 MB hand-off: %v; want ErrTooLarge naming the run", err)
	}
	select {
	case p := <-ran:
		t.Fatalf("the runner ran a refused hand-off (%d bytes)", len(p))
	default:
	}
}
