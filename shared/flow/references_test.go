package flow_test

import (
	"slices"
	"strings"
	"testing"

	"polysynergy/shared/expr"
	"polysynergy/shared/flow"
)

// References lists each secret and environment variable a flow names literally, at the
// value naming it: placeholders, {{ env.KEY }}, and the keys of Secret and Environment
// variable nodes; computed keys, disabled nodes and connected keys are not known.
func TestReferences(t *testing.T) {
	reg, err := fullRegistry()
	if err != nil {
		t.Fatal(err)
	}
	d := decode(t, doc([]string{
		n("start", "trigger.manual", ""),
		n("call", "http.request", `{"url":"https://api.example.com/{{ env.API_PATH }}","headers":{"authorization":"Bearer <secret:API_TOKEN>","x-region":"<env:REGION>"}}`),
		n("key", "variable.secret", `{"key":"STRIPE_KEY"}`),
		n("region", "variable.env", `{"key":"REGION"}`),
		n("computed", "variable.secret", `{"key":"{{ start.input.which }}"}`),
		n("off", "variable.secret", `{"key":"OFF"}`),
	}, "start.true_path>call.node", "call.true_path>key.node", "key.true_path>region.node", "region.true_path>computed.node", "computed.true_path>off.node"))
	d.Nodes[5].FlowState = flow.StateDisabled
	plan, err := flow.Compile(d, reg)
	if err != nil {
		t.Fatal(err)
	}
	got := plan.References()
	want := []flow.Reference{
		{Kind: expr.SecretPlaceholder, Key: "API_TOKEN", Path: "/nodes/1/values/headers", Node: "call", Port: "headers"},
		{Kind: expr.EnvPlaceholder, Key: "REGION", Path: "/nodes/1/values/headers", Node: "call", Port: "headers"},
		{Kind: expr.EnvPlaceholder, Key: "API_PATH", Path: "/nodes/1/values/url", Node: "call", Port: "url"},
		{Kind: expr.SecretPlaceholder, Key: "STRIPE_KEY", Path: "/nodes/2/values/key", Node: "key", Port: "key"},
		{Kind: expr.EnvPlaceholder, Key: "REGION", Path: "/nodes/3/values/key", Node: "region", Port: "key"},
	}
	cmp := func(a, b flow.Reference) int {
		if a.Path != b.Path {
			return strings.Compare(a.Path, b.Path)
		}
		return strings.Compare(string(a.Kind)+a.Key, string(b.Kind)+b.Key)
	}
	slices.SortFunc(got, cmp)
	slices.SortFunc(want, cmp)
	if !slices.Equal(got, want) {
		t.Fatalf("references\n got %+v\nwant %+v", got, want)
	}
}
