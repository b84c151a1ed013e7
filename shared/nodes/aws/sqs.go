package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"polysynergy/shared/nodes"
)

func (f *family) sqsTypes() []*nodes.Type {
	return []*nodes.Type{{
		ID: "aws.sqs_send", Category: category, Name: "SQS send message", Icon: "send",
		Doc: "Sends a message to an Amazon SQS queue.\n\n" +
			"**Inputs**: `queue_url`; `message` (a string is sent as is, anything else as JSON); `delay_seconds` " +
			"(0–900); `attributes` (an object: strings are sent as String attributes, numbers as Number, " +
			"anything else as JSON text); for FIFO queues (URL ending in `.fifo`) `group_id` (required) and " +
			"`dedup_id`.\n\n" +
			"**Outputs**: `message_id`, `sequence_number` (FIFO queues only).\n\n" +
			"Example: queue_url `https://sqs.eu-west-1.amazonaws.com/123456789012/orders`, message " +
			"`{\"order\": 42}` sends the body `{\"order\":42}`.",
		Inputs: withCommon(
			nodes.Port{Name: "queue_url", Type: nodes.String, Required: true, Doc: "The queue's URL."},
			nodes.Port{Name: "message", Type: nodes.Any, Required: true, Doc: "Message body: a string, or a value sent as JSON."},
			nodes.Port{Name: "delay_seconds", Type: nodes.Integer, Min: nodes.Bound(0), Max: nodes.Bound(900), Doc: "Delay before the message can be received, 0–900 seconds."},
			nodes.Port{Name: "attributes", Type: nodes.Object, Doc: "Message attributes by name."},
			nodes.Port{Name: "group_id", Type: nodes.String, Doc: "FIFO queues: the message group id."},
			nodes.Port{Name: "dedup_id", Type: nodes.String, Doc: "FIFO queues: the deduplication id (optional with content-based deduplication)."},
		),
		Outputs: []nodes.Port{
			{Name: "message_id", Type: nodes.String, Doc: "The id SQS gave the message."},
			{Name: "sequence_number", Type: nodes.String, Doc: "FIFO queues: the message's sequence number (empty otherwise)."},
		},
		Run: f.sqsSend,
	}}
}

// messageText turns a message value into the text to send: strings as is, other values as JSON.
func messageText(port string, v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nodes.Errorf(port, "required")
	case string:
		if x == "" {
			return "", nodes.Errorf(port, "must not be empty")
		}
		return x, nil
	}
	b, err := json.Marshal(nodes.Normalize(v))
	if err != nil {
		return "", nodes.Errorf(port, "cannot encode as JSON: %v", err)
	}
	return string(b), nil
}

// sqsAttributes converts the attributes input to SQS message attributes.
func sqsAttributes(c *nodes.Call) (map[string]sqstypes.MessageAttributeValue, error) {
	m, err := optionalMap(c, "attributes")
	if err != nil || len(m) == 0 {
		return nil, err
	}
	out := make(map[string]sqstypes.MessageAttributeValue, len(m))
	for k, v := range m {
		var a sqstypes.MessageAttributeValue
		switch {
		case v == nil:
			return nil, nodes.Errorf("attributes", "%q has no value", k)
		case nodes.IsNumber(v):
			a = sqstypes.MessageAttributeValue{DataType: sdkaws.String("Number"), StringValue: sdkaws.String(nodes.ToString(v))}
		default:
			s := nodes.ToString(v)
			if s == "" {
				return nil, nodes.Errorf("attributes", "%q is empty (SQS refuses empty attribute values)", k)
			}
			a = sqstypes.MessageAttributeValue{DataType: sdkaws.String("String"), StringValue: sdkaws.String(s)}
		}
		out[k] = a
	}
	return out, nil
}

func (f *family) sqsSend(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	queue, err := required(c, "queue_url")
	if err != nil {
		return nil, err
	}
	body, err := messageText("message", c.Get("message"))
	if err != nil {
		return nil, err
	}
	delay, err := c.IntOr("delay_seconds", 0)
	if err != nil {
		return nil, err
	}
	attrs, err := sqsAttributes(c)
	if err != nil {
		return nil, err
	}
	fifo := strings.HasSuffix(queue, ".fifo")
	group, dedup := optStr(c, "group_id"), optStr(c, "dedup_id")
	switch {
	case fifo && group == nil:
		return nil, nodes.Errorf("group_id", "required for a FIFO queue")
	case !fifo && group != nil:
		return nil, nodes.Errorf("group_id", "only FIFO queues (URL ending in .fifo) take a group id")
	case !fifo && dedup != nil:
		return nil, nodes.Errorf("dedup_id", "only FIFO queues (URL ending in .fifo) take a deduplication id")
	case fifo && delay > 0:
		return nil, nodes.Errorf("delay_seconds", "FIFO queues do not take a per-message delay")
	}
	t, err := f.target(ctx, c)
	if err != nil {
		return nil, err
	}
	cl := sqs.NewFromConfig(t.cfg, func(o *sqs.Options) { o.BaseEndpoint = t.endpoint })
	in := &sqs.SendMessageInput{QueueUrl: &queue, MessageBody: &body, MessageAttributes: attrs,
		MessageGroupId: group, MessageDeduplicationId: dedup}
	if delay > 0 {
		in.DelaySeconds = int32(delay)
	}
	out, err := cl.SendMessage(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("sqs send message to %s: %w", queue, err)
	}
	return nodes.Out{"message_id": sdkaws.ToString(out.MessageId), "sequence_number": sdkaws.ToString(out.SequenceNumber)}, nil
}
