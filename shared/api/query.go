package api

import (
	"net/http"
	"slices"
	"sort"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// refuseUnknownWriteQuery is middleware: a write (any method but GET and HEAD) with a
// query parameter its operation does not declare is refused with 422 naming each such
// parameter, before the operation runs. A write ignoring a parameter the caller meant
// (DELETE …/runs?status=error) could do far more than asked. Reads ignore unknown
// parameters, as HTTP caches and cache-busting clients expect.
func refuseUnknownWriteQuery(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if op == nil || op.Method == http.MethodGet || op.Method == http.MethodHead {
		next(ctx)
		return
	}
	u := ctx.URL()
	q := u.Query()
	if len(q) == 0 {
		next(ctx)
		return
	}
	var known []string
	for _, p := range op.Parameters {
		if p != nil && p.In == "query" {
			known = append(known, p.Name)
		}
	}
	msg := "unknown query parameter: this operation takes no query parameters"
	if len(known) > 0 {
		msg = "unknown query parameter: this operation takes only " + strings.Join(known, ", ")
	}
	var errs []FieldError
	for name := range q {
		if !slices.Contains(known, name) {
			errs = append(errs, FieldError{Location: "query." + name, Message: msg})
		}
	}
	if len(errs) == 0 {
		next(ctx)
		return
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Location < errs[j].Location })
	writeHumaProblem(ctx, invalidFields(errs))
}
