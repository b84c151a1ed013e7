package store_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/store"
)

// cursorList is one paged list of the store: build makes at least five items in it and
// returns how to read a page of their ids and how to make one of them leave the list.
type cursorList struct {
	name  string
	build func(t *testing.T, f *fixture) (page func(store.ListOptions) ([]string, string, error), remove func(id string))
}

// pageOf adapts a list call to ids.
func pageOf[T any](p store.Page[T], err error, id func(T) string) ([]string, string, error) {
	ids := make([]string, 0, len(p.Items))
	for _, it := range p.Items {
		ids = append(ids, id(it))
	}
	return ids, p.Next, err
}

// rawDelete deletes one item with the raw client, as an expiry (TTL) would.
func (f *fixture) rawDelete(t testing.TB, pk, sk string) {
	t.Helper()
	_, err := f.env.Client.DeleteItem(f.ctx, &dynamodb.DeleteItemInput{TableName: aws.String(f.env.Table),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}})
	if err != nil {
		t.Fatalf("delete raw item %s %s: %v", pk, sk, err)
	}
}

func cursorLists() []cursorList {
	return []cursorList{{
		name: "runs of a flow (run expired)",
		build: func(t *testing.T, f *fixture) (func(store.ListOptions) ([]string, string, error), func(string)) {
			tn := f.tenant(t, "Acme")
			pk := f.project(t, tn.ID, "Shop", "shop").Key()
			fl := f.routeFlow(t, pk, "Orders", "orders")
			for range 5 {
				must[store.Run](t)(f.s.CreateRun(f.ctx, store.Run{Tenant: tn.ID, Project: pk.Project, Flow: fl.ID, Stage: "prod", Trigger: "route", Status: "success"}))
			}
			return func(o store.ListOptions) ([]string, string, error) {
					p, err := f.s.ListRuns(f.ctx, fl.Key(), store.ListRunsOptions{ListOptions: o})
					return pageOf(p, err, func(r store.Run) string { return r.ID })
				}, func(id string) {
					f.rawDelete(t, fmt.Sprintf("T#%s#P#%s#R#%s", tn.ID, pk.Project, id), "RUN")
				}
		},
	}, {
		name: "projects (project trashed)",
		build: func(t *testing.T, f *fixture) (func(store.ListOptions) ([]string, string, error), func(string)) {
			tn := f.tenant(t, "Acme")
			for i := range 5 {
				f.project(t, tn.ID, fmt.Sprintf("Project %d", i), fmt.Sprintf("project-%d", i))
			}
			return func(o store.ListOptions) ([]string, string, error) {
					p, err := f.s.ListProjects(f.ctx, tn.ID, o)
					return pageOf(p, err, func(p store.Project) string { return p.ID })
				}, func(id string) {
					noErr(t, f.s.TrashProject(f.ctx, store.ProjectKey{Tenant: tn.ID, Project: id}))
				}
		},
	}, {
		name: "trash (project restored)",
		build: func(t *testing.T, f *fixture) (func(store.ListOptions) ([]string, string, error), func(string)) {
			tn := f.tenant(t, "Acme")
			for i := range 5 {
				p := f.project(t, tn.ID, fmt.Sprintf("Project %d", i), fmt.Sprintf("project-%d", i))
				noErr(t, f.s.TrashProject(f.ctx, p.Key()))
			}
			return func(o store.ListOptions) ([]string, string, error) {
					p, err := f.s.ListTrashedProjects(f.ctx, tn.ID, o)
					return pageOf(p, err, func(p store.Project) string { return p.ID })
				}, func(id string) {
					noErr(t, f.s.RestoreProject(f.ctx, store.ProjectKey{Tenant: tn.ID, Project: id}))
				}
		},
	}, {
		name: "flows of a project (flow deleted)",
		build: func(t *testing.T, f *fixture) (func(store.ListOptions) ([]string, string, error), func(string)) {
			tn := f.tenant(t, "Acme")
			pk := f.project(t, tn.ID, "Shop", "shop").Key()
			for i := range 5 {
				f.routeFlow(t, pk, fmt.Sprintf("Flow %d", i), fmt.Sprintf("path%d", i))
			}
			return func(o store.ListOptions) ([]string, string, error) {
					p, err := f.s.ListFlows(f.ctx, pk, store.ListFlowsOptions{ListOptions: o})
					return pageOf(p, err, func(fl store.Flow) string { return fl.ID })
				}, func(id string) {
					noErr(t, f.s.DeleteFlow(f.ctx, pk.Flow(id)))
				}
		},
	}, {
		name: "versions of a flow (version item gone)",
		build: func(t *testing.T, f *fixture) (func(store.ListOptions) ([]string, string, error), func(string)) {
			tn := f.tenant(t, "Acme")
			pk := f.project(t, tn.ID, "Shop", "shop").Key()
			fl := f.routeFlow(t, pk, "Orders", "orders")
			rev := 1
			for i := range 5 {
				rev = must[int](t)(f.s.SaveDraft(f.ctx, fl.Key(), flowDoc(4+i), rev))
				if _, created, err := f.s.CreateVersion(f.ctx, fl.Key(), "me", ""); err != nil || !created {
					t.Fatalf("create version %d: created %v, %v", i+1, created, err)
				}
			}
			return func(o store.ListOptions) ([]string, string, error) {
					p, err := f.s.ListVersions(f.ctx, fl.Key(), o)
					return pageOf(p, err, func(v store.Version) string { return fmt.Sprint(v.Number) })
				}, func(id string) {
					var n int
					fmt.Sscan(id, &n)
					f.rawDelete(t, fmt.Sprintf("T#%s#P#%s#F#%s", tn.ID, pk.Project, fl.ID), fmt.Sprintf("V#%010d", n))
				}
		},
	}, {
		name: "api keys of a project (key deleted)",
		build: func(t *testing.T, f *fixture) (func(store.ListOptions) ([]string, string, error), func(string)) {
			tn := f.tenant(t, "Acme")
			pk := f.project(t, tn.ID, "Shop", "shop").Key()
			for i := range 5 {
				must[store.APIKey](t)(f.s.CreateAPIKey(f.ctx, pk, store.CreateAPIKeyInput{Label: fmt.Sprintf("k%d", i), Hash: fmt.Sprintf("hash-%d", i)}))
			}
			return func(o store.ListOptions) ([]string, string, error) {
					p, err := f.s.ListAPIKeys(f.ctx, pk, o)
					return pageOf(p, err, func(k store.APIKey) string { return k.ID })
				}, func(id string) {
					noErr(t, f.s.DeleteAPIKey(f.ctx, pk, id))
				}
		},
	}, {
		name: "members of a tenant (member removed)",
		build: func(t *testing.T, f *fixture) (func(store.ListOptions) ([]string, string, error), func(string)) {
			tn := f.tenant(t, "Acme")
			for i := range 5 {
				must[store.Membership](t)(f.s.AddMember(f.ctx, store.Membership{Tenant: tn.ID, Sub: fmt.Sprintf("user-%d", i), Role: store.RoleEditor}))
			}
			return func(o store.ListOptions) ([]string, string, error) {
					p, err := f.s.ListMembers(f.ctx, tn.ID, o)
					return pageOf(p, err, func(m store.Membership) string { return m.Sub })
				}, func(sub string) {
					noErr(t, f.s.RemoveMember(f.ctx, tn.ID, sub))
				}
		},
	}, {
		name: "tenants of a user (membership removed)",
		build: func(t *testing.T, f *fixture) (func(store.ListOptions) ([]string, string, error), func(string)) {
			const sub = "user-x"
			for i := range 5 {
				tn := f.tenant(t, fmt.Sprintf("Tenant%d", i))
				must[store.Membership](t)(f.s.AddMember(f.ctx, store.Membership{Tenant: tn.ID, Sub: sub, Role: store.RoleEditor}))
			}
			return func(o store.ListOptions) ([]string, string, error) {
					p, err := f.s.ListUserTenants(f.ctx, sub, o)
					return pageOf(p, err, func(m store.Membership) string { return m.Tenant })
				}, func(tenant string) {
					noErr(t, f.s.RemoveMember(f.ctx, tenant, sub))
				}
		},
	}, {
		name: "invitations of a tenant (invitation withdrawn)",
		build: func(t *testing.T, f *fixture) (func(store.ListOptions) ([]string, string, error), func(string)) {
			tn := f.tenant(t, "Acme")
			for i := range 5 {
				must[store.Invitation](t)(f.s.CreateInvitation(f.ctx, store.Invitation{Tenant: tn.ID, Email: fmt.Sprintf("new%d@example.com", i), Role: store.RoleEditor}))
			}
			return func(o store.ListOptions) ([]string, string, error) {
					p, err := f.s.ListInvitations(f.ctx, tn.ID, o)
					return pageOf(p, err, func(inv store.Invitation) string { return inv.Email })
				}, func(email string) {
					noErr(t, f.s.DeleteInvitation(f.ctx, tn.ID, email))
				}
		},
	}, {
		name: "published schedules (schedule unpublished)",
		build: func(t *testing.T, f *fixture) (func(store.ListOptions) ([]string, string, error), func(string)) {
			tn := f.tenant(t, "Acme")
			pk := f.project(t, tn.ID, "Shop", "shop").Key()
			f.stage(t, pk, "prod", 1)
			for i := range 5 {
				fl := must[store.Flow](t)(f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindSchedule, Name: fmt.Sprintf("Nightly %d", i),
					Document: flowDoc(2), Schedule: &store.ScheduleConfig{Cron: "0 3 * * *", Enabled: true}}))
				must[store.PublishResult](t)(f.s.Publish(f.ctx, store.PublishInput{Flow: fl.Key(), Stage: "prod"}))
			}
			return func(o store.ListOptions) ([]string, string, error) {
					p, err := f.s.ListPublishedSchedules(f.ctx, o)
					return pageOf(p, err, func(sc store.Schedule) string { return sc.Flow })
				}, func(id string) {
					noErr(t, f.s.Unpublish(f.ctx, pk.Flow(id), "prod"))
				}
		},
	}}
}

// TestCursorGoesOnWhenItsItemLeft reads the first page of each list, makes the item the
// cursor ends at leave the list, and reads on: the rest of the list follows, in order,
// neither ending early nor starting over (the embedded DynamoDB finds no start for a gone
// item's ExclusiveStartKey).
func TestCursorGoesOnWhenItsItemLeft(t *testing.T) {
	for _, c := range cursorLists() {
		t.Run(c.name, func(t *testing.T) {
			f := setup(t)
			page, remove := c.build(t, f)
			all, next, err := page(store.ListOptions{})
			noErr(t, err)
			if len(all) < 5 || next != "" {
				t.Fatalf("whole list = %v (next %q), want at least 5 items on one page", all, next)
			}
			first, next, err := page(store.ListOptions{Limit: 2})
			noErr(t, err)
			if !slices.Equal(first, all[:2]) || next == "" {
				t.Fatalf("first page = %v (next %q), want %v and a cursor", first, next, all[:2])
			}
			remove(all[1])
			var rest []string
			for pages := 0; next != ""; pages++ {
				if pages > len(all) {
					t.Fatalf("no end after %d pages: %v", pages, rest)
				}
				var ids []string
				ids, next, err = page(store.ListOptions{Cursor: next, Limit: 2})
				noErr(t, err)
				rest = append(rest, ids...)
			}
			if !slices.Equal(rest, all[2:]) {
				t.Fatalf("after %s left, the pages went on with %v, want %v", all[1], rest, all[2:])
			}
		})
	}
}
