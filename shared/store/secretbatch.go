package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// maxBatchGet is the most keys DynamoDB's BatchGetItem takes in one call.
const maxBatchGet = 100

// GetSecretValues returns the ciphertexts of several secrets of one stage (for the
// runner) by key, in BatchGetItem calls of up to 100 keys (one call for a run's few
// secrets). A key without a value on the stage is left out of the map; a key given
// twice is read once. Keys DynamoDB leaves unprocessed are asked for again with
// exponential backoff; what remains after the last attempt is an ErrUnavailable error.
func (s *Store) GetSecretValues(ctx context.Context, k ProjectKey, stage string, keys []string) (map[string][]byte, error) {
	op := fmt.Sprintf("get %d secrets for stage %q", len(keys), stage)
	if err := k.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if err := ValidateStageName(stage); err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	pk := projectPK(k)
	seen := make(map[string]bool, len(keys))
	reqs := make([]item, 0, len(keys))
	for i, sk := range keys {
		if err := ValidateVarKey(fmt.Sprintf("keys[%d]", i), sk); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if !seen[sk] {
			seen[sk] = true
			reqs = append(reqs, key(pk, secretSK(sk, stage)))
		}
	}
	out := make(map[string][]byte, len(reqs))
	for len(reqs) > 0 {
		n := min(maxBatchGet, len(reqs))
		err := s.batchGet(ctx, op, reqs[:n], "#key, ciphertext", map[string]string{"#key": "key"}, func(it item) error {
			b, err := decodeBlob("ciphertext", it["ciphertext"])
			if err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			out[getS(it, "key")] = b
			return nil
		})
		if err != nil {
			return nil, err
		}
		reqs = reqs[n:]
	}
	return out, nil
}

// batchGet reads up to 100 items by key in one BatchGetItem call, handing each item
// found to fn; unprocessed keys are read again after a wait that doubles each time,
// up to the store's batch attempts, then the read fails as ErrUnavailable.
func (s *Store) batchGet(ctx context.Context, op string, keys []item, projection string, nm map[string]string, fn func(item) error) error {
	wait := s.batchBackoff
	ka := types.KeysAndAttributes{Keys: keys, ProjectionExpression: aws.String(projection), ExpressionAttributeNames: nm}
	for attempt := 1; ; attempt++ {
		resp, err := s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
			RequestItems: map[string]types.KeysAndAttributes{s.table: ka},
		})
		if err != nil {
			return wrap(op, err)
		}
		for _, it := range resp.Responses[s.table] {
			if err := fn(it); err != nil {
				return err
			}
		}
		left, ok := resp.UnprocessedKeys[s.table]
		if !ok || len(left.Keys) == 0 {
			return nil
		}
		if attempt >= s.batchAttempts {
			return fmt.Errorf("%s: %w", op, &unavailableError{
				err: fmt.Errorf("%d reads still unprocessed after %d attempts", len(left.Keys), attempt),
			})
		}
		ka = left
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
