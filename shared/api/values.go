package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"polysynergy/shared/auth"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

// MaxSecretValue bounds a secret's plaintext (its sealed form must fit
// store.MaxSecretSize).
const MaxSecretValue = 48 << 10

// SecretView is a secret key and the stages it has a value on. Values are
// never returned.
type SecretView struct {
	Key       string    `json:"key"`
	Stages    []string  `json:"stages" nullable:"false"`
	UpdatedAt time.Time `json:"updated_at"`
}

// EnvVarView is an environment variable with its value per stage.
type EnvVarView struct {
	Key    string            `json:"key"`
	Values map[string]string `json:"values" nullable:"false" doc:"Stage → value"`
}

// VarPath names a secret or variable.
type VarPath struct {
	Tenant  string `path:"tenant" doc:"Tenant id (ULID)"`
	Project string `path:"project" doc:"Project id (ULID)"`
	Key     string `path:"key" doc:"[A-Za-z_][A-Za-z0-9_]*, at most 128 characters"`
}

func (p VarPath) project() store.ProjectKey {
	return store.ProjectKey{Tenant: p.Tenant, Project: p.Project}
}

// VarStagePath names a secret or variable on one stage.
type VarStagePath struct {
	Tenant  string `path:"tenant" doc:"Tenant id (ULID)"`
	Project string `path:"project" doc:"Project id (ULID)"`
	Key     string `path:"key" doc:"[A-Za-z_][A-Za-z0-9_]*, at most 128 characters"`
	Stage   string `path:"stage" doc:"Stage name"`
}

func (p VarStagePath) project() store.ProjectKey {
	return store.ProjectKey{Tenant: p.Tenant, Project: p.Project}
}

// SecretValueBody sets a secret's value.
type SecretValueBody struct {
	Value string `json:"value" minLength:"1" maxLength:"49152" doc:"The plaintext; it is sealed at once and never shown again"`
}

// EnvValueBody sets a variable's value on one stage.
type EnvValueBody struct {
	Value string `json:"value" maxLength:"65536"`
}

// EnvValuesBody sets a variable's values on several stages.
type EnvValuesBody struct {
	Values map[string]string `json:"values" minProperties:"1" maxProperties:"100" doc:"Stage → value"`
}

// checkKeyPath validates a secret or variable key given in the path: a
// write names the field (422), anything else does not find it (404).
func checkKeyPath(key string, write bool) error {
	if err := store.ValidateVarKey("key", key); err != nil {
		if write {
			var ve *store.ValidationError
			if errors.As(err, &ve) {
				return invalidField("path.key", "%s", ve.Reason)
			}
		}
		return notFound("key")
	}
	return nil
}

func (h *Handler) registerSecrets() {
	const tag = "Secrets"
	base := "/tenants/{tenant}/projects/{project}/secrets"
	register(h, endpoint{id: "listSecrets", method: http.MethodGet, path: base,
		summary: "List secret keys with the stages that have a value (never values)", tag: tag, scope: ScopeTenant,
		action: auth.ActionSecretRead},
		func(ctx context.Context, in *ProjectPath) (*Out[[]SecretView], error) {
			if _, err := h.st.GetProject(ctx, in.key()); err != nil {
				return nil, err
			}
			ss, err := h.st.ListSecrets(ctx, in.key())
			if err != nil {
				return nil, err
			}
			return ok(mapSlice(ss, func(s store.SecretInfo) SecretView {
				st := s.Stages
				if st == nil {
					st = []string{}
				}
				return SecretView{Key: s.Key, Stages: st, UpdatedAt: s.UpdatedAt.UTC()}
			}))
		})
	register(h, endpoint{id: "setSecret", method: http.MethodPut, path: base + "/{key}/stages/{stage}",
		summary: "Set a secret's value for a stage (sealed; never returned)", tag: tag, scope: ScopeTenant,
		action: auth.ActionSecretWrite, status: statusNoContent},
		func(ctx context.Context, in *struct {
			VarStagePath
			Body SecretValueBody
		}) (*Empty, error) {
			if err := checkKeyPath(in.Key, true); err != nil {
				return nil, err
			}
			k := in.project()
			if _, err := h.st.GetStage(ctx, k, in.Stage); err != nil {
				return nil, err
			}
			sealed, err := h.box.Seal(ctx, []byte(in.Body.Value), secrets.SecretContext(k.Tenant, k.Project, in.Stage, in.Key))
			if err != nil {
				return nil, fmt.Errorf("seal secret %s: %w", in.Key, err)
			}
			return nil, at("body", h.st.SetSecret(ctx, k, in.Key, in.Stage, sealed.Encode()))
		})
	register(h, endpoint{id: "deleteSecretStage", method: http.MethodDelete, path: base + "/{key}/stages/{stage}",
		summary: "Delete a secret's value for one stage", tag: tag, scope: ScopeTenant, action: auth.ActionSecretWrite,
		status: statusNoContent},
		func(ctx context.Context, in *VarStagePath) (*Empty, error) {
			if err := checkKeyPath(in.Key, false); err != nil {
				return nil, err
			}
			err := h.st.DeleteSecret(ctx, in.project(), in.Key, in.Stage)
			if errors.Is(err, store.ErrNotFound) {
				if ss, lerr := h.st.ListSecrets(ctx, in.project()); lerr == nil {
					for _, s := range ss {
						if s.Key == in.Key {
							return nil, noValueOnStage("secret", in.Key, in.Stage)
						}
					}
				}
			}
			return nil, err
		})
	register(h, endpoint{id: "deleteSecret", method: http.MethodDelete, path: base + "/{key}",
		summary: "Delete a secret on every stage", tag: tag, scope: ScopeTenant, action: auth.ActionSecretWrite,
		status: statusNoContent},
		func(ctx context.Context, in *VarPath) (*Empty, error) {
			if err := checkKeyPath(in.Key, false); err != nil {
				return nil, err
			}
			ss, err := h.st.ListSecrets(ctx, in.project())
			if err != nil {
				return nil, err
			}
			for _, s := range ss {
				if s.Key == in.Key {
					return nil, h.st.DeleteSecretAllStages(ctx, in.project(), in.Key)
				}
			}
			return nil, notFound("secret")
		})
}

func envView(v store.EnvVar) EnvVarView {
	vals := v.Values
	if vals == nil {
		vals = map[string]string{}
	}
	return EnvVarView{Key: v.Key, Values: vals}
}

func (h *Handler) registerEnv() {
	const tag = "Environment"
	base := "/tenants/{tenant}/projects/{project}/env"
	register(h, endpoint{id: "listEnv", method: http.MethodGet, path: base,
		summary: "List environment variables with their values per stage", tag: tag, scope: ScopeTenant,
		action: auth.ActionEnvRead},
		func(ctx context.Context, in *ProjectPath) (*Out[[]EnvVarView], error) {
			if _, err := h.st.GetProject(ctx, in.key()); err != nil {
				return nil, err
			}
			vs, err := h.st.ListEnvVars(ctx, in.key())
			if err != nil {
				return nil, err
			}
			return ok(mapSlice(vs, envView))
		})
	register(h, endpoint{id: "setEnv", method: http.MethodPut, path: base + "/{key}",
		summary: "Set a variable's values on the given stages", tag: tag, scope: ScopeTenant, action: auth.ActionEnvWrite},
		func(ctx context.Context, in *struct {
			VarPath
			Body EnvValuesBody
		}) (*Out[EnvVarView], error) {
			if err := checkKeyPath(in.Key, true); err != nil {
				return nil, err
			}
			k := in.project()
			st, err := h.stages(ctx, k)
			if err != nil {
				return nil, err
			}
			have := map[string]bool{}
			for _, s := range st {
				have[s.Name] = true
			}
			stages := make([]string, 0, len(in.Body.Values))
			var errs []FieldError
			for s, v := range in.Body.Values {
				switch {
				case !have[s]:
					errs = append(errs, FieldError{Location: "body.values." + s, Message: "no such stage"})
				case len(v) > store.MaxSecretSize:
					errs = append(errs, FieldError{Location: "body.values." + s, Message: "longer than 64 KiB"})
				}
				stages = append(stages, s)
			}
			if len(errs) > 0 {
				sort.Slice(errs, func(i, j int) bool { return errs[i].Location < errs[j].Location })
				return nil, invalidFields(errs)
			}
			sort.Strings(stages)
			for _, s := range stages {
				if err := h.st.SetEnvVar(ctx, k, in.Key, s, in.Body.Values[s]); err != nil {
					return nil, at("body", err)
				}
			}
			return h.envVar(ctx, k, in.Key)
		})
	register(h, endpoint{id: "setEnvStage", method: http.MethodPut, path: base + "/{key}/stages/{stage}",
		summary: "Set a variable's value on one stage", tag: tag, scope: ScopeTenant, action: auth.ActionEnvWrite},
		func(ctx context.Context, in *struct {
			VarStagePath
			Body EnvValueBody
		}) (*Out[EnvVarView], error) {
			if err := checkKeyPath(in.Key, true); err != nil {
				return nil, err
			}
			if err := h.st.SetEnvVar(ctx, in.project(), in.Key, in.Stage, in.Body.Value); err != nil {
				return nil, at("body", err)
			}
			return h.envVar(ctx, in.project(), in.Key)
		})
	register(h, endpoint{id: "deleteEnvStage", method: http.MethodDelete, path: base + "/{key}/stages/{stage}",
		summary: "Delete a variable's value on one stage", tag: tag, scope: ScopeTenant, action: auth.ActionEnvWrite,
		status: statusNoContent},
		func(ctx context.Context, in *VarStagePath) (*Empty, error) {
			if err := checkKeyPath(in.Key, false); err != nil {
				return nil, err
			}
			err := h.st.DeleteEnvVar(ctx, in.project(), in.Key, in.Stage)
			if errors.Is(err, store.ErrNotFound) {
				if _, verr := h.envVar(ctx, in.project(), in.Key); verr == nil {
					return nil, noValueOnStage("variable", in.Key, in.Stage)
				}
			}
			return nil, err
		})
	register(h, endpoint{id: "deleteEnv", method: http.MethodDelete, path: base + "/{key}",
		summary: "Delete a variable on every stage", tag: tag, scope: ScopeTenant, action: auth.ActionEnvWrite,
		status: statusNoContent},
		func(ctx context.Context, in *VarPath) (*Empty, error) {
			if err := checkKeyPath(in.Key, false); err != nil {
				return nil, err
			}
			if _, err := h.envVar(ctx, in.project(), in.Key); err != nil {
				return nil, err
			}
			return nil, h.st.DeleteEnvVarAllStages(ctx, in.project(), in.Key)
		})
}

// envVar reads one variable (404 when it has no value anywhere).
func (h *Handler) envVar(ctx context.Context, k store.ProjectKey, key string) (*Out[EnvVarView], error) {
	vs, err := h.st.ListEnvVars(ctx, k)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.Key == key {
			return ok(envView(v))
		}
	}
	return nil, notFound("variable")
}

// noValueOnStage is the 404 for a secret or variable that exists but has no value on the
// stage named in the path.
func noValueOnStage(what, key, stage string) *Problem {
	return newProblem(http.StatusNotFound, TypeNotFound, fmt.Sprintf("%s %s has no value on stage %q", what, key, stage),
		FieldError{Location: "path.stage", Message: fmt.Sprintf("%s %s has no value on this stage", what, key)})
}
