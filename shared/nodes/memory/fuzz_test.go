package memory

import (
	"encoding/json"
	"testing"

	"polysynergy/shared/llm"
)

// FuzzMessage feeds message objects decoded from JSON to the message reader: it never
// panics and only accepts the four roles.
func FuzzMessage(f *testing.F) {
	f.Add(`{"role":"user","content":"hi"}`)
	f.Add(`{"role":"assistant","tool_calls":[{"id":"1","name":"t","arguments":{"a":1}}]}`)
	f.Add(`{"role":"robot"}`)
	f.Add(`{"role":"tool","tool_calls":"x"}`)
	f.Fuzz(func(t *testing.T, text string) {
		var v any
		if json.Unmarshal([]byte(text), &v) != nil {
			return
		}
		m, err := toMessage(v)
		if err != nil {
			return
		}
		switch m.Role {
		case llm.System, llm.User, llm.Assistant, llm.ToolRole:
		default:
			t.Fatalf("accepted role %q", m.Role)
		}
	})
}
