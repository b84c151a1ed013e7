package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"polysynergy/shared/llm/openai/openaitest"
)

// The AI agent example through the CLI, with a shop that echoes the credentials it gets
// (as a request inspector or a 401 naming the token does): the token the flow's secret
// puts in the tool's Authorization header never reaches the model's provider, and neither
// token is printed.
func TestAIAgentToolAnswersKeepSecretsFromTheModel(t *testing.T) {
	llm := openaitest.New(t,
		openaitest.Turn{Calls: []openaitest.Call{{ID: "c1", Name: "get_order", Arguments: map[string]any{"id": "42"}}}},
		openaitest.Turn{Calls: []openaitest.Call{{ID: "c2", Name: "get_order", Arguments: map[string]any{"id": "missing"}}}},
		openaitest.Turn{Text: "Order 42 was delivered."},
	)
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/missing") {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"error":"token `+strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")+` may not read this order"}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"id": "42", "status": "delivered", "debug": map[string]any{"authorization": r.Header.Get("Authorization")}})
	}))
	defer shop.Close()

	flowPath := aiAgentFlow(t, t.TempDir(), llm.URL, shop.URL)
	out, errOut, code := cli(t, "run", flowPath, "--secret", "OPENAI_API_KEY=sk-qa-secret", "--secret", "SHOP_TOKEN=shop-qa-secret")
	if code != 0 {
		t.Fatalf("run exit %d\n%s\n%s", code, out, errOut)
	}
	expect(t, out, `output: "Order 42 was delivered."`)
	if strings.Contains(out+errOut, "sk-qa-secret") || strings.Contains(out+errOut, "shop-qa-secret") {
		t.Fatalf("a secret was printed:\n%s\n%s", out, errOut)
	}
	reqs := llm.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d model requests", len(reqs))
	}
	sent, _ := json.Marshal(reqs)
	if strings.Contains(string(sent), "shop-qa-secret") {
		t.Fatalf("the shop's token went to the model:\n%s", sent)
	}
	tm := toolMessagesOf(reqs[2])
	if !strings.Contains(tm["c1"], `"authorization":"Bearer [redacted]"`) || !strings.Contains(tm["c2"], "HTTP 401") ||
		!strings.Contains(tm["c2"], "token [redacted] may not") {
		t.Fatalf("tool messages %v", tm)
	}
}

// toolMessagesOf returns the tool messages of a chat completions request: call id → content.
func toolMessagesOf(body map[string]any) map[string]string {
	out := map[string]string{}
	for _, m := range body["messages"].([]any) {
		if mm := m.(map[string]any); mm["role"] == "tool" {
			out[mm["tool_call_id"].(string)], _ = mm["content"].(string)
		}
	}
	return out
}
