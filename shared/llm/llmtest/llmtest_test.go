package llmtest_test

import (
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"polysynergy/shared/llm/llmtest"
)

func TestScriptPlaysTurnsInOrderAndRecords(t *testing.T) {
	s := llmtest.NewScript("first")
	s.Add("second")
	for i, want := range []string{"first", "second"} {
		r := httptest.NewRequest("POST", "/", strings.NewReader(`{"n":`+string(rune('1'+i))+`}`))
		r.Header.Set("Authorization", "Bearer k")
		body, turn, err := s.Take(r)
		if err != nil || turn != want || body["n"] != float64(i+1) {
			t.Fatalf("take %d: %v %q %v", i, body, turn, err)
		}
	}
	if _, _, err := s.Take(httptest.NewRequest("POST", "/", strings.NewReader(`{}`))); !errors.Is(err, llmtest.ErrNoTurns) {
		t.Fatalf("after the script: %v", err)
	}
	if _, _, err := s.Take(httptest.NewRequest("POST", "/", strings.NewReader(`{`))); !errors.Is(err, llmtest.ErrBadBody) {
		t.Fatalf("bad body: %v", err)
	}
	if n := len(s.Requests()); n != 3 || s.Remaining() != 0 {
		t.Fatalf("recorded %d requests, %d turns left", n, s.Remaining())
	}
	if h := s.Headers()[0].Get("Authorization"); h != "Bearer k" {
		t.Fatalf("header %q", h)
	}
}
