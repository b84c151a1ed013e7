package app_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"polysynergy/functions/api/app"
	"polysynergy/functions/internal/fixture"
	"polysynergy/shared/platform"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store/storetest"
)

// expectation is an <event>.expect.json file (the format functions/rie_test.go reads).
type expectation struct {
	StatusCode   int      `json:"statusCode"`
	BodyContains []string `json:"bodyContains"`
}

var placeholder = regexp.MustCompile(`\$\{[A-Z_]+\}`)

// TestEventsReplayed sends every sample event in events/api through the Lambda handler —
// the JSON is decoded by the Lambda library exactly as in AWS, turned into an http.Request by
// the HTTP API v2 adapter and served by the API — against the embedded DynamoDB seeded with
// the shared fixture, and checks each answer against its .expect.json.
func TestEventsReplayed(t *testing.T) {
	ctx := context.Background()
	db := storetest.Start(t)
	keyFile := filepath.Join(t.TempDir(), "secrets.key")
	lw, err := secrets.LoadOrCreateKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(lw)
	if err != nil {
		t.Fatal(err)
	}
	const secretValue = "fixture-secret-value"
	data, err := fixture.Seed(ctx, db.Store, box, "owner-sub", "owner@example.com")
	if err != nil {
		t.Fatal(err)
	}
	vars := data.Vars()
	cfg := platform.Config{Table: db.Table, Region: "us-east-1", DynamoEndpoint: db.URL, SecretsKeyFile: keyFile,
		LogLevel: slog.LevelError + 4}
	fn, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	handler := lambda.NewHandler(fn)

	files, err := filepath.Glob(filepath.Join("..", "..", "..", "events", "api", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	ran := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".expect.json") {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".json")
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		payload := string(raw)
		for k, v := range vars {
			payload = strings.ReplaceAll(payload, "${"+k+"}", v)
		}
		if m := placeholder.FindString(payload); m != "" {
			t.Fatalf("%s: unknown placeholder %s", name, m)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal([]byte(payload), &ev); err != nil {
			t.Fatalf("%s: not an HTTP API v2 event: %v", name, err)
		}
		var exp expectation
		eb, err := os.ReadFile(strings.TrimSuffix(f, ".json") + ".expect.json")
		if err != nil {
			t.Fatalf("%s: no expectation: %v", name, err)
		}
		if err := json.Unmarshal(eb, &exp); err != nil {
			t.Fatalf("%s.expect.json: %v", name, err)
		}
		out, err := handler.Invoke(ctx, []byte(payload))
		if err != nil {
			t.Fatalf("%s: invoke: %v", name, err)
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(out, &resp); err != nil {
			t.Fatalf("%s: answer is not an HTTP API v2 response: %s", name, out)
		}
		ran++
		body := resp.Body
		if resp.StatusCode != exp.StatusCode {
			t.Errorf("%s: status %d, want %d: %s", name, resp.StatusCode, exp.StatusCode, body)
		}
		for _, c := range exp.BodyContains {
			if !strings.Contains(body, c) {
				t.Errorf("%s: body lacks %q: %s", name, c, body)
			}
		}
		if got, want := resp.Headers["X-Request-Id"], ev.Headers["x-request-id"]; got != want {
			t.Errorf("%s: X-Request-Id %q, want the request's %q", name, got, want)
		}
		if resp.StatusCode >= 400 && resp.Headers["Content-Type"] != "application/problem+json" {
			t.Errorf("%s: error content type %q", name, resp.Headers["Content-Type"])
		}
		if strings.Contains(body, secretValue) {
			t.Errorf("%s: a secret value is in the answer", name)
		}
	}
	t.Logf("replayed %d events", ran)
	if ran < 20 {
		t.Errorf("replayed %d events, want at least 20", ran)
	}
}

// TestNewNeedsASecretsKey refuses to start without a way to seal secrets.
func TestNewNeedsASecretsKey(t *testing.T) {
	db := storetest.Start(t)
	_, err := app.New(context.Background(), platform.Config{Table: db.Table, Region: "us-east-1", DynamoEndpoint: db.URL})
	if err == nil || !strings.Contains(err.Error(), platform.EnvKMSKey) {
		t.Fatalf("err = %v, want one naming %s", err, platform.EnvKMSKey)
	}
}
