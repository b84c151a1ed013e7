package settings

import (
	"errors"
	"testing"
)

// FuzzParse feeds arbitrary context strings (what `cdk -c key=value` passes) to
// Parse: it never panics, and it either succeeds with settings that validate or
// fails with *Error values only.
func FuzzParse(f *testing.F) {
	f.Add("example.com", "Z0123", "true", "optional", "ops@example.com", "30", "100", "200", "prefix")
	f.Add("", "", "", "", "", "", "", "", "")
	f.Add("a.b.c", "ZZ", "0", "OFF", "a@b", "1e3", "-1", "NaN", "aws")
	f.Fuzz(func(t *testing.T, domain, zone, selfSignUp, mfa, email, retention, rate, burst, prefix string) {
		ctx := map[string]any{
			KeyDomain: domain, KeyHostedZoneID: zone, KeySelfSignUp: selfSignUp, KeyMFA: mfa,
			KeyAlarmEmail: email, KeyLogRetentionDays: retention, KeyAPIRateLimit: rate,
			KeyAPIBurstLimit: burst, KeyAuthDomainPrefix: prefix,
		}
		for k, v := range ctx {
			if v == "" {
				delete(ctx, k)
			}
		}
		s, err := Parse(lookupOf(ctx))
		if err != nil {
			for _, e := range unwrapAll(err) {
				var se *Error
				if !errors.As(e, &se) || se.Key == "" || se.Reason == "" {
					t.Fatalf("error %v is not a keyed *Error", e)
				}
			}
			return
		}
		if errs := s.Validate(); len(errs) > 0 {
			t.Fatalf("Parse accepted settings that do not validate: %v", errs)
		}
		if s.HasDomain() && s.HostedZoneID == "" {
			t.Fatalf("domain %q accepted without a hosted zone", s.Domain)
		}
	})
}

func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}
