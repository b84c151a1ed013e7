package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/go-json-experiment/json/jsontext"
)

// refuseBadJSONText is middleware: a JSON request body that is not valid UTF-8, or
// names an object member twice, is refused with 400 at the member before huma reads it.
// huma decodes bodies with encoding/json, which turns invalid bytes into U+FFFD and
// keeps the last of two members of the same name, so such a body was stored changed
// (a Latin-1 "café" as "caf\ufffd") or read differently from what a stricter reader of
// the same body sees. Operations that decode their raw body themselves (strictDecode)
// already refuse both and are passed through; other syntax errors are left to huma. A
// leading byte order mark is dropped.
func refuseBadJSONText(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if op == nil || op.RequestBody == nil || op.SkipValidateBody || !jsonMediaType(ctx.Header("Content-Type")) {
		next(ctx)
		return
	}
	body := ctx.BodyReader()
	if body == nil {
		next(ctx)
		return
	}
	limit := op.MaxBodyBytes
	if limit <= 0 {
		limit = MaxDocumentBody
	}
	data, err := io.ReadAll(io.LimitReader(body, limit))
	var rest io.Reader = body
	if err != nil {
		rest = errReader{err}
	}
	if err == nil && int64(len(data)) < limit {
		// a byte order mark, which RFC 8259 lets a reader ignore (Windows PowerShell's
		// Out-File writes one), is dropped rather than refused as "invalid character 'ï'"
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		if p := jsonTextProblem(data); p != nil {
			writeHumaProblem(ctx, p)
			return
		}
	}
	// huma reads the body again (and applies its own size limit and errors)
	next(&replayContext{inner: ctx, body: io.MultiReader(bytes.NewReader(data), rest)})
}

// jsonTextProblem returns the problem with the first JSON value in data when it holds
// invalid UTF-8 or a duplicate member name, or nil.
func jsonTextProblem(data []byte) *Problem {
	_, err := jsontext.NewDecoder(bytes.NewReader(data)).ReadValue()
	var syn *jsontext.SyntacticError
	if err == nil || !errors.As(err, &syn) {
		return nil
	}
	if !errors.Is(syn.Err, jsontext.ErrDuplicateName) && syn.Err.Error() != "invalid UTF-8" {
		return nil
	}
	p, ok := bodyProblem(err).(*Problem)
	if !ok {
		return nil
	}
	return p
}

// jsonMediaType reports whether a Content-Type is read as JSON (none counts as JSON,
// as huma assumes).
func jsonMediaType(ct string) bool {
	if strings.TrimSpace(ct) == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// replayContext is a huma.Context whose body is read again from the start.
type replayContext struct {
	inner
	body io.Reader
}

// inner is huma.Context under a name that does not clash with its Context method.
type inner = huma.Context

func (c *replayContext) BodyReader() io.Reader { return c.body }

// Unwrap lets humago.Unwrap reach the request.
func (c *replayContext) Unwrap() huma.Context { return c.inner }

// errReader fails every read with err.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
