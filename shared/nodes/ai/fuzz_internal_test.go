package ai

import (
	"encoding/json"
	"testing"
)

// FuzzParseJSONAnswer: a structured answer either parses to an object or fails with an
// error; it never panics, and plain JSON objects always parse.
func FuzzParseJSONAnswer(f *testing.F) {
	for _, s := range []string{`{"a": 1}`, "```json\n{\"a\": [1, 2]}\n```", "```\n{}\n```", `[1]`, "Sure! {\"a\":1}", "", "```", "\"x\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseJSONAnswer(s)
		if err == nil {
			if _, ok := v.(map[string]any); !ok {
				t.Fatalf("%q parsed to %T", s, v)
			}
		}
		var m map[string]any
		if json.Unmarshal([]byte(s), &m) == nil && m != nil && err != nil {
			t.Fatalf("a JSON object %q was refused: %v", s, err)
		}
		if len(preview(s, 10)) > 10+len("…") {
			t.Fatalf("preview too long")
		}
	})
}

// FuzzDecision: any resume input gives a decision or an error naming the resume input.
func FuzzDecision(f *testing.F) {
	for _, s := range []string{`{"approve": true}`, `{"approve": false, "reason": "no"}`, `{"approve": true, "arguments": {"a": 1}}`,
		`{"approve": "yes"}`, `null`, `[]`, `{"approve": true, "arguments": 3}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v any
		if json.Unmarshal([]byte(s), &v) != nil {
			return
		}
		d, err := decisionInput(v)
		if err != nil {
			return
		}
		m := v.(map[string]any)
		if d.Approve != m["approve"] {
			t.Fatalf("approve %v from %s", d.Approve, s)
		}
	})
}
