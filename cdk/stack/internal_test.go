package stack

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"polysynergy/cdk/settings"
	"polysynergy/shared/store"
)

func TestDefineTableFollowsTheStoreSchema(t *testing.T) {
	sc := store.TableSchema()
	d, err := defineTable(sc)
	if err != nil {
		t.Fatalf("defineTable(store.TableSchema()): %v", err)
	}
	if *d.partitionKey.Name != sc.PartitionKey.Name || *d.sortKey.Name != sc.SortKey.Name {
		t.Errorf("keys %s/%s, want %s/%s", *d.partitionKey.Name, *d.sortKey.Name, sc.PartitionKey.Name, sc.SortKey.Name)
	}
	if len(d.indexes) != len(sc.Indexes) {
		t.Fatalf("%d indexes, want %d", len(d.indexes), len(sc.Indexes))
	}
	for i, ix := range sc.Indexes {
		if *d.indexes[i].IndexName != ix.Name || *d.indexes[i].PartitionKey.Name != ix.PartitionKey.Name || *d.indexes[i].SortKey.Name != ix.SortKey.Name {
			t.Errorf("index %d = %s, want %s", i, *d.indexes[i].IndexName, ix.Name)
		}
	}
	if d.ttl != "expires_at" || !d.pitr {
		t.Errorf("ttl %q pitr %v", d.ttl, d.pitr)
	}
}

func TestDefineTableRefusesWhatItCannotDeploy(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*store.Schema)
		want   string
	}{
		{"unknown key type", func(s *store.Schema) { s.SortKey.Type = "X" }, `SortKey: attribute type "X"`},
		{"empty key name", func(s *store.Schema) { s.PartitionKey.Name = "" }, "PartitionKey: attribute name is empty"},
		{"provisioned billing", func(s *store.Schema) { s.BillingMode = "PROVISIONED" }, `BillingMode "PROVISIONED"`},
		{"no ttl", func(s *store.Schema) { s.TTLAttribute = "" }, "TTLAttribute"},
		{"duplicate index", func(s *store.Schema) { s.Indexes[1].Name = s.Indexes[0].Name }, "Indexes[1].Name"},
		{"bad projection", func(s *store.Schema) { s.Indexes[0].Projection = "INCLUDE" }, `Indexes[0].Projection "INCLUDE"`},
		{"bad index key", func(s *store.Schema) { s.Indexes[0].PartitionKey.Type = "" }, "Indexes[0].PartitionKey: attribute type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sc := store.TableSchema()
			sc.Indexes = append([]store.GlobalIndex(nil), sc.Indexes...)
			tc.mutate(&sc)
			_, err := defineTable(sc)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("defineTable error = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}

func TestValidateRoutes(t *testing.T) {
	ok := RouteSpec{Method: "GET", Path: "/api/v1/projects/{project}"}
	tests := []struct {
		name   string
		routes []RouteSpec
		want   string // "" for valid
	}{
		{"valid", []RouteSpec{ok, {Method: "POST", Path: "/api/v1/projects"}, {Method: "GET", Path: "/files/{path+}"}, {Method: "GET", Path: "/"}}, ""},
		{"empty table", nil, "route table is empty"},
		{"lowercase method", []RouteSpec{{Method: "get", Path: "/a"}}, `Method "get"`},
		{"ANY is not an endpoint", []RouteSpec{{Method: "ANY", Path: "/a"}}, `Method "ANY"`},
		{"relative path", []RouteSpec{{Method: "GET", Path: "api"}}, "must start with /"},
		{"trailing slash", []RouteSpec{{Method: "GET", Path: "/api/"}}, "must not end with /"},
		{"empty segment", []RouteSpec{{Method: "GET", Path: "/api//x"}}, "empty segment"},
		{"partial variable", []RouteSpec{{Method: "GET", Path: "/api/x{id}"}}, "neither static nor a {variable}"},
		{"greedy not last", []RouteSpec{{Method: "GET", Path: "/{p+}/x"}}, "greedy"},
		{"variable twice", []RouteSpec{{Method: "GET", Path: "/{a}/{a}"}}, "appears twice"},
		{"same pattern", []RouteSpec{ok, {Method: "GET", Path: "/api/v1/projects/{id}"}}, "same method and path pattern as route 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateRoutes(tc.routes)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("ValidateRoutes: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ValidateRoutes error = %v, want %q", err, tc.want)
			}
		})
	}
	err := ValidateRoutes([]RouteSpec{{Method: "X", Path: "y"}})
	var re *RouteError
	if !errors.As(err, &re) || re.Index != 0 {
		t.Fatalf("error %v is not a *RouteError for route 0", err)
	}
	if !strings.Contains(err.Error(), "Method") || !strings.Contains(err.Error(), "Path") {
		t.Errorf("error %q does not report both fields", err)
	}
}

func TestRouteIDs(t *testing.T) {
	tests := []struct {
		r    RouteSpec
		want string
	}{
		{RouteSpec{Method: "GET", Path: "/x", OperationID: "getMe"}, "getMe"},
		{RouteSpec{Method: "GET", Path: "/x", OperationID: "get me/now"}, "get-me-now"},
		{RouteSpec{Method: "DELETE", Path: "/api/v1/{project}"}, "DELETE-api-v1-project-"},
	}
	for _, tc := range tests {
		if got := routeID(tc.r); got != tc.want {
			t.Errorf("routeID(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}

func TestCheckAssets(t *testing.T) {
	root := t.TempDir()
	err := CheckAssets(root)
	if err == nil || !strings.Contains(err.Error(), "make lambdas") || !strings.Contains(err.Error(), "function api") {
		t.Fatalf("CheckAssets(empty) = %v, want a hint to run make lambdas naming the function", err)
	}
	for _, f := range FunctionSpecs() {
		if err := os.MkdirAll(filepath.Join(root, "build", f.Name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, "build", f.Name, "bootstrap"), []byte("x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := CheckAssets(root); err != nil {
		t.Fatalf("CheckAssets(all built) = %v", err)
	}
	if err := os.Remove(filepath.Join(root, "build", "runner", "bootstrap")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "build", "runner", "bootstrap"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := CheckAssets(root); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("CheckAssets(bootstrap dir) = %v", err)
	}
}

func TestNewRefusesBadInputBeforeBuilding(t *testing.T) {
	good := settings.Defaults()
	good.AssetRoot = t.TempDir()
	tests := []struct {
		name  string
		props Props
		want  string
	}{
		{"invalid settings", Props{Settings: settings.Settings{StackName: "x", MFA: "sometimes"}, Routes: []RouteSpec{{Method: "GET", Path: "/"}}}, "mfa"},
		{"bad routes", Props{Settings: good, Routes: []RouteSpec{{Method: "GET", Path: "nope"}}}, "route table"},
		{"missing binaries", Props{Settings: good, Routes: []RouteSpec{{Method: "GET", Path: "/"}}}, "make lambdas"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// A nil scope is never touched: every check runs before a construct is made.
			_, err := New(nil, tc.props)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("New error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestRetentionOfCoversEverySetting(t *testing.T) {
	seen := map[string]int{}
	for _, d := range settings.RetentionDays() {
		r := retentionOf(d)
		if prev, dup := seen[string(r)]; dup && d != 30 {
			t.Errorf("retentionOf(%d) = %s, same as %d", d, r, prev)
		}
		seen[string(r)] = d
	}
	if len(seen) != len(settings.RetentionDays()) {
		t.Errorf("%d distinct retentions for %d settings", len(seen), len(settings.RetentionDays()))
	}
}

// FuzzValidateRoutes: ValidateRoutes never panics, and a route it accepts is
// an absolute path of static or whole-segment variable parts with a known method.
func FuzzValidateRoutes(f *testing.F) {
	f.Add("GET", "/api/v1/projects/{project}")
	f.Add("POST", "/files/{path+}")
	f.Add("DELETE", "/a//b")
	f.Add("get", "{x}")
	f.Add("PUT", "/{a}/{a}")
	f.Fuzz(func(t *testing.T, method, path string) {
		err := ValidateRoutes([]RouteSpec{{Method: method, Path: path}})
		if err != nil {
			var re *RouteError
			if !errors.As(err, &re) || re.Reason == "" {
				t.Fatalf("error %v is not a *RouteError with a reason", err)
			}
			return
		}
		if !knownMethod(method) || !strings.HasPrefix(path, "/") || strings.Contains(path, "//") {
			t.Fatalf("accepted %s %q", method, path)
		}
		if strings.Count(path, "+}") > 1 || (strings.Contains(path, "+}") && !strings.HasSuffix(path, "+}")) {
			t.Fatalf("accepted a greedy variable that is not last: %q", path)
		}
	})
}
