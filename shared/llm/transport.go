package llm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// ContentType is a provider answer's Content-Type ("" without an answer).
func ContentType(r *http.Response) string {
	if r == nil {
		return ""
	}
	return r.Header.Get("Content-Type")
}

// OwnTimeout turns the expiry of one request's own time limit into an error that says so:
// left as context.DeadlineExceeded it would read as the run's deadline. ctx is the call's
// context (still alive when only the request's limit passed).
func OwnTimeout(ctx context.Context, limit time.Duration, err error) error {
	if limit > 0 && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("no answer within the model's timeout of %s", limit)
	}
	return err
}
