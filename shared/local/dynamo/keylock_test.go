package dynamo

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

func TestKeyStripesOfEveryKindOfWrite(t *testing.T) {
	l := newKeyLocks("PK", "SK")
	item := func(pk string) string { return fmt.Sprintf(`{"PK":{"S":%q},"SK":{"S":"x"},"v":{"N":"1"}}`, pk) }
	key := func(pk string) string { return fmt.Sprintf(`{"PK":{"S":%q},"SK":{"S":"x"}}`, pk) }
	one := func(body string) int {
		t.Helper()
		s, ok := l.stripesOf([]byte(body))
		if !ok || len(s) != 1 {
			t.Fatalf("stripes of %s = %v, %v; want one", body, s, ok)
		}
		return s[0]
	}
	// the same item, however a write names it, has one stripe
	put := one(`{"TableName":"t","Item":` + item("a") + `,"ConditionExpression":"attribute_not_exists(PK)"}`)
	if del := one(`{"TableName":"t","Key":` + key("a") + `}`); del != put {
		t.Errorf("DeleteItem's stripe %d, PutItem's %d", del, put)
	}
	if upd := one(`{"TableName":"t","Key":` + key("a") + `,"UpdateExpression":"SET v = :v","ExpressionAttributeValues":{":v":{"N":"2"}}}`); upd != put {
		t.Errorf("UpdateItem's stripe %d, PutItem's %d", upd, put)
	}
	// another table's item of the same key is another item
	var other []int
	for i := range 20 {
		other = append(other, one(fmt.Sprintf(`{"TableName":"t%d","Item":%s}`, i, item("a"))))
	}
	if !slices.ContainsFunc(other, func(s int) bool { return s != put }) {
		t.Errorf("items of 20 other tables all share the stripe %d", put)
	}

	// batches and transactions: every item, ascending, once
	many := func(body string) []int {
		t.Helper()
		s, ok := l.stripesOf([]byte(body))
		if !ok {
			t.Fatalf("stripes of %s: not understood", body)
		}
		if !slices.IsSorted(s) || len(slices.Compact(slices.Clone(s))) != len(s) {
			t.Fatalf("stripes %v are not ascending and unique", s)
		}
		return s
	}
	batch := many(`{"RequestItems":{"t":[{"PutRequest":{"Item":` + item("a") + `}},{"DeleteRequest":{"Key":` + key("b") + `}},{"PutRequest":{"Item":` + item("a") + `}}]}}`)
	b := one(`{"TableName":"t","Key":` + key("b") + `}`)
	if want := slices.Compact(slices.Sorted(slices.Values([]int{put, b}))); !slices.Equal(batch, want) {
		t.Errorf("BatchWriteItem's stripes %v, want %v", batch, want)
	}
	tx := many(`{"TransactItems":[{"Put":{"TableName":"t","Item":` + item("a") + `}},{"ConditionCheck":{"TableName":"t","Key":` + key("b") + `,"ConditionExpression":"attribute_exists(PK)"}},` +
		`{"Update":{"TableName":"t","Key":` + key("c") + `,"UpdateExpression":"SET v = :v"}},{"Delete":{"TableName":"t","Key":` + key("d") + `}}]}`)
	for _, pk := range []string{"a", "b", "c", "d"} {
		if s := one(`{"TableName":"t","Key":` + key(pk) + `}`); !slices.Contains(tx, s) {
			t.Errorf("TransactWriteItems' stripes %v leave out item %s (%d)", tx, pk, s)
		}
	}

	// a body that does not say which items it touches takes every stripe
	for _, body := range []string{``, `not json`, `{}`, `{"TableName":"t","Item":{"v":{"N":"1"}}}`, `{"RequestItems":{"t":[{}]}}`, `{"TransactItems":[{}]}`, `{"RequestItems":{}}`} {
		if s, ok := l.stripesOf([]byte(body)); ok {
			t.Errorf("stripes of %q = %v; want every stripe", body, s)
		}
	}
}

// A second write to an item waits for the first to be applied and logged; a write to
// another item does not.
func TestKeyLocksOrderWritesToOneItem(t *testing.T) {
	l := newKeyLocks("PK", "SK")
	body := func(pk string) []byte {
		return []byte(fmt.Sprintf(`{"TableName":"t","Item":{"PK":{"S":%q},"SK":{"S":"x"}}}`, pk))
	}
	sa, _ := l.stripesOf(body("a"))
	other := ""
	for i := range 1000 { // an item on another stripe
		if s, _ := l.stripesOf(body(fmt.Sprint("b", i))); s[0] != sa[0] {
			other = fmt.Sprint("b", i)
			break
		}
	}
	unlock := l.lock(body("a"))
	done := make(chan string, 2)
	go func() { l.lock(body("a"))(); done <- "a" }()
	go func() { l.lock(body(other))(); done <- other }()
	select {
	case got := <-done:
		if got != other {
			t.Fatalf("the second write to item a went ahead while the first held it")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a write to another item waited for item a")
	}
	select {
	case <-done:
		t.Fatal("the second write to item a went ahead while the first held it")
	case <-time.After(50 * time.Millisecond):
	}
	unlock()
	if got := <-done; got != "a" {
		t.Fatalf("got %q, want the second write to a", got)
	}
	// a write that names no item holds every stripe: it waits for any write, and any waits for it
	unlock = l.lock([]byte(`{}`))
	go func() { l.lock(body(other))(); done <- other }()
	select {
	case <-done:
		t.Fatal("a write went ahead while a write that names no item held every stripe")
	case <-time.After(50 * time.Millisecond):
	}
	unlock()
	<-done
}

func FuzzKeyStripes(f *testing.F) {
	for _, s := range []string{
		`{"TableName":"t","Item":{"PK":{"S":"a"},"SK":{"S":"x"}}}`,
		`{"TableName":"t","Key":{"PK":{"S":"a"},"SK":{"S":"x"}}}`,
		`{"RequestItems":{"t":[{"PutRequest":{"Item":{"PK":{"S":"a"}}}},{"DeleteRequest":{"Key":{"PK":{"S":"b"},"SK":{"S":"y"}}}}]}}`,
		`{"TransactItems":[{"Put":{"TableName":"t","Item":{"PK":{"S":"a"}}}},{"ConditionCheck":{"TableName":"t","Key":{"PK":{"S":"b"}}}}]}`,
		`{"TransactItems":[{}]}`, `[]`, `null`, `{"Item":null}`,
	} {
		f.Add([]byte(s))
	}
	l := newKeyLocks("PK", "SK")
	f.Fuzz(func(t *testing.T, body []byte) {
		s, ok := l.stripesOf(body)
		if !ok {
			if s != nil {
				t.Fatalf("not understood, yet stripes %v", s)
			}
			return
		}
		if len(s) == 0 || !slices.IsSorted(s) || len(slices.Compact(slices.Clone(s))) != len(s) {
			t.Fatalf("stripes %v: want some, ascending and unique", s)
		}
		for _, x := range s {
			if x < 0 || x >= keyStripes {
				t.Fatalf("stripe %d out of range", x)
			}
		}
	})
}
