// Environment variables: a table of keys by stage with their values; editors add, edit (a
// cleared field removes the value on that stage) and delete them. Errors the API names are
// shown on the key or on the stage's field. Each write on an existing variable sends its etag as
// If-Match: when someone changed it since it was read (412), nothing more is written, the
// typed values stay, and the variable is read again (its current values shown at each field).

import { useEffect, useRef, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { EnvVar, Role, Stage } from '../api/types';
import { can } from './roles';
import { findByAttr, focusWhenShown } from '../canvas/focusAfter';
import { ConfirmButton, FieldMessage, isChanged, fieldError, formError, invalidProps, LoadState, Screen, useLoad } from './common';
import { keyProblem } from './SecretsScreen';
import './manage.css';

interface Data {
  stages: Stage[];
  vars: EnvVar[];
}

const byKey = (a: EnvVar, b: EnvVar) => a.key.localeCompare(b.key);

/** The calls that turn `before` into `after`: values to set (one PUT) and stages to clear. */
export function envChanges(before: Record<string, string>, after: Record<string, string>): { set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const [stage, v] of Object.entries(after)) {
    const had = Object.hasOwn(before, stage);
    if (v === '' && had) remove.push(stage);
    else if (v !== '' && before[stage] !== v) set[stage] = v;
  }
  return { set, remove: remove.sort() };
}

const stageFields = (stages: Stage[]) => stages.map((s) => s.name);

/** The most the API takes in one request (its body limit), in bytes. */
export const MAX_ENV_BODY = 64 * 1024;
const kb = (n: number) => `${Math.ceil(n / 1024).toLocaleString('en')} KB`;

/**
 * Why the values a save would send are refused before asking the API: one value too large by
 * itself is said on its stage's field; values too large only together on the form (the API
 * took neither and answered "body: request body is too large limit=65536 bytes").
 */
export function envSizeProblems(values: Record<string, string>): { fields: Record<string, string>; form: string | null } {
  const enc = new TextEncoder();
  const fields: Record<string, string> = {};
  for (const [stage, v] of Object.entries(values)) {
    const n = enc.encode(JSON.stringify({ values: { [stage]: v } })).length;
    if (n > MAX_ENV_BODY) fields[stage] = `Too long: a value may be at most about 64 KB (this one is ${kb(enc.encode(v).length)}).`;
  }
  if (Object.keys(fields).length) return { fields, form: null };
  const total = enc.encode(JSON.stringify({ values })).length;
  return { fields, form: total > MAX_ENV_BODY ? `Too large together: one save takes at most 64 KB of values (these are ${kb(total)}). Save the large ones one stage at a time.` : null };
}

/** The editable values of one variable (or of a new one, with its key). */
function ValuesForm({
  stages,
  initial,
  fixedKey,
  onSave,
  onCancel,
  layout,
  existing = [],
}: {
  stages: string[];
  /** The keys the project has: a new variable may not take one (that would overwrite its values). */
  existing?: string[];
  initial: Record<string, string>;
  fixedKey?: string;
  onSave(key: string, values: Record<string, string>): Promise<void>;
  onCancel?: () => void;
  layout: 'form' | 'row';
}) {
  const [key, setKey] = useState(fixedKey ?? '');
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(stages.map((s) => [s, initial[s] ?? ''])));
  const [problem, setProblem] = useState<string | null>(null);
  const [sizes, setSizes] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const first = useRef<HTMLInputElement>(null);
  // refused because the variable changed: the keyboard goes back to the values, kept as typed
  useEffect(() => {
    if (isChanged(error)) first.current?.focus();
  }, [error]);
  const prefix = fixedKey ? `env-${fixedKey}` : 'new-env';
  const keyErr = (fixedKey ? undefined : problem) ?? fieldError(error, 'path.key', 'key');
  const shown = ['path.key', 'key', ...stages.map((s) => `values.${s}`)];
  const submit = () => {
    const k = fixedKey ?? key.trim();
    const kp = fixedKey ? null : (keyProblem(k) ?? (existing.includes(k) ? `${k} already exists: change its values with Edit in the table below.` : null));
    setProblem(kp);
    setError(null);
    if (kp) return;
    if (!fixedKey && Object.values(values).every((v) => v === '')) return setError(new Error('Give it a value on at least one stage.'));
    const size = envSizeProblems(envChanges(initial, values).set);
    setSizes(size.fields);
    if (Object.keys(size.fields).length) return;
    if (size.form) return setError(new Error(size.form));
    setBusy(true);
    onSave(k, values).then(
      () => {
        setBusy(false);
        if (!fixedKey) {
          setKey('');
          setValues(Object.fromEntries(stages.map((s) => [s, ''])));
        }
      },
      (e: unknown) => {
        setBusy(false);
        setError(e);
      },
    );
  };
  const inputs = stages.map((s, i) => {
    const id = `${prefix}-${s}`;
    const msg = sizes[s] ?? fieldError(error, `values.${s}`);
    return (
      <label key={s} className="ps-m-field">
        {layout === 'form' ? s : <span className="ps-hint">{s}</span>}
        <input
          {...invalidProps(id, msg)}
          ref={i === 0 ? first : undefined}
          id={id}
          aria-label={`${fixedKey ?? 'New variable'} on ${s}`}
          value={values[s] ?? ''}
          // an edit opened from the table starts in its first field (the Edit button it replaces is gone)
          autoFocus={!!fixedKey && i === 0}
          placeholder={Object.hasOwn(initial, s) ? '(cleared: removed on save)' : 'not set'}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => setValues((v) => ({ ...v, [s]: e.target.value }))}
          onKeyDown={(e) => e.key === 'Escape' && onCancel?.()}
        />
        <FieldMessage id={id} message={msg} />
        {/* after a 412 the variable was read again: what each stage holds now, beside what was typed */}
        {isChanged(error) ? (
          <span className="ps-hint" data-testid={`${id}-now`}>
            Now: {Object.hasOwn(initial, s) ? initial[s] : 'not set'}
          </span>
        ) : null}
      </label>
    );
  });
  return (
    <form
      className="ps-m-form"
      aria-label={fixedKey ? `Edit ${fixedKey}` : 'New variable'}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {fixedKey ? null : (
        <div className="ps-m-field">
          <label htmlFor={`${prefix}-key`}>Key</label>
          <input {...invalidProps(`${prefix}-key`, keyErr)} id={`${prefix}-key`} className={`${keyErr ? 'ps-input invalid' : 'ps-input'} ps-mono`} value={key} placeholder="API_BASE_URL" autoComplete="off" onChange={(e) => setKey(e.target.value)} />
          <FieldMessage id={`${prefix}-key`} message={keyErr} />
        </div>
      )}
      {inputs}
      <div className="ps-m-submit">
        <button type="submit" className="ps-button ps-primary" disabled={busy}>
          {busy ? 'Saving…' : fixedKey ? 'Save' : 'Add variable'}
        </button>
        {onCancel ? (
          <button type="button" className="ps-button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      {formError(error, shown) ? (
        <p className="ps-field-error ps-m-form-error" role="alert">
          {formError(error, shown)}
        </p>
      ) : null}
    </form>
  );
}

export function EnvScreen({ api, project, role }: { api: ApiClient; project: string; role: Role | null }) {
  const [load, reload, set] = useLoad<Data>(async () => {
    const [stages, vars] = await Promise.all([api.listStages(project), api.listEnv(project)]);
    return { stages: [...stages].sort((a, b) => a.position - b.position), vars: vars.sort(byKey) };
  }, [api, project]);
  const write = can(role, 'env.write');
  const [editing, setEditing] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  /** Ends an edit (saved or not): the keyboard goes back to the variable's Edit button, not the page's body. */
  const endEdit = (key: string) => {
    setEditing(null);
    focusWhenShown(() => findByAttr(document, 'button', 'aria-label', `Edit ${key}`));
  };

  /**
   * After a write the API refused because the variable changed since it was read (412) or is
   * gone (404): the variable is read again in place (a form open on it keeps what was typed),
   * and the refusal goes on to the form or the confirmation.
   */
  const refreshed = async (key: string, e: unknown): Promise<never> => {
    if (isChanged(e) || (e instanceof ApiError && e.status === 404)) {
      await api.getEnv(project, key).then(
        (now) => set((d) => ({ ...d, vars: d.vars.map((x) => (x.key === key ? now : x)) })),
        (g: unknown) => {
          if (g instanceof ApiError && g.status === 404) set((d) => ({ ...d, vars: d.vars.filter((x) => x.key !== key) }));
        },
      );
    }
    throw e;
  };

  /** Saves a variable's values; etag: the one last read of an existing variable (none for a new one). */
  const save = async (key: string, before: Record<string, string>, after: Record<string, string>, etag?: string) => {
    const { set: values, remove } = envChanges(before, after);
    let next: Record<string, string> = { ...before };
    let changed = false;
    let tag = etag;
    let failure: unknown = null;
    try {
      if (Object.keys(values).length) {
        const answer = await api.setEnv(project, key, values, tag);
        next = { ...answer.values };
        tag = answer.etag;
        changed = true;
      }
      for (const s of remove) {
        tag = (await api.deleteEnv(project, key, s, tag)).etag ?? undefined;
        delete next[s];
        changed = true;
      }
    } catch (e) {
      failure = e;
    }
    // what the API took shows, also when a later call failed (the table kept the old values
    // while the server had the new ones, and a retry sent them again)
    if (changed)
      set((d) => {
        const rest = d.vars.filter((v) => v.key !== key);
        return { ...d, vars: Object.keys(next).length ? [...rest, { key, values: next, ...(tag ? { etag: tag } : {}) }].sort(byKey) : rest };
      });
    // a refusal because it changed (or is gone) reads it again, over what was shown
    if (failure !== null) return refreshed(key, failure);
    setStatus(`Saved ${key}.`);
  };

  return (
    <Screen
      title="Environment variables"
      intro="Plain values flows read per stage (base URLs, feature flags). Unlike secrets they are shown to everyone in the project; put credentials in Secrets."
      readOnly={write ? null : 'Only editors and admins can change variables.'}
    >
      <LoadState load={load} what="variables" retry={reload} />
      {load.status === 'ready' ? (
        <>
          {write ? <ValuesForm layout="form" stages={stageFields(load.value.stages)} existing={load.value.vars.map((v) => v.key)} initial={{}} onSave={(key, values) => save(key, {}, values)} /> : null}
          <p className="ps-hint ps-m-ok" role="status" aria-live="polite">
            {status}
          </p>
          {load.value.vars.length === 0 ? (
            <p className="ps-empty">No variables yet.{write ? ' Add one above.' : ''}</p>
          ) : (
            <div style={{ overflowX: 'auto' }}>
              <table className="ps-m-table">
                <thead>
                  <tr>
                    <th scope="col">Key</th>
                    {load.value.stages.map((s) => (
                      <th key={s.name} scope="col" className="ps-mono">
                        {s.name}
                      </th>
                    ))}
                    <th scope="col">
                      <span className="ps-hint">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {load.value.vars.map((v) =>
                    editing === v.key ? (
                      <tr key={v.key}>
                        <td colSpan={load.value.stages.length + 2}>
                          <strong className="ps-mono">{v.key}</strong>
                          <ValuesForm
                            layout="row"
                            fixedKey={v.key}
                            stages={stageFields(load.value.stages)}
                            initial={v.values}
                            onCancel={() => endEdit(v.key)}
                            onSave={async (key, values) => {
                              await save(key, v.values, values, v.etag);
                              endEdit(key);
                            }}
                          />
                          <p className="ps-hint">Clear a field to remove the value on that stage.</p>
                        </td>
                      </tr>
                    ) : (
                      <tr key={v.key}>
                        <th scope="row" className="ps-mono ps-m-key">
                          {v.key}
                        </th>
                        {load.value.stages.map((s) => (
                          <td key={s.name} className="ps-m-value">
                            {Object.hasOwn(v.values, s.name) ? v.values[s.name] : <span className="ps-m-unset" aria-label="not set">—</span>}
                          </td>
                        ))}
                        <td className="ps-m-actions">
                          {write ? (
                            <span className="ps-m-actions">
                              <button type="button" className="ps-button ps-small" aria-label={`Edit ${v.key}`} onClick={() => setEditing(v.key)}>
                                Edit
                              </button>
                              <ConfirmButton
                                label="Delete"
                                accessibleName={`Delete ${v.key}`}
                                question={`Delete ${v.key} on every stage?`}
                                confirmLabel="Delete everywhere"
                                onConfirm={async () => {
                                  await api.deleteEnv(project, v.key, undefined, v.etag).catch((e: unknown) => refreshed(v.key, e));
                                  set((d) => ({ ...d, vars: d.vars.filter((x) => x.key !== v.key) }));
                                  setStatus(`Deleted ${v.key}.`);
                                }}
                              />
                            </span>
                          ) : null}
                        </td>
                      </tr>
                    ),
                  )}
                </tbody>
              </table>
            </div>
          )}
        </>
      ) : null}
    </Screen>
  );
}
