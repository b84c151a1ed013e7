package memory

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"

	"polysynergy/shared/llm"
	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

func testLoader(_ context.Context, region string) (sdkaws.Config, error) {
	return sdkaws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", ""),
		RetryMaxAttempts: 1, HTTPClient: &http.Client{Transport: store.OwnedBodyTransport{}}}, nil
}

func registry(t *testing.T) *nodes.Registry {
	t.Helper()
	r := nodes.NewRegistry()
	if err := RegisterWith(r, testLoader); err != nil {
		t.Fatalf("register: %v", err)
	}
	return r
}

func lookup(t *testing.T, id string) *nodes.Type {
	t.Helper()
	typ, ok := registry(t).Lookup(id)
	if !ok {
		t.Fatalf("%s not registered", id)
	}
	return typ
}

func run(t *testing.T, id string, in map[string]any) (nodes.Out, error) {
	t.Helper()
	out, err, _ := nodetest.Run(context.Background(), lookup(t, id), in, nodetest.Options{})
	return out, err
}

func checkErr(t *testing.T, err error, want string) bool {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return false
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error = %v, want one containing %q", err, want)
	}
	return true
}

func TestFamilyDocumented(t *testing.T) {
	covered := map[string]bool{"memory.dynamodb": true, "memory.buffer": true, "memory.load": true, "memory.append": true}
	r := registry(t)
	for _, typ := range r.Types() {
		if !covered[typ.ID] || typ.Category == "" || !strings.Contains(typ.Doc, "**Example**") {
			t.Errorf("%s: needs a test, a category and a doc with an example", typ.ID)
		}
	}
	if r.Len() != len(covered) {
		t.Errorf("registered %d types, covered %d", r.Len(), len(covered))
	}
	for _, id := range []string{"memory.dynamodb", "memory.buffer"} {
		if typ, _ := r.Lookup(id); typ.Service != llm.KindMemory {
			t.Errorf("%s provides %q, want %q", id, typ.Service, llm.KindMemory)
		}
	}
}

// dynamoEnv starts minidyn with a chat table (session S, seq N) and returns its URL and client.
func dynamoEnv(t *testing.T) (string, *dynamodb.Client) {
	t.Helper()
	srv := httptest.NewServer(server.NewServer())
	t.Cleanup(srv.Close)
	cl := storetest.NewClient(srv.URL)
	_, err := cl.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName: sdkaws.String("chat"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: sdkaws.String("session"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: sdkaws.String("seq"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: sdkaws.String("session"), KeyType: types.KeyTypeHash},
			{AttributeName: sdkaws.String("seq"), KeyType: types.KeyTypeRange},
		},
		BillingMode:           types.BillingModeProvisioned,
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: sdkaws.Int64(1), WriteCapacityUnits: sdkaws.Int64(1)},
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	return srv.URL, cl
}

func msgs(pairs ...string) []any {
	var out []any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{"role": pairs[i], "content": pairs[i+1]})
	}
	return out
}

// scenario runs memory nodes against one memory service value.
func scenario(t *testing.T, mem any) {
	t.Helper()
	steps := []struct {
		name, id string
		in       map[string]any
		want     nodes.Out
		wantErr  string
	}{
		{name: "append list", id: "memory.append", in: map[string]any{"session": "s1", "messages": msgs("system", "Be brief.", "user", "Hi", "assistant", "Hello!")},
			want: nodes.Out{"count": 3.0}},
		{name: "append one", id: "memory.append", in: map[string]any{"session": "s1", "role": "user", "content": "Who am I?"}, want: nodes.Out{"count": 1.0}},
		{name: "other session", id: "memory.append", in: map[string]any{"session": "s2", "content": "Elsewhere"}, want: nodes.Out{"count": 1.0}},
		{name: "load all", id: "memory.load", in: map[string]any{"session": "s1"},
			want: nodes.Out{"count": 4.0, "messages": msgs("system", "Be brief.", "user", "Hi", "assistant", "Hello!", "user", "Who am I?")}},
		{name: "load last two", id: "memory.load", in: map[string]any{"session": "s1", "limit": 2.0},
			want: nodes.Out{"count": 2.0, "messages": msgs("assistant", "Hello!", "user", "Who am I?")}},
		{name: "load empty session", id: "memory.load", in: map[string]any{"session": "nobody"}, want: nodes.Out{"count": 0.0, "messages": []any{}}},
		{name: "bad role", id: "memory.append", in: map[string]any{"session": "s1", "messages": msgs("robot", "x")}, wantErr: `input "messages": item 0: role must be system, user, assistant or tool`},
		{name: "bad message", id: "memory.append", in: map[string]any{"session": "s1", "messages": []any{"hi"}}, wantErr: `input "messages": item 0: must be an object`},
		{name: "nothing to append", id: "memory.append", in: map[string]any{"session": "s1"}, wantErr: `input "messages": give messages, or a content`},
		{name: "no session", id: "memory.load", in: map[string]any{"session": " "}, wantErr: `input "session": required`},
		// A tool message that answers no call cannot be sent to any provider: kept, it would
		// fail every later agent run of the session.
		{name: "tool message without its call", id: "memory.append", in: map[string]any{"session": "s1",
			"messages": []any{map[string]any{"role": "tool", "content": "42"}}},
			wantErr: `input "messages": item 0: a tool message needs the tool_call_id of the call it answers`},
		{name: "single tool message", id: "memory.append", in: map[string]any{"session": "s1", "role": "tool", "content": "42"},
			wantErr: `input "role": a tool message needs the tool_call_id of the call it answers`},
		{name: "negative limit", id: "memory.load", in: map[string]any{"session": "s1", "limit": -1.0},
			wantErr: `input "limit": must be 0 or more, got -1`},
		{name: "nothing was added", id: "memory.load", in: map[string]any{"session": "s1"}, want: nodes.Out{"count": 4.0}},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			in := map[string]any{"memory": mem}
			for k, v := range s.in {
				in[k] = v
			}
			out, err := run(t, s.id, in)
			if checkErr(t, err, s.wantErr) {
				return
			}
			for k, v := range s.want {
				if !reflect.DeepEqual(out[k], v) {
					t.Errorf("%s = %#v, want %#v", k, out[k], v)
				}
			}
		})
	}
	if _, err := run(t, "memory.load", map[string]any{"memory": "x", "session": "s"}); err == nil || !strings.Contains(err.Error(), `input "memory": expected a memory service`) {
		t.Errorf("load without memory: %v", err)
	}
}

func TestBuffer(t *testing.T) {
	out, err := run(t, "memory.buffer", nil)
	checkErr(t, err, "")
	scenario(t, out["memory"])

	out, err = run(t, "memory.buffer", map[string]any{"window": 2.0, "session": "a", "initial": msgs("user", "1", "assistant", "2", "user", "3")})
	checkErr(t, err, "")
	got, _ := out["memory"].(llm.Memory).Load(context.Background(), "a", 0)
	if len(got) != 2 || got[0].Content != "2" || got[1].Content != "3" {
		t.Errorf("windowed load = %+v, want the last two", got)
	}
	for _, tc := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"window": -1.0}, `input "window": must be 0 or more`},
		{map[string]any{"initial": []any{map[string]any{"role": "x"}}}, `input "initial": item 0: role must be`},
	} {
		_, err := run(t, "memory.buffer", tc.in)
		checkErr(t, err, tc.want)
	}
}

func TestDynamoMemory(t *testing.T) {
	url, cl := dynamoEnv(t)
	base := map[string]any{"table": "chat", "region": "eu-west-1", "endpoint_url": url, "allow_private_network": true, "window": 0.0}
	out, err := run(t, "memory.dynamodb", base)
	checkErr(t, err, "")
	scenario(t, out["memory"])

	// the items are where the doc says, with sequence numbers 1..4
	res, err := cl.Query(context.Background(), &dynamodb.QueryInput{TableName: sdkaws.String("chat"),
		KeyConditionExpression:    sdkaws.String("#s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "session"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "s1"}}})
	if err != nil {
		t.Fatal(err)
	}
	var seqs []string
	for _, it := range res.Items {
		seqs = append(seqs, it["seq"].(*types.AttributeValueMemberN).Value)
		if _, ok := it["expires_at"]; ok {
			t.Errorf("item has a TTL attribute though ttl_days is 0")
		}
	}
	if strings.Join(seqs, ",") != "1,2,3,4" {
		t.Errorf("sequence numbers = %v, want 1..4", seqs)
	}

	// the window bounds every load
	out, err = run(t, "memory.dynamodb", map[string]any{"table": "chat", "region": "eu-west-1", "endpoint_url": url, "allow_private_network": true, "window": 3.0})
	checkErr(t, err, "")
	got, err := out["memory"].(llm.Memory).Load(context.Background(), "s1", 10)
	if err != nil || len(got) != 3 || got[0].Content != "Hi" {
		t.Errorf("windowed load = %+v, %v; want the last three", got, err)
	}
}

func TestDynamoMemoryToolCallsTTLAndConcurrency(t *testing.T) {
	url, cl := dynamoEnv(t)
	out, err := run(t, "memory.dynamodb", map[string]any{"table": "chat", "region": "eu-west-1", "endpoint_url": url, "allow_private_network": true})
	checkErr(t, err, "")
	mem := out["memory"].(*DynamoMemory)
	ctx := context.Background()

	// tool calls survive the round trip
	call := []llm.Message{
		{Role: llm.Assistant, ToolCalls: []llm.ToolCall{{ID: "c1", Name: "lookup", Arguments: map[string]any{"n": 42.0, "q": "x"}}}},
		{Role: llm.ToolRole, ToolCallID: "c1", Name: "lookup", Content: `{"found":true}`},
	}
	if err := mem.Append(ctx, "tools", call...); err != nil {
		t.Fatal(err)
	}
	got, err := mem.Load(ctx, "tools", 0)
	if err != nil || !reflect.DeepEqual(got, call) {
		t.Errorf("tool messages = %+v, %v; want %+v", got, err, call)
	}

	// concurrent appends all land, with distinct sequence numbers
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- mem.Append(ctx, "busy", llm.Message{Role: llm.User, Content: fmt.Sprint(i)})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent append: %v", err)
		}
	}
	if got, _ := mem.Load(ctx, "busy", 0); len(got) != 6 {
		t.Errorf("concurrent appends stored %d messages, want 6", len(got))
	}

	// TTL: messages carry expires_at; expired ones are not loaded
	past := time.Now().Add(-48 * time.Hour)
	old := NewDynamoMemory(mem.db, "chat", DynamoOptions{TTL: 24 * time.Hour, Now: func() time.Time { return past }})
	fresh := NewDynamoMemory(mem.db, "chat", DynamoOptions{TTL: 24 * time.Hour})
	if err := old.Append(ctx, "ttl", llm.Message{Role: llm.User, Content: "old"}); err != nil {
		t.Fatal(err)
	}
	if err := fresh.Append(ctx, "ttl", llm.Message{Role: llm.User, Content: "new"}); err != nil {
		t.Fatal(err)
	}
	got, err = fresh.Load(ctx, "ttl", 0)
	if err != nil || len(got) != 1 || got[0].Content != "new" {
		t.Errorf("load with TTL = %+v, %v; want only the fresh message", got, err)
	}
	it, err := cl.GetItem(ctx, &dynamodb.GetItemInput{TableName: sdkaws.String("chat"), Key: map[string]types.AttributeValue{
		"session": &types.AttributeValueMemberS{Value: "ttl"}, "seq": &types.AttributeValueMemberN{Value: "1"}}})
	if err != nil {
		t.Fatal(err)
	}
	if exp, ok := it.Item["expires_at"].(*types.AttributeValueMemberN); !ok || exp.Value != fmt.Sprint(past.Add(24*time.Hour).Unix()) {
		t.Errorf("expires_at = %#v, want %d", it.Item["expires_at"], past.Add(24*time.Hour).Unix())
	}

	// a missing table is an error naming it
	gone := NewDynamoMemory(mem.db, "nope", DynamoOptions{})
	if _, err := gone.Load(ctx, "s", 0); err == nil || !strings.Contains(err.Error(), `load memory of session "s" from table nope`) {
		t.Errorf("load from a missing table: %v", err)
	}
	if err := gone.Append(ctx, "s", llm.Message{Role: llm.User}); err == nil || !strings.Contains(err.Error(), `append to memory of session "s" in table nope`) {
		t.Errorf("append to a missing table: %v", err)
	}
}

func TestDynamoMemoryInputErrors(t *testing.T) {
	t.Setenv("AWS_REGION", "")
	for _, tc := range []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"region": "eu-west-1"}, `input "table": required`},
		{map[string]any{"table": "t"}, `input "region": no region given`},
		{map[string]any{"table": "t", "region": "eu-west-1", "endpoint_url": "localhost"}, `input "endpoint_url": must be an http`},
		{map[string]any{"table": "t", "region": "eu-west-1", "sort_key": "session"}, `input "sort_key": must differ`},
		{map[string]any{"table": "t", "region": "eu-west-1", "window": -2.0}, `input "window": must be 0 or more`},
		{map[string]any{"table": "t", "region": "eu-west-1", "ttl_days": -1.0}, `input "ttl_days": must be 0 or more`},
		{map[string]any{"table": "t", "region": "eu-west-1", "ttl_days": "soon"}, `input "ttl_days": expected a number`},
		// credentials follow the AWS nodes' rules (a flow's own key comes whole)
		{map[string]any{"table": "t", "region": "eu-west-1", "access_key_id": "AKIDFLOW"}, `input "secret_access_key": required with access_key_id`},
	} {
		_, err := run(t, "memory.dynamodb", tc.in)
		checkErr(t, err, tc.want)
	}
}

// A message larger than DynamoDB's 400 KB item limit is refused before anything is
// written (DynamoDB would answer with a raw ValidationException; the embedded one
// used here does not enforce the limit at all), naming the input and the limit.
func TestDynamoMemoryItemLimit(t *testing.T) {
	url, _ := dynamoEnv(t)
	out, err := run(t, "memory.dynamodb", map[string]any{"table": "chat", "region": "eu-west-1", "endpoint_url": url, "allow_private_network": true})
	checkErr(t, err, "")
	mem := out["memory"]
	big := strings.Repeat("é", MaxItemBytes/2) // 2 bytes each: the limit in bytes, plus the item's other attributes

	_, err = run(t, "memory.append", map[string]any{"memory": mem, "session": "s", "content": big})
	checkErr(t, err, `input "content": the user message is `)
	checkErr(t, err, "over DynamoDB's limit of 409600 bytes (400 KB) per item")

	_, err = run(t, "memory.append", map[string]any{"memory": mem, "session": "s",
		"messages": []any{map[string]any{"role": "user", "content": "fits"}, map[string]any{"role": "assistant", "content": big}}})
	checkErr(t, err, `input "messages": item 1: the assistant message is `)

	// neither append stored anything, not even the message that fits
	got, err := run(t, "memory.load", map[string]any{"memory": mem, "session": "s"})
	checkErr(t, err, "")
	if got["count"] != 0.0 {
		t.Errorf("stored %v messages after refused appends, want 0", got["count"])
	}

	// just under the limit still fits
	fits := strings.Repeat("x", MaxItemBytes-200)
	_, err = run(t, "memory.append", map[string]any{"memory": mem, "session": "s", "content": fits})
	checkErr(t, err, "")
}

func TestItemSize(t *testing.T) {
	item := map[string]types.AttributeValue{
		"s":   &types.AttributeValueMemberS{Value: "héllo"},                                                                            // 1 + 6
		"n":   &types.AttributeValueMemberN{Value: "12345"},                                                                            // 1 + 4
		"b":   &types.AttributeValueMemberBOOL{Value: true},                                                                            // 1 + 1
		"l":   &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "ab"}}},                  // 1 + 3 + 1 + 2
		"map": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": &types.AttributeValueMemberNULL{Value: true}}}, // 3 + 3 + 1 + 1 + 1
	}
	if got, want := itemSize(item), 7+5+2+7+9; got != want {
		t.Errorf("itemSize = %d, want %d", got, want)
	}
	if got := numberSize("-0.000123456789012345678901234567890123456789"); got != 21 {
		t.Errorf("numberSize of 39 digits = %d, want 21", got)
	}
}
