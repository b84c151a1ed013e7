package api

// The few writes the store has no method for, done on the store's
// documented key layout (shared/store/doc.go) through the same DynamoDB
// client: deleting runs on request. They belong in
// shared/store; they live here until it has them.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"polysynergy/shared/store"
)

func projectPK(k store.ProjectKey) string { return "T#" + k.Tenant + "#P#" + k.Project }
func runPK(k store.RunKey) string         { return "T#" + k.Tenant + "#P#" + k.Project + "#R#" + k.Run }
func flowRunsPK(k store.FlowKey) string {
	return "T#" + k.Tenant + "#P#" + k.Project + "#F#" + k.Flow + "#RUNS"
}

func avS(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }

// unavailableErr marks a transient DynamoDB failure; it matches
// store.ErrUnavailable so the API answers 503.
type unavailableErr struct{ err error }

func (e *unavailableErr) Error() string        { return "store unavailable: " + e.err.Error() }
func (e *unavailableErr) Unwrap() error        { return e.err }
func (e *unavailableErr) Is(target error) bool { return target == store.ErrUnavailable }

var transientCodes = map[string]bool{
	"ProvisionedThroughputExceededException": true, "ThrottlingException": true, "RequestLimitExceeded": true,
	"TransactionInProgressException": true, "TransactionConflictException": true,
	"InternalServerError": true, "ServiceUnavailable": true,
}

// dbErr wraps a raw client error with the operation; throttling, 5xx and
// network failures become store.ErrUnavailable.
func dbErr(op string, err error) error {
	if err == nil {
		return nil
	}
	var apiErr smithy.APIError
	var re *awshttp.ResponseError
	var se *smithyhttp.RequestSendError
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
	case errors.As(err, &apiErr) && transientCodes[apiErr.ErrorCode()],
		errors.As(err, &re) && re.HTTPStatusCode() >= 500,
		errors.As(err, &se), errors.As(err, &ne), errors.Is(err, io.ErrUnexpectedEOF):
		err = &unavailableErr{err: err}
	}
	return fmt.Errorf("%s: %w", op, err)
}

// flowRunIDs lists every run id of a flow.
func (h *Handler) flowRunIDs(ctx context.Context, k store.FlowKey) ([]string, error) {
	in := &dynamodb.QueryInput{
		TableName: aws.String(h.table), IndexName: aws.String(store.IndexGSI1),
		KeyConditionExpression:    aws.String("GSI1PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": avS(flowRunsPK(k))},
		ExpressionAttributeNames:  map[string]string{"#run": "run"},
		ProjectionExpression:      aws.String("#run"),
	}
	var ids []string
	for {
		resp, err := h.db.Query(ctx, in)
		if err != nil {
			return nil, dbErr("list runs of flow "+k.Flow, err)
		}
		for _, it := range resp.Items {
			if s, ok := it["run"].(*types.AttributeValueMemberS); ok && s.Value != "" {
				ids = append(ids, s.Value)
			}
		}
		if len(resp.LastEvaluatedKey) == 0 {
			return ids, nil
		}
		in.ExclusiveStartKey = resp.LastEvaluatedKey
	}
}

// deleteRuns removes runs with their node results and state: the parts
// first, the run items last, so an interrupted delete leaves runs that are
// still listed and deleted by the next call.
func (h *Handler) deleteRuns(ctx context.Context, k store.ProjectKey, runs []string) error {
	var parts, heads []map[string]types.AttributeValue
	for _, r := range runs {
		in := &dynamodb.QueryInput{
			TableName: aws.String(h.table), ConsistentRead: aws.Bool(true),
			KeyConditionExpression:    aws.String("PK = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": avS(runPK(k.Run(r)))},
			ProjectionExpression:      aws.String("PK, SK"),
		}
		for {
			resp, err := h.db.Query(ctx, in)
			if err != nil {
				return dbErr("list items of run "+r, err)
			}
			for _, it := range resp.Items {
				if s, _ := it["SK"].(*types.AttributeValueMemberS); s != nil && s.Value == "RUN" {
					heads = append(heads, it)
				} else {
					parts = append(parts, it)
				}
			}
			if len(resp.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = resp.LastEvaluatedKey
		}
	}
	if err := h.deleteItems(ctx, parts); err != nil {
		return err
	}
	return h.deleteItems(ctx, heads)
}

// deleteItems batch-deletes keys, retrying unprocessed ones with backoff.
func (h *Handler) deleteItems(ctx context.Context, keys []map[string]types.AttributeValue) error {
	for len(keys) > 0 {
		n := min(25, len(keys))
		reqs := make([]types.WriteRequest, n)
		for i, k := range keys[:n] {
			reqs[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}}
		}
		wait := 25 * time.Millisecond
		for attempt := 1; len(reqs) > 0; attempt++ {
			resp, err := h.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
				RequestItems: map[string][]types.WriteRequest{h.table: reqs},
			})
			if err != nil {
				return dbErr("delete run items", err)
			}
			reqs = resp.UnprocessedItems[h.table]
			if len(reqs) == 0 {
				break
			}
			if attempt >= 6 {
				return dbErr("delete run items", &unavailableErr{err: fmt.Errorf("%d deletes unprocessed", len(reqs))})
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(wait):
			}
			wait *= 2
		}
		keys = keys[n:]
	}
	return nil
}
