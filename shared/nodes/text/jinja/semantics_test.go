package jinja

import (
	"context"
	"testing"
)

// renderCase is a template with data and the text it must render to, as Jinja in Python would.
type renderCase struct {
	name, src string
	data      map[string]any
	want      string
}

func runRenderCases(t *testing.T, cases []renderCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := Render(context.Background(), tc.src, tc.data, nil, RenderOptions{Strict: true})
			if err != nil {
				t.Fatalf("render %q: %v", tc.src, err)
			}
			if out != tc.want {
				t.Fatalf("render %q = %q, want %q", tc.src, out, tc.want)
			}
		})
	}
}

// TestFullCaseMapping: upper, lower and capitalize map case as Python does ("ß".upper() is "SS").
func TestFullCaseMapping(t *testing.T) {
	runRenderCases(t, []renderCase{
		{"upper filter", "{{ s|upper }}", map[string]any{"s": "straße"}, "STRASSE"},
		{"upper method", "{{ s.upper() }}", map[string]any{"s": "straße"}, "STRASSE"},
		{"lower filter final sigma", "{{ 'ΟΔΟΣ'|lower }}", nil, "οδος"},
		{"lower method", "{{ 'ΟΔΟΣ'.lower() }}", nil, "οδος"},
		{"capitalize filter", "{{ 'ßAB'|capitalize }}", nil, "Ssab"},
		{"upper of a number", "{{ 4|upper }}", nil, "4"},
	})
}
