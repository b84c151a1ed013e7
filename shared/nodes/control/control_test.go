package control_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/control"
	"polysynergy/shared/nodes/nodetest"
)

// At run time the nodes apply the rules validation applies to literal values (the ports'
// bounds and checks), with the same messages.
func TestRunTimeChecksMatchTheDeclarations(t *testing.T) {
	r := nodes.NewRegistry()
	if err := control.Register(r); err != nil {
		t.Fatal(err)
	}
	rows := func(vals ...string) []any {
		var out []any
		for i, v := range vals {
			out = append(out, map[string]any{"key": string(rune('a' + i)), "value": v})
		}
		return out
	}
	cases := func(vals ...string) map[string]any {
		m := map[string]any{}
		for i, v := range vals {
			m[string(rune('a'+i))] = v
		}
		return m
	}
	for _, tc := range []struct {
		id     string
		in     map[string]any
		values map[string]any
		port   string // the failing input, "" for success
		want   string // in the error, or the live case
	}{
		{"control.delay", map[string]any{"ms": 900001.0}, nil, "ms", "must be between 0 and 900000, got 900001"},
		{"control.delay", map[string]any{"ms": -1.0}, nil, "ms", "must be between 0 and 900000, got -1"},
		{"control.random_path", map[string]any{"probability": 1.5}, nil, "probability", "must be between 0 and 1, got 1.5"},
		{"router.range", map[string]any{"value": 5.0, "cases": cases("1..x")}, map[string]any{"cases": rows("1..x")}, "cases", `range "1..x": "x" is not a number`},
		{"router.range", map[string]any{"value": 5.0, "cases": cases("..4", "4..6")}, map[string]any{"cases": rows("..4", "4..6")}, "", "cases.b"},
		{"router.type", map[string]any{"value": 5.0, "cases": cases("integer")}, map[string]any{"cases": rows("integer")}, "cases", `unknown type "integer"`},
		{"router.type", map[string]any{"value": 5.0, "cases": cases("String", "NUMBER")}, map[string]any{"cases": rows("String", "NUMBER")}, "", "cases.b"},
		{"router.regex", map[string]any{"value": "x", "cases": cases("(x")}, map[string]any{"cases": rows("(x")}, "cases", "missing closing )"},
		{"router.regex", map[string]any{"value": "ab", "cases": cases("^b", "^a")}, map[string]any{"cases": rows("^b", "^a")}, "", "cases.b"},
		// a time window is checked when the flow is validated, not only when the router reaches
		// it at run time (behind a case that matched at 10:00 a bad one went unnoticed, and the
		// run failed at 20:00)
		{"router.time", map[string]any{"value": "2024-05-06T20:00:00Z", "cases": cases("25:00-26:00")},
			map[string]any{"cases": rows("25:00-26:00")}, "cases", `time "25:00": the hour must be 00 to 23`},
		{"router.time", map[string]any{"value": "2024-05-06T20:00:00Z", "cases": cases("12:00-12:00")},
			map[string]any{"cases": rows("12:00-12:00")}, "cases", `window "12:00-12:00" is empty (it ends when it starts); write 00:00-24:00 for the whole day`},
		{"router.time", map[string]any{"value": "2024-05-06T20:00:00Z", "cases": cases("weekdays 09:00-17:00")},
			map[string]any{"cases": rows("weekdays 09:00-17:00")}, "cases", `unknown day "weekdays" (use mon, tue, wed, thu, fri, sat, sun)`},
		{"router.time", map[string]any{"value": "2024-05-06T20:00:00Z", "cases": cases("9am-5pm")},
			map[string]any{"cases": rows("9am-5pm")}, "cases", `window "9am-5pm" must look like HH:MM-HH:MM, after days if any (mon-fri 09:00-17:00)`},
		// 24:00 ends a window at midnight, and spaces around the dashes are allowed
		{"router.time", map[string]any{"value": "2024-05-06T23:59:00Z", "cases": cases("mon - fri 09:00 - 17:00", "mon 18:00-24:00")},
			map[string]any{"cases": rows("mon - fri 09:00 - 17:00", "mon 18:00-24:00")}, "", "cases.b"},
		{"router.time", map[string]any{"value": "2024-05-06T12:00:00Z", "cases": cases("sat,sun 00:00-24:00", "Mon-Fri 9:00-17:00")},
			map[string]any{"cases": rows("sat,sun 00:00-24:00", "Mon-Fri 9:00-17:00")}, "", "cases.b"},
	} {
		typ, _ := r.Lookup(tc.id)
		out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{Values: tc.values})
		if tc.port == "" {
			if _, ok := out[tc.want]; err != nil || !ok {
				t.Errorf("%s %v: %v %v, want %s live", tc.id, tc.in, out, err, tc.want)
			}
			continue
		}
		var ie *nodes.InputError
		if !errors.As(err, &ie) || ie.Port != tc.port || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: %v, want input %s: …%s…", tc.id, tc.in, err, tc.port, tc.want)
		}
		// the declaration refuses the same literal value
		p, _ := typ.Input(tc.port)
		v := tc.in[tc.port]
		if p.Dynamic {
			v = tc.values[tc.port].([]any)[0].(map[string]any)["value"]
		}
		if perr := p.CheckValue(v); perr == nil || !strings.Contains(perr.Error(), tc.want) {
			t.Errorf("%s: the port's check says %v, want …%s…", tc.id, perr, tc.want)
		}
	}
}

// A human approval approves only on a clear yes: an answer that is neither true nor false
// (a word, "maybe", an object without approved) fails the node naming the answer, instead of
// counting as approved because it is not empty.
func TestApprovalAnswers(t *testing.T) {
	r := nodes.NewRegistry()
	if err := control.Register(r); err != nil {
		t.Fatal(err)
	}
	typ, _ := r.Lookup("control.approval")
	for _, tc := range []struct {
		answer   any
		approved bool
		err      string
	}{
		{true, true, ""},
		{false, false, ""},
		{"true", true, ""},
		{" FALSE ", false, ""},
		{map[string]any{"approved": true, "comment": "ok"}, true, ""},
		{map[string]any{"approved": false}, false, ""},
		{map[string]any{"approved": "true"}, true, ""},
		{"rejected", false, `input "resume": expected true, false or {"approved": true|false, "comment": "…"}, got string "rejected"`},
		{map[string]any{"approved": "maybe"}, false, `input "resume": "approved" must be true or false, got string "maybe"`},
		{map[string]any{"comment": "looks good"}, false, `input "resume": "approved" must be true or false, got nothing`},
		{1.0, false, `got number "1"`},
		{nil, false, "got nothing"},
	} {
		out, err, _ := nodetest.Run(context.Background(), typ, map[string]any{"message": "ok?"}, nodetest.Options{Resume: &nodes.Resume{Input: tc.answer}})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("answer %#v: %v %v, want an error containing %q", tc.answer, out, err, tc.err)
			}
			continue
		}
		if err != nil || out["approved"] != tc.approved {
			t.Errorf("answer %#v: approved %v (%v), want %v", tc.answer, out["approved"], err, tc.approved)
		}
		if _, live := out[nodes.PortTruePath]; live != tc.approved {
			t.Errorf("answer %#v: true_path live %v, want %v", tc.answer, live, tc.approved)
		}
	}
}

// A router whose case rows are not {key, value} rows (a list of plain values, or a row with a
// value and no key) fails naming cases, instead of every value quietly taking default.
func TestRouterRefusesCaseRowsItCannotName(t *testing.T) {
	r := nodes.NewRegistry()
	if err := control.Register(r); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id   string
		rows []any
		want string // in the error; "" for success
	}{
		{"control.switch", []any{"1", "a"}, `row 1 is string "1", not a {key, value} row`},
		{"control.switch", []any{map[string]any{"key": "one", "value": "1"}, map[string]any{"key": "", "value": "a"}}, `row 2 (value string "a") has no key`},
		{"router.exact", []any{7.0}, `row 1 is number "7"`},
		// a blank row left while editing is no case at all
		{"control.switch", []any{map[string]any{"key": "one", "value": "1"}, map[string]any{"key": "", "value": ""}}, ""},
	} {
		typ, _ := r.Lookup(tc.id)
		vals := map[string]any{}
		for _, row := range tc.rows {
			if m, ok := row.(map[string]any); ok && m["key"] != "" {
				vals[m["key"].(string)] = m["value"]
			}
		}
		out, err, _ := nodetest.Run(context.Background(), typ, map[string]any{"value": "1", "cases": vals},
			nodetest.Options{Values: map[string]any{"cases": tc.rows}})
		if tc.want == "" {
			if err != nil || out["cases.one"] == nil {
				t.Errorf("%s %v: %v %v, want cases.one live", tc.id, tc.rows, out, err)
			}
			continue
		}
		var ie *nodes.InputError
		if !errors.As(err, &ie) || ie.Port != "cases" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %v: %v, want input cases: …%s…", tc.id, tc.rows, err, tc.want)
		}
	}
}
