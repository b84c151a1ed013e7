package flow_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/catalog"
	"polysynergy/shared/nodes/text/jinja"
)

// fullRegistry is the whole catalogue, plus a test agent that uses tools.
var fullRegistry = sync.OnceValues(func() (*nodes.Registry, error) {
	r, err := catalog.New()
	if err != nil {
		return nil, err
	}
	run := func(context.Context, *nodes.Call) (nodes.Out, error) { return nodes.Out{}, nil }
	return r, r.Register(&nodes.Type{ID: "t.agent", Category: "T", Name: "Agent", Doc: "d", Run: run,
		Inputs:  []nodes.Port{{Name: "tools", Type: nodes.ServiceType("tool"), Multi: true}},
		Outputs: []nodes.Port{{Name: "answer", Type: nodes.String}}})
})

// n writes a node whose id and handle are handle; values is a JSON object or "".
func n(handle, typ, values string) string {
	if values == "" {
		values = "{}"
	}
	return fmt.Sprintf(`{"id":%q,"handle":%q,"type":%q,"position":{"x":0,"y":0},"values":%s}`, handle, handle, typ, values)
}

// c writes a connection "from.port>to.port".
func c(spec string) string {
	from, to, _ := strings.Cut(spec, ">")
	fn, fp, _ := strings.Cut(from, ".")
	tn, tp, _ := strings.Cut(to, ".")
	return fmt.Sprintf(`{"from":{"node":%q,"port":%q},"to":{"node":%q,"port":%q}}`, fn, fp, tn, tp)
}

func doc(nodes []string, conns ...string) string {
	for i, s := range conns {
		conns[i] = c(s)
	}
	return `{"schema":"polysynergy/flow@1","nodes":[` + strings.Join(nodes, ",") + `],"connections":[` + strings.Join(conns, ",") + `]}`
}

// loop is a manual trigger, a for-each over [1, 2] and its loop end, with body between.
func loop(body []string, conns ...string) string {
	all := append([]string{n("start", "trigger.manual", ""), n("each", "control.for_each", `{"list":[1,2]}`),
		n("end", "control.loop_end", "")}, body...)
	return doc(all, append([]string{"start.true_path>each.node", "each.loop>end.loop"}, conns...)...)
}

type want struct{ path, msg string }

type ruleCase struct {
	name string
	doc  string
	id   string // the flow's own id, for ValidateWith
	want []want
}

func checkRules(t *testing.T, cases []ruleCase) {
	t.Helper()
	reg, err := fullRegistry()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := decode(t, tc.doc)
			probs := flow.ValidateWith(d, reg, flow.Options{FlowID: tc.id})
			ok := len(probs) == len(tc.want)
			for i := 0; ok && i < len(probs); i++ {
				ok = probs[i].Path == tc.want[i].path && strings.Contains(probs[i].Message, tc.want[i].msg)
			}
			if !ok {
				t.Errorf("got %d problem(s):\n%s\nwant:\n%v", len(probs), problemList(probs), tc.want)
			}
			if tc.id == "" {
				// Compile agrees with Validate
				if _, err := flow.Compile(d, reg); (err == nil) != (len(probs) == 0) {
					t.Errorf("Compile: %v, Validate: %d problems", err, len(probs))
				}
			}
		})
	}
}

func problemList(probs flow.Problems) string {
	var b strings.Builder
	for _, p := range probs {
		fmt.Fprintf(&b, "  %s [%s.%s]\n", p, p.Node, p.Port)
	}
	return b.String()
}

func TestPausingInsideALoop(t *testing.T) {
	tool := func(confirm string) string {
		return n("refund", "ai.http_tool", `{"name":"refund","description":"Refunds","url":"https://shop.example.com/refund",`+
			`"needs_confirmation":`+confirm+`}`)
	}
	checkRules(t, []ruleCase{
		{"approval in the body", loop([]string{n("ask", "control.approval", `{"message":"ok?"}`)},
			"each.item>ask.node", "ask.approved>end.value"),
			"", []want{{"/nodes/3", `node "ask" (control.approval) pauses the run, but it is inside loop "each"`}}},
		{"approval in a nested loop names the inner loop", loop([]string{
			n("inner", "control.counter_loop", `{"to":3}`), n("inner_end", "control.loop_end", ""),
			n("ask", "control.approval", "")},
			"each.item>inner.node", "inner.loop>inner_end.loop", "inner.value>ask.node", "inner_end.results>end.value"),
			"", []want{{"/nodes/5", `inside loop "inner"`}}},
		{"approval after the loop", loop([]string{n("ask", "control.approval", "")}, "end.results>ask.data"), "", nil},
		{"disabled approval in the body", strings.Replace(loop([]string{n("ask", "control.approval", "")}, "each.item>ask.node"),
			`"type":"control.approval",`, `"type":"control.approval","flow_state":"disabled",`, 1), "", nil},
		{"an agent in the body with a tool that needs confirmation", loop([]string{tool("true"), n("agent", "t.agent", "")},
			"each.item>agent.node", "refund.tool>agent.tools", "agent.answer>end.value"),
			"", []want{{"/connections/3", `"agent" uses "refund", whose needs_confirmation is on: it pauses the run to ask, but "agent" is inside loop "each"`}}},
		{"a tool set to confirm, as text", loop([]string{tool(`"true"`), n("agent", "t.agent", "")},
			"each.item>agent.node", "refund.tool>agent.tools"),
			"", []want{{"/connections/3", `whose needs_confirmation is on`}}},
		{"a tool without confirmation", loop([]string{tool("false"), n("agent", "t.agent", "")},
			"each.item>agent.node", "refund.tool>agent.tools"), "", nil},
		{"confirmation given by an expression", loop([]string{tool(`"{{ start.input.confirm }}"`), n("agent", "t.agent", "")},
			"each.item>agent.node", "refund.tool>agent.tools"), "", nil},
		{"an agent outside the loop with a tool that needs confirmation", loop([]string{tool("true"), n("agent", "t.agent", "")},
			"end.results>agent.node", "refund.tool>agent.tools"), "", nil},
	})
}

func TestLiteralValuesOutOfRange(t *testing.T) {
	one := func(typ, values string) string {
		return doc([]string{n("start", "trigger.manual", ""), n("x", typ, values)}, "start.true_path>x.node")
	}
	js := func(extra string) string { return one("code.javascript", `{"code":"return 1"`+extra+`}`) }
	router := func(typ, cases string) string { return one(typ, `{"value":"v","cases":`+cases+`}`) }
	jump := func(values string) string {
		return doc([]string{n("start", "trigger.manual", ""), n("again", "control.to", ""), n("retry", "control.jump", values)},
			"start.true_path>again.node", "again.true_path>retry.node", "retry.to>again.from")
	}
	counter := func(values string) string {
		return doc([]string{n("start", "trigger.manual", ""), n("loop", "control.counter_loop", values), n("end", "control.loop_end", "")},
			"start.true_path>loop.node", "loop.loop>end.loop")
	}
	checkRules(t, []ruleCase{
		{"JavaScript timeout 0", js(`,"timeout_ms":0`), "", []want{{"/nodes/1/values/timeout_ms", `input "timeout_ms": must be between 1 and 30000, got 0`}}},
		{"JavaScript timeout over the limit", js(`,"timeout_ms":"60000"`), "", []want{{"/nodes/1/values/timeout_ms", "must be between 1 and 30000, got 60000"}}},
		{"JavaScript memory 0", js(`,"memory_mb":0`), "", []want{{"/nodes/1/values/memory_mb", "must be between 1 and 1024, got 0"}}},
		{"JavaScript timeout in range", js(`,"timeout_ms":30000`), "", nil},
		{"HTTP request retries over the limit", one("http.request", `{"url":"https://example.com","retries":11}`), "",
			[]want{{"/nodes/1/values/retries", `input "retries": must be between 0 and 10, got 11`}}},
		{"HTTP request to a URL without a scheme", one("http.request", `{"url":"api.example.com/items"}`), "",
			[]want{{"/nodes/1/values/url", `input "url": "api.example.com/items" must start with http:// or https://`}}},
		{"HTTP request over FTP", one("http.request", `{"url":"ftp://example.com/x"}`), "",
			[]want{{"/nodes/1/values/url", `must start with http:// or https://`}}},
		{"HTTP request to a URL from an expression", one("http.request", `{"url":"https://{{ 'example.com' }}/x"}`), "", nil},
		{"HTTP request timeout 0", one("http.request", `{"url":"https://example.com","timeout_ms":0}`), "",
			[]want{{"/nodes/1/values/timeout_ms", `input "timeout_ms": must be at least 1, got 0`}}},
		{"SQS delay over 15 minutes", one("aws.sqs_send", `{"queue_url":"https://q","message":"m","delay_seconds":901}`), "",
			[]want{{"/nodes/1/values/delay_seconds", `must be between 0 and 900, got 901`}}},
		{"an HTTP status no HTTP has", one("http.response", `{"status":700}`), "",
			[]want{{"/nodes/1/values/status", `input "status": must be between 200 and 599, got 700`}}},
		{"round to too many digits", one("math.round", `{"value":1.5,"digits":16}`), "",
			[]want{{"/nodes/1/values/digits", `must be between -15 and 15, got 16`}}},
		{"JavaScript timeout by expression", js(`,"timeout_ms":"{{ 0 }}"`), "", nil},
		{"JavaScript timeout left empty", js(`,"timeout_ms":""`), "", nil},
		{"chunk size 0", one("list.chunk", `{"list":[1,2],"size":0}`), "", []want{{"/nodes/1/values/size", `input "size": must be at least 1, got 0`}}},
		{"chunk size negative", one("list.chunk", `{"list":[1,2],"size":-3}`), "", []want{{"/nodes/1/values/size", "must be at least 1, got -3"}}},
		{"chunk size 1", one("list.chunk", `{"list":[1,2],"size":1}`), "", nil},
		{"pad to a huge width", one("text.pad", `{"text":"a","width":1e12}`), "", []want{{"/nodes/1/values/width", "must be between 0 and 1048576, got 1000000000000"}}},
		{"pad to 10", one("text.pad", `{"text":"a","width":10}`), "", nil},
		{"truncate to -1", one("text.truncate", `{"text":"abc","max":-1}`), "", []want{{"/nodes/1/values/max", `input "max": must be at least 0, got -1`}}},
		{"truncate to 0", one("text.truncate", `{"text":"abc","max":0}`), "", nil},
		{"delay past its limit", one("control.delay", `{"ms":3600000}`), "", []want{{"/nodes/1/values/ms", "must be between 0 and 900000, got 3600000"}}},
		{"delay negative", one("control.delay", `{"ms":-1}`), "", []want{{"/nodes/1/values/ms", "must be between 0 and 900000, got -1"}}},
		{"delay of a minute", one("control.delay", `{"ms":60000}`), "", nil},
		{"random path probability 2", one("control.random_path", `{"probability":2}`), "", []want{{"/nodes/1/values/probability", "between 0 and 1"}}},
		{"jump retries negative", jump(`{"max_retries":-1}`), "", []want{{"/nodes/2/values/max_retries", "must be between 0 and 100000, got -1"}}},
		{"jump retries over the limit", jump(`{"max_retries":100001,"delay_ms":900001}`), "", []want{
			{"/nodes/2/values/delay_ms", "must be between 0 and 900000, got 900001"},
			{"/nodes/2/values/max_retries", "must be between 0 and 100000, got 100001"}}},
		{"jump within its limits", jump(`{"max_retries":100000,"delay_ms":900000}`), "", nil},
		{"a connection instead of the value", doc([]string{n("start", "trigger.manual", `{"test_input":0}`), n("x", "list.chunk", `{"list":[1],"size":0}`)},
			"start.input>x.size"), "", nil},
		{"regex router with a pattern that does not compile", router("router.regex", `[{"key":"ok","value":"^a+$"},{"key":"bad","value":"(a"}]`), "",
			[]want{{"/nodes/1/values/cases/1/value", `case "bad" of input "cases": missing closing ): ` + "`(a`"}}},
		{"regex router, RE2 has no lookahead", router("router.regex", `[{"key":"look","value":"a(?=b)"}]`), "",
			[]want{{"/nodes/1/values/cases/0/value", `case "look" of input "cases": invalid or unsupported Perl syntax`}}},
		{"regex router with patterns from expressions", router("router.regex", `[{"key":"x","value":"{{ start.input.re }}"}]`), "", nil},
		{"regex router whose case is connected", doc([]string{n("start", "trigger.manual", ""),
			n("x", "router.regex", `{"value":"v","cases":[{"key":"a","value":"("}]}`)}, "start.input>x.cases.a"), "", nil},
		{"regex match with a bad pattern", one("text.regex_match", `{"pattern":"[a-","text":"abc"}`), "",
			[]want{{"/nodes/1/values/pattern", `input "pattern": missing closing ]`}}},
		{"range router with invalid ranges", router("router.range", `[{"key":"a","value":"1..x"},{"key":"b","value":"5"},{"key":"c","value":"..10"}]`), "",
			[]want{{"/nodes/1/values/cases/0/value", `case "a" of input "cases": range "1..x": "x" is not a number`},
				{"/nodes/1/values/cases/1/value", `case "b" of input "cases": range "5" must look like min..max`}}},
		{"type router with an unknown type", router("router.type", `{"int":"integer","text":"String"}`), "",
			[]want{{"/nodes/1/values/cases/int", `case "int" of input "cases": unknown type "integer" (string, number, boolean, object, list, null, datetime, bytes)`}}},
		{"counter loop by 0", counter(`{"to":3,"step":0}`), "", []want{{"/nodes/1/values/step", `input "step": must be a number other than 0`}}},
		{"counter loop by 0.5", counter(`{"to":3,"step":0.5}`), "", nil},
		{"number range by 0", one("list.range", `{"stop":3,"step":0}`), "", []want{{"/nodes/1/values/step", `input "step": must be a number other than 0`}}},
		{"counter loop by an expression", counter(`{"to":3,"step":"{{ 0 }}"}`), "", nil},
		{"filter with an expression that does not parse", one("list.filter", `{"list":[1],"expression":"item >"}`), "",
			[]want{{"/nodes/1/values/expression", `input "expression": line 1, column 6: unexpected token EOF`}}},
		{"map with an expression in braces that does not parse", one("list.map", `{"list":[1],"expression":"{{ item + }}"}`), "",
			[]want{{"/nodes/1/values/expression", `input "expression": line 1, column 6: unexpected token EOF`}}},
		{"find with a good expression", one("list.find", `{"list":[1],"expression":"item.n > 2 && index < 5"}`), "", nil},
		{"math expression that does not parse", one("math.expression", `{"expression":"1 +* 2"}`), "",
			[]want{{"/nodes/1/values/expression", `input "expression": line 1, column 4: unexpected token Operator("*")`}}},
		{"math expression", one("math.expression", `{"expression":"round(price * qty)","variables":[{"key":"price","value":2},{"key":"qty","value":3}]}`), "", nil},
		{"JMESPath query that does not parse", one("json.jmespath", `{"value":{},"query":"people[?age >"}`), "",
			[]want{{"/nodes/1/values/query", `input "query": jmespath query "people[?age >": `}}},
		{"JMESPath query", one("json.jmespath", `{"value":{},"query":"people[?age > `+"`30`"+`].name"}`), "", nil},
		{"date format that is no layout", one("date.format", `{"format":"YYYY-MM-DD"}`), "",
			[]want{{"/nodes/1/values/format", `input "format": "YYYY-MM-DD" has no part of the reference time`}}},
		{"date layouts", doc([]string{n("start", "trigger.manual", ""), n("f", "date.format", `{"format":"02/01/2006"}`),
			n("p", "date.parse", `{"text":"x","layout":"unixms"}`), n("clock", "date.now", `{"format":"RFC1123"}`)},
			"start.true_path>f.node", "start.true_path>p.node", "start.true_path>clock.node"), "", nil},
		{"date node in a zone that does not exist", one("date.now", `{"zone":"Mars/Base"}`), "",
			[]want{{"/nodes/1/values/zone", `input "zone": unknown time zone "Mars/Base" (use an IANA name such as Europe/Amsterdam or UTC)`}}},
		{"time router in a zone that does not exist", one("router.time", `{"timezone":"Europe/Amsterdm","cases":[{"key":"a","value":"09:00-17:00"}]}`), "",
			[]want{{"/nodes/1/values/timezone", `input "timezone": unknown time zone "Europe/Amsterdm"`}}},
		{"zones that exist", doc([]string{n("start", "trigger.manual", ""), n("a", "date.now", `{"zone":"Asia/Tokyo"}`),
			n("b", "date.convert_zone", `{"datetime":"2024-01-01","zone":"UTC"}`), n("c", "date.now", `{"zone":""}`)},
			"start.true_path>a.node", "start.true_path>b.node", "start.true_path>c.node"), "", nil},
		{"valid routers", doc([]string{n("start", "trigger.manual", ""),
			n("re", "router.regex", `{"cases":[{"key":"a","value":"^(?P<id>\\d+)$"}]}`),
			n("range", "router.range", `{"cases":[{"key":"low","value":"..10"},{"key":"mid","value":"10.5..100"},{"key":"high","value":"100.5.."}]}`),
			n("ty", "router.type", `{"cases":[{"key":"s","value":"string"},{"key":"n","value":"NUMBER"}]}`)},
			"start.true_path>re.node", "start.true_path>range.node", "start.true_path>ty.node"), "", nil},
	})
}

// Names other languages use for nothing are not handles: the problem says expressions write nil.
func TestNullInExpressions(t *testing.T) {
	one := func(text string) string {
		return doc([]string{n("start", "trigger.manual", ""), n("x", "debug.log", `{"message":`+text+`}`)}, "start.true_path>x.node")
	}
	checkRules(t, []ruleCase{
		{"null", one(`"{{ start.input ?? null }}"`), "", []want{{"/nodes/1/values/message",
			`expression {{ … }} refers to "null", which is not a node handle (nor trigger, run or env); expressions write nothing as nil`}}},
		{"undefined", one(`"{{ undefined }}"`), "", []want{{"/nodes/1/values/message", `expressions write nothing as nil`}}},
		{"None", one(`"{{ None }}"`), "", []want{{"/nodes/1/values/message", `expressions write nothing as nil`}}},
		{"nil", one(`"{{ start.input ?? nil }}"`), "", nil},
	})
}

func TestExpressionScopes(t *testing.T) {
	checkRules(t, []ruleCase{
		{"a node reading itself", doc([]string{n("me", "text.case", `{"text":"{{ me.text }}","mode":"upper"}`)}), "",
			[]want{{"/nodes/0/values/text", `refers to "me", this node itself`}}},
		{"after the loop, reading a node of its body", loop([]string{
			n("shout", "text.case", `{"text":"{{ each.item }}","mode":"upper"}`),
			n("after", "debug.log", `{"message":"last: {{ shout.text }}"}`)},
			"each.item>shout.node", "shout.text>end.value", "end.results>after.node"),
			"", []want{{"/nodes/4/values/message", `refers to "shout", which runs inside loop "each": its outputs exist only within each iteration; connect it to loop end "end" and read its results`}}},
		{"the loop's own list reading its body", strings.Replace(loop([]string{n("shout", "text.case", `{"text":"x","mode":"upper"}`)},
			"each.item>shout.node"), `{"list":[1,2]}`, `{"list":"{{ shout.text }}"}`, 1),
			"", []want{{"/nodes/1/values/list", `refers to "shout", which runs inside loop "each"`}}},
		{"after the loop, reading its loop end and header", loop([]string{
			n("shout", "text.case", `{"text":"{{ each.item }} of {{ start.input }}","mode":"upper"}`),
			n("after", "debug.log", `{"message":"{{ end.results }} in {{ each.iterations }}"}`)},
			"each.item>shout.node", "shout.text>end.value", "end.results>after.node"), "", nil},
		{"the loop end's value reads the body", loop([]string{
			n("shout", "text.case", `{"text":"{{ each.item }}","mode":"upper"}`)},
			"each.item>shout.node", "shout.true_path>end.value"), "", nil},
		{"inside the body, reading the loop end", loop([]string{
			n("shout", "text.case", `{"text":"{{ end.count }}","mode":"upper"}`)},
			"each.item>shout.node", "shout.text>end.value"),
			"", []want{{"/nodes/3/values/text", `refers to loop end "end", whose results exist only once loop "each" has finished; "shout" runs before that`}}},
		{"a loop reading its own loop end", strings.Replace(loop(nil), `{"list":[1,2]}`, `{"list":"{{ end.results }}"}`, 1),
			"", []want{{"/nodes/1/values/list", `refers to loop end "end", whose results exist only once loop "each" has finished`}}},
		{"nested loops", loop([]string{
			n("inner", "control.counter_loop", `{"to":3}`), n("inner_end", "control.loop_end", ""),
			n("deep", "text.case", `{"text":"{{ inner.value }} {{ each.item }}","mode":"upper"}`),
			n("mid", "debug.log", `{"message":"{{ deep.text }} {{ inner_end.results }}"}`),
			n("after", "debug.log", `{"message":"{{ deep.text }} {{ mid.message }}"}`)},
			"each.item>inner.node", "inner.loop>inner_end.loop", "inner.value>deep.node", "deep.text>inner_end.value",
			"inner_end.results>mid.node", "mid.true_path>end.value", "end.results>after.node"),
			"", []want{
				{"/nodes/6/values/message", `refers to "deep", which runs inside loop "inner"`},
				{"/nodes/7/values/message", `refers to "deep", which runs inside loop "each"`},
				{"/nodes/7/values/message", `refers to "mid", which runs inside loop "each"`}}},
		{"a loop without a loop end", doc([]string{n("start", "trigger.manual", ""), n("each", "control.for_each", `{"list":[1]}`),
			n("body", "debug.log", `{"message":"x"}`), n("other", "debug.log", `{"message":"{{ body.message }}"}`)},
			"start.true_path>each.node", "each.item>body.node"),
			"", []want{{"/nodes/3/values/message", `runs inside loop "each": its outputs exist only within each iteration; collect it with a loop end`}}},
	})
}

func TestDuplicateCases(t *testing.T) {
	one := func(typ, values string) string {
		return doc([]string{n("start", "trigger.manual", ""), n("x", typ, values)}, "start.true_path>x.node")
	}
	checkRules(t, []ruleCase{
		{"switch with a number twice", one("control.switch", `{"value":"3","cases":[{"key":"a","value":3},{"key":"b","value":4},{"key":"c","value":"3"}]}`), "",
			[]want{{"/nodes/1/values/cases/2/value", `case "c" is like case "a" before it (string "3"), so it can never be taken`}}},
		{"switch with mode first set", one("control.switch", `{"mode":"first","cases":[{"key":"a","value":"x"},{"key":"b","value":"x"}]}`), "",
			[]want{{"/nodes/1/values/cases/1/value", `case "b" is like case "a"`}}},
		{"switch with every match taken", one("control.switch", `{"mode":"all","cases":[{"key":"a","value":"x"},{"key":"b","value":"x"}]}`), "", nil},
		{"switch with mode from an expression", one("control.switch", `{"mode":"{{ 'first' }}","cases":[{"key":"a","value":"x"},{"key":"b","value":"x"}]}`), "", nil},
		{"switch with cases from expressions", one("control.switch", `{"cases":[{"key":"a","value":"{{ 1 }}"},{"key":"b","value":"{{ 1 }}"}]}`), "", nil},
		{"switch with different cases", one("control.switch", `{"cases":[{"key":"a","value":"x"},{"key":"b","value":"y"},{"key":"c","value":[1]},{"key":"d","value":{"k":1}}]}`), "", nil},
		{"switch with objects alike", one("control.switch", `{"cases":{"a":{"k":1},"b":{"k":1.0}}}`), "",
			[]want{{"/nodes/1/values/cases/b", `case "b" is like case "a"`}}},
		{"exact router compares text", one("router.exact", `{"cases":[{"key":"a","value":"200"},{"key":"b","value":200},{"key":"c","value":"200.0"}]}`), "",
			[]want{{"/nodes/1/values/cases/1/value", `case "b" is like case "a"`}}},
		{"range router with the same range written twice", one("router.range", `{"cases":[{"key":"a","value":"1..5"},{"key":"b","value":" 1 .. 5.0 "}]}`), "",
			[]want{{"/nodes/1/values/cases/1/value", `case "b" is like case "a"`}}},
		{"type router in another case", one("router.type", `{"cases":[{"key":"a","value":"string"},{"key":"b","value":"String"}]}`), "",
			[]want{{"/nodes/1/values/cases/1/value", `case "b" is like case "a"`}}},
		{"regex router with a pattern twice", one("router.regex", `{"cases":[{"key":"a","value":"^x"},{"key":"b","value":"^x"}]}`), "",
			[]want{{"/nodes/1/values/cases/1/value", `case "b" is like case "a"`}}},
		{"path router with a path twice", one("router.path", `{"cases":[{"key":"a","value":"card.last4"},{"key":"b","value":"card.last4"}]}`), "",
			[]want{{"/nodes/1/values/cases/1/value", `case "b" is like case "a"`}}},
		{"membership router with a list twice", one("router.membership", `{"cases":[{"key":"a","value":[1,2]},{"key":"b","value":[1,2]},{"key":"c","value":[2,1]}]}`), "",
			[]want{{"/nodes/1/values/cases/1/value", `case "b" is like case "a"`}}},
		{"a connected case is not a literal", doc([]string{n("start", "trigger.manual", ""),
			n("x", "control.switch", `{"cases":[{"key":"a","value":"x"},{"key":"b","value":"x"}]}`)}, "start.input>x.cases.b"), "", nil},
	})
}

func TestBreakAndContinueOutsideALoop(t *testing.T) {
	checkRules(t, []ruleCase{
		{"break after the trigger", doc([]string{n("start", "trigger.manual", ""), n("stop", "control.break", "")}, "start.true_path>stop.node"), "",
			[]want{{"/nodes/1", `break "stop" is not inside a loop body, so there is no loop for it to break`}}},
		{"continue after a loop end", loop([]string{n("skip", "control.continue", "")}, "end.results>skip.node"), "",
			[]want{{"/nodes/3", `continue "skip" is not inside a loop body, so there is no loop for it to continue`}}},
		{"break and continue in a body", loop([]string{
			n("check", "control.if_else", `{"condition":"{{ each.item > 1 }}"}`),
			n("stop", "control.break", ""), n("skip", "control.continue", "")},
			"each.item>check.node", "check.true_path>stop.node", "check.false_path>skip.node"), "", nil},
	})
}

func TestCallingItself(t *testing.T) {
	caller := func(flowID string) string {
		return doc([]string{n("start", "trigger.manual", ""), n("again", "flow.call", `{"flow_id":`+flowID+`}`)}, "start.true_path>again.node")
	}
	checkRules(t, []ruleCase{
		{"flow.call naming the flow", caller(`"flow_1"`), "flow_1",
			[]want{{"/nodes/1/values/flow_id", `a flow cannot call itself: flow_id "flow_1" is this flow's own id`}}},
		{"flow.call naming the flow with spaces", caller(`" flow_1 "`), "flow_1", []want{{"/nodes/1/values/flow_id", "cannot call itself"}}},
		{"flow tool naming the flow", doc([]string{n("start", "trigger.manual", ""),
			n("self_tool", "tool.flow", `{"flow_id":"flow_1"}`), n("agent", "t.agent", "")}, "self_tool.tool>agent.tools", "start.true_path>agent.node"),
			"flow_1", []want{{"/nodes/1/values/flow_id", "cannot call itself"}}},
		{"unknown own id", caller(`"flow_1"`), "", nil},
		{"another flow", caller(`"flow_2"`), "flow_1", nil},
		{"the id from an expression", caller(`"{{ 'flow_1' }}"`), "flow_1", nil},
	})
}

// With a way to tell which flows exist, a literal flow id naming none is a problem: the call
// would fail at run time. Ids from expressions are checked when called.
func TestCallingAMissingFlow(t *testing.T) {
	reg, err := fullRegistry()
	if err != nil {
		t.Fatal(err)
	}
	d := decode(t, doc([]string{n("start", "trigger.manual", ""), n("a", "flow.call", `{"flow_id":"price"}`),
		n("b", "flow.call", `{"flow_id":"nope"}`), n("c", "flow.call", `{"flow_id":"{{ 'nope' }}"}`),
		n("tool", "tool.flow", `{"flow_id":"gone"}`), n("agent", "t.agent", "")},
		"start.true_path>a.node", "start.true_path>b.node", "start.true_path>c.node", "tool.tool>agent.tools", "start.true_path>agent.node"))
	exists := func(id string) bool { return id == "price" }
	probs := flow.ValidateWith(d, reg, flow.Options{FlowExists: exists})
	want := []want{
		{"/nodes/2/values/flow_id", `flow_id "nope" names no flow`},
		{"/nodes/4/values/flow_id", `flow_id "gone" names no flow`},
	}
	if len(probs) != len(want) {
		t.Fatalf("got %s", problemList(probs))
	}
	for i, w := range want {
		if probs[i].Path != w.path || !strings.Contains(probs[i].Message, w.msg) {
			t.Errorf("problem %d = %s: %s, want %s: %s", i, probs[i].Path, probs[i].Message, w.path, w.msg)
		}
	}
	if probs := flow.ValidateWith(d, reg, flow.Options{}); len(probs) != 0 {
		t.Errorf("without FlowExists: %s", problemList(probs))
	}
}

// A run entering by trigger type (a request at the HTTP route, a firing at the Schedule, a
// call at the Flow input) fails naming both when the flow has two of that type: validation
// refuses each extra one at its node, naming the first. Triggers of different types, and
// two Manual play nodes (the editor says which it plays), are fine.
func TestTwoTriggersOfOneKind(t *testing.T) {
	reply := n("reply", "http.response", "")
	checkRules(t, []ruleCase{
		{name: "two routes", doc: doc([]string{n("route", "trigger.route", ""), n("route2", "trigger.route", ""), reply},
			"route.true_path>reply.node", "route2.true_path>reply.node"),
			want: []want{{"/nodes/1", `"route2" is a second HTTP route (trigger.route) in the flow, besides "route"`}}},
		{name: "three routes, one disabled", doc: strings.Replace(doc([]string{n("a", "trigger.route", ""), n("b", "trigger.route", ""), n("c", "trigger.route", "")}),
			`"handle":"b",`, `"handle":"b","flow_state":"disabled",`, 1),
			want: []want{{"/nodes/1", `"b" is a second HTTP route (trigger.route) in the flow, besides "a"`},
				{"/nodes/2", `"c" is a second HTTP route (trigger.route) in the flow, besides "a"`}}},
		{name: "two schedules", doc: doc([]string{n("manual", "trigger.manual", ""), n("daily", "trigger.schedule", ""), n("hourly", "trigger.schedule", "")}),
			want: []want{{"/nodes/2", `"hourly" is a second Schedule (trigger.schedule) in the flow, besides "daily"`}}},
		{name: "two flow inputs", doc: doc([]string{n("in1", "flow.input", ""), n("in2", "flow.input", "")}),
			want: []want{{"/nodes/1", `besides "in1": a run enters at the flow's one Flow input node`}}},
		{name: "route and manual play", doc: doc([]string{n("route", "trigger.route", ""), n("play", "trigger.manual", ""), reply},
			"route.true_path>reply.node", "play.true_path>reply.node")},
		{name: "two manual plays", doc: doc([]string{n("play1", "trigger.manual", ""), n("play2", "trigger.manual", "")})},
	})
}

// A literal Jinja template (text.template's template) or JavaScript body (code.javascript's
// code) that does not parse is a problem at the input, with the parser's message and the line
// and column, the same message the node fails with. Connected values are not checked here.
func TestLiteralTemplatesAndCodeThatDoNotParse(t *testing.T) {
	start := n("start", "trigger.manual", "")
	_, renderErr := jinja.Render(context.Background(), "Hi\n{% for o in orders %}{{ o }}", nil, nil, jinja.RenderOptions{})
	if renderErr == nil {
		t.Fatal("the broken template rendered")
	}
	checkRules(t, []ruleCase{
		{name: "jinja", doc: doc([]string{start, n("page", "text.template", `{"template":"Hi\n{% for o in orders %}{{ o }}"}`)}, "start.true_path>page.node"),
			want: []want{{"/nodes/1/values/template", nodes.Errorf("template", "%v", renderErr).Error()}}},
		{name: "jinja string", doc: doc([]string{start, n("page", "text.template", `{"template":"{{ x }}\n{{ 'oops }}"}`)}, "start.true_path>page.node"),
			want: []want{{"/nodes/1/values/template", `input "template": line 2, column 4: string starting ' is not closed`}}},
		{name: "jinja extending a named template", doc: doc([]string{start, n("page", "text.template", `{"template":"{% extends \"base\" %}{% block a %}{% include \"footer\" %}{% endblock %}"}`)}, "start.true_path>page.node")},
		{name: "javascript", doc: doc([]string{start, n("js", "code.javascript", `{"code":"const a = 1;\nconst b = ;\nreturn a"}`)}, "start.true_path>js.node"),
			want: []want{{"/nodes/1/values/code", `input "code": SyntaxError at line 2, column 11: Unexpected token ;`}}},
		{name: "javascript left open", doc: doc([]string{start, n("js", "code.javascript", `{"code":"return {a: 1"}`)}, "start.true_path>js.node"),
			want: []want{{"/nodes/1/values/code", `input "code": SyntaxError at the end of the code (is a bracket, parenthesis, brace or string left open?)`}}},
		{name: "javascript declaring a name twice", doc: doc([]string{start, n("js", "code.javascript", `{"code":"let total = 0;\nlet total = 1;\nreturn total"}`)}, "start.true_path>js.node"),
			want: []want{{"/nodes/1/values/code", `input "code": SyntaxError at line 2, column 5: Identifier 'total' has already been declared`}}},
		{name: "javascript redeclaring input", doc: doc([]string{start, n("js", "code.javascript", `{"code":"const input = 1"}`)}, "start.true_path>js.node"),
			want: []want{{"/nodes/1/values/code", `input "code": SyntaxError at line 1, column 7: Identifier 'input' has already been declared (input is the node's input, a parameter of the code's function; use another name)`}}},
		{name: "javascript that parses", doc: doc([]string{start, n("js", "code.javascript", `{"code":"return input.a + 1"}`)}, "start.true_path>js.node")},
		{name: "connected", doc: doc([]string{start, n("src", "text.template", `{"template":"{% if %}"}`), n("page", "text.template", `{"template":"x"}`)},
			"start.true_path>src.node", "src.text>page.template"),
			want: []want{{"/nodes/1/values/template", `input "template": line 1: {% if %}`}}},
	})
}

// A called flow cannot pause (the engine fails the call): Plan.Pausing says what in a flow
// can, and with Options.FlowPauses a node naming such a flow literally is a problem.
func TestCallingAFlowThatPauses(t *testing.T) {
	reg, err := fullRegistry()
	if err != nil {
		t.Fatal(err)
	}
	called := map[string]string{
		"ask": doc([]string{n("entry", "flow.input", ""), n("approve", "control.approval", `{"message":"ok?"}`), n("out", "control.exit", "")},
			"entry.true_path>approve.node", "approve.true_path>out.node"),
		"helper": doc([]string{n("entry", "tool.start", `{"name":"x","description":"y"}`),
			n("refund", "ai.http_tool", `{"name":"refund","description":"Refunds","url":"https://shop.example.com/refund","needs_confirmation":true}`),
			n("agent", "t.agent", "")}, "entry.true_path>agent.node", "refund.tool>agent.tools"),
		"quiet": strings.Replace(doc([]string{n("entry", "flow.input", ""), n("approve", "control.approval", "")}, "entry.true_path>approve.node"),
			`"type":"control.approval",`, `"type":"control.approval","flow_state":"disabled",`, 1),
		"plain": doc([]string{n("entry", "flow.input", ""), n("out", "control.exit", `{"value":1}`)}, "entry.true_path>out.node"),
	}
	pauses := map[string][]string{}
	for id, js := range called {
		p, err := flow.Compile(decode(t, js), reg)
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		pauses[id] = p.Pausing()
	}
	if got := fmt.Sprint(pauses["ask"], pauses["helper"], pauses["quiet"], pauses["plain"]); got !=
		`["approve" (Human approval)] ["agent" (Agent using "refund", whose needs_confirmation is on)] [] []` {
		t.Fatalf("Pausing: %s", got)
	}
	d := decode(t, doc([]string{n("start", "trigger.manual", ""), n("a", "flow.call", `{"flow_id":"ask"}`),
		n("b", "flow.call", `{"flow_id":"quiet"}`), n("c", "flow.call", `{"flow_id":"plain"}`), n("d", "flow.call", `{"flow_id":"{{ 'ask' }}"}`),
		n("tool", "tool.flow", `{"flow_id":"helper"}`), n("agent", "t.agent", "")},
		"start.true_path>a.node", "start.true_path>b.node", "start.true_path>c.node", "start.true_path>d.node",
		"tool.tool>agent.tools", "start.true_path>agent.node"))
	probs := flow.ValidateWith(d, reg, flow.Options{FlowPauses: func(id string) []string { return pauses[id] }})
	want := []want{
		{"/nodes/1/values/flow_id", `flow_id "ask" names a flow that can pause (at "approve" (Human approval)), but a called flow cannot pause, so the call would fail`},
		{"/nodes/5/values/flow_id", `flow_id "helper" names a flow that can pause (at "agent" (Agent using "refund", whose needs_confirmation is on))`},
	}
	if len(probs) != len(want) {
		t.Fatalf("got %s", problemList(probs))
	}
	for i, w := range want {
		if probs[i].Path != w.path || !strings.Contains(probs[i].Message, w.msg) {
			t.Errorf("problem %d = %s: %s, want %s: %s", i, probs[i].Path, probs[i].Message, w.path, w.msg)
		}
	}
}

// An expression reading a node its node does not wait for (not upstream of it) is a warning,
// not a problem: the document stays valid and compiles. When the reader leads to the node
// read, the read always gives nothing; otherwise it depends on timing or the branch taken.
func TestWarningsForReadsOfNodesNotWaitedFor(t *testing.T) {
	reg, err := fullRegistry()
	if err != nil {
		t.Fatal(err)
	}
	log := func(handle, msg string) string {
		return n(handle, "debug.log", `{"message":`+fmt.Sprintf("%q", msg)+`}`)
	}
	start := n("start", "trigger.manual", "")
	for _, tc := range []struct {
		name string
		doc  string
		want []want
	}{
		{"a race", doc([]string{start, log("slow", "x"), log("reader", "got {{ slow.value }}")},
			"start.true_path>slow.node", "start.true_path>reader.node"),
			[]want{{"/nodes/2/values/message", `expression {{ … }} reads "slow", which "reader" does not wait for (it is neither upstream of "reader" nor connected to it): "slow" may not have run yet, or at all, when "reader" runs, and the read then gives nothing; connect "slow" (or a node after it) to "reader"`}}},
		{"a node after the reader", doc([]string{start, log("early", "{{ later.value }}!"), log("later", "x")},
			"start.true_path>early.node", "early.true_path>later.node"),
			[]want{{"/nodes/1/values/message", `expression {{ … }} reads "later", which runs after "early" ("early" leads to it): its outputs do not exist yet when "early" runs, so the read gives nothing`}}},
		{"another trigger's branch", doc([]string{start, n("route", "trigger.route", ""), log("from_route", "x"), log("reader", "{{ from_route.value }} {{ route.path }}")},
			"route.true_path>from_route.node", "start.true_path>reader.node"),
			[]want{{"/nodes/3/values/message", `reads "from_route", which "reader" does not wait for`}, {"/nodes/3/values/message", `reads "route", which "reader" does not wait for`}}},
		{"upstream, however far", doc([]string{start, log("a", "{{ start.input }}"), log("b", "x"), log("c", "{{ a.value }} {{ start.input }}")},
			"start.true_path>a.node", "a.true_path>b.node", "b.true_path>c.node"), nil},
		{"alternative branches both connected", doc([]string{start, n("gate", "control.if_else", `{"condition":true}`), log("yes", "y"), log("no", "n"),
			log("after", "{{ yes.value ?? no.value }}")},
			"start.true_path>gate.node", "gate.true_path>yes.node", "gate.false_path>no.node", "yes.true_path>after.node", "no.true_path>after.node"), nil},
		{"inside a loop, reading the loop and what is before it", loop([]string{log("body", "{{ each.item }} {{ start.input }}")}, "each.item>body.node", "body.true_path>end.node"), nil},
		{"an output the node does not have", doc([]string{start, log("greet", "x"), n("page", "text.template", `{"template":"hi"}`),
			log("reader", "{{ greet.value }} {{ greet.mesage }} {{ page.txt }} {{ page.text }} {{ page?.txt ?? 'none' }}")},
			"start.true_path>greet.node", "greet.true_path>page.node", "page.true_path>reader.node"),
			[]want{{"/nodes/3/values/message", `expression {{ … }} reads "mesage" of "greet", a Log node, which has no output "mesage" (its outputs are value): the read gives nothing`},
				{"/nodes/3/values/message", `reads "txt" of "page", a Template node, which has no output "txt" (its outputs are text)`}}},
		{"outputs named by rows are not checked", doc([]string{start, n("sw", "control.switch", `{"value":"{{ start.input }}","cases":[{"key":"a","value":"a"}]}`),
			log("reader", "{{ sw.a }} {{ sw.matched }}")}, "start.true_path>sw.node", "sw.default>reader.node"), nil},
		{"a template reading a node", doc([]string{start, n("page", "text.template", `{"template":"Hi {{ start.input.name }} {% for x in start.input.l %}{{ x }}{% endfor %}"}`)},
			"start.true_path>page.node"),
			[]want{{"/nodes/1/values/template", `the template reads "start", a node of this flow, but a template sees only its context and variables, so "start" is undefined when it renders; add a variables row "start" with the value {{ start }} (or name it in context)`}}},
		{"a template given the node", doc([]string{start,
			n("rows", "text.template", `{"template":"Hi {{ start.input.name }}","variables":[{"key":"start","value":"{{ start }}"}]}`),
			n("ctx", "text.template", `{"template":"Hi {{ start.input.name }}","context":{"start":1}}`),
			n("computed", "text.template", `{"template":"Hi {{ start.input.name }}","context":"{{ start.input }}"}`),
			n("local", "text.template", `{"template":"{% set start = 1 %}{{ start }}"}`)},
			"start.true_path>rows.node", "start.true_path>ctx.node", "start.true_path>computed.node", "start.true_path>local.node"), nil},
		{"a field run does not have", doc([]string{start, log("reader", "{{ run.stage }} {{ run.stgae }} {{ run.id }}")}, "start.true_path>reader.node"),
			[]want{{"/nodes/1/values/message", `expression {{ … }} reads "stgae" of run, which has no field "stgae" (it has id, flow, stage, version, started): the read gives nothing`}}},
		{"a disabled reader", strings.Replace(doc([]string{start, log("slow", "x"), log("reader", "{{ slow.value }}")},
			"start.true_path>slow.node", "start.true_path>reader.node"), `"handle":"reader",`, `"handle":"reader","flow_state":"disabled",`, 1), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := decode(t, tc.doc)
			rep := flow.Check(d, reg, flow.Options{})
			if len(rep.Problems) > 0 || len(flow.Validate(d, reg)) > 0 {
				t.Fatalf("problems: %s", problemList(rep.Problems))
			}
			if _, err := flow.Compile(d, reg); err != nil {
				t.Fatalf("a document with warnings compiles: %v", err)
			}
			ok := len(rep.Warnings) == len(tc.want)
			for i := 0; ok && i < len(tc.want); i++ {
				ok = rep.Warnings[i].Path == tc.want[i].path && strings.Contains(rep.Warnings[i].Message, tc.want[i].msg)
			}
			if !ok {
				t.Fatalf("warnings:\n%s\nwant %v", problemList(rep.Warnings), tc.want)
			}
		})
	}
}

// The rows of a dynamic input written as a list are objects {key, value}: another shape is a
// problem (the engine left such a row out, so a Switch case silently went missing); a row
// without a key, or repeating an earlier row's key, is a warning.
func TestRowShapes(t *testing.T) {
	reg, err := fullRegistry()
	if err != nil {
		t.Fatal(err)
	}
	start := n("start", "trigger.manual", "")
	d := decode(t, doc([]string{start,
		n("sw", "control.switch", `{"value":"{{ start.input }}","cases":["1",{"key":"x","value":1},{"key":"","value":2},{"key":"x","value":3},{"key":5,"value":1}]}`),
		n("obj", "data.build_object", `{"fields":{"a":1,"b":2}}`)},
		"start.true_path>sw.node", "start.true_path>obj.node"))
	rep := flow.Check(d, reg, flow.Options{})
	wantProblems := []want{
		{"/nodes/1/values/cases/0", `row 1 of input "cases" must be an object {"key": …, "value": …}, not string "1"`},
		{"/nodes/1/values/cases/4/key", `row 5 of input "cases": key must be text`},
	}
	wantWarnings := []want{
		{"/nodes/1/values/cases/2/key", `row 3 of input "cases" has no key, so it is left out`},
		{"/nodes/1/values/cases/3/key", `row 4 of input "cases" has key "x", as row 2 has: only one of them counts`},
	}
	for _, c := range []struct {
		got  flow.Problems
		want []want
	}{{rep.Problems, wantProblems}, {rep.Warnings, wantWarnings}} {
		if len(c.got) != len(c.want) {
			t.Fatalf("got\n%s\nwant %v", problemList(c.got), c.want)
		}
		for i, w := range c.want {
			if c.got[i].Path != w.path || !strings.Contains(c.got[i].Message, w.msg) {
				t.Errorf("%d: %s, want %s: %s", i, c.got[i], w.path, w.msg)
			}
		}
	}
}
