package nodes

import (
	"reflect"
	"testing"
)

// Normalize reads a value that is not plain data (a struct an SDK answered with) through its
// JSON form; whole numbers beyond 2^53 in it stay exact int64 (they became float64).
func TestNormalizeStructKeepsLargeIntegersExact(t *testing.T) {
	type item struct {
		ID    int64   `json:"id"`
		Small int     `json:"small"`
		Refs  []int64 `json:"refs"`
	}
	got := Normalize(item{ID: 9007199254740993, Small: 3, Refs: []int64{-9007199254740993}})
	want := map[string]any{"id": int64(9007199254740993), "small": 3.0, "refs": []any{int64(-9007199254740993)}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Normalize = %#v, want %#v", got, want)
	}
}
