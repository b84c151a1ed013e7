package aws

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// sqsFake answers SendMessage in the AWS JSON 1.0 protocol as SQS does. Queue URLs
// containing "missing" get QueueDoesNotExist; "badmd5" gets a wrong body checksum.
func sqsFake(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	var in struct{ QueueUrl, MessageBody string }
	b, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(b, &in); err != nil || r.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessage" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"com.amazon.coral.service#SerializationException","message":"bad request"}`))
		return
	}
	if strings.Contains(in.QueueUrl, "missing") {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"com.amazonaws.sqs#QueueDoesNotExist","message":"The specified queue does not exist."}`))
		return
	}
	sum := md5.Sum([]byte(in.MessageBody))
	out := map[string]any{"MessageId": "msg-1", "MD5OfMessageBody": hex.EncodeToString(sum[:])}
	if strings.Contains(in.QueueUrl, "badmd5") {
		out["MD5OfMessageBody"] = "00000000000000000000000000000000"
	}
	if strings.HasSuffix(in.QueueUrl, ".fifo") {
		out["SequenceNumber"] = "18849496460467696128"
	}
	_ = json.NewEncoder(w).Encode(out)
}

func TestSQSSend(t *testing.T) {
	r := registry(t)
	typ := lookup(t, r, "aws.sqs_send")
	rec, url := fake(t, sqsFake)
	const q = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders"
	cases := []struct {
		name    string
		in      map[string]any
		want    map[string]any
		wantErr string
		sent    map[string]any // nil: no request expected
	}{
		{name: "string message", in: map[string]any{"queue_url": q, "message": "hello"},
			want: map[string]any{"message_id": "msg-1", "sequence_number": ""},
			sent: map[string]any{"QueueUrl": q, "MessageBody": "hello"}},
		{name: "object message with attributes and delay",
			in: map[string]any{"queue_url": q, "message": map[string]any{"order": 42.0}, "delay_seconds": 30.0,
				"attributes": map[string]any{"kind": "order", "priority": 2.0, "urgent": true}},
			want: map[string]any{"message_id": "msg-1"},
			sent: map[string]any{"MessageBody": `{"order":42}`, "DelaySeconds": 30.0, "MessageAttributes": map[string]any{
				"kind":     map[string]any{"DataType": "String", "StringValue": "order"},
				"priority": map[string]any{"DataType": "Number", "StringValue": "2"},
				"urgent":   map[string]any{"DataType": "String", "StringValue": "true"}}}},
		{name: "fifo", in: map[string]any{"queue_url": q + ".fifo", "message": "x", "group_id": "g1", "dedup_id": "d1"},
			want: map[string]any{"message_id": "msg-1", "sequence_number": "18849496460467696128"},
			sent: map[string]any{"QueueUrl": q + ".fifo", "MessageGroupId": "g1", "MessageDeduplicationId": "d1"}},
		{name: "fifo without group", in: map[string]any{"queue_url": q + ".fifo", "message": "x"}, wantErr: `input "group_id": required for a FIFO queue`},
		{name: "group on standard queue", in: map[string]any{"queue_url": q, "message": "x", "group_id": "g"}, wantErr: `input "group_id": only FIFO queues`},
		{name: "dedup on standard queue", in: map[string]any{"queue_url": q, "message": "x", "dedup_id": "d"}, wantErr: `input "dedup_id": only FIFO queues`},
		{name: "delay out of range", in: map[string]any{"queue_url": q, "message": "x", "delay_seconds": 901.0}, wantErr: `input "delay_seconds": must be between 0 and 900`},
		{name: "no message", in: map[string]any{"queue_url": q}, wantErr: `input "message": required`},
		{name: "no queue", in: map[string]any{"message": "x"}, wantErr: `input "queue_url": required`},
		{name: "empty attribute", in: map[string]any{"queue_url": q, "message": "x", "attributes": map[string]any{"a": ""}}, wantErr: `input "attributes": "a" is empty`},
		{name: "queue missing", in: map[string]any{"queue_url": q + "-missing", "message": "x"}, wantErr: "QueueDoesNotExist",
			sent: map[string]any{"QueueUrl": q + "-missing"}},
		{name: "checksum mismatch", in: map[string]any{"queue_url": q + "-badmd5", "message": "x"}, wantErr: "checksum",
			sent: map[string]any{"QueueUrl": q + "-badmd5"}},
	}
	for _, c := range cases {
		before := rec.count()
		out, err := run(t, typ, url, c.in)
		if !checkErr(t, err, c.wantErr) {
			subset(t, c.name, out, c.want)
		}
		if c.sent == nil {
			if rec.count() != before {
				t.Errorf("%s: sent a request, want none", c.name)
			}
			continue
		}
		req := rec.last(t)
		if req.Method != http.MethodPost || req.Header.Get("X-Amz-Target") != "AmazonSQS.SendMessage" {
			t.Errorf("%s: sent %s with target %q", c.name, req.Method, req.Header.Get("X-Amz-Target"))
		}
		if !strings.HasPrefix(req.Header.Get("Authorization"), "AWS4-HMAC-SHA256 Credential=AKIDTEST/") ||
			!strings.Contains(req.Header.Get("Authorization"), "/eu-west-1/sqs/") {
			t.Errorf("%s: Authorization = %q, want a SigV4 signature for eu-west-1/sqs", c.name, req.Header.Get("Authorization"))
		}
		subset(t, c.name+" request", req.JSON(t), c.sent)
	}
}
