package nodes

import (
	"fmt"
	"sort"
)

// Registry holds node types by id. It is filled once at start-up and read concurrently after.
type Registry struct {
	types map[string]*Type
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{types: map[string]*Type{}} }

// Register adds node types, filling in their implicit ports. It fails on a malformed
// declaration or an id registered twice.
func (r *Registry) Register(types ...*Type) error {
	for _, t := range types {
		if err := t.normalize(); err != nil {
			return fmt.Errorf("register node type: %w", err)
		}
		if _, dup := r.types[t.ID]; dup {
			return fmt.Errorf("register node type %s: already registered", t.ID)
		}
		r.types[t.ID] = t
	}
	return nil
}

// MustRegister is Register for start-up code, where a bad declaration is a programming error.
func (r *Registry) MustRegister(types ...*Type) {
	if err := r.Register(types...); err != nil {
		panic(err)
	}
}

// Lookup finds a node type by id.
func (r *Registry) Lookup(id string) (*Type, bool) {
	t, ok := r.types[id]
	return t, ok
}

// Len is the number of registered types.
func (r *Registry) Len() int { return len(r.types) }

// Types lists every type ordered by category, then id.
func (r *Registry) Types() []*Type {
	out := make([]*Type, 0, len(r.types))
	for _, t := range r.types {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Category != out[j].Category {
			return out[i].Category < out[j].Category
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Catalog is the registry as the editor's palette reads it: categories with their types.
type Catalog struct {
	Count      int               `json:"count"`
	Categories []CatalogCategory `json:"categories"`
}

// CatalogCategory is one palette section.
type CatalogCategory struct {
	Name  string  `json:"name"`
	Types []*Type `json:"types"`
}

// Catalog groups the registered types by category.
func (r *Registry) Catalog() Catalog {
	c := Catalog{Count: len(r.types)}
	for _, t := range r.Types() {
		if n := len(c.Categories); n == 0 || c.Categories[n-1].Name != t.Category {
			c.Categories = append(c.Categories, CatalogCategory{Name: t.Category})
		}
		last := &c.Categories[len(c.Categories)-1]
		last.Types = append(last.Types, t)
	}
	return c
}
