package specs_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/nodes/specs"
)

// TestSpecsAreCurrent fails while specs.json differs from what the node
// families declare.
func TestSpecsAreCurrent(t *testing.T) {
	want, err := catalog.Default().MarshalSpecs()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(specs.JSON(), want) {
		t.Fatal("specs.json is stale: run go generate ./shared/nodes/specs")
	}
}

// TestSpecRegistryMatchesTheCatalogue: the registry rebuilt from specs lists
// the same catalogue and validates flows like the real one, without code.
func TestSpecRegistryMatchesTheCatalogue(t *testing.T) {
	reg, err := specs.Registry()
	if err != nil {
		t.Fatal(err)
	}
	full := catalog.Default()
	if reg.Len() != full.Len() || reg.Len() < 150 {
		t.Fatalf("spec registry has %d types, catalogue %d", reg.Len(), full.Len())
	}
	a, _ := json.Marshal(reg.Catalog())
	b, _ := json.Marshal(full.Catalog())
	if !bytes.Equal(a, b) {
		t.Fatal("catalogue JSON differs between the spec registry and the node families")
	}
	for _, ft := range full.Types() {
		st, ok := reg.Lookup(ft.ID)
		if !ok || st.Run != nil {
			t.Fatalf("%s: found %v, has code %v", ft.ID, ok, ok && st.Run != nil)
		}
		if st.ErrorPath() != ft.ErrorPath() || st.NoErrorPath != ft.NoErrorPath {
			t.Errorf("%s: error path %v/%v, want %v/%v", ft.ID, st.ErrorPath(), st.NoErrorPath, ft.ErrorPath(), ft.NoErrorPath)
		}
		for i, p := range ft.Inputs {
			if q := st.Inputs[i]; q.Name != p.Name || q.Literal != p.Literal || q.Templated != p.Templated || q.Type != p.Type {
				t.Errorf("%s input %s: %+v, want %+v", ft.ID, p.Name, q, p)
			}
		}
	}
	// Every example flow and validation test document gets the same problems.
	files, _ := filepath.Glob("../../../examples/*.json")
	more, _ := filepath.Glob("../../flow/testdata/*.json")
	files = append(files, more...)
	if len(files) == 0 {
		t.Fatal("no example flows found")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := flow.Decode(raw)
		if err != nil {
			continue // not a flow document
		}
		if got, want := probs(flow.Validate(doc, reg)), probs(flow.Validate(doc, full)); got != want {
			t.Errorf("%s: spec registry says %q, catalogue %q", f, got, want)
		}
	}
}

func probs(p flow.Problems) string {
	b, _ := json.Marshal(p)
	return string(b)
}

func TestLoadSpecsRejectsBadInput(t *testing.T) {
	for name, in := range map[string]string{
		"not json":   `{`,
		"wrong kind": `{"format":"other@1","types":[]}`,
		"no id":      `{"format":"` + nodes.SpecFormat + `","types":[{"name":"x"}]}`,
		"duplicate":  `{"format":"` + nodes.SpecFormat + `","types":[{"id":"a.b"},{"id":"a.b"}]}`,
	} {
		if _, err := nodes.LoadSpecs([]byte(in)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
}

func FuzzLoadSpecs(f *testing.F) {
	f.Add([]byte(`{"format":"` + nodes.SpecFormat + `","types":[{"id":"a.b","inputs":[{"name":"x","type":"string","literal":true}]}]}`))
	f.Add([]byte(`{"format":"` + nodes.SpecFormat + `","types":[{"id":"a.b"},{"id":"a.b"}]}`))
	f.Add(specs.JSON()[:200])
	f.Fuzz(func(t *testing.T, data []byte) {
		reg, err := nodes.LoadSpecs(data)
		if err != nil {
			return
		}
		for _, ty := range reg.Types() {
			if ty.ID == "" || ty.Run != nil {
				t.Fatalf("loaded type %+v", ty)
			}
		}
	})
}

// BenchmarkLoadSpecs decodes the embedded catalogue, as the API does once per cold start.
func BenchmarkLoadSpecs(b *testing.B) {
	b.SetBytes(int64(len(specs.JSON())))
	for range b.N {
		reg, err := nodes.LoadSpecs(specs.JSON())
		if err != nil {
			b.Fatal(err)
		}
		if reg.Len() < 150 {
			b.Fatalf("%d types", reg.Len())
		}
	}
}
