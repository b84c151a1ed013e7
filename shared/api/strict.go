package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// strictDecode decodes a request body read as RawBody into v, refusing
// unknown fields, wrong types and trailing data with a problem naming the
// field (422), or 400 for malformed JSON.
func strictDecode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return newProblem(http.StatusBadRequest, TypeValidation, "a JSON request body is required",
			FieldError{Location: "body", Message: "is required"})
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyProblem(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return invalidField("body", "unexpected data after the JSON value")
	}
	return nil
}

func bodyProblem(err error) error {
	var ute *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &ute):
		loc := "body"
		if ute.Field != "" {
			loc += "." + ute.Field
		}
		return invalidField(loc, "expected %s, got %s", ute.Type.String(), ute.Value)
	case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
		return newProblem(http.StatusBadRequest, TypeValidation, "the body is not valid JSON: "+err.Error(),
			FieldError{Location: "body", Message: err.Error()})
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return invalidField("body."+strings.Trim(name, `"`), "unknown field")
	}
	return invalidField("body", "%v", err)
}
