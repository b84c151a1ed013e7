package store

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// item is one DynamoDB item.
type item = map[string]types.AttributeValue

func avS(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func avN(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}
func avB(v []byte) types.AttributeValue  { return &types.AttributeValueMemberB{Value: v} }
func avBool(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }

// key returns a primary key item.
func key(pk, sk string) item { return item{attrPK: avS(pk), attrSK: avS(sk)} }

// getS returns a string attribute ("" when absent or not a string).
func getS(it item, name string) string {
	if v, ok := it[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

// getN returns a number attribute (0 when absent or not a number).
func getN(it item, name string) int64 {
	if v, ok := it[name].(*types.AttributeValueMemberN); ok {
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err == nil {
			return n
		}
	}
	return 0
}

// marshal encodes a record struct (dynamodbav tags) and adds the given keys.
func marshal(rec any, pk, sk string) (item, error) {
	it, err := attributevalue.MarshalMap(rec)
	if err != nil {
		return nil, fmt.Errorf("encode item %s/%s: %w", pk, sk, err)
	}
	// Empty lists and maps are left out (decoders treat absent as empty):
	// some DynamoDB-compatible endpoints cannot round-trip them.
	for k, v := range it {
		switch v := v.(type) {
		case *types.AttributeValueMemberL:
			if len(v.Value) == 0 {
				delete(it, k)
			}
		case *types.AttributeValueMemberM:
			if len(v.Value) == 0 {
				delete(it, k)
			}
		}
	}
	it[attrPK] = avS(pk)
	it[attrSK] = avS(sk)
	return it, nil
}

// unmarshal decodes an item into a record struct.
func unmarshal(it item, rec any) error {
	if err := attributevalue.UnmarshalMap(it, rec); err != nil {
		return fmt.Errorf("decode item %s/%s: %w", getS(it, attrPK), getS(it, attrSK), err)
	}
	return nil
}

// gzipMagic starts every gzip stream; JSON text never starts with it.
var gzipMagic = []byte{0x1f, 0x8b}

// encodeBlob stores a JSON blob: as a string when it is small and valid
// UTF-8, as raw bytes when it is small but not UTF-8, and gzip-compressed
// bytes when it exceeds the compression threshold. A blob that does not fit
// even compressed is an error (never dropped).
func (s *Store) encodeBlob(field string, b []byte) (types.AttributeValue, error) {
	if len(b) <= s.compressAbove {
		if utf8.Valid(b) {
			return avS(string(b)), nil
		}
		return avB(b), nil
	}
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, fmt.Errorf("compress %s: %w", field, err)
	}
	if _, err := zw.Write(b); err != nil {
		return nil, fmt.Errorf("compress %s: %w", field, err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("compress %s: %w", field, err)
	}
	if buf.Len() > MaxBlob {
		return nil, fmt.Errorf("store %s: %d bytes (%d compressed) exceed the %d byte item limit: %w",
			field, len(b), buf.Len(), MaxBlob, ErrTooLarge)
	}
	return avB(buf.Bytes()), nil
}

// decodeBlob reverses encodeBlob. A missing attribute decodes to nil.
func decodeBlob(field string, v types.AttributeValue) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case *types.AttributeValueMemberS:
		return []byte(v.Value), nil
	case *types.AttributeValueMemberB:
		if !bytes.HasPrefix(v.Value, gzipMagic) {
			return v.Value, nil
		}
		zr, err := gzip.NewReader(bytes.NewReader(v.Value))
		if err != nil {
			return nil, fmt.Errorf("decompress %s: %w", field, err)
		}
		// gzip's trailer holds the uncompressed size: read into a buffer
		// of that size instead of growing one.
		if len(v.Value) < 18 { // header and trailer of the smallest gzip stream
			return nil, fmt.Errorf("decompress %s: %d bytes is too short for gzip", field, len(v.Value))
		}
		size := int(binary.LittleEndian.Uint32(v.Value[len(v.Value)-4:]))
		buf := bytes.NewBuffer(make([]byte, 0, min(size, 16<<20)+bytes.MinRead))
		if _, err := buf.ReadFrom(zr); err != nil {
			return nil, fmt.Errorf("decompress %s: %w", field, err)
		}
		return buf.Bytes(), nil
	default:
		return nil, fmt.Errorf("decode %s: unexpected attribute type %T", field, v)
	}
}

// avTime encodes a time the way attributevalue does (RFC 3339, nanoseconds).
func avTime(t time.Time) types.AttributeValue { return avS(t.UTC().Format(time.RFC3339Nano)) }

// updateInput builds an UpdateItem request.
func updateInput(table string, k item, update, cond string, n names, v vals) *dynamodb.UpdateItemInput {
	return &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: k, UpdateExpression: aws.String(update),
		ConditionExpression:      optS(cond),
		ExpressionAttributeNames: nilNames(n), ExpressionAttributeValues: nilVals(v),
	}
}

// getInput builds a GetItem request with a projection.
func getInput(table string, k item, projection string, n names) *dynamodb.GetItemInput {
	return &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: k, ProjectionExpression: optS(projection),
		ExpressionAttributeNames: nilNames(n),
	}
}
