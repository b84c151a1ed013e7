package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// wantNameTaken requires a 409 name-taken problem naming location and the flow that has
// the name.
func wantNameTaken(t *testing.T, r *response, location, flowID string) {
	t.Helper()
	p := r.problem(http.StatusConflict)
	if p.Type != TypeNameTaken {
		t.Fatalf("problem type %q, want %q: %s", p.Type, TypeNameTaken, r)
	}
	wantFields(t, p, location)
	if !strings.Contains(p.Detail, flowID) || !strings.Contains(p.Errors[0].Message, flowID) {
		t.Fatalf("the problem does not name flow %s: %s", flowID, r)
	}
}

func flowNames(t *testing.T, e *env, u user, project string) []string {
	t.Helper()
	var list List[FlowView]
	e.do(http.MethodGet, project+"/flows", u.token, nil).ok(&list)
	var out []string
	for _, f := range list.Items {
		out = append(out, f.Name)
	}
	return out
}

func TestFlowNamesUnique(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Shop")
	other, _ := e.project(u, "Other")
	hello, hf := e.flow(u, proj, map[string]any{"kind": "route", "name": "  Hello "})
	if hf.Name != "Hello" {
		t.Fatalf("the name is stored as %q, want it trimmed", hf.Name)
	}

	// the same name in any case, around spaces, any kind: 409 on body.name (not on the
	// route the same name would also give)
	for _, body := range []map[string]any{
		{"kind": "route", "name": "Hello"}, {"kind": "route", "name": "hELLO"}, {"kind": "blueprint", "name": " HELLO  "},
	} {
		wantNameTaken(t, e.do(http.MethodPost, proj+"/flows", u.token, body), "body.name", hf.ID)
	}
	e.flow(u, other, map[string]any{"kind": "route", "name": "hello"}) // other projects have their own names

	// rename onto a taken name: 409; a change of case of its own name is fine
	lib, lf := e.flow(u, proj, map[string]any{"kind": "blueprint", "name": "Lib"})
	wantNameTaken(t, e.do(http.MethodPatch, lib, u.token, map[string]any{"name": "HELLO"}), "body.name", hf.ID)
	var fv FlowView
	e.do(http.MethodPatch, hello, u.token, map[string]any{"name": "HELLO ", "retention": 5}).ok(&fv)
	if fv.Name != "HELLO" || fv.Retention != 5 {
		t.Fatalf("renamed %+v", fv)
	}
	e.do(http.MethodPatch, hello, u.token, map[string]any{"name": "HELLO", "run_saving": "errors"}).ok(nil)
	// renaming or deleting frees the name
	e.do(http.MethodPatch, hello, u.token, map[string]any{"name": "Greeting"}).ok(nil)
	e.do(http.MethodPatch, lib, u.token, map[string]any{"name": "hello"}).ok(nil)
	e.do(http.MethodDelete, hello, u.token, nil).status(http.StatusNoContent)
	e.flow(u, proj, map[string]any{"kind": "service", "name": "greeting"})
	wantNameTaken(t, e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "service", "name": "Hello"}), "body.name", lf.ID)
	if got := flowNames(t, e, u, proj); len(got) != 2 {
		t.Fatalf("flows %v", got)
	}
}

func TestImportFlowNames(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, _ := e.project(u, "Shop")
	_, existing := e.flow(u, proj, map[string]any{"kind": "service", "name": "Lookup"})
	empty := json.RawMessage(`{"schema":"polysynergy/flow@1","nodes":[],"connections":[]}`)
	svc := func(name string) BundleFlow { return BundleFlow{Name: name, Kind: "service", Document: empty} }
	bundle := Bundle{Format: BundleFormat, Flows: []BundleFlow{svc("Tool"), svc("Other"), svc(" tool ")}}

	// two flows of one name: the preview says so, the import is refused naming both, and
	// nothing is written
	var prev ImportPreview
	e.do(http.MethodPost, proj+"/import/preview", u.token, map[string]any{"bundle": bundle}).ok(&prev)
	if it := prev.Items[2]; it.SameNameAs == nil || *it.SameNameAs != 0 || it.SuggestedName != "tool (2)" || prev.Items[0].SameNameAs != nil {
		t.Fatalf("preview %+v", prev.Items)
	}
	r := e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": bundle})
	p := r.problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.bundle.flows[2].name")
	if !strings.Contains(p.Errors[0].Message, "flows[0]") {
		t.Fatalf("the problem does not name the other flow: %s", r)
	}
	if got := flowNames(t, e, u, proj); len(got) != 1 {
		t.Fatalf("a refused import wrote flows: %v", got)
	}
	// a name given to one of them must be free, in the bundle and in the project
	for name, items := range map[string][]map[string]any{
		"items[0]": {{"index": 2, "action": "rename", "name": "OTHER"}},
		"items[1]": {{"index": 1, "action": "skip"}, {"index": 2, "action": "rename", "name": "lookup"}},
	} {
		p := e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": bundle, "items": items}).
			problem(http.StatusUnprocessableEntity)
		wantFields(t, p, "body."+name+".name")
	}
	// choosing rename (a free name is made up) or skip for one of them resolves it
	var res ImportResult
	e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": bundle,
		"items": []map[string]any{{"index": 2, "action": "rename"}}}).ok(&res)
	if res.Items[0].Name != "Tool" || res.Items[2].Name != "tool (2)" {
		t.Fatalf("import %+v", res.Items)
	}
	if got := flowNames(t, e, u, proj); len(got) != 4 {
		t.Fatalf("flows %v", got)
	}

	// existing names collide ignoring case: a choice is needed, overwrite finds the flow,
	// and one flow is not overwritten twice
	again := Bundle{Format: BundleFormat, Flows: []BundleFlow{svc("LOOKUP"), svc("lookup ")}}
	p = e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": again}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.bundle.flows[0].name", "body.bundle.flows[1].name")
	p = e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": again, "items": []map[string]any{
		{"index": 0, "action": "overwrite"}, {"index": 1, "action": "overwrite"}}}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.bundle.flows[1].name")
	e.do(http.MethodPost, proj+"/import", u.token, map[string]any{"bundle": again, "items": []map[string]any{
		{"index": 0, "action": "overwrite"}, {"index": 1, "action": "rename"}}}).ok(&res)
	if res.Items[0].Flow != existing.ID || res.Items[1].Name != "lookup (2)" {
		t.Fatalf("import %+v", res.Items)
	}
}

// dropNameClaims makes the table look like one written before flow names were claimed:
// no claim items, and (as the old API allowed) two flows of one name.
func dropNameClaims(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	out, err := e.db.Client.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(e.db.Table)})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range out.Items {
		if sk, _ := it["SK"].(*types.AttributeValueMemberS); sk != nil && strings.HasPrefix(sk.Value, "FLOWNAME#") {
			if _, err := e.db.Client.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(e.db.Table),
				Key: map[string]types.AttributeValue{"PK": it["PK"], "SK": it["SK"]}}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func setRawFlowName(t *testing.T, e *env, tenant, project, flowID, name string) {
	t.Helper()
	_, err := e.db.Client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(e.db.Table),
		Key:              map[string]types.AttributeValue{"PK": avS("T#" + tenant + "#P#" + project), "SK": avS("FLOW#" + flowID)},
		UpdateExpression: aws.String("SET #n = :n"), ExpressionAttributeNames: map[string]string{"#n": "name"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": avS(name)}})
	if err != nil {
		t.Fatal(err)
	}
}

// A project written before flow names were unique, even with two flows of one name, keeps
// working: listed, exported, changed, and its bundle imported once one of the pair is renamed.
func TestFlowNamesBeforeClaims(t *testing.T) {
	e := newEnv(t)
	u := e.signIn("alice")
	proj, pv := e.project(u, "Old")
	a, af := e.flow(u, proj, map[string]any{"kind": "service", "name": "Report"})
	b, bf := e.flow(u, proj, map[string]any{"kind": "service", "name": "Other"})
	dropNameClaims(t, e)
	setRawFlowName(t, e, u.tenant, pv.ID, bf.ID, "report")

	if got := flowNames(t, e, u, proj); len(got) != 2 || got[0] != "Report" || got[1] != "report" {
		t.Fatalf("flows %v", got)
	}
	wantNameTaken(t, e.do(http.MethodPost, proj+"/flows", u.token, map[string]any{"kind": "service", "name": "REPORT"}),
		"body.name", af.ID)
	e.do(http.MethodPatch, b, u.token, map[string]any{"retention": 9}).ok(nil)
	e.do(http.MethodPatch, a, u.token, map[string]any{"name": "Report", "run_saving": "none"}).ok(nil)

	var bundle Bundle
	e.do(http.MethodGet, proj+"/export", u.token, nil).ok(&bundle)
	dst, _ := e.project(u, "New")
	p := e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": bundle}).problem(http.StatusUnprocessableEntity)
	wantFields(t, p, "body.bundle.flows[1].name")
	e.do(http.MethodPost, dst+"/import", u.token, map[string]any{"bundle": bundle,
		"items": []map[string]any{{"index": 1, "action": "rename", "name": "Report (old)"}}}).ok(nil)

	// one of the pair renamed, the other may change case; deleting one leaves its name free
	e.do(http.MethodPatch, b, u.token, map[string]any{"name": "Summary"}).ok(nil)
	e.do(http.MethodPatch, a, u.token, map[string]any{"name": "REPORT"}).ok(nil)
	wantNameTaken(t, e.do(http.MethodPatch, b, u.token, map[string]any{"name": "report"}), "body.name", af.ID)
	e.do(http.MethodDelete, a, u.token, nil).status(http.StatusNoContent)
	e.do(http.MethodPatch, b, u.token, map[string]any{"name": "report"}).ok(nil)
}

func avS(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
