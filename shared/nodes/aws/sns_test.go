package aws

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// snsFake answers Publish in the AWS query protocol with XML, as SNS does. A topic
// ARN ending in ":gone" gets a NotFound error.
func snsFake(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(b))
	w.Header().Set("Content-Type", "text/xml")
	if err != nil || form.Get("Action") != "Publish" || form.Get("Version") != "2010-03-31" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>bad</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
		return
	}
	if strings.HasSuffix(form.Get("TopicArn"), ":gone") {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>r1</RequestId></ErrorResponse>`)
		return
	}
	seq := ""
	if strings.HasSuffix(form.Get("TopicArn"), ".fifo") {
		seq = "<SequenceNumber>10000000000000003000</SequenceNumber>"
	}
	fmt.Fprintf(w, `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>sns-1</MessageId>%s</PublishResult><ResponseMetadata><RequestId>r2</RequestId></ResponseMetadata></PublishResponse>`, seq)
}

// form asserts fields of a form-encoded request body.
func form(want map[string]string) func(t *testing.T, req recorded) {
	return func(t *testing.T, req recorded) {
		t.Helper()
		got, err := url.ParseQuery(string(req.Body))
		if err != nil {
			t.Fatalf("request body %q: %v", req.Body, err)
		}
		for k, w := range want {
			if g := got.Get(k); g != w {
				t.Errorf("form field %s = %q, want %q (body %s)", k, g, w, req.Body)
			}
		}
	}
}

func TestSNSPublish(t *testing.T) {
	const topic = "arn:aws:sns:eu-west-1:123456789012:alerts"
	runCases(t, "aws.sns_publish", snsFake, []serviceCase{
		{name: "topic with subject", in: map[string]any{"topic_arn": topic, "message": "Disk almost full", "subject": "Alert"},
			want:  map[string]any{"message_id": "sns-1", "sequence_number": ""},
			check: form(map[string]string{"Action": "Publish", "TopicArn": topic, "Message": "Disk almost full", "Subject": "Alert"})},
		{name: "object message and attributes to phone", in: map[string]any{"phone_number": "+31600000000", "message": map[string]any{"a": 1.0},
			"attributes": map[string]any{"n": 5.0}},
			want: map[string]any{"message_id": "sns-1"},
			check: form(map[string]string{"PhoneNumber": "+31600000000", "Message": `{"a":1}`, "MessageAttributes.entry.1.Name": "n",
				"MessageAttributes.entry.1.Value.DataType": "Number", "MessageAttributes.entry.1.Value.StringValue": "5"})},
		{name: "fifo topic", in: map[string]any{"topic_arn": topic + ".fifo", "message": "m", "group_id": "g", "dedup_id": "d"},
			want:  map[string]any{"sequence_number": "10000000000000003000"},
			check: form(map[string]string{"MessageGroupId": "g", "MessageDeduplicationId": "d"})},
		{name: "topic gone", in: map[string]any{"topic_arn": "arn:aws:sns:eu-west-1:1:gone", "message": "m"}, wantErr: "NotFound: Topic does not exist",
			check: form(map[string]string{"TopicArn": "arn:aws:sns:eu-west-1:1:gone"})},
		{name: "two destinations", in: map[string]any{"topic_arn": topic, "phone_number": "+1", "message": "m"}, wantErr: `input "topic_arn": give exactly one`},
		{name: "no destination", in: map[string]any{"message": "m"}, wantErr: `input "topic_arn": give exactly one of topic_arn, target_arn and phone_number (got 0)`},
		{name: "fifo without group", in: map[string]any{"topic_arn": topic + ".fifo", "message": "m"}, wantErr: `input "group_id": required for a FIFO topic`},
		{name: "group on standard topic", in: map[string]any{"topic_arn": topic, "message": "m", "group_id": "g"}, wantErr: `input "group_id": only FIFO topics`},
		{name: "subject too long", in: map[string]any{"topic_arn": topic, "message": "m", "subject": strings.Repeat("s", 101)}, wantErr: `input "subject": at most 100`},
		{name: "no message", in: map[string]any{"topic_arn": topic}, wantErr: `input "message": required`},
	})
}
