package api

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
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
	ETag      string    `json:"etag" doc:"The secret's entity tag, as GET secret answers it in ETag (made of its stages, update time and each value's revision, never of a value): send it in If-Match to change the secret only as you read it"`
}

// EnvVarView is an environment variable with its value per stage.
type EnvVarView struct {
	Key    string            `json:"key"`
	Values map[string]string `json:"values" nullable:"false" doc:"Stage → value"`
	ETag   string            `json:"etag" doc:"The variable's entity tag, as GET variable answers it in ETag: send it in If-Match to change the variable only as you read it"`
}

// TagOnly is the answer of a write without a body that answers the resource's ETag (none
// when the write left nothing).
type TagOnly struct {
	ETag string `header:"ETag" doc:"The resource's entity tag after the write, when it still exists"`
}

// secretView is a secret without its values; its ETag hashes the view and each stage's
// value's revision, never a value (nor anything derived from one).
func secretView(s store.SecretInfo) SecretView {
	st := s.Stages
	if st == nil {
		st = []string{}
	}
	v := SecretView{Key: s.Key, Stages: st, UpdatedAt: s.UpdatedAt.UTC()}
	v.ETag = etagOf(v, revsOf(s.Revs))
	return v
}

// revsOf is a stage → revision map that is never nil (one JSON form for "none").
func revsOf(r map[string]int) map[string]int {
	if r == nil {
		return map[string]int{}
	}
	return r
}

// A project's values in 412 problems, and which store read gives their state.
const (
	secretValue = "secret"
	envValue    = "variable"
)

// valueState reads a secret's or a variable's ETag, and what a conditional write compares
// against, as they are now (read strongly; store.ErrNotFound when it has no value anywhere).
func (h *Handler) valueState(ctx context.Context, k store.ProjectKey, kind, key string) (string, store.VarMatch, error) {
	if kind == secretValue {
		si, vm, err := h.st.SecretState(ctx, k, key)
		if err != nil {
			return "", vm, err
		}
		return secretView(si).ETag, vm, nil
	}
	v, vm, err := h.st.EnvVarState(ctx, k, key)
	if err != nil {
		return "", vm, err
	}
	return envView(v).ETag, vm, nil
}

// valueMatch checks If-Match against a secret or a variable as it is now: nil without a
// condition, what the conditional write compares against when it matches, 412 when not
// (404 when it has no value anywhere).
func (h *Handler) valueMatch(ctx context.Context, k store.ProjectKey, kind, key, header string) (*store.VarMatch, error) {
	m, err := parseIfMatch(header)
	if err != nil || !m.conditional() {
		return nil, err
	}
	tag, vm, err := h.valueState(ctx, k, kind, key)
	if err != nil {
		return nil, err
	}
	if !m.matches(tag) {
		return nil, changed(kind, header, tag)
	}
	return &vm, nil
}

// valueChanged turns a store.ErrChanged of a conditional secret or variable write into its
// 412 (404 when it is gone); other errors pass.
func (h *Handler) valueChanged(ctx context.Context, k store.ProjectKey, kind, key, header string, err error) error {
	if !errors.Is(err, store.ErrChanged) {
		return err
	}
	tag, _, rerr := h.valueState(ctx, k, kind, key)
	if rerr != nil {
		return rerr
	}
	return changed(kind, header, tag)
}

// secretTag is the answer of a secret write: the secret's ETag now, none when it is gone.
func (h *Handler) secretTag(ctx context.Context, k store.ProjectKey, key string) (*TagOnly, error) {
	si, _, err := h.st.SecretState(ctx, k, key)
	if errors.Is(err, store.ErrNotFound) {
		return &TagOnly{}, nil
	}
	if err != nil {
		return nil, err
	}
	return &TagOnly{ETag: secretView(si).ETag}, nil
}

// envTagged is a variable as it is now with its ETag (404 when it has no value anywhere).
func (h *Handler) envTagged(ctx context.Context, k store.ProjectKey, key string) (*Tagged[EnvVarView], error) {
	v, _, err := h.st.EnvVarState(ctx, k, key)
	if err != nil {
		return nil, err
	}
	ev := envView(v)
	return &Tagged[EnvVarView]{ETag: ev.ETag, Body: ev}, nil
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
			return ok(mapSlice(ss, secretView))
		})
	register(h, endpoint{id: "getSecret", method: http.MethodGet, path: base + "/{key}",
		summary: "Get a secret's key with the stages that have a value (never values)", tag: tag, scope: ScopeTenant,
		action: auth.ActionSecretRead},
		func(ctx context.Context, in *VarPath) (*Tagged[SecretView], error) {
			if err := checkKeyPath(in.Key, false); err != nil {
				return nil, err
			}
			si, _, err := h.st.SecretState(ctx, in.project(), in.Key)
			if err != nil {
				return nil, err
			}
			v := secretView(si)
			return &Tagged[SecretView]{ETag: v.ETag, Body: v}, nil
		})
	register(h, endpoint{id: "setSecret", method: http.MethodPut, path: base + "/{key}/stages/{stage}",
		summary: "Set a secret's value for a stage (sealed; never returned); answers the secret's ETag", tag: tag, scope: ScopeTenant,
		action: auth.ActionSecretWrite, status: statusNoContent, ifMatch: true},
		func(ctx context.Context, in *struct {
			VarStagePath
			IfMatchHeader
			Body SecretValueBody
		}) (*TagOnly, error) {
			if err := checkKeyPath(in.Key, true); err != nil {
				return nil, err
			}
			k := in.project()
			if _, err := h.st.GetStage(ctx, k, in.Stage); err != nil {
				return nil, err
			}
			match, err := h.valueMatch(ctx, k, secretValue, in.Key, in.IfMatch)
			if err != nil {
				return nil, err
			}
			sealed, err := h.box.Seal(ctx, []byte(in.Body.Value), secrets.SecretContext(k.Tenant, k.Project, in.Stage, in.Key))
			if err != nil {
				return nil, fmt.Errorf("seal secret %s: %w", in.Key, err)
			}
			if match != nil {
				err = h.st.SetSecretIf(ctx, k, in.Key, in.Stage, sealed.Encode(), *match)
			} else {
				err = h.st.SetSecret(ctx, k, in.Key, in.Stage, sealed.Encode())
			}
			if err != nil {
				return nil, at("body", h.valueChanged(ctx, k, secretValue, in.Key, in.IfMatch, err))
			}
			return h.secretTag(ctx, k, in.Key)
		})
	register(h, endpoint{id: "deleteSecretStage", method: http.MethodDelete, path: base + "/{key}/stages/{stage}",
		summary: "Delete a secret's value for one stage; answers the secret's ETag when it has values left", tag: tag,
		scope: ScopeTenant, action: auth.ActionSecretWrite, status: statusNoContent, ifMatch: true},
		func(ctx context.Context, in *struct {
			VarStagePath
			IfMatchHeader
		}) (*TagOnly, error) {
			if err := checkKeyPath(in.Key, false); err != nil {
				return nil, err
			}
			match, err := h.valueMatch(ctx, in.project(), secretValue, in.Key, in.IfMatch)
			if err != nil {
				return nil, err
			}
			if match != nil {
				if _, has := match.Revs[in.Stage]; !has {
					return nil, noValueOnStage("secret", in.Key, in.Stage)
				}
				if err := h.st.DeleteSecretsIf(ctx, in.project(), in.Key, []string{in.Stage}, *match); err != nil {
					return nil, h.valueChanged(ctx, in.project(), secretValue, in.Key, in.IfMatch, err)
				}
				return h.secretTag(ctx, in.project(), in.Key)
			}
			err = h.st.DeleteSecret(ctx, in.project(), in.Key, in.Stage)
			if errors.Is(err, store.ErrNotFound) {
				if ss, lerr := h.st.ListSecrets(ctx, in.project()); lerr == nil {
					for _, s := range ss {
						if s.Key == in.Key {
							return nil, noValueOnStage("secret", in.Key, in.Stage)
						}
					}
				}
			}
			if err != nil {
				return nil, err
			}
			return h.secretTag(ctx, in.project(), in.Key)
		})
	register(h, endpoint{id: "deleteSecret", method: http.MethodDelete, path: base + "/{key}",
		summary: "Delete a secret on every stage", tag: tag, scope: ScopeTenant, action: auth.ActionSecretWrite,
		status: statusNoContent, ifMatch: true},
		func(ctx context.Context, in *struct {
			VarPath
			IfMatchHeader
		}) (*Empty, error) {
			if err := checkKeyPath(in.Key, false); err != nil {
				return nil, err
			}
			match, err := h.valueMatch(ctx, in.project(), secretValue, in.Key, in.IfMatch)
			if err != nil {
				return nil, err
			}
			if match != nil {
				stages := slices.Sorted(maps.Keys(match.Revs)) // every stage the tag was read with
				return nil, h.valueChanged(ctx, in.project(), secretValue, in.Key, in.IfMatch,
					h.st.DeleteSecretsIf(ctx, in.project(), in.Key, stages, *match))
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
	ev := EnvVarView{Key: v.Key, Values: vals}
	ev.ETag = etagOf(ev, revsOf(v.Revs))
	return ev
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
	register(h, endpoint{id: "getEnv", method: http.MethodGet, path: base + "/{key}",
		summary: "Get a variable with its values per stage", tag: tag, scope: ScopeTenant, action: auth.ActionEnvRead},
		func(ctx context.Context, in *VarPath) (*Tagged[EnvVarView], error) {
			if err := checkKeyPath(in.Key, false); err != nil {
				return nil, err
			}
			return h.envTagged(ctx, in.project(), in.Key)
		})
	register(h, endpoint{id: "setEnv", method: http.MethodPut, path: base + "/{key}",
		summary: "Set a variable's values on the given stages", tag: tag, scope: ScopeTenant, action: auth.ActionEnvWrite,
		ifMatch: true},
		func(ctx context.Context, in *struct {
			VarPath
			IfMatchHeader
			Body EnvValuesBody
		}) (*Tagged[EnvVarView], error) {
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
			match, err := h.valueMatch(ctx, k, envValue, in.Key, in.IfMatch)
			if err != nil {
				return nil, err
			}
			if match != nil {
				if err := h.st.SetEnvVarsIf(ctx, k, in.Key, in.Body.Values, *match); err != nil {
					return nil, at("body", h.valueChanged(ctx, k, envValue, in.Key, in.IfMatch, err))
				}
				return h.envTagged(ctx, k, in.Key)
			}
			for _, s := range stages {
				if err := h.st.SetEnvVar(ctx, k, in.Key, s, in.Body.Values[s]); err != nil {
					return nil, at("body", err)
				}
			}
			return h.envTagged(ctx, k, in.Key)
		})
	register(h, endpoint{id: "setEnvStage", method: http.MethodPut, path: base + "/{key}/stages/{stage}",
		summary: "Set a variable's value on one stage", tag: tag, scope: ScopeTenant, action: auth.ActionEnvWrite,
		ifMatch: true},
		func(ctx context.Context, in *struct {
			VarStagePath
			IfMatchHeader
			Body EnvValueBody
		}) (*Tagged[EnvVarView], error) {
			if err := checkKeyPath(in.Key, true); err != nil {
				return nil, err
			}
			match, err := h.valueMatch(ctx, in.project(), envValue, in.Key, in.IfMatch)
			if err != nil {
				return nil, err
			}
			if match != nil {
				err = h.st.SetEnvVarsIf(ctx, in.project(), in.Key, map[string]string{in.Stage: in.Body.Value}, *match)
			} else {
				err = h.st.SetEnvVar(ctx, in.project(), in.Key, in.Stage, in.Body.Value)
			}
			if err != nil {
				return nil, at("body", h.valueChanged(ctx, in.project(), envValue, in.Key, in.IfMatch, err))
			}
			return h.envTagged(ctx, in.project(), in.Key)
		})
	register(h, endpoint{id: "deleteEnvStage", method: http.MethodDelete, path: base + "/{key}/stages/{stage}",
		summary: "Delete a variable's value on one stage; answers the variable's ETag when it has values left", tag: tag,
		scope: ScopeTenant, action: auth.ActionEnvWrite, status: statusNoContent, ifMatch: true},
		func(ctx context.Context, in *struct {
			VarStagePath
			IfMatchHeader
		}) (*TagOnly, error) {
			if err := checkKeyPath(in.Key, false); err != nil {
				return nil, err
			}
			match, err := h.valueMatch(ctx, in.project(), envValue, in.Key, in.IfMatch)
			if err != nil {
				return nil, err
			}
			if match != nil {
				if _, has := match.Revs[in.Stage]; !has {
					return nil, noValueOnStage("variable", in.Key, in.Stage)
				}
				err = h.valueChanged(ctx, in.project(), envValue, in.Key, in.IfMatch,
					h.st.DeleteEnvVarsIf(ctx, in.project(), in.Key, []string{in.Stage}, *match))
			} else {
				err = h.st.DeleteEnvVar(ctx, in.project(), in.Key, in.Stage)
				if errors.Is(err, store.ErrNotFound) {
					if _, verr := h.envVar(ctx, in.project(), in.Key); verr == nil {
						return nil, noValueOnStage("variable", in.Key, in.Stage)
					}
				}
			}
			if err != nil {
				return nil, err
			}
			t, err := h.envTagged(ctx, in.project(), in.Key)
			if errors.Is(err, store.ErrNotFound) {
				return &TagOnly{}, nil
			}
			if err != nil {
				return nil, err
			}
			return &TagOnly{ETag: t.ETag}, nil
		})
	register(h, endpoint{id: "deleteEnv", method: http.MethodDelete, path: base + "/{key}",
		summary: "Delete a variable on every stage", tag: tag, scope: ScopeTenant, action: auth.ActionEnvWrite,
		status: statusNoContent, ifMatch: true},
		func(ctx context.Context, in *struct {
			VarPath
			IfMatchHeader
		}) (*Empty, error) {
			if err := checkKeyPath(in.Key, false); err != nil {
				return nil, err
			}
			match, err := h.valueMatch(ctx, in.project(), envValue, in.Key, in.IfMatch)
			if err != nil {
				return nil, err
			}
			if match != nil {
				stages := slices.Sorted(maps.Keys(match.Revs)) // every stage the tag was read with
				return nil, h.valueChanged(ctx, in.project(), envValue, in.Key, in.IfMatch,
					h.st.DeleteEnvVarsIf(ctx, in.project(), in.Key, stages, *match))
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
