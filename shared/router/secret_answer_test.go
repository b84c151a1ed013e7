package router_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"polysynergy/shared/flow"
	"polysynergy/shared/router"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

// echoSecretFlow answers what the caller sent (the query's q, the JSON body's g, the query's
// q followed by text of the flow's own) beside the stage secret TOKEN itself.
func echoSecretFlow() json.RawMessage {
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"status": 200, "body": map[string]any{
				"echo": "{{ route.query.q }}", "json": "{{ route.json.g }}", "joined": "{{ route.query.q }}-secret",
				"token": "<secret:TOKEN>"}}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node")}})
	return doc
}

// A route's answer does not tell the caller which of the values it sent is a secret: a
// value the caller sent (in the query, percent-encoded or not, or in a JSON body) comes back
// as sent where the flow repeats it, even when it is or holds a secret's value. Before, it
// came back as <secret:TOKEN> exactly when the guess was right. A secret stays redacted
// where the answer does not repeat a text the caller sent whole: the flow's own use of it
// (unless the caller sent exactly that value), and a secret the caller sent only the start
// of (the flow adding the rest). The run's stored results stay redacted.
func TestAnswerDoesNotConfirmAGuessedSecret(t *testing.T) {
	fx := setup(t, store.SaveAll, router.ModeWait, false, echoSecretFlow())
	ctx := context.Background()
	const secret = "tok-123-secret" // TOKEN's value (setup)
	ask := func(query, body string) map[string]string {
		t.Helper()
		ev := request("GET", "my-shop-dev.example.com", "/hello/ada/42", query, map[string]string{"content-type": "application/json"}, body)
		resp, err := fx.r.Handle(ctx, ev)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%d %s %v", resp.StatusCode, resp.Body, err)
		}
		var got map[string]string
		if err := json.Unmarshal([]byte(resp.Body), &got); err != nil {
			t.Fatalf("body %s: %v", resp.Body, err)
		}
		results, err := fx.st.ListNodeResults(ctx, store.RunKey{Tenant: fx.pk.Tenant, Project: fx.pk.Project, Run: resp.Headers["x-run-id"]})
		if err != nil || len(results) == 0 {
			t.Fatalf("node results %d %v", len(results), err)
		}
		if raw, _ := json.Marshal(results); strings.Contains(string(raw), secret) {
			t.Fatalf("the secret reached the stored results: %s", raw)
		}
		return got
	}
	cases := []struct {
		name, query, body string
		want              map[string]string
	}{
		{"a wrong guess", "q=tok-999-secret", `{"g":"nope"}`,
			map[string]string{"echo": "tok-999-secret", "json": "nope", "joined": "tok-999-secret-secret", "token": "<secret:TOKEN>"}},
		// the caller sent the value itself: the flow's own use of it cannot be told from an
		// echo, and shows the caller the value it sent
		{"the right guess", "q=" + secret, `{"g":"` + secret + `"}`,
			map[string]string{"echo": secret, "json": secret, "joined": secret + "-secret", "token": secret}},
		{"the right guess, percent-encoded", "q=tok%2D123%2Dsecret%2D", `{"g":"x` + `\u0074ok-123-secret"}`,
			map[string]string{"echo": secret + "-", "json": "x" + secret, "joined": secret + "--secret", "token": "<secret:TOKEN>"}},
		{"a text holding the secret", "q=aa" + secret + "zz", `{"g":"[` + secret + `]"}`,
			map[string]string{"echo": "aa" + secret + "zz", "json": "[" + secret + "]", "joined": "aa" + secret + "zz-secret", "token": "<secret:TOKEN>"}},
		{"the secret's start, the flow adding the rest", "q=tok-123", `{"g":"tok-123"}`,
			map[string]string{"echo": "tok-123", "json": "tok-123", "joined": "<secret:TOKEN>", "token": "<secret:TOKEN>"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ask(c.query, c.body)
			for k, want := range c.want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q (answer %v)", k, got[k], want, got)
				}
			}
		})
	}
}

// A binary answer (base64 body) holding a secret's value is redacted in the bytes it
// stands for and encoded again: the caller gets the bytes with <secret:KEY> in place of the
// value, not a 500. Redacting the base64 text itself made it invalid base64 when the value's
// base64 form stood in it. A base64 body that is itself a secret's value is redacted too.
func TestBinaryAnswerWithASecretIsRedactedNotRefused(t *testing.T) {
	raw := "abc" + "binsecret123" + "xyz" // the secret at a multiple of three bytes: its base64 form is in the text
	doc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"status": 200, "body_type": "base64",
				"body":    base64.StdEncoding.EncodeToString([]byte(raw)),
				"headers": map[string]any{"x-bin": "<secret:BIN>", "x-b64": "<secret:B64>"}}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node")}})
	fx := setup(t, store.SaveNone, router.ModeWait, false, doc)
	ctx := context.Background()
	for key, value := range map[string]string{"BIN": "binsecret123", "B64": base64.StdEncoding.EncodeToString([]byte("xyz"))} {
		sealed, err := fx.box.Seal(ctx, []byte(value), secrets.SecretContext(fx.pk.Tenant, fx.pk.Project, "dev", key))
		if err != nil {
			t.Fatal(err)
		}
		if err := fx.st.SetSecret(ctx, fx.pk, key, "dev", sealed.Encode()); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := fx.r.Handle(ctx, request("GET", "my-shop-dev.example.com", "/hello/a/1", "", nil, ""))
	if err != nil || resp.StatusCode != 200 || !resp.IsBase64Encoded {
		t.Fatalf("%d base64 %v %s %v", resp.StatusCode, resp.IsBase64Encoded, resp.Body, err)
	}
	got, err := base64.StdEncoding.DecodeString(resp.Body)
	if err != nil {
		t.Fatalf("body %q is not base64: %v", resp.Body, err)
	}
	// "xyz" is B64's value decoded: the base64 text held B64's value ("eHl6")
	if want := "abc<secret:BIN><secret:B64>"; string(got) != want {
		t.Errorf("body = %q, want %q", got, want)
	}
	if resp.Headers["x-bin"] != "<secret:BIN>" || resp.Headers["x-b64"] != "<secret:B64>" {
		t.Errorf("headers %v", resp.Headers)
	}

	// a caller that sent the bytes gets them back where the flow echoes them (a binary body)
	echoDoc, _ := json.Marshal(map[string]any{"schema": flow.Schema,
		"nodes": []any{
			node("route", "trigger.route", nil),
			node("reply", "http.response", map[string]any{"status": 200, "body_type": "base64", "body": "{{ route.body }}",
				"headers": map[string]any{"x-bin": "<secret:BIN>"}}),
		},
		"connections": []any{conn("route", "true_path", "reply", "node")}})
	fx2 := setup(t, store.SaveNone, router.ModeWait, false, echoDoc)
	sealed, err := fx2.box.Seal(ctx, []byte("binsecret123"), secrets.SecretContext(fx2.pk.Tenant, fx2.pk.Project, "dev", "BIN"))
	if err != nil {
		t.Fatal(err)
	}
	if err := fx2.st.SetSecret(ctx, fx2.pk, "BIN", "dev", sealed.Encode()); err != nil {
		t.Fatal(err)
	}
	ev := request("GET", "my-shop-dev.example.com", "/hello/a/1", "", map[string]string{"content-type": "application/octet-stream"},
		base64.StdEncoding.EncodeToString([]byte("abcbinsecret123xyz")))
	ev.IsBase64Encoded = true
	resp, err = fx2.r.Handle(ctx, ev)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("echo: %d %s %v", resp.StatusCode, resp.Body, err)
	}
	if got, _ := base64.StdEncoding.DecodeString(resp.Body); string(got) != "abcbinsecret123xyz" {
		t.Errorf("echoed bytes = %q, want what was sent", got)
	}
}
