package publish_test

import (
	"log/slog"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"

	"polysynergy/shared/live/publish"
)

func TestClient(t *testing.T) {
	cfg := aws.Config{Region: "eu-west-1"}
	p := publish.Client("", cfg)
	if p != nil {
		t.Fatalf("no endpoint: got %T, want no client", p)
	}
	// no client means no live events at all, not a publisher that fails on every post
	if pubs := publish.ForRuns(nil, p, slog.Default()); pubs != nil {
		t.Fatal("ForRuns without a client must return no publishers")
	}
	p = publish.Client("https://abc.execute-api.eu-west-1.amazonaws.com/live", cfg)
	c, ok := p.(*apigatewaymanagementapi.Client)
	if !ok {
		t.Fatalf("got %T, want the Management API client", p)
	}
	if ep := c.Options().BaseEndpoint; ep == nil || *ep != "https://abc.execute-api.eu-west-1.amazonaws.com/live" {
		t.Fatalf("endpoint %v", ep)
	}
}
