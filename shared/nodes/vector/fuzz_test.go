package vector

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"polysynergy/shared/nodes"
)

// FuzzFilter feeds filter texts to the filter reader: it never panics, and a filter it
// accepts has only Qdrant's clauses.
func FuzzFilter(f *testing.F) {
	f.Add(`{"must": [{"key": "a", "match": {"value": 1}}]}`)
	f.Add(`{"should": [], "must_not": {"key": "x", "range": {"lt": 3}}}`)
	f.Add(`{"and": []}`)
	f.Add(`[1, 2]`)
	f.Fuzz(func(t *testing.T, text string) {
		c := &nodes.Call{In: map[string]any{"filter": text}}
		m, err := filterOf(c, "filter")
		if err != nil {
			if !strings.Contains(err.Error(), `input "filter"`) {
				t.Fatalf("error %v does not name the port", err)
			}
			return
		}
		for k := range m {
			switch k {
			case "must", "should", "must_not", "min_should":
			default:
				t.Fatalf("accepted clause %q", k)
			}
		}
	})
}

// FuzzPointID: every accepted text id is a UUID, and the same text gives the same id.
func FuzzPointID(f *testing.F) {
	f.Add("faq-1")
	f.Add("6f1c4f0e-3b7e-4d2a-9a57-1b2f5c9e7d10")
	f.Add(" ")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := pointID("ids", 0, s)
		if err != nil {
			return
		}
		b, _ := pointID("ids", 0, s)
		str, ok := a.(string)
		if !ok || a != b {
			t.Fatalf("id %v / %v for %q", a, b, s)
		}
		if _, err := uuid.Parse(str); err != nil {
			t.Fatalf("id %q for %q is not a UUID", str, s)
		}
	})
}
