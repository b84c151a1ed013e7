package aws

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"polysynergy/shared/nodes"
)

// maxRecipients is SES's limit of recipients per message.
const maxRecipients = 50

func (f *family) sesTypes() []*nodes.Type {
	return []*nodes.Type{{
		ID: "aws.ses_send", Category: category, Name: "SES send e-mail", Icon: "mail",
		Doc: "Sends an e-mail with Amazon SES (v2 API) from a verified address or domain.\n\n" +
			"**Inputs**: `from` (e.g. `Shop <noreply@example.com>`), `to`, `cc`, `bcc`, `reply_to` (each a list of " +
			"addresses or a comma-separated string; at most 50 recipients in all), `subject`, `text` and/or " +
			"`html` bodies, `configuration_set`.\n\n" +
			"**Outputs**: `message_id`.\n\n" +
			"Example: from `noreply@example.com`, to `ada@example.com`, subject `Welcome`, text `Hello Ada`.",
		Inputs: withCommon(
			nodes.Port{Name: "from", Type: nodes.String, Required: true, Doc: "Sender address (verified in SES)."},
			nodes.Port{Name: "to", Type: nodes.Any, Required: true, Doc: "Recipients: a list or a comma-separated string."},
			nodes.Port{Name: "cc", Type: nodes.Any, Doc: "Copy recipients."},
			nodes.Port{Name: "bcc", Type: nodes.Any, Doc: "Blind copy recipients."},
			nodes.Port{Name: "reply_to", Type: nodes.Any, Doc: "Reply-To addresses."},
			nodes.Port{Name: "subject", Type: nodes.String, Required: true, Doc: "Subject line."},
			nodes.Port{Name: "text", Type: nodes.String, Doc: "Plain-text body."},
			nodes.Port{Name: "html", Type: nodes.String, Doc: "HTML body."},
			nodes.Port{Name: "configuration_set", Type: nodes.String, Doc: "SES configuration set to use."},
		),
		Outputs: []nodes.Port{{Name: "message_id", Type: nodes.String, Doc: "The id SES gave the message."}},
		Run:     f.sesSend,
	}}
}

// addresses reads a list or comma-separated string of e-mail addresses from port.
func addresses(c *nodes.Call, port string) ([]string, error) {
	var raw []string
	switch v := c.Get(port).(type) {
	case nil:
		return nil, nil
	case string:
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				raw = append(raw, s)
			}
		}
	default:
		l, err := c.List(port)
		if err != nil {
			return nil, err
		}
		for i, e := range l {
			s, ok := e.(string)
			if !ok || strings.TrimSpace(s) == "" {
				return nil, nodes.Errorf(port, "item %d must be an e-mail address, got %s", i, nodes.Describe(e))
			}
			raw = append(raw, strings.TrimSpace(s))
		}
	}
	for _, a := range raw {
		if _, err := mail.ParseAddress(a); err != nil {
			return nil, nodes.Errorf(port, "%q is not an e-mail address: %v", a, err)
		}
	}
	return raw, nil
}

func (f *family) sesSend(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	from, err := required(c, "from")
	if err != nil {
		return nil, err
	}
	if _, err := mail.ParseAddress(from); err != nil {
		return nil, nodes.Errorf("from", "%q is not an e-mail address: %v", from, err)
	}
	lists := map[string][]string{}
	for _, p := range []string{"to", "cc", "bcc", "reply_to"} {
		if lists[p], err = addresses(c, p); err != nil {
			return nil, err
		}
	}
	if len(lists["to"]) == 0 {
		return nil, nodes.Errorf("to", "at least one recipient is required")
	}
	if n := len(lists["to"]) + len(lists["cc"]) + len(lists["bcc"]); n > maxRecipients {
		return nil, nodes.Errorf("to", "at most %d recipients in to, cc and bcc together, got %d", maxRecipients, n)
	}
	subject, err := required(c, "subject")
	if err != nil {
		return nil, err
	}
	body := &sestypes.Body{}
	if s := c.Str("text"); s != "" {
		body.Text = &sestypes.Content{Data: &s, Charset: sdkaws.String("UTF-8")}
	}
	if s := c.Str("html"); s != "" {
		body.Html = &sestypes.Content{Data: &s, Charset: sdkaws.String("UTF-8")}
	}
	if body.Text == nil && body.Html == nil {
		return nil, nodes.Errorf("text", "give a text or an html body")
	}
	t, err := f.target(ctx, c)
	if err != nil {
		return nil, err
	}
	cl := sesv2.NewFromConfig(t.cfg, func(o *sesv2.Options) { o.BaseEndpoint = t.endpoint })
	out, err := cl.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: &from,
		Destination:      &sestypes.Destination{ToAddresses: lists["to"], CcAddresses: lists["cc"], BccAddresses: lists["bcc"]},
		ReplyToAddresses: lists["reply_to"],
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: &subject, Charset: sdkaws.String("UTF-8")}, Body: body}},
		ConfigurationSetName: optStr(c, "configuration_set"),
	})
	if err != nil {
		return nil, fmt.Errorf("ses send e-mail from %s: %w", from, err)
	}
	return nodes.Out{"message_id": sdkaws.ToString(out.MessageId)}, nil
}
