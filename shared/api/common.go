package api

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"polysynergy/shared/store"
)

// registerAll registers every endpoint group. Adding a group here puts its
// operations in the OpenAPI document, the route table and the tenancy test.
func (h *Handler) registerAll() {
	h.registerHealth()
	h.registerMe()
	h.registerTenants()
	h.registerProjects()
	h.registerStages()
	h.registerFlows()
	h.registerTriggers()
	h.registerVersions()
	h.registerPublish()
	h.registerSecrets()
	h.registerEnv()
	h.registerAPIKeys()
	h.registerRuns()
	h.registerExecute()
	h.registerCatalog()
	h.registerBundles()
}

// Path parameter sets.

// TenantPath names a tenant.
type TenantPath struct {
	Tenant string `path:"tenant" doc:"Tenant id (ULID)"`
}

// ProjectPath names a project of a tenant.
type ProjectPath struct {
	Tenant  string `path:"tenant" doc:"Tenant id (ULID)"`
	Project string `path:"project" doc:"Project id (ULID)"`
}

func (p ProjectPath) key() store.ProjectKey {
	return store.ProjectKey{Tenant: p.Tenant, Project: p.Project}
}

// FlowPath names a flow of a project.
type FlowPath struct {
	Tenant  string `path:"tenant" doc:"Tenant id (ULID)"`
	Project string `path:"project" doc:"Project id (ULID)"`
	Flow    string `path:"flow" doc:"Flow id (ULID)"`
}

func (p FlowPath) key() store.FlowKey {
	return store.FlowKey{Tenant: p.Tenant, Project: p.Project, Flow: p.Flow}
}

// PageQuery selects a page of a list.
type PageQuery struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size (1–200)"`
	Cursor string `query:"cursor" maxLength:"2048" doc:"next_cursor of the previous page"`
}

func (q PageQuery) opts() store.ListOptions {
	return store.ListOptions{Limit: q.Limit, Cursor: q.Cursor}
}

// List is one page of a list.
type List[T any] struct {
	Items []T `json:"items" nullable:"false"`
	// NextCursor is given while there are more items.
	NextCursor string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page"`
}

// Out wraps a response body.
type Out[T any] struct {
	Body T
}

// Created wraps a 201 response body.
type Created[T any] struct {
	Body T
}

// Empty is an empty (204) response.
type Empty struct{}

// NoInput is an operation without parameters.
type NoInput struct{}

func ok[T any](v T) (*Out[T], error) { return &Out[T]{Body: v}, nil }

func mapSlice[A, B any](in []A, f func(A) B) []B {
	out := make([]B, 0, len(in))
	for _, a := range in {
		out = append(out, f(a))
	}
	return out
}

// checkName validates a display name field: not blank, ≤ max characters,
// no control characters, nothing invisible or reversing the text (store.Deceptive).
func checkName(location, v string, max int) error {
	switch {
	case strings.TrimSpace(v) == "":
		return invalidField(location, "must not be empty")
	case !utf8.ValidString(v):
		return invalidField(location, "is not valid UTF-8")
	case utf8.RuneCountInString(v) > max:
		return invalidField(location, "longer than %d characters", max)
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return invalidField(location, "contains a control character")
		}
		if store.Deceptive(r) {
			return invalidField(location, "contains an invisible or text-direction character (U+%04X)", r)
		}
	}
	return nil
}

// utc renders a time in UTC (nil for zero).
func utc(t time.Time) time.Time { return t.UTC() }

func utcPtr(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// collect reads every page of a store list.
func collect[T any](ctx context.Context, list func(store.ListOptions) (store.Page[T], error)) ([]T, error) {
	var out []T
	o := store.ListOptions{Limit: store.MaxLimit}
	for {
		p, err := list(o)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o.Cursor = p.Next
	}
}

// statusNoContent is the success status of operations without a body.
const statusNoContent = http.StatusNoContent
