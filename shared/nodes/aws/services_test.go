package aws

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// jsonFake answers AWS JSON-protocol requests: answer gets the target and decoded body
// and returns the status and the response document.
func jsonFake(contentType string, answer func(target string, in map[string]any) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var in map[string]any
		_ = json.Unmarshal(b, &in)
		status, out := answer(r.Header.Get("X-Amz-Target"), in)
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(out)
	}
}

// serviceCase is one call of a node against a fake.
type serviceCase struct {
	name    string
	in      map[string]any
	want    map[string]any
	wantErr string
	sent    map[string]any // expected request body fields; nil: no request expected
	check   func(t *testing.T, req recorded)
}

func runCases(t *testing.T, id string, h http.HandlerFunc, cases []serviceCase) {
	t.Helper()
	typ := lookup(t, registry(t), id)
	rec, url := fake(t, h)
	for _, c := range cases {
		before := rec.count()
		out, err := run(t, typ, url, c.in)
		if !checkErr(t, err, c.wantErr) {
			subset(t, c.name, out, c.want)
		}
		if c.sent == nil && c.check == nil {
			if rec.count() != before {
				t.Errorf("%s: sent a request, want none", c.name)
			}
			continue
		}
		req := rec.last(t)
		if c.sent != nil {
			subset(t, c.name+" request", req.JSON(t), c.sent)
		}
		if c.check != nil {
			c.check(t, req)
		}
	}
}

func header(name, want string) func(t *testing.T, req recorded) {
	return func(t *testing.T, req recorded) {
		t.Helper()
		if got := req.Header.Get(name); got != want {
			t.Errorf("request header %s = %q, want %q", name, got, want)
		}
	}
}

func TestEventBridgePut(t *testing.T) {
	h := jsonFake("application/x-amz-json-1.1", func(target string, in map[string]any) (int, any) {
		if target != "AWSEvents.PutEvents" {
			return 400, map[string]any{"__type": "UnknownOperationException"}
		}
		e := in["Entries"].([]any)[0].(map[string]any)
		if e["EventBusName"] == "missing" {
			return 400, map[string]any{"__type": "ResourceNotFoundException", "message": "Event bus missing does not exist."}
		}
		if e["Source"] == "aws.forbidden" {
			return 200, map[string]any{"FailedEntryCount": 1, "Entries": []any{map[string]any{"ErrorCode": "NotAuthorizedForSourceException", "ErrorMessage": "Not authorized for the source."}}}
		}
		return 200, map[string]any{"FailedEntryCount": 0, "Entries": []any{map[string]any{"EventId": "ev-1"}}}
	})
	target := header("X-Amz-Target", "AWSEvents.PutEvents")
	runCases(t, "aws.eventbridge_put", h, []serviceCase{
		{name: "object detail on default bus", in: map[string]any{"source": "com.example.orders", "detail_type": "OrderPlaced", "detail": map[string]any{"order": 42.0}},
			want: map[string]any{"event_id": "ev-1"}, check: target,
			sent: map[string]any{"Entries": []any{map[string]any{"EventBusName": "default", "Source": "com.example.orders", "DetailType": "OrderPlaced", "Detail": `{"order":42}`}}}},
		{name: "text detail, custom bus, resources", in: map[string]any{"bus": "orders", "source": "s", "detail_type": "d", "detail": `{"a": 1}`, "resources": []any{"arn:aws:s3:::b"}},
			want: map[string]any{"event_id": "ev-1"},
			sent: map[string]any{"Entries": []any{map[string]any{"EventBusName": "orders", "Source": "s", "DetailType": "d", "Detail": `{"a": 1}`, "Resources": []any{"arn:aws:s3:::b"}}}}},
		{name: "failed entry", in: map[string]any{"source": "aws.forbidden", "detail_type": "d", "detail": map[string]any{}},
			wantErr: "entry aws.forbidden/d failed: NotAuthorizedForSourceException: Not authorized for the source.", sent: map[string]any{}},
		{name: "missing bus", in: map[string]any{"bus": "missing", "source": "s", "detail_type": "d", "detail": map[string]any{}},
			wantErr: "eventbridge put event on bus missing", sent: map[string]any{}},
		{name: "detail text not object", in: map[string]any{"source": "s", "detail_type": "d", "detail": "[1]"}, wantErr: `input "detail": text must be a JSON object`},
		{name: "detail number", in: map[string]any{"source": "s", "detail_type": "d", "detail": 3.0}, wantErr: `input "detail": expected an object`},
		{name: "no source", in: map[string]any{"detail_type": "d", "detail": map[string]any{}}, wantErr: `input "source": required`},
		{name: "no detail type", in: map[string]any{"source": "s", "detail": map[string]any{}}, wantErr: `input "detail_type": required`},
		{name: "bad resource", in: map[string]any{"source": "s", "detail_type": "d", "detail": map[string]any{}, "resources": []any{1.0}}, wantErr: `input "resources": item 0 must be an ARN`},
	})
}

func TestLambdaInvoke(t *testing.T) {
	h := func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fn := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/2015-03-31/functions/"), "/invocations")
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Header.Get("X-Amz-Invocation-Type") == "Event":
			w.WriteHeader(http.StatusAccepted)
		case fn == "fails":
			w.Header().Set("X-Amz-Function-Error", "Unhandled")
			w.Header().Set("X-Amz-Executed-Version", "$LATEST")
			_, _ = w.Write([]byte(`{"errorType":"ValueError","errorMessage":"size must be positive","stackTrace":[]}`))
		case fn == "missing":
			w.Header().Set("X-Amzn-Errortype", "ResourceNotFoundException")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"Type":"User","Message":"Function not found: missing"}`))
		case fn == "text":
			w.Header().Set("X-Amz-Executed-Version", "7")
			_, _ = w.Write([]byte(`plain words`))
		default:
			w.Header().Set("X-Amz-Executed-Version", "3")
			var in any
			_ = json.Unmarshal(b, &in)
			_ = json.NewEncoder(w).Encode(map[string]any{"echo": in, "function": fn, "qualifier": r.URL.Query().Get("Qualifier")})
		}
	}
	path := func(want string) func(t *testing.T, req recorded) {
		return func(t *testing.T, req recorded) {
			t.Helper()
			if req.Method != http.MethodPost || req.Path != want {
				t.Errorf("request %s %s, want POST %s", req.Method, req.Path, want)
			}
		}
	}
	runCases(t, "aws.lambda_invoke", h, []serviceCase{
		{name: "request response with object payload", in: map[string]any{"function": "resize", "payload": map[string]any{"key": "a.png"}},
			want: map[string]any{"status": 200.0, "version": "3", "result": map[string]any{"echo": map[string]any{"key": "a.png"}, "function": "resize", "qualifier": ""}},
			sent: map[string]any{"key": "a.png"},
			check: func(t *testing.T, req recorded) {
				path("/2015-03-31/functions/resize/invocations")(t, req)
				header("X-Amz-Invocation-Type", "RequestResponse")(t, req)
			}},
		{name: "qualifier and JSON text payload", in: map[string]any{"function": "resize", "payload": `{"n": 1}`, "qualifier": "live"},
			want: map[string]any{"result": map[string]any{"echo": map[string]any{"n": 1.0}, "function": "resize", "qualifier": "live"}},
			sent: map[string]any{"n": 1.0},
			check: func(t *testing.T, req recorded) {
				if req.Query != "Qualifier=live" {
					t.Errorf("query = %q, want Qualifier=live", req.Query)
				}
			}},
		{name: "event", in: map[string]any{"function": "resize", "payload": map[string]any{}, "invocation_type": "Event"},
			want: map[string]any{"status": 202.0, "result": nil}, sent: map[string]any{}, check: header("X-Amz-Invocation-Type", "Event")},
		{name: "non-JSON answer", in: map[string]any{"function": "text"}, want: map[string]any{"result": "plain words", "version": "7"},
			check: func(t *testing.T, req recorded) {
				if string(req.Body) != "null" {
					t.Errorf("body = %q, want null", req.Body)
				}
			}},
		{name: "function error", in: map[string]any{"function": "fails"},
			wantErr: "lambda invoke fails: function error (Unhandled): ValueError: size must be positive", check: path("/2015-03-31/functions/fails/invocations")},
		{name: "missing function", in: map[string]any{"function": "missing"}, wantErr: "ResourceNotFoundException", check: path("/2015-03-31/functions/missing/invocations")},
		{name: "bad invocation type", in: map[string]any{"function": "f", "invocation_type": "DryRun"}, wantErr: `input "invocation_type": must be RequestResponse or Event`},
		{name: "no function", in: map[string]any{}, wantErr: `input "function": required`},
	})
}

func TestSecretsGet(t *testing.T) {
	h := jsonFake("application/x-amz-json-1.1", func(target string, in map[string]any) (int, any) {
		if target != "secretsmanager.GetSecretValue" {
			return 400, map[string]any{"__type": "UnknownOperationException"}
		}
		arn := "arn:aws:secretsmanager:eu-west-1:123456789012:secret:" + in["SecretId"].(string)
		switch in["SecretId"] {
		case "prod/db":
			return 200, map[string]any{"ARN": arn, "Name": "prod/db", "VersionId": "v1", "SecretString": `{"username":"app","password":"hunter2"}`}
		case "token":
			return 200, map[string]any{"ARN": arn, "Name": "token", "VersionId": "v2", "SecretString": "abc123"}
		case "blob":
			return 200, map[string]any{"ARN": arn, "Name": "blob", "VersionId": "v3", "SecretBinary": base64.StdEncoding.EncodeToString([]byte{1, 2, 3})}
		}
		return 400, map[string]any{"__type": "ResourceNotFoundException", "Message": "Secrets Manager can't find the specified secret."}
	})
	target := header("X-Amz-Target", "secretsmanager.GetSecretValue")
	runCases(t, "aws.secrets_get", h, []serviceCase{
		{name: "JSON secret", in: map[string]any{"secret_id": "prod/db"},
			want: map[string]any{"value": `{"username":"app","password":"hunter2"}`, "json": map[string]any{"username": "app", "password": "hunter2"},
				"name": "prod/db", "arn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/db", "version_id": "v1"},
			sent: map[string]any{"SecretId": "prod/db", "VersionStage": "AWSCURRENT"}, check: target},
		{name: "text secret by stage", in: map[string]any{"secret_id": "token", "version_stage": "AWSPREVIOUS"},
			want: map[string]any{"value": "abc123", "json": nil}, sent: map[string]any{"SecretId": "token", "VersionStage": "AWSPREVIOUS"}},
		{name: "version id drops default stage", in: map[string]any{"secret_id": "token", "version_id": "v2"},
			want: map[string]any{"value": "abc123"},
			check: func(t *testing.T, req recorded) {
				if m := req.JSON(t); m["VersionId"] != "v2" || m["VersionStage"] != nil {
					t.Errorf("request %v, want VersionId v2 and no VersionStage", m)
				}
			}},
		{name: "binary secret", in: map[string]any{"secret_id": "blob"}, want: map[string]any{"value": "AQID", "json": nil}, sent: map[string]any{"SecretId": "blob"}},
		{name: "not found", in: map[string]any{"secret_id": "nope"}, wantErr: "secrets manager get secret nope", sent: map[string]any{"SecretId": "nope"}},
		{name: "no id", in: map[string]any{}, wantErr: `input "secret_id": required`},
	})
}
