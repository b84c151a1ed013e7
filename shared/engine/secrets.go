package engine

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"polysynergy/shared/expr"
	"polysynergy/shared/flow"
	"polysynergy/shared/nodes"
)

// SecretRefs are the secrets a plan may read. A run resolves them before its first event,
// so every event, result and response is redacted from the start: a value that reaches a
// node before the run reads its secret (a webhook's shared token in the trigger's request,
// compared with <secret:KEY> later) is never sent in clear.
type SecretRefs struct {
	// Keys are the keys the plan names literally, sorted: <secret:KEY> placeholders in
	// templated values, and the literal keys of inputs that name a secret (the Secret
	// node's key, a port with editor nodes.EditSecret and type string).
	Keys []string
	// Open is set when the plan may read secrets it does not name literally: a secret's
	// key computed by an expression or arriving on a connection, or a node that runs
	// other flows of the project (a port with editor nodes.EditFlow), whose secrets are
	// theirs. Such runs resolve every secret of their stage (see SecretLister).
	Open bool
}

// SecretLister is an optional Resolver extension that lists the keys of every secret with
// a value on the run's stage. A run of a plan whose SecretRefs are Open resolves them all
// before its first event; without a lister it knows only the keys the plan names.
type SecretLister interface {
	SecretKeys(ctx context.Context) ([]string, error)
}

// SecretBatcher is an optional Resolver extension that reads several secrets in one round
// (rather than one read after another). Keys without a value on the stage are left out of
// the answer; other failures are errors (wrapping ErrUnavailable when they may pass).
type SecretBatcher interface {
	Secrets(ctx context.Context, keys []string) (map[string]string, error)
}

// PlanSecrets works out the secrets a plan may read. It walks every node's values: a
// caller running the same plan often computes it once and passes it in Request.Secrets.
func PlanSecrets(plan *flow.Plan) SecretRefs {
	var refs SecretRefs
	if plan == nil {
		return refs
	}
	seen := map[string]bool{}
	add := func(k string) {
		if k != "" && !seen[k] {
			seen[k] = true
			refs.Keys = append(refs.Keys, k)
		}
	}
	for _, pn := range plan.Nodes {
		for _, p := range pn.Type.Inputs {
			if p.Editor == nodes.EditFlow {
				refs.Open = true // the called flow's secrets are not in this plan
			}
		}
		for _, pi := range pn.Inputs {
			if pi.HasValue {
				pi.Value.Templates(func(t *expr.Template) {
					for _, ph := range t.Placeholders() {
						if ph.Kind == expr.SecretPlaceholder {
							add(ph.Key)
						}
					}
				})
			}
			if pi.Port.Editor != nodes.EditSecret || pi.Port.Type == nodes.Secret {
				continue
			}
			// an input naming the secret to read
			if len(pi.Edges) > 0 {
				refs.Open = true
			}
			if !pi.HasValue {
				continue
			}
			if !pi.Value.Static() {
				refs.Open = true
				continue
			}
			if k, ok := pi.Value.Literal().(string); ok {
				add(k)
			}
		}
	}
	slices.Sort(refs.Keys)
	return refs
}

// prefetchSecrets resolves the secrets the run may read and registers their values for
// redaction, before the run's first event. A key without a value is left for the node
// that reads it to fail on (as without prefetching); a resolver that cannot be reached
// fails the run, since a value it would give later may already have gone out in clear.
func (r *runState) prefetchSecrets(ctx context.Context) error {
	res := r.req.Resolver
	if res == nil || len(r.req.callers) > 0 {
		// a called flow publishes nothing; its caller resolved the stage's secrets already
		return nil
	}
	refs := r.req.Secrets
	if refs == nil {
		pr := PlanSecrets(r.plan)
		refs = &pr
	}
	keys := refs.Keys
	if refs.Open {
		if l, ok := res.(SecretLister); ok {
			all, err := l.SecretKeys(ctx)
			if err != nil {
				return fmt.Errorf("list the secrets of stage %q: %w", r.req.Stage, err)
			}
			keys = append(slices.Clone(keys), all...)
			slices.Sort(keys)
			keys = slices.Compact(keys)
		}
	}
	if len(keys) == 0 {
		return nil
	}
	if b, ok := res.(SecretBatcher); ok {
		vals, err := b.Secrets(ctx, keys)
		if err != nil {
			return fmt.Errorf("read the secrets of stage %q: %w", r.req.Stage, err)
		}
		for _, k := range keys {
			if v, ok := vals[k]; ok {
				r.onSecret(k, v)
			}
		}
		return nil
	}
	for _, k := range keys {
		v, err := res.Secret(ctx, k)
		switch {
		case err == nil:
			r.onSecret(k, v)
		case errors.Is(err, ErrUnavailable):
			return fmt.Errorf("read secret %q on stage %q: %w", k, r.req.Stage, err)
		}
		// otherwise (no value, not configured): the node reading it fails, naming the key
	}
	return nil
}

// The answer a run's caller gets (Run.Response) is redacted with what that caller sent in
// mind. Redacting by value alone is an oracle: a caller who sends a guess to a flow that
// echoes its input would see the guess come back as <secret:KEY> exactly when it is a
// secret's value. So in the answer, an occurrence of a secret is left as it is when it lies
// inside a stretch of the answer that is, in one of the forms secretEncodings writes, one
// of the texts the caller sent (Request.Caller) which itself holds a secret found in the
// answer: the caller then reads back only text it wrote. Everything else is redacted as in
// records and events, which do not change. A secret that is part of what the caller sent
// stays visible where the answer repeats that text; a text the caller sent that is part of a
// secret (a prefix, say) uncovers nothing, since it does not cover the whole secret.
//
// What cannot be told apart is a flow that answers with a secret itself and a caller who
// sends exactly that value (or a text around it the flow also writes): the answer then
// holds the caller's own text, and shows it. A flow should not put secrets in answers.

// answerRedactor redacts the response a run's caller gets.
type answerRedactor struct {
	c      *cleaner          // the run's secrets, every form
	values map[string]string // secret value → key
	caller func() []string   // texts the caller sent, decoded forms too (nil: none)
	texts  []string          // caller's result, once needed
	asked  bool
}

// answerHit is an occurrence of a secret in an answer's text.
type answerHit struct {
	start, end int
	key        string
}

// callerSpanBudget bounds the bytes compared while finding the caller's texts in an
// answer; past it the rest of the answer's secrets are redacted (the safe side).
const callerSpanBudget = 64 << 20

// response returns a copy of a response node's value with the secrets redacted. A binary
// body (is_base64) is redacted on its decoded bytes and encoded again, so that it stays
// valid base64; what the base64 text itself holds of a secret is redacted in the bytes it
// stands for.
func (a *answerRedactor) response(v any) any {
	m, ok := v.(map[string]any)
	if o, isOut := v.(nodes.Out); isOut {
		m, ok = map[string]any(o), true
	}
	if !ok {
		return a.walk(v, 0)
	}
	out := make(map[string]any, len(m))
	for k, e := range m {
		if k != "body" {
			out[k] = a.walk(e, 0)
		}
	}
	b64, _ := m["is_base64"].(bool)
	switch body := m["body"].(type) {
	case nil:
		if _, set := m["body"]; set {
			out["body"] = nil
		}
	case string:
		if b64 {
			if red, ok := a.binary(body); ok {
				out["body"] = red
				break
			}
		}
		out["body"] = a.text(body)
	case []byte:
		out["body"] = []byte(a.text(string(body)))
	default:
		out["body"] = a.walk(body, 0)
	}
	return out
}

// binary redacts a base64 body; ok is false when it does not decode (the router refuses
// it as set, and it is redacted as text).
func (a *answerRedactor) binary(body string) (string, bool) {
	text := strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, body)
	raw, err := decodeBase64(text)
	if err != nil {
		return "", false
	}
	hits := a.hits(string(raw))
	for _, h := range a.hits(text) {
		// the bytes the text's characters stand for (six bits each)
		start, end := h.start*6/8, min((h.end*6+7)/8, len(raw))
		if start < end {
			hits = append(hits, answerHit{start, end, h.key})
		}
	}
	if len(hits) == 0 {
		return body, true
	}
	return base64.StdEncoding.EncodeToString([]byte(replaceHits(string(raw), hits))), true
}

// decodeBase64 reads base64 as the HTTP response node does: standard or URL alphabet,
// padded or not.
func decodeBase64(s string) ([]byte, error) {
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		var b []byte
		if b, err = enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, err
}

func (a *answerRedactor) walk(v any, depth int) any {
	if depth > 64 {
		return "<too deep>"
	}
	switch x := v.(type) {
	case string:
		return a.text(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = a.walk(e, depth+1)
		}
		return out
	case nodes.Out:
		out := make(nodes.Out, len(x))
		for k, e := range x {
			out[k] = a.walk(e, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = a.walk(e, depth+1)
		}
		return out
	}
	// anything else is redacted as records are
	return a.c.walk(v, depth)
}

// text returns s with the secrets redacted, but for those inside the caller's own text.
func (a *answerRedactor) text(s string) string {
	hits := a.hits(s)
	if len(hits) == 0 {
		return s
	}
	return replaceHits(s, hits)
}

// hits returns the occurrences of the secrets in s that are not inside text the caller
// sent.
func (a *answerRedactor) hits(s string) []answerHit {
	var hits []answerHit
	var found []secretValue
	for _, sv := range a.c.secrets {
		if !strings.Contains(s, sv.value) {
			continue
		}
		found = append(found, sv)
		for i := 0; ; {
			j := strings.Index(s[i:], sv.value)
			if j < 0 {
				break
			}
			hits = append(hits, answerHit{i + j, i + j + len(sv.value), sv.key})
			i += j + 1
		}
	}
	if len(hits) == 0 || a.caller == nil {
		return hits
	}
	if !a.asked {
		a.texts, a.asked = a.caller(), true
	}
	spans := a.callerSpans(s, found)
	if len(spans) == 0 {
		return hits
	}
	// spans by start, with the furthest end reached so far: a hit is covered when a span
	// starting at or before it ends at or after it
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	reach := make([]int, len(spans))
	for i, sp := range spans {
		reach[i] = sp[1]
		if i > 0 && reach[i-1] > reach[i] {
			reach[i] = reach[i-1]
		}
	}
	kept := hits[:0]
	for _, h := range hits {
		i := sort.Search(len(spans), func(i int) bool { return spans[i][0] > h.start }) - 1
		if i >= 0 && reach[i] >= h.end {
			continue // the caller's own text
		}
		kept = append(kept, h)
	}
	return kept
}

// callerSpans finds where s holds a text the caller sent (in any of secretEncodings'
// forms), among the texts that hold one of the secrets found in s.
func (a *answerRedactor) callerSpans(s string, found []secretValue) [][2]int {
	holds := func(t string) bool {
		for _, sv := range found {
			if strings.Contains(t, sv.value) {
				return true
			}
		}
		for v, k := range a.values {
			if v == "" || !strings.Contains(t, v) {
				continue
			}
			for _, sv := range found {
				if sv.key == k {
					return true
				}
			}
		}
		return false
	}
	var spans [][2]int
	budget := callerSpanBudget
	for _, t := range a.texts {
		if t == "" || !holds(t) {
			continue
		}
		var seen []string
		for _, e := range secretEncodings {
			f := e.enc(t)
			if f == "" || len(f) > len(s) || slices.Contains(seen, f) {
				continue
			}
			seen = append(seen, f)
			for i := 0; ; {
				j := strings.Index(s[i:], f)
				if j < 0 {
					break
				}
				spans = append(spans, [2]int{i + j, i + j + len(f)})
				if budget -= len(f); budget < 0 {
					return spans
				}
				i += j + 1
			}
		}
	}
	return spans
}

// replaceHits replaces each hit by <secret:KEY>; overlapping hits become one stretch
// holding the markers of their keys.
func replaceHits(s string, hits []answerHit) string {
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].start != hits[j].start {
			return hits[i].start < hits[j].start
		}
		return hits[i].end > hits[j].end
	})
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i := 0; i < len(hits); {
		start, end := hits[i].start, hits[i].end
		keys := []string{hits[i].key}
		j := i + 1
		for ; j < len(hits) && hits[j].start < end; j++ {
			if hits[j].end > end {
				end = hits[j].end
				if !slices.Contains(keys, hits[j].key) {
					keys = append(keys, hits[j].key)
				}
			}
		}
		if start < last {
			start = last
		}
		b.WriteString(s[last:start])
		for _, k := range keys {
			b.WriteString("<secret:" + k + ">")
		}
		last, i = end, j
	}
	b.WriteString(s[last:])
	return b.String()
}

// redactAnswer returns the response the run's caller gets, redacted (see answerRedactor).
func (r *runState) redactAnswer(c *cleaner, resp any) any {
	if resp == nil {
		return nil
	}
	r.mu.Lock()
	values := make(map[string]string, len(r.secrets))
	for v, k := range r.secrets {
		values[v] = k
	}
	r.mu.Unlock()
	a := &answerRedactor{c: c.uncut(), values: values, caller: r.req.Caller}
	return a.response(resp)
}
