package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// maxTxItems is DynamoDB's limit of actions in one TransactWriteItems.
const maxTxItems = 100

// errRetry means a transaction lost a race with a concurrent change; the
// caller re-reads and tries again.
var errRetry = errors.New("concurrent change")

// names and vals are shorthands for expression attribute maps.
type names = map[string]string
type vals = map[string]types.AttributeValue

// txn collects the actions of one all-or-nothing write. Each action carries
// the error to report when its condition fails (nil: the caller retries).
type txn struct {
	items  []types.TransactWriteItem
	onFail []error
}

func nilNames(n names) names {
	if len(n) == 0 {
		return nil
	}
	return n
}

func nilVals(v vals) vals {
	if len(v) == 0 {
		return nil
	}
	return v
}

func optS(s string) *string {
	if s == "" {
		return nil
	}
	return aws.String(s)
}

func (t *txn) add(it types.TransactWriteItem, onFail error) {
	t.items = append(t.items, it)
	t.onFail = append(t.onFail, onFail)
}

func (t *txn) put(table string, it item, cond string, n names, v vals, onFail error) {
	t.add(types.TransactWriteItem{Put: &types.Put{
		TableName: aws.String(table), Item: it, ConditionExpression: optS(cond),
		ExpressionAttributeNames: nilNames(n), ExpressionAttributeValues: nilVals(v),
	}}, onFail)
}

func (t *txn) update(table string, k item, update, cond string, n names, v vals, onFail error) {
	t.add(types.TransactWriteItem{Update: &types.Update{
		TableName: aws.String(table), Key: k, UpdateExpression: aws.String(update),
		ConditionExpression:      optS(cond),
		ExpressionAttributeNames: nilNames(n), ExpressionAttributeValues: nilVals(v),
	}}, onFail)
}

func (t *txn) del(table string, k item, cond string, n names, v vals, onFail error) {
	t.add(types.TransactWriteItem{Delete: &types.Delete{
		TableName: aws.String(table), Key: k, ConditionExpression: optS(cond),
		ExpressionAttributeNames: nilNames(n), ExpressionAttributeValues: nilVals(v),
	}}, onFail)
}

func (t *txn) check(table string, k item, cond string, n names, v vals, onFail error) {
	t.add(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
		TableName: aws.String(table), Key: k, ConditionExpression: aws.String(cond),
		ExpressionAttributeNames: nilNames(n), ExpressionAttributeValues: nilVals(v),
	}}, onFail)
}

// commit runs the transaction. When a condition fails it returns that
// action's onFail error (or errRetry), wrapped with op.
func (s *Store) commit(ctx context.Context, op string, t *txn) error {
	if len(t.items) == 0 {
		return nil
	}
	if len(t.items) > maxTxItems {
		return fmt.Errorf("%s: %d actions exceed the transaction limit of %d", op, len(t.items), maxTxItems)
	}
	_, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: t.items})
	if err == nil {
		return nil
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) && !isTransient(err) {
		for i, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) != "ConditionalCheckFailed" || i >= len(t.onFail) {
				continue
			}
			if t.onFail[i] == nil {
				return fmt.Errorf("%s: %w", op, errRetry)
			}
			return fmt.Errorf("%s: %w", op, t.onFail[i])
		}
	}
	return wrap(op, err)
}

// get reads one item; a missing item is ErrNotFound naming what.
func (s *Store) get(ctx context.Context, op, what string, k item, consistent bool) (item, error) {
	resp, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table), Key: k, ConsistentRead: aws.Bool(consistent),
	})
	if err != nil {
		return nil, wrap(op, err)
	}
	if len(resp.Item) == 0 {
		return nil, fmt.Errorf("%s: %s %w", op, what, ErrNotFound)
	}
	return resp.Item, nil
}

// deleteKeys deletes items in batches of 25, retrying unprocessed ones with
// exponential backoff; what remains after the last attempt is an
// ErrUnavailable error.
func (s *Store) deleteKeys(ctx context.Context, op string, keys []item) error {
	seen := make(map[string]bool, len(keys))
	reqs := make([]types.WriteRequest, 0, len(keys))
	for _, k := range keys {
		id := getS(k, attrPK) + "\x00" + getS(k, attrSK)
		if seen[id] {
			continue
		}
		seen[id] = true
		reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{
			Key: key(getS(k, attrPK), getS(k, attrSK)),
		}})
	}
	for len(reqs) > 0 {
		n := min(25, len(reqs))
		if err := s.batchWrite(ctx, op, reqs[:n]); err != nil {
			return err
		}
		reqs = reqs[n:]
	}
	return nil
}

func (s *Store) batchWrite(ctx context.Context, op string, reqs []types.WriteRequest) error {
	wait := s.batchBackoff
	for attempt := 1; ; attempt++ {
		resp, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
			RequestItems: map[string][]types.WriteRequest{s.table: reqs},
		})
		if err != nil {
			return wrap(op, err)
		}
		reqs = resp.UnprocessedItems[s.table]
		if len(reqs) == 0 {
			return nil
		}
		if attempt >= s.batchAttempts {
			return fmt.Errorf("%s: %w", op, &unavailableError{
				err: fmt.Errorf("%d writes still unprocessed after %d attempts", len(reqs), attempt),
			})
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w", op, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}

// keyOf returns the primary key of an item.
func keyOf(it item) item { return key(getS(it, attrPK), getS(it, attrSK)) }
