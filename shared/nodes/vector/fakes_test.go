package vector

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
)

// fakeQdrant is an in-memory Qdrant speaking the REST shapes the nodes use: collections
// (create, list, delete), upsert with payloads, cosine search with filters and score
// threshold, delete by ids or filter. It checks the api-key header when key is set.
type fakeQdrant struct {
	key  string
	mu   sync.Mutex
	cols map[string]*fakeCollection
	reqs []string // "METHOD path?query" of every request
}

type fakeCollection struct {
	size     int
	distance string
	points   map[string]fakePoint // by JSON-encoded id
}

type fakePoint struct {
	id      any
	vector  []float64
	payload map[string]any
}

func newFakeQdrant(t *testing.T, key string) (*fakeQdrant, string) {
	t.Helper()
	f := &fakeQdrant{key: key, cols: map[string]*fakeCollection{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func answer(w http.ResponseWriter, status int, result any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	body := map[string]any{"time": 0.001}
	if status < 300 {
		body["status"], body["result"] = "ok", result
	} else {
		body["status"] = map[string]any{"error": result}
	}
	_ = json.NewEncoder(w).Encode(body)
}

func (f *fakeQdrant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs = append(f.reqs, r.Method+" "+r.URL.RequestURI())
	if f.key != "" && r.Header.Get("api-key") != f.key {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte("Invalid api-key"))
		return
	}
	var body map[string]any
	if r.Body != nil {
		_ = json.NewDecoder(r.Body).Decode(&body)
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if parts[0] != "collections" {
		answer(w, 404, "not found")
		return
	}
	if len(parts) == 1 && r.Method == http.MethodGet {
		var names []string
		for n := range f.cols {
			names = append(names, n)
		}
		sort.Strings(names)
		list := []any{}
		for _, n := range names {
			list = append(list, map[string]any{"name": n})
		}
		answer(w, 200, map[string]any{"collections": list})
		return
	}
	name := parts[1]
	col := f.cols[name]
	rest := strings.Join(parts[2:], "/")
	switch {
	case rest == "" && r.Method == http.MethodPut:
		if col != nil {
			answer(w, 409, fmt.Sprintf("Wrong input: Collection `%s` already exists!", name))
			return
		}
		v, _ := body["vectors"].(map[string]any)
		size, _ := v["size"].(float64)
		f.cols[name] = &fakeCollection{size: int(size), distance: fmt.Sprint(v["distance"]), points: map[string]fakePoint{}}
		answer(w, 200, true)
		return
	case rest == "" && r.Method == http.MethodDelete:
		_, existed := f.cols[name]
		delete(f.cols, name)
		answer(w, 200, existed)
		return
	}
	if col == nil {
		answer(w, 404, fmt.Sprintf("Not found: Collection `%s` doesn't exist!", name))
		return
	}
	switch {
	case rest == "points" && r.Method == http.MethodPut:
		pts, _ := body["points"].([]any)
		for _, p := range pts {
			pm := p.(map[string]any)
			vec := toVec(pm["vector"])
			if len(vec) != col.size {
				answer(w, 400, fmt.Sprintf("Wrong input: Vector dimension error: expected dim: %d, got %d", col.size, len(vec)))
				return
			}
			payload, _ := pm["payload"].(map[string]any)
			col.points[idKey(pm["id"])] = fakePoint{id: pm["id"], vector: vec, payload: payload}
		}
		answer(w, 200, map[string]any{"operation_id": 1, "status": "completed"})
	case rest == "points/search" && r.Method == http.MethodPost:
		q := toVec(body["vector"])
		if len(q) != col.size {
			answer(w, 400, fmt.Sprintf("Wrong input: Vector dimension error: expected dim: %d, got %d", col.size, len(q)))
			return
		}
		filter, _ := body["filter"].(map[string]any)
		var hits []map[string]any
		for _, p := range col.points {
			if filter != nil && !matchFilter(filter, p) {
				continue
			}
			score := cosine(q, p.vector)
			if th, ok := body["score_threshold"].(float64); ok && score < th {
				continue
			}
			h := map[string]any{"id": p.id, "version": 0, "score": score}
			if body["with_payload"] == true {
				h["payload"] = p.payload
			}
			if body["with_vector"] == true {
				h["vector"] = p.vector
			}
			hits = append(hits, h)
		}
		sort.Slice(hits, func(i, j int) bool { return hits[i]["score"].(float64) > hits[j]["score"].(float64) })
		if l, ok := body["limit"].(float64); ok && len(hits) > int(l) {
			hits = hits[:int(l)]
		}
		if hits == nil {
			hits = []map[string]any{}
		}
		answer(w, 200, hits)
	case rest == "points/delete" && r.Method == http.MethodPost:
		if ids, ok := body["points"].([]any); ok {
			for _, id := range ids {
				delete(col.points, idKey(id))
			}
		} else if filter, ok := body["filter"].(map[string]any); ok {
			for k, p := range col.points {
				if matchFilter(filter, p) {
					delete(col.points, k)
				}
			}
		} else {
			answer(w, 400, "Wrong input: points or filter required")
			return
		}
		answer(w, 200, map[string]any{"operation_id": 2, "status": "completed"})
	default:
		answer(w, 404, "no such endpoint")
	}
}

func idKey(id any) string { b, _ := json.Marshal(id); return string(b) }

func toVec(v any) []float64 {
	l, _ := v.([]any)
	out := make([]float64, len(l))
	for i, x := range l {
		out[i], _ = x.(float64)
	}
	return out
}

func cosine(a, b []float64) float64 {
	var dot, na, nb float64
	for i := range a {
		dot += a[i] * b[i]
		na += a[i] * a[i]
		nb += b[i] * b[i]
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

// matchFilter applies Qdrant's filter semantics: every must, at least one should (when
// given), no must_not; conditions are field match (value / any), range, has_id or a
// nested filter.
func matchFilter(f map[string]any, p fakePoint) bool {
	list := func(k string) []any {
		switch v := f[k].(type) {
		case []any:
			return v
		case map[string]any:
			return []any{v}
		}
		return nil
	}
	for _, c := range list("must") {
		if !matchCond(c.(map[string]any), p) {
			return false
		}
	}
	if should := list("should"); len(should) > 0 {
		hit := false
		for _, c := range should {
			hit = hit || matchCond(c.(map[string]any), p)
		}
		if !hit {
			return false
		}
	}
	for _, c := range list("must_not") {
		if matchCond(c.(map[string]any), p) {
			return false
		}
	}
	return true
}

func matchCond(c map[string]any, p fakePoint) bool {
	if ids, ok := c["has_id"].([]any); ok {
		for _, id := range ids {
			if idKey(id) == idKey(p.id) {
				return true
			}
		}
		return false
	}
	if _, nested := c["must"]; nested {
		return matchFilter(c, p)
	}
	if _, nested := c["should"]; nested {
		return matchFilter(c, p)
	}
	key, _ := c["key"].(string)
	v, ok := p.payload[key]
	if !ok {
		return false
	}
	if m, ok := c["match"].(map[string]any); ok {
		if want, ok := m["value"]; ok {
			return fmt.Sprint(want) == fmt.Sprint(v)
		}
		if anyOf, ok := m["any"].([]any); ok {
			for _, w := range anyOf {
				if fmt.Sprint(w) == fmt.Sprint(v) {
					return true
				}
			}
		}
		return false
	}
	if rg, ok := c["range"].(map[string]any); ok {
		x, ok := v.(float64)
		if !ok {
			return false
		}
		for op, lim := range rg {
			l, _ := lim.(float64)
			switch op {
			case "gt":
				ok = ok && x > l
			case "gte":
				ok = ok && x >= l
			case "lt":
				ok = ok && x < l
			case "lte":
				ok = ok && x <= l
			}
		}
		return ok
	}
	return false
}

// fakeEmbeddings is an OpenAI-compatible POST /embeddings: a text's vector counts the
// words "cat", "dog" and "car" in it (plus a small constant so no vector is zero).
type fakeEmbeddings struct {
	mu     sync.Mutex
	auth   []string
	models []string
	inputs [][]string
	dims   []any
}

func newFakeEmbeddings(t *testing.T) (*fakeEmbeddings, string) {
	t.Helper()
	f := &fakeEmbeddings{}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL + "/v1"
}

func (f *fakeEmbeddings) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path != "/v1/embeddings" || r.Method != http.MethodPost {
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"error":{"message":"not found","type":"invalid_request_error"}}`))
		return
	}
	var body struct {
		Input      []string `json:"input"`
		Model      string   `json:"model"`
		Dimensions any      `json:"dimensions"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		w.WriteHeader(400)
		_, _ = fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error"}}`, err.Error())
		return
	}
	f.mu.Lock()
	f.auth = append(f.auth, r.Header.Get("Authorization"))
	f.models = append(f.models, body.Model)
	f.inputs = append(f.inputs, body.Input)
	f.dims = append(f.dims, body.Dimensions)
	f.mu.Unlock()
	if body.Model == "missing-model" {
		w.WriteHeader(404)
		_, _ = w.Write([]byte(`{"error":{"message":"The model missing-model does not exist","type":"invalid_request_error","code":"model_not_found"}}`))
		return
	}
	data := []any{}
	// answer in reverse order: clients must sort by index
	for i := len(body.Input) - 1; i >= 0; i-- {
		data = append(data, map[string]any{"object": "embedding", "index": i, "embedding": wordVector(body.Input[i])})
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "model": body.Model, "data": data,
		"usage": map[string]any{"prompt_tokens": 3, "total_tokens": 3}})
}

func wordVector(s string) []float64 {
	s = strings.ToLower(s)
	return []float64{float64(strings.Count(s, "cat")) + 0.01, float64(strings.Count(s, "dog")) + 0.01, float64(strings.Count(s, "car")) + 0.01}
}

// The stand-ins' own semantics, which the node tests rely on: Qdrant's filter clauses,
// cosine similarity, and embeddings that put texts about the same thing close together.
func TestFakeSemantics(t *testing.T) {
	p := fakePoint{id: 7.0, payload: map[string]any{"kind": "pet", "age": 3.0}}
	cond := func(k string, v any) map[string]any {
		return map[string]any{"key": k, "match": map[string]any{"value": v}}
	}
	for _, tc := range []struct {
		name   string
		filter map[string]any
		want   bool
	}{
		{"must match", map[string]any{"must": []any{cond("kind", "pet")}}, true},
		{"must miss", map[string]any{"must": []any{cond("kind", "car")}}, false},
		{"should one of", map[string]any{"should": []any{cond("kind", "car"), cond("age", 3.0)}}, true},
		{"should none", map[string]any{"should": []any{cond("kind", "car")}}, false},
		{"must_not", map[string]any{"must_not": cond("kind", "pet")}, false},
		{"any of", map[string]any{"must": []any{map[string]any{"key": "kind", "match": map[string]any{"any": []any{"car", "pet"}}}}}, true},
		{"range inside", map[string]any{"must": []any{map[string]any{"key": "age", "range": map[string]any{"gte": 3.0, "lt": 4.0}}}}, true},
		{"range outside", map[string]any{"must": []any{map[string]any{"key": "age", "range": map[string]any{"gt": 3.0}}}}, false},
		{"has_id", map[string]any{"must": []any{map[string]any{"has_id": []any{7.0}}}}, true},
		{"missing key", map[string]any{"must": []any{cond("colour", "red")}}, false},
		{"nested", map[string]any{"must": []any{map[string]any{"should": []any{cond("kind", "pet")}}}}, true},
	} {
		if got := matchFilter(tc.filter, p); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	if c := cosine([]float64{1, 0}, []float64{1, 0}); math.Abs(c-1) > 1e-9 {
		t.Errorf("cosine of equal vectors = %v", c)
	}
	if c := cosine([]float64{0, 0}, []float64{1, 0}); c != 0 {
		t.Errorf("cosine with a zero vector = %v", c)
	}
	cat, kitten, car := wordVector("a cat sat"), wordVector("my Cat and another cat"), wordVector("a car")
	if cosine(cat, kitten) <= cosine(cat, car) {
		t.Errorf("cat texts are not closer to each other than to car: %v %v", cosine(cat, kitten), cosine(cat, car))
	}
}
