package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validate lists a Math expression reading a name no variables row sets (it fails when it
// runs) as a problem naming the node, the field and the name; with the variables connected
// as a whole it is a warning, since the names are known only at run time.
func TestValidateMathExpressionUnknownVariable(t *testing.T) {
	dir := t.TempDir()
	price := `{"schema":"polysynergy/flow@1","nodes":[
		{"id":"start","handle":"start","type":"trigger.manual","position":{"x":0,"y":0},"values":{"test_input":{"price":2}}},
		{"id":"total","handle":"total","type":"math.expression","position":{"x":0,"y":0},
			"values":{"expression":"round(prce * qty)","variables":[{"key":"price","value":9.99},{"key":"qty","value":3}]}}],
		"connections":[{"from":{"node":"start","port":"true_path"},"to":{"node":"total","port":"node"}}]}`
	path := filepath.Join(dir, "price.json")
	if err := os.WriteFile(path, []byte(price), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := cli(t, "validate", path)
	if code != 2 {
		t.Fatalf("exit %d, want 2: %s %s", code, out, errOut)
	}
	expect(t, out, "price.json: 1 problem(s):", `/nodes/1/values/expression (total.expression): input "expression": unknown variable "prce": `+
		`no variables row sets it (the variables are price, qty), so the node fails when it runs`)

	fixed := strings.Replace(price, "prce", "price", 1)
	if err := os.WriteFile(path, []byte(fixed), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, errOut, code = cli(t, "validate", path); code != 0 || strings.Contains(out, "warning") {
		t.Fatalf("fixed: exit %d: %s %s", code, out, errOut)
	}

	connected := strings.Replace(price, `"connections":[`,
		`"connections":[{"from":{"node":"start","port":"input"},"to":{"node":"total","port":"variables"}},`, 1)
	if err := os.WriteFile(path, []byte(connected), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = cli(t, "validate", path)
	if code != 0 {
		t.Fatalf("connected: exit %d: %s %s", code, out, errOut)
	}
	expect(t, out, "price.json: valid", "1 warning(s)", `/nodes/1/values/expression (total.expression): input "expression": the expression reads variable "prce", `+
		`which no variables row written in the flow sets; the variables come from a connection or an expression`)
}
