package routing

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
)

func TestParsePattern(t *testing.T) {
	tests := []struct {
		in     string
		want   Pattern
		string string // String() of the result
		key    string
	}{
		{"/", Pattern{}, "/", "/"},
		{"/users", Pattern{Static("users")}, "/users", "/users"},
		{"/users/", Pattern{Static("users")}, "/users", "/users"},
		{"/users/{id}", Pattern{Static("users"), Variable("id", TypeString)}, "/users/{id}", "/users/{string}"},
		{"/users/{id:string}", Pattern{Static("users"), Variable("id", TypeString)}, "/users/{id}", "/users/{string}"},
		{
			"/users/{id:uuid}/orders/{n:number}",
			Pattern{Static("users"), Variable("id", TypeUUID), Static("orders"), Variable("n", TypeNumber)},
			"/users/{id:uuid}/orders/{n:number}", "/users/{uuid}/orders/{number}",
		},
		{"/{rest:any}", Pattern{Variable("rest", TypeAny)}, "/{rest:any}", "/{any}"},
		{"/{_x1}/{Y_2:number}", Pattern{Variable("_x1", TypeString), Variable("Y_2", TypeNumber)}, "/{_x1}/{Y_2:number}", "/{string}/{number}"},
		{"/a.b/~c/v1:run/x@y/a-b_c!$&'()*+,;=", Pattern{Static("a.b"), Static("~c"), Static("v1:run"), Static("x@y"), Static("a-b_c!$&'()*+,;=")}, "/a.b/~c/v1:run/x@y/a-b_c!$&'()*+,;=", "/a.b/~c/v1:run/x@y/a-b_c!$&'()*+,;="},
		{"/" + strings.Repeat("a/", MaxSegments-1) + "a", func() Pattern {
			p := make(Pattern, MaxSegments)
			for i := range p {
				p[i] = Static("a")
			}
			return p
		}(), "/" + strings.Repeat("a/", MaxSegments-1) + "a", "/" + strings.Repeat("a/", MaxSegments-1) + "a"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParsePattern(tc.in)
			if err != nil {
				t.Fatalf("ParsePattern(%q) error: %v", tc.in, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("ParsePattern(%q) = %#v, want %#v", tc.in, got, tc.want)
			}
			if s := got.String(); s != tc.string {
				t.Errorf("String() = %q, want %q", s, tc.string)
			}
			if k := got.Key(); k != tc.key {
				t.Errorf("Key() = %q, want %q", k, tc.key)
			}
			again, err := ParsePattern(got.String())
			if err != nil || !reflect.DeepEqual(again, got) {
				t.Errorf("ParsePattern(String()) = %#v, %v; want %#v", again, err, got)
			}
		})
	}
}

func TestParsePatternErrors(t *testing.T) {
	tests := []struct {
		in     string
		index  int
		wantIn string
	}{
		{"", -1, "empty"},
		{"users", -1, "start with /"},
		{"//", 0, "static segment is empty"},
		{"/a//b", 1, "static segment is empty"},
		{"/a/b//", 2, "static segment is empty"},
		{"/{id", 0, "no closing }"},
		{"/{", 0, "no closing }"},
		{"/{}", 0, "variable name is empty"},
		{"/{:uuid}", 0, "variable name is empty"},
		{"/{id:}", 0, "empty type"},
		{"/{id:int}", 0, `type "int"`},
		{"/{id:UUID}", 0, `type "UUID"`},
		{"/{a{b}}", 0, "brace"},
		{"/x/id}", 1, "brace"},
		{"/user-{id}", 0, "fill the whole segment"},
		{"/{id}x", 0, "fill the whole segment"},
		{"/{1id}", 0, "must start with a letter"},
		{"/{a-b}", 0, "must start with a letter"},
		{"/{a b:string}", 0, "must start with a letter"},
		{"/{id:string:x}", 0, `type "string:x"`},
		{"/{" + strings.Repeat("n", MaxVarNameLen+1) + "}", 0, "longer than 64"},
		{"/{id}/x/{id:number}", 2, `"id" is already used by segment 0`},
		{"/a b", 0, `' '`},
		{"/a%20b", 0, `'%'`},
		{"/a?b", 0, `'?'`},
		{"/a#b", 0, `'#'`},
		{"/caf\u00e9", 0, "contains 'é'"},
		{"/x/.", 1, "dot segment"},
		{"/../x", 0, "dot segment"},
		{"/" + strings.Repeat("a/", MaxSegments) + "a", -1, "at most 32"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			p, err := ParsePattern(tc.in)
			var pe *PatternError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePattern(%q) = %#v, %v; want *PatternError", tc.in, p, err)
			}
			if p != nil {
				t.Errorf("pattern on error = %#v, want nil", p)
			}
			if pe.Index != tc.index {
				t.Errorf("Index = %d, want %d (reason %q)", pe.Index, tc.index, pe.Reason)
			}
			if !strings.Contains(pe.Reason, tc.wantIn) {
				t.Errorf("Reason = %q, want it to contain %q", pe.Reason, tc.wantIn)
			}
			if pe.Pattern != tc.in {
				t.Errorf("Pattern = %q, want %q", pe.Pattern, tc.in)
			}
			msg := err.Error()
			if !strings.Contains(msg, pe.Reason) || (tc.index >= 0 && !strings.Contains(msg, "segment ")) {
				t.Errorf("Error() = %q does not carry the segment and reason", msg)
			}
		})
	}
}

func TestValidateSegments(t *testing.T) {
	tests := []struct {
		name   string
		segs   []Segment
		index  int // -2 when valid
		wantIn string
	}{
		{name: "nil is root", segs: nil, index: -2},
		{name: "valid", segs: []Segment{Static("a"), Variable("id", TypeAny)}, index: -2},
		{name: "unknown kind", segs: []Segment{{Kind: "wild", Value: "x"}}, index: 0, wantIn: `kind "wild"`},
		{name: "empty kind", segs: []Segment{Static("a"), {Value: "x"}}, index: 1, wantIn: `kind ""`},
		{name: "static with name", segs: []Segment{{Kind: KindStatic, Value: "a", Name: "n"}}, index: 0, wantIn: "no name or type"},
		{name: "static with type", segs: []Segment{{Kind: KindStatic, Value: "a", Type: TypeUUID}}, index: 0, wantIn: "no name or type"},
		{name: "empty static", segs: []Segment{Static("a"), Static("")}, index: 1, wantIn: "empty"},
		{name: "slash in static", segs: []Segment{Static("a/b")}, index: 0, wantIn: `'/'`},
		{name: "brace in static", segs: []Segment{Static("{x}")}, index: 0, wantIn: `'{'`},
		{name: "non-ASCII letter in static", segs: []Segment{Static("grüße")}, index: 0, wantIn: `contains 'ü'; only ASCII letters`},
		{name: "invalid UTF-8 in static", segs: []Segment{Static("a\xffb")}, index: 0, wantIn: `contains byte 0xff`},
		{name: "variable with value", segs: []Segment{{Kind: KindVariable, Name: "id", Type: TypeString, Value: "x"}}, index: 0, wantIn: "has a value"},
		{name: "missing type", segs: []Segment{{Kind: KindVariable, Name: "id"}}, index: 0, wantIn: `type ""`},
		{name: "bad type", segs: []Segment{Static("a"), Static("b"), Variable("id", "integer")}, index: 2, wantIn: `type "integer"`},
		{name: "bad name", segs: []Segment{Variable("a.b", TypeString)}, index: 0, wantIn: "must start with a letter"},
		{name: "duplicate", segs: []Segment{Variable("x", TypeString), Static("s"), Variable("x", TypeNumber)}, index: 2, wantIn: "already used by segment 0"},
		{name: "too many", segs: make([]Segment, MaxSegments+1), index: -1, wantIn: "at most"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateSegments(tc.segs)
			if tc.index == -2 {
				if err != nil {
					t.Fatalf("ValidateSegments error: %v", err)
				}
				return
			}
			var pe *PatternError
			if !errors.As(err, &pe) {
				t.Fatalf("ValidateSegments = %v, want *PatternError", err)
			}
			if pe.Index != tc.index || !strings.Contains(pe.Reason, tc.wantIn) {
				t.Errorf("error index %d reason %q; want index %d and reason containing %q", pe.Index, pe.Reason, tc.index, tc.wantIn)
			}
			if pe.Pattern != "" {
				t.Errorf("Pattern = %q, want empty from ValidateSegments", pe.Pattern)
			}
		})
	}
}

func TestRouteValidateAndKey(t *testing.T) {
	r := Route{ID: "r1", Method: MethodGet, Segments: mustPattern(t, "/users/{id:uuid}")}
	if err := r.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if k := r.Key(); k != "GET /users/{uuid}" {
		t.Errorf("Key() = %q, want %q", k, "GET /users/{uuid}")
	}
	other := Route{ID: "r2", Method: MethodGet, Segments: mustPattern(t, "/users/{userId:uuid}")}
	if other.Key() != r.Key() {
		t.Errorf("keys differ only by variable name: %q vs %q", other.Key(), r.Key())
	}
	if got := r.Pattern().String(); got != "/users/{id:uuid}" {
		t.Errorf("Pattern().String() = %q", got)
	}
	if k := (Route{Method: MethodAny}).Key(); k != "ANY /" {
		t.Errorf("root Key() = %q, want %q", k, "ANY /")
	}
	for _, m := range []string{"", "get", "CONNECT", "TRACE", "ANY "} {
		err := Route{ID: "x", Method: m}.Validate()
		if err == nil || !strings.Contains(err.Error(), "method") {
			t.Errorf("Validate with method %q = %v, want a method error", m, err)
		}
	}
	bad := Route{ID: "r3", Method: MethodPost, Segments: []Segment{Static("a"), Static("")}}
	err := bad.Validate()
	var pe *PatternError
	if !errors.As(err, &pe) || pe.Index != 1 || !strings.Contains(err.Error(), `"r3"`) {
		t.Errorf("Validate = %v, want a *PatternError for segment 1 naming route r3", err)
	}
}

func TestRouteJSON(t *testing.T) {
	r := Route{ID: "01J", Method: MethodPut, Segments: mustPattern(t, "/users/{id:uuid}/x")}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":"01J","method":"PUT","segments":[{"kind":"static","value":"users"},{"kind":"variable","name":"id","type":"uuid"},{"kind":"static","value":"x"}]}`
	if string(b) != want {
		t.Fatalf("json = %s\nwant %s", b, want)
	}
	var back Route
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("round trip = %#v, want %#v", back, r)
	}
}

func TestRouteDynamoDBAttributes(t *testing.T) {
	r := Route{ID: "01J", Method: MethodGet, Segments: mustPattern(t, "/a/{n:number}")}
	av, err := attributevalue.MarshalMap(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "method", "segments"} {
		if _, ok := av[k]; !ok {
			t.Errorf("attribute %q missing from %v", k, av)
		}
	}
	var back Route
	if err := attributevalue.UnmarshalMap(av, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("round trip = %#v, want %#v", back, r)
	}
}

func mustPattern(t testing.TB, s string) Pattern {
	t.Helper()
	p, err := ParsePattern(s)
	if err != nil {
		t.Fatalf("ParsePattern(%q): %v", s, err)
	}
	return p
}
