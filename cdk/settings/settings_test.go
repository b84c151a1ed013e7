package settings

import (
	"errors"
	"strings"
	"testing"
)

func lookupOf(m map[string]any) func(string) (any, bool) {
	return func(k string) (any, bool) {
		v, ok := m[k]
		return v, ok
	}
}

func TestParseDefaults(t *testing.T) {
	s, err := Parse(lookupOf(nil))
	if err != nil {
		t.Fatalf("Parse(empty): %v", err)
	}
	if s != Defaults() {
		t.Fatalf("Parse(empty) = %+v, want defaults %+v", s, Defaults())
	}
	if s.HasDomain() {
		t.Error("defaults must not configure a custom domain")
	}
	if !s.RetainData || s.MFA != MFAOptional || s.LogRetentionDays != 30 || !s.Nag {
		t.Errorf("unexpected defaults %+v", s)
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		name  string
		ctx   map[string]any
		check func(t *testing.T, s Settings)
	}{
		{
			name: "json values from cdk.json",
			ctx: map[string]any{
				KeyDomain: "Example.COM.", KeyHostedZoneID: "Z0123456789ABC", KeySelfSignUp: true,
				KeyMFA: "REQUIRED", KeyLocalhostCallback: true, KeyAlarmEmail: "ops@example.com",
				KeyRetainData: false, KeyLogRetentionDays: float64(90), KeyAPIRateLimit: float64(12.5),
				KeyAPIBurstLimit: float64(25), KeyAuthDomainPrefix: "my-flows", KeyNag: false,
			},
			check: func(t *testing.T, s Settings) {
				want := Settings{
					StackName: "PolySynergy", Domain: "example.com", HostedZoneID: "Z0123456789ABC",
					HostedZoneName: "example.com", SelfSignUp: true, MFA: MFARequired, LocalhostCallback: true,
					AlarmEmail: "ops@example.com", RetainData: false, AuthDomainPrefix: "my-flows",
					LogRetentionDays: 90, APIRateLimit: 12.5, APIBurstLimit: 25, AssetRoot: ".", Nag: false,
				}
				if s != want {
					t.Fatalf("got %+v\nwant %+v", s, want)
				}
			},
		},
		{
			name: "strings from -c flags",
			ctx: map[string]any{
				KeySelfSignUp: "true", KeyRetainData: "false", KeyLogRetentionDays: "7",
				KeyAPIBurstLimit: " 10 ", KeyMFA: "off", KeyStackName: "Flows-Dev",
			},
			check: func(t *testing.T, s Settings) {
				if !s.SelfSignUp || s.RetainData || s.LogRetentionDays != 7 || s.APIBurstLimit != 10 ||
					s.MFA != MFAOff || s.StackName != "Flows-Dev" {
					t.Fatalf("got %+v", s)
				}
			},
		},
		{
			name: "subdomain inside an explicit zone",
			ctx:  map[string]any{KeyDomain: "flows.example.com", KeyHostedZoneID: "ZABC", KeyHostedZoneName: "example.com"},
			check: func(t *testing.T, s Settings) {
				if s.Domain != "flows.example.com" || s.HostedZoneName != "example.com" || !s.HasDomain() {
					t.Fatalf("got %+v", s)
				}
			},
		},
		{
			name: "null values keep defaults",
			ctx:  map[string]any{KeyDomain: nil, KeyRetainData: nil},
			check: func(t *testing.T, s Settings) {
				if s != Defaults() {
					t.Fatalf("got %+v", s)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Parse(lookupOf(tc.ctx))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			tc.check(t, s)
		})
	}
}

func TestParseErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name    string
		ctx     map[string]any
		wantKey string
		reason  string
	}{
		{"domain without zone", map[string]any{KeyDomain: "example.com"}, KeyHostedZoneID, "required when domain is set"},
		{"zone without domain", map[string]any{KeyHostedZoneID: "ZABC"}, KeyDomain, "required when hostedZoneId"},
		{"bad domain", map[string]any{KeyDomain: "exa_mple", KeyHostedZoneID: "ZABC"}, KeyDomain, "DNS name"},
		{"domain outside zone", map[string]any{KeyDomain: "a.example.org", KeyHostedZoneID: "ZABC", KeyHostedZoneName: "example.com"}, KeyHostedZoneName, "not inside this zone"},
		{"bad zone id", map[string]any{KeyDomain: "example.com", KeyHostedZoneID: "abc"}, KeyHostedZoneID, "zone id"},
		{"bad bool", map[string]any{KeySelfSignUp: "yes please"}, KeySelfSignUp, "true or false"},
		{"bool of wrong type", map[string]any{KeyRetainData: float64(1)}, KeyRetainData, "true or false"},
		{"string of wrong type", map[string]any{KeyDomain: true}, KeyDomain, "want a string"},
		{"bad mfa", map[string]any{KeyMFA: "sometimes"}, KeyMFA, "off, optional or required"},
		{"bad email", map[string]any{KeyAlarmEmail: "Ops <ops@example.com>"}, KeyAlarmEmail, "plain e-mail"},
		{"reserved prefix", map[string]any{KeyAuthDomainPrefix: "my-cognito"}, KeyAuthDomainPrefix, "refuses"},
		{"bad prefix", map[string]any{KeyAuthDomainPrefix: "My_Prefix"}, KeyAuthDomainPrefix, "lowercase"},
		{"retention not allowed", map[string]any{KeyLogRetentionDays: float64(31)}, KeyLogRetentionDays, "want one of"},
		{"retention fraction", map[string]any{KeyLogRetentionDays: float64(30.5)}, KeyLogRetentionDays, "whole number"},
		{"retention not a number", map[string]any{KeyLogRetentionDays: "a month"}, KeyLogRetentionDays, "want a number"},
		{"rate zero", map[string]any{KeyAPIRateLimit: float64(0)}, KeyAPIRateLimit, "above 0"},
		{"rate NaN", map[string]any{KeyAPIRateLimit: "NaN"}, KeyAPIRateLimit, "finite"},
		{"burst too high", map[string]any{KeyAPIBurstLimit: float64(6000)}, KeyAPIBurstLimit, "1 to 5000"},
		{"bad stack name", map[string]any{KeyStackName: "1stack"}, KeyStackName, "letter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(lookupOf(tc.ctx))
			if err == nil {
				t.Fatalf("Parse(%v) succeeded, want an error about %q", tc.ctx, tc.wantKey)
			}
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *settings.Error", err)
			}
			if !strings.Contains(err.Error(), `"`+tc.wantKey+`"`) || !strings.Contains(err.Error(), tc.reason) {
				t.Fatalf("error %q does not name %q with %q", err, tc.wantKey, tc.reason)
			}
		})
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse(lookupOf(map[string]any{KeyMFA: "x", KeyLogRetentionDays: float64(2), KeyAlarmEmail: "nope"}))
	if err == nil {
		t.Fatal("want an error")
	}
	for _, key := range []string{KeyMFA, KeyLogRetentionDays, KeyAlarmEmail} {
		if !strings.Contains(err.Error(), `"`+key+`"`) {
			t.Errorf("error %q misses key %q", err, key)
		}
	}
}

func TestDecodeContext(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    map[string]any
		wantErr string
	}{
		{"with context", `{"app":"go run ./cdk","context":{"domain":"example.com","nag":true}}`, map[string]any{"domain": "example.com", "nag": true}, ""},
		{"without context", `{"app":"go run ./cdk"}`, map[string]any{}, ""},
		{"not json", `{"app":`, nil, "decode cdk.json"},
		{"context of wrong type", `{"context":[1,2]}`, nil, "decode cdk.json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := DecodeContext([]byte(tc.raw))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("DecodeContext error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeContext: %v", err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("context[%q] = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func TestFileContextMissingFile(t *testing.T) {
	_, err := FileContext(t.TempDir() + "/cdk.json")
	if err == nil || !strings.Contains(err.Error(), "read cdk context file") {
		t.Fatalf("FileContext(missing) error = %v", err)
	}
}

func TestRepositoryCDKJSONParses(t *testing.T) {
	ctx, err := FileContext("../../cdk.json")
	if err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	s, err := Parse(lookupOf(ctx))
	if err != nil {
		t.Fatalf("cdk.json context does not parse: %v", err)
	}
	if s.HasDomain() {
		t.Errorf("the committed cdk.json must stay environment-agnostic, got domain %q", s.Domain)
	}
}
