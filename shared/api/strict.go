package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// strictDecode decodes a request body read as RawBody into v, refusing
// unknown fields, wrong types, duplicate names and trailing data with a
// problem naming the field (422), or 400 for malformed JSON. It is used for
// the large bodies (flow documents) huma's generic validation would parse
// several times; member names match exactly.
func strictDecode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return newProblem(http.StatusBadRequest, TypeValidation, "a JSON request body is required",
			FieldError{Location: "body", Message: "is required"})
	}
	if err := jsonv2.Unmarshal(data, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return bodyProblem(err)
	}
	return nil
}

func bodyProblem(err error) error {
	var sem *jsonv2.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &syn):
		msg := syn.Err.Error()
		switch {
		case errors.Is(syn.Err, io.ErrUnexpectedEOF):
			msg = "the body ends early"
		case strings.Contains(msg, "after top-level value"):
			return invalidField("body", "unexpected data after the JSON value")
		}
		msg = fmt.Sprintf("%s (at byte %d)", msg, syn.ByteOffset)
		return newProblem(http.StatusBadRequest, TypeValidation, "the body is not valid JSON: "+msg,
			FieldError{Location: bodyLocation(string(syn.JSONPointer)), Message: msg})
	case errors.As(err, &sem):
		loc := bodyLocation(string(sem.JSONPointer))
		switch {
		case errors.Is(sem.Err, jsonv2.ErrUnknownName):
			return invalidField(loc, "unknown field")
		case sem.GoType != nil:
			return invalidField(loc, "expected %s, got %s", jsonTypeOf(sem.GoType), jsonKindName(sem.JSONKind))
		}
		return invalidField(loc, "%v", sem.Err)
	}
	return invalidField("body", "%v", err)
}

// bodyLocation turns a JSON pointer into a field location: /document/nodes/0
// becomes body.document.nodes[0].
func bodyLocation(ptr string) string {
	var b strings.Builder
	b.WriteString("body")
	if ptr == "" {
		return b.String()
	}
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
		if _, err := strconv.Atoi(tok); err == nil {
			b.WriteString("[" + tok + "]")
			continue
		}
		b.WriteString("." + tok)
	}
	return b.String()
}

// jsonTypeOf names the JSON type a Go type decodes from, as problems say it.
func jsonTypeOf(t reflect.Type) string {
	if t.Implements(reflect.TypeFor[jsonv2.Unmarshaler]()) || reflect.PointerTo(t).Implements(reflect.TypeFor[jsonv2.Unmarshaler]()) {
		return "a JSON value"
	}
	switch t.Kind() {
	case reflect.Pointer:
		return jsonTypeOf(t.Elem())
	case reflect.Struct, reflect.Map:
		return "object"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			if t == reflect.TypeFor[json.RawMessage]() {
				return "a JSON value"
			}
			return "string"
		}
		return "array"
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	}
	return "a JSON value"
}

// jsonKindName names the kind of JSON value that was sent.
func jsonKindName(k jsontext.Kind) string {
	switch k {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case '0':
		return "number"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "nothing"
}
