package vector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
)

// Qdrant talks to a Qdrant server over its REST API.
type Qdrant struct {
	base   string
	apiKey string
	hc     *http.Client
}

// NewQdrant returns a client for the server at base (e.g. http://localhost:6333).
func NewQdrant(base, apiKey string, hc *http.Client) *Qdrant {
	if hc == nil {
		hc = http.DefaultClient
	}
	return &Qdrant{base: strings.TrimRight(base, "/"), apiKey: apiKey, hc: hc}
}

// QdrantError is an error answer of the Qdrant server.
type QdrantError struct {
	Status  int
	Message string
}

func (e *QdrantError) Error() string {
	return fmt.Sprintf("qdrant answered %d: %s", e.Status, e.Message)
}

// Do sends a request with a JSON body (nil: none) and decodes the `result` of the answer
// into out (nil: ignored).
func (q *Qdrant) Do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, q.base+path, rd)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if q.apiKey != "" {
		req.Header.Set("api-key", q.apiKey)
	}
	resp, err := q.hc.Do(req)
	if err != nil {
		return q.timeout(ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return fmt.Errorf("read answer: %w", q.timeout(ctx, err))
	}
	if len(raw) > maxAnswer {
		return fmt.Errorf("the answer is larger than %d MiB; ask for fewer points (limit) or leave vectors out (with_vector)", maxAnswer>>20)
	}
	var env struct {
		Result json.RawMessage `json:"result"`
		Status json.RawMessage `json:"status"`
	}
	_ = json.Unmarshal(raw, &env)
	if resp.StatusCode >= 300 {
		msg := strings.TrimSpace(string(raw))
		var st struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(env.Status, &st) == nil && st.Error != "" {
			msg = st.Error
		}
		if len(msg) > 500 {
			msg = msg[:500] + "…"
		}
		return &QdrantError{Status: resp.StatusCode, Message: msg}
	}
	if out == nil || len(env.Result) == 0 {
		return nil
	}
	// payloads keep whole numbers beyond 2^53 exact
	if err := jsonvalue.Into(env.Result, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

// maxAnswer bounds the answer a Qdrant request reads.
const maxAnswer = 64 << 20

// timeout names the client's own timeout (timeout_ms) when it expired: left as
// context.DeadlineExceeded it would read as the run's deadline.
func (q *Qdrant) timeout(ctx context.Context, err error) error {
	if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer from Qdrant within the timeout of %s (timeout_ms)", q.hc.Timeout)
	}
	return err
}

// Names of the ports every Qdrant node has.
const (
	portURL        = "url"
	portKey        = "api_key"
	portCollection = "collection"
)

func qdrantCommon(ports ...nodes.Port) []nodes.Port {
	return append([]nodes.Port{
		{Name: portURL, Type: nodes.String, Required: true, Doc: "Qdrant REST URL, e.g. https://xyz.cloud.qdrant.io:6333 or http://localhost:6333."},
		{Name: portKey, Type: nodes.Secret, Doc: "API key (sent as the api-key header; empty: none)."},
	}, append(ports,
		nodes.Port{Name: "timeout_ms", Type: nodes.Integer, Default: 30000.0, Doc: "Request timeout in milliseconds."},
		netguard.Port())...)
}

var collectionPort = nodes.Port{Name: portCollection, Type: nodes.String, Required: true, Doc: "Collection name."}

const qdrantInputsDoc = "- `url`, `api_key` — the Qdrant server and its key.\n- `timeout_ms` — per request.\n" +
	"- `allow_private_network` — " + netguard.Doc + "\n"

// qdrant builds the client of a call.
func qdrant(c *nodes.Call) (*Qdrant, error) {
	u := strings.TrimSpace(c.Str(portURL))
	pu, err := url.Parse(u)
	if u == "" || err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return nil, nodes.Errorf(portURL, "must be an http:// or https:// URL, got %q", u)
	}
	timeout, err := timeoutOf(c)
	if err != nil {
		return nil, err
	}
	return NewQdrant(u, strings.TrimSpace(c.Str(portKey)), netguard.HTTPClient(c.Bool(netguard.PortName), timeout)), nil
}

// qdrantCollection is the client and the collection name a collection node works on.
func qdrantCollection(c *nodes.Call) (*Qdrant, string, error) {
	q, err := qdrant(c)
	if err != nil {
		return nil, "", err
	}
	name, err := collection(c)
	if err != nil {
		return nil, "", err
	}
	return q, name, nil
}

func collection(c *nodes.Call) (string, error) {
	n := strings.TrimSpace(c.Str(portCollection))
	if n == "" {
		return "", nodes.Errorf(portCollection, "required")
	}
	if strings.ContainsAny(n, "/?#%") {
		return "", nodes.Errorf(portCollection, "must not contain / ? # or %%, got %q", n)
	}
	return n, nil
}

func collPath(name string, rest string) string { return "/collections/" + url.PathEscape(name) + rest }

// idNamespace turns text ids into UUIDs (Qdrant accepts only numbers and UUIDs).
var idNamespace = uuid.MustParse("6f1c4f0e-3b7e-4d2a-9a57-1b2f5c9e7d10")

// pointID converts an id input to a Qdrant point id: whole numbers ≥ 0 and UUIDs as is,
// other texts to a UUID derived from the text (the same text always gives the same id).
func pointID(port string, i int, v any) (any, error) {
	switch x := v.(type) {
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return nil, nodes.Errorf(port, "item %d: empty id", i)
		}
		if u, err := uuid.Parse(s); err == nil {
			return u.String(), nil
		}
		return uuid.NewSHA1(idNamespace, []byte(s)).String(), nil
	default:
		f, ok := nodes.ToFloat(v)
		if !ok || !nodes.IsNumber(v) || f < 0 || f != float64(uint64(f)) {
			return nil, nodes.Errorf(port, "item %d: an id is a whole number ≥ 0 or a text, got %s", i, nodes.Describe(v))
		}
		return uint64(f), nil
	}
}

// vectorOf reads a list of numbers.
func vectorOf(port string, v any) ([]float64, error) {
	l, ok := nodes.ToList(v)
	if !ok || len(l) == 0 {
		return nil, nodes.Errorf(port, "expected a non-empty list of numbers, got %s", nodes.Describe(v))
	}
	out := make([]float64, len(l))
	for i, x := range l {
		f, ok := nodes.ToFloat(x)
		if !ok || !nodes.IsNumber(x) {
			return nil, nodes.Errorf(port, "element %d is not a number: %s", i, nodes.Describe(x))
		}
		out[i] = f
	}
	return out, nil
}

// filterOf reads a Qdrant filter object ({must, should, must_not, min_should}).
func filterOf(c *nodes.Call, port string) (map[string]any, error) {
	v := c.Get(port)
	if v == nil || v == "" {
		return nil, nil
	}
	var m map[string]any
	if s, ok := v.(string); ok {
		var err error // a match on an id beyond 2^53 is sent to the digit
		if m, err = jsonvalue.UnmarshalMap([]byte(s)); err != nil {
			return nil, nodes.Errorf(port, "not a JSON object: %v", err)
		}
	} else {
		var err error
		if m, err = c.Map(port); err != nil {
			return nil, err
		}
	}
	if len(m) == 0 {
		return nil, nil
	}
	for k, cond := range m {
		switch k {
		case "must", "should", "must_not":
			if _, ok := cond.([]any); !ok {
				if _, obj := cond.(map[string]any); !obj {
					return nil, nodes.Errorf(port, "%q must be a list of conditions", k)
				}
			}
		case "min_should":
		default:
			return nil, nodes.Errorf(port, "unknown clause %q (use must, should, must_not, min_should)", k)
		}
	}
	return m, nil
}

func qdrantTypes() []*nodes.Type {
	return []*nodes.Type{
		{
			ID: "vector.qdrant_create_collection", Category: category, Name: "Qdrant create collection", Icon: "database",
			Doc: "Creates a Qdrant collection for vectors of one size.\n\n**Inputs**\n\n" + qdrantInputsDoc +
				"- `collection` — the name.\n- `size` — the vectors' length (e.g. 1536 for text-embedding-3-small).\n" +
				"- `distance` — `Cosine`, `Dot`, `Euclid` or `Manhattan`.\n" +
				"- `if_exists` — `skip` (default: an existing collection is left alone) or `error`.\n\n" +
				"**Outputs**\n\n- `created` — false when the collection already existed.\n\n" +
				"**Example**: collection `docs`, size 1536, distance Cosine.",
			Inputs: qdrantCommon(collectionPort,
				nodes.Port{Name: "size", Type: nodes.Integer, Required: true, Doc: "Vector size."},
				nodes.Port{Name: "distance", Type: nodes.String, Default: "Cosine", Options: []string{"Cosine", "Dot", "Euclid", "Manhattan"}, Doc: "Distance metric."},
				nodes.Port{Name: "if_exists", Type: nodes.String, Default: "skip", Options: []string{"skip", "error"}, Doc: "What to do when the collection exists."}),
			Outputs: []nodes.Port{{Name: "created", Type: nodes.Boolean, Doc: "Whether the collection was created."}},
			Run:     createCollection,
		},
		{
			ID: "vector.qdrant_list_collections", Category: category, Name: "Qdrant list collections", Icon: "database",
			Doc: "Lists the collections of a Qdrant server.\n\n**Inputs**\n\n" + qdrantInputsDoc +
				"\n**Outputs**\n\n- `collections` — the names.\n\n**Example**: → `[\"docs\", \"faq\"]`.",
			Inputs:  qdrantCommon(),
			Outputs: []nodes.Port{{Name: "collections", Type: nodes.List, Doc: "Collection names."}},
			Run:     listCollections,
		},
		{
			ID: "vector.qdrant_delete_collection", Category: category, Name: "Qdrant delete collection", Icon: "database",
			Doc: "Deletes a Qdrant collection and all its points.\n\n**Inputs**\n\n" + qdrantInputsDoc +
				"- `collection` — the name.\n\n**Outputs**\n\n- `deleted` — whether a collection was deleted.\n\n" +
				"**Example**: collection `old_docs`.",
			Inputs:  qdrantCommon(collectionPort),
			Outputs: []nodes.Port{{Name: "deleted", Type: nodes.Boolean, Doc: "Whether it was deleted."}},
			Run:     deleteCollection,
		},
		{
			ID: "vector.qdrant_upsert", Category: category, Name: "Qdrant upsert", Icon: "database-zap",
			Doc: "Inserts or replaces points (id, vector, payload) in a collection, waiting until they are stored.\n\n" +
				"**Inputs**\n\n" + qdrantInputsDoc + "- `collection`.\n" +
				"- `ids` — one id per point: whole numbers or texts (texts that are not UUIDs become a UUID derived " +
				"from the text, so the same text always names the same point). Empty: random UUIDs.\n" +
				"- `vectors` — one vector per point; or\n" +
				"- `texts` with a connected `embedder` — the texts are embedded, and stored in each payload under `text_field`.\n" +
				"- `payloads` — one object per point (optional).\n\n" +
				"**Outputs**\n\n- `ids` — the point ids used.\n- `count` — how many points were written.\n\n" +
				"**Example**: ids `[\"faq-1\", \"faq-2\"]`, texts `[\"How do I reset…\", \"Where is…\"]`, payloads " +
				"`[{\"lang\": \"en\"}, {\"lang\": \"en\"}]`, an OpenAI embeddings node on `embedder`.",
			Inputs: qdrantCommon(collectionPort,
				nodes.Port{Name: "ids", Type: nodes.List, Doc: "Point ids (numbers or texts)."},
				nodes.Port{Name: "vectors", Type: nodes.List, Doc: "One vector per point."},
				nodes.Port{Name: "texts", Type: nodes.Any, Doc: "Texts to embed instead of vectors (needs embedder)."},
				nodes.Port{Name: "embedder", Type: nodes.ServiceType(llm.KindEmbedder), Doc: "Embedding model for texts."},
				nodes.Port{Name: "text_field", Type: nodes.String, Default: "text", Doc: "Payload key the text is stored under (empty: not stored)."},
				nodes.Port{Name: "payloads", Type: nodes.List, Doc: "One payload object per point."}),
			Outputs: []nodes.Port{
				{Name: "ids", Type: nodes.List, Doc: "The ids written."},
				{Name: "count", Type: nodes.Integer, Doc: "Points written."},
			},
			Run: upsert,
		},
		{
			ID: "vector.qdrant_search", Category: category, Name: "Qdrant search", Icon: "search",
			Doc: "Finds the points nearest to a vector (or to a text, embedded with the connected embedder).\n\n" +
				"**Inputs**\n\n" + qdrantInputsDoc + "- `collection`.\n- `vector` — the query vector; or\n" +
				"- `text` with a connected `embedder`.\n- `limit` — how many points (default 5).\n" +
				"- `score_threshold` — drop points scoring below it (optional).\n" +
				"- `filter` — a Qdrant filter, e.g. `{\"must\": [{\"key\": \"lang\", \"match\": {\"value\": \"en\"}}], " +
				"\"must_not\": [{\"key\": \"year\", \"range\": {\"lt\": 2020}}]}` (must / should / must_not with match and range conditions).\n" +
				"- `with_payload`, `with_vector` — include payloads / vectors in the results.\n\n" +
				"**Outputs**\n\n- `results` — `{id, score, payload}` objects, best first.\n- `top` — the best one, or null.\n- `count`.\n\n" +
				"**Example**: text `{{ trigger.body.question }}`, limit 3, filter on `lang` → the three closest FAQ entries.",
			Inputs: qdrantCommon(collectionPort,
				nodes.Port{Name: "vector", Type: nodes.List, Doc: "Query vector."},
				nodes.Port{Name: "text", Type: nodes.String, Doc: "Query text (needs embedder)."},
				nodes.Port{Name: "embedder", Type: nodes.ServiceType(llm.KindEmbedder), Doc: "Embedding model for text."},
				nodes.Port{Name: "limit", Type: nodes.Integer, Default: 5.0, Doc: "Number of results."},
				nodes.Port{Name: "score_threshold", Type: nodes.Number, Doc: "Minimum score (optional)."},
				nodes.Port{Name: "filter", Type: nodes.Object, Doc: "Qdrant filter."},
				nodes.Port{Name: "with_payload", Type: nodes.Boolean, Default: true, Doc: "Include payloads."},
				nodes.Port{Name: "with_vector", Type: nodes.Boolean, Default: false, Doc: "Include vectors."}),
			Outputs: []nodes.Port{
				{Name: "results", Type: nodes.List, Doc: "Matching points, best first."},
				{Name: "top", Type: nodes.Object, Doc: "The best match, or null."},
				{Name: "count", Type: nodes.Integer, Doc: "Number of results."},
			},
			Run: search,
		},
		{
			ID: "vector.qdrant_delete_points", Category: category, Name: "Qdrant delete points", Icon: "trash-2",
			Doc: "Deletes points from a collection by id or by filter, waiting until done.\n\n**Inputs**\n\n" + qdrantInputsDoc +
				"- `collection`.\n- `ids` — point ids (texts map to the same UUIDs as in upsert); or\n" +
				"- `filter` — a Qdrant filter selecting the points.\n\n**Outputs**\n\n- `status` — Qdrant's operation status.\n\n" +
				"**Example**: filter `{\"must\": [{\"key\": \"source\", \"match\": {\"value\": \"old.pdf\"}}]}`.",
			Inputs: qdrantCommon(collectionPort,
				nodes.Port{Name: "ids", Type: nodes.List, Doc: "Point ids to delete."},
				nodes.Port{Name: "filter", Type: nodes.Object, Doc: "Filter of the points to delete."}),
			Outputs: []nodes.Port{{Name: "status", Type: nodes.String, Doc: "Operation status (completed)."}},
			Run:     deletePoints,
		},
	}
}

func createCollection(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	q, name, err := qdrantCollection(c)
	if err != nil {
		return nil, err
	}
	size, err := c.Int("size")
	if err != nil {
		return nil, err
	}
	if size <= 0 {
		return nil, nodes.Errorf("size", "must be positive, got %d", size)
	}
	dist := c.Str("distance")
	switch dist {
	case "Cosine", "Dot", "Euclid", "Manhattan":
	default:
		return nil, nodes.Errorf("distance", "must be Cosine, Dot, Euclid or Manhattan, got %q", dist)
	}
	ifExists := c.Str("if_exists")
	if ifExists != "skip" && ifExists != "error" {
		return nil, nodes.Errorf("if_exists", "must be skip or error, got %q", ifExists)
	}
	body := map[string]any{"vectors": map[string]any{"size": size, "distance": dist}}
	err = q.Do(ctx, http.MethodPut, collPath(name, ""), body, nil)
	var qe *QdrantError
	if errors.As(err, &qe) && (qe.Status == http.StatusConflict || qe.Status == http.StatusBadRequest) &&
		strings.Contains(qe.Message, "already exists") && ifExists == "skip" {
		return nodes.Out{"created": false}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("create qdrant collection %s: %w", name, err)
	}
	return nodes.Out{"created": true}, nil
}

func listCollections(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	q, err := qdrant(c)
	if err != nil {
		return nil, err
	}
	var res struct {
		Collections []struct {
			Name string `json:"name"`
		} `json:"collections"`
	}
	if err := q.Do(ctx, http.MethodGet, "/collections", nil, &res); err != nil {
		return nil, fmt.Errorf("list qdrant collections: %w", err)
	}
	names := make([]any, len(res.Collections))
	for i, col := range res.Collections {
		names[i] = col.Name
	}
	return nodes.Out{"collections": names}, nil
}

func deleteCollection(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	q, name, err := qdrantCollection(c)
	if err != nil {
		return nil, err
	}
	var deleted bool
	if err := q.Do(ctx, http.MethodDelete, collPath(name, ""), nil, &deleted); err != nil {
		return nil, fmt.Errorf("delete qdrant collection %s: %w", name, err)
	}
	return nodes.Out{"deleted": deleted}, nil
}

func upsert(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	q, name, err := qdrantCollection(c)
	if err != nil {
		return nil, err
	}
	var vectors [][]float64
	ts, _, err := texts(c, "texts")
	if err != nil {
		return nil, err
	}
	switch {
	case c.Has("vectors") && len(ts) > 0:
		return nil, nodes.Errorf("texts", "give either vectors or texts, not both")
	case c.Has("vectors"):
		l, err := c.List("vectors")
		if err != nil {
			return nil, err
		}
		for i, v := range l {
			vec, err := vectorOf("vectors", v)
			if err != nil {
				return nil, nodes.Errorf("vectors", "item %d: %v", i, err.(*nodes.InputError).Reason)
			}
			vectors = append(vectors, vec)
		}
	case len(ts) > 0:
		e, err := embedder(c, "embedder")
		if err != nil {
			return nil, err
		}
		if e == nil {
			return nil, nodes.Errorf("embedder", "connect an embedding model to upsert texts")
		}
		if vectors, err = e.Embed(ctx, ts); err != nil {
			return nil, err
		}
	default:
		return nil, nodes.Errorf("vectors", "give vectors, or texts with an embedder")
	}
	n := len(vectors)
	if n == 0 {
		return nil, nodes.Errorf("vectors", "no points to write")
	}
	var ids []any
	if c.Has("ids") {
		l, err := c.List("ids")
		if err != nil {
			return nil, err
		}
		if len(l) != n {
			return nil, nodes.Errorf("ids", "has %d ids for %d points", len(l), n)
		}
		for i, v := range l {
			id, err := pointID("ids", i, v)
			if err != nil {
				return nil, err
			}
			ids = append(ids, id)
		}
	} else {
		for range n {
			ids = append(ids, uuid.NewString())
		}
	}
	var payloads []any
	if c.Has("payloads") {
		if payloads, err = c.List("payloads"); err != nil {
			return nil, err
		}
		if len(payloads) != n {
			return nil, nodes.Errorf("payloads", "has %d payloads for %d points", len(payloads), n)
		}
	}
	field := strings.TrimSpace(c.Str("text_field"))
	points := make([]map[string]any, n)
	for i := range n {
		payload := map[string]any{}
		if payloads != nil && payloads[i] != nil {
			m, ok := payloads[i].(map[string]any)
			if !ok {
				return nil, nodes.Errorf("payloads", "item %d must be an object, got %s", i, nodes.Describe(payloads[i]))
			}
			for k, v := range m {
				payload[k] = v
			}
		}
		if len(ts) > 0 && field != "" {
			payload[field] = ts[i]
		}
		points[i] = map[string]any{"id": ids[i], "vector": vectors[i], "payload": payload}
	}
	if err := q.Do(ctx, http.MethodPut, collPath(name, "/points?wait=true"), map[string]any{"points": points}, nil); err != nil {
		return nil, fmt.Errorf("upsert %d point(s) into qdrant collection %s: %w", n, name, err)
	}
	outIDs := make([]any, n)
	for i, id := range ids {
		if u, ok := id.(uint64); ok {
			outIDs[i] = float64(u)
		} else {
			outIDs[i] = id
		}
	}
	return nodes.Out{"ids": outIDs, "count": float64(n)}, nil
}

func search(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	q, name, err := qdrantCollection(c)
	if err != nil {
		return nil, err
	}
	var vec []float64
	text := strings.TrimSpace(c.Str("text"))
	switch {
	case c.Has("vector") && text != "":
		return nil, nodes.Errorf("text", "give either a vector or a text, not both")
	case c.Has("vector"):
		if vec, err = vectorOf("vector", c.Get("vector")); err != nil {
			return nil, err
		}
	case text != "":
		e, err := embedder(c, "embedder")
		if err != nil {
			return nil, err
		}
		if e == nil {
			return nil, nodes.Errorf("embedder", "connect an embedding model to search by text")
		}
		vs, err := e.Embed(ctx, []string{text})
		if err != nil {
			return nil, err
		}
		if len(vs) != 1 {
			return nil, fmt.Errorf("embed the query: got %d vectors", len(vs))
		}
		vec = vs[0]
	default:
		return nil, nodes.Errorf("vector", "give a vector, or a text with an embedder")
	}
	limit, err := c.IntOr("limit", 5)
	if err != nil {
		return nil, err
	}
	if limit <= 0 {
		return nil, nodes.Errorf("limit", "must be positive, got %d", limit)
	}
	body := map[string]any{"vector": vec, "limit": limit, "with_payload": c.Bool("with_payload"), "with_vector": c.Bool("with_vector")}
	if c.Has("score_threshold") && c.Get("score_threshold") != "" {
		th, err := c.Float("score_threshold")
		if err != nil {
			return nil, err
		}
		body["score_threshold"] = th
	}
	f, err := filterOf(c, "filter")
	if err != nil {
		return nil, err
	}
	if f != nil {
		body["filter"] = f
	}
	var hits []map[string]any
	if err := q.Do(ctx, http.MethodPost, collPath(name, "/points/search"), body, &hits); err != nil {
		return nil, fmt.Errorf("search qdrant collection %s: %w", name, err)
	}
	results := make([]any, len(hits))
	for i, h := range hits {
		r := map[string]any{"id": h["id"], "score": h["score"], "payload": h["payload"]}
		if v, ok := h["vector"]; ok && c.Bool("with_vector") {
			r["vector"] = v
		}
		results[i] = r
	}
	out := nodes.Out{"results": results, "top": nil, "count": float64(len(results))}
	if len(results) > 0 {
		out["top"] = results[0]
	}
	return out, nil
}

func deletePoints(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	q, name, err := qdrantCollection(c)
	if err != nil {
		return nil, err
	}
	f, err := filterOf(c, "filter")
	if err != nil {
		return nil, err
	}
	body := map[string]any{}
	switch {
	case c.Has("ids") && f != nil:
		return nil, nodes.Errorf("filter", "give either ids or a filter, not both")
	case c.Has("ids"):
		l, err := c.List("ids")
		if err != nil {
			return nil, err
		}
		if len(l) == 0 {
			return nil, nodes.Errorf("ids", "no ids given")
		}
		ids := make([]any, len(l))
		for i, v := range l {
			if ids[i], err = pointID("ids", i, v); err != nil {
				return nil, err
			}
		}
		body["points"] = ids
	case f != nil:
		body["filter"] = f
	default:
		return nil, nodes.Errorf("ids", "give ids or a filter")
	}
	var res struct {
		Status string `json:"status"`
	}
	if err := q.Do(ctx, http.MethodPost, collPath(name, "/points/delete?wait=true"), body, &res); err != nil {
		return nil, fmt.Errorf("delete points from qdrant collection %s: %w", name, err)
	}
	return nodes.Out{"status": res.Status}, nil
}
