package engine

import (
	"encoding/json"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// FuzzSealRoundTrip: sealing a state leaves no form of the secret outside its markers,
// and unsealing gives back exactly what was sealed.
func FuzzSealRoundTrip(f *testing.F) {
	f.Add("sk-123", `Bearer sk-123 and "sk-123"`)
	f.Add(`pa"ss\w <&>`, `{"k":"pa\"ss\\w \u003c\u0026\u003e"} q=pa%22ss%5Cw+%3C%26%3E`)
	f.Add("a", "banana")
	f.Add("x y", "x%20y x+y")
	f.Add("", "nothing")
	f.Fuzz(func(t *testing.T, secret, text string) {
		var forms []string
		for _, e := range secretEncodings {
			forms = append(forms, e.enc(secret))
		}
		in := map[string]any{"text": text, "forms": strings.Join(forms, "|"), text: []any{text, 1.5, nil}}
		st := &State{Nodes: map[string]NodeState{"n": {Status: StatusSuccess, Outputs: in}},
			Paused: map[string]any{"ask": text}, Trigger: map[string]any{"body": text}}
		want, err := json.Marshal(st)
		if err != nil {
			return // not valid UTF-8 is not what a state holds
		}
		st.seal(map[string]string{secret: "K"})
		if secret == "" {
			if st.SecretMark != "" {
				t.Fatal("an empty secret has nothing to seal")
			}
			return
		}
		sealed, _ := json.Marshal(st)
		markers := regexp.MustCompile(`<secret:K(~[a-z.]+)?@` + st.SecretMark + `>`)
		var outside []string
		st.rewrite(func(s string) string {
			outside = append(outside, markers.Split(s, -1)...)
			return s
		})
		if slices.ContainsFunc(outside, func(s string) bool { return strings.Contains(s, secret) }) {
			t.Fatalf("the secret %q is left in the sealed state: %s", secret, sealed)
		}
		if err := st.unseal(map[string]string{"K": secret}, nil); err != nil {
			t.Fatalf("unseal: %v", err)
		}
		got, _ := json.Marshal(st)
		if !reflect.DeepEqual(json.RawMessage(got), json.RawMessage(want)) {
			t.Fatalf("round trip:\n got %s\nwant %s", got, want)
		}
	})
}
