package expr_test

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"polysynergy/shared/expr"
)

// Text functions read null as "", as upper/lower and the Text nodes do.
func TestTextFunctionsReadNullAsEmpty(t *testing.T) {
	vars := map[string]any{"x": nil}
	for _, tc := range []struct {
		src  string
		want any
	}{
		{"{{ upper(x) }}", ""},
		{"{{ trim(nil) }}", ""},
		{"{{ trim(x) }}", ""},
		{"{{ x | trim }}", ""},
		{"{{ trim(x, 'a') }}", ""},
		{"{{ trim(' a ') }}", "a"},
		{"{{ trimPrefix(x, 'a') }}", ""},
		{"{{ trimSuffix(x) }}", ""},
		{"{{ split(nil, ',') }}", []any{""}},
		{"{{ split(x, ',') }}", []any{""}},
		{"{{ split('a,b,c', ',', 2) }}", []any{"a", "b,c"}},
		{"{{ splitAfter(x, ',') }}", []any{""}},
		{"{{ replace(x, 'a', 'b') }}", ""},
		{"{{ replace('aXa', 'a', x) }}", "X"},
		{"{{ repeat(x, 3) }}", ""},
		{"{{ indexOf(x, 'a') }}", -1},
		{"{{ lastIndexOf('abc', x) }}", 3},
		{"{{ hasPrefix(x, 'a') }}", false},
		{"{{ hasSuffix('abc', x) }}", true},
	} {
		tm, err := expr.Compile(tc.src)
		if err != nil {
			t.Fatalf("compile %s: %v", tc.src, err)
		}
		got, err := tm.Eval(context.Background(), vars, nil, nil)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if rv := reflect.ValueOf(got); rv.Kind() == reflect.Slice {
			l := make([]any, rv.Len())
			for i := range l {
				l[i] = rv.Index(i).Interface()
			}
			got = l
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s = %#v, want %#v", tc.src, got, tc.want)
		}
	}
}

func TestTextFunctionsNameTheirBadArguments(t *testing.T) {
	for src, want := range map[string]string{
		"{{ trim(n) }}":              "trim: argument 1 must be text, got number",
		"{{ split('a', n) }}":        "split: argument 2 must be text",
		"{{ repeat('ab', 999999) }}": "repeat: the result would be 1999998 bytes, over the limit",
	} {
		tm, err := expr.Compile(src)
		if err != nil {
			t.Fatalf("compile %s: %v", src, err)
		}
		_, err = tm.Eval(context.Background(), map[string]any{"n": 5.0}, nil, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", src, err, want)
		}
	}
	if _, err := expr.Compile("{{ trim('a', 'b', 'c') }}"); err == nil {
		t.Errorf("trim with three arguments compiled")
	}
}

// split and replace are held to the same bounds as the Split node and other text results.
func TestSplitAndReplaceBounds(t *testing.T) {
	vars := map[string]any{"big": strings.Repeat("a", 2_000_000)}
	for src, want := range map[string]string{
		"{{ split(big, '') }}":             "split: the text splits into 2000000 parts, more than 1000000",
		"{{ splitAfter(big, 'a') }}":       "splitAfter: the text splits into 2000001 parts",
		"{{ replace(big, '', 'xxxxx') }}":  "replace: the result would be 12000005 bytes",
		"{{ replace(big, 'a', 'xxxxx') }}": "replace: the result would be 10000000 bytes",
	} {
		tm, err := expr.Compile(src)
		if err != nil {
			t.Fatalf("compile %s: %v", src, err)
		}
		_, err = tm.Eval(context.Background(), vars, nil, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", src, err, want)
		}
	}
	for src, want := range map[string]any{
		"{{ len(split(big, '', 3)) }}":           3,
		"{{ len(replace(big, 'a', 'bb', 10)) }}": 2_000_010,
		"{{ len(split('a,b', ',')) }}":           2,
	} {
		tm, _ := expr.Compile(src)
		got, err := tm.Eval(context.Background(), vars, nil, nil)
		if err != nil || got != want {
			t.Errorf("%s = %v, %v; want %v", src, got, err, want)
		}
	}
}
