package tool

import (
	"strings"
	"testing"
)

// FuzzSpec feeds parameter schemas given as text to the spec reader: it never panics,
// errors name a port, and an accepted schema is an object schema.
func FuzzSpec(f *testing.F) {
	f.Add("lookup", `{"type":"object","properties":{"n":{"type":"number"}}}`)
	f.Add("x y", `{}`)
	f.Add("t", `{"type":"string"}`)
	f.Add("t", `[`)
	f.Fuzz(func(t *testing.T, name, params string) {
		spec, err := specFromValues(map[string]any{"name": name, "parameters": params})
		if err != nil {
			if !strings.Contains(err.Error(), `input "`) {
				t.Fatalf("error %v names no port", err)
			}
			return
		}
		if typ, ok := spec.Parameters["type"]; ok && typ != "object" {
			t.Fatalf("accepted a %v schema", typ)
		}
		if spec.Name != strings.TrimSpace(name) {
			t.Fatalf("name %q from %q", spec.Name, name)
		}
	})
}
