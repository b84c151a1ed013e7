package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"maps"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// List limits.
const (
	// DefaultLimit is the page size when the caller gives none.
	DefaultLimit = 50
	// MaxLimit caps every page size.
	MaxLimit = 200
	// maxCursorLen bounds a cursor before it is decoded.
	maxCursorLen = 2048
)

// Page is one page of a list. Next is an opaque cursor for the following
// page, empty on the last page.
type Page[T any] struct {
	Items []T
	Next  string
}

// ListOptions selects a page.
type ListOptions struct {
	// Cursor is Page.Next of the previous page ("" for the first page).
	Cursor string
	// Limit is the page size: 0 means DefaultLimit, more than MaxLimit is
	// capped to MaxLimit.
	Limit int
}

// normLimit applies the default and the cap.
func normLimit(n int) (int, error) {
	switch {
	case n < 0:
		return 0, invalid("limit", "must not be negative, got %d", n)
	case n == 0:
		return DefaultLimit, nil
	case n > MaxLimit:
		return MaxLimit, nil
	}
	return n, nil
}

// query describes one Query the paging helpers run.
type query struct {
	index      string    // "" for the table, or an index name
	pk         string    // partition key value
	skPrefix   string    // optional begins_with on the sort key
	skBetween  [2]string // optional inclusive sort key range (when skPrefix is "")
	forward    bool      // ascending sort key order
	consistent bool      // strongly consistent (table only)
	filter     string
	names      map[string]string
	values     map[string]types.AttributeValue
	projection string
	// uniqueSK: the index's sort key is unique within the partition (a run's id), so a page
	// after a cursor is asked for as the sort keys beyond the cursor's rather than with the
	// cursor as ExclusiveStartKey. The two are the same to DynamoDB, but the embedded server
	// (minidyn) finds no start when the cursor's item is gone — a run deleted, or expired,
	// or an item that left the index's partition, after its page was read — and answers an
	// empty page with no cursor, ending the list. A query of the table always pages so (its
	// sort key is unique in the partition); on an index only with uniqueSK, as there a sort
	// key may repeat and only the whole cursor (index and table keys) is a place.
	uniqueSK bool
	skAfter  string // only sort keys after this one (in the query's order); see uniqueSK
	pageSize int32  // items per request for queryAll (0: as many as DynamoDB returns)
	pageMax  int32  // with pageSize: each further request asks for twice as many, up to pageMax
}

// keyNames returns the partition and sort key attribute names of the index.
func (q query) keyNames() (string, string) {
	switch q.index {
	case IndexGSI1:
		return attrGSI1PK, attrGSI1SK
	case IndexGSI2:
		return attrGSI2PK, attrGSI2SK
	}
	return attrPK, attrSK
}

// cursorAttrs are the attributes that make up a position in the index.
func (q query) cursorAttrs() []string {
	pkName, skName := q.keyNames()
	if q.index == "" {
		return []string{attrPK, attrSK}
	}
	return []string{pkName, skName, attrPK, attrSK}
}

func (s *Store) queryInput(q query) *dynamodb.QueryInput {
	pkName, skName := q.keyNames()
	names := map[string]string{"#pk": pkName}
	values := map[string]types.AttributeValue{":pk": avS(q.pk)}
	cond := "#pk = :pk"
	if q.skPrefix != "" && q.skAfter != "" {
		// begins_with and "after" are one range: from the cursor's sort key to the
		// prefix's end, or from the prefix to the cursor's. BETWEEN takes both ends, which
		// queryPage drops (the cursor's item, a key just past the prefix).
		names["#sk"] = skName
		if q.forward {
			values[":skfrom"], values[":skto"] = avS(q.skAfter), avS(prefixEnd(q.skPrefix))
		} else {
			values[":skfrom"], values[":skto"] = avS(q.skPrefix), avS(q.skAfter)
		}
		cond += " AND #sk BETWEEN :skfrom AND :skto"
	} else if q.skPrefix != "" {
		names["#sk"] = skName
		values[":skp"] = avS(q.skPrefix)
		cond += " AND begins_with(#sk, :skp)"
	} else if q.skBetween[0] != "" {
		names["#sk"] = skName
		values[":skfrom"], values[":skto"] = avS(q.skBetween[0]), avS(q.skBetween[1])
		cond += " AND #sk BETWEEN :skfrom AND :skto"
	} else if q.skAfter != "" {
		names["#sk"] = skName
		values[":skafter"] = avS(q.skAfter)
		if q.forward {
			cond += " AND #sk > :skafter"
		} else {
			cond += " AND #sk < :skafter"
		}
	}
	maps.Copy(names, q.names)
	maps.Copy(values, q.values)
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
		ScanIndexForward:          aws.Bool(q.forward),
	}
	if q.index != "" {
		in.IndexName = aws.String(q.index)
	} else if q.consistent {
		in.ConsistentRead = aws.Bool(true)
	}
	if q.filter != "" {
		in.FilterExpression = aws.String(q.filter)
	}
	if q.projection != "" {
		in.ProjectionExpression = aws.String(q.projection)
	}
	if q.pageSize > 0 {
		in.Limit = aws.Int32(q.pageSize)
	}
	return in
}

// queryPage returns up to limit items after cursor, and the cursor of the
// next page. Pages are exact even with a filter: the helper keeps reading
// until it has limit+1 matches or the partition ends, and the cursor is the
// key of the last item returned.
func (s *Store) queryPage(ctx context.Context, op string, q query, cursor string, limit int) ([]item, string, error) {
	limit, err := normLimit(limit)
	if err != nil {
		return nil, "", err
	}
	attrs := q.cursorAttrs()
	esk, err := decodeCursor(cursor, attrs, q)
	if err != nil {
		return nil, "", err
	}
	_, skName := q.keyNames()
	if esk != nil && (q.uniqueSK || q.index == "") && q.skBetween[0] == "" && (q.skPrefix == "" || prefixEnd(q.skPrefix) != "") {
		q.skAfter = getS(esk, skName)
		esk = nil
	}
	// with a prefix the range's ends are asked for too (see queryInput)
	inRange := func(it item) bool {
		sk := getS(it, skName)
		return q.skAfter == "" || q.skPrefix == "" || (sk != q.skAfter && strings.HasPrefix(sk, q.skPrefix))
	}
	want := limit + 1
	var out []item
	for {
		in := s.queryInput(q)
		in.ExclusiveStartKey = esk
		n := want - len(out)
		if q.filter != "" {
			n = min(max(n, 4*want), 1000)
		}
		in.Limit = aws.Int32(int32(n))
		resp, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, "", wrap(op, err)
		}
		for _, it := range resp.Items {
			if inRange(it) {
				out = append(out, it)
			}
		}
		if len(out) >= want || len(resp.LastEvaluatedKey) == 0 {
			break
		}
		esk = resp.LastEvaluatedKey
	}
	if len(out) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	return out, encodeCursor(out[limit-1], attrs), nil
}

// queryAll calls fn for every item of the query, page by page.
func (s *Store) queryAll(ctx context.Context, op string, q query, fn func(item) error) error {
	_, err := s.queryPages(ctx, op, q, fn)
	return err
}

// queryPages is queryAll that also returns how many requests it made.
func (s *Store) queryPages(ctx context.Context, op string, q query, fn func(item) error) (int, error) {
	in := s.queryInput(q)
	for n := 1; ; n++ {
		resp, err := s.db.Query(ctx, in)
		if err != nil {
			return n, wrap(op, err)
		}
		for _, it := range resp.Items {
			if err := fn(it); err != nil {
				return n, err
			}
		}
		if len(resp.LastEvaluatedKey) == 0 {
			return n, nil
		}
		in.ExclusiveStartKey = resp.LastEvaluatedKey
		if in.Limit != nil && q.pageMax > *in.Limit {
			in.Limit = aws.Int32(min(2**in.Limit, q.pageMax))
		}
	}
}

// prefixEnd is the least string after every string that begins with prefix (its last
// byte counted up), or "" when that is not a plain ASCII string.
func prefixEnd(prefix string) string {
	last := prefix[len(prefix)-1]
	if last >= 0x7e {
		return ""
	}
	return prefix[:len(prefix)-1] + string(last+1)
}

// encodeCursor is base64url(JSON) of the item's position attributes.
func encodeCursor(it item, attrs []string) string {
	m := make(map[string]string, len(attrs))
	for _, a := range attrs {
		m[a] = getS(it, a)
	}
	b, _ := json.Marshal(m) // a map of strings always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor validates a cursor against the query it is used with: it must
// be base64url JSON naming exactly the index's key attributes, and point into
// the query's partition (so a cursor can never leave the caller's tenant).
func decodeCursor(c string, attrs []string, q query) (item, error) {
	if c == "" {
		return nil, nil
	}
	if len(c) > maxCursorLen {
		return nil, invalid("cursor", "longer than %d characters", maxCursorLen)
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, invalid("cursor", "not base64url")
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, invalid("cursor", "malformed")
	}
	if len(m) != len(attrs) {
		return nil, invalid("cursor", "malformed")
	}
	esk := make(item, len(attrs))
	for _, a := range attrs {
		v, ok := m[a]
		if !ok || v == "" {
			return nil, invalid("cursor", "malformed")
		}
		esk[a] = avS(v)
	}
	pkName, skName := q.keyNames()
	if m[pkName] != q.pk || !strings.HasPrefix(m[skName], q.skPrefix) {
		return nil, invalid("cursor", "does not belong to this list")
	}
	return esk, nil
}
