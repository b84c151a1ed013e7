package main_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// bin is the CLI built once for these tests, exercised as a user would.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "polysynergy-cli")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "polysynergy")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build the CLI: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// cli runs the built binary and returns stdout, stderr and the exit code.
func cli(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

func expect(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q:\n%s", w, got)
		}
	}
}

func example(name string) string { return filepath.Join("..", "..", "examples", name) }

func TestExamples(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		code  int
		wants []string
	}{
		{"hello-route.json", []string{"--input", `{"method":"GET","path":"/hello/ada","params":{"name":"ada"}}`}, 0,
			[]string{"HTTP 200", "Hello, Ada! You called GET /hello/ada.", "x-powered-by: polysynergy", "#  1  route", "success"}},
		// --input keeps a whole number beyond 2^53 to the digit (float64 gives …992)
		{"hello-route.json", []string{"--input", `{"method":"GET","path":"/hello/x","params":{"name":9007199254740993}}`}, 0,
			[]string{"Hello, 9007199254740993! You called GET /hello/x."}},
		{"branching.json", nil, 0, []string{"output: \"large order of 250: needs review\"", "reject", "skipped"}},
		{"branching.json", []string{"--input", `{"order":"{\"amount\": 20}"}`}, 0, []string{"small order of 20: accepted"}},
		{"branching.json", []string{"--input", `{"order":"not json"}`}, 0, []string{"invalid order", "warn: rejected:"}},
		{"for-each.json", []string{"--concurrency", "1"}, 0, []string{`"names":["ADA","GRACE","LINUS"]`, `"count":3`, "shout [2]"}},
		// the node-execution budget: start, each, shout ×3 is five runs; the hint names the flag
		{"for-each.json", []string{"--max-node-runs", "4"}, 1, []string{"the run exceeded its budget of 4 node executions", "--max-node-runs N sets it for this run"}},
		{"for-each.json", []string{"--max-node-runs", "20"}, 0, []string{`"count":3`}},
		{"retry-jump.json", nil, 0, []string{"succeeded on attempt 3"}},
		{"retry-jump.json", []string{"--input", `{"succeed_on": 99}`}, 0, []string{"gave up after 5 retries"}},
		{"fan-out.json", nil, 0, []string{`"upper":"FLOWS RUN IN PARALLEL"`, `"words":4`, `"double":42`}},
		{"checkout.json", nil, 0, []string{`output: "total 100 (80 + 20 VAT)"`, "price", "success"}},
		{"checkout.json", []string{"--input", `{"items":[{"price":8}]}`}, 0, []string{`output: "total 10 (8 + 2 VAT)"`}},
		{"price-with-vat.json", []string{"--input", `{"amount":100}`}, 0, []string{`"gross":121`, `"vat":21`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, code := cli(t, append([]string{"run", example(tc.name)}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\n%s\n%s", code, tc.code, out, errOut)
			}
			expect(t, out, tc.wants...)
		})
	}
}

func TestPauseAndResumeExactlyOnce(t *testing.T) {
	dir := t.TempDir()
	data, err := os.ReadFile(example("approval.json"))
	if err != nil {
		t.Fatal(err)
	}
	flowPath := filepath.Join(dir, "approval.json")
	if err := os.WriteFile(flowPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := cli(t, "run", flowPath)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	expect(t, out, "paused at ask", "Refund 120 EUR to ada?", "run ", "paused")
	if _, err := os.Stat(filepath.Join(dir, "approval.state.json")); err != nil {
		t.Fatalf("state not saved: %v", err)
	}
	out, errOut, code := cli(t, "resume", flowPath, "--input", `{"approved": true, "comment": "ok by finance"}`)
	if code != 0 {
		t.Fatalf("resume exit %d: %s %s", code, out, errOut)
	}
	expect(t, out, "refunded 120 EUR (ok by finance)")
	if strings.Contains(out, "#  1  start") {
		t.Fatal("resume ran the trigger again")
	}
	_, errOut, code = cli(t, "resume", flowPath, "--input", `{"approved": false}`)
	if code != 2 || !strings.Contains(errOut, "no paused run") {
		t.Fatalf("a second resume must be refused: exit %d %s", code, errOut)
	}
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	const head = `{"schema":"polysynergy/flow@1","connections":[],"nodes":[`
	for _, tc := range []struct {
		name, body string
		code       int
		want       string
	}{
		{"malformed.json", "{\"schema\": \"polysynergy/flow@1\",\n \"nodes\": [,]}", 2, "line 2"},
		{"unknown.json", head + `{"id":"a","handle":"a","type":"no.such","position":{"x":0,"y":0}}]}`, 2, `unknown node type "no.such"`},
		{"badexpr.json", head + `{"id":"a","handle":"a","type":"debug.log","position":{"x":0,"y":0},"values":{"message":"{{ 1 + }}"}}]}`, 2, "/nodes/0/values/message (a.message): expression at column"},
		{"fails.json", head + `{"id":"a","handle":"boom","type":"debug.fail","position":{"x":0,"y":0},"values":{"message":"it broke"}}]}`, 1, `node "boom": it broke`},
		{"slow.json", head + `{"id":"a","handle":"wait","type":"control.delay","position":{"x":0,"y":0},"values":{"ms":60000}}]}`, 1, "deadline"},
		{"endless.json", head + `{"id":"t","handle":"again","type":"control.to","position":{"x":0,"y":0}},
			{"id":"j","handle":"loop","type":"control.jump","position":{"x":0,"y":0},"values":{"max_retries":100000}}],
			"connections":[{"from":{"node":"t","port":"true_path"},"to":{"node":"j","port":"node"}},{"from":{"node":"j","port":"to"},"to":{"node":"t","port":"from"}}]}`, 1, "budget of 10000 node executions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.body
			if tc.name == "endless.json" {
				body = strings.Replace(body, `"connections":[],`, "", 1)
			}
			args := []string{"run", write(tc.name, body)}
			if tc.name == "slow.json" {
				args = append(args, "--timeout", "300ms")
			}
			out, errOut, code := cli(t, args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, out, errOut)
			}
			expect(t, out+errOut, tc.want)
			if strings.Contains(out+errOut, "goroutine ") || strings.Contains(out+errOut, "panic:") {
				t.Fatalf("a stack trace reached the user:\n%s", out+errOut)
			}
		})
	}
}

func TestValidateAndCatalogue(t *testing.T) {
	out, _, code := cli(t, "validate", example("hello-route.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	expect(t, out, "valid (3 nodes")
	out, _, code = cli(t, "nodes", "--json")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var cat struct {
		Count      int
		Categories []struct {
			Name  string
			Types []struct {
				ID, Doc string
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &cat); err != nil {
		t.Fatal(err)
	}
	if cat.Count < 80 || len(cat.Categories) < 8 {
		t.Fatalf("catalogue has %d types in %d categories", cat.Count, len(cat.Categories))
	}
	for _, c := range cat.Categories {
		for _, ty := range c.Types {
			if ty.Doc == "" {
				t.Errorf("%s has no documentation", ty.ID)
			}
		}
	}
	out, _, code = cli(t, "nodes", "control.for_each")
	if code != 0 || !strings.Contains(out, "Loop end") {
		t.Fatalf("one type's help: %d %s", code, out)
	}
	out, _, code = cli(t, "nodes", "--category", "aws")
	if code != 0 || !strings.Contains(out, "aws.dynamodb_delete") || strings.Contains(out, "ai.agent") {
		t.Fatalf("one category, any case: %d %s", code, out)
	}
	_, errOut, code := cli(t, "nodes", "--category", "nope")
	if code != 2 || !strings.Contains(errOut, `--category: no category "nope"; the categories are AI, AWS,`) {
		t.Fatalf("unknown category: %d %s", code, errOut)
	}
	for flag, want := range map[string]string{
		"--concurrency=0":         "--concurrency: 0 is below 1",
		"--timeout=-1s":           "--timeout: -1s is not a positive duration",
		"--timeout=0":             "--timeout: 0s is not a positive duration",
		"--max-node-runs=-1":      "--max-node-runs: -1 is not from 1 to 1000000",
		"--max-node-runs=1000001": "--max-node-runs: 1000001 is not from 1 to 1000000",
	} {
		for _, cmd := range []string{"run", "resume"} {
			_, errOut, code = cli(t, cmd, example("hello-route.json"), flag)
			if code != 2 || !strings.Contains(errOut, want) {
				t.Errorf("%s %s: %d %s", cmd, flag, code, errOut)
			}
		}
	}
	_, errOut, code = cli(t, "frobnicate")
	if code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Fatalf("unknown command: %d %s", code, errOut)
	}
}

// validate lists what would certainly fail at run time, each problem with its JSON pointer and
// the node and port concerned.
func TestValidateProblems(t *testing.T) {
	dir := t.TempDir()
	node := func(handle, typ, values string) string {
		return fmt.Sprintf(`{"id":%q,"handle":%q,"type":%q,"position":{"x":0,"y":0},"values":%s}`, handle, handle, typ, values)
	}
	conn := func(from, fport, to, tport string) string {
		return fmt.Sprintf(`{"from":{"node":%q,"port":%q},"to":{"node":%q,"port":%q}}`, from, fport, to, tport)
	}
	flowDoc := func(nodes []string, conns ...string) string {
		return `{"schema":"polysynergy/flow@1","nodes":[` + strings.Join(nodes, ",") + `],"connections":[` + strings.Join(conns, ",") + `]}`
	}
	start := node("start", "trigger.manual", "{}")
	loop := []string{start, node("each", "control.for_each", `{"list":[1,2]}`), node("end", "control.loop_end", "{}")}
	loopConns := []string{conn("start", "true_path", "each", "node"), conn("each", "loop", "end", "loop")}
	for _, tc := range []struct {
		name, body string
		args       []string
		want       string // "" when valid
	}{
		{"approval-in-loop.json", flowDoc(append(loop, node("ask", "control.approval", "{}")), append(loopConns, conn("each", "item", "ask", "node"))...), nil,
			`/nodes/3 (ask): node "ask" (control.approval) pauses the run, but it is inside loop "each"`},
		{"chunk.json", flowDoc([]string{start, node("batches", "list.chunk", `{"list":[1,2],"size":0}`)}, conn("start", "true_path", "batches", "node")), nil,
			`/nodes/1/values/size (batches.size): input "size": must be at least 1, got 0`},
		{"regex.json", flowDoc([]string{start, node("route", "router.regex", `{"cases":[{"key":"a","value":"(x"}]}`)}, conn("start", "true_path", "route", "node")), nil,
			"/nodes/1/values/cases/0/value (route.cases): case \"a\" of input \"cases\": missing closing ): `(x`"},
		{"self.json", flowDoc([]string{start, node("me", "debug.log", `{"message":"{{ me.message }}"}`)}, conn("start", "true_path", "me", "node")), nil,
			`/nodes/1/values/message (me.message): expression {{ … }} refers to "me", this node itself`},
		{"outside.json", flowDoc(append(loop, node("body", "debug.log", `{"message":"{{ each.item }}"}`), node("after", "debug.log", `{"message":"{{ body.message }}"}`)),
			append(loopConns, conn("each", "item", "body", "node"), conn("end", "results", "after", "node"))...), nil,
			`/nodes/4/values/message (after.message): expression {{ … }} refers to "body", which runs inside loop "each"`},
		{"switch.json", flowDoc([]string{start, node("pick", "control.switch", `{"value":"a","cases":[{"key":"one","value":1},{"key":"uno","value":"1"}]}`)},
			conn("start", "true_path", "pick", "node")), nil,
			`/nodes/1/values/cases/1/value (pick.cases): case "uno" is like case "one" before it`},
		{"break.json", flowDoc([]string{start, node("stop", "control.break", "{}")}, conn("start", "true_path", "stop", "node")), nil,
			`/nodes/1 (stop): break "stop" is not inside a loop body`},
		// a request enters at the flow's one HTTP route node: a second one is refused
		{"two-routes.json", flowDoc([]string{node("route", "trigger.route", "{}"), node("route2", "trigger.route", "{}")}), nil,
			`/nodes/1 (route2): "route2" is a second HTTP route (trigger.route) in the flow, besides "route"`},
		// a called flow cannot pause: calling asker.json (next to the caller) is refused
		{"asker.json", flowDoc([]string{node("entry", "flow.input", "{}"), node("approve", "control.approval", "{}")}, conn("entry", "true_path", "approve", "node")), nil, ""},
		{"asks.json", flowDoc([]string{start, node("call", "flow.call", `{"flow_id":"asker"}`)}, conn("start", "true_path", "call", "node")), nil,
			`/nodes/1/values/flow_id (call.flow_id): flow_id "asker" names a flow that can pause (at "approve" (Human approval)), but a called flow cannot pause`},
		// a literal template or script that does not parse, with the parser's line and column
		{"template.json", flowDoc([]string{start, node("page", "text.template", `{"template":"Hi {{ name }}\n{% if name %}yes"}`)}, conn("start", "true_path", "page", "node")), nil,
			`/nodes/1/values/template (page.template): input "template": line 2, column 17: Unexpected EOF, expected tag elif or else or endif`},
		{"code.json", flowDoc([]string{start, node("js", "code.javascript", `{"code":"let x = 1\nreturn x +* 2"}`)}, conn("start", "true_path", "js", "node")), nil,
			`/nodes/1/values/code (js.code): input "code": SyntaxError at line 2, column 11: Unexpected token *`},
		{"route-and-play.json", flowDoc([]string{node("route", "trigger.route", "{}"), start}), nil, ""},
		// `run` finds called flow ID in ID.json next to the flow: this file is flow "again"
		{"again.json", flowDoc([]string{start, node("call", "flow.call", `{"flow_id":"again"}`)}, conn("start", "true_path", "call", "node")), nil,
			`/nodes/1/values/flow_id (call.flow_id): a flow cannot call itself: flow_id "again" is this flow's own id`},
		{"again.json", flowDoc([]string{start, node("call", "flow.call", `{"flow_id":"again"}`)}, conn("start", "true_path", "call", "node")),
			[]string{"--flow-id", "01HZXTESTFLOW"}, ""},
		// run reads called flow ID from ID.json next to the flow (or in --flows DIR): validate too
		{"caller.json", flowDoc([]string{start, node("call", "flow.call", `{"flow_id":"price-with-vat"}`)}, conn("start", "true_path", "call", "node")), nil,
			`/nodes/1/values/flow_id (call.flow_id): flow_id "price-with-vat" names no flow, so the call would fail`},
		{"caller.json", flowDoc([]string{start, node("call", "flow.call", `{"flow_id":"price-with-vat"}`)}, conn("start", "true_path", "call", "node")),
			[]string{"--flows", filepath.Join("..", "..", "examples")}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, []byte(tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			out, errOut, code := cli(t, append([]string{"validate", path}, tc.args...)...)
			if tc.want == "" {
				if code != 0 {
					t.Fatalf("exit %d: %s %s", code, out, errOut)
				}
				expect(t, out, "valid (2 nodes")
				return
			}
			if code != 2 {
				t.Fatalf("exit %d, want 2: %s %s", code, out, errOut)
			}
			expect(t, out, "1 problem(s)", tc.want)
		})
	}
}

// validate --json answers in JSON also for a file that is no flow document (broken JSON, an
// unknown field), so a script reading stdout gets {valid: false, problems} and not nothing.
func TestValidateJSONForUndecodableFiles(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"broken.json":  `{bad`,
		"unknown.json": `{"schema":"polysynergy/flow@1","nodes":[],"connections":[],"extra":1}`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := cli(t, "validate", path, "--json")
		var got struct {
			Valid    bool `json:"valid"`
			Problems []struct {
				Path, Message string
			} `json:"problems"`
		}
		if code != 2 || json.Unmarshal([]byte(out), &got) != nil || got.Valid || len(got.Problems) != 1 ||
			!strings.Contains(got.Problems[0].Message, "flow document, line 1 column") {
			t.Errorf("%s: exit %d, out %q, err %q; want exit 2 and one problem in JSON", name, code, out, errOut)
		}
	}
}

// validate takes several files (a repository's flows/*.json in CI): it checks each, says
// which are valid, and fails when any is not; --json prints a list with each file named, and
// a file that cannot be read or decoded is one problem in it rather than ending the check.
func TestValidateSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{bad`), 0o644); err != nil {
		t.Fatal(err)
	}
	good, missing := example("hello-route.json"), filepath.Join(dir, "missing.json")

	out, errOut, code := cli(t, "validate", good, example("for-each.json"))
	if code != 0 {
		t.Fatalf("two valid files: exit %d: %s %s", code, out, errOut)
	}
	expect(t, out, "hello-route.json: valid (", "for-each.json: valid (", "2 files: 2 valid, 0 not")

	out, errOut, code = cli(t, "validate", good, bad, missing)
	if code != 2 {
		t.Fatalf("a bad file among them: exit %d, want 2: %s %s", code, out, errOut)
	}
	expect(t, out, "hello-route.json: valid (", "3 files: 1 valid, 2 not")
	expect(t, errOut, "bad.json: flow document, line 1 column", "missing.json: no such file")

	out, _, code = cli(t, "validate", good, bad, missing, "--json")
	var got []struct {
		File     string `json:"file"`
		Valid    bool   `json:"valid"`
		Problems []struct{ Path, Message string }
	}
	if code != 2 || json.Unmarshal([]byte(out), &got) != nil || len(got) != 3 {
		t.Fatalf("--json: exit %d, %s", code, out)
	}
	if got[0].File != good || !got[0].Valid || got[1].File != bad || got[1].Valid || len(got[1].Problems) != 1 ||
		got[2].Valid || !strings.Contains(got[2].Problems[0].Message, "read flow") {
		t.Errorf("--json: %+v", got)
	}

	_, errOut, code = cli(t, "validate", good, bad, "--flow-id", "x")
	if code != 2 {
		t.Errorf("--flow-id with two files: exit %d", code)
	}
	expect(t, errOut, "--flow-id names one flow's id")
}

// The editor's built-in catalogue (used offline and by its tests) is the CLI's, so it never
// lags behind the node families.
func TestWebCatalogFixtureIsCurrent(t *testing.T) {
	out, errOut, code := cli(t, "nodes", "--json")
	if code != 0 {
		t.Fatalf("nodes --json: exit %d: %s", code, errOut)
	}
	fixture, err := os.ReadFile(filepath.Join("..", "..", "web", "src", "fixtures", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(fixture) != out {
		t.Fatal("web/src/fixtures/catalog.json is out of date: run `npm run catalog` in web/")
	}
}

// A value JSON cannot hold (1/0 is +Inf) is reported, not printed as an empty record.
func TestRunJSONWithInfinity(t *testing.T) {
	path := filepath.Join(t.TempDir(), "inf.json")
	doc := `{"schema":"polysynergy/flow@1","nodes":[{"id":"s","handle":"start","type":"trigger.manual","position":{"x":0,"y":0}},` +
		`{"id":"e","handle":"out","type":"control.exit","position":{"x":200,"y":0},"values":{"value":"{{ 1/0 }}"}}],` +
		`"connections":[{"id":"c","from":{"node":"s","port":"true_path"},"to":{"node":"e","port":"node"}}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	// the expression fails naming the infinity, so the run record (with that error) prints
	out, errOut, code := cli(t, "run", path, "--json")
	if code != 1 || !strings.Contains(out, `"status": "error"`) || !strings.Contains(out, "the result is +Inf, which JSON cannot hold") {
		t.Fatalf("exit %d, out %q, err %q", code, out, errOut)
	}
}

// The printed output and --json keep <, > and & as they are (a redacted secret reads
// <secret:KEY>, not \u003csecret:KEY\u003e), and a long output is cut between characters.
func TestRunOutputIsReadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "readable.json")
	doc := `{"schema":"polysynergy/flow@1","nodes":[{"id":"s","handle":"start","type":"trigger.manual","position":{"x":0,"y":0}},` +
		`{"id":"e","handle":"out","type":"control.exit","position":{"x":200,"y":0},"values":{"value":{"k":"<secret:K>","q":"a & b <i>","z_long":"{{ repeat('é', 1500) }}"}}}],` +
		`"connections":[{"id":"c","from":{"node":"s","port":"true_path"},"to":{"node":"e","port":"node"}}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := cli(t, "run", path, "--secret", "K=hunter2")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	expect(t, out, `"k":"<secret:K>"`, `"q":"a & b <i>"`)
	if !utf8.ValidString(out) {
		t.Errorf("the output is cut through a character: %q", out[len(out)-20:])
	}
	out, _, _ = cli(t, "run", path, "--secret", "K=hunter2", "--json")
	expect(t, out, `"k": "<secret:K>"`, `"q": "a & b <i>"`)
}

// A run reading a secret by a key it computes knows every --secret from its start, so the
// input it was given and its first nodes' results, which hold the value before the secret
// is read, show <secret:KEY> (they were printed in clear).
func TestSecretReadByAComputedKeyIsRedactedFromTheStart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "computed-key.json")
	doc := `{"schema":"polysynergy/flow@1","nodes":[
	 {"id":"start","handle":"start","type":"trigger.manual","position":{"x":0,"y":0}},
	 {"id":"read","handle":"read","type":"variable.secret","position":{"x":200,"y":0},"values":{"key":"{{ 'TO' + 'KEN' }}"}},
	 {"id":"done","handle":"done","type":"control.exit","position":{"x":400,"y":0},"values":{"value":"{{ read.value == trigger.t }}"}}],
	 "connections":[
	 {"from":{"node":"start","port":"true_path"},"to":{"node":"read","port":"node"}},
	 {"from":{"node":"read","port":"true_path"},"to":{"node":"done","port":"node"}}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, format := range [][]string{nil, {"--json"}} {
		args := append([]string{"run", path, "--input", `{"t":"s3cr3t-value"}`, "--secret", "TOKEN=s3cr3t-value"}, format...)
		out, errOut, code := cli(t, args...)
		if code != 0 {
			t.Fatalf("run %v: exit %d: %s%s", format, code, out, errOut)
		}
		if strings.Contains(out+errOut, "s3cr3t") {
			t.Errorf("run %v printed the secret's value:\n%s%s", format, out, errOut)
		}
		if format != nil {
			expect(t, out, `"t": "<secret:TOKEN>"`, `"output": true`)
		}
	}
}

// A paused run's state file and its printout name the secrets the run used, never their
// values; the resume resolves them again from --secret and refuses without them.
func TestPausedStateKeepsSecretKeysOnly(t *testing.T) {
	dir := t.TempDir()
	flowPath := filepath.Join(dir, "secret-approval.json")
	doc := `{"schema":"polysynergy/flow@1","nodes":[
	 {"id":"start","handle":"start","type":"trigger.manual","position":{"x":0,"y":0}},
	 {"id":"read","handle":"read","type":"variable.secret","position":{"x":200,"y":0},"values":{"key":"SHOP_TOKEN"}},
	 {"id":"ask","handle":"ask","type":"control.approval","position":{"x":400,"y":0},
	  "values":{"message":"call the shop with <secret:SHOP_TOKEN>?","data":"{{ {'auth': 'Bearer ' + read.value, 'json': toJSON(read.value)} }}"}},
	 {"id":"done","handle":"done","type":"control.exit","position":{"x":600,"y":0},
	  "values":{"value":"{{ read.value == 'shop-\"7<secret>' && ask.data.auth == 'Bearer ' + read.value && fromJSON(ask.data.json) == read.value }}"}}],
	 "connections":[
	 {"from":{"node":"start","port":"true_path"},"to":{"node":"read","port":"node"}},
	 {"from":{"node":"read","port":"true_path"},"to":{"node":"ask","port":"node"}},
	 {"from":{"node":"ask","port":"true_path"},"to":{"node":"done","port":"node"}}]}`
	if err := os.WriteFile(flowPath, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	const value = `shop-"7<secret>`
	out, errOut, code := cli(t, "run", flowPath, "--secret", "SHOP_TOKEN="+value)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	expect(t, out, "paused at ask", "<secret:SHOP_TOKEN")
	state, err := os.ReadFile(filepath.Join(dir, "secret-approval.state.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{out, errOut, string(state)} {
		if strings.Contains(s, "shop-") {
			t.Fatalf("a secret value was printed or saved:\n%s", s)
		}
	}
	if !strings.Contains(string(state), `"<secret:SHOP_TOKEN@`) {
		t.Fatalf("the state file names the key readably:\n%s", state)
	}
	_, errOut, code = cli(t, "resume", flowPath, "--input", `{"approved": true}`)
	if code != 2 || !strings.Contains(errOut, `secret "SHOP_TOKEN"`) {
		t.Fatalf("a resume without the secret must be refused naming it: exit %d %s", code, errOut)
	}
	out, errOut, code = cli(t, "resume", flowPath, "--input", `{"approved": true}`, "--secret", "SHOP_TOKEN="+value)
	if code != 0 {
		t.Fatalf("resume exit %d: %s %s", code, out, errOut)
	}
	expect(t, out, "output: true")
}

// Warnings (an expression reading a node its node does not wait for) are printed after the
// problems and do not fail the check; --json lists them under "warnings".
func TestValidateWarnings(t *testing.T) {
	dir := t.TempDir()
	race := `{"schema":"polysynergy/flow@1","nodes":[
		{"id":"start","handle":"start","type":"trigger.manual","position":{"x":0,"y":0}},
		{"id":"slow","handle":"slow","type":"debug.log","position":{"x":0,"y":0},"values":{"message":"x"}},
		{"id":"reader","handle":"reader","type":"debug.log","position":{"x":0,"y":0},"values":{"message":"got {{ slow.value }}"}}],
		"connections":[{"from":{"node":"start","port":"true_path"},"to":{"node":"slow","port":"node"}},
		{"from":{"node":"start","port":"true_path"},"to":{"node":"reader","port":"node"}}]}`
	path := filepath.Join(dir, "race.json")
	if err := os.WriteFile(path, []byte(race), 0o644); err != nil {
		t.Fatal(err)
	}
	warning := `/nodes/2/values/message (reader.message): expression {{ … }} reads "slow", which "reader" does not wait for`
	out, errOut, code := cli(t, "validate", path)
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	expect(t, out, "race.json: valid (3 nodes, 2 connections)", "race.json: 1 warning(s), which do not make it invalid:", warning)

	out, _, code = cli(t, "validate", path, "--json")
	var got struct {
		Valid    bool `json:"valid"`
		Problems []struct{ Path, Message string }
		Warnings []struct{ Path, Message, Node, Port string }
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil || code != 0 || !got.Valid || got.Problems == nil || len(got.Problems) != 0 ||
		len(got.Warnings) != 1 || got.Warnings[0].Path != "/nodes/2/values/message" || got.Warnings[0].Node != "reader" || got.Warnings[0].Port != "message" {
		t.Fatalf("--json: exit %d, %v: %s", code, err, out)
	}

	// with a problem too, both are listed and the check fails
	bad := strings.Replace(race, `"values":{"message":"x"}`, `"values":{"message":"x","nope":1}`, 1)
	if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code = cli(t, "validate", path)
	if code != 2 {
		t.Fatalf("exit %d, want 2: %s", code, out)
	}
	expect(t, out, "race.json: 1 problem(s):", `/nodes/1/values/nope (slow.nope): node type debug.log has no input "nope"`, "1 warning(s)", warning)
}

// A secret is redacted also as nodes encode it on the way out: Jinja's urlencode (as
// JavaScript's encodeURI writes it), the URL and base64 encoding nodes, so the run record
// never holds it in any of those forms.
func TestEncodedSecretsAreRedacted(t *testing.T) {
	dir := t.TempDir()
	node := func(handle, typ, values string) string {
		return fmt.Sprintf(`{"id":%q,"handle":%q,"type":%q,"position":{"x":0,"y":0},"values":%s}`, handle, handle, typ, values)
	}
	chain := func(handles ...string) []string {
		var out []string
		for i := 1; i < len(handles); i++ {
			out = append(out, fmt.Sprintf(`{"from":{"node":%q,"port":"true_path"},"to":{"node":%q,"port":"node"}}`, handles[i-1], handles[i]))
		}
		return out
	}
	nodes := []string{
		node("start", "trigger.manual", "{}"),
		node("tok", "variable.secret", `{"key":"TOK"}`),
		node("page", "text.template", `{"template":"{{ s | urlencode }}","variables":[{"key":"s","value":"{{ tok.value }}"}]}`),
		node("q", "encoding.url_encode", `{"text":"{{ tok.value }}","mode":"query"}`),
		node("b", "encoding.base64_encode", `{"text":"{{ tok.value }}"}`),
		node("bu", "encoding.base64_encode", `{"text":"{{ tok.value }}","variant":"url","padding":false}`),
	}
	doc := `{"schema":"polysynergy/flow@1","nodes":[` + strings.Join(nodes, ",") + `],"connections":[` +
		strings.Join(chain("start", "tok", "page", "q", "b", "bu"), ",") + `]}`
	path := filepath.Join(dir, "encode.json")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	const secret = "p@ss w/rd+1é~"
	out, errOut, code := cli(t, "run", path, "--secret", "TOK="+secret, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, errOut)
	}
	for _, form := range []string{secret, "p@ss%20w/rd+1%C3%A9~", "p%40ss+w%2Frd%2B1%C3%A9~", "cEBzcyB3L3JkKzHDqX4", "cEBzcyB3L3JkKzHDqX4"} {
		if strings.Contains(out, form) {
			t.Errorf("the run record holds the secret as %q", form)
		}
	}
	if n := strings.Count(out, "<secret:TOK>"); n < 5 {
		t.Errorf("the record names the secret %d times, want one per encoding node and more:\n%s", n, out)
	}
}
