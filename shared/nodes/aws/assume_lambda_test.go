//go:build polysynergy_lambda

package aws

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"polysynergy/shared/awsenv"
	"polysynergy/shared/awstrust"
	"polysynergy/shared/nodes"
)

// In the functions the family knows the platform's account from the deployment's
// environment and refuses roles there, whoever would sign; a role in another account is
// assumed with the function role's credentials from the environment.
func TestLambdaRefusesRolesOfThePlatformsAccount(t *testing.T) {
	t.Setenv(awstrust.EnvAccountID, platformAcct)
	t.Setenv(awsenv.EnvAccessKeyID, "AKIDLAMBDA")
	t.Setenv(awsenv.EnvSecretKey, "role-secret")
	t.Setenv(awsenv.EnvSessionToken, "role-token")
	fs := &stsFake{}
	stsRec, stsURL := fake(t, fs.serve)
	sqsRec, sqsURL := fake(t, okSQS)

	f := newFamily(nil)
	if f.ambient || f.account != platformAcct {
		t.Fatalf("lambda build: ambient %v, account %q; want false and %s", f.ambient, f.account, platformAcct)
	}
	f.stsEndpoint = stsURL
	f.endpointClient = func(bool) sdkaws.HTTPClient { return http.DefaultClient } // the fakes are on loopback
	r := nodes.NewRegistry()
	if err := r.Register(f.types()...); err != nil {
		t.Fatal(err)
	}
	typ := lookup(t, r, "aws.sqs_send")

	for _, extra := range []map[string]any{
		{portRoleARN: "arn:aws:iam::" + platformAcct + ":role/Stack-FunctionsRouterRole"},
		{portRoleARN: "arn:aws-cn:iam::" + platformAcct + ":role/x", portAccessKeyID: "AKIDFLOW", portSecretKey: "s"},
	} {
		err := sendAs(typ, sqsURL, projectRun("r"), extra)
		var ie *nodes.InputError
		if !errors.As(err, &ie) || ie.Port != portRoleARN || !strings.Contains(err.Error(), "platform's own AWS account") {
			t.Errorf("%v: %v, want a refusal on role_arn", extra, err)
		}
	}
	if stsRec.count() != 0 || sqsRec.count() != 0 {
		t.Fatalf("%d STS and %d SQS calls went out, want none", stsRec.count(), sqsRec.count())
	}

	if err := sendAs(typ, sqsURL, projectRun("r"), map[string]any{portRoleARN: userRole}); err != nil {
		t.Fatal(err)
	}
	if auth := stsRec.last(t).Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDLAMBDA/") ||
		stsRec.last(t).Header.Get("X-Amz-Security-Token") != "role-token" {
		t.Errorf("AssumeRole signed with %q, want the function role's credentials", auth)
	}
	if auth := sqsRec.last(t).Header.Get("Authorization"); !strings.Contains(auth, "Credential="+tempKey+"/") {
		t.Errorf("SQS call signed with %q, want the assumed role's", auth)
	}
	// without role_arn or keys the platform's credentials are still never lent
	err := sendAs(typ, sqsURL, projectRun("r"), nil)
	if err == nil || !strings.Contains(err.Error(), "never lent to flows") || sqsRec.count() != 1 {
		t.Errorf("no credentials of its own: %v (%d SQS calls)", err, sqsRec.count())
	}
}
