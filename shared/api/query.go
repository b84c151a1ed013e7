package api

import (
	"fmt"
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

// refuseRepeatedQuery is middleware: a query parameter that takes one value given more
// than once (?status=error&status=success, ?limit=2&limit=200) is refused with 422 naming
// it; huma used the first and ignored the others, so the answer was not what the caller
// asked for. Parameters that take a list (export's flow) may repeat.
func refuseRepeatedQuery(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if op == nil || ctx.URL().RawQuery == "" {
		next(ctx)
		return
	}
	u := ctx.URL()
	q := u.Query()
	var errs []FieldError
	for _, p := range op.Parameters {
		if p == nil || p.In != "query" || len(q[p.Name]) < 2 || takesList(p) {
			continue
		}
		errs = append(errs, FieldError{Location: "query." + p.Name,
			Message: fmt.Sprintf("is given %d times; give it once", len(q[p.Name]))})
	}
	if len(errs) == 0 {
		next(ctx)
		return
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Location < errs[j].Location })
	writeHumaProblem(ctx, invalidFields(errs))
}

// takesList reports whether a parameter's schema is an array.
func takesList(p *huma.Param) bool {
	return p.Schema != nil && p.Schema.Type == huma.TypeArray
}
