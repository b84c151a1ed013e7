package stack_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"polysynergy/cdk/stack"
	"polysynergy/shared/live"
	"polysynergy/shared/store"
)

// dynamoActions maps the DynamoDB client's item operations to the IAM actions
// they need. Transactions are authorised per item (txnActions); table
// administration (CreateTable, DescribeTable, UpdateTimeToLive) is the local
// cloud's and the tests', never a deployed function's, so it is not listed.
var dynamoActions = map[string]string{
	"GetItem": "dynamodb:GetItem", "BatchGetItem": "dynamodb:BatchGetItem", "Query": "dynamodb:Query",
	"Scan": "dynamodb:Scan", "PutItem": "dynamodb:PutItem", "UpdateItem": "dynamodb:UpdateItem",
	"DeleteItem": "dynamodb:DeleteItem", "BatchWriteItem": "dynamodb:BatchWriteItem",
	"TransactGetItems": "dynamodb:GetItem", "ExecuteStatement": "dynamodb:PartiQLSelect",
	"BatchExecuteStatement": "dynamodb:PartiQLSelect", "ExecuteTransaction": "dynamodb:PartiQLSelect",
}

// txnActions are the store's transaction builders (shared/store/txn.go) and
// the IAM action each item needs.
var txnActions = map[string]string{
	"put": "dynamodb:PutItem", "update": "dynamodb:UpdateItem", "del": "dynamodb:DeleteItem", "check": "dynamodb:ConditionCheckItem",
}

// goPackage is a parsed Go package: its functions and methods by name (a name
// declared on several receivers maps to all of them, which can only widen
// what a function is found to need).
type goPackage map[string][]*ast.FuncDecl

func parsePackage(t *testing.T, dir string, only ...string) goPackage {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	pkg := goPackage{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || len(only) > 0 && !slices.Contains(only, filepath.Base(f)) {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Body != nil {
				pkg[fn.Name.Name] = append(pkg[fn.Name.Name], fn)
			}
		}
	}
	if len(pkg) == 0 {
		t.Fatalf("no Go functions in %s", dir)
	}
	return pkg
}

// actions lists the IAM actions the named functions need, following calls
// into the package's own functions: a method on a DynamoDB client (a
// receiver whose name ends in db, client or c) or a transaction builder.
func (p goPackage) actions(roots ...string) []string {
	need := map[string]bool{}
	seen := map[string]bool{}
	var visit func(name string)
	visit = func(name string) {
		if seen[name] {
			return
		}
		seen[name] = true
		for _, fn := range p[name] {
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				switch f := call.Fun.(type) {
				case *ast.Ident:
					visit(f.Name)
				case *ast.IndexExpr: // generic call: listPage[T](…)
					if id, ok := f.X.(*ast.Ident); ok {
						visit(id.Name)
					}
				case *ast.SelectorExpr:
					recv := strings.ToLower(exprString(f.X))
					if a, ok := dynamoActions[f.Sel.Name]; ok && (strings.HasSuffix(recv, "db") || strings.HasSuffix(recv, "client") || recv == "c") {
						need[a] = true
					}
					if a, ok := txnActions[f.Sel.Name]; ok && strings.HasPrefix(recv, "t") {
						need[a] = true
					}
					visit(f.Sel.Name)
				}
				return true
			})
		}
	}
	for _, r := range roots {
		visit(r)
	}
	return slices.Sorted(maps.Keys(need))
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return exprString(x.X) + "." + x.Sel.Name
	}
	return ""
}

// TestStoreAccessCoversTheStore: every item operation in shared/store (the only
// package that calls DynamoDB for the api, router and runner) is allowed by
// StoreAccess, their grant; an operation added to the store without its IAM
// action would fail only in AWS.
func TestStoreAccessCoversTheStore(t *testing.T) {
	granted := stack.StoreAccess().Actions
	for _, src := range []struct {
		dir  string
		only []string
		min  int // fewer found means the scan no longer sees the client's calls
	}{{"../../shared/store", nil, 8}} {
		pkg := parsePackage(t, src.dir, src.only...)
		need := pkg.actions(slices.Collect(maps.Keys(pkg))...)
		if len(need) < src.min {
			t.Fatalf("%s: found only %v: is the scan still finding the client calls?", src.dir, need)
		}
		for _, a := range need {
			if !slices.Contains(granted, a) {
				t.Errorf("%s performs %s, which StoreAccess does not grant", src.dir, a)
			}
		}
	}
	// the store's full set is granted and nothing more
	need := parsePackage(t, "../../shared/store")
	all := need.actions(slices.Collect(maps.Keys(need))...)
	if got := slices.Sorted(slices.Values(granted)); !slices.Equal(got, all) {
		t.Errorf("StoreAccess grants %v, the store performs %v", got, all)
	}
}

// TestConnectionAccessCoversTheWebSocketFunction: the ws function reaches the
// table only through live.HandlerStore; the store methods behind it need no
// more than ConnectionAccess. A method added to the interface fails here until
// its actions are checked.
func TestConnectionAccessCoversTheWebSocketFunction(t *testing.T) {
	it := reflect.TypeFor[live.HandlerStore]()
	var methods []string
	for i := range it.NumMethod() {
		methods = append(methods, it.Method(i).Name)
	}
	sort.Strings(methods)
	reviewed := []string{"DeleteConnection", "GetConnection", "GetMembership", "GetProject", "ListConnectionSubscriptions",
		"ListUserTenants", "PutConnection", "Subscribe", "Unsubscribe"}
	if !slices.Equal(methods, reviewed) {
		t.Errorf("live.HandlerStore has %v, the ws grant was reviewed for %v: check ConnectionAccess", methods, reviewed)
	}
	need := parsePackage(t, "../../shared/store").actions(methods...)
	granted := stack.ConnectionAccess().Actions
	if got := slices.Sorted(slices.Values(granted)); !slices.Equal(got, need) {
		t.Errorf("ConnectionAccess grants %v, the ws function's store calls need %v", got, need)
	}
	if slices.Contains(granted, "dynamodb:UpdateItem") {
		t.Error("the ws function never updates an item")
	}
}

// TestDeployedFunctionsQueryOnlyGrantedIndexes: the functions may Query the
// indexes StoreAccess names; every other index of the schema is used only by
// the local cloud (GSI2, the published schedules its scheduler fires). A
// deployed function querying another index would be denied only in AWS.
func TestDeployedFunctionsQueryOnlyGrantedIndexes(t *testing.T) {
	granted := stack.StoreAccess().Indexes
	for _, ix := range store.TableSchema().Indexes {
		if slices.Contains(granted, ix.Name) {
			continue
		}
		// the store methods querying the index, then who calls them outside shared/local
		constant := map[string]string{store.IndexGSI1: "IndexGSI1", store.IndexGSI2: "IndexGSI2"}[ix.Name]
		if constant == "" {
			t.Fatalf("index %s: no store constant known to this test", ix.Name)
		}
		var methods []string
		for name, decls := range parsePackage(t, "../../shared/store") {
			for _, fn := range decls {
				found := false
				ast.Inspect(fn.Body, func(n ast.Node) bool { // query{index: IndexGSIn, …}
					if kv, ok := n.(*ast.KeyValueExpr); ok {
						k, _ := kv.Key.(*ast.Ident)
						v, _ := kv.Value.(*ast.Ident)
						found = found || k != nil && v != nil && k.Name == "index" && v.Name == constant
					}
					return !found
				})
				if found {
					methods = append(methods, name)
				}
			}
		}
		if len(methods) == 0 {
			continue
		}
		t.Logf("index %s is queried by store.%v; looking for callers outside shared/local", ix.Name, methods)
		err := filepath.WalkDir("../..", func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				switch d.Name() {
				case "node_modules", "web", ".git", "local", "store", "cdk", "testdata":
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range methods {
				if strings.Contains(string(src), "."+m+"(") {
					t.Errorf("%s calls store.%s, which queries %s: grant the index in StoreAccess", path, m, ix.Name)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
