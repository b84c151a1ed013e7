package apigw_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/lestrrat-go/jwx/v3/jwa"
	"github.com/lestrrat-go/jwx/v3/jwk"
	"github.com/lestrrat-go/jwx/v3/jws"

	"polysynergy/shared/auth/token"
	"polysynergy/shared/local/apigw"
)

// echo is a Lambda handler that answers with what it received.
func echo(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	b, _ := json.Marshal(ev)
	return events.APIGatewayV2HTTPResponse{StatusCode: 201, Body: string(b), Headers: map[string]string{"content-type": "application/json"},
		Cookies: []string{"a=1; Path=/", "b=2"}}, nil
}

func fn(handler any) apigw.Function { return lambda.NewHandler(handler).Invoke }

func signer(t *testing.T) (*token.Verifier, func(claims map[string]any) string) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := jwk.Import(&key.PublicKey)
	_ = pub.Set(jwk.KeyIDKey, "k")
	_ = pub.Set(jwk.AlgorithmKey, jwa.RS256())
	set := jwk.NewSet()
	_ = set.AddKey(pub)
	v, err := token.NewVerifierFromKeySet(set, token.Config{Issuer: "https://issuer", Audience: "app"})
	if err != nil {
		t.Fatal(err)
	}
	return v, func(claims map[string]any) string {
		b, _ := json.Marshal(claims)
		hdr := jws.NewHeaders()
		_ = hdr.Set(jws.KeyIDKey, "k")
		tok, err := jws.Sign(b, jws.WithKey(jwa.RS256(), key, jws.WithProtectedHeaders(hdr)))
		if err != nil {
			t.Fatal(err)
		}
		return string(tok)
	}
}

func TestHTTPAPIBuildsPayload2WithAuthorizerClaims(t *testing.T) {
	v, sign := signer(t)
	h := apigw.HTTPAPI(fn(echo), apigw.HTTPOptions{Name: "api", Authorizer: &apigw.Authorizer{Verifier: v,
		Public: func(_, path string) bool { return path == "/health" }}})
	srv := httptest.NewServer(h)
	defer srv.Close()
	now := time.Now().Unix()
	tok := sign(map[string]any{"sub": "u1", "email": "ada@example.com", "iss": "https://issuer", "aud": "app", "exp": now + 60, "iat": now, "token_use": "id"})

	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/things?x=1&x=2&y=3", strings.NewReader(`{"a":1}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("Cookie", "session=abc; theme=dark")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || len(resp.Header.Values("Set-Cookie")) != 2 {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, body)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(body, &ev); err != nil {
		t.Fatal(err)
	}
	if ev.Version != "2.0" || ev.RawPath != "/api/v1/things" || ev.RawQueryString != "x=1&x=2&y=3" ||
		ev.QueryStringParameters["x"] != "1,2" || ev.Body != `{"a":1}` || ev.IsBase64Encoded ||
		ev.RequestContext.HTTP.Method != "POST" || len(ev.Cookies) != 2 || ev.Headers["content-type"] != "application/json" {
		t.Fatalf("event %+v", ev)
	}
	claims := ev.RequestContext.Authorizer.JWT.Claims
	if claims["sub"] != "u1" || claims["email"] != "ada@example.com" || claims["exp"] == "" {
		t.Fatalf("claims %v", claims)
	}

	for _, tc := range []struct {
		name, header string
	}{
		{"no token", ""},
		{"garbage", "Bearer abc.def.ghi"},
		{"expired", "Bearer " + sign(map[string]any{"sub": "u1", "iss": "https://issuer", "aud": "app", "exp": now - 3600})},
		{"wrong audience", "Bearer " + sign(map[string]any{"sub": "u1", "iss": "https://issuer", "aud": "other", "exp": now + 60})},
	} {
		req, _ := http.NewRequest("GET", srv.URL+"/api/v1/things", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("%s: %d", tc.name, resp.StatusCode)
		}
	}
	// public routes skip the authorizer; binary bodies arrive base64-encoded
	resp, _ = http.Post(srv.URL+"/health", "application/octet-stream", bytes.NewReader([]byte{0, 1, 2}))
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	var pub events.APIGatewayV2HTTPRequest
	_ = json.Unmarshal(body, &pub)
	if resp.StatusCode != 201 || !pub.IsBase64Encoded || pub.Body != "AAEC" || pub.RequestContext.Authorizer != nil {
		t.Fatalf("public/binary: %d %+v", resp.StatusCode, pub)
	}
}

func TestFunctionErrorsAndBadAnswers(t *testing.T) {
	failing := apigw.HTTPAPI(fn(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{}, errors.New("boom")
	}), apigw.HTTPOptions{})
	rec := httptest.NewRecorder()
	failing.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || !strings.Contains(rec.Body.String(), "Internal Server Error") {
		t.Fatalf("function error: %d %s", rec.Code, rec.Body)
	}
	binary := apigw.HTTPAPI(fn(func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: "AAEC", IsBase64Encoded: true, Headers: map[string]string{"content-type": "image/png"}}, nil
	}), apigw.HTTPOptions{})
	rec = httptest.NewRecorder()
	binary.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), []byte{0, 1, 2}) {
		t.Fatalf("binary answer: %d %v", rec.Code, rec.Body.Bytes())
	}
}

func TestLambdaInvokeAPIWithTheRealClient(t *testing.T) {
	l := apigw.NewLambda(context.Background(), nil)
	got := make(chan string, 1)
	l.Register("runner", fn(func(_ context.Context, in map[string]any) (map[string]any, error) {
		if in["fail"] == true {
			return nil, errors.New("it failed")
		}
		got <- in["kind"].(string)
		return map[string]any{"ok": true, "kind": in["kind"]}, nil
	}))
	mux := http.NewServeMux()
	l.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	c := awslambda.New(awslambda.Options{BaseEndpoint: aws.String(srv.URL), Region: "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("x", "y", "")})
	ctx := context.Background()
	out, err := c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("arn:aws:lambda:us-east-1:123:function:runner"), Payload: []byte(`{"kind":"editor"}`)})
	if err != nil || out.FunctionError != nil || !strings.Contains(string(out.Payload), `"ok":true`) {
		t.Fatalf("invoke: %v %+v %s", err, out, out.Payload)
	}
	<-got
	out, err = c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("runner"), Payload: []byte(`{"fail":true}`)})
	if err != nil || aws.ToString(out.FunctionError) != "Unhandled" || !strings.Contains(string(out.Payload), "it failed") {
		t.Fatalf("function error: %v %+v", err, out)
	}
	out, err = c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("runner"), InvocationType: types.InvocationTypeEvent, Payload: []byte(`{"kind":"async"}`)})
	if err != nil || out.StatusCode != 202 {
		t.Fatalf("async: %v %+v", err, out)
	}
	if k := <-got; k != "async" {
		t.Fatalf("async ran %q", k)
	}
	if err := l.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = c.Invoke(ctx, &awslambda.InvokeInput{FunctionName: aws.String("nope"), Payload: []byte(`{}`)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("unknown function: %v", err)
	}
}

// Stopping waits for asynchronous invocations only until its context ends: then they are
// cancelled, and Wait returns once they have; it waited for as long as they ran (a run
// with a delay node kept `polysynergy dev` from stopping for minutes after Ctrl-C). Once
// stopping, no invocation starts.
func TestLambdaWaitCancelsAsyncInvocationsWhenItsContextEnds(t *testing.T) {
	l := apigw.NewLambda(context.Background(), nil)
	started, cancelled := make(chan struct{}), make(chan error, 1)
	l.Register("runner", func(ctx context.Context, _ []byte) ([]byte, error) {
		close(started)
		select {
		case <-ctx.Done():
			cancelled <- ctx.Err()
			return nil, ctx.Err()
		case <-time.After(time.Minute):
			cancelled <- nil
			return []byte(`{}`), nil
		}
	})
	if err := l.InvokeAsync("nope", []byte(`{}`)); err == nil {
		t.Fatal("an unknown function was invoked")
	}
	if err := l.InvokeAsync("runner", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	t0 := time.Now()
	if err := l.Wait(ctx); err != nil {
		t.Fatalf("wait: %v", err)
	}
	if d := time.Since(t0); d > 5*time.Second {
		t.Fatalf("stopping took %s", d)
	}
	if err := <-cancelled; !errors.Is(err, context.Canceled) {
		t.Fatalf("the running invocation was not cancelled: %v", err)
	}
	if err := l.InvokeAsync("runner", []byte(`{}`)); !errors.Is(err, apigw.ErrStopping) {
		t.Fatalf("an invocation after stopping: %v", err)
	}
}

// A request API Gateway takes (under 10 MB) but whose event is over Lambda's 6 MB is
// refused with 413 without invoking the function, and a function answering more than 6 MB
// fails the request with 500, as in AWS: the local cloud handed both through (a 7 MB
// upload worked locally and failed once deployed).
func TestLambdaPayloadLimits(t *testing.T) {
	calls := 0
	h := apigw.HTTPAPI(fn(func(_ context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		calls++
		body := "ok"
		if ev.RawPath == "/big-answer" {
			body = strings.Repeat("a", 6<<20+200)
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: 200, Body: body}, nil
	}), apigw.HTTPOptions{})
	post := func(path, ctype string, n int) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", path, bytes.NewReader(bytes.Repeat([]byte("a"), n)))
		req.Header.Set("Content-Type", ctype)
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := post("/", "text/plain", 5<<20); rec.Code != 200 || calls != 1 {
		t.Fatalf("a 5 MB text body: %d (%d calls)", rec.Code, calls)
	}
	if rec := post("/", "text/plain", 7<<20); rec.Code != 413 || calls != 1 {
		t.Fatalf("a 7 MB text body: %d %s (%d calls); want 413 without a call", rec.Code, rec.Body, calls)
	}
	// 5 MB of binary is 6.7 MB of base64 in the event
	if rec := post("/", "application/octet-stream", 5<<20); rec.Code != 413 || calls != 1 {
		t.Fatalf("a 5 MB binary body: %d (%d calls); want 413 without a call", rec.Code, calls)
	}
	if rec := post("/big-answer", "text/plain", 10); rec.Code != 500 || !strings.Contains(rec.Body.String(), "Internal Server Error") {
		t.Fatalf("an answer over 6 MB: %d %.100s; want 500", rec.Code, rec.Body)
	}
}

// Stopping with a context already spent (the servers' shutdown used it up) and nothing
// running warned "cancelling the functions still running count=0" about half the time.
func TestLambdaWaitWithNothingRunningDoesNotWarn(t *testing.T) {
	var logs bytes.Buffer
	l := apigw.NewLambda(context.Background(), slog.New(slog.NewTextHandler(&logs, nil)))
	ran := make(chan struct{}, 1)
	l.Register("runner", func(context.Context, []byte) ([]byte, error) { ran <- struct{}{}; return []byte(`{}`), nil })
	if err := l.InvokeAsync("runner", []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	<-ran
	if err := l.Wait(context.Background()); err != nil { // the invocation has returned
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 50 {
		if err := l.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if logs.Len() > 0 {
		t.Errorf("stopping with nothing running logged:\n%s", logs.String())
	}
}
