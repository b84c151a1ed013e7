package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/llm/openai/openaitest"
)

// The AI agent example runs through the CLI against a scripted OpenAI stand-in and a fake
// shop: the refund tool pauses the run, `polysynergy resume` approves it with a smaller
// amount, and the agent's answer is the run's output. The example is copied with the
// stand-in URLs and allow_private_network set on its model and tool nodes — the explicit
// opt-in a loopback endpoint needs.
func TestAIAgentExample(t *testing.T) {
	llm := openaitest.New(t,
		openaitest.Turn{Calls: []openaitest.Call{{ID: "c1", Name: "get_order", Arguments: map[string]any{"id": "42"}}}},
		openaitest.Turn{Text: "The order was delivered; refunding it.", Calls: []openaitest.Call{{ID: "c2", Name: "refund",
			Arguments: map[string]any{"order": "42", "amount": 80.0, "reason": "broken"}}}},
		openaitest.Turn{Text: "I refunded 60 EUR for order 42."},
	)
	var mu sync.Mutex
	var shopSaw []string
	shop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		shopSaw = append(shopSaw, r.Method+" "+r.URL.Path+" "+string(b)+" "+r.Header.Get("Authorization"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodGet {
			io.WriteString(w, `{"id":"42","status":"delivered","paid":80}`)
			return
		}
		io.WriteString(w, `{"refunded":true}`)
	}))
	defer shop.Close()

	dir := t.TempDir()
	flowPath := aiAgentFlow(t, dir, llm.URL, shop.URL)
	secrets := []string{"--secret", "OPENAI_API_KEY=sk-cli-secret", "--secret", "SHOP_TOKEN=shop-secret"}
	out, errOut, code := cli(t, append([]string{"run", flowPath}, secrets...)...)
	if code != 0 {
		t.Fatalf("run exit %d\n%s\n%s", code, out, errOut)
	}
	expect(t, out, "paused at agent", `"tool":"refund"`, `"amount":80`, "paused")
	if strings.Contains(out+errOut, "sk-cli-secret") || strings.Contains(out+errOut, "shop-secret") {
		t.Fatalf("a secret was printed:\n%s", out)
	}
	out, errOut, code = cli(t, append([]string{"resume", flowPath, "--input",
		`{"approve": true, "arguments": {"order": "42", "amount": 60, "reason": "broken"}}`}, secrets...)...)
	if code != 0 {
		t.Fatalf("resume exit %d\n%s\n%s", code, out, errOut)
	}
	expect(t, out, `output: "I refunded 60 EUR for order 42."`, "success")
	mu.Lock()
	defer mu.Unlock()
	want := []string{"GET /api/orders/42  Bearer shop-secret", `POST /api/orders/42/refunds {"amount":60,"reason":"broken"} Bearer shop-secret`}
	if strings.Join(shopSaw, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the shop saw\n%s\nwant\n%s", strings.Join(shopSaw, "\n"), strings.Join(want, "\n"))
	}
	if h := llm.Headers()[0].Get("Authorization"); h != "Bearer sk-cli-secret" {
		t.Errorf("model authorization %q", h)
	}
	if llm.Remaining() != 0 {
		t.Errorf("%d scripted turns left", llm.Remaining())
	}
}

// aiAgentFlow writes examples/ai-agent.json into dir with its model at llmURL and its shop
// at shopURL (both on loopback, which the nodes are allowed to reach), and returns its path.
func aiAgentFlow(t *testing.T, dir, llmURL, shopURL string) string {
	t.Helper()
	data, err := os.ReadFile(example("ai-agent.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, n := range doc["nodes"].([]any) {
		node := n.(map[string]any)
		values, _ := node["values"].(map[string]any)
		switch node["handle"] {
		case "llm":
			values["base_url"] = llmURL
			values["allow_private_network"] = true
		case "get_order", "refund":
			values["url"] = strings.Replace(values["url"].(string), "https://shop.example.com", shopURL, 1)
			values["allow_private_network"] = true
		}
	}
	path := filepath.Join(dir, "ai-agent.json")
	patched, _ := json.Marshal(doc)
	if err := os.WriteFile(path, patched, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
