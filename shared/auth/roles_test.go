package auth

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// wantMinimum is the permission policy written out independently of the
// table in roles.go: the least role for every action of the platform.
var wantMinimum = map[string]Role{
	"project.read":    RoleViewer,
	"project.create":  RoleEditor,
	"project.update":  RoleEditor,
	"project.trash":   RoleAdmin,
	"project.restore": RoleAdmin,
	"project.delete":  RoleAdmin,
	"stage.read":      RoleViewer,
	"stage.manage":    RoleAdmin,
	"flow.read":       RoleViewer,
	"flow.write":      RoleEditor,
	"flow.publish":    RoleEditor,
	"route.read":      RoleViewer,
	"route.write":     RoleEditor,
	"schedule.read":   RoleViewer,
	"schedule.write":  RoleEditor,
	"version.read":    RoleViewer,
	"version.restore": RoleEditor,
	"secret.read":     RoleEditor,
	"secret.write":    RoleAdmin,
	"env.read":        RoleViewer,
	"env.write":       RoleEditor,
	"apikey.read":     RoleAdmin,
	"apikey.write":    RoleAdmin,
	"member.read":     RoleViewer,
	"member.manage":   RoleAdmin,
	"run.read":        RoleViewer,
	"run.write":       RoleEditor,
	"run.start":       RoleEditor,
	"catalog.read":    RoleViewer,
	"export.read":     RoleViewer,
	"import.write":    RoleEditor,
}

func TestActionsListsTheWholePlatform(t *testing.T) {
	var want []Action
	for a := range wantMinimum {
		want = append(want, Action(a))
	}
	slices.Sort(want)
	got := Actions()
	if !slices.Equal(got, want) {
		t.Fatalf("Actions() = %v\nwant %v", got, want)
	}
	if !slices.IsSorted(got) {
		t.Errorf("Actions() is not sorted: %v", got)
	}
	shape := regexp.MustCompile(`^[a-z]+\.[a-z]+$`)
	for _, a := range got {
		if !shape.MatchString(string(a)) {
			t.Errorf("action %q is not resource.verb", a)
		}
		if parsed, err := ParseAction(string(a)); err != nil || parsed != a {
			t.Errorf("ParseAction(%q) = %q, %v", a, parsed, err)
		}
	}
}

func TestPermissionTable(t *testing.T) {
	roles := append(Roles(), "", "owner", "Admin", "ADMIN", " admin")
	for _, action := range Actions() {
		min, ok := MinimumRole(action)
		if !ok || min != wantMinimum[string(action)] {
			t.Errorf("MinimumRole(%s) = %q, %v; want %q", action, min, ok, wantMinimum[string(action)])
		}
		for _, role := range roles {
			want := role.Valid() && role.rank() >= wantMinimum[string(action)].rank()
			if got := Allowed(role, action); got != want {
				t.Errorf("Allowed(%q, %s) = %v, want %v", role, action, got, want)
			}
			err := Require(role, action)
			if want {
				if err != nil {
					t.Errorf("Require(%q, %s) = %v, want nil", role, action, err)
				}
				continue
			}
			if !errors.Is(err, ErrForbidden) {
				t.Errorf("Require(%q, %s) = %v, want ErrForbidden", role, action, err)
				continue
			}
			if !strings.Contains(err.Error(), string(action)) || !strings.Contains(err.Error(), string(role)) {
				t.Errorf("Require(%q, %s) error %q does not name the action and role", role, action, err)
			}
		}
	}
}

func TestPolicyRules(t *testing.T) {
	// The rules in words, checked over the table.
	for _, a := range Actions() {
		if strings.HasSuffix(string(a), ".read") && a != ActionSecretRead && a != ActionAPIKeyRead && !Allowed(RoleViewer, a) {
			t.Errorf("viewers should read %s", a)
		}
		if !strings.HasSuffix(string(a), ".read") && Allowed(RoleViewer, a) {
			t.Errorf("viewers should not %s", a)
		}
		if !Allowed(RoleAdmin, a) {
			t.Errorf("admins should %s", a)
		}
	}
	for _, a := range []Action{ActionFlowWrite, ActionFlowPublish, ActionRouteWrite, ActionScheduleWrite,
		ActionEnvWrite, ActionRunWrite, ActionRunStart, ActionImportWrite, ActionSecretRead} {
		if !Allowed(RoleEditor, a) {
			t.Errorf("editors should %s", a)
		}
	}
	for _, a := range []Action{ActionMemberManage, ActionStageManage, ActionSecretWrite, ActionAPIKeyRead,
		ActionAPIKeyWrite, ActionProjectTrash, ActionProjectRestore, ActionProjectDelete} {
		if Allowed(RoleEditor, a) {
			t.Errorf("editors should not %s", a)
		}
	}
}

func TestRequireUnknownAction(t *testing.T) {
	err := Require(RoleAdmin, "project.explode")
	if !errors.Is(err, ErrForbidden) || !strings.Contains(err.Error(), "project.explode") {
		t.Fatalf("Require(admin, unknown) = %v, want ErrForbidden naming the action", err)
	}
	if Allowed(RoleAdmin, "project.explode") {
		t.Error("unknown action allowed")
	}
	if _, err := ParseAction("project.explode"); err == nil {
		t.Error("ParseAction accepted an unknown action")
	}
}

func TestParseRole(t *testing.T) {
	tests := []struct {
		in      string
		want    Role
		wantErr bool
	}{
		{"admin", RoleAdmin, false},
		{"editor", RoleEditor, false},
		{"viewer", RoleViewer, false},
		{"", "", true},
		{"Admin", "", true},
		{"owner", "", true},
		{"viewer ", "", true},
	}
	for _, tt := range tests {
		got, err := ParseRole(tt.in)
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "role") {
				t.Errorf("ParseRole(%q) = %q, %v; want an error naming the role", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRole(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestRoleOrder(t *testing.T) {
	tests := []struct {
		r, min Role
		want   bool
	}{
		{RoleAdmin, RoleViewer, true},
		{RoleAdmin, RoleAdmin, true},
		{RoleEditor, RoleViewer, true},
		{RoleEditor, RoleAdmin, false},
		{RoleViewer, RoleEditor, false},
		{"owner", RoleViewer, false},
		{RoleAdmin, "owner", false},
	}
	for _, tt := range tests {
		if got := tt.r.AtLeast(tt.min); got != tt.want {
			t.Errorf("%q.AtLeast(%q) = %v, want %v", tt.r, tt.min, got, tt.want)
		}
	}
}
