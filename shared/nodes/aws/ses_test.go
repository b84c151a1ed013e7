package aws

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// sesFake answers SendEmail (REST JSON, POST /v2/email/outbound-emails) as SES v2
// does; a sender at unverified.example is refused with MessageRejected.
func sesFake(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	if r.Method != http.MethodPost || r.URL.Path != "/v2/email/outbound-emails" {
		w.Header().Set("X-Amzn-Errortype", "NotFoundException")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"message":"no such route"}`))
		return
	}
	var in struct{ FromEmailAddress string }
	_ = json.Unmarshal(b, &in)
	if strings.HasSuffix(in.FromEmailAddress, "@unverified.example") {
		w.Header().Set("X-Amzn-Errortype", "MessageRejected")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"message":"Email address is not verified."}`))
		return
	}
	_, _ = w.Write([]byte(`{"MessageId":"ses-1"}`))
}

func TestSESSend(t *testing.T) {
	post := request(http.MethodPost, "/v2/email/outbound-emails", "")
	runCases(t, "aws.ses_send", sesFake, []serviceCase{
		{name: "text and html to list", in: map[string]any{"from": "Shop <noreply@example.com>", "to": []any{"ada@example.com", "bob@example.com"},
			"cc": "carol@example.com, dan@example.com", "reply_to": "help@example.com", "subject": "Welcome", "text": "Hello", "html": "<p>Hello</p>",
			"configuration_set": "transactional"},
			want: map[string]any{"message_id": "ses-1"}, check: post,
			sent: map[string]any{"FromEmailAddress": "Shop <noreply@example.com>", "ReplyToAddresses": []any{"help@example.com"},
				"ConfigurationSetName": "transactional",
				"Destination":          map[string]any{"ToAddresses": []any{"ada@example.com", "bob@example.com"}, "CcAddresses": []any{"carol@example.com", "dan@example.com"}},
				"Content": map[string]any{"Simple": map[string]any{
					"Subject": map[string]any{"Data": "Welcome", "Charset": "UTF-8"},
					"Body":    map[string]any{"Text": map[string]any{"Data": "Hello", "Charset": "UTF-8"}, "Html": map[string]any{"Data": "<p>Hello</p>", "Charset": "UTF-8"}}}}}},
		{name: "unverified sender", in: map[string]any{"from": "x@unverified.example", "to": "ada@example.com", "subject": "s", "text": "t"},
			wantErr: "MessageRejected", sent: map[string]any{"FromEmailAddress": "x@unverified.example"}},
		{name: "bad recipient", in: map[string]any{"from": "a@example.com", "to": "not an address", "subject": "s", "text": "t"}, wantErr: `input "to": "not an address" is not an e-mail address`},
		{name: "bad bcc item", in: map[string]any{"from": "a@example.com", "to": "b@example.com", "bcc": []any{1.0}, "subject": "s", "text": "t"}, wantErr: `input "bcc": item 0 must be an e-mail address`},
		{name: "no recipients", in: map[string]any{"from": "a@example.com", "to": " , ", "subject": "s", "text": "t"}, wantErr: `input "to": at least one recipient`},
		{name: "too many", in: map[string]any{"from": "a@example.com", "to": strings.Repeat("b@example.com,", 51), "subject": "s", "text": "t"}, wantErr: `input "to": at most 50 recipients`},
		{name: "bad from", in: map[string]any{"from": "nobody", "to": "b@example.com", "subject": "s", "text": "t"}, wantErr: `input "from": "nobody" is not an e-mail address`},
		{name: "no body", in: map[string]any{"from": "a@example.com", "to": "b@example.com", "subject": "s"}, wantErr: `input "text": give a text or an html body`},
		{name: "no subject", in: map[string]any{"from": "a@example.com", "to": "b@example.com", "text": "t"}, wantErr: `input "subject": required`},
	})
}

// The SES stand-in answers as SES v2 does: unknown routes 404, an unverified sender 400
// MessageRejected (the error type in X-Amzn-Errortype), otherwise a message id.
func TestSESFakeSpeaksSESv2(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(sesFake))
	defer srv.Close()
	send := func(method, path, body string) (int, string, string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"), string(b)
	}
	if code, typ, _ := send(http.MethodGet, "/v2/email/outbound-emails", ""); code != 404 || typ != "NotFoundException" {
		t.Errorf("wrong route: %d %q", code, typ)
	}
	if code, typ, body := send(http.MethodPost, "/v2/email/outbound-emails", `{"FromEmailAddress":"a@unverified.example"}`); code != 400 ||
		typ != "MessageRejected" || !strings.Contains(body, "not verified") {
		t.Errorf("unverified sender: %d %q %s", code, typ, body)
	}
	if code, _, body := send(http.MethodPost, "/v2/email/outbound-emails", `{"FromEmailAddress":"a@example.com"}`); code != 200 || body != `{"MessageId":"ses-1"}` {
		t.Errorf("send: %d %s", code, body)
	}
}
