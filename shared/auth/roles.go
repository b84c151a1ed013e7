package auth

import (
	"fmt"
	"slices"
)

// Role is a member's role in a tenant. Roles are ordered:
// viewer < editor < admin; each can do everything the one below can.
type Role string

// The roles a member can have.
const (
	RoleViewer Role = "viewer"
	RoleEditor Role = "editor"
	RoleAdmin  Role = "admin"
)

// rank orders the roles; unknown roles rank 0 and may do nothing.
func (r Role) rank() int {
	switch r {
	case RoleViewer:
		return 1
	case RoleEditor:
		return 2
	case RoleAdmin:
		return 3
	}
	return 0
}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return r.rank() > 0 }

// AtLeast reports whether r is a known role ranking at or above min.
func (r Role) AtLeast(min Role) bool { return r.Valid() && min.Valid() && r.rank() >= min.rank() }

// String returns the role's name.
func (r Role) String() string { return string(r) }

// Roles lists the known roles from least to most privileged.
func Roles() []Role { return []Role{RoleViewer, RoleEditor, RoleAdmin} }

// ParseRole returns the Role named s exactly ("admin", "editor" or "viewer").
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("role %q: must be one of admin, editor, viewer", s)
	}
	return r, nil
}

// Action is something a caller does through the API, checked against the
// caller's role with Allowed or Require.
type Action string

// String returns the action's name.
func (a Action) String() string { return string(a) }

// The actions of the platform. Every API operation maps to exactly one.
const (
	ActionProjectRead    Action = "project.read"
	ActionProjectCreate  Action = "project.create"
	ActionProjectUpdate  Action = "project.update"
	ActionProjectTrash   Action = "project.trash"
	ActionProjectRestore Action = "project.restore"
	ActionProjectDelete  Action = "project.delete"

	ActionStageRead   Action = "stage.read"
	ActionStageManage Action = "stage.manage"

	ActionFlowRead    Action = "flow.read"
	ActionFlowWrite   Action = "flow.write"
	ActionFlowPublish Action = "flow.publish"

	ActionRouteRead  Action = "route.read"
	ActionRouteWrite Action = "route.write"

	ActionScheduleRead  Action = "schedule.read"
	ActionScheduleWrite Action = "schedule.write"

	ActionVersionRead    Action = "version.read"
	ActionVersionRestore Action = "version.restore"

	// ActionSecretRead lists secret keys (never values), so editors can pick them.
	ActionSecretRead  Action = "secret.read"
	ActionSecretWrite Action = "secret.write"

	ActionEnvRead  Action = "env.read"
	ActionEnvWrite Action = "env.write"

	ActionAPIKeyRead  Action = "apikey.read"
	ActionAPIKeyWrite Action = "apikey.write"

	ActionMemberRead   Action = "member.read"
	ActionMemberManage Action = "member.manage"

	ActionRunRead  Action = "run.read"
	ActionRunWrite Action = "run.write"
	ActionRunStart Action = "run.start"

	ActionCatalogRead Action = "catalog.read"
	ActionExportRead  Action = "export.read"
	ActionImportWrite Action = "import.write"
)

// permissions is THE permission table: the least role allowed to perform
// each action. Viewers read; editors change projects, flows, routes,
// schedules, versions, environment variables and runs, import, and list
// secret keys; admins also manage stages, secret values, API keys, members
// and the trash.
var permissions = map[Action]Role{
	ActionProjectRead:    RoleViewer,
	ActionProjectCreate:  RoleEditor,
	ActionProjectUpdate:  RoleEditor,
	ActionProjectTrash:   RoleAdmin,
	ActionProjectRestore: RoleAdmin,
	ActionProjectDelete:  RoleAdmin,

	ActionStageRead:   RoleViewer,
	ActionStageManage: RoleAdmin,

	ActionFlowRead:    RoleViewer,
	ActionFlowWrite:   RoleEditor,
	ActionFlowPublish: RoleEditor,

	ActionRouteRead:  RoleViewer,
	ActionRouteWrite: RoleEditor,

	ActionScheduleRead:  RoleViewer,
	ActionScheduleWrite: RoleEditor,

	ActionVersionRead:    RoleViewer,
	ActionVersionRestore: RoleEditor,

	ActionSecretRead:  RoleEditor,
	ActionSecretWrite: RoleAdmin,

	ActionEnvRead:  RoleViewer,
	ActionEnvWrite: RoleEditor,

	ActionAPIKeyRead:  RoleAdmin,
	ActionAPIKeyWrite: RoleAdmin,

	ActionMemberRead:   RoleViewer,
	ActionMemberManage: RoleAdmin,

	ActionRunRead:  RoleViewer,
	ActionRunWrite: RoleEditor,
	ActionRunStart: RoleEditor,

	ActionCatalogRead: RoleViewer,
	ActionExportRead:  RoleViewer,
	ActionImportWrite: RoleEditor,
}

// Actions lists every action, sorted by name.
func Actions() []Action {
	out := make([]Action, 0, len(permissions))
	for a := range permissions {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// ParseAction returns the Action named s, or an error if there is none.
func ParseAction(s string) (Action, error) {
	a := Action(s)
	if _, ok := permissions[a]; !ok {
		return "", fmt.Errorf("action %q: unknown", s)
	}
	return a, nil
}

// MinimumRole returns the least role allowed to perform action; ok is false
// for an unknown action.
func MinimumRole(action Action) (role Role, ok bool) {
	role, ok = permissions[action]
	return role, ok
}

// Allowed reports whether role may perform action. Unknown roles and unknown
// actions are never allowed.
func Allowed(role Role, action Action) bool {
	min, ok := permissions[action]
	return ok && role.AtLeast(min)
}

// Require returns nil when role may perform action, and otherwise an error
// wrapping ErrForbidden that names the action, the role and what is needed.
func Require(role Role, action Action) error {
	min, ok := permissions[action]
	switch {
	case !ok:
		return fmt.Errorf("%w: unknown action %q", ErrForbidden, action)
	case !role.Valid():
		return fmt.Errorf("%w: %s needs role %s, caller has unknown role %q", ErrForbidden, action, min, role)
	case !role.AtLeast(min):
		return fmt.Errorf("%w: %s needs role %s, caller is %s", ErrForbidden, action, min, role)
	}
	return nil
}
