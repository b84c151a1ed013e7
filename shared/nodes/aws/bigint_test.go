package aws

import (
	"net/http"
	"testing"
)

// Whole numbers beyond 2^53 in an AWS answer's JSON (a Lambda result, a JSON secret) come out
// exact as int64, as Parse JSON reads them; they came out as the float64 9007199254740992.
func TestJSONAnswersKeepLargeIntegersExact(t *testing.T) {
	const id int64 = 9007199254740993
	runCases(t, "aws.lambda_invoke", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amz-Executed-Version", "1")
		_, _ = w.Write([]byte(`{"id": 9007199254740993, "n": 2}`))
	}, []serviceCase{{name: "lambda", in: map[string]any{"function": "big"},
		want: map[string]any{"result": map[string]any{"id": id, "n": 2.0}}, check: func(*testing.T, recorded) {}}})
	runCases(t, "aws.secrets_get", jsonFake("application/x-amz-json-1.1", func(string, map[string]any) (int, any) {
		return 200, map[string]any{"ARN": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:big", "Name": "big",
			"VersionId": "v1", "SecretString": `{"account": 9007199254740993}`}
	}), []serviceCase{{name: "secret", in: map[string]any{"secret_id": "big"},
		want: map[string]any{"json": map[string]any{"account": id}}, check: func(*testing.T, recorded) {}}})
}
