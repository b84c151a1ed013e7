package data

import (
	"context"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

// nodeCase is one table-driven run of a node type.
type nodeCase struct {
	name   string
	id     string
	in     map[string]any
	values map[string]any // the node's literal values (dynamic rows)
	// want lists outputs that must equal exactly (after nodes.Normalize).
	want nodes.Out
	// absent lists outputs that must not be emitted (the branch not taken).
	absent []string
	// errPort and errText describe the expected error: an InputError for errPort whose
	// message contains errText.
	errPort string
	errText string
	check   func(t *testing.T, out nodes.Out)
}

// allCases gathers every family table.
func allCases() []nodeCase {
	var all []nodeCase
	for _, group := range [][]nodeCase{objectCases(), listCases(), jsonCases(), csvCases(), xmlCases(), encodingCases(),
		cryptoCases(), dateCases(), dstGapCases(), dstDiffCases()} {
		all = append(all, group...)
	}
	return all
}

func newRegistry(t testing.TB) *nodes.Registry {
	t.Helper()
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	return r
}

func runNode(t *testing.T, r *nodes.Registry, id string, in, values map[string]any) (nodes.Out, error) {
	t.Helper()
	typ, ok := r.Lookup(id)
	if !ok {
		t.Fatalf("node type %s is not registered", id)
	}
	out, err, _ := nodetest.Run(context.Background(), typ, in, nodetest.Options{Values: values})
	return out, err
}

func TestNodes(t *testing.T) {
	r := newRegistry(t)
	for _, tc := range allCases() {
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			before := nodes.Clone(tc.in)
			out, err := runNode(t, r, tc.id, tc.in, tc.values)
			if !reflect.DeepEqual(before, nodes.Clone(tc.in)) {
				t.Fatalf("the node changed its inputs:\nbefore %#v\nafter  %#v", before, tc.in)
			}
			if tc.errPort != "" || tc.errText != "" {
				if err == nil {
					t.Fatalf("want an error about %q containing %q, got outputs %#v", tc.errPort, tc.errText, out)
				}
				var ie *nodes.InputError
				if tc.errPort != "" && (!errors.As(err, &ie) || ie.Port != tc.errPort) {
					t.Fatalf("error %q does not name port %q", err, tc.errPort)
				}
				if !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("error %q does not contain %q", err, tc.errText)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			for k, w := range tc.want {
				g, ok := out[k]
				if !ok {
					t.Errorf("output %q missing (outputs %#v)", k, out)
					continue
				}
				if !reflect.DeepEqual(nodes.Normalize(g), nodes.Normalize(w)) {
					t.Errorf("output %q = %#v, want %#v", k, g, w)
				}
			}
			for _, k := range tc.absent {
				if v, ok := out[k]; ok {
					t.Errorf("output %q = %#v, want it absent", k, v)
				}
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}
}

// allowedCategories are the palette sections this family uses.
func allowedCategories() map[string]bool {
	return map[string]bool{catData: true, catJSON: true, catEncoding: true, catCrypto: true, catDate: true}
}

func TestRegisterFamily(t *testing.T) {
	r := newRegistry(t)
	if r.Len() < 60 {
		t.Fatalf("registered %d node types, want at least 60", r.Len())
	}
	covered := map[string]bool{}
	for _, tc := range allCases() {
		covered[tc.id] = true
	}
	var missing []string
	for _, typ := range r.Types() {
		if !allowedCategories()[typ.Category] {
			t.Errorf("%s: category %q is not one of the family's", typ.ID, typ.Category)
		}
		if typ.Icon == "" || typ.Name == "" || len(typ.Doc) < 60 || !strings.Contains(typ.Doc, "xample") {
			t.Errorf("%s: needs a name, an icon and documentation with an example", typ.ID)
		}
		switch typ.Family() {
		case "data", "list", "json", "csv", "xml", "encoding", "crypto", "id", "date":
		default:
			t.Errorf("%s: unexpected family %q", typ.ID, typ.Family())
		}
		for _, p := range append(append([]nodes.Port{}, typ.Inputs...), typ.Outputs...) {
			if p.Doc == "" {
				t.Errorf("%s: port %q has no documentation", typ.ID, p.Name)
			}
		}
		for _, p := range typ.Inputs {
			if p.Default != nil {
				switch p.Type {
				case nodes.Number, nodes.Integer:
					if _, ok := p.Default.(float64); !ok {
						t.Errorf("%s: default of %q must be a float64, got %T", typ.ID, p.Name, p.Default)
					}
				}
				if len(p.Options) > 0 && !contains(p.Options, nodes.ToString(p.Default)) {
					t.Errorf("%s: default %v of %q is not one of its options", typ.ID, p.Default, p.Name)
				}
			}
		}
		if !covered[typ.ID] {
			missing = append(missing, typ.ID)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("node types without a test case: %v", missing)
	}
	for id := range covered {
		if _, ok := r.Lookup(id); !ok {
			t.Errorf("test cases name %s, which is not registered", id)
		}
	}
	if err := Register(r); err == nil {
		t.Error("registering the family twice should fail on duplicate ids")
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestNodeIDs prints the catalogue as a sanity check of the id list.
func TestNodeIDs(t *testing.T) {
	r := newRegistry(t)
	ids := map[string]int{}
	for _, typ := range r.Types() {
		ids[typ.Family()]++
	}
	for _, fam := range []string{"data", "list", "json", "csv", "encoding", "crypto", "id", "date"} {
		if ids[fam] == 0 {
			t.Errorf("family %s has no node types", fam)
		}
	}
}
