package email

import (
	"strings"
	"testing"

	"polysynergy/shared/nodes"
)

// FuzzAttachments feeds attachment contents and names to the attachment reader: it never
// panics, errors name the port, and accepted attachments have a name and a content type.
func FuzzAttachments(f *testing.F) {
	f.Add("a.txt", "aGVsbG8=", "text/plain")
	f.Add("", "aGVsbG8=", "")
	f.Add("b.bin", "%%%", "")
	f.Fuzz(func(t *testing.T, name, content, ct string) {
		c := &nodes.Call{In: map[string]any{"attachments": []any{map[string]any{"filename": name, "content": content, "content_type": ct}}}}
		atts, err := attachments(c)
		if err != nil {
			if !strings.Contains(err.Error(), `input "attachments"`) {
				t.Fatalf("error %v does not name the port", err)
			}
			return
		}
		if len(atts) != 1 || atts[0].name == "" || atts[0].contentType == "" {
			t.Fatalf("accepted %+v", atts)
		}
	})
}
