package variables

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

func lookup(t *testing.T, id string) *nodes.Type {
	t.Helper()
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	typ, ok := r.Lookup(id)
	if !ok {
		t.Fatalf("type %s not registered", id)
	}
	return typ
}

var covered = []string{"variable.boolean", "variable.constant", "variable.env", "variable.number", "variable.secret",
	"variable.store", "variable.store_get", "variable.store_set", "variable.string"}

func TestFamilyDeclarations(t *testing.T) {
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatalf("Register: %v", err)
	}
	var ids []string
	for _, typ := range r.Types() {
		ids = append(ids, typ.ID)
		if typ.Category != category || strings.TrimSpace(typ.Doc) == "" || typ.Icon == "" {
			t.Errorf("%s: category %q, doc %d chars, icon %q", typ.ID, typ.Category, len(typ.Doc), typ.Icon)
		}
		for _, p := range append(append([]nodes.Port{}, typ.Inputs...), typ.Outputs...) {
			if p.Doc == "" {
				t.Errorf("%s: port %s has no doc", typ.ID, p.Name)
			}
		}
	}
	sort.Strings(ids)
	if !reflect.DeepEqual(ids, covered) {
		t.Fatalf("registered %v, tests cover %v", ids, covered)
	}
	st, _ := r.Lookup("variable.store")
	out, ok := st.Output("store")
	if st.Service != ServiceKind || !ok || out.Type != nodes.ServiceType("kv") {
		t.Fatalf("variable.store: service %q, store port %+v", st.Service, out)
	}
	for _, id := range []string{"variable.store_set", "variable.store_get"} {
		typ, _ := r.Lookup(id)
		in, ok := typ.Input("store")
		if !ok || in.Type != nodes.ServiceType("kv") || !nodes.Compatible(out.Type, in.Type) {
			t.Errorf("%s: store input %+v cannot take the store output", id, in)
		}
	}
}

type valueCase struct {
	name    string
	in      map[string]any
	want    any
	errPort string
}

func runValueCases(t *testing.T, id string, cases []valueCase) {
	t.Helper()
	typ := lookup(t, id)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{})
			if tc.errPort != "" {
				var ie *nodes.InputError
				if !errors.As(err, &ie) || ie.Port != tc.errPort {
					t.Fatalf("error %v: want an input error on %q", err, tc.errPort)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if !reflect.DeepEqual(out["value"], tc.want) {
				t.Fatalf("value = %#v, want %#v", out["value"], tc.want)
			}
		})
	}
}

func TestConstant(t *testing.T) {
	runValueCases(t, "variable.constant", []valueCase{
		{name: "object", in: map[string]any{"value": map[string]any{"vat": 0.21}}, want: map[string]any{"vat": 0.21}},
		{name: "list", in: map[string]any{"value": []any{"a"}}, want: []any{"a"}},
		{name: "nothing", in: map[string]any{}, want: nil},
	})
}

func TestString(t *testing.T) {
	runValueCases(t, "variable.string", []valueCase{
		{name: "text", in: map[string]any{"value": "orders-prod"}, want: "orders-prod"},
		{name: "number", in: map[string]any{"value": 2.5}, want: "2.5"},
		{name: "object as json", in: map[string]any{"value": map[string]any{"a": true}}, want: `{"a":true}`},
		{name: "nothing is empty", in: map[string]any{}, want: ""},
	})
}

func TestNumber(t *testing.T) {
	runValueCases(t, "variable.number", []valueCase{
		{name: "number", in: map[string]any{"value": 25.0}, want: 25.0},
		{name: "numeric string", in: map[string]any{"value": " 4.5 "}, want: 4.5},
		{name: "default zero", in: map[string]any{}, want: 0.0},
		{name: "text fails", in: map[string]any{"value": "many"}, errPort: "value"},
		{name: "list fails", in: map[string]any{"value": []any{}}, errPort: "value"},
	})
}

func TestBoolean(t *testing.T) {
	runValueCases(t, "variable.boolean", []valueCase{
		{name: "true", in: map[string]any{"value": true}, want: true},
		{name: "default false", in: map[string]any{}, want: false},
		{name: "yes", in: map[string]any{"value": "Yes"}, want: true},
		{name: "off", in: map[string]any{"value": "off"}, want: false},
		{name: "one", in: map[string]any{"value": 1.0}, want: true},
		{name: "zero", in: map[string]any{"value": 0.0}, want: false},
		{name: "two fails", in: map[string]any{"value": 2.0}, errPort: "value"},
		{name: "word fails", in: map[string]any{"value": "banana"}, errPort: "value"},
		{name: "object fails", in: map[string]any{"value": map[string]any{}}, errPort: "value"},
	})
}

// failingHost answers Env and Secret with an outage.
type failingHost struct{ nodetest.Host }

var errOutage = errors.New("parameter store unavailable")

func (*failingHost) Env(context.Context, string) (string, error)    { return "", errOutage }
func (*failingHost) Secret(context.Context, string) (string, error) { return "", errOutage }

func TestEnvAndSecret(t *testing.T) {
	host := &nodetest.Host{EnvVars: map[string]string{"API_BASE_URL": "https://api.example.com"},
		Secrets: map[string]string{"STRIPE_KEY": "sk_live_1"}}
	cases := []struct {
		id      string
		key     any
		want    string
		errPort string
		errText []string
	}{
		{id: "variable.env", key: "API_BASE_URL", want: "https://api.example.com"},
		{id: "variable.env", key: " API_BASE_URL ", want: "https://api.example.com"},
		{id: "variable.env", key: "MISSING", errPort: "key", errText: []string{`"MISSING"`, `stage "mock"`}},
		{id: "variable.env", key: "", errPort: "key", errText: []string{"required"}},
		{id: "variable.secret", key: "STRIPE_KEY", want: "sk_live_1"},
		{id: "variable.secret", key: "NOPE", errPort: "key", errText: []string{`"NOPE"`, `stage "mock"`}},
		{id: "variable.secret", key: nil, errPort: "key", errText: []string{"required"}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s %v", tc.id, tc.key), func(t *testing.T) {
			out, err, _ := nodetest.Run(context.Background(), lookup(t, tc.id), map[string]any{"key": tc.key}, nodetest.Options{Host: host})
			if tc.errPort != "" {
				var ie *nodes.InputError
				if !errors.As(err, &ie) || ie.Port != tc.errPort {
					t.Fatalf("error %v: want an input error on %q", err, tc.errPort)
				}
				for _, s := range tc.errText {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not mention %s", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if out["value"] != tc.want {
				t.Fatalf("value = %#v, want %q", out["value"], tc.want)
			}
		})
	}
	// a resolver outage is reported as such, wrapped, not as a missing key
	for _, id := range []string{"variable.env", "variable.secret"} {
		typ := lookup(t, id)
		c := &nodes.Call{Type: typ, In: map[string]any{"key": "K"}, Host: &failingHost{}, Run: &nodes.RunInfo{Stage: "prod"}}
		_, err := typ.Run(context.Background(), c)
		var ie *nodes.InputError
		if !errors.Is(err, errOutage) || errors.As(err, &ie) || !strings.Contains(err.Error(), `"K"`) {
			t.Errorf("%s with a failing resolver: %v", id, err)
		}
		c.Host = nil
		if _, err := typ.Run(context.Background(), c); err == nil || !strings.Contains(err.Error(), `"prod"`) {
			t.Errorf("%s without a host: %v", id, err)
		}
	}
}

// newStore runs variable.store and returns the instance it provides.
func newStore(t *testing.T, in map[string]any) *Store {
	t.Helper()
	out, err, _ := nodetest.Run(context.Background(), lookup(t, "variable.store"), in, nodetest.Options{})
	if err != nil {
		t.Fatalf("variable.store: %v", err)
	}
	s, ok := out["store"].(*Store)
	if !ok {
		t.Fatalf("store output is %T, want *Store", out["store"])
	}
	return s
}

func TestStore(t *testing.T) {
	a := newStore(t, nil)
	b := newStore(t, map[string]any{"initial": map[string]any{"count": 1.0, "tags": []any{"x"}}})
	if a == b {
		t.Fatal("two runs of variable.store share an instance")
	}
	if a.Len() != 0 || a.Describe() != "<kv store: 0 keys>" {
		t.Fatalf("fresh store: %d keys, %q", a.Len(), a.Describe())
	}
	if !reflect.DeepEqual(b.Keys(), []string{"count", "tags"}) || b.Describe() != "<kv store: 2 keys>" {
		t.Fatalf("seeded store keys %v, %q", b.Keys(), b.Describe())
	}
	if _, err, _ := nodetest.Run(context.Background(), lookup(t, "variable.store"), map[string]any{"initial": "x"}, nodetest.Options{}); err == nil {
		t.Fatal("initial that is not an object: no error")
	} else if ie := (*nodes.InputError)(nil); !errors.As(err, &ie) || ie.Port != "initial" {
		t.Fatalf("initial error %v does not name the port", err)
	}

	set, get := lookup(t, "variable.store_set"), lookup(t, "variable.store_get")
	steps := []struct {
		name    string
		typ     *nodes.Type
		in      map[string]any
		want    nodes.Out
		errPort string
	}{
		{"get missing gives default", get, map[string]any{"store": a, "key": "count", "default": 0.0}, nodes.Out{"value": 0.0, "found": false}, ""},
		{"set new", set, map[string]any{"store": a, "key": "count", "value": 1.0}, nodes.Out{"value": 1.0, "previous": nil}, ""},
		{"get it", get, map[string]any{"store": a, "key": "count", "default": 0.0}, nodes.Out{"value": 1.0, "found": true}, ""},
		{"overwrite", set, map[string]any{"store": a, "key": "count", "value": 2.0}, nodes.Out{"value": 2.0, "previous": 1.0}, ""},
		{"store null", set, map[string]any{"store": a, "key": "none"}, nodes.Out{"value": nil, "previous": nil}, ""},
		{"null is found", get, map[string]any{"store": a, "key": "none", "default": "d"}, nodes.Out{"value": nil, "found": true}, ""},
		{"seeded value", get, map[string]any{"store": b, "key": "tags"}, nodes.Out{"value": []any{"x"}, "found": true}, ""},
		{"set without store", set, map[string]any{"key": "k", "value": 1.0}, nil, "store"},
		{"get from a non-store", get, map[string]any{"store": map[string]any{}, "key": "k"}, nil, "store"},
		{"nil store pointer", get, map[string]any{"store": (*Store)(nil), "key": "k"}, nil, "store"},
		{"set without key", set, map[string]any{"store": a, "value": 1.0}, nil, "key"},
		{"get blank key", get, map[string]any{"store": a, "key": "  "}, nil, "key"},
	}
	for _, st := range steps {
		out, err, _ := nodetest.Run(context.Background(), st.typ, st.in, nodetest.Options{})
		if st.errPort != "" {
			var ie *nodes.InputError
			if !errors.As(err, &ie) || ie.Port != st.errPort {
				t.Fatalf("%s: error %v, want an input error on %q", st.name, err, st.errPort)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !reflect.DeepEqual(out, st.want) {
			t.Fatalf("%s: got %#v, want %#v", st.name, out, st.want)
		}
	}
	if v, _ := b.Get("count"); v != 1.0 {
		t.Fatalf("writes to one store leaked into another: b.count = %v", v)
	}
}

func TestStoreCopies(t *testing.T) {
	s := NewStore()
	in := map[string]any{"list": []any{1.0}}
	s.Set("k", in)
	in["list"].([]any)[0] = 99.0
	got, _ := s.Get("k")
	got.(map[string]any)["added"] = true
	again, _ := s.Get("k")
	if !reflect.DeepEqual(again, map[string]any{"list": []any{1.0}}) {
		t.Fatalf("stored value changed through a caller's copy: %#v", again)
	}
	if !s.Delete("k") || s.Delete("k") || s.Len() != 0 {
		t.Fatal("Delete did not report presence correctly")
	}
	var _ KV = s
}

func TestStoreConcurrent(t *testing.T) {
	s := NewStore()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				k := fmt.Sprintf("k%d", (i*100+j)%50)
				s.Set(k, float64(j))
				s.Get(k)
				_ = s.Keys()
			}
		})
	}
	wg.Wait()
	if s.Len() != 50 {
		t.Fatalf("Len = %d, want 50", s.Len())
	}
}
