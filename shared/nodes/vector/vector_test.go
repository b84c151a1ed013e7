package vector

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/google/uuid"

	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

func registry(t *testing.T) *nodes.Registry {
	t.Helper()
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("register: %v", err)
	}
	return r
}

func lookup(t *testing.T, id string) *nodes.Type {
	t.Helper()
	typ, ok := registry(t).Lookup(id)
	if !ok {
		t.Fatalf("%s not registered", id)
	}
	return typ
}

// tested lists every node type with a test below.
var tested = map[string]bool{
	"vector.openai_embeddings": true, "vector.mistral_embeddings": true, "vector.ollama_embeddings": true,
	"vector.compatible_embeddings": true, "vector.embed": true, "vector.qdrant_create_collection": true,
	"vector.qdrant_list_collections": true, "vector.qdrant_delete_collection": true, "vector.qdrant_upsert": true,
	"vector.qdrant_search": true, "vector.qdrant_delete_points": true,
}

func TestFamilyDocumented(t *testing.T) {
	r := registry(t)
	for _, typ := range r.Types() {
		if !tested[typ.ID] {
			t.Errorf("%s has no test", typ.ID)
		}
		if typ.Category != category || !strings.Contains(typ.Doc, "**Example**") || !strings.Contains(typ.Doc, "**Inputs**") {
			t.Errorf("%s: category %q, doc needs inputs and an example", typ.ID, typ.Category)
		}
		if _, ok := typ.Input("url"); ok && !strings.Contains(typ.Doc, "allow_private_network") {
			t.Errorf("%s: doc must explain allow_private_network", typ.ID)
		}
	}
	if r.Len() != len(tested) {
		t.Errorf("registered %d types, tested %d", r.Len(), len(tested))
	}
}

// checkErr asserts err against want ("" means none) and reports whether there was one.
func checkErr(t *testing.T, err error, want string) bool {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want one containing %q", err, want)
	}
	return true
}

// embedderFor runs an embedding service node and returns its embedder.
func embedderFor(t *testing.T, id string, in map[string]any) (llm.Embedder, error) {
	t.Helper()
	out, err, _ := nodetest.Run(context.Background(), lookup(t, id), in, nodetest.Options{})
	if err != nil {
		return nil, err
	}
	e, ok := out["embedder"].(llm.Embedder)
	if !ok {
		t.Fatalf("embedder output is %T", out["embedder"])
	}
	return e, nil
}

func TestEmbeddingServices(t *testing.T) {
	fake, url := newFakeEmbeddings(t)
	tests := []struct {
		name, id  string
		in        map[string]any
		texts     []string
		wantModel string
		wantAuth  string
		wantDims  any
		wantErr   string // from the node
		embedErr  string // from Embed
	}{
		{name: "openai with dimensions", id: "vector.openai_embeddings", in: map[string]any{"base_url": url, "api_key": "sk-1", "dimensions": 3.0},
			texts: []string{"a cat", "two dogs", "dog and cat"}, wantModel: "text-embedding-3-small", wantAuth: "Bearer sk-1", wantDims: 3.0},
		{name: "mistral default model", id: "vector.mistral_embeddings", in: map[string]any{"base_url": url + "/", "api_key": "m-1"},
			texts: []string{"car"}, wantModel: "mistral-embed", wantAuth: "Bearer m-1"},
		{name: "ollama without key", id: "vector.ollama_embeddings", in: map[string]any{"base_url": url},
			texts: []string{"cat"}, wantModel: "nomic-embed-text"},
		{name: "compatible", id: "vector.compatible_embeddings", in: map[string]any{"base_url": url, "model": "bge-m3"},
			texts: []string{"cat"}, wantModel: "bge-m3"},
		{name: "unknown model", id: "vector.compatible_embeddings", in: map[string]any{"base_url": url, "model": "missing-model"},
			texts: []string{"cat"}, embedErr: "embed 1 text(s) with missing-model"},
		{name: "private network refused", id: "vector.ollama_embeddings", in: map[string]any{"base_url": url, "allow_private_network": false},
			texts: []string{"cat"}, embedErr: "refusing to connect to 127.0.0.1"},
		{name: "openai needs a key", id: "vector.openai_embeddings", in: map[string]any{"base_url": url}, wantErr: `input "api_key": required`},
		{name: "compatible needs a url", id: "vector.compatible_embeddings", in: map[string]any{"model": "x"}, wantErr: `input "base_url": required`},
		{name: "bad url", id: "vector.compatible_embeddings", in: map[string]any{"base_url": "ftp://x", "model": "x"}, wantErr: `input "base_url": must be an http`},
		{name: "no model", id: "vector.ollama_embeddings", in: map[string]any{"base_url": url, "model": ""}, wantErr: `input "model": required`},
		{name: "negative dimensions", id: "vector.ollama_embeddings", in: map[string]any{"base_url": url, "dimensions": -1.0}, wantErr: `input "dimensions": must be positive`},
		{name: "bad timeout", id: "vector.ollama_embeddings", in: map[string]any{"base_url": url, "timeout_ms": 0.0}, wantErr: `input "timeout_ms": must be positive`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := map[string]any{"allow_private_network": true}
			for k, v := range tc.in {
				in[k] = v
			}
			e, err := embedderFor(t, tc.id, in)
			if checkErr(t, err, tc.wantErr) {
				return
			}
			fake.mu.Lock()
			before := len(fake.models)
			fake.mu.Unlock()
			vs, err := e.Embed(context.Background(), tc.texts)
			if checkErr(t, err, tc.embedErr) {
				return
			}
			if len(vs) != len(tc.texts) {
				t.Fatalf("got %d vectors for %d texts", len(vs), len(tc.texts))
			}
			for i, s := range tc.texts {
				if !reflect.DeepEqual(vs[i], wordVector(s)) {
					t.Errorf("vector %d = %v, want %v (order kept)", i, vs[i], wordVector(s))
				}
			}
			fake.mu.Lock()
			defer fake.mu.Unlock()
			if len(fake.models) != before+1 {
				t.Fatalf("requests = %d, want one more than %d", len(fake.models), before)
			}
			if fake.models[before] != tc.wantModel || fake.auth[before] != tc.wantAuth || !reflect.DeepEqual(fake.dims[before], tc.wantDims) ||
				!reflect.DeepEqual(fake.inputs[before], tc.texts) {
				t.Errorf("request model %q auth %q dims %v input %v, want %q %q %v %v", fake.models[before], fake.auth[before],
					fake.dims[before], fake.inputs[before], tc.wantModel, tc.wantAuth, tc.wantDims, tc.texts)
			}
		})
	}
}

// stubEmbedder embeds with wordVector without a server.
type stubEmbedder struct{ calls int }

func (s *stubEmbedder) Embed(_ context.Context, texts []string) ([][]float64, error) {
	s.calls++
	out := make([][]float64, len(texts))
	for i, t := range texts {
		out[i] = wordVector(t)
	}
	return out, nil
}

func TestEmbed(t *testing.T) {
	typ := lookup(t, "vector.embed")
	e := &stubEmbedder{}
	tests := []struct {
		name    string
		in      map[string]any
		want    nodes.Out
		wantErr string
	}{
		{name: "one text", in: map[string]any{"embedder": e, "text": "cat"},
			want: nodes.Out{"vector": []any{1.01, 0.01, 0.01}, "dimensions": 3.0, "vectors": []any{[]any{1.01, 0.01, 0.01}}}},
		{name: "list", in: map[string]any{"embedder": e, "text": []any{"dog", "car"}},
			want: nodes.Out{"vector": []any{0.01, 1.01, 0.01}, "dimensions": 3.0, "vectors": []any{[]any{0.01, 1.01, 0.01}, []any{0.01, 0.01, 1.01}}}},
		{name: "no embedder", in: map[string]any{"text": "x"}, wantErr: `input "embedder": connect an embedding model`},
		{name: "not an embedder", in: map[string]any{"embedder": "x", "text": "x"}, wantErr: `input "embedder": expected an embedding model service`},
		{name: "empty text", in: map[string]any{"embedder": e, "text": " "}, wantErr: `input "text": required`},
		{name: "list of numbers", in: map[string]any{"embedder": e, "text": []any{1.0}}, wantErr: `input "text": item 0 must be a text`},
		{name: "object", in: map[string]any{"embedder": e, "text": map[string]any{}}, wantErr: `input "text": expected a text or a list of texts`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{})
			if checkErr(t, err, tc.wantErr) {
				return
			}
			for k, v := range tc.want {
				if !reflect.DeepEqual(out[k], v) {
					t.Errorf("%s = %#v, want %#v", k, out[k], v)
				}
			}
		})
	}
}

// qdrantRun runs a Qdrant node against url with the key and guard filled in.
func qdrantRun(t *testing.T, id, url string, in map[string]any) (nodes.Out, error) {
	t.Helper()
	full := map[string]any{"url": url, "api_key": "qk", "allow_private_network": true}
	for k, v := range in {
		full[k] = v
	}
	out, err, _ := nodetest.Run(context.Background(), lookup(t, id), full, nodetest.Options{})
	return out, err
}

// step is one node run of a Qdrant scenario.
type step struct {
	name    string
	id      string
	in      map[string]any
	want    nodes.Out
	wantErr string
	check   func(t *testing.T, out nodes.Out)
}

func runSteps(t *testing.T, url string, steps []step) {
	t.Helper()
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			out, err := qdrantRun(t, s.id, url, s.in)
			if checkErr(t, err, s.wantErr) {
				return
			}
			for k, v := range s.want {
				if !reflect.DeepEqual(nodes.Normalize(out[k]), nodes.Normalize(v)) {
					t.Errorf("%s = %#v, want %#v", k, out[k], v)
				}
			}
			if s.check != nil {
				s.check(t, out)
			}
		})
	}
}

// ids returns the ids of search results.
func ids(out nodes.Out) []any {
	var got []any
	for _, r := range out["results"].([]any) {
		got = append(got, r.(map[string]any)["id"])
	}
	return got
}

func wantIDs(want ...any) func(t *testing.T, out nodes.Out) {
	return func(t *testing.T, out nodes.Out) {
		t.Helper()
		if got := ids(out); !reflect.DeepEqual(nodes.Normalize(got), nodes.Normalize(want)) {
			t.Errorf("result ids = %v, want %v", got, want)
		}
	}
}

func TestQdrant(t *testing.T) {
	fake, url := newFakeQdrant(t, "qk")
	emb := &stubEmbedder{}
	faq1 := uuid.NewSHA1(idNamespace, []byte("faq-1")).String()
	runSteps(t, url, []step{
		{name: "create", id: "vector.qdrant_create_collection", in: map[string]any{"collection": "docs", "size": 3.0}, want: nodes.Out{"created": true}},
		{name: "create again skips", id: "vector.qdrant_create_collection", in: map[string]any{"collection": "docs", "size": 3.0}, want: nodes.Out{"created": false}},
		{name: "create again errors", id: "vector.qdrant_create_collection", in: map[string]any{"collection": "docs", "size": 3.0, "if_exists": "error"},
			wantErr: "create qdrant collection docs: qdrant answered 409: Wrong input: Collection `docs` already exists!"},
		{name: "create other", id: "vector.qdrant_create_collection", in: map[string]any{"collection": "tmp", "size": 2.0, "distance": "Dot"}, want: nodes.Out{"created": true}},
		{name: "list", id: "vector.qdrant_list_collections", want: nodes.Out{"collections": []any{"docs", "tmp"}}},
		{name: "upsert vectors with payloads", id: "vector.qdrant_upsert", in: map[string]any{"collection": "docs",
			"ids": []any{1.0, 2.0, 3.0}, "vectors": []any{[]any{1, 0, 0}, []any{0, 1, 0}, []any{0.9, 0.1, 0}},
			"payloads": []any{map[string]any{"kind": "cat", "year": 2019.0}, map[string]any{"kind": "dog", "year": 2021.0}, map[string]any{"kind": "cat", "year": 2023.0}}},
			want: nodes.Out{"ids": []any{1.0, 2.0, 3.0}, "count": 3.0}},
		{name: "upsert texts through the embedder", id: "vector.qdrant_upsert", in: map[string]any{"collection": "docs", "embedder": emb,
			"ids": []any{"faq-1", "2b0c4a3e-0d6f-4c8e-9a43-7c1e1f2d3a4b"}, "texts": []any{"my car", "car and cat"}},
			want: nodes.Out{"ids": []any{faq1, "2b0c4a3e-0d6f-4c8e-9a43-7c1e1f2d3a4b"}, "count": 2.0}},
		{name: "search by vector", id: "vector.qdrant_search", in: map[string]any{"collection": "docs", "vector": []any{1.0, 0.0, 0.0}, "limit": 2.0},
			check: func(t *testing.T, out nodes.Out) {
				wantIDs(1.0, 3.0)(t, out)
				top := out["top"].(map[string]any)
				if top["score"] != 1.0 || !reflect.DeepEqual(top["payload"], map[string]any{"kind": "cat", "year": 2019.0}) {
					t.Errorf("top = %#v", top)
				}
			}},
		{name: "search by text with filter", id: "vector.qdrant_search", in: map[string]any{"collection": "docs", "text": "a cat", "embedder": emb,
			"filter": map[string]any{"must": []any{map[string]any{"key": "kind", "match": map[string]any{"value": "cat"}}},
				"must_not": []any{map[string]any{"key": "year", "range": map[string]any{"lt": 2020.0}}}}},
			check: wantIDs(3.0)},
		{name: "search with should and any", id: "vector.qdrant_search", in: map[string]any{"collection": "docs", "vector": []any{0.0, 1.0, 0.0},
			"filter": `{"should": [{"key": "kind", "match": {"any": ["dog"]}}, {"key": "year", "range": {"gte": 2023}}]}`},
			check: wantIDs(2.0, 3.0)},
		{name: "search text payload stored", id: "vector.qdrant_search", in: map[string]any{"collection": "docs", "vector": []any{0.0, 0.0, 1.0}, "limit": 1.0},
			check: func(t *testing.T, out nodes.Out) {
				top := out["top"].(map[string]any)
				if top["id"] != faq1 || top["payload"].(map[string]any)["text"] != "my car" {
					t.Errorf("top = %#v, want faq-1 with its text", top)
				}
			}},
		{name: "score threshold", id: "vector.qdrant_search", in: map[string]any{"collection": "docs", "vector": []any{1.0, 0.0, 0.0}, "score_threshold": 0.995},
			check: wantIDs(1.0)},
		{name: "without payload", id: "vector.qdrant_search", in: map[string]any{"collection": "docs", "vector": []any{1.0, 0.0, 0.0}, "limit": 1.0, "with_payload": false},
			check: func(t *testing.T, out nodes.Out) {
				if p := out["top"].(map[string]any)["payload"]; p != nil {
					t.Errorf("payload = %v, want none", p)
				}
			}},
		{name: "wrong dimension", id: "vector.qdrant_search", in: map[string]any{"collection": "docs", "vector": []any{1.0, 0.0}},
			wantErr: "qdrant answered 400: Wrong input: Vector dimension error: expected dim: 3, got 2"},
		{name: "delete by ids", id: "vector.qdrant_delete_points", in: map[string]any{"collection": "docs", "ids": []any{2.0, "faq-1"}}, want: nodes.Out{"status": "completed"}},
		{name: "delete by filter", id: "vector.qdrant_delete_points", in: map[string]any{"collection": "docs",
			"filter": map[string]any{"must": []any{map[string]any{"key": "year", "range": map[string]any{"gte": 2023.0}}}}}, want: nodes.Out{"status": "completed"}},
		{name: "what is left", id: "vector.qdrant_search", in: map[string]any{"collection": "docs", "vector": []any{1.0, 1.0, 1.0}, "limit": 10.0},
			check: wantIDs("2b0c4a3e-0d6f-4c8e-9a43-7c1e1f2d3a4b", 1.0)},
		{name: "delete collection", id: "vector.qdrant_delete_collection", in: map[string]any{"collection": "tmp"}, want: nodes.Out{"deleted": true}},
		{name: "delete missing collection", id: "vector.qdrant_delete_collection", in: map[string]any{"collection": "tmp"}, want: nodes.Out{"deleted": false}},
		{name: "search missing collection", id: "vector.qdrant_search", in: map[string]any{"collection": "nope", "vector": []any{1.0}},
			wantErr: "search qdrant collection nope: qdrant answered 404: Not found: Collection `nope` doesn't exist!"},
		{name: "wrong key", id: "vector.qdrant_list_collections", in: map[string]any{"api_key": "bad"}, wantErr: "qdrant answered 401: Invalid api-key"},
		{name: "private network refused", id: "vector.qdrant_list_collections", in: map[string]any{"allow_private_network": false},
			wantErr: "refusing to connect to 127.0.0.1: it is a loopback address"},
	})
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for _, want := range []string{"PUT /collections/docs", "GET /collections", "PUT /collections/docs/points?wait=true",
		"POST /collections/docs/points/search", "POST /collections/docs/points/delete?wait=true", "DELETE /collections/tmp"} {
		found := false
		for _, r := range fake.reqs {
			found = found || r == want
		}
		if !found {
			t.Errorf("no request %q among %v", want, fake.reqs)
		}
	}
	if emb.calls != 2 {
		t.Errorf("embedder called %d times, want 2 (upsert and search)", emb.calls)
	}
}

func TestQdrantInputErrors(t *testing.T) {
	_, url := newFakeQdrant(t, "qk")
	emb := &stubEmbedder{}
	runSteps(t, url, []step{
		{name: "bad url", id: "vector.qdrant_list_collections", in: map[string]any{"url": "localhost:6333"}, wantErr: `input "url": must be an http`},
		{name: "no collection", id: "vector.qdrant_delete_collection", wantErr: `input "collection": required`},
		{name: "collection with slash", id: "vector.qdrant_delete_collection", in: map[string]any{"collection": "a/b"}, wantErr: `input "collection": must not contain`},
		{name: "size zero", id: "vector.qdrant_create_collection", in: map[string]any{"collection": "x", "size": 0.0}, wantErr: `input "size": must be positive`},
		{name: "bad distance", id: "vector.qdrant_create_collection", in: map[string]any{"collection": "x", "size": 3.0, "distance": "Hamming"}, wantErr: `input "distance": must be Cosine`},
		{name: "bad if_exists", id: "vector.qdrant_create_collection", in: map[string]any{"collection": "x", "size": 3.0, "if_exists": "replace"}, wantErr: `input "if_exists": must be skip or error`},
		{name: "upsert nothing", id: "vector.qdrant_upsert", in: map[string]any{"collection": "x"}, wantErr: `input "vectors": give vectors, or texts with an embedder`},
		{name: "upsert both", id: "vector.qdrant_upsert", in: map[string]any{"collection": "x", "vectors": []any{[]any{1.0}}, "texts": "a"}, wantErr: `input "texts": give either`},
		{name: "upsert texts without embedder", id: "vector.qdrant_upsert", in: map[string]any{"collection": "x", "texts": "a"}, wantErr: `input "embedder": connect an embedding model`},
		{name: "upsert bad vector", id: "vector.qdrant_upsert", in: map[string]any{"collection": "x", "vectors": []any{[]any{"a"}}}, wantErr: `input "vectors": item 0: element 0 is not a number`},
		{name: "upsert ids count", id: "vector.qdrant_upsert", in: map[string]any{"collection": "x", "vectors": []any{[]any{1.0}}, "ids": []any{1.0, 2.0}}, wantErr: `input "ids": has 2 ids for 1 points`},
		{name: "upsert bad id", id: "vector.qdrant_upsert", in: map[string]any{"collection": "x", "vectors": []any{[]any{1.0}}, "ids": []any{-1.0}}, wantErr: `input "ids": item 0: an id is a whole number`},
		{name: "upsert payload count", id: "vector.qdrant_upsert", in: map[string]any{"collection": "x", "texts": []any{"a"}, "embedder": emb, "payloads": []any{}}, wantErr: `input "payloads": has 0 payloads for 1 points`},
		{name: "upsert payload not object", id: "vector.qdrant_upsert", in: map[string]any{"collection": "x", "vectors": []any{[]any{1.0}}, "payloads": []any{"p"}}, wantErr: `input "payloads": item 0 must be an object`},
		{name: "search nothing", id: "vector.qdrant_search", in: map[string]any{"collection": "x"}, wantErr: `input "vector": give a vector`},
		{name: "search both", id: "vector.qdrant_search", in: map[string]any{"collection": "x", "vector": []any{1.0}, "text": "a"}, wantErr: `input "text": give either`},
		{name: "search text without embedder", id: "vector.qdrant_search", in: map[string]any{"collection": "x", "text": "a"}, wantErr: `input "embedder": connect`},
		{name: "search bad limit", id: "vector.qdrant_search", in: map[string]any{"collection": "x", "vector": []any{1.0}, "limit": 0.0}, wantErr: `input "limit": must be positive`},
		{name: "search bad filter clause", id: "vector.qdrant_search", in: map[string]any{"collection": "x", "vector": []any{1.0}, "filter": map[string]any{"and": []any{}}}, wantErr: `input "filter": unknown clause "and"`},
		{name: "search filter not list", id: "vector.qdrant_search", in: map[string]any{"collection": "x", "vector": []any{1.0}, "filter": map[string]any{"must": "x"}}, wantErr: `input "filter": "must" must be a list`},
		{name: "search filter bad JSON", id: "vector.qdrant_search", in: map[string]any{"collection": "x", "vector": []any{1.0}, "filter": "{"}, wantErr: `input "filter": not a JSON object`},
		{name: "search empty vector", id: "vector.qdrant_search", in: map[string]any{"collection": "x", "vector": []any{}}, wantErr: `input "vector": expected a non-empty list`},
		{name: "delete nothing", id: "vector.qdrant_delete_points", in: map[string]any{"collection": "x"}, wantErr: `input "ids": give ids or a filter`},
		{name: "delete both", id: "vector.qdrant_delete_points", in: map[string]any{"collection": "x", "ids": []any{1.0}, "filter": map[string]any{"must": []any{}}}, wantErr: `input "filter": give either`},
		{name: "delete empty ids", id: "vector.qdrant_delete_points", in: map[string]any{"collection": "x", "ids": []any{}}, wantErr: `input "ids": no ids given`},
	})
}
