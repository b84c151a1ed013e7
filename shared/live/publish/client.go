package publish

import (
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigatewaymanagementapi"
)

// Client returns the API Gateway Management API client that posts to the connections of
// the WebSocket API at endpoint (https://{api-id}.execute-api.{region}.amazonaws.com/{stage},
// or the local cloud's), or nil when endpoint is empty: then there are no live events.
func Client(endpoint string, cfg aws.Config) Poster {
	if endpoint == "" {
		return nil
	}
	return apigatewaymanagementapi.NewFromConfig(cfg, func(o *apigatewaymanagementapi.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		// a run's events go to up to DefaultMaxParallel connections at once: keep that many warm
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 2 * DefaultMaxParallel
		o.HTTPClient = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	})
}
