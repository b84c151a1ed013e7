package api

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// jsonWriter is a response body that writes its own JSON: bodies that
// embed a stored flow document copy it as it is instead of having
// encoding/json scan and re-compact it on every read.
type jsonWriter interface {
	writeJSON(w io.Writer) error
}

// jsonFormat is huma's JSON format with the jsonWriter shortcut.
var jsonFormat = huma.Format{
	Marshal: func(w io.Writer, v any) error {
		if jw, ok := v.(jsonWriter); ok {
			return jw.writeJSON(w)
		}
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	},
	Unmarshal: json.Unmarshal,
}

// storedDocument renders a document read from the store. Every stored
// document was validated and compacted when it was written; an empty one
// is null.
func storedDocument(doc json.RawMessage) []byte {
	if len(bytes.TrimSpace(doc)) == 0 {
		return []byte("null")
	}
	return doc
}

// marshalNoEscape is json.Marshal without HTML escaping (as the format
// writes everything else).
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// writeJSON writes the flow's metadata and its draft, copying the document.
func (d FlowDetail) writeJSON(w io.Writer) error {
	meta, err := marshalNoEscape(d.FlowView)
	if err != nil {
		return err
	}
	head := append(meta[:len(meta)-1], `,"draft":{"document":`...)
	tail := []byte(`,"revision":` + strconv.Itoa(d.Draft.Revision) + `,"updated_at":"` +
		d.Draft.UpdatedAt.UTC().Format(time.RFC3339Nano) + "\"}}\n")
	return writeAll(w, head, storedDocument(d.Draft.Document), tail)
}

// writeJSON writes the version's metadata and its document.
func (v VersionDetail) writeJSON(w io.Writer) error {
	meta, err := marshalNoEscape(v.VersionView)
	if err != nil {
		return err
	}
	return writeAll(w, append(meta[:len(meta)-1], `,"document":`...), storedDocument(v.Document), []byte("}\n"))
}

// writeAll writes the parts in order.
func writeAll(w io.Writer, parts ...[]byte) error {
	for _, p := range parts {
		if _, err := w.Write(p); err != nil {
			return err
		}
	}
	return nil
}
