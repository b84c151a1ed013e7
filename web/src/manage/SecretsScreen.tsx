// Secrets: keys with the stages they have a value on — values are never shown. Admins set a
// value per stage (a password field, cleared once saved) and delete a key's value on one
// stage or everywhere. Each write on a key the list has sends the key's etag as If-Match: when
// someone changed the secret since it was read (412), nothing is written, the typed value
// stays in its field, and the secret is read again.

import { Fragment, useEffect, useRef, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { Role, SecretInfo, Stage } from '../api/types';
import { can } from './roles';
import { findByAttr, focusWhenShown } from '../canvas/focusAfter';
import { ConfirmButton, FieldMessage, isChanged, fieldError, formError, invalidProps, LoadState, Screen, useLoad, when } from './common';
import './manage.css';

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why a secret or variable key is refused before asking the API, or null. */
export function keyProblem(key: string): string | null {
  if (!key) return 'Give the key a name.';
  if (key.length > 128) return 'At most 128 characters.';
  if (!KEY_RE.test(key)) return 'Letters, digits and _, not starting with a digit.';
  return null;
}

/** The longest secret value the API takes, in characters. */
export const MAX_SECRET_CHARS = 49152;

/** Why a secret's value is refused before asking the API, or undefined. */
export function secretValueProblem(value: string): string | undefined {
  if (!value) return 'Enter the value.';
  const n = [...value].length;
  if (n > MAX_SECRET_CHARS) return `Too long: at most ${MAX_SECRET_CHARS.toLocaleString('en')} characters (this one has ${n.toLocaleString('en')}).`;
  return undefined;
}

const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);

interface Data {
  stages: Stage[];
  secrets: SecretInfo[];
}

/** The form that sets a value: key (fixed for an existing secret), stage and the value itself. */
function SetValue({
  fixedKey,
  stages,
  defaultStage,
  onSave,
  onCancel,
}: {
  fixedKey?: string;
  stages: string[];
  defaultStage?: string;
  onSave(key: string, stage: string, value: string): Promise<void>;
  onCancel?: () => void;
}) {
  const [key, setKey] = useState(fixedKey ?? '');
  const [stage, setStage] = useState(defaultStage ?? stages[0] ?? '');
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<{ key?: string; value?: string }>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const valueInput = useRef<HTMLInputElement>(null);
  // refused because the secret changed: the keyboard goes back to the value, kept as typed
  useEffect(() => {
    if (isChanged(error)) valueInput.current?.focus();
  }, [error]);
  const prefix = fixedKey ? `secret-${fixedKey}` : 'new-secret';
  const keyErr = problem.key ?? fieldError(error, 'path.key', 'key');
  const valueErr = problem.value ?? fieldError(error, 'value');
  const stageErr = fieldError(error, 'path.stage', 'stage');
  return (
    <form
      className="ps-m-form"
      aria-label={fixedKey ? `Set ${fixedKey}` : 'New secret'}
      onSubmit={(e) => {
        e.preventDefault();
        const p = { ...(fixedKey ? {} : { key: keyProblem(key.trim()) ?? undefined }), value: secretValueProblem(value) };
        setProblem(p);
        setError(null);
        if (p.key || p.value) return;
        setBusy(true);
        onSave(fixedKey ?? key.trim(), stage, value).then(
          () => {
            setBusy(false);
            setValue('');
            if (!fixedKey) setKey('');
          },
          (err: unknown) => {
            setBusy(false);
            setError(err);
          },
        );
      }}
    >
      {fixedKey ? null : (
        <div className="ps-m-field">
          <label htmlFor={`${prefix}-key`}>Key</label>
          <input {...invalidProps(`${prefix}-key`, keyErr)} id={`${prefix}-key`} className={`${keyErr ? 'ps-input invalid' : 'ps-input'} ps-mono`} value={key} placeholder="STRIPE_KEY" autoComplete="off" onChange={(e) => setKey(e.target.value)} />
          <FieldMessage id={`${prefix}-key`} message={keyErr} />
        </div>
      )}
      <div className="ps-m-field">
        <label htmlFor={`${prefix}-stage`}>Stage</label>
        <select {...invalidProps(`${prefix}-stage`, stageErr)} id={`${prefix}-stage`} value={stage} onChange={(e) => setStage(e.target.value)}>
          {stages.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <FieldMessage id={`${prefix}-stage`} message={stageErr} />
      </div>
      <div className="ps-m-field">
        <label htmlFor={`${prefix}-value`}>Value</label>
        <input
          {...invalidProps(`${prefix}-value`, valueErr, `${prefix}-value-hint`)}
          ref={valueInput}
          id={`${prefix}-value`}
          type="password"
          autoComplete="new-password"
          spellCheck={false}
          value={value}
          // a key's own form opens with the keyboard in its value
          autoFocus={!!fixedKey}
          onChange={(e) => setValue(e.target.value)}
          onKeyDown={(e) => e.key === 'Escape' && onCancel?.()}
        />
        <span className="ps-hint" id={`${prefix}-value-hint`}>
          Sealed when saved; never shown again.
        </span>
        <FieldMessage id={`${prefix}-value`} message={valueErr} />
      </div>
      <div className="ps-m-submit">
        <button type="submit" className="ps-button ps-primary" disabled={busy || stages.length === 0}>
          {busy ? 'Saving…' : 'Save secret'}
        </button>
        {onCancel ? (
          <button type="button" className="ps-button" onClick={onCancel}>
            Cancel
          </button>
        ) : null}
      </div>
      {formError(error, ['path.key', 'key', 'value', 'path.stage', 'stage']) ? (
        <p className="ps-field-error ps-m-form-error" role="alert">
          {formError(error, ['path.key', 'key', 'value', 'path.stage', 'stage'])}
        </p>
      ) : null}
    </form>
  );
}

export function SecretsScreen({ api, project, role }: { api: ApiClient; project: string; role: Role | null }) {
  const readable = can(role, 'secrets.read');
  const write = can(role, 'secrets.write');
  const [load, reload, set] = useLoad<Data | null>(
    async () => (readable ? { stages: await api.listStages(project), secrets: (await api.listSecrets(project)).sort(byKey) } : null),
    [api, project, readable],
  );
  const [editing, setEditing] = useState<string | null>(null);
  const [status, setStatus] = useState('');
  /** Closes a key's form (saved or not): the keyboard goes back to its Set value button, not the page's body. */
  const endEdit = (key: string) => {
    setEditing(null);
    focusWhenShown(() => findByAttr(document, 'button', 'aria-label', `Set a value of ${key}`));
  };

  const saved = (key: string, stage: string, etag: string | null) => {
    set((d) => {
      if (!d) return d;
      const now = new Date().toISOString();
      const has = d.secrets.find((s) => s.key === key);
      const tag = etag ? { etag } : {};
      const secrets = has
        ? d.secrets.map((s) => (s.key === key ? { ...s, stages: s.stages.includes(stage) ? s.stages : [...s.stages, stage], updated_at: now, ...tag } : s))
        : [...d.secrets, { key, stages: [stage], updated_at: now, ...tag }].sort(byKey);
      return { ...d, secrets };
    });
    setStatus(`Saved ${key} on ${stage}. The value is sealed and will not be shown again.`);
  };

  /** The etag last read of a key the list has (none for a new key: a create). */
  const tagOf = (key: string) => (load.status === 'ready' ? load.value?.secrets.find((s) => s.key === key)?.etag : undefined);

  /**
   * After a write the API refused because the secret changed since it was read (412) or is
   * gone (404): the secret is read again in place (a form open on it keeps what was typed), and
   * the refusal goes on to the form or the confirmation.
   */
  const refreshed = (key: string) => async (e: unknown): Promise<never> => {
    if (isChanged(e) || (e instanceof ApiError && e.status === 404)) {
      await api.getSecret(project, key).then(
        (now) => set((d) => d && { ...d, secrets: d.secrets.map((x) => (x.key === key ? now : x)) }),
        (g: unknown) => {
          if (g instanceof ApiError && g.status === 404) set((d) => d && { ...d, secrets: d.secrets.filter((x) => x.key !== key) });
        },
      );
    }
    throw e;
  };

  /** Sets a value, conditional on the key's tag when the list has the key. */
  const setValue = async (key: string, stage: string, value: string) => {
    const { etag } = await api.setSecret(project, key, stage, value, tagOf(key)).catch(refreshed(key));
    saved(key, stage, etag);
  };

  return (
    <Screen
      title="Secrets"
      intro={
        <>
          Values flows read with the secret picker, per stage. They are sealed when saved and never shown again — not here, not in run logs. Flows run in the editor use the{' '}
          <span className="ps-mono">mock</span> stage's values.
        </>
      }
      readOnly={!readable ? 'Only editors and admins can see secrets.' : write ? null : 'Only admins can change secrets.'}
    >
      {!readable ? null : <LoadState load={load} what="secrets" retry={reload} />}
      {load.status === 'ready' && load.value ? (
        <>
          {write ? <SetValue stages={load.value.stages.map((s) => s.name)} onSave={setValue} /> : null}
          <p className="ps-hint ps-m-ok" role="status" aria-live="polite">
            {status}
          </p>
          {load.value.secrets.length === 0 ? (
            <p className="ps-empty">No secrets yet.{write ? ' Add one above.' : ''}</p>
          ) : (
            <table className="ps-m-table">
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Set on stages</th>
                  <th scope="col">Updated</th>
                  <th scope="col">
                    <span className="ps-hint">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {load.value.secrets.map((s) => (
                  <Fragment key={s.key}>
                    <tr>
                      <td className="ps-m-key">
                        <strong className="ps-mono">{s.key}</strong>
                      </td>
                      <td>
                        {s.stages.length === 0 ? <span className="ps-m-unset">no stage</span> : null}
                        {s.stages.map((stage) => (
                          <span key={stage} className="ps-m-stage-chip">
                            {stage}
                            {write ? (
                              <ConfirmButton
                                label="×"
                                accessibleName={`Delete ${s.key} on ${stage}`}
                                question={`Delete the value of ${s.key} on ${stage}?`}
                                confirmLabel="Delete"
                                onConfirm={async () => {
                                  const { etag } = await api.deleteSecret(project, s.key, stage, s.etag).catch(refreshed(s.key));
                                  set((d) => d && { ...d, secrets: d.secrets.map((x) => (x.key === s.key ? { ...x, stages: x.stages.filter((y) => y !== stage), ...(etag ? { etag } : {}) } : x)).filter((x) => x.stages.length > 0) });
                                  setStatus(`Deleted ${s.key} on ${stage}.`);
                                }}
                              />
                            ) : null}
                          </span>
                        ))}
                      </td>
                      <td className="ps-hint">{when(s.updated_at)}</td>
                      <td className="ps-m-actions">
                        {write ? (
                          <span className="ps-m-actions">
                            <button type="button" className="ps-button ps-small" aria-label={`Set a value of ${s.key}`} onClick={() => setEditing(editing === s.key ? null : s.key)}>
                              Set value
                            </button>
                            <ConfirmButton
                              label="Delete"
                              accessibleName={`Delete ${s.key} on every stage`}
                              question={`Delete ${s.key} on every stage? Flows that read it will fail.`}
                              confirmLabel="Delete everywhere"
                              onConfirm={async () => {
                                await api.deleteSecret(project, s.key, undefined, s.etag).catch(refreshed(s.key));
                                set((d) => d && { ...d, secrets: d.secrets.filter((x) => x.key !== s.key) });
                                setStatus(`Deleted ${s.key}.`);
                              }}
                            />
                          </span>
                        ) : null}
                      </td>
                    </tr>
                    {/* a row of its own, the table's width: inside the stages cell it squeezed the key to two letters a line on a phone */}
                    {editing === s.key && load.value ? (
                      <tr className="ps-m-edit-row">
                        <td colSpan={4}>
                          <SetValue
                            fixedKey={s.key}
                            stages={load.value.stages.map((x) => x.name)}
                            defaultStage={load.value.stages.find((x) => !s.stages.includes(x.name))?.name}
                            onCancel={() => endEdit(s.key)}
                            onSave={async (key, stage, value) => {
                              await setValue(key, stage, value);
                              endEdit(key);
                            }}
                          />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                ))}
              </tbody>
            </table>
          )}
        </>
      ) : null}
    </Screen>
  );
}
