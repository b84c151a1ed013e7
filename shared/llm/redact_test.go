package llm_test

import (
	"reflect"
	"testing"

	"polysynergy/shared/llm"
)

func TestRedactor(t *testing.T) {
	var r llm.Redactor
	r.AddResolved("https://x.test/<secret:A>/q?k=<secret:B>", "https://x.test/alpha-1/q?k=b/2&")
	r.AddResolved("{{ base }}/<secret:C>", "https://y.test/whole-value") // not matchable: all of it
	r.AddResolved("no placeholders", "no placeholders")
	r.Add("", "tok")
	got := r.Text(`alpha-1 b/2& b\/2\u0026 https://y.test/whole-value tok`)
	if want := `[redacted] [redacted] [redacted] [redacted] [redacted]`; got != want {
		t.Errorf("Text = %q, want %q", got, want)
	}
	v := r.Value(map[string]any{"a": []any{"tok", 1.0}, "b": "alpha-1!"})
	if want := map[string]any{"a": []any{"[redacted]", 1.0}, "b": "[redacted]!"}; !reflect.DeepEqual(v, want) {
		t.Errorf("Value = %v", v)
	}
	var none *llm.Redactor
	if none.Text("tok") != "tok" || none.Value("tok") != "tok" {
		t.Error("a nil redactor changes nothing")
	}
}
