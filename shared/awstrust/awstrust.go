// Package awstrust holds what a user's AWS account and the platform agree on when an AWS
// node assumes a role there (the node's role_arn input): the role ARN's shape, the external
// ID the platform sends for a project, the session name, and the environment variables
// through which the deployment tells the functions whose account they run in and which
// principal users must trust.
//
// The external ID is set by the platform from the run's tenant and project, never by the
// flow: a flow of another tenant (or another project) that names your role sends its own
// external ID, which your role's trust policy does not accept — the confused-deputy guard
// AWS recommends for third parties assuming roles in their customers' accounts.
//
// The package is small and links no SDK, so the API (which shows the trust a user must
// grant) and the node family (which assumes the role) share it without cost.
package awstrust

import (
	"fmt"
	"regexp"
	"strings"
)

// Environment variables the deployment sets.
const (
	// EnvAccountID is the platform's own AWS account id, set on the functions that run
	// flows (router, runner): roles in that account are never assumed for a flow.
	EnvAccountID = "POLYSYNERGY_ACCOUNT_ID"
	// EnvTrustPrincipal is the principal a user's role must trust (the platform account's
	// root, arn:<partition>:iam::<account>:root), set on the API, which shows it.
	EnvTrustPrincipal = "POLYSYNERGY_AWS_TRUST_PRINCIPAL"
)

// Limits of STS AssumeRole's parameters and of IAM role names.
const (
	maxARN         = 2048
	maxRoleName    = 64
	maxRolePath    = 512
	maxSessionName = 64
	maxExternalID  = 1224
)

// RoleARN is a parsed IAM role ARN.
type RoleARN struct {
	Partition string // aws, aws-cn, aws-us-gov, …
	Account   string // 12 digits
	Path      string // "/" or "/a/b/"
	Name      string
}

// String returns the ARN.
func (r RoleARN) String() string {
	return "arn:" + r.Partition + ":iam::" + r.Account + ":role" + r.Path + r.Name
}

var (
	partitionRe = regexp.MustCompile(`^aws(-[a-z]+)*$`)
	accountRe   = regexp.MustCompile(`^[0-9]{12}$`)
	// IAM names and path segments: alphanumerics and +=,.@_-
	nameRe = regexp.MustCompile(`^[A-Za-z0-9+=,.@_-]+$`)
)

// ParseRoleARN parses s as arn:<partition>:iam::<12 digits>:role/<path/>name. The error
// says what is wrong, for a person who pasted the value.
func ParseRoleARN(s string) (RoleARN, error) {
	const want = "want arn:aws:iam::<12-digit account>:role/<name> (an optional path before the name)"
	if len(s) > maxARN {
		return RoleARN{}, fmt.Errorf("%d characters is too long for a role ARN (at most %d)", len(s), maxARN)
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return RoleARN{}, fmt.Errorf("%q is not an ARN: %s", s, want)
	}
	r := RoleARN{Partition: parts[1], Account: parts[4]}
	switch {
	case !partitionRe.MatchString(r.Partition):
		return RoleARN{}, fmt.Errorf("%q: unknown partition %q: %s", s, r.Partition, want)
	case parts[2] != "iam":
		return RoleARN{}, fmt.Errorf("%q is a %q ARN, not an IAM role: %s", s, parts[2], want)
	case parts[3] != "":
		return RoleARN{}, fmt.Errorf("%q: IAM ARNs have no region (got %q): %s", s, parts[3], want)
	case !accountRe.MatchString(r.Account):
		return RoleARN{}, fmt.Errorf("%q: the account must be 12 digits, got %q", s, r.Account)
	}
	res, ok := strings.CutPrefix(parts[5], "role/")
	if !ok {
		return RoleARN{}, fmt.Errorf("%q names an IAM %q, not a role: %s", s, strings.SplitN(parts[5], "/", 2)[0], want)
	}
	i := strings.LastIndexByte(res, '/')
	r.Path, r.Name = "/"+res[:i+1], res[i+1:]
	switch {
	case r.Name == "":
		return RoleARN{}, fmt.Errorf("%q has no role name after the path", s)
	case len(r.Name) > maxRoleName:
		return RoleARN{}, fmt.Errorf("%q: the role name has %d characters, at most %d", s, len(r.Name), maxRoleName)
	case !nameRe.MatchString(r.Name):
		return RoleARN{}, fmt.Errorf("%q: the role name %q may hold only letters, digits and +=,.@_-", s, r.Name)
	case len(r.Path) > maxRolePath:
		return RoleARN{}, fmt.Errorf("%q: the role path has %d characters, at most %d", s, len(r.Path), maxRolePath)
	}
	if r.Path != "/" {
		for _, seg := range strings.Split(strings.Trim(r.Path, "/"), "/") {
			if !nameRe.MatchString(seg) {
				return RoleARN{}, fmt.Errorf("%q: the role path %q has an empty segment or one with characters other than letters, digits and +=,.@_-", s, r.Path)
			}
		}
	}
	return r, nil
}

// ExternalID is the external ID the platform sends when a flow of project (in tenant)
// assumes a role: polysynergy-<tenant>-<project>. Empty when either is unknown (a flow run
// by the CLI, outside any project).
func ExternalID(tenant, project string) string {
	if tenant == "" || project == "" {
		return ""
	}
	id := sanitize("polysynergy-"+tenant+"-"+project, "+=,.@:/-")
	if len(id) > maxExternalID {
		id = id[:maxExternalID]
	}
	return id
}

// SessionName is the role session name for a flow's call, polysynergy-<id> (id: the flow,
// else the run), cut to STS's 64 characters and its alphabet; it shows in the user's
// CloudTrail as the assumed role's session.
func SessionName(id string) string {
	s := "polysynergy"
	if id != "" {
		s += "-" + id
	}
	s = sanitize(s, "+=,.@-")
	if len(s) > maxSessionName {
		s = s[:maxSessionName]
	}
	return s
}

// sanitize replaces every byte of s other than ASCII letters, digits, '_' and the bytes of
// extra with '-'.
func sanitize(s, extra string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || strings.IndexByte(extra, c) >= 0 {
			continue
		}
		b[i] = '-'
	}
	return string(b)
}

// TrustPolicy is the trust policy a user attaches to their role so that the platform
// (principal, the account root of the platform's account) may assume it for one project
// (externalID): indented JSON, ready to paste.
func TrustPolicy(principal, externalID string) string {
	return fmt.Sprintf(`{
  "Version": "2012-10-17",
  "Statement": [{
    "Effect": "Allow",
    "Principal": {"AWS": %q},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"sts:ExternalId": %q}}
  }]
}`, principal, externalID)
}
