package runs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"polysynergy/shared/engine"
	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/store"
)

// stateFormat is the format version of a saved run state.
const stateFormat = 1

// savedState is what a paused run stores: the engine's state plus what the executor needs
// to continue it the same way (version or draft document, stages, policy, the results
// held back by policy errors).
type savedState struct {
	Format  int    `json:"format"`
	Kind    Kind   `json:"kind"`
	Flow    string `json:"flow"`
	Version int    `json:"version"`
	// Draft is the document a draft run paused on (version 0), so it resumes on the same
	// plan even when the draft is edited meanwhile.
	Draft    json.RawMessage `json:"draft,omitempty"`
	Stage    string          `json:"stage"`
	SubStage string          `json:"sub_stage,omitempty"`
	Save     store.RunSaving `json:"save"`
	// Recorded says the run has a run record to update.
	Recorded bool `json:"recorded,omitempty"`
	// Skips counts the skipped-node slots used so far.
	Skips int `json:"skips,omitempty"`
	// Pending are node results held back by policy errors.
	Pending []slotted `json:"pending,omitempty"`
	// Counts are the node results by status of the run so far (the engine's run after a
	// resume holds only the resumed part's), so the finished run's summary counts them all.
	Counts map[string]int `json:"counts,omitempty"`
	// Masked lists the secret keys whose values are masked out of Engine.
	Masked []string `json:"masked,omitempty"`
	// Answer is what the run's caller was answered (a route's run), so that the record of
	// the resumed run still says it.
	Answer *Answer `json:"answer,omitempty"`
	// Engine is the engine.State as JSON, secret values masked.
	Engine json.RawMessage `json:"engine"`
}

// decodeSavedState reads a saved run state, checking every field the executor relies on.
func decodeSavedState(data []byte) (*savedState, error) {
	var ss savedState
	// the results held back keep whole numbers beyond 2^53 exact (jsonvalue)
	if err := jsonvalue.Into(data, &ss); err != nil {
		return nil, fmt.Errorf("decode run state: %w", err)
	}
	switch {
	case ss.Format != stateFormat:
		return nil, fmt.Errorf("decode run state: format: unknown format %d (want %d)", ss.Format, stateFormat)
	case ss.Flow == "":
		return nil, fmt.Errorf("decode run state: flow: missing")
	case ss.Version < 0:
		return nil, fmt.Errorf("decode run state: version: negative (%d)", ss.Version)
	case ss.Version == 0 && len(ss.Draft) == 0:
		return nil, fmt.Errorf("decode run state: draft: missing for a draft run")
	case store.ValidateStageName(ss.Stage) != nil:
		return nil, fmt.Errorf("decode run state: stage: invalid stage %q", ss.Stage)
	case ss.SubStage != "" && store.ValidateStageName(ss.SubStage) != nil:
		return nil, fmt.Errorf("decode run state: sub_stage: invalid stage %q", ss.SubStage)
	case ss.Save != store.SaveAll && ss.Save != store.SaveErrors && ss.Save != store.SaveNone:
		return nil, fmt.Errorf("decode run state: save: unknown policy %q", ss.Save)
	case ss.Skips < 0:
		return nil, fmt.Errorf("decode run state: skips: negative (%d)", ss.Skips)
	case len(ss.Engine) == 0 || !json.Valid(ss.Engine):
		return nil, fmt.Errorf("decode run state: engine: missing or not JSON")
	}
	for i, k := range ss.Masked {
		if k == "" {
			return nil, fmt.Errorf("decode run state: masked[%d]: empty key", i)
		}
	}
	return &ss, nil
}

// secretMarker stands in for a secret's value in a saved state. NUL bytes never occur in
// a secret key and hardly in data, so the marker cannot be confused with a value.
func secretMarker(key string) string { return "\x00secret:" + key + "\x00" }

// maskState encodes an engine state with the given secret values (key → value) replaced
// by markers, and lists the keys it masked.
func maskState(st *engine.State, vals map[string]string) (json.RawMessage, []string, error) {
	raw, err := json.Marshal(st)
	if err != nil {
		return nil, nil, fmt.Errorf("encode run state: %w", err)
	}
	var pairs []string
	var keys []string
	for k, v := range vals {
		if v == "" {
			continue
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return raw, nil, nil
	}
	// longest value first, so a secret containing another is replaced whole
	sort.Slice(keys, func(i, j int) bool {
		if len(vals[keys[i]]) != len(vals[keys[j]]) {
			return len(vals[keys[i]]) > len(vals[keys[j]])
		}
		return keys[i] < keys[j]
	})
	for _, k := range keys {
		pairs = append(pairs, vals[k], secretMarker(k))
	}
	out, err := rewriteStrings(raw, strings.NewReplacer(pairs...))
	if err != nil {
		return nil, nil, fmt.Errorf("mask run state: %w", err)
	}
	sort.Strings(keys)
	return out, keys, nil
}

// unmaskState puts the secret values back and decodes the engine state.
func unmaskState(raw json.RawMessage, vals map[string]string) (*engine.State, error) {
	if len(vals) > 0 {
		var pairs []string
		for k, v := range vals {
			pairs = append(pairs, secretMarker(k), v)
		}
		var err error
		if raw, err = rewriteStrings(raw, strings.NewReplacer(pairs...)); err != nil {
			return nil, fmt.Errorf("unmask run state: %w", err)
		}
	}
	var st engine.State
	if err := json.Unmarshal(raw, &st); err != nil {
		return nil, fmt.Errorf("decode engine state: %w", err)
	}
	return &st, nil
}

// rewriteStrings applies rep to every string (keys included) of a JSON document.
func rewriteStrings(raw []byte, rep *strings.Replacer) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(rewrite(v, rep))
}

func rewrite(v any, rep *strings.Replacer) any {
	switch x := v.(type) {
	case string:
		return rep.Replace(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[rep.Replace(k)] = rewrite(e, rep)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = rewrite(e, rep)
		}
		return x
	}
	return v
}
