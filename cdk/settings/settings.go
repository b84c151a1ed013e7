// Package settings reads the CDK app's deployment settings from CDK context
// (cdk.json's "context" object or `cdk -c key=value`) and validates them, so the
// stack is built from one typed value and a mistyped setting fails synth with a
// message naming the context key.
package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/mail"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Context keys the app reads. Each is documented in docs/deploy.md.
const (
	KeyStackName         = "stackName"         // CloudFormation stack name (default PolySynergy)
	KeyDomain            = "domain"            // base domain for triggers: {project}-{stage}.<domain>
	KeyHostedZoneID      = "hostedZoneId"      // Route 53 hosted zone id holding <domain>
	KeyHostedZoneName    = "hostedZoneName"    // the zone's name (default: domain)
	KeySelfSignUp        = "selfSignUp"        // let anyone create an account in the user pool
	KeyMFA               = "mfa"               // off | optional | required (TOTP)
	KeyLocalhostCallback = "localhostCallback" // also allow sign-in redirects to the local editor
	KeyAlarmEmail        = "alarmEmail"        // e-mail address subscribed to the alarms topic
	KeyRetainData        = "retainData"        // keep table, key and user pool on destroy
	KeyAuthDomainPrefix  = "authDomainPrefix"  // Cognito hosted domain prefix
	KeyLogRetentionDays  = "logRetentionDays"  // CloudWatch Logs retention
	KeyAPIRateLimit      = "apiRateLimit"      // steady-state requests per second per API stage
	KeyAPIBurstLimit     = "apiBurstLimit"     // burst requests per API stage
	KeyAssetRoot         = "assetRoot"         // repository root holding build/ and web/dist
	KeyNag               = "nag"               // run cdk-nag's AWS Solutions checks at synth
)

// LocalEditorURL is the local cloud's editor origin (`make dev`), allowed as a
// sign-in callback when localhostCallback is set.
const LocalEditorURL = "http://localhost:8090"

// MFA is the user pool's multi-factor authentication mode.
type MFA string

// MFA modes.
const (
	MFAOff      MFA = "off"
	MFAOptional MFA = "optional"
	MFARequired MFA = "required"
)

// Settings is every deployment choice the stack depends on.
type Settings struct {
	StackName         string
	Domain            string // empty: no custom domain for triggers
	HostedZoneID      string
	HostedZoneName    string
	SelfSignUp        bool
	MFA               MFA
	LocalhostCallback bool
	AlarmEmail        string // empty: alarms without notification
	RetainData        bool
	AuthDomainPrefix  string // empty: derived from the account id at deploy time
	LogRetentionDays  int
	APIRateLimit      float64
	APIBurstLimit     int
	AssetRoot         string
	Nag               bool
}

// Defaults returns the settings used when the context sets nothing.
func Defaults() Settings {
	return Settings{
		StackName:        "PolySynergy",
		MFA:              MFAOptional,
		RetainData:       true,
		LogRetentionDays: 30,
		APIRateLimit:     100,
		APIBurstLimit:    200,
		AssetRoot:        ".",
		Nag:              true,
	}
}

// RetentionDays lists the retention periods, in days, that CloudWatch Logs accepts.
func RetentionDays() []int {
	return []int{1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653}
}

var (
	stackNameRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,49}$`)
	dnsLabelRE     = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	zoneIDRE       = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)
	domainPrefixRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
)

// Error is a bad context value: which key, what was given and why it is refused.
type Error struct {
	Key    string
	Value  any
	Reason string
}

func (e *Error) Error() string {
	return fmt.Sprintf("context %q = %v: %s", e.Key, e.Value, e.Reason)
}

// Parse reads the settings through lookup (the app node's TryGetContext in
// the app). Values may be JSON values from cdk.json or strings from `-c`.
// Every invalid value is reported, joined into one error.
func Parse(lookup func(key string) (any, bool)) (Settings, error) {
	s := Defaults()
	var errs []error
	str := func(key string, dst *string) {
		v, ok := lookup(key)
		if !ok || v == nil {
			return
		}
		sv, ok := v.(string)
		if !ok {
			errs = append(errs, &Error{Key: key, Value: v, Reason: "want a string"})
			return
		}
		*dst = strings.TrimSpace(sv)
	}
	boolean := func(key string, dst *bool) {
		v, ok := lookup(key)
		if !ok || v == nil {
			return
		}
		switch b := v.(type) {
		case bool:
			*dst = b
		case string:
			pb, err := strconv.ParseBool(strings.TrimSpace(b))
			if err != nil {
				errs = append(errs, &Error{Key: key, Value: v, Reason: "want true or false"})
				return
			}
			*dst = pb
		default:
			errs = append(errs, &Error{Key: key, Value: v, Reason: "want true or false"})
		}
	}
	number := func(key string, dst *float64) bool {
		v, ok := lookup(key)
		if !ok || v == nil {
			return false
		}
		var f float64
		switch n := v.(type) {
		case float64:
			f = n
		case int:
			f = float64(n)
		case string:
			pf, err := strconv.ParseFloat(strings.TrimSpace(n), 64)
			if err != nil {
				errs = append(errs, &Error{Key: key, Value: v, Reason: "want a number"})
				return false
			}
			f = pf
		default:
			errs = append(errs, &Error{Key: key, Value: v, Reason: "want a number"})
			return false
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			errs = append(errs, &Error{Key: key, Value: v, Reason: "want a finite number"})
			return false
		}
		*dst = f
		return true
	}
	integer := func(key string, dst *int) bool {
		var f float64
		if !number(key, &f) {
			return false
		}
		if f != math.Trunc(f) || math.Abs(f) > 1e9 {
			errs = append(errs, &Error{Key: key, Value: f, Reason: "want a whole number"})
			return false
		}
		*dst = int(f)
		return true
	}

	str(KeyStackName, &s.StackName)
	str(KeyDomain, &s.Domain)
	str(KeyHostedZoneID, &s.HostedZoneID)
	str(KeyHostedZoneName, &s.HostedZoneName)
	boolean(KeySelfSignUp, &s.SelfSignUp)
	var mfa string
	str(KeyMFA, &mfa)
	boolean(KeyLocalhostCallback, &s.LocalhostCallback)
	str(KeyAlarmEmail, &s.AlarmEmail)
	boolean(KeyRetainData, &s.RetainData)
	str(KeyAuthDomainPrefix, &s.AuthDomainPrefix)
	integer(KeyLogRetentionDays, &s.LogRetentionDays)
	number(KeyAPIRateLimit, &s.APIRateLimit)
	integer(KeyAPIBurstLimit, &s.APIBurstLimit)
	str(KeyAssetRoot, &s.AssetRoot)
	boolean(KeyNag, &s.Nag)

	if mfa != "" {
		s.MFA = MFA(strings.ToLower(mfa))
	}
	s.Domain = strings.TrimSuffix(strings.ToLower(s.Domain), ".")
	s.HostedZoneName = strings.TrimSuffix(strings.ToLower(s.HostedZoneName), ".")
	if s.Domain != "" && s.HostedZoneName == "" {
		s.HostedZoneName = s.Domain
	}
	if s.AssetRoot == "" {
		s.AssetRoot = "."
	}
	errs = append(errs, s.Validate()...)
	if len(errs) > 0 {
		return s, errors.Join(errs...)
	}
	return s, nil
}

// Validate checks the settings' values and cross-field rules.
func (s Settings) Validate() []error {
	var errs []error
	bad := func(key string, v any, reason string) {
		errs = append(errs, &Error{Key: key, Value: v, Reason: reason})
	}

	if !stackNameRE.MatchString(s.StackName) {
		bad(KeyStackName, s.StackName, "want a letter then up to 49 letters, digits or hyphens (names derived from it must fit 64 characters)")
	}
	if s.Domain != "" {
		if !validDomain(s.Domain) {
			bad(KeyDomain, s.Domain, "want a DNS name such as example.com (lowercase labels of a-z, 0-9 and inner hyphens)")
		}
		if s.HostedZoneID == "" {
			bad(KeyHostedZoneID, s.HostedZoneID, "required when domain is set: the Route 53 hosted zone that holds the domain")
		}
		if !validDomain(s.HostedZoneName) {
			bad(KeyHostedZoneName, s.HostedZoneName, "want a DNS name")
		} else if s.Domain != s.HostedZoneName && !strings.HasSuffix(s.Domain, "."+s.HostedZoneName) {
			bad(KeyHostedZoneName, s.HostedZoneName, fmt.Sprintf("domain %q is not inside this zone", s.Domain))
		}
	} else if s.HostedZoneID != "" {
		bad(KeyDomain, s.Domain, "required when hostedZoneId is set")
	}
	if s.HostedZoneID != "" && !zoneIDRE.MatchString(s.HostedZoneID) {
		bad(KeyHostedZoneID, s.HostedZoneID, "want a Route 53 zone id such as Z0123456789ABCDEFGHIJ")
	}
	switch s.MFA {
	case MFAOff, MFAOptional, MFARequired:
	default:
		bad(KeyMFA, string(s.MFA), "want off, optional or required")
	}
	if s.AlarmEmail != "" {
		if a, err := mail.ParseAddress(s.AlarmEmail); err != nil || a.Address != s.AlarmEmail {
			bad(KeyAlarmEmail, s.AlarmEmail, "want a plain e-mail address such as ops@example.com")
		}
	}
	if s.AuthDomainPrefix != "" {
		p := s.AuthDomainPrefix
		if !domainPrefixRE.MatchString(p) {
			bad(KeyAuthDomainPrefix, p, "want 1-63 lowercase letters, digits and inner hyphens")
		} else if strings.Contains(p, "aws") || strings.Contains(p, "amazon") || strings.Contains(p, "cognito") {
			bad(KeyAuthDomainPrefix, p, `Cognito refuses prefixes containing "aws", "amazon" or "cognito"`)
		}
	}
	if days := RetentionDays(); !slices.Contains(days, s.LogRetentionDays) {
		bad(KeyLogRetentionDays, s.LogRetentionDays, fmt.Sprintf("want one of %v", days))
	}
	if s.APIRateLimit <= 0 || s.APIRateLimit > 10000 {
		bad(KeyAPIRateLimit, s.APIRateLimit, "want requests per second above 0 and at most 10000 (the account default)")
	}
	if s.APIBurstLimit < 1 || s.APIBurstLimit > 5000 {
		bad(KeyAPIBurstLimit, s.APIBurstLimit, "want 1 to 5000 (the account default)")
	}
	return errs
}

// HasDomain reports whether triggers get the wildcard custom domain.
func (s Settings) HasDomain() bool { return s.Domain != "" }

func validDomain(d string) bool {
	if len(d) > 253 {
		return false
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if !dnsLabelRE.MatchString(l) {
			return false
		}
	}
	return true
}

// FileContext reads the "context" object of a cdk.json file. The app uses it
// when it runs without the CDK CLI (`make synth`), so both see the same context.
func FileContext(path string) (map[string]any, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read cdk context file: %w", err)
	}
	return DecodeContext(raw)
}

// DecodeContext decodes a cdk.json document and returns its "context" object
// (empty when there is none).
func DecodeContext(raw []byte) (map[string]any, error) {
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("decode cdk.json: %w", err)
	}
	if doc.Context == nil {
		doc.Context = map[string]any{}
	}
	return doc.Context, nil
}
