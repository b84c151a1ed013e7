package runs

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"polysynergy/shared/engine"
)

func TestDecodeSavedStateNamesTheBadField(t *testing.T) {
	valid := `{"format":1,"kind":"editor","flow":"f1","version":2,"stage":"prod","save":"all","engine":{"version":1}}`
	if _, err := decodeSavedState([]byte(valid)); err != nil {
		t.Fatalf("valid state: %v", err)
	}
	tests := []struct {
		name, data, field string
	}{
		{"not json", `{`, "decode run state"},
		{"format", strings.Replace(valid, `"format":1`, `"format":9`, 1), "format"},
		{"flow", strings.Replace(valid, `"flow":"f1"`, `"flow":""`, 1), "flow"},
		{"negative version", strings.Replace(valid, `"version":2`, `"version":-1`, 1), "version"},
		{"draft missing", strings.Replace(valid, `"version":2`, `"version":0`, 1), "draft"},
		{"stage", strings.Replace(valid, `"stage":"prod"`, `"stage":"Prod!"`, 1), "stage"},
		{"sub-stage", strings.Replace(valid, `"stage":"prod"`, `"stage":"mock","sub_stage":"x y"`, 1), "sub_stage"},
		{"policy", strings.Replace(valid, `"save":"all"`, `"save":"some"`, 1), "save"},
		{"skips", strings.Replace(valid, `"save":"all"`, `"save":"all","skips":-2`, 1), "skips"},
		{"engine", strings.Replace(valid, `,"engine":{"version":1}`, ``, 1), "engine"},
		{"masked", strings.Replace(valid, `"save":"all"`, `"save":"all","masked":[""]`, 1), "masked[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decodeSavedState([]byte(tc.data))
			if err == nil || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("err = %v, want one naming %s", err, tc.field)
			}
		})
	}
}

func TestMaskStateRoundTrip(t *testing.T) {
	st := &engine.State{Version: engine.StateVersion, RunID: "r1", Paused: map[string]any{"ask": "use sk-123 and sk-1234"},
		Nodes: map[string]engine.NodeState{
			"sec":  {Status: "success", Outputs: map[string]any{"value": "sk-1234"}},
			"call": {Status: "success", Outputs: map[string]any{"headers": map[string]any{"authorization": "Bearer sk-1234", "n": 1.5}}},
		}, SecretKeys: []string{"LONG", "SHORT"}}
	vals := map[string]string{"SHORT": "sk-123", "LONG": "sk-1234", "EMPTY": ""}
	raw, masked, err := maskState(st, vals)
	if err != nil {
		t.Fatalf("mask: %v", err)
	}
	if strings.Contains(string(raw), "sk-123") {
		t.Fatalf("masked state still holds a secret: %s", raw)
	}
	if !reflect.DeepEqual(masked, []string{"LONG", "SHORT"}) {
		t.Errorf("masked keys = %v, want [LONG SHORT]", masked)
	}
	back, err := unmaskState(raw, map[string]string{"SHORT": "sk-123", "LONG": "sk-1234"})
	if err != nil {
		t.Fatalf("unmask: %v", err)
	}
	if !reflect.DeepEqual(back, st) {
		t.Errorf("round trip:\n got %+v\nwant %+v", back, st)
	}
}

// FuzzDecodeSavedState: any bytes either fail to decode or give a state that passes its
// own checks, re-encodes and decodes to the same state.
func FuzzDecodeSavedState(f *testing.F) {
	f.Add([]byte(`{"format":1,"kind":"editor","flow":"f1","version":2,"stage":"prod","save":"all","engine":{"version":1}}`))
	f.Add([]byte(`{"format":1,"kind":"editor","flow":"f1","version":0,"draft":{"schema":"polysynergy/flow@1"},"stage":"mock","sub_stage":"prod","save":"errors","skips":3,"masked":["K"],"pending":[{"slot":1,"result":{"node_id":"a","handle":"a","type":"debug.log","status":"success","duration_ms":1}}],"engine":{"version":1,"nodes":{"a":{"status":"success","outputs":{"v":"\u0000secret:K\u0000"}}}}}`))
	f.Add([]byte(`{"format":2}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ss, err := decodeSavedState(data)
		if err != nil {
			if ss != nil {
				t.Fatal("error with a state")
			}
			return
		}
		again, err := decodeSavedState(rawJSON(ss))
		if err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		if again.Flow != ss.Flow || again.Version != ss.Version || again.Stage != ss.Stage || again.Save != ss.Save ||
			again.Skips != ss.Skips || len(again.Pending) != len(ss.Pending) || !slices.Equal(again.Masked, ss.Masked) {
			t.Fatalf("round trip changed the state: %+v → %+v", ss, again)
		}
		var st engine.State
		if json.Unmarshal(ss.Engine, &st) == nil {
			if _, err := unmaskState(ss.Engine, map[string]string{"K": "v"}); err != nil {
				t.Fatalf("unmask of decodable engine state: %v", err)
			}
		}
	})
}
