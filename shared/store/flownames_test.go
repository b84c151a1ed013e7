package store_test

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"polysynergy/shared/store"
)

func (f *fixture) blueprint(t testing.TB, pk store.ProjectKey, name string) (store.Flow, error) {
	t.Helper()
	return f.s.CreateFlow(f.ctx, pk, store.CreateFlowInput{Kind: store.KindBlueprint, Name: name, Document: flowDoc(1)})
}

// wantTaken requires a *NameTakenError naming flow id.
func wantTaken(t testing.TB, err error, id string) {
	t.Helper()
	var nt *store.NameTakenError
	if !errors.As(err, &nt) || !errors.Is(err, store.ErrNameTaken) {
		t.Fatalf("error = %v, want a NameTakenError", err)
	}
	if nt.Flow != id {
		t.Fatalf("taken by %s, want %s (%v)", nt.Flow, id, err)
	}
}

func rename(f *fixture, k store.FlowKey, name string) (store.Flow, error) {
	return f.s.UpdateFlow(f.ctx, k, store.FlowUpdate{Name: &name})
}

func TestFoldName(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"Orders", "orders", true}, {" Orders\t", "ORDERS", true}, {"Ärger", "äRGER", true}, {"Σοφία", "σοφία", true},
		{"ﬁle", "file", false}, {"a b", "a  b", false}, {"Orders", "Order", false}, {"K", "\u212a", true},
		// an accent written as its own character or combining: one name
		{"Caf\u00e9", "CAFE\u0301", true}, {"\u00c5ngstr\u00f6m", "A\u030angstro\u0308m", true},
	} {
		if got := store.FoldName(c.a) == store.FoldName(c.b); got != c.same {
			t.Errorf("FoldName(%q) == FoldName(%q) is %v, want %v", c.a, c.b, got, c.same)
		}
		if eq := strings.EqualFold(store.NormName(c.a), store.NormName(c.b)); eq != c.same {
			t.Errorf("strings.EqualFold(%q, %q) = %v: the case is wrong", c.a, c.b, eq)
		}
	}
}

func TestFlowNamesUniqueInProject(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	other := f.project(t, tn.ID, "Other", "other").Key()

	orders := f.routeFlow(t, pk, "  Orders ", "orders")
	if orders.Name != "Orders" {
		t.Fatalf("stored name %q, want it trimmed", orders.Name)
	}
	for _, name := range []string{"Orders", "orders", " ORDERS "} {
		_, err := f.blueprint(t, pk, name)
		wantTaken(t, err, orders.ID)
	}
	must[store.Flow](t)(f.blueprint(t, other, "orders")) // another project's names are its own

	lib := must[store.Flow](t)(f.blueprint(t, pk, "Lib"))
	_, err := rename(f, lib.Key(), "oRdErS")
	wantTaken(t, err, orders.ID)
	if got := must[store.Flow](t)(f.s.GetFlow(f.ctx, lib.Key())); got.Name != "Lib" {
		t.Fatalf("a refused rename changed the name to %q", got.Name)
	}

	// a name is stored composed (NFC), and a combining accent does not make another name
	cafe := must[store.Flow](t)(f.blueprint(t, pk, " Cafe\u0301 "))
	if cafe.Name != "Caf\u00e9" {
		t.Fatalf("stored name %q, want it composed", cafe.Name)
	}
	_, err = f.blueprint(t, pk, "CAF\u00c9")
	wantTaken(t, err, cafe.ID)

	// a flow keeps its own name in another case, or unchanged with other settings
	up := must[store.Flow](t)(rename(f, orders.Key(), "ORDERS "))
	if up.Name != "ORDERS" {
		t.Fatalf("renamed to %q", up.Name)
	}
	keep := 7
	must[store.Flow](t)(f.s.UpdateFlow(f.ctx, orders.Key(), store.FlowUpdate{Name: &up.Name, Retention: &keep}))
	_, err = f.blueprint(t, pk, "orders")
	wantTaken(t, err, orders.ID)

	// renaming frees the old name; deleting frees the name
	must[store.Flow](t)(rename(f, orders.Key(), "Sales"))
	again := must[store.Flow](t)(f.blueprint(t, pk, "Orders"))
	_, err = f.blueprint(t, pk, "sales")
	wantTaken(t, err, orders.ID)
	noErr(t, f.s.DeleteFlow(f.ctx, orders.Key()))
	must[store.Flow](t)(f.blueprint(t, pk, "SALES"))
	_, err = rename(f, lib.Key(), "orders")
	wantTaken(t, err, again.ID)
}

func TestFlowNamesRace(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()

	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = f.blueprint(t, pk, []string{"Race", "race", "RACE "}[i%3])
		})
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case !errors.Is(err, store.ErrNameTaken) && !errors.Is(err, store.ErrUnavailable):
			t.Fatalf("concurrent create: %v", err)
		}
	}
	if created != 1 {
		t.Fatalf("%d flows named race were created, want 1 (%v)", created, errs)
	}

	// two flows renamed to one name at once: one wins
	a := must[store.Flow](t)(f.blueprint(t, pk, "A"))
	b := must[store.Flow](t)(f.blueprint(t, pk, "B"))
	var rerrs [2]error
	wg.Go(func() { _, rerrs[0] = rename(f, a.Key(), "Same") })
	wg.Go(func() { _, rerrs[1] = rename(f, b.Key(), "same") })
	wg.Wait()
	if (rerrs[0] == nil) == (rerrs[1] == nil) {
		t.Fatalf("concurrent renames: %v, %v; want one refused", rerrs[0], rerrs[1])
	}
	names := map[string]int{}
	for _, fl := range must[store.Page[store.Flow]](t)(f.s.ListFlows(f.ctx, pk, store.ListFlowsOptions{})).Items {
		names[store.FoldName(fl.Name)]++
	}
	for n, c := range names {
		if c > 1 {
			t.Fatalf("%d flows are named %q", c, n)
		}
	}
}

// dropNameClaims deletes every flow name claim, as data written before
// claims existed has none.
func (f *fixture) dropNameClaims(t testing.TB) {
	t.Helper()
	for _, it := range f.scan(t) {
		sk, _ := it["SK"].(string)
		if !strings.HasPrefix(sk, "FLOWNAME#") {
			continue
		}
		_, err := f.env.Client.DeleteItem(f.ctx, &dynamodb.DeleteItemInput{TableName: aws.String(f.env.Table),
			Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: it["PK"].(string)},
				"SK": &types.AttributeValueMemberS{Value: sk}}})
		noErr(t, err)
	}
}

// setRawName changes a flow's stored name behind the store's back.
func (f *fixture) setRawName(t testing.TB, fl store.Flow, name string) {
	t.Helper()
	_, err := f.env.Client.UpdateItem(f.ctx, &dynamodb.UpdateItemInput{TableName: aws.String(f.env.Table),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "T#" + fl.Tenant + "#P#" + fl.Project},
			"SK": &types.AttributeValueMemberS{Value: "FLOW#" + fl.ID}},
		UpdateExpression:          aws.String("SET #n = :n"),
		ExpressionAttributeNames:  map[string]string{"#n": "name"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberS{Value: name}}})
	noErr(t, err)
}

// Flows written before name claims existed (none claimed, even two of one
// name) keep working, and their names are respected.
func TestFlowNamesWithoutClaims(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	a := f.routeFlow(t, pk, "Orders", "a")
	b := f.routeFlow(t, pk, "Other", "b")
	c := must[store.Flow](t)(f.blueprint(t, pk, "Lib"))
	f.dropNameClaims(t)
	f.setRawName(t, b, "orders") // the old API allowed duplicates

	list := must[store.Page[store.Flow]](t)(f.s.ListFlows(f.ctx, pk, store.ListFlowsOptions{}))
	if len(list.Items) != 3 {
		t.Fatalf("flows = %+v", list.Items)
	}
	// an unclaimed name is still taken
	_, err := f.blueprint(t, pk, "ORDERS")
	wantTaken(t, err, a.ID)
	_, err = rename(f, c.Key(), "Orders")
	wantTaken(t, err, a.ID)
	// one of two duplicates cannot take the other's name in another case, but can leave it
	_, err = rename(f, b.Key(), "Orders")
	wantTaken(t, err, a.ID)
	keep := 3
	must[store.Flow](t)(f.s.UpdateFlow(f.ctx, b.Key(), store.FlowUpdate{Retention: &keep}))
	must[store.Flow](t)(rename(f, b.Key(), "Returns"))
	// now a's name can change case, and it gets a claim
	must[store.Flow](t)(rename(f, a.Key(), "ORDERS"))
	_, err = f.blueprint(t, pk, "returns")
	wantTaken(t, err, b.ID)
	// an unclaimed flow is deleted and its name is free
	noErr(t, f.s.DeleteFlow(f.ctx, c.Key()))
	must[store.Flow](t)(f.blueprint(t, pk, "lib"))
}

// A claim left by a flow that no longer exists does not block its name.
func TestFlowNamesStaleClaim(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	ghost := must[store.Flow](t)(f.blueprint(t, pk, "Ghost"))
	// the flow's metadata vanishes but its claim stays
	_, err := f.env.Client.DeleteItem(f.ctx, &dynamodb.DeleteItemInput{TableName: aws.String(f.env.Table),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "T#" + tn.ID + "#P#" + pk.Project},
			"SK": &types.AttributeValueMemberS{Value: "FLOW#" + ghost.ID}}})
	noErr(t, err)
	fresh := must[store.Flow](t)(f.blueprint(t, pk, "ghost"))
	_, err = f.blueprint(t, pk, "GHOST")
	wantTaken(t, err, fresh.ID)
}

// Deleting a project removes its name claims with everything else.
func TestFlowNamesGoWithProject(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	p := f.project(t, tn.ID, "Shop", "shop")
	must[store.Flow](t)(f.blueprint(t, p.Key(), "Lib"))
	noErr(t, f.s.TrashProject(f.ctx, p.Key()))
	noErr(t, f.s.RestoreProject(f.ctx, p.Key()))
	_, err := f.blueprint(t, p.Key(), "lib")
	wantErr(t, err, store.ErrNameTaken)
	noErr(t, f.s.DeleteProject(f.ctx, p.Key()))
	for _, it := range f.scan(t) {
		if sk, _ := it["SK"].(string); strings.HasPrefix(sk, "FLOWNAME#") {
			t.Fatalf("claim %v is left", it)
		}
	}
}

// One flow renamed to one new name by several requests at once: each of them
// succeeds. The losers of the name claim's transaction retry, find the flow
// already has the name and only update it (they failed with a DynamoDB
// ValidationException, an unused :old value, which the API answered with 500).
func TestFlowRenameSameNameRace(t *testing.T) {
	f := setup(t)
	tn := f.tenant(t, "Acme")
	pk := f.project(t, tn.ID, "Shop", "shop").Key()
	fl := must[store.Flow](t)(f.blueprint(t, pk, "Start"))

	const n = 6
	for _, name := range []string{"One", "Two", "Three"} {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { _, errs[i] = rename(f, fl.Key(), name) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("rename %d of %d to %q: %v", i, n, name, err)
			}
		}
		got := must[store.Flow](t)(f.s.GetFlow(f.ctx, fl.Key()))
		if got.Name != name {
			t.Fatalf("name = %q, want %q", got.Name, name)
		}
	}
}
