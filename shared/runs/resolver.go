package runs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"polysynergy/shared/engine"
	"polysynergy/shared/nodes"
	"polysynergy/shared/secrets"
	"polysynergy/shared/store"
)

// resolver supplies one run's secrets and environment variables from the store: secrets
// are read and decrypted lazily, once per key per run; the stage's variables are read
// once, on first use. It implements engine.Resolver and engine.EnvLister.
type resolver struct {
	st    Store
	box   *secrets.Box
	pk    store.ProjectKey
	stage string // the stage whose values are used (a mock run's sub-stage)

	// wrote, when set, reports whether node results were written already; a secret first
	// read after that makes late true (those results may hold its value unredacted)
	wrote func() bool

	mu      sync.Mutex
	late    bool
	secrets map[string]string
	env     map[string]string
	envErr  error
	envDone bool
}

func newResolver(st Store, box *secrets.Box, pk store.ProjectKey, stage string) *resolver {
	return &resolver{st: st, box: box, pk: pk, stage: stage, secrets: map[string]string{}}
}

// Secret returns a secret's value on the resolver's stage. A key without a value is an
// error wrapping nodes.ErrNotFound that names the key and the stage.
func (r *resolver) Secret(ctx context.Context, key string) (string, error) {
	r.mu.Lock()
	v, ok := r.secrets[key]
	r.mu.Unlock()
	if ok {
		return v, nil
	}
	if r.box == nil {
		return "", fmt.Errorf("secret %q on stage %q: secrets are not configured for this runner", key, r.stage)
	}
	ct, err := r.st.GetSecretValue(ctx, r.pk, key, r.stage)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("%w: secret %q has no value on stage %q", nodes.ErrNotFound, key, r.stage)
	}
	if err != nil {
		return "", fmt.Errorf("read secret %q on stage %q: %w", key, r.stage, unavailable(err))
	}
	return r.open(ctx, key, ct)
}

// open decrypts a secret's ciphertext read from the store and keeps its value for the run.
func (r *resolver) open(ctx context.Context, key string, ct []byte) (string, error) {
	pt, err := r.box.OpenEncoded(ctx, ct, secrets.SecretContext(r.pk.Tenant, r.pk.Project, r.stage, key))
	if err != nil {
		return "", &openError{err: fmt.Errorf("decrypt secret %q on stage %q: %w", key, r.stage, err)}
	}
	v := string(pt)
	late := r.wrote != nil && r.wrote()
	r.mu.Lock()
	r.secrets[key] = v
	r.late = r.late || late
	r.mu.Unlock()
	return v, nil
}

// openError is a secret whose ciphertext was read but could not be opened.
type openError struct{ err error }

func (e *openError) Error() string { return e.err.Error() }
func (e *openError) Unwrap() error { return e.err }

// mayPass reports whether a failed read of a secret might succeed later in the run: the
// store was unavailable, or the key service failed other than by refusing the ciphertext
// (throttled, unreachable). Such a value cannot be known up front, yet could be read later.
func mayPass(err error) bool {
	if errors.Is(err, engine.ErrUnavailable) {
		return true
	}
	var oe *openError
	return errors.As(err, &oe) && !errors.Is(err, secrets.ErrDecrypt) && !errors.Is(err, secrets.ErrMalformed)
}

// secretReads bounds the secret reads or decryptions of one run in flight at once (Secrets).
const secretReads = 8

// secretBatchReader is the part of the store that reads several secrets' ciphertexts of
// one stage at once (BatchGetItem); keys without a value are left out of the map.
type secretBatchReader interface {
	GetSecretValues(ctx context.Context, k store.ProjectKey, stage string, keys []string) (map[string][]byte, error)
}

// Secrets implements engine.SecretBatcher: it reads the keys not read yet at once (one
// batch read of the store when it has one, else single reads in parallel, up to
// secretReads in flight: one round trip for a flow's few secrets), decrypts them in
// parallel and returns those with a value. A key without a value, or one that cannot be
// read or opened for good, is left out: the node reading it fails naming the key, as
// before. A read that may pass (the store unavailable, the key service throttled or
// unreachable) is an error wrapping engine.ErrUnavailable.
func (r *resolver) Secrets(ctx context.Context, keys []string) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	var todo []string
	r.mu.Lock()
	for _, k := range keys {
		if v, ok := r.secrets[k]; ok {
			out[k] = v
		} else {
			todo = append(todo, k)
		}
	}
	r.mu.Unlock()
	if len(todo) == 0 || r.box == nil {
		return out, nil
	}
	if len(todo) == 1 { // the common case: no goroutine needed
		v, err := r.Secret(ctx, todo[0])
		switch {
		case err == nil:
			out[todo[0]] = v
		case mayPass(err):
			return out, unavailableErr(err)
		}
		return out, nil
	}
	read := r.Secret
	if b, ok := r.st.(secretBatchReader); ok {
		cts, err := b.GetSecretValues(ctx, r.pk, r.stage, todo)
		switch {
		case err == nil:
			read = func(ctx context.Context, key string) (string, error) {
				ct, ok := cts[key]
				if !ok {
					return "", fmt.Errorf("%w: secret %q has no value on stage %q", nodes.ErrNotFound, key, r.stage)
				}
				return r.open(ctx, key, ct)
			}
		case errors.Is(err, store.ErrUnavailable):
			return out, unavailableErr(fmt.Errorf("read %d secrets on stage %q: %w", len(todo), r.stage, err))
		}
		// any other failure (a key the store refuses): each key is read alone, so that
		// only the keys that cannot be read are left out
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
		sem  = make(chan struct{}, secretReads)
	)
	for _, k := range todo {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			v, err := read(ctx, k)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				out[k] = v
			case mayPass(err):
				errs = append(errs, unavailableErr(err))
			}
		}()
	}
	wg.Wait()
	return out, errors.Join(errs...)
}

// unavailableErr marks err as one that may pass for the engine (once).
func unavailableErr(err error) error {
	if errors.Is(err, engine.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w (%w)", err, engine.ErrUnavailable)
}

// secretLister is the part of the store that lists a project's secrets (without values).
type secretLister interface {
	ListSecrets(ctx context.Context, k store.ProjectKey) ([]store.SecretInfo, error)
}

// SecretKeys implements engine.SecretLister: the keys of the project's secrets with a value
// on the resolver's stage (one query; values are not read).
func (r *resolver) SecretKeys(ctx context.Context) ([]string, error) {
	l, ok := r.st.(secretLister)
	if !ok || r.box == nil {
		return nil, nil
	}
	infos, err := l.ListSecrets(ctx, r.pk)
	if err != nil {
		return nil, fmt.Errorf("list secrets on stage %q: %w", r.stage, unavailable(err))
	}
	var keys []string
	for _, si := range infos {
		if slices.Contains(si.Stages, r.stage) {
			keys = append(keys, si.Key)
		}
	}
	return keys, nil
}

// readLate reports whether a secret was first read after node results were written.
func (r *resolver) readLate() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.late
}

// Env returns an environment variable of the resolver's stage; a missing one wraps
// nodes.ErrNotFound and names the key and the stage.
func (r *resolver) Env(ctx context.Context, key string) (string, error) {
	vars, err := r.EnvVars(ctx)
	if err != nil {
		return "", err
	}
	v, ok := vars[key]
	if !ok {
		return "", fmt.Errorf("%w: environment variable %q has no value on stage %q", nodes.ErrNotFound, key, r.stage)
	}
	return v, nil
}

// EnvVars returns every environment variable of the stage, read once per run.
func (r *resolver) EnvVars(ctx context.Context) (map[string]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.envDone {
		r.env, r.envErr = r.st.StageEnv(ctx, r.pk, r.stage)
		if r.envErr != nil {
			r.envErr = fmt.Errorf("read environment variables of stage %q: %w", r.stage, unavailable(r.envErr))
		} else {
			r.envDone = true
		}
	}
	return r.env, r.envErr
}

// known returns the secret values read so far, by key.
func (r *resolver) known() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]string, len(r.secrets))
	for k, v := range r.secrets {
		out[k] = v
	}
	return out
}

// noEnv hides EnvVars from the engine for plans that never read `env` (saving a query);
// <env:KEY> placeholders still resolve through Env.
type noEnv struct{ r *resolver }

func (n noEnv) Secret(ctx context.Context, key string) (string, error) { return n.r.Secret(ctx, key) }
func (n noEnv) Env(ctx context.Context, key string) (string, error)    { return n.r.Env(ctx, key) }
func (n noEnv) Secrets(ctx context.Context, keys []string) (map[string]string, error) {
	return n.r.Secrets(ctx, keys)
}
func (n noEnv) SecretKeys(ctx context.Context) ([]string, error) { return n.r.SecretKeys(ctx) }

var (
	_ engine.SecretBatcher = (*resolver)(nil)
	_ engine.SecretLister  = (*resolver)(nil)
	_ engine.SecretBatcher = noEnv{}
	_ engine.SecretLister  = noEnv{}
)

// unavailable marks a store error that may pass (throttling, outages) for the engine, so
// the node's error says so and a router answers 503 rather than 500.
func unavailable(err error) error {
	if errors.Is(err, store.ErrUnavailable) {
		return fmt.Errorf("%w (%w)", err, engine.ErrUnavailable)
	}
	return err
}
