package trigger

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"polysynergy/shared/jsonvalue"
	"polysynergy/shared/urlencoded"
)

// parsedBody is a request body decoded by its content type.
type parsedBody struct {
	raw    []byte         // the decoded body
	json   any            // parsed JSON, nil when the body is not JSON
	form   map[string]any // url-encoded or multipart fields, nil for other bodies
	base64 string         // the canonical base64 text of a binary body
	binary bool           // the body arrived base64-encoded
}

// parseBody decodes req's body: base64 when IsBase64, then JSON, url-encoded or
// multipart form data by content type. A body whose content type claims JSON but
// does not parse is an error; one that only looks like JSON is left unparsed.
func parseBody(req HTTPRequest) (parsedBody, error) {
	var pb parsedBody
	if req.IsBase64 {
		raw, err := decodeBase64(req.Body)
		if err != nil {
			return pb, fieldErr("body", "is_base64 is set but the body is not valid base64: %v", err)
		}
		pb.raw, pb.binary = raw, true
		pb.base64 = base64.StdEncoding.EncodeToString(raw)
	} else {
		pb.raw = []byte(req.Body)
	}
	ct := req.Header("content-type")
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		mt, _, _ = strings.Cut(ct, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
		params = nil
	}
	switch {
	case isJSONType(mt):
		if len(bytes.TrimSpace(pb.raw)) == 0 {
			return pb, nil
		}
		var err error
		if pb.json, err = jsonvalue.Unmarshal(pb.raw); err != nil {
			return pb, fieldErr("body", "content-type %s but the body is not valid JSON: %v", mt, err)
		}
	case mt == "application/x-www-form-urlencoded":
		pb.form = map[string]any{}
		for k, vs := range urlencoded.Parse(string(pb.raw)) {
			for _, v := range vs {
				addFormValue(pb.form, k, v)
			}
		}
	case mt == "multipart/form-data":
		boundary := params["boundary"]
		if boundary == "" {
			return pb, fieldErr("headers", "content-type multipart/form-data has no boundary parameter")
		}
		form, err := parseMultipart(pb.raw, boundary)
		if err != nil {
			return pb, fieldErr("body", "content-type multipart/form-data but the body is not valid: %v", err)
		}
		pb.form = form
	default:
		trimmed := bytes.TrimSpace(pb.raw)
		if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
			if v, err := jsonvalue.Unmarshal(trimmed); err == nil {
				pb.json = v
			}
		}
	}
	return pb, nil
}

// isJSONType reports whether a media type announces JSON.
func isJSONType(mt string) bool {
	return mt == "application/json" || mt == "text/json" || strings.HasSuffix(mt, "+json")
}

// decodeBase64 accepts standard base64 with or without padding, and the URL-safe
// alphabet; line breaks are ignored.
func decodeBase64(s string) ([]byte, error) {
	s = strings.NewReplacer("\r", "", "\n", "").Replace(strings.TrimSpace(s))
	b, err := base64.StdEncoding.DecodeString(s)
	if err == nil {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err2 := enc.DecodeString(s); err2 == nil {
			return b, nil
		}
	}
	return nil, err
}

// addFormValue adds one value; a repeated key turns into a list.
func addFormValue(form map[string]any, key string, v any) {
	prev, ok := form[key]
	if !ok {
		form[key] = v
		return
	}
	if l, isList := prev.([]any); isList {
		form[key] = append(l, v)
		return
	}
	form[key] = []any{prev, v}
}

// parseMultipart reads multipart/form-data fields as strings and files as
// {filename, content_type, size, base64}.
func parseMultipart(raw []byte, boundary string) (map[string]any, error) {
	form := map[string]any{}
	if len(bytes.TrimSpace(raw)) == 0 {
		return form, nil
	}
	mr := multipart.NewReader(bytes.NewReader(raw), boundary)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return form, nil
		}
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(p)
		if err != nil {
			return nil, err
		}
		name := p.FormName()
		if name == "" {
			continue
		}
		if fn := p.FileName(); fn != "" {
			ct := p.Header.Get("Content-Type")
			if ct == "" {
				ct = "application/octet-stream"
			}
			addFormValue(form, name, map[string]any{
				"filename":     fn,
				"content_type": ct,
				"size":         float64(len(data)),
				"base64":       base64.StdEncoding.EncodeToString(data),
			})
			continue
		}
		addFormValue(form, name, string(data))
	}
}
