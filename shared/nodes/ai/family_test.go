package ai_test

import (
	"sort"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/ai"
)

func registry(t testing.TB) *nodes.Registry {
	t.Helper()
	r := nodes.NewRegistry()
	if err := ai.Register(r); err != nil {
		t.Fatal(err)
	}
	return r
}

func typ(t testing.TB, id string) *nodes.Type {
	t.Helper()
	ty, ok := registry(t).Lookup(id)
	if !ok {
		t.Fatalf("no type %s", id)
	}
	return ty
}

// covered lists the types the tests of this package exercise.
var covered = []string{
	"ai.openai", "ai.anthropic", "ai.mistral", "ai.ollama", "ai.openai_compatible",
	"ai.chat", "ai.agent", "ai.http_tool", "ai.chat_trigger",
}

func TestFamily(t *testing.T) {
	r := registry(t)
	var ids []string
	for _, ty := range r.Types() {
		ids = append(ids, ty.ID)
		if ty.Category != "AI" {
			t.Errorf("%s: category %q", ty.ID, ty.Category)
		}
		if len(ty.Doc) < 200 || !strings.Contains(ty.Doc, "**Example**") || !strings.Contains(ty.Doc, "**Outputs**") {
			t.Errorf("%s: documentation lacks inputs, outputs or an example", ty.ID)
		}
		if ty.Icon == "" {
			t.Errorf("%s: no icon", ty.ID)
		}
		for _, p := range append(append([]nodes.Port{}, ty.Inputs...), ty.Outputs...) {
			if p.Doc == "" {
				t.Errorf("%s.%s: no doc", ty.ID, p.Name)
			}
		}
	}
	want := append([]string(nil), covered...)
	sort.Strings(want)
	sort.Strings(ids)
	if strings.Join(ids, ",") != strings.Join(want, ",") {
		t.Fatalf("types %v, tested %v", ids, want)
	}
}
