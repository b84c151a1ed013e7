package email

import (
	"bufio"
	"context"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"testing"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/nodetest"
)

// received is one message an SMTP stand-in accepted.
type received struct {
	auth     string // decoded AUTH PLAIN response: "\x00user\x00pass"
	from     string
	rcpt     []string
	data     string
	starttls bool // the server was asked to offer STARTTLS
}

// smtpServer is a minimal SMTP server speaking EHLO, AUTH PLAIN, MAIL FROM, RCPT TO,
// DATA, RSET, NOOP and QUIT on a loopback listener.
type smtpServer struct {
	ln       net.Listener
	offerTLS bool
	mu       sync.Mutex
	msgs     []received
	conns    []net.Conn
	wg       sync.WaitGroup
}

func newSMTP(t *testing.T, offerTLS bool) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{ln: ln, offerTLS: offerTLS}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns = append(s.conns, conn)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				s.serve(conn)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

func (s *smtpServer) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func (s *smtpServer) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(line string) { _, _ = io.WriteString(conn, line+"\r\n") }
	say("220 stand-in ESMTP ready")
	var cur received
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(strings.SplitN(line, " ", 2)[0])
		switch {
		case verb == "EHLO" || verb == "HELO":
			say("250-stand-in greets you")
			if s.offerTLS {
				say("250-STARTTLS")
			}
			say("250-AUTH PLAIN")
			say("250 8BITMIME")
		case strings.HasPrefix(strings.ToUpper(line), "AUTH PLAIN"):
			resp := strings.TrimSpace(line[len("AUTH PLAIN"):])
			if resp == "" {
				say("334 ")
				resp, _ = r.ReadString('\n')
				resp = strings.TrimSpace(resp)
			}
			dec, err := base64.StdEncoding.DecodeString(resp)
			if err != nil || !strings.HasSuffix(string(dec), "\x00secret") {
				say("535 5.7.8 authentication failed")
				continue
			}
			cur.auth = string(dec)
			say("235 2.7.0 authenticated")
		case verb == "MAIL":
			cur.from = between(line)
			say("250 2.1.0 ok")
		case verb == "RCPT":
			cur.rcpt = append(cur.rcpt, between(line))
			say("250 2.1.5 ok")
		case verb == "DATA":
			say("354 end with <CRLF>.<CRLF>")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			cur.data = b.String()
			s.mu.Lock()
			s.msgs = append(s.msgs, cur)
			s.mu.Unlock()
			cur = received{auth: cur.auth}
			say("250 2.0.0 queued")
		case verb == "RSET" || verb == "NOOP":
			say("250 2.0.0 ok")
		case verb == "QUIT":
			say("221 2.0.0 bye")
			return
		default:
			say("502 5.5.2 not implemented")
		}
	}
}

func between(line string) string {
	i, j := strings.Index(line, "<"), strings.Index(line, ">")
	if i < 0 || j < i {
		return ""
	}
	return line[i+1 : j]
}

func (s *smtpServer) last(t *testing.T) received {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.msgs) == 0 {
		t.Fatal("the SMTP server received no message")
	}
	return s.msgs[len(s.msgs)-1]
}

func (s *smtpServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.msgs)
}

// parts reads a message's bodies by content type (walking multiparts) and its
// attachments by file name.
func parts(t *testing.T, data string) (*mail.Message, map[string]string, map[string][2]string) {
	t.Helper()
	msg, err := mail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, data)
	}
	bodies, files := map[string]string{}, map[string][2]string{}
	var walk func(h map[string][]string, r io.Reader)
	walk = func(h map[string][]string, r io.Reader) {
		ct, params, err := mime.ParseMediaType(first(h["Content-Type"]))
		if err != nil {
			t.Fatalf("content type %q: %v", first(h["Content-Type"]), err)
		}
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header, p)
			}
		}
		raw, _ := io.ReadAll(r)
		body := string(raw)
		switch strings.ToLower(first(h["Content-Transfer-Encoding"])) {
		case "base64":
			dec, err := base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(body))
			if err != nil {
				t.Fatalf("base64 part: %v", err)
			}
			body = string(dec)
		case "quoted-printable":
			dec, _ := io.ReadAll(newQP(body))
			body = string(dec)
		}
		if _, dp, err := mime.ParseMediaType(first(h["Content-Disposition"])); err == nil && dp["filename"] != "" {
			files[dp["filename"]] = [2]string{ct, body}
			return
		}
		bodies[ct] = strings.TrimRight(body, "\r\n")
	}
	walk(msg.Header, msg.Body)
	return msg, bodies, files
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func TestFamilyDocumented(t *testing.T) {
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{"email.send": true}
	for _, typ := range r.Types() {
		if !covered[typ.ID] || typ.Category == "" || !strings.Contains(typ.Doc, "**Example**") {
			t.Errorf("%s: needs a category, a doc with an example and a test", typ.ID)
		}
	}
	if r.Len() != len(covered) {
		t.Errorf("registered %d, covered %d", r.Len(), len(covered))
	}
}

func TestSend(t *testing.T) {
	r := nodes.NewRegistry()
	if err := Register(r); err != nil {
		t.Fatal(err)
	}
	typ, _ := r.Lookup("email.send")
	srv := newSMTP(t, false)
	tlsSrv := newSMTP(t, false)
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 invoice"))
	base := func(extra map[string]any) map[string]any {
		in := map[string]any{"host": "127.0.0.1", "port": float64(srv.port()), "tls": "none", "allow_private_network": true,
			"from": "Shop <shop@example.com>", "to": []any{"ada@example.com"}, "subject": "Your order", "timeout_ms": 5000.0}
		for k, v := range extra {
			in[k] = v
		}
		return in
	}
	tests := []struct {
		name    string
		in      map[string]any
		wantErr string
		check   func(t *testing.T, got received)
	}{
		{name: "text, html, cc, bcc, attachment and auth", in: base(map[string]any{
			"username": "mailer", "password": "secret", "cc": "bob@example.com, carol@example.com", "bcc": []any{"audit@example.com"},
			"reply_to": "help@example.com", "text": "Thanks for your order.", "html": "<p>Thanks for your <b>order</b>.</p>",
			"attachments": []any{map[string]any{"filename": "invoice.pdf", "content": pdf, "content_type": "application/pdf"}}}),
			check: func(t *testing.T, got received) {
				if got.auth != "\x00mailer\x00secret" {
					t.Errorf("auth = %q", got.auth)
				}
				if got.from != "shop@example.com" {
					t.Errorf("MAIL FROM = %q", got.from)
				}
				if strings.Join(got.rcpt, ",") != "ada@example.com,bob@example.com,carol@example.com,audit@example.com" {
					t.Errorf("RCPT TO = %v", got.rcpt)
				}
				msg, bodies, files := parts(t, got.data)
				for h, want := range map[string]string{"Subject": "Your order", "To": "<ada@example.com>",
					"Cc": "<bob@example.com>, <carol@example.com>", "Reply-To": "<help@example.com>", "Bcc": ""} {
					if g := msg.Header.Get(h); g != want {
						t.Errorf("header %s = %q, want %q", h, g, want)
					}
				}
				if from, _ := mail.ParseAddress(msg.Header.Get("From")); from == nil || from.Name != "Shop" || from.Address != "shop@example.com" {
					t.Errorf("From = %q", msg.Header.Get("From"))
				}
				if bodies["text/plain"] != "Thanks for your order." || bodies["text/html"] != "<p>Thanks for your <b>order</b>.</p>" {
					t.Errorf("bodies = %#v", bodies)
				}
				if f := files["invoice.pdf"]; f[0] != "application/pdf" || f[1] != "%PDF-1.4 invoice" {
					t.Errorf("attachment = %#v", f)
				}
			}},
		{name: "html only, no auth", in: base(map[string]any{"html": "<h1>Hi</h1>"}),
			check: func(t *testing.T, got received) {
				if got.auth != "" {
					t.Errorf("authenticated without a username: %q", got.auth)
				}
				_, bodies, _ := parts(t, got.data)
				if bodies["text/html"] != "<h1>Hi</h1>" || len(bodies) != 1 {
					t.Errorf("bodies = %#v", bodies)
				}
			}},
		{name: "wrong password", in: base(map[string]any{"username": "mailer", "password": "nope", "text": "x"}), wantErr: "send e-mail via 127.0.0.1"},
		{name: "starttls not offered", in: base(map[string]any{"tls": "starttls", "text": "x"}), wantErr: "does not support STARTTLS"},
		{name: "implicit tls to a plain server", in: base(map[string]any{"tls": "tls", "port": float64(tlsSrv.port()), "text": "x"}), wantErr: "TLS handshake"},
		{name: "private network refused", in: base(map[string]any{"allow_private_network": false, "text": "x"}), wantErr: "refusing to connect to 127.0.0.1: it is a loopback address"},
		{name: "no recipients", in: base(map[string]any{"to": nil}), wantErr: `input "to": at least one recipient`},
		{name: "bad recipient", in: base(map[string]any{"to": []any{"not an address"}}), wantErr: `input "to": invalid address`},
		{name: "recipient not text", in: base(map[string]any{"to": []any{1.0}}), wantErr: `input "to": item 0 must be an e-mail address`},
		{name: "bad from", in: base(map[string]any{"from": "nobody"}), wantErr: `input "from": not a valid address`},
		{name: "no host", in: base(map[string]any{"host": " "}), wantErr: `input "host": required`},
		{name: "bad tls", in: base(map[string]any{"tls": "ssl3"}), wantErr: `input "tls": must be one of none, starttls, tls`},
		{name: "bad port", in: base(map[string]any{"port": 70000.0}), wantErr: `input "port": must be between 1 and 65535`},
		{name: "bad timeout", in: base(map[string]any{"timeout_ms": 0.0}), wantErr: `input "timeout_ms": must be at least 1, got 0`},
		{name: "attachment not base64", in: base(map[string]any{"attachments": []any{map[string]any{"filename": "a.txt", "content": "%%%"}}}), wantErr: `input "attachments": item 0 (a.txt): content is not base64`},
		{name: "attachment without name", in: base(map[string]any{"attachments": []any{map[string]any{"content": "YQ=="}}}), wantErr: `input "attachments": item 0: filename is required`},
		{name: "attachment not object", in: base(map[string]any{"attachments": []any{"x"}}), wantErr: `input "attachments": item 0 must be an object`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := srv.count()
			out, err, _ := nodetest.Run(context.Background(), typ, tc.in, nodetest.Options{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				if srv.count() != before {
					t.Errorf("a message was delivered despite the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := srv.last(t)
			msg, _, _ := parts(t, got.data)
			if id := out["message_id"]; id == "" || !strings.Contains(msg.Header.Get("Message-Id"), nodes.ToString(id)) {
				t.Errorf("message_id = %v, header %q", id, msg.Header.Get("Message-Id"))
			}
			if n := out["recipients"]; n != float64(len(got.rcpt)) {
				t.Errorf("recipients = %v, want %d", n, len(got.rcpt))
			}
			tc.check(t, got)
		})
	}
}

// newQP decodes quoted-printable text.
func newQP(s string) io.Reader {
	var b strings.Builder
	s = strings.ReplaceAll(s, "=\r\n", "")
	for i := 0; i < len(s); i++ {
		if s[i] == '=' && i+2 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+3], 16, 8); err == nil {
				b.WriteByte(byte(v))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return strings.NewReader(b.String())
}
