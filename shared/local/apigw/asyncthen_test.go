package apigw_test

import (
	"context"
	"errors"
	"testing"

	"polysynergy/shared/local/apigw"
)

// InvokeAsyncThen reports the function's outcome once it returns, so that the local
// scheduler can retry a firing whose runner failed (InvokeAsync only logged it).
func TestInvokeAsyncThenReportsTheFunctionsError(t *testing.T) {
	l := apigw.NewLambda(context.Background(), nil)
	calls := 0
	l.Register("runner", func(context.Context, []byte) ([]byte, error) {
		calls++ // one at a time: each waits for the previous outcome
		if calls == 1 {
			return nil, errors.New("the database did not answer")
		}
		return []byte(`{}`), nil
	})
	outcome := make(chan error, 1)
	for _, want := range []string{"the database did not answer", ""} {
		if err := l.InvokeAsyncThen("runner", []byte(`{}`), func(err error) { outcome <- err }); err != nil {
			t.Fatal(err)
		}
		got := <-outcome
		if (got == nil) != (want == "") || (got != nil && got.Error() != want) {
			t.Fatalf("outcome %v, want %q", got, want)
		}
	}
	if err := l.InvokeAsyncThen("nope", []byte(`{}`), func(error) { t.Error("an unknown function reported an outcome") }); err == nil {
		t.Fatal("an unknown function was invoked")
	}
	if err := l.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}
