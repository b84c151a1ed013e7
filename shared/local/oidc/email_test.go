package oidc_test

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"polysynergy/shared/local/oidc"
)

func TestValidateEmail(t *testing.T) {
	for in, want := range map[string]string{
		"ada@example.com":                        "ada@example.com",
		"  Ada.Lovelace+dev@Example.CO.uk ":      "ada.lovelace+dev@example.co.uk",
		strings.Repeat("a", 64) + "@example.com": strings.Repeat("a", 64) + "@example.com",
		"o'brien!$%&*/=?^_`{|}~-@x-1.example":    "o'brien!$%&*/=?^_`{|}~-@x-1.example",
		// 64 + 1 + 189 = 254 bytes
		strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61): strings.Repeat("a", 64) + "@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 61),
	} {
		got, err := oidc.ValidateEmail(in)
		if err != nil || got != want {
			t.Errorf("ValidateEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, reason := range map[string]string{
		"":    "must not be empty",
		"   ": "must not be empty",
		strings.Repeat("a", 300) + "@example.com": "is 312 characters long; an address has at most 254",
		strings.Repeat("a", 65) + "@example.com":  "the part before the @ is 65 characters long; at most 64",
		"a@" + strings.Repeat("b", 63) + "." + strings.Repeat("c", 63) + "." + strings.Repeat("d", 63) + "." + strings.Repeat("e", 61): "is 255 characters long; an address has at most 254",
		"ada.example.com":                         "has no @",
		"ada@lovelace@example.com":                "has 2 @ signs; an address has exactly one",
		"@example.com":                            "has nothing before the @",
		"ada@":                                    "has no domain after the @",
		"Ada <ada@example.com>":                   "give the address alone, such as you@example.com, without a name or <…> around it",
		"<ada@example.com>":                       "without a name or <…>",
		"ada lovelace@example.com":                `holds ' '`,
		"ada#1@example.com":                       `holds '#'`,
		"adé@example.com":                         `holds 'é'`,
		".ada@example.com":                        "must not start or end with a dot",
		"ada.@example.com":                        "must not start or end with a dot",
		"a..da@example.com":                       "two dots in a row",
		"ada@localhost":                           `the domain "localhost" needs a dot`,
		"ada@example..com":                        "has an empty label",
		"ada@example.com.":                        "has an empty label",
		"ada@-example.com":                        `the domain label "-example" must not start or end with a hyphen`,
		"ada@example_1.com":                       `the domain label "example_1" holds '_'`,
		"ada@[127.0.0.1]":                         `holds '['`,
		"ada@" + strings.Repeat("x", 64) + ".com": "is 64 characters long; at most 63",
	} {
		got, err := oidc.ValidateEmail(in)
		var ee *oidc.EmailError
		if !errors.As(err, &ee) || !strings.Contains(ee.Reason, reason) {
			t.Errorf("ValidateEmail(%q) = %q, %v; want the reason %q", in, got, err, reason)
			continue
		}
		if len(ee.Email) > 50 {
			t.Errorf("ValidateEmail(%q): the message quotes %d bytes of it", in, len(ee.Email))
		}
	}
}

// The sign-in page refused a 300-character name before the @ only by the browser's
// type=email (posted directly, the user was made): now the page says why, keeping what was
// typed, and makes no user; `dev token --user` (EnsureUser) refuses it alike.
func TestSignInPageRefusesALongEmailSayingWhy(t *testing.T) {
	p, srv := start(t, t.TempDir())
	long := strings.Repeat("a", 300) + "@example.com"
	form := url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {"http://localhost/cb"},
		"code_challenge": {"a"}, "code_challenge_method": {"S256"}, "email": {long}, "name": {"Ada"}}
	resp, err := noRedirect().PostForm(srv.URL+oidc.PathAuthorize, form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := html.UnescapeString(string(b))
	if resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `role="alert" id="email-error">E-mail: is 312 characters long; an address has at most 254.</p>`) {
		t.Fatalf("a 300-character name before the @: %d %s", resp.StatusCode, page)
	}
	if !strings.Contains(page, `value="`+long+`"`) || !strings.Contains(page, `value="Ada"`) || !strings.Contains(page, `aria-invalid="true"`) {
		t.Errorf("the page does not keep what was typed: %s", page)
	}
	form.Set("email", strings.Repeat("a", 65)+"@example.com")
	resp, err = noRedirect().PostForm(srv.URL+oidc.PathAuthorize, form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(b), "E-mail: the part before the @ is 65 characters long; at most 64.") {
		t.Fatalf("65 characters before the @: %d %s", resp.StatusCode, b)
	}
	for n, want := range map[int]string{300: "is 312 characters long; an address has at most 254", 100: "the part before the @ is 100 characters long; at most 64"} {
		if _, err := p.EnsureUser(strings.Repeat("a", n)+"@example.com", ""); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("EnsureUser (dev token --user) of %d characters before the @: %v", n, err)
		}
	}
	if us := p.Users(); len(us) != 0 {
		t.Errorf("refused addresses made users: %+v", us)
	}
	// a good address still signs in
	form.Set("email", "Ada@Example.com")
	resp, err = noRedirect().PostForm(srv.URL+oidc.PathAuthorize, form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("a good address: %d", resp.StatusCode)
	}
	if us := p.Users(); len(us) != 1 || us[0].Email != "ada@example.com" {
		t.Errorf("users: %+v", us)
	}
}

// A dev user named with a control character (or longer than the platform keeps) was made,
// and then every API call of theirs failed (422 on the workspace's name): the page and
// EnsureUser (dev token --name) refuse such a name saying why, and a user kept from before
// gets tokens with the part of the address before the @ as name.
func TestDevUserNamesAreChecked(t *testing.T) {
	for in, want := range map[string]string{"": "", "  Ada Lovelace ": "Ada Lovelace", "Zoë 🚀": "Zoë 🚀", strings.Repeat("é", 200): strings.Repeat("é", 200)} {
		if got, err := oidc.ValidateName(in); err != nil || got != want {
			t.Errorf("ValidateName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, reason := range map[string]string{
		"bad\x01name":            `holds the control character '\x01'`,
		"two\nlines":             `holds the control character '\n'`,
		strings.Repeat("n", 201): "is 201 characters long; at most 200",
		"\xff\xfe":               "is not valid UTF-8",
	} {
		_, err := oidc.ValidateName(in)
		var ne *oidc.NameError
		if !errors.As(err, &ne) || !strings.Contains(ne.Reason, reason) {
			t.Errorf("ValidateName(%q): %v; want the reason %q", in, err, reason)
		}
	}

	dir := t.TempDir()
	p, srv := start(t, dir)
	form := url.Values{"response_type": {"code"}, "client_id": {client}, "redirect_uri": {"http://localhost/cb"},
		"code_challenge": {"a"}, "code_challenge_method": {"S256"}, "email": {"ada@example.com"}, "name": {"Ada\x07"}}
	resp, err := noRedirect().PostForm(srv.URL+oidc.PathAuthorize, form)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if page := html.UnescapeString(string(b)); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(page, `Name: holds the control character '\a'; use letters, digits, spaces and punctuation.`) {
		t.Fatalf("a name with a control character: %d %s", resp.StatusCode, page)
	}
	if _, err := p.EnsureUser("ada@example.com", strings.Repeat("n", 300)); err == nil || !strings.Contains(err.Error(), "is 300 characters long; at most 200") {
		t.Errorf("EnsureUser (dev token --name) with a 300-character name: %v", err)
	}
	if us := p.Users(); len(us) != 0 {
		t.Errorf("refused names made users: %+v", us)
	}

	// a user kept from before names were checked
	if err := os.WriteFile(filepath.Join(dir, "dev-users.json"),
		[]byte(`[{"sub":"old1","email":"old@example.com","name":"Old\u0001","created":"2026-01-01T00:00:00Z"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	u, err := p.EnsureUser("old@example.com", "")
	if err != nil {
		t.Fatal(err)
	}
	toks, err := p.Issue(u, "")
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(toks.AccessToken, ".")
	claims, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]any
	if err := json.Unmarshal(claims, &c); err != nil || c["name"] != "old" {
		t.Errorf("the token's name %v (%v); want old", c["name"], err)
	}
}
