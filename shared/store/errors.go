package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Sentinel errors. Test with errors.Is; every returned error is wrapped with
// what was being done.
var (
	// ErrNotFound: the item (or something it needs, such as its project or
	// stage) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: an item with that identity already exists.
	ErrExists = errors.New("already exists")
	// ErrSlugTaken: another project in the deployment uses the slug.
	ErrSlugTaken = errors.New("slug taken")
	// ErrInvalid: bad input; the error is a *ValidationError naming the field.
	ErrInvalid = errors.New("invalid input")
	// ErrUnavailable: DynamoDB throttled the request, failed with a 5xx, or
	// could not be reached. Retry later (HTTP 503 + Retry-After).
	ErrUnavailable = errors.New("store unavailable")
	// ErrTooLarge: a blob is larger than an item can hold even compressed.
	ErrTooLarge = errors.New("too large")
	// ErrStageInUse: the stage still has flows published to it.
	ErrStageInUse = errors.New("stage in use")
	// ErrAlreadyClaimed: a paused run's state was already claimed for resume.
	ErrAlreadyClaimed = errors.New("already claimed")
	// ErrPersonalTenant: another request is making the user's personal tenant.
	ErrPersonalTenant = errors.New("the personal tenant is being made by another request")
	// ErrLastAdmin: the change would leave a tenant without an admin.
	ErrLastAdmin = errors.New("a tenant needs at least one admin")
	// ErrExpired: the item (an invitation) exists but has expired.
	ErrExpired = errors.New("expired")
)

// ConflictError reports an optimistic-concurrency conflict: the caller's
// expected revision is stale. Current is the stored revision.
type ConflictError struct {
	// What conflicted, e.g. "draft".
	What string
	// Current is the current stored revision (0 when unknown).
	Current int
}

// Error implements error.
func (e *ConflictError) Error() string {
	return fmt.Sprintf("conflict: %s is at revision %d", e.What, e.Current)
}

// ValidationError is bad input: Field names the offending field.
type ValidationError struct {
	Field  string
	Reason string
}

// Error implements error: "field: reason".
func (e *ValidationError) Error() string { return e.Field + ": " + e.Reason }

// Is makes errors.Is(err, ErrInvalid) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// unavailableError marks an SDK error as transient; it unwraps to the SDK
// error and matches ErrUnavailable.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string { return "store unavailable: " + e.err.Error() }
func (e *unavailableError) Unwrap() error { return e.err }
func (e *unavailableError) Is(target error) bool {
	return target == ErrUnavailable
}

// throttleCodes are DynamoDB error codes that mean "slow down / try again".
var throttleCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true,
	"ThrottlingException":                    true,
	"RequestLimitExceeded":                   true,
	"TransactionInProgressException":         true,
	"TransactionConflictException":           true,
	"InternalServerError":                    true,
	"ServiceUnavailable":                     true,
}

// cancellationCodes in a TransactionCanceledException that are transient.
var transientCancellation = map[string]bool{
	"ThrottlingError":                        true,
	"TransactionConflict":                    true,
	"ProvisionedThroughputExceeded":          true,
	"RequestLimitExceeded":                   true,
	"InternalServerError":                    true,
	"ProvisionedThroughputExceededException": true,
}

// isTransient reports whether err from the SDK is throttling, a 5xx, or a
// network failure.
func isTransient(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		// The caller gave up; that is its own answer, not the store's.
		return false
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			if r.Code != nil && transientCancellation[*r.Code] {
				return true
			}
		}
		return false
	}
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && throttleCodes[apiErr.ErrorCode()] {
		return true
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return true
	}
	var se *smithyhttp.RequestSendError
	if errors.As(err, &se) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF)
}

// wrap annotates err with the operation; SDK transient failures become
// ErrUnavailable.
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if isTransient(err) && !errors.Is(err, ErrUnavailable) {
		err = &unavailableError{err: err}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// isConditionFailed reports a ConditionalCheckFailedException.
func isConditionFailed(err error) (*types.ConditionalCheckFailedException, bool) {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return ccf, true
	}
	return nil, false
}
