package aws

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"

	"polysynergy/shared/nodes"
	"polysynergy/shared/nodes/netguard"
	"polysynergy/shared/nodes/nodetest"
)

// sqsType registers the family with load and the given ambient rule and returns sqs_send.
func sqsType(t *testing.T, load ConfigLoader, ambient bool) *nodes.Type {
	return sqsTypeGuarded(t, load, ambient, false)
}

// sqsTypeGuarded is sqsType with the network guard of the build (guarded) or none.
func sqsTypeGuarded(t *testing.T, load ConfigLoader, ambient, guarded bool) *nodes.Type {
	t.Helper()
	f := newFamily(load)
	f.ambient = ambient
	if !guarded {
		f.endpointClient = func(bool) sdkaws.HTTPClient { return http.DefaultClient }
	}
	r := nodes.NewRegistry()
	if err := r.Register(f.types()...); err != nil {
		t.Fatal(err)
	}
	return lookup(t, r, "aws.sqs_send")
}

func okSQS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_, _ = w.Write([]byte(`{"MessageId":"m-1","MD5OfMessageBody":"49f68a5c8493ec2c0bf489821c21fc3b"}`))
}

// A flow's credentials sign its calls; where the host's credentials are the platform's
// role (the Lambda functions), a node without credentials of its own is refused before
// anything is sent.
func TestFlowCredentials(t *testing.T) {
	send := func(typ *nodes.Type, url string, extra map[string]any) error {
		in := map[string]any{"queue_url": "https://sqs.eu-west-1.amazonaws.com/1/q", "message": "hi",
			portRegion: "eu-west-1", portEndpoint: url, netguard.PortName: true}
		for k, v := range extra {
			in[k] = v
		}
		_, err, _ := nodetest.Run(context.Background(), typ, in, nodetest.Options{})
		return err
	}
	keys := map[string]any{portAccessKeyID: "AKIDFLOW", portSecretKey: "flow-secret", portSessionToken: "flow-token"}

	rec, url := fake(t, okSQS)
	if err := send(sqsType(t, testLoader, true), url, keys); err != nil {
		t.Fatal(err)
	}
	req := rec.last(t)
	if auth := req.Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDFLOW/") ||
		req.Header.Get("X-Amz-Security-Token") != "flow-token" {
		t.Fatalf("signed with %q (token %q), want the flow's key", auth, req.Header.Get("X-Amz-Security-Token"))
	}
	if err := send(sqsType(t, testLoader, true), url, nil); err != nil {
		t.Fatalf("on the user's machine the host's credentials are used: %v", err)
	}
	if auth := rec.last(t).Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDTEST/") {
		t.Fatalf("signed with %q, want the host's key", auth)
	}

	// the functions: the host has the platform's role, which must never sign a flow's call
	noHost := func(context.Context, string) (sdkaws.Config, error) {
		return sdkaws.Config{}, errors.New("no credentials")
	}
	platform := sqsType(t, testLoader, false)
	before := rec.count()
	err := send(platform, url, nil)
	var ie *nodes.InputError
	if !errors.As(err, &ie) || ie.Port != portAccessKeyID || !strings.Contains(err.Error(), "<secret:AWS_ACCESS_KEY_ID>") ||
		!strings.Contains(err.Error(), "never lent to flows") {
		t.Fatalf("no credentials of its own on the platform: %v", err)
	}
	if rec.count() != before {
		t.Fatal("a call went out with the platform's credentials")
	}
	if err := send(sqsType(t, noHost, false), url, keys); err != nil {
		t.Fatalf("with its own keys a node needs nothing from the host: %v", err)
	}
	if auth := rec.last(t).Header.Get("Authorization"); !strings.Contains(auth, "Credential=AKIDFLOW/") {
		t.Fatalf("signed with %q", auth)
	}
	for _, tc := range []struct {
		in   map[string]any
		port string
	}{
		{map[string]any{portAccessKeyID: "AKIDFLOW"}, portSecretKey},
		{map[string]any{portSecretKey: "flow-secret"}, portAccessKeyID},
	} {
		if err := send(platform, url, tc.in); !errors.As(err, &ie) || ie.Port != tc.port {
			t.Errorf("%v: %v, want an error naming %s", tc.in, err, tc.port)
		}
	}
}

// A custom endpoint on a private address is refused unless allow_private_network is on;
// in the functions loopback (the Lambda runtime API) is refused even then.
func TestEndpointGuard(t *testing.T) {
	rec, url := fake(t, okSQS)
	typ := sqsTypeGuarded(t, testLoader, true, true)
	for _, allow := range []bool{false, true} {
		_, err, _ := nodetest.Run(context.Background(), typ, map[string]any{"queue_url": "https://q", "message": "hi",
			portRegion: "eu-west-1", portEndpoint: url, netguard.PortName: allow}, nodetest.Options{})
		switch {
		case !allow:
			if err == nil || !strings.Contains(err.Error(), "set allow_private_network") || rec.count() != 0 {
				t.Fatalf("loopback endpoint without allow_private_network: %v (%d requests)", err, rec.count())
			}
		case netguard.Sandboxed:
			if err == nil || !strings.Contains(err.Error(), "never reachable from the platform's functions") || rec.count() != 0 {
				t.Fatalf("loopback endpoint in the functions: %v (%d requests)", err, rec.count())
			}
		default:
			if err != nil || rec.count() != 1 {
				t.Fatalf("loopback endpoint allowed on the user's machine: %v (%d requests)", err, rec.count())
			}
		}
	}
}
