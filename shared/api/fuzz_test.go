package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"polysynergy/shared/flow"
	"polysynergy/shared/store"
)

// FuzzSuggestSlug: whatever the name, the suggestion is a valid slug.
func FuzzSuggestSlug(f *testing.F) {
	for _, s := range []string{"My Project", "Ünïcödé", "--a--b--", "", "日本語のプロジェクト", strings.Repeat("ab-", 30), "a_b c.d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		s := SuggestSlug(name)
		if err := store.ValidateSlug(s); err != nil {
			t.Fatalf("SuggestSlug(%q) = %q: %v", name, s, err)
		}
		if err := checkSlug("slug", s); err != nil {
			t.Fatalf("SuggestSlug(%q) = %q: %v", name, s, err)
		}
		if w := withSuffix(s, "2"); store.ValidateSlug(w) != nil {
			t.Fatalf("withSuffix(%q) = %q is invalid", s, w)
		}
	})
}

// FuzzStrictDecode: a save-draft body either decodes or is a problem
// naming a location under body; it never panics.
func FuzzStrictDecode(f *testing.F) {
	for _, s := range []string{
		`{"document":{"schema":"polysynergy/flow@1","nodes":[],"connections":[]},"revision":1}`,
		`{"document":null,"revision":"x"}`, `{"extra":1}`, `[]`, `{"revision":1} {}`, `{`, ``, `{"force":true,"revision":2e3}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var b SaveDraftBody
		err := strictDecode(data, &b)
		if err == nil {
			return
		}
		var p *Problem
		if !errors.As(err, &p) {
			t.Fatalf("error %v is not a problem", err)
		}
		if p.Status != http.StatusBadRequest && p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", p.Status)
		}
		if len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Location, "body") {
			t.Fatalf("problem %+v names no body location", p)
		}
	})
}

// FuzzDiffDocuments: diffing any two decodable documents never panics,
// a document equals itself, and added/removed swap when the sides do.
func FuzzDiffDocuments(f *testing.F) {
	a := `{"schema":"polysynergy/flow@1","nodes":[{"id":"a","handle":"a","type":"debug.log","position":{"x":0,"y":0}}],"connections":[]}`
	b := `{"schema":"polysynergy/flow@1","nodes":[{"id":"a","handle":"a","type":"debug.log","position":{"x":1,"y":0},"values":{"message":"x"}},{"id":"b","handle":"b","type":"debug.log","position":{"x":0,"y":0}}],"connections":[{"id":"c","from":{"node":"a","port":"true_path"},"to":{"node":"b","port":"node"}}]}`
	f.Add([]byte(a), []byte(b))
	f.Add([]byte(b), []byte(b))
	f.Add([]byte(a), []byte(`{"schema":"polysynergy/flow@1","nodes":[],"connections":[{"from":{"node":"x","port":"p"},"to":{"node":"y","port":"q"}}]}`))
	f.Fuzz(func(t *testing.T, ra, rb []byte) {
		da, err := flow.Decode(ra)
		if err != nil {
			return
		}
		db, err := flow.Decode(rb)
		if err != nil {
			return
		}
		if d := DiffDocuments(da, da); !d.Same && len(uniqueIDs(da)) == len(da.Nodes) && uniqueConns(da) {
			t.Fatalf("a document differs from itself: %+v", d)
		}
		ab, ba := DiffDocuments(da, db), DiffDocuments(db, da)
		if len(ab.Nodes.Added) != len(ba.Nodes.Removed) || len(ab.Nodes.Removed) != len(ba.Nodes.Added) {
			if len(uniqueIDs(da)) == len(da.Nodes) && len(uniqueIDs(db)) == len(db.Nodes) {
				t.Fatalf("asymmetric diff: %+v vs %+v", ab.Nodes, ba.Nodes)
			}
		}
		if _, err := json.Marshal(ab); err != nil {
			t.Fatal(err)
		}
	})
}

func uniqueIDs(d *flow.Document) map[string]bool {
	m := map[string]bool{}
	for _, n := range d.Nodes {
		m[n.ID] = true
	}
	return m
}

func uniqueConns(d *flow.Document) bool {
	seen := map[string]bool{}
	for _, c := range d.Connections {
		k := c.ID + "|" + connRef(c).From + ">" + connRef(c).To
		if c.ID != "" {
			k = c.ID
		}
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}

// FuzzRequestID: only safe ids are echoed.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"abc-123", "", "a b", "<x>", strings.Repeat("z", 200), "ümlaut"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if !validRequestID(id) {
			return
		}
		if len(id) > 128 || !utf8.ValidString(id) || strings.ContainsAny(id, " \r\n\t<>\"'") {
			t.Fatalf("unsafe id %q accepted", id)
		}
	})
}
