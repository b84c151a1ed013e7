package runner_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"polysynergy/functions/runner/runner"
)

// FuzzDecode: any bytes either give a *PayloadError or a payload of the kind they name,
// which re-encodes and decodes to the same payload.
func FuzzDecode(f *testing.F) {
	samples, _ := filepath.Glob(filepath.Join(eventsDir, "*.json"))
	for _, s := range samples {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatalf("read %s: %v", s, err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"kind":"resume","tenant":"t","project":"p","flow":"f","run_id":"r","node":"n","input":null}`))
	f.Add([]byte(`{"kind":"editor"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := runner.Decode(data)
		if err != nil {
			var pe *runner.PayloadError
			if !errors.As(err, &pe) || pe.Field == "" || p != nil {
				t.Fatalf("error %v (%T) is not a *PayloadError naming a field", err, err)
			}
			return
		}
		var env struct{ Kind string }
		if err := json.Unmarshal(data, &env); err != nil || env.Kind != p.PayloadKind() {
			t.Fatalf("decoded kind %s from %q", p.PayloadKind(), data)
		}
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatalf("re-encode: %v", err)
		}
		again, err := runner.Decode(b)
		if err != nil {
			t.Fatalf("re-encoded payload %s does not decode: %v", b, err)
		}
		b2, _ := json.Marshal(again)
		if !reflect.DeepEqual(b, b2) {
			t.Fatalf("round trip changed the payload:\n%s\n%s", b, b2)
		}
	})
}
