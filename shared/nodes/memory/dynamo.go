package memory

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/aws"
)

// dynamoFamily resolves region, credentials and endpoint as the AWS node family does.
type dynamoFamily struct{ src *aws.Source }

func newDynamoFamily(load aws.ConfigLoader) *dynamoFamily {
	return &dynamoFamily{src: aws.NewSource(load)}
}

// client builds a DynamoDB client for the call's region, credentials and endpoint inputs.
func (f *dynamoFamily) client(ctx context.Context, c *nodes.Call) (*dynamodb.Client, error) {
	cfg, ep, err := f.src.Config(ctx, c)
	if err != nil {
		return nil, err
	}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		if ep != nil {
			o.BaseEndpoint = ep
			o.DisableValidateResponseChecksum = true
		}
	}), nil
}

// DynamoMemory keeps conversations in a DynamoDB table: partition key = session, sort
// key = a sequence number (1, 2, …), one item per message.
type DynamoMemory struct {
	db      *dynamodb.Client
	table   string
	pk, sk  string
	win     int
	ttlAttr string
	ttl     time.Duration
	now     func() time.Time
}

// DynamoOptions configure a DynamoMemory.
type DynamoOptions struct {
	PartitionKey, SortKey string // attribute names (default "session", "seq")
	Window                int    // most messages Load returns (≤ 0: no bound)
	TTLAttribute          string // attribute holding the expiry in epoch seconds ("" with TTL > 0: "expires_at")
	TTL                   time.Duration
	Now                   func() time.Time
}

// NewDynamoMemory returns a memory on table.
func NewDynamoMemory(db *dynamodb.Client, table string, o DynamoOptions) *DynamoMemory {
	m := &DynamoMemory{db: db, table: table, pk: o.PartitionKey, sk: o.SortKey, win: o.Window, ttl: o.TTL, ttlAttr: o.TTLAttribute, now: o.Now}
	if m.pk == "" {
		m.pk = "session"
	}
	if m.sk == "" {
		m.sk = "seq"
	}
	if m.ttl > 0 && m.ttlAttr == "" {
		m.ttlAttr = "expires_at"
	}
	if m.now == nil {
		m.now = time.Now
	}
	return m
}

// stored is a message as an item (besides its keys).
type stored struct {
	Role       string         `dynamodbav:"role"`
	Content    string         `dynamodbav:"content,omitempty"`
	ToolCalls  []llm.ToolCall `dynamodbav:"tool_calls,omitempty"`
	ToolCallID string         `dynamodbav:"tool_call_id,omitempty"`
	Name       string         `dynamodbav:"name,omitempty"`
	CreatedAt  string         `dynamodbav:"created_at"`
}

// Load returns the last messages of session, oldest first.
func (m *DynamoMemory) Load(ctx context.Context, session string, limit int) ([]llm.Message, error) {
	n := window(limit, m.win)
	in := &dynamodb.QueryInput{
		TableName:                 &m.table,
		KeyConditionExpression:    sdkaws.String("#pk = :s"),
		ExpressionAttributeNames:  map[string]string{"#pk": m.pk},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: session}},
		ScanIndexForward:          sdkaws.Bool(false),
		ConsistentRead:            sdkaws.Bool(true),
	}
	var items []map[string]types.AttributeValue
	for {
		if n > 0 {
			in.Limit = sdkaws.Int32(int32(n - len(items)))
		}
		out, err := m.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("load memory of session %q from table %s: %w", session, m.table, err)
		}
		items = append(items, out.Items...)
		if len(out.LastEvaluatedKey) == 0 || (n > 0 && len(items) >= n) {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	now := m.now().Unix()
	msgs := make([]llm.Message, 0, len(items))
	for _, it := range slices.Backward(items) {
		if m.ttlAttr != "" {
			// DynamoDB deletes expired items lazily: skip those already past their time
			if exp, ok := it[m.ttlAttr].(*types.AttributeValueMemberN); ok {
				if e, err := strconv.ParseInt(exp.Value, 10, 64); err == nil && e <= now {
					continue
				}
			}
		}
		var s stored
		if err := attributevalue.UnmarshalMap(it, &s); err != nil {
			return nil, fmt.Errorf("decode a message of session %q: %w", session, err)
		}
		msgs = append(msgs, llm.Message{Role: llm.Role(s.Role), Content: s.Content, ToolCalls: s.ToolCalls, ToolCallID: s.ToolCallID, Name: s.Name})
	}
	return msgs, nil
}

// lastSeq reads the session's highest sequence number (0 when empty).
func (m *DynamoMemory) lastSeq(ctx context.Context, session string) (int64, error) {
	out, err := m.db.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &m.table,
		KeyConditionExpression:    sdkaws.String("#pk = :s"),
		ExpressionAttributeNames:  map[string]string{"#pk": m.pk, "#sk": m.sk},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: session}},
		ProjectionExpression:      sdkaws.String("#sk"),
		ScanIndexForward:          sdkaws.Bool(false),
		ConsistentRead:            sdkaws.Bool(true),
		Limit:                     sdkaws.Int32(1),
	})
	if err != nil {
		return 0, err
	}
	if len(out.Items) == 0 {
		return 0, nil
	}
	n, ok := out.Items[0][m.sk].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("sort key %s of table %s is not a number", m.sk, m.table)
	}
	return strconv.ParseInt(n.Value, 10, 64)
}

// maxAppendTries bounds the retries when concurrent appends to one session collide.
const maxAppendTries = 8

// MaxItemBytes is DynamoDB's limit on the size of one item (400 KB).
const MaxItemBytes = 400 * 1024

// TooLargeError is a message that would not fit in one DynamoDB item. Append refuses the
// whole batch before writing any of it.
type TooLargeError struct {
	Index int      // the message's position in the batch
	Role  llm.Role // its role
	Size  int      // the item's size in bytes, as DynamoDB counts it
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("the %s message is %d bytes as a DynamoDB item, over DynamoDB's limit of %d bytes (400 KB) per item", e.Role, e.Size, MaxItemBytes)
}

// Append adds messages to the end of session, each with the next sequence number. Each
// put is conditional on the number being free, so concurrent appends never overwrite
// each other: a collision reads the last number again and retries. A message too large
// for one item fails the append with a *TooLargeError before anything is written.
func (m *DynamoMemory) Append(ctx context.Context, session string, msgs ...llm.Message) error {
	now := m.now()
	items := make([]map[string]types.AttributeValue, 0, len(msgs))
	for i, msg := range msgs {
		item, err := attributevalue.MarshalMap(stored{Role: string(msg.Role), Content: msg.Content, ToolCalls: msg.ToolCalls,
			ToolCallID: msg.ToolCallID, Name: msg.Name, CreatedAt: now.UTC().Format(time.RFC3339Nano)})
		if err != nil {
			return fmt.Errorf("encode a %s message: %w", msg.Role, err)
		}
		item[m.pk] = &types.AttributeValueMemberS{Value: session}
		if m.ttl > 0 {
			item[m.ttlAttr] = &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Add(m.ttl).Unix(), 10)}
		}
		// the sort key is written below; count it at its widest
		item[m.sk] = &types.AttributeValueMemberN{Value: strconv.FormatInt(math.MaxInt64, 10)}
		if n := itemSize(item); n > MaxItemBytes {
			return fmt.Errorf("append to memory of session %q in table %s: %w", session, m.table, &TooLargeError{Index: i, Role: msg.Role, Size: n})
		}
		items = append(items, item)
	}
	seq, err := m.lastSeq(ctx, session)
	if err != nil {
		return fmt.Errorf("append to memory of session %q in table %s: %w", session, m.table, err)
	}
	for _, item := range items {
		for try := 1; ; try++ {
			seq++
			item[m.sk] = &types.AttributeValueMemberN{Value: strconv.FormatInt(seq, 10)}
			_, err = m.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &m.table, Item: item,
				ConditionExpression:      sdkaws.String("attribute_not_exists(#sk)"),
				ExpressionAttributeNames: map[string]string{"#sk": m.sk}})
			var ccf *types.ConditionalCheckFailedException
			if err == nil {
				break
			}
			if !errors.As(err, &ccf) || try >= maxAppendTries {
				return fmt.Errorf("append to memory of session %q in table %s: %w", session, m.table, err)
			}
			if seq, err = m.lastSeq(ctx, session); err != nil {
				return fmt.Errorf("append to memory of session %q in table %s: %w", session, m.table, err)
			}
		}
	}
	return nil
}

var _ llm.Memory = (*DynamoMemory)(nil)

// itemSize is an item's size as DynamoDB counts it against its item limit: each
// attribute's name plus its value, strings and binaries by their bytes, numbers by
// their digits (at most 21 bytes), lists and maps 3 bytes plus 1 per element plus
// their elements (a map's element names included).
func itemSize(item map[string]types.AttributeValue) int {
	n := 0
	for k, v := range item {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}

// numberSize is a number's size: one byte per two significant digits plus one, at most 21.
func numberSize(s string) int {
	digits := 0
	for _, r := range strings.TrimLeft(strings.TrimLeft(s, "-+"), "0.") {
		if r >= '0' && r <= '9' {
			digits++
		}
		if r == 'e' || r == 'E' {
			break
		}
	}
	return min((digits+1)/2+1, 21)
}

func (f *dynamoFamily) dynamoType() *nodes.Type {
	return &nodes.Type{
		ID: "memory.dynamodb", Category: category, Name: "DynamoDB memory", Icon: "brain", Service: llm.KindMemory,
		Doc: "A conversation memory kept in one of your DynamoDB tables, so an agent remembers a session across runs. " +
			"Each message is one item: partition key = the session id (string), sort key = its sequence number " +
			"(number, 1, 2, …), with `role`, `content`, `tool_calls`, `tool_call_id`, `name` and `created_at`. " +
			"Create the table with those two keys (on-demand billing is fine) and, to expire old conversations, " +
			"enable TTL on the TTL attribute. Appends never overwrite: each put is conditional on the sequence " +
			"number being free. A message must fit in one item (DynamoDB's 400 KB limit, keys and attribute names " +
			"included): a larger one fails the node naming the input and the limit, and nothing of that append is stored.\n\n" +
			"**Inputs**\n\n- `table` — the table name or ARN.\n" +
			"- `partition_key`, `sort_key` — the key attribute names (default `session`, `seq`).\n" +
			"- `window` — how many of the last messages the agent loads at most (0: all).\n" +
			"- `ttl_days` — days each message is kept (0: forever); stored in `ttl_attribute` (epoch seconds).\n" +
			"- `region`, `access_key_id`, `secret_access_key`, `session_token`, `role_arn`, `endpoint_url` — as for the " +
			"AWS nodes (the flow's own credentials, normally project secrets, or a role in your account).\n\n" +
			"**Outputs**\n\n- `memory` — the memory service (connect to an agent's memory).\n\n" +
			"**Example**: table `chat_memory` (keys `session` S, `seq` N), window 20, ttl_days 30.",
		Inputs: append([]nodes.Port{
			{Name: "table", Type: nodes.String, Required: true, Doc: "Table name or ARN."},
			{Name: "partition_key", Type: nodes.String, Default: "session", Doc: "Partition key attribute (string): the session id."},
			{Name: "sort_key", Type: nodes.String, Default: "seq", Doc: "Sort key attribute (number): the message's sequence."},
			{Name: "window", Type: nodes.Integer, Default: 20.0, Doc: "Most messages loaded (0: all)."},
			{Name: "ttl_days", Type: nodes.Number, Default: 0.0, Doc: "Days to keep each message (0: forever)."},
			{Name: "ttl_attribute", Type: nodes.String, Default: "expires_at", Doc: "TTL attribute name (epoch seconds)."},
		}, aws.Ports()...),
		Outputs: []nodes.Port{{Name: "memory", Type: nodes.ServiceType(llm.KindMemory), Doc: "The memory."}},
		Run: func(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
			table := strings.TrimSpace(c.Str("table"))
			if table == "" {
				return nil, nodes.Errorf("table", "required")
			}
			o := DynamoOptions{PartitionKey: strings.TrimSpace(c.Str("partition_key")), SortKey: strings.TrimSpace(c.Str("sort_key")),
				TTLAttribute: strings.TrimSpace(c.Str("ttl_attribute"))}
			if o.PartitionKey != "" && o.PartitionKey == o.SortKey {
				return nil, nodes.Errorf("sort_key", "must differ from the partition key %q", o.PartitionKey)
			}
			var err error
			if o.Window, err = c.IntOr("window", 20); err != nil {
				return nil, err
			}
			if o.Window < 0 {
				return nil, nodes.Errorf("window", "must be 0 or more, got %d", o.Window)
			}
			days := 0.0
			if c.Has("ttl_days") && c.Get("ttl_days") != "" {
				if days, err = c.Float("ttl_days"); err != nil {
					return nil, err
				}
			}
			if days < 0 {
				return nil, nodes.Errorf("ttl_days", "must be 0 or more, got %v", days)
			}
			o.TTL = time.Duration(days * float64(24*time.Hour))
			db, err := f.client(ctx, c)
			if err != nil {
				return nil, err
			}
			return nodes.Out{"memory": NewDynamoMemory(db, table, o)}, nil
		},
	}
}
