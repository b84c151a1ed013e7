package apigw_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"polysynergy/shared/local/apigw"
)

// An asynchronous (Event) invocation takes at most 1 MB, as in Lambda (6 MB is the limit of
// a synchronous one): an async route's 2 MB request was handed to the runner locally and
// refused once deployed.
func TestLambdaAsyncInvocationPayloadLimit(t *testing.T) {
	l := apigw.NewLambda(context.Background(), nil)
	ran := make(chan int, 4)
	l.Register("runner", func(_ context.Context, payload []byte) ([]byte, error) {
		ran <- len(payload)
		return []byte(`{}`), nil
	})
	mux := http.NewServeMux()
	l.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := awslambda.New(awslambda.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", "")})
	ctx := context.Background()
	payload := func(n int) []byte { return []byte(`"` + strings.Repeat("a", n-2) + `"`) }

	if _, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("runner"),
		InvocationType: types.InvocationTypeEvent, Payload: payload(apigw.MaxAsyncPayload)}); err != nil {
		t.Fatalf("1 MB async: %v", err)
	}
	if n := <-ran; n != apigw.MaxAsyncPayload {
		t.Fatalf("ran with %d bytes", n)
	}
	_, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("runner"),
		InvocationType: types.InvocationTypeEvent, Payload: payload(apigw.MaxAsyncPayload + 1)})
	var tooLarge *types.RequestTooLargeException
	if !errors.As(err, &tooLarge) {
		t.Fatalf("over 1 MB async: %v; want RequestTooLargeException", err)
	}
	if err := l.InvokeAsync("runner", payload(apigw.MaxAsyncPayload+1)); err == nil {
		t.Fatal("InvokeAsync took more than 1 MB")
	}
	// a synchronous invocation still takes it
	if _, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("runner"), Payload: payload(2 << 20)}); err != nil {
		t.Fatalf("2 MB sync: %v", err)
	}
	if n := <-ran; n != 2<<20 {
		t.Fatalf("sync ran with %d bytes", n)
	}
	if err := l.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-ran:
		t.Fatalf("an invocation over the limit ran (%d bytes)", n)
	default:
	}
}
