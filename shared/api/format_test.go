package api

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestWriteJSONMatchesEncodingJSON: the shortcut writers produce what
// encoding/json would.
func TestWriteJSONMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2030, 1, 2, 3, 4, 5, 600, time.UTC)
	doc := chainDoc(t, 3, "w")
	for _, v := range []jsonWriter{
		FlowDetail{FlowView: FlowView{ID: "F", Project: "P", Kind: "route", Name: `a "quoted" <name>`, RunSaving: "all",
			Retention: 3, LatestVersion: 2, CreatedAt: at, UpdatedAt: at}, Draft: DraftView{Document: doc, Revision: 7, UpdatedAt: at}},
		FlowDetail{Draft: DraftView{}},
		VersionDetail{VersionView: VersionView{Number: 2, Hash: "h", Author: "me", Message: "m&m", CreatedAt: at}, Document: doc},
	} {
		var got bytes.Buffer
		if err := jsonFormat.Marshal(&got, v); err != nil {
			t.Fatal(err)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("writeJSON:\n%s\nencoding/json:\n%s", got.String(), want.String())
		}
	}
}
