package publish

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"polysynergy/shared/engine"
	"polysynergy/shared/live"
)

// MaxMessageBytes is the largest message posted to a connection: API
// Gateway's WebSocket message limit (128 KB).
const MaxMessageBytes = 128 * 1024

// PreviewBytes is how much of a summarised value its summary shows.
const PreviewBytes = 256

// maxShrinkDepth is how deep shrinking descends into nested data before it
// summarises a whole subtree (bounding the work on deeply nested values).
const maxShrinkDepth = 16

// minSummarised is the smallest encoded value worth replacing by a summary
// (a summary itself takes a few hundred bytes).
const minSummarised = 1024

// Summary stands in for a value of an event's data too large to send; the
// client fetches the full value over the REST API (the run's node results).
type Summary struct {
	// Summary is always true; clients recognise summaries by "$summary".
	Summary bool `json:"$summary"`
	// Bytes is the size of the value's JSON encoding.
	Bytes int `json:"bytes"`
	// Preview is the start of the value: a string's text, or the JSON
	// encoding of anything else, cut at PreviewBytes on a rune boundary.
	Preview string `json:"preview"`
	// Path is the JSON pointer of the value inside the event's data ("" for
	// the whole data).
	Path string `json:"path,omitempty"`
}

// EncodeEvent returns ev's JSON encoding of at most max bytes. When ev is
// larger, the biggest values inside ev.Data are replaced by Summary objects
// (largest first, descending into objects and arrays so the structure
// around them stays) until it fits; summarised reports whether that
// happened. It fails only when ev does not fit even with its whole data
// summarised, or does not encode.
func EncodeEvent(ev engine.Event, max int) (msg []byte, summarised bool, err error) {
	b, err := live.Marshal(ev)
	if err != nil {
		return nil, false, fmt.Errorf("encode %s event %d: %w", ev.Type, ev.Seq, err)
	}
	if len(b) <= max {
		return b, false, nil
	}
	if ev.Data == nil {
		return nil, false, fmt.Errorf("encode %s event %d: %d bytes without data, limit %d", ev.Type, ev.Seq, len(b), max)
	}
	data, err := live.Marshal(ev.Data)
	if err != nil {
		return nil, false, fmt.Errorf("encode %s event %d data: %w", ev.Type, ev.Seq, err)
	}
	var generic any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&generic); err != nil {
		return nil, false, fmt.Errorf("encode %s event %d data: %w", ev.Type, ev.Seq, err)
	}
	target := max - (len(b) - len(data))
	ev.Data, _ = shrink(generic, "", data, target, 0)
	if b, err = live.Marshal(ev); err == nil && len(b) <= max {
		return b, true, nil
	}
	ev.Data = summarise(generic, "", data)
	if b, err = live.Marshal(ev); err != nil {
		return nil, false, fmt.Errorf("encode %s event %d: %w", ev.Type, ev.Seq, err)
	}
	if len(b) > max {
		return nil, false, fmt.Errorf("encode %s event %d: %d bytes with its data summarised, limit %d", ev.Type, ev.Seq, len(b), max)
	}
	return b, true, nil
}

// shrink returns v (whose encoding is enc) reduced to at most target
// encoded bytes where it can be, and its new encoded size.
func shrink(v any, path string, enc []byte, target, depth int) (any, int) {
	size := len(enc)
	if size <= target {
		return v, size
	}
	if depth >= maxShrinkDepth {
		return summarise(v, path, enc), summarySize(v, path, enc)
	}
	type child struct {
		key  string
		idx  int
		path string
		enc  []byte
	}
	var kids []child
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			b, err := live.Marshal(c)
			if err != nil {
				return summarise(v, path, enc), summarySize(v, path, enc)
			}
			kids = append(kids, child{key: k, path: path + "/" + pointerEscape(k), enc: b})
		}
	case []any:
		for i, c := range x {
			b, err := live.Marshal(c)
			if err != nil {
				return summarise(v, path, enc), summarySize(v, path, enc)
			}
			kids = append(kids, child{idx: i, path: path + "/" + strconv.Itoa(i), enc: b})
		}
	}
	slices.SortStableFunc(kids, func(a, b child) int {
		if d := len(b.enc) - len(a.enc); d != 0 {
			return d
		}
		return strings.Compare(a.key, b.key)
	})
	for _, k := range kids {
		if size <= target || len(k.enc) < minSummarised {
			break
		}
		childTarget := len(k.enc) - (size - target)
		var cur any
		if m, ok := v.(map[string]any); ok {
			cur = m[k.key]
		} else {
			cur = v.([]any)[k.idx]
		}
		nv, ns := shrink(cur, k.path, k.enc, childTarget, depth+1)
		if m, ok := v.(map[string]any); ok {
			m[k.key] = nv
		} else {
			v.([]any)[k.idx] = nv
		}
		size += ns - len(k.enc)
	}
	if size <= target {
		return v, size
	}
	return summarise(v, path, enc), summarySize(v, path, enc)
}

// summarise returns the Summary of v, whose original encoding is enc.
func summarise(v any, path string, enc []byte) Summary {
	preview := string(enc)
	if s, ok := v.(string); ok {
		preview = s
	}
	return Summary{Summary: true, Bytes: len(enc), Preview: live.CutUTF8(preview, PreviewBytes), Path: path}
}

func summarySize(v any, path string, enc []byte) int {
	b, _ := live.Marshal(summarise(v, path, enc))
	return len(b)
}

// pointerEscape escapes a JSON pointer reference token (RFC 6901).
func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// Encoded is the result of EncodeMessages.
type Encoded struct {
	// Messages are JSON arrays of events, each at most the limit.
	Messages [][]byte
	// Summarised counts events whose data was summarised to fit.
	Summarised int
	// Skipped counts events left out because they could not be made to fit
	// or did not encode.
	Skipped int
}

// EncodeMessages packs events, in the order given, into as few messages as
// possible, each a JSON array of events of at most max bytes. Events too
// large on their own are summarised (EncodeEvent). An event that cannot be
// made to fit is left out, counted in Skipped and reported in err; the
// other events are still returned.
func EncodeMessages(evs []engine.Event, max int) (Encoded, error) {
	var (
		out  Encoded
		errs []error
		cur  []byte
	)
	for _, ev := range evs {
		b, sum, err := EncodeEvent(ev, max-2)
		if err != nil {
			out.Skipped++
			errs = append(errs, err)
			continue
		}
		if sum {
			out.Summarised++
		}
		if cur != nil && len(cur)+1+len(b)+1 > max {
			out.Messages = append(out.Messages, append(cur, ']'))
			cur = nil
		}
		if cur == nil {
			cur = append(make([]byte, 0, len(b)+2), '[')
		} else {
			cur = append(cur, ',')
		}
		cur = append(cur, b...)
	}
	if cur != nil {
		out.Messages = append(out.Messages, append(cur, ']'))
	}
	return out, errors.Join(errs...)
}
