package aws

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
	"polysynergy/shared/nodes/nodetest"
)

const (
	userRole     = "arn:aws:iam::222233334444:role/automation/flows"
	platformAcct = "111122223333"
	tempKey      = "ASIATEMPKEY0000001"
)

// stsFake answers STS's query protocol (POST, form-encoded Action=…) as STS does, in
// XML: AssumeRole with temporary credentials (or deny, when set) and GetCallerIdentity
// with the platform's account.
type stsFake struct {
	mu      sync.Mutex
	deny    string    // an AccessDenied message, when set
	expires time.Time // when the credentials expire (zero: in 2099)
}

func (s *stsFake) serve(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	deny, expires := s.deny, s.expires
	s.mu.Unlock()
	if expires.IsZero() {
		expires = time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	w.Header().Set("Content-Type", "text/xml")
	switch r.PostForm.Get("Action") {
	case "AssumeRole":
		if deny != "" {
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>%s</Message></Error>
  <RequestId>req-denied</RequestId>
</ErrorResponse>`, deny)
			return
		}
		fmt.Fprintf(w, `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>%s</AccessKeyId>
      <SecretAccessKey>temp-secret</SecretAccessKey>
      <SessionToken>temp-token</SessionToken>
      <Expiration>%s</Expiration>
    </Credentials>
    <AssumedRoleUser>
      <Arn>arn:aws:sts::222233334444:assumed-role/flows/%s</Arn>
      <AssumedRoleId>AROAEXAMPLE:%s</AssumedRoleId>
    </AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>req-assume</RequestId></ResponseMetadata>
</AssumeRoleResponse>`, tempKey, expires.UTC().Format(time.RFC3339), r.PostForm.Get("RoleSessionName"), r.PostForm.Get("RoleSessionName"))
	case "GetCallerIdentity":
		fmt.Fprintf(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::%[1]s:assumed-role/router/fn</Arn><UserId>AROAROUTER:fn</UserId><Account>%[1]s</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>req-identity</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`, platformAcct)
	default:
		http.Error(w, "unknown action", http.StatusBadRequest)
	}
}

// stsForm returns the form of a recorded STS request.
func stsForm(t *testing.T, r recorded) url.Values {
	t.Helper()
	v, err := url.ParseQuery(string(r.Body))
	if err != nil {
		t.Fatalf("STS request body %q: %v", r.Body, err)
	}
	return v
}

// actions counts the recorded STS requests by Action.
func actions(t *testing.T, rec *recorder) map[string]int {
	t.Helper()
	rec.mu.Lock()
	reqs := append([]recorded(nil), rec.reqs...)
	rec.mu.Unlock()
	n := map[string]int{}
	for _, r := range reqs {
		n[stsForm(t, r).Get("Action")]++
	}
	return n
}

// roleFamily is the family with load, the ambient rule, STS at stsURL and the platform's
// account (empty: unknown, asked of STS), returning sqs_send; the fakes on loopback are
// reached without the network guard.
func roleFamily(t *testing.T, load ConfigLoader, ambient bool, stsURL, account string) *nodes.Type {
	t.Helper()
	return lookup(t, roleRegistry(t, load, ambient, stsURL, account), "aws.sqs_send")
}

// roleRegistry is roleFamily's registry.
func roleRegistry(t *testing.T, load ConfigLoader, ambient bool, stsURL, account string) *nodes.Registry {
	t.Helper()
	f := newFamily(load)
	f.ambient, f.stsEndpoint, f.account = ambient, stsURL, account
	f.endpointClient = func(bool) sdkaws.HTTPClient { return http.DefaultClient }
	r := nodes.NewRegistry()
	if err := r.Register(f.types()...); err != nil {
		t.Fatal(err)
	}
	return r
}

// projectRun is a run of flow 01FLOW in project p1 of tenant t1.
func projectRun(id string) *nodes.RunInfo {
	return &nodes.RunInfo{ID: id, FlowID: "01FLOW", Stage: "live", Tenant: "t1", Project: "p1"}
}

// sendAs runs sqs_send against the SQS fake at sqsURL with extra inputs in run info.
func sendAs(typ *nodes.Type, sqsURL string, info *nodes.RunInfo, extra map[string]any) error {
	in := map[string]any{"queue_url": "https://sqs.eu-west-1.amazonaws.com/222233334444/q", "message": "hi",
		portRegion: "eu-west-1", portEndpoint: sqsURL, netguard.PortName: true}
	for k, v := range extra {
		in[k] = v
	}
	_, err, _ := nodetest.Run(context.Background(), typ, in, nodetest.Options{Run: info})
	return err
}

// On the platform a node with role_arn assumes the role with the platform's credentials
// (their one use), sending the project's external ID and a session name from the flow, and
// signs its own call with the temporary credentials; a second node reuses them.
func TestAssumeRoleWithThePlatformsCredentials(t *testing.T) {
	fs := &stsFake{}
	stsRec, stsURL := fake(t, fs.serve)
	sqsRec, sqsURL := fake(t, okSQS)
	typ := roleFamily(t, testLoader, false, stsURL, platformAcct)

	for i, run := range []string{"run-1", "run-2"} {
		if err := sendAs(typ, sqsURL, projectRun(run), map[string]any{portRoleARN: " " + userRole + " "}); err != nil {
			t.Fatalf("node %d: %v", i+1, err)
		}
	}
	if n := stsRec.count(); n != 1 {
		t.Fatalf("%d STS calls for two nodes, want 1 (the credentials are cached)", n)
	}
	call := stsRec.last(t)
	got := stsForm(t, call)
	want := map[string]string{"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": userRole,
		"ExternalId": "polysynergy-t1-p1", "RoleSessionName": "polysynergy-01FLOW"}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("AssumeRole %s = %q, want %q", k, got.Get(k), v)
		}
	}
	if call.Method != http.MethodPost || !strings.HasPrefix(call.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		t.Errorf("AssumeRole sent as %s %s", call.Method, call.Header.Get("Content-Type"))
	}
	if auth := call.Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDTEST/") || !strings.Contains(auth, "/sts/aws4_request") {
		t.Errorf("AssumeRole signed with %q, want the platform's key for sts", auth)
	}
	if sqsRec.count() != 2 {
		t.Fatalf("%d SQS calls, want 2", sqsRec.count())
	}
	for _, r := range sqsRec.reqs {
		if auth := r.Header.Get("Authorization"); !strings.Contains(auth, "Credential="+tempKey+"/") ||
			r.Header.Get("X-Amz-Security-Token") != "temp-token" {
			t.Errorf("SQS call signed with %q (token %q), want the assumed role's temporary key",
				auth, r.Header.Get("X-Amz-Security-Token"))
		}
	}

	// another project's flow naming the same role sends its own external ID
	other := projectRun("run-3")
	other.Project = "p2"
	if err := sendAs(typ, sqsURL, other, map[string]any{portRoleARN: userRole}); err != nil {
		t.Fatal(err)
	}
	if n, ext := stsRec.count(), stsForm(t, stsRec.last(t)).Get("ExternalId"); n != 2 || ext != "polysynergy-t1-p2" {
		t.Errorf("another project: %d STS calls, external ID %q; want a call of its own with polysynergy-t1-p2", n, ext)
	}
}

// The node's own access key signs the AssumeRole call when given; credentials assumed
// with one key are not handed to a node with another.
func TestAssumeRoleWithTheNodesKey(t *testing.T) {
	fs := &stsFake{}
	stsRec, stsURL := fake(t, fs.serve)
	sqsRec, sqsURL := fake(t, okSQS)
	noHost := func(context.Context, string) (sdkaws.Config, error) {
		return sdkaws.Config{}, errors.New("no credentials")
	}
	typ := roleFamily(t, noHost, false, stsURL, platformAcct)
	keys := map[string]any{portRoleARN: userRole, portAccessKeyID: "AKIDFLOW", portSecretKey: "flow-secret"}
	if err := sendAs(typ, sqsURL, projectRun("run-1"), keys); err != nil {
		t.Fatal(err)
	}
	if auth := stsRec.last(t).Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDFLOW/") {
		t.Errorf("AssumeRole signed with %q, want the node's key", auth)
	}
	if auth := sqsRec.last(t).Header.Get("Authorization"); !strings.Contains(auth, "Credential="+tempKey+"/") {
		t.Errorf("SQS call signed with %q, want the assumed role's key", auth)
	}
	keys[portSecretKey] = "another-secret"
	if err := sendAs(typ, sqsURL, projectRun("run-2"), keys); err != nil {
		t.Fatal(err)
	}
	if n := stsRec.count(); n != 2 {
		t.Errorf("%d STS calls, want a second one for other base credentials", n)
	}
	// without its own key and without the host's, there is nothing to assume the role with
	err := sendAs(typ, sqsURL, projectRun("run-3"), map[string]any{portRoleARN: userRole})
	var ie *nodes.InputError
	if !errors.As(err, &ie) || ie.Port != portRoleARN || !strings.Contains(err.Error(), "no credentials of its own") {
		t.Errorf("no base credentials: %v", err)
	}
}

// Bad role ARNs, roles of the platform's own account and runs outside a project are
// refused on role_arn before anything is sent.
func TestAssumeRoleRefusals(t *testing.T) {
	fs := &stsFake{}
	stsRec, stsURL := fake(t, fs.serve)
	sqsRec, sqsURL := fake(t, okSQS)
	platform := roleFamily(t, testLoader, false, stsURL, platformAcct)
	for _, tc := range []struct {
		name string
		typ  *nodes.Type
		role string
		run  *nodes.RunInfo
		want string
	}{
		{"not an ARN", platform, "flows", projectRun("r"), "is not an ARN"},
		{"short account", platform, "arn:aws:iam::2222333344:role/flows", projectRun("r"), "12 digits"},
		{"a user", platform, "arn:aws:iam::222233334444:user/bob", projectRun("r"), "not a role"},
		{"own account", platform, "arn:aws:iam::" + platformAcct + ":role/Stack-FunctionsRunnerRole", projectRun("r"),
			"in the platform's own AWS account (" + platformAcct + "): roles there are never assumed"},
		{"no project", platform, userRole, &nodes.RunInfo{ID: "r", FlowID: "f"}, "belongs to no project"},
	} {
		err := sendAs(tc.typ, sqsURL, tc.run, map[string]any{portRoleARN: tc.role})
		var ie *nodes.InputError
		if !errors.As(err, &ie) || ie.Port != portRoleARN || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error on role_arn containing %q", tc.name, err, tc.want)
		}
	}
	if stsRec.count() != 0 || sqsRec.count() != 0 {
		t.Errorf("%d STS and %d SQS calls went out, want none", stsRec.count(), sqsRec.count())
	}
}

// Without POLYSYNERGY_ACCOUNT_ID the platform asks STS whose account it is, once.
func TestPlatformAccountFromSTS(t *testing.T) {
	fs := &stsFake{}
	stsRec, stsURL := fake(t, fs.serve)
	_, sqsURL := fake(t, okSQS)
	typ := roleFamily(t, testLoader, false, stsURL, "")
	own := "arn:aws:iam::" + platformAcct + ":role/anything"
	for range 2 {
		err := sendAs(typ, sqsURL, projectRun("r"), map[string]any{portRoleARN: own})
		if err == nil || !strings.Contains(err.Error(), "platform's own AWS account") {
			t.Fatalf("own account: %v", err)
		}
	}
	if err := sendAs(typ, sqsURL, projectRun("r"), map[string]any{portRoleARN: userRole}); err != nil {
		t.Fatal(err)
	}
	if n := actions(t, stsRec); n["GetCallerIdentity"] != 1 || n["AssumeRole"] != 1 {
		t.Errorf("STS calls %v, want one GetCallerIdentity and one AssumeRole", n)
	}
}

// STS refusing is a node error on role_arn with STS's reason and what the trust policy
// needs, holding no secret.
func TestAssumeRoleDenied(t *testing.T) {
	fs := &stsFake{deny: "User: arn:aws:sts::111122223333:assumed-role/router/fn is not authorized to perform: " +
		"sts:AssumeRole on resource: " + userRole}
	_, stsURL := fake(t, fs.serve)
	sqsRec, sqsURL := fake(t, okSQS)
	typ := roleFamily(t, testLoader, false, stsURL, platformAcct)
	keys := map[string]any{portRoleARN: userRole, portAccessKeyID: "AKIDFLOW", portSecretKey: "sk-FLOWSECRET",
		portSessionToken: "tok-FLOWTOKEN"}
	err := sendAs(typ, sqsURL, projectRun("r"), keys)
	var ie *nodes.InputError
	if !errors.As(err, &ie) || ie.Port != portRoleARN {
		t.Fatalf("denied: %v, want an error on role_arn", err)
	}
	for _, want := range []string{"cannot assume " + userRole, "AccessDenied", "is not authorized to perform: sts:AssumeRole",
		"sts:ExternalId = polysynergy-t1-p1"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	for _, secret := range []string{"sk-FLOWSECRET", "tok-FLOWTOKEN", "secret\"", "temp-secret"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q holds the secret %q", err, secret)
		}
	}
	if sqsRec.count() != 0 {
		t.Error("the node's call went out although the role could not be assumed")
	}
	if !strings.Contains(err.Error(), "to the identity that asked for it") {
		t.Errorf("denied with the node's key: %q does not point at the key's identity", err)
	}
	// signed by the platform: the principal to trust is the platform's
	err = sendAs(typ, sqsURL, projectRun("r"), map[string]any{portRoleARN: userRole})
	if !errors.As(err, &ie) || ie.Port != portRoleARN || !strings.Contains(err.Error(), "to the platform's principal with the "+
		"condition sts:ExternalId = polysynergy-t1-p1 (the project's settings show both)") {
		t.Errorf("denied, signed by the platform: %v", err)
	}
	// a later success is not hidden by the failure
	fs.mu.Lock()
	fs.deny = ""
	fs.mu.Unlock()
	if err := sendAs(typ, sqsURL, projectRun("r"), keys); err != nil {
		t.Fatalf("after the trust policy is fixed: %v", err)
	}
}

// On the user's machine their own credentials assume the role; a run outside a project
// (the CLI) sends no external ID.
func TestAssumeRoleOnTheUsersMachine(t *testing.T) {
	fs := &stsFake{}
	stsRec, stsURL := fake(t, fs.serve)
	sqsRec, sqsURL := fake(t, okSQS)
	typ := roleFamily(t, testLoader, true, stsURL, "")
	if err := sendAs(typ, sqsURL, nil, map[string]any{portRoleARN: "arn:aws:iam::" + platformAcct + ":role/mine"}); err != nil {
		t.Fatal(err)
	}
	got := stsForm(t, stsRec.last(t))
	if _, ok := got["ExternalId"]; ok || got.Get("RoleSessionName") != "polysynergy-flow1" {
		t.Errorf("AssumeRole form %v, want no external ID and the flow's session name", got)
	}
	if auth := stsRec.last(t).Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDTEST/") {
		t.Errorf("AssumeRole signed with %q, want the user's own credentials", auth)
	}
	if auth := sqsRec.last(t).Header.Get("Authorization"); !strings.Contains(auth, "Credential="+tempKey+"/") {
		t.Errorf("SQS call signed with %q", auth)
	}
}

// A URL presigned as a role works only while the role's session does: expires_at says
// when, and the node warns.
func TestPresignAsRoleEndsWithTheSession(t *testing.T) {
	ends := time.Now().Add(10 * time.Minute).Truncate(time.Second)
	fs := &stsFake{expires: ends}
	_, stsURL := fake(t, fs.serve)
	typ := lookup(t, roleRegistry(t, testLoader, false, stsURL, platformAcct), "aws.s3_presign")
	out, err, host := nodetest.Run(context.Background(), typ, map[string]any{"bucket": "data", "key": "k",
		"expires_seconds": 3600.0, portRegion: "eu-west-1", portRoleARN: userRole}, nodetest.Options{Run: projectRun("r")})
	if err != nil {
		t.Fatal(err)
	}
	// the credentials cache counts them expired a minute early (ExpiryWindow): the URL is
	// promised no longer than that
	want := ends.Add(-time.Minute).UTC().Format(time.RFC3339)
	if got := out["expires_at"]; got != want {
		t.Errorf("expires_at %v, want a minute before the session's end, %s", got, want)
	}
	if u, _ := out["url"].(string); !strings.Contains(u, "X-Amz-Credential="+tempKey) || !strings.Contains(u, "X-Amz-Security-Token=temp-token") {
		t.Errorf("URL %q is not signed with the role's credentials", u)
	}
	if len(host.Logs) != 1 || !strings.Contains(host.Logs[0], "warn: the URL works until "+want) {
		t.Errorf("logs %q, want a warning naming the session's end", host.Logs)
	}
}
