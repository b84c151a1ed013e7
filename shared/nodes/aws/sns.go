package aws

import (
	"context"
	"fmt"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"polysynergy/shared/nodes"
)

func (f *family) snsTypes() []*nodes.Type {
	return []*nodes.Type{{
		ID: "aws.sns_publish", Category: category, Name: "SNS publish", Icon: "megaphone",
		Doc: "Publishes a message to an Amazon SNS topic, a mobile endpoint or a phone number (SMS).\n\n" +
			"**Inputs**: exactly one of `topic_arn`, `target_arn`, `phone_number`; `message` (a string is sent as " +
			"is, anything else as JSON); `subject` (e-mail subscriptions); `attributes` (strings as String, numbers " +
			"as Number attributes, other values as JSON text); for FIFO topics (ARN ending in `.fifo`) `group_id` " +
			"(required) and `dedup_id`.\n\n" +
			"**Outputs**: `message_id`, `sequence_number` (FIFO topics only).\n\n" +
			"Example: topic_arn `arn:aws:sns:eu-west-1:123456789012:alerts`, message `Disk almost full`.",
		Inputs: withCommon(
			nodes.Port{Name: "topic_arn", Type: nodes.String, Doc: "Topic to publish to."},
			nodes.Port{Name: "target_arn", Type: nodes.String, Doc: "Or: a platform endpoint ARN."},
			nodes.Port{Name: "phone_number", Type: nodes.String, Doc: "Or: a phone number in E.164 form for an SMS."},
			nodes.Port{Name: "message", Type: nodes.Any, Required: true, Doc: "The message: a string, or a value sent as JSON."},
			nodes.Port{Name: "subject", Type: nodes.String, Doc: "Subject line for e-mail subscriptions (max 100 characters)."},
			nodes.Port{Name: "attributes", Type: nodes.Object, Doc: "Message attributes by name."},
			nodes.Port{Name: "group_id", Type: nodes.String, Doc: "FIFO topics: the message group id."},
			nodes.Port{Name: "dedup_id", Type: nodes.String, Doc: "FIFO topics: the deduplication id."},
		),
		Outputs: []nodes.Port{
			{Name: "message_id", Type: nodes.String, Doc: "The id SNS gave the message."},
			{Name: "sequence_number", Type: nodes.String, Doc: "FIFO topics: the sequence number (empty otherwise)."},
		},
		Run: f.snsPublish,
	}}
}

func snsAttributes(c *nodes.Call) (map[string]snstypes.MessageAttributeValue, error) {
	m, err := optionalMap(c, "attributes")
	if err != nil || len(m) == 0 {
		return nil, err
	}
	out := make(map[string]snstypes.MessageAttributeValue, len(m))
	for k, v := range m {
		typ := "String"
		if nodes.IsNumber(v) {
			typ = "Number"
		}
		s := nodes.ToString(v)
		if v == nil || s == "" {
			return nil, nodes.Errorf("attributes", "%q is empty (SNS refuses empty attribute values)", k)
		}
		out[k] = snstypes.MessageAttributeValue{DataType: sdkaws.String(typ), StringValue: sdkaws.String(s)}
	}
	return out, nil
}

func (f *family) snsPublish(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	topic, targetArn, phone := optStr(c, "topic_arn"), optStr(c, "target_arn"), optStr(c, "phone_number")
	n := 0
	for _, p := range []*string{topic, targetArn, phone} {
		if p != nil {
			n++
		}
	}
	if n != 1 {
		return nil, nodes.Errorf("topic_arn", "give exactly one of topic_arn, target_arn and phone_number (got %d)", n)
	}
	msg, err := messageText("message", c.Get("message"))
	if err != nil {
		return nil, err
	}
	subject := optStr(c, "subject")
	if subject != nil && len(*subject) > 100 {
		return nil, nodes.Errorf("subject", "at most 100 characters, got %d", len(*subject))
	}
	attrs, err := snsAttributes(c)
	if err != nil {
		return nil, err
	}
	fifo := topic != nil && strings.HasSuffix(*topic, ".fifo")
	group, dedup := optStr(c, "group_id"), optStr(c, "dedup_id")
	switch {
	case fifo && group == nil:
		return nil, nodes.Errorf("group_id", "required for a FIFO topic")
	case !fifo && group != nil:
		return nil, nodes.Errorf("group_id", "only FIFO topics (ARN ending in .fifo) take a group id")
	case !fifo && dedup != nil:
		return nil, nodes.Errorf("dedup_id", "only FIFO topics (ARN ending in .fifo) take a deduplication id")
	}
	t, err := f.target(ctx, c)
	if err != nil {
		return nil, err
	}
	cl := sns.NewFromConfig(t.cfg, func(o *sns.Options) { o.BaseEndpoint = t.endpoint })
	out, err := cl.Publish(ctx, &sns.PublishInput{TopicArn: topic, TargetArn: targetArn, PhoneNumber: phone,
		Message: &msg, Subject: subject, MessageAttributes: attrs, MessageGroupId: group, MessageDeduplicationId: dedup})
	if err != nil {
		dest := sdkaws.ToString(topic) + sdkaws.ToString(targetArn) + sdkaws.ToString(phone)
		return nil, fmt.Errorf("sns publish to %s: %w", dest, err)
	}
	return nodes.Out{"message_id": sdkaws.ToString(out.MessageId), "sequence_number": sdkaws.ToString(out.SequenceNumber)}, nil
}
