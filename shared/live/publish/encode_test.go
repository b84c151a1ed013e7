package publish_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"polysynergy/shared/engine"
	"polysynergy/shared/live/publish"
)

var t0 = time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)

func ev(seq int64, typ string, data any) engine.Event {
	return engine.Event{Type: typ, RunID: "run-1", FlowID: "flow-1", Seq: seq, Time: t0, Node: "n", Data: data}
}

// decodeEvent decodes one event as a client would (generic JSON).
func decodeEvent(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("decode %.200s: %v", b, err)
	}
	return m
}

// at walks a decoded JSON value along keys.
func at(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

func TestEncodeEvent(t *testing.T) {
	big := strings.Repeat("é", 100_000) // 200,000 bytes
	const limit = 8 * 1024
	tests := []struct {
		name       string
		ev         engine.Event
		summarised bool
		check      func(t *testing.T, m map[string]any)
	}{
		{"small stays as is", ev(1, engine.EventNodeLog, map[string]any{"message": "<b>hi</b> & bye"}), false,
			func(t *testing.T, m map[string]any) {
				if got := at(m, "data", "message"); got != "<b>hi</b> & bye" {
					t.Errorf("data.message = %v", got)
				}
			}},
		{"large string data", ev(2, engine.EventStream, big), true,
			func(t *testing.T, m map[string]any) {
				d := at(m, "data")
				if at(d, "$summary") != true || at(d, "bytes") != float64(len(big)+2) || at(d, "path") != nil {
					t.Errorf("data = %.300v; want a summary of %d bytes without a path", d, len(big)+2)
				}
				if p, _ := at(d, "preview").(string); len(p) > publish.PreviewBytes || !strings.HasPrefix(big, p) || len(p) < publish.PreviewBytes-1 {
					t.Errorf("preview of %d bytes; want the first ~%d bytes of the text on a rune boundary", len(p), publish.PreviewBytes)
				}
			}},
		{"nested value summarised in place", ev(3, engine.EventNodeEnd, engine.NodeResult{NodeID: "n1", Handle: "fetch", Status: "success",
			Outputs: map[string]any{"status": 200, "body": big, "headers": map[string]any{"a/b~c": "x"}}}), true,
			func(t *testing.T, m map[string]any) {
				body := at(m, "data", "outputs", "body")
				if at(body, "$summary") != true || at(body, "path") != "/outputs/body" {
					t.Errorf("outputs.body = %.300v; want a summary at /outputs/body", body)
				}
				if at(m, "data", "outputs", "status") != float64(200) || at(m, "data", "handle") != "fetch" ||
					at(m, "data", "outputs", "headers", "a/b~c") != "x" {
					t.Errorf("the small parts of data changed: %.300v", m["data"])
				}
			}},
		{"many small items summarise the container", ev(4, engine.EventNodeEnd, map[string]any{"items": manyItems(2000), "n": 1}), true,
			func(t *testing.T, m map[string]any) {
				items := at(m, "data", "items")
				if at(items, "$summary") != true || at(items, "path") != "/items" {
					t.Errorf("items = %.300v; want one summary for the whole list", items)
				}
				if at(m, "data", "n") != float64(1) {
					t.Errorf("data.n lost")
				}
			}},
		{"the largest of several goes first", ev(5, engine.EventNodeEnd, map[string]any{
			"a": strings.Repeat("a", 3000), "b": strings.Repeat("b", 6000), "c": strings.Repeat("c", 2000)}), true,
			func(t *testing.T, m map[string]any) {
				if at(m, "data", "b", "$summary") != true {
					t.Errorf("b not summarised")
				}
				if at(m, "data", "a") != strings.Repeat("a", 3000) || at(m, "data", "c") != strings.Repeat("c", 2000) {
					t.Errorf("a or c summarised although b alone makes it fit")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, sum, err := publish.EncodeEvent(tt.ev, limit)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > limit {
				t.Fatalf("encoded %d bytes; limit %d", len(b), limit)
			}
			if sum != tt.summarised {
				t.Errorf("summarised = %v; want %v", sum, tt.summarised)
			}
			m := decodeEvent(t, b)
			if m["type"] != tt.ev.Type || m["seq"] != float64(tt.ev.Seq) || m["run_id"] != "run-1" || m["flow_id"] != "flow-1" {
				t.Errorf("envelope %v %v %v %v; want %s %d run-1 flow-1", m["type"], m["seq"], m["run_id"], m["flow_id"], tt.ev.Type, tt.ev.Seq)
			}
			tt.check(t, m)
		})
	}
}

func manyItems(n int) []any {
	out := make([]any, n)
	for i := range out {
		out[i] = map[string]any{"i": i}
	}
	return out
}

func TestEncodeEventErrors(t *testing.T) {
	tests := []struct {
		name string
		ev   engine.Event
		want string
	}{
		{"too big without data", engine.Event{Type: "node_log", Seq: 7, Node: strings.Repeat("h", 5000)}, "without data"},
		{"too big with data summarised", engine.Event{Type: "node_log", Seq: 8, Node: strings.Repeat("h", 4000), Data: strings.Repeat("x", 9000)}, "summarised"},
		{"unencodable", engine.Event{Type: "node_log", Seq: 9, Data: func() {}}, "encode node_log event 9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := publish.EncodeEvent(tt.ev, 4096)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v; want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestEncodeMessages(t *testing.T) {
	small := func(seq int64) engine.Event { return ev(seq, engine.EventNodeLog, strings.Repeat("x", 300)) }
	tests := []struct {
		name      string
		evs       []engine.Event
		limit     int
		messages  int
		skipped   int
		summaries int
	}{
		{"one burst fits one message", []engine.Event{small(1), small(2), small(3)}, 4096, 1, 0, 0},
		{"split at the limit", []engine.Event{small(1), small(2), small(3), small(4), small(5), small(6)}, 1000, 3, 0, 0},
		{"a large one is summarised", []engine.Event{small(1), ev(2, engine.EventStream, strings.Repeat("y", 5000)), small(3)}, 2048, 1, 0, 1},
		{"an impossible one is skipped", []engine.Event{small(1), {Type: "x", Seq: 2, Node: strings.Repeat("n", 3000)}, small(3)}, 2048, 1, 1, 0},
		{"nothing", nil, 2048, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := publish.EncodeMessages(tt.evs, tt.limit)
			if (err != nil) != (tt.skipped > 0) {
				t.Errorf("error %v; want one only when events are skipped", err)
			}
			if len(enc.Messages) != tt.messages || enc.Skipped != tt.skipped || enc.Summarised != tt.summaries {
				t.Fatalf("%d messages, %d skipped, %d summarised; want %d, %d, %d",
					len(enc.Messages), enc.Skipped, enc.Summarised, tt.messages, tt.skipped, tt.summaries)
			}
			var seqs []string
			for _, m := range enc.Messages {
				if len(m) > tt.limit {
					t.Errorf("message of %d bytes; limit %d", len(m), tt.limit)
				}
				var arr []engine.Event
				if err := json.Unmarshal(m, &arr); err != nil {
					t.Fatalf("message is not a JSON array of events: %v", err)
				}
				for _, e := range arr {
					seqs = append(seqs, fmt.Sprint(e.Seq))
				}
			}
			var want []string
			for _, e := range tt.evs {
				if len(e.Node) < 3000 {
					want = append(want, fmt.Sprint(e.Seq))
				}
			}
			if strings.Join(seqs, ",") != strings.Join(want, ",") {
				t.Errorf("seqs %v; want %v in order", seqs, want)
			}
		})
	}
}

func FuzzEncodeEvent(f *testing.F) {
	f.Add([]byte(`{"outputs":{"body":"hello"}}`), 2048)
	f.Add([]byte(`[1,2,3,{"a":"`+strings.Repeat("z", 3000)+`"}]`), 1024)
	f.Add([]byte(`"`+strings.Repeat("é", 2000)+`"`), 1500)
	f.Add([]byte(`{"a~/b":{"c":["`+strings.Repeat("q", 5000)+`"]}}`), 4096)
	f.Fuzz(func(t *testing.T, data []byte, limit int) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		limit = 1024 + abs(limit)%(64*1024)
		e := engine.Event{Type: engine.EventNodeEnd, RunID: "r", FlowID: "f", Seq: 42, Time: t0, Data: v}
		b, sum, err := publish.EncodeEvent(e, limit)
		if err != nil {
			t.Fatalf("EncodeEvent: %v", err)
		}
		if len(b) > limit {
			t.Fatalf("%d bytes over the limit %d", len(b), limit)
		}
		var back engine.Event
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("output is not an event: %v", err)
		}
		if back.Seq != 42 || back.Type != engine.EventNodeEnd {
			t.Fatalf("envelope changed: %+v", back)
		}
		if !sum {
			orig, _ := json.Marshal(v)
			again, _ := json.Marshal(back.Data)
			if string(orig) != string(again) {
				t.Fatalf("data changed without being summarised: %s → %s", orig, again)
			}
		}
	})
}

func abs(n int) int {
	if n < 0 {
		if n == -n { // math.MinInt
			return 0
		}
		return -n
	}
	return n
}
