// Package email holds the e-mail node family: sending a message through an SMTP server
// (plain, STARTTLS or implicit TLS, optional PLAIN authentication) with text and HTML
// bodies, cc/bcc and attachments, using github.com/wneessen/go-mail.
package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	mail "github.com/wneessen/go-mail"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
)

const category = "E-mail"

// TLS modes of the `tls` input.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// Register adds the e-mail family to r.
func Register(r *nodes.Registry) error { return r.Register(sendType()) }

func sendType() *nodes.Type {
	return &nodes.Type{
		ID: "email.send", Category: category, Name: "Send e-mail (SMTP)", Icon: "mail",
		Doc: "Sends an e-mail through an SMTP server.\n\n" +
			"**Inputs**\n\n" +
			"- `host`, `port` — the SMTP server (port empty: 25 for `none`, 587 for `starttls`, 465 for `tls`).\n" +
			"- `tls` — `starttls` (upgrade the connection; required), `tls` (implicit TLS from the first byte) or " +
			"`none` (plain text; authentication over plain text is only allowed to localhost).\n" +
			"- `username`, `password` — SMTP AUTH PLAIN credentials (empty username: no authentication). " +
			"Use a secret for the password.\n" +
			"- `from` — sender address (`Name <addr@example.com>` works).\n" +
			"- `to`, `cc`, `bcc` — recipient lists (a list, or a comma-separated text); at least one recipient.\n" +
			"- `reply_to` — optional Reply-To address.\n" +
			"- `subject`, `text`, `html` — the subject and bodies; with both, the message is multipart/alternative.\n" +
			"- `attachments` — a list of `{filename, content, content_type}` with `content` in base64.\n" +
			"- `timeout_ms` — connection and send timeout.\n" +
			"- `allow_private_network` — " + netguard.Doc + "\n\n" +
			"**Outputs**\n\n- `message_id` — the Message-ID header sent.\n- `recipients` — how many addresses received it.\n\n" +
			"**Example**: host `smtp.example.com`, tls `starttls`, username `mailer`, password `<secret:SMTP_PASSWORD>`, " +
			"from `Shop <shop@example.com>`, to `[\"{{ order.email }}\"]`, subject `Your order`, html `<p>Thanks!</p>`, " +
			"attachments `[{\"filename\": \"invoice.pdf\", \"content\": \"{{ pdf.base64 }}\", \"content_type\": \"application/pdf\"}]`.",
		Inputs: []nodes.Port{
			{Name: "host", Type: nodes.String, Required: true, Doc: "SMTP server host name."},
			{Name: "port", Type: nodes.Integer, Min: nodes.Bound(1), Max: nodes.Bound(65535), Doc: "SMTP port (empty: by TLS mode)."},
			{Name: "tls", Type: nodes.String, Default: TLSStartTLS, Options: []string{TLSStartTLS, TLSImplicit, TLSNone}, Doc: "Transport security."},
			{Name: "username", Type: nodes.String, Doc: "SMTP user (empty: no authentication)."},
			{Name: "password", Type: nodes.Secret, Doc: "SMTP password."},
			{Name: "from", Type: nodes.String, Required: true, Doc: "Sender address."},
			{Name: "to", Type: nodes.List, Doc: "Recipients."},
			{Name: "cc", Type: nodes.List, Doc: "Carbon-copy recipients."},
			{Name: "bcc", Type: nodes.List, Doc: "Blind carbon-copy recipients (not shown in the headers)."},
			{Name: "reply_to", Type: nodes.String, Doc: "Reply-To address."},
			{Name: "subject", Type: nodes.String, Doc: "Subject line."},
			{Name: "text", Type: nodes.String, Editor: nodes.EditTemplate, Doc: "Plain-text body."},
			{Name: "html", Type: nodes.String, Editor: nodes.EditTemplate, Doc: "HTML body."},
			{Name: "attachments", Type: nodes.List, Doc: "Attachments: {filename, content (base64), content_type}."},
			{Name: "timeout_ms", Type: nodes.Integer, Min: nodes.Bound(1), Default: 30000.0, Doc: "Timeout in milliseconds."},
			netguard.Port(),
		},
		Outputs: []nodes.Port{
			{Name: "message_id", Type: nodes.String, Doc: "The Message-ID sent."},
			{Name: "recipients", Type: nodes.Integer, Doc: "Number of recipients."},
		},
		Run: send,
	}
}

// addresses reads a recipient list given as a list or comma-separated text.
func addresses(c *nodes.Call, port string) ([]string, error) {
	v := c.Get(port)
	var items []any
	switch x := v.(type) {
	case nil:
		return nil, nil
	case string:
		for _, s := range strings.Split(x, ",") {
			items = append(items, s)
		}
	default:
		l, err := c.List(port)
		if err != nil {
			return nil, err
		}
		items = l
	}
	var out []string
	for i, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, nodes.Errorf(port, "item %d must be an e-mail address, got %s", i, nodes.Describe(it))
		}
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// attachment is one decoded attachment.
type attachment struct {
	name, contentType string
	data              []byte
}

func attachments(c *nodes.Call) ([]attachment, error) {
	if v := c.Get("attachments"); v == nil || v == "" {
		return nil, nil
	}
	l, err := c.List("attachments")
	if err != nil {
		return nil, err
	}
	out := make([]attachment, 0, len(l))
	for i, it := range l {
		m, ok := it.(map[string]any)
		if !ok {
			return nil, nodes.Errorf("attachments", "item %d must be an object {filename, content, content_type}, got %s", i, nodes.Describe(it))
		}
		name := strings.TrimSpace(nodes.ToString(m["filename"]))
		if name == "" {
			return nil, nodes.Errorf("attachments", "item %d: filename is required", i)
		}
		data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(nodes.ToString(m["content"])))
		if err != nil {
			return nil, nodes.Errorf("attachments", "item %d (%s): content is not base64: %v", i, name, err)
		}
		ct := strings.TrimSpace(nodes.ToString(m["content_type"]))
		if ct == "" {
			ct = string(mail.TypeAppOctetStream)
		}
		out = append(out, attachment{name: name, contentType: ct, data: data})
	}
	return out, nil
}

func send(ctx context.Context, c *nodes.Call) (nodes.Out, error) {
	host := strings.TrimSpace(c.Str("host"))
	if host == "" {
		return nil, nodes.Errorf("host", "required")
	}
	mode := strings.ToLower(strings.TrimSpace(c.Str("tls")))
	defPort := map[string]int{TLSNone: 25, TLSStartTLS: 587, TLSImplicit: 465}[mode]
	if defPort == 0 {
		return nil, nodes.Errorf("tls", "must be one of none, starttls, tls, got %q", c.Str("tls"))
	}
	port, err := c.IntOr("port", defPort)
	if err != nil {
		return nil, err
	}
	timeoutMS, err := c.IntOr("timeout_ms", 30000)
	if err != nil {
		return nil, err
	}
	timeout := time.Duration(timeoutMS) * time.Millisecond

	m := mail.NewMsg()
	from := strings.TrimSpace(c.Str("from"))
	if err := m.From(from); err != nil {
		return nil, nodes.Errorf("from", "not a valid address %q: %v", from, err)
	}
	total := 0
	for _, p := range []struct {
		port string
		set  func(...string) error
	}{{"to", m.To}, {"cc", m.Cc}, {"bcc", m.Bcc}} {
		list, err := addresses(c, p.port)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			continue
		}
		if err := p.set(list...); err != nil {
			return nil, nodes.Errorf(p.port, "invalid address: %v", err)
		}
		total += len(list)
	}
	if total == 0 {
		return nil, nodes.Errorf("to", "at least one recipient (to, cc or bcc) is required")
	}
	if rt := strings.TrimSpace(c.Str("reply_to")); rt != "" {
		if err := m.ReplyTo(rt); err != nil {
			return nil, nodes.Errorf("reply_to", "not a valid address %q: %v", rt, err)
		}
	}
	m.Subject(c.Str("subject"))
	text, html := c.Str("text"), c.Str("html")
	switch {
	case text != "" && html != "":
		m.SetBodyString(mail.TypeTextPlain, text)
		m.AddAlternativeString(mail.TypeTextHTML, html)
	case html != "":
		m.SetBodyString(mail.TypeTextHTML, html)
	default:
		m.SetBodyString(mail.TypeTextPlain, text)
	}
	atts, err := attachments(c)
	if err != nil {
		return nil, err
	}
	for _, a := range atts {
		if err := m.AttachReader(a.name, bytes.NewReader(a.data), mail.WithFileContentType(mail.ContentType(a.contentType))); err != nil {
			return nil, fmt.Errorf("attach %s: %w", a.name, err)
		}
	}
	m.SetMessageID()
	m.SetDate()

	dial := netguard.Dialer(c.Bool(netguard.PortName), timeout)
	opts := []mail.Option{mail.WithPort(port), mail.WithTimeout(timeout)}
	switch mode {
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	case TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	case TLSImplicit:
		// go-mail leaves TLS to a custom dialer: wrap the guarded connection here
		plain := dial
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := plain(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			tc := tls.Client(conn, &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12})
			if err := tc.HandshakeContext(ctx); err != nil {
				_ = conn.Close()
				return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
			}
			return tc, nil
		}
		opts = append(opts, mail.WithSSL())
	}
	// go-mail does not close the connection when the greeting, STARTTLS or AUTH fails:
	// remember what was dialled and close it once the send is over
	var (
		mu    sync.Mutex
		conns []net.Conn
	)
	tracked := dial
	dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := tracked(ctx, network, addr)
		if err == nil {
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
		return conn, err
	}
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, conn := range conns {
			_ = conn.Close()
		}
	}()
	opts = append(opts, mail.WithDialContextFunc(mail.DialContextFunc(dial)))
	if user := c.Str("username"); user != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(user), mail.WithPassword(c.Str("password")))
	}
	client, err := mail.NewClient(host, opts...)
	if err != nil {
		return nil, fmt.Errorf("set up SMTP client for %s:%d: %w", host, port, err)
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := client.DialAndSendWithContext(sctx, m); err != nil {
		return nil, fmt.Errorf("send e-mail via %s:%d: %w", host, port, err)
	}
	c.Log("sent to %d recipient(s) via %s:%d", total, host, port)
	return nodes.Out{"message_id": m.GetMessageID(), "recipients": float64(total)}, nil
}
