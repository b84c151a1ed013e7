package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/nodes"
)

func (f *family) lambdaTypes() []*nodes.Type {
	return []*nodes.Type{{
		ID: "aws.lambda_invoke", Category: category, Name: "Lambda invoke", Icon: "zap",
		Doc: "Invokes an AWS Lambda function.\n\n" +
			"**Inputs**: `function` (name, ARN or alias ARN), `payload` (any value, sent as JSON; a string that is " +
			"JSON is sent as is), `invocation_type` (`RequestResponse` waits for the result, `Event` queues the " +
			"call and returns at once), `qualifier` (version or alias).\n\n" +
			"**Outputs**: `result` (the function's answer, parsed when it is JSON), `status` (HTTP status), " +
			"`version` (the version that ran). When the function fails (X-Amz-Function-Error), the node fails " +
			"with the function's error type and message.\n\n" +
			"Example: function `resize-image`, payload `{\"key\": \"a.png\"}` → result `{\"ok\": true}`.",
		Inputs: withCommon(
			nodes.Port{Name: "function", Type: nodes.String, Required: true, Doc: "Function name or ARN."},
			nodes.Port{Name: "payload", Type: nodes.Any, Doc: "The event to send (JSON)."},
			nodes.Port{Name: "invocation_type", Type: nodes.String, Default: "RequestResponse",
				Options: []string{"RequestResponse", "Event"}, Doc: "Wait for the result, or queue the call."},
			nodes.Port{Name: "qualifier", Type: nodes.String, Doc: "Version or alias to invoke."},
		),
		Outputs: []nodes.Port{
			{Name: "result", Type: nodes.Any, Doc: "The function's answer (null for Event invocations)."},
			{Name: "status", Type: nodes.Integer, Doc: "HTTP status of the invocation (200, or 202 for Event)."},
			{Name: "version", Type: nodes.String, Doc: "The function version that ran."},
		},
		Run: f.lambdaInvoke,
	}}
}

// payloadJSON encodes the payload input: JSON text is sent as is, other values are encoded.
func payloadJSON(v any) ([]byte, error) {
	if s, ok := v.(string); ok && json.Valid([]byte(s)) {
		return []byte(s), nil
	}
	b, err := json.Marshal(nodes.Normalize(v))
	if err != nil {
		return nil, nodes.Errorf("payload", "cannot encode as JSON: %v", err)
	}
	return b, nil
}

// parseResult decodes a JSON answer, or returns the text when it is not JSON.
func parseResult(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	v, err := jsonvalue.Unmarshal(b)
	if err != nil {
		return string(b)
	}
	return v
}

func (f *family) lambdaInvoke(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	fn, err := required(c, "function")
	if err != nil {
		return nil, err
	}
	var it lambdatypes.InvocationType
	switch strings.ToLower(strings.TrimSpace(c.Str("invocation_type"))) {
	case "", "requestresponse":
		it = lambdatypes.InvocationTypeRequestResponse
	case "event":
		it = lambdatypes.InvocationTypeEvent
	default:
		return nil, nodes.Errorf("invocation_type", "must be RequestResponse or Event, got %q", c.Str("invocation_type"))
	}
	payload, err := payloadJSON(c.Get("payload"))
	if err != nil {
		return nil, err
	}
	t, err := f.target(ctx, c)
	if err != nil {
		return nil, err
	}
	cl := lambda.NewFromConfig(t.cfg, func(o *lambda.Options) { o.BaseEndpoint = t.endpoint })
	out, err := cl.Invoke(ctx, &lambda.InvokeInput{FunctionName: &fn, Payload: payload, InvocationType: it,
		Qualifier: optStr(c, "qualifier")})
	if err != nil {
		return nil, fmt.Errorf("lambda invoke %s: %w", fn, err)
	}
	if out.FunctionError != nil {
		msg := string(out.Payload)
		var fe struct {
			ErrorType    string `json:"errorType"`
			ErrorMessage string `json:"errorMessage"`
		}
		if json.Unmarshal(out.Payload, &fe) == nil && fe.ErrorMessage != "" {
			msg = fe.ErrorMessage
			if fe.ErrorType != "" {
				msg = fe.ErrorType + ": " + msg
			}
		}
		return nil, fmt.Errorf("lambda invoke %s: function error (%s): %s", fn, *out.FunctionError, msg)
	}
	return nodes.Out{"result": parseResult(out.Payload), "status": float64(out.StatusCode),
		"version": sdkaws.ToString(out.ExecutedVersion)}, nil
}
