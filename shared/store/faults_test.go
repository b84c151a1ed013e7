package store_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/truora/minidyn/server"

	"polysynergy/shared/store"
	"polysynergy/shared/store/storetest"
)

func TestInternalErrorIsUnavailable(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	p := f.project(t, tn.ID, "Shop", "shop")

	f.env.EmulateFailure(server.FailureConditionInternalServerError)
	_, err := f.s.GetProject(f.ctx, p.Key())
	wantErr(t, err, store.ErrUnavailable)
	var ise *types.InternalServerError
	if !errors.As(err, &ise) {
		t.Fatalf("the SDK error is not kept: %v", err)
	}
	if !strings.Contains(err.Error(), "get project") {
		t.Fatalf("error does not say what was being done: %v", err)
	}
	_, err = f.s.CreateFlow(f.ctx, p.Key(), store.CreateFlowInput{Kind: store.KindBlueprint, Name: "x", Document: flowDoc(1)})
	wantErr(t, err, store.ErrUnavailable)
	_, err = f.s.ListProjects(f.ctx, tn.ID, store.ListOptions{})
	wantErr(t, err, store.ErrUnavailable)
	f.env.EmulateFailure(server.FailureConditionNone)

	if l := must[store.Page[store.Flow]](t)(f.s.ListFlows(f.ctx, p.Key(), store.ListFlowsOptions{})); len(l.Items) != 0 {
		t.Fatalf("failed CreateFlow left %d flows", len(l.Items))
	}
}

func TestThrottlingIsUnavailable(t *testing.T) {
	for _, c := range []struct {
		op, typ string
		status  int
	}{
		{"GetItem", "ProvisionedThroughputExceededException", 400},
		{"GetItem", "ThrottlingException", 400},
		{"GetItem", "RequestLimitExceeded", 400},
		{"TransactWriteItems", "ThrottlingException", 400},
		{"Query", "ServiceUnavailable", 503},
	} {
		t.Run(c.op+"/"+c.typ, func(t *testing.T) {
			f := setup(t)
			tn := f.tenant(t, "Acme")
			p := f.project(t, tn.ID, "Shop", "shop")
			var hits atomic.Int32
			f.env.SetFault(func(op string) *storetest.Fault {
				if op != c.op {
					return nil
				}
				hits.Add(1)
				return &storetest.Fault{Status: c.status, Type: c.typ}
			})
			var err error
			switch c.op {
			case "GetItem":
				_, err = f.s.GetProject(f.ctx, p.Key())
			case "Query":
				_, err = f.s.ListProjects(f.ctx, tn.ID, store.ListOptions{})
			case "TransactWriteItems":
				_, err = f.s.CreateProject(f.ctx, tn.ID, store.CreateProjectInput{Name: "Two", Slug: "two"})
			}
			wantErr(t, err, store.ErrUnavailable)
			if hits.Load() == 0 {
				t.Fatal("fault was never hit")
			}
			f.env.SetFault(nil)
			if c.op == "TransactWriteItems" {
				if _, err := f.s.ResolveSlug(f.ctx, "two"); !errors.Is(err, store.ErrNotFound) {
					t.Fatalf("throttled create left its slug: %v", err)
				}
			}
		})
	}
}

func TestConditionFailureIsNotUnavailable(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	f.project(t, tn.ID, "Shop", "shop")
	_, err := f.s.CreateProject(f.ctx, tn.ID, store.CreateProjectInput{Name: "Again", Slug: "shop"})
	if errors.Is(err, store.ErrUnavailable) || !errors.Is(err, store.ErrSlugTaken) {
		t.Fatalf("error = %v, want ErrSlugTaken only", err)
	}
}

func TestNetworkErrorIsUnavailable(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL
	dead.Close()
	s := store.New(storetest.NewClient(url), "t")
	_, err := s.GetTenant(context.Background(), "t1")
	wantErr(t, err, store.ErrUnavailable)
}

func TestCanceledContextIsNotUnavailable(t *testing.T) {
	f := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.s.GetTenant(ctx, "t1")
	if err == nil || errors.Is(err, store.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled and not ErrUnavailable", err)
	}
}
