package aws

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"polysynergy/shared/awstrust"
	"polysynergy/shared/nodes"
)

// portRoleARN is the input naming a role in the user's account that the node assumes.
const portRoleARN = "role_arn"

// maxRoles bounds the assumed-role credentials a family keeps; past it they are all
// dropped and fetched again when next used (a warm function serves many projects).
const maxRoles = 256

// roleInput parses the node's role_arn; nil when it is empty.
func roleInput(c *nodes.Call) (*awstrust.RoleARN, error) {
	s := strings.TrimSpace(c.Str(portRoleARN))
	if s == "" {
		return nil, nil
	}
	r, err := awstrust.ParseRoleARN(s)
	if err != nil {
		return nil, nodes.Errorf(portRoleARN, "%v", err)
	}
	return &r, nil
}

// assumeRequest is one role assumption a node asks for.
type assumeRequest struct {
	role awstrust.RoleARN
	// base signs the AssumeRole call: the node's own access key, or the host's credentials
	// (in the functions the platform's role, used for nothing but sts:AssumeRole).
	base sdkaws.Config
	// baseID tells base credentials apart in the cache without holding their secret.
	baseID string
	// platform says base holds the platform's credentials.
	platform bool
}

// assume returns credentials of req.role for c's run: temporary credentials from STS
// AssumeRole with the external ID the platform derives from the run's tenant and
// project, cached per role, external ID, session name and base credentials, so repeated
// nodes do not call STS each time. They are fetched before the node's own call, so a role
// that cannot be assumed is reported on role_arn, not as a signing failure.
func (f *family) assume(ctx context.Context, c *nodes.Call, req assumeRequest) (sdkaws.CredentialsProvider, error) {
	var tenant, project, session string
	if c.Run != nil {
		tenant, project = c.Run.Tenant, c.Run.Project
		session = c.Run.FlowID
		if session == "" {
			session = c.Run.ID
		}
	}
	extID := awstrust.ExternalID(tenant, project)
	if !f.ambient {
		if extID == "" {
			return nil, nodes.Errorf(portRoleARN, "this run belongs to no project, so there is no external ID to assume %s with", req.role)
		}
		own, err := f.platformAccount(ctx, req)
		if err != nil {
			return nil, err
		}
		if req.role.Account == own {
			return nil, nodes.Errorf(portRoleARN, "%s is in the platform's own AWS account (%s): roles there are never "+
				"assumed for flows; name a role in your own account", req.role, own)
		}
	}
	sessionName := awstrust.SessionName(session)
	key := strings.Join([]string{req.role.String(), extID, sessionName, req.baseID}, "\x00")
	f.mu.Lock()
	creds, ok := f.roles[key]
	if !ok {
		if len(f.roles) >= maxRoles {
			clear(f.roles)
		}
		client := sts.NewFromConfig(req.base, f.stsOptions)
		prov := stscreds.NewAssumeRoleProvider(client, req.role.String(), func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = sessionName
			if extID != "" {
				o.ExternalID = sdkaws.String(extID)
			}
		})
		// renewed a minute early, so they never expire in the middle of a node's call
		creds = sdkaws.NewCredentialsCache(prov, func(o *sdkaws.CredentialsCacheOptions) { o.ExpiryWindow = time.Minute })
		f.roles[key] = creds
	}
	f.mu.Unlock()
	if _, err := creds.Retrieve(ctx); err != nil {
		return nil, assumeError(req.role, extID, req.platform, err)
	}
	return creds, nil
}

// stsOptions points STS at the family's test endpoint, when it has one; otherwise the
// client calls AWS's STS endpoint for the node's region. A node's endpoint_url never
// receives an AssumeRole call (in the functions it would carry the platform's signature).
func (f *family) stsOptions(o *sts.Options) {
	if f.stsEndpoint != "" {
		o.BaseEndpoint = sdkaws.String(f.stsEndpoint)
	}
}

// platformAccount is the platform's own account: from the deployment's environment
// (awstrust.EnvAccountID), else asked of STS (GetCallerIdentity) with the host's
// credentials once and kept.
func (f *family) platformAccount(ctx context.Context, req assumeRequest) (string, error) {
	f.mu.Lock()
	own := f.account
	f.mu.Unlock()
	if own != "" {
		return own, nil
	}
	host := req.base
	if !req.platform {
		var err error
		if host, err = f.config(ctx, req.base.Region); err != nil || host.Credentials == nil {
			return "", nodes.Errorf(portRoleARN, "cannot tell the platform's own AWS account (%s is not set), so %s cannot be "+
				"checked against it", awstrust.EnvAccountID, req.role)
		}
	}
	out, err := sts.NewFromConfig(host, f.stsOptions).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || out.Account == nil || *out.Account == "" {
		return "", fmt.Errorf("%s: cannot tell the platform's own AWS account (%s is not set and STS did not say): %w",
			portRoleARN, awstrust.EnvAccountID, err)
	}
	f.mu.Lock()
	f.account = *out.Account
	f.mu.Unlock()
	return *out.Account, nil
}

// assumeError reports a failed AssumeRole on role_arn with STS's reason (STS's messages
// name principals and roles, never credentials); platform says the platform signed it.
func assumeError(role awstrust.RoleARN, extID string, platform bool, err error) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("%s: assume %s: %w", portRoleARN, role, err)
	}
	reason := ae.ErrorCode()
	if m := ae.ErrorMessage(); m != "" {
		reason += ": " + m
	}
	hint := ""
	if ae.ErrorCode() == "AccessDenied" {
		who, shown := "the identity that asked for it", "it"
		if platform {
			who, shown = "the platform's principal", "both"
		}
		hint = "; the role's trust policy must allow sts:AssumeRole to " + who
		if extID != "" {
			hint += " with the condition sts:ExternalId = " + extID + " (the project's settings show " + shown + ")"
		}
	}
	return nodes.Errorf(portRoleARN, "cannot assume %s: %s%s", role, reason, hint)
}

// baseID identifies static credentials in the assumed-role cache by a digest.
func baseID(keyID, secret, token string) string {
	sum := sha256.Sum256([]byte(keyID + "\x00" + secret + "\x00" + token))
	return "key:" + hex.EncodeToString(sum[:16])
}
