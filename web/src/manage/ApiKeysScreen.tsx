// API keys of a project: callers of routes that require a key send one. Listed by prefix,
// label, created and last used; a created key is shown this once (with copy and a warning);
// labels can be changed; deleting one refuses its callers at once. Admins only. A relabel or
// delete sends the key's etag as If-Match: when the key changed since it was read (412; using
// it changes its last use too), nothing is written, the typed label stays and the key is read
// again.

import { useEffect, useRef, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { ApiKey, NewApiKey, Role } from '../api/types';
import { findByAttr, focusWhenShown } from '../canvas/focusAfter';
import { can } from './roles';
import { ConfirmButton, errText, isChanged, FieldMessage, fieldError, formError, invalidProps, LoadState, Screen, useLoad, when } from './common';
import './manage.css';

/** Every page of a list. */
export async function collectPages<T>(f: (cursor?: string) => Promise<{ items: T[]; next_cursor?: string }>, max = 20): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | undefined;
  for (let i = 0; i < max; i++) {
    const p = await f(cursor);
    out.push(...p.items);
    if (!p.next_cursor) break;
    cursor = p.next_cursor;
  }
  return out;
}

/** Copies text, saying whether it worked (browsers refuse without permission or focus). */
export function CopyButton({ text, what }: { text: string; what: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <>
      <button
        type="button"
        className="ps-button ps-small"
        onClick={() => {
          const done = navigator.clipboard?.writeText(text);
          if (!done) return setState('failed');
          done.then(
            () => setState('copied'),
            () => setState('failed'),
          );
        }}
      >
        Copy {what}
      </button>
      <span role="status" className="ps-hint">
        {state === 'copied' ? 'Copied.' : state === 'failed' ? 'Could not copy: select the text and copy it by hand.' : ''}
      </span>
    </>
  );
}

function Created({ k, onDone }: { k: NewApiKey; onDone(): void }) {
  return (
    <div className="ps-m-secret-once" role="region" aria-label="New API key">
      <strong>Key “{k.label}” created.</strong>
      <p role="alert">Copy it now: it is not stored and will not be shown again. If it is lost, delete it and create another.</p>
      <code aria-label="The new key">{k.key}</code>
      <div className="ps-row">
        <CopyButton text={k.key} what="key" />
        <span className="ps-toolbar-spacer" />
        <button type="button" className="ps-button ps-small ps-primary" onClick={onDone}>
          I have copied it
        </button>
      </div>
    </div>
  );
}

function NewKey({ onCreate }: { onCreate(label: string): Promise<void> }) {
  const [label, setLabel] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const msg = problem ?? fieldError(error, 'label');
  return (
    <form
      className="ps-m-form"
      aria-label="New API key"
      onSubmit={(e) => {
        e.preventDefault();
        const l = label.trim();
        setProblem(l ? null : 'Give the key a label (who or what uses it).');
        setError(null);
        if (!l) return;
        setBusy(true);
        onCreate(l).then(
          () => {
            setBusy(false);
            setLabel('');
          },
          (err: unknown) => {
            setBusy(false);
            setError(err);
          },
        );
      }}
    >
      <div className="ps-m-field">
        <label htmlFor="new-key-label">Label</label>
        <input {...invalidProps('new-key-label', msg)} id="new-key-label" value={label} maxLength={100} placeholder="Billing webhook" onChange={(e) => setLabel(e.target.value)} />
        <FieldMessage id="new-key-label" message={msg} />
      </div>
      <div className="ps-m-submit">
        <button type="submit" className="ps-button ps-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </div>
      {formError(error, ['label']) ? (
        <p className="ps-field-error ps-m-form-error" role="alert">
          {formError(error, ['label'])}
        </p>
      ) : null}
    </form>
  );
}

function Relabel({ k, onSave, onCancel }: { k: ApiKey; onSave(label: string): Promise<void>; onCancel(): void }) {
  const [label, setLabel] = useState(k.label);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  // refused because the key changed: the keyboard goes back to the label, kept as typed
  useEffect(() => {
    if (isChanged(error)) input.current?.focus();
  }, [error]);
  const id = `relabel-${k.id}`;
  const msg = label.trim() ? (fieldError(error, 'label') ?? (error ? errText(error) : undefined)) : 'Give the key a label.';
  return (
    <form
      className="ps-row ps-m-rename"
      aria-label={`Rename key ${k.label}`}
      onSubmit={(e) => {
        e.preventDefault();
        if (!label.trim() || busy) return;
        setBusy(true);
        onSave(label.trim()).catch((err: unknown) => {
          setBusy(false);
          setError(err);
        });
      }}
    >
      <input {...invalidProps(id, msg)} ref={input} id={id} aria-label="Label" value={label} maxLength={100} autoFocus onChange={(e) => setLabel(e.target.value)} onKeyDown={(e) => e.key === 'Escape' && onCancel()} />
      <button type="submit" className="ps-button ps-small ps-primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save'}
      </button>
      <button type="button" className="ps-button ps-small" onClick={onCancel}>
        Cancel
      </button>
      <FieldMessage id={id} message={msg} />
    </form>
  );
}

export function ApiKeysScreen({ api, project, role }: { api: ApiClient; project: string; role: Role | null }) {
  const allowed = can(role, 'apikeys');
  const [load, reload, set] = useLoad<ApiKey[]>(async () => (allowed ? collectPages((cursor) => api.listApiKeys(project, { limit: 100, cursor })) : []), [api, project, allowed]);
  const [created, setCreated] = useState<NewApiKey | null>(null);
  const [renaming, setRenaming] = useState<string | null>(null);
  /** The keyboard goes to a key's Rename button once it shows again (after a rename, or the new key's notice), not the page's body. */
  const focusRename = (label: string) => focusWhenShown(() => findByAttr(document, 'button', 'aria-label', `Rename key ${label}`));
  /**
   * After a change the API refused because the key changed since it was read (412) or is gone
   * (404): the key is read again in place (a relabel open on it keeps what was typed), and the
   * refusal goes on to the form or the confirmation.
   */
  const refreshed = (id: string) => async (e: unknown): Promise<never> => {
    if (isChanged(e) || (e instanceof ApiError && e.status === 404)) {
      await api.getApiKey(project, id).then(
        (now) => set((l) => l.map((x) => (x.id === id ? now : x))),
        (g: unknown) => {
          if (g instanceof ApiError && g.status === 404) set((l) => l.filter((x) => x.id !== id));
        },
      );
    }
    throw e;
  };

  if (!allowed)
    return (
      <Screen title="API keys" intro="Keys callers send to routes that require one." readOnly="Only admins can see and manage API keys.">
        {null}
      </Screen>
    );

  return (
    <Screen
      title="API keys"
      intro={
        <>
          Callers of routes that require a key send it in the <span className="ps-mono">X-API-Key</span> header. Only a prefix is kept to tell keys apart; the key itself is shown once, when it is created.
        </>
      }
    >
      <NewKey
        onCreate={async (label) => {
          const k = await api.createApiKey(project, label);
          setCreated(k);
          const { key: _secret, ...listed } = k;
          void _secret;
          set((l) => [listed, ...l]);
        }}
      />
      {created ? (
        <Created
          k={created}
          onDone={() => {
            setCreated(null);
            focusRename(created.label);
          }}
        />
      ) : null}
      <LoadState load={load} what="API keys" retry={reload} />
      {load.status === 'ready' ? (
        load.value.length === 0 ? (
          <p className="ps-empty">No API keys yet.</p>
        ) : (
          <table className="ps-m-table">
            <thead>
              <tr>
                <th scope="col">Prefix</th>
                <th scope="col">Label</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span className="ps-hint">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {load.value.map((k) => (
                <tr key={k.id}>
                  <td className="ps-mono">{k.prefix}…</td>
                  <td>
                    {renaming === k.id ? (
                      <Relabel
                        k={k}
                        onCancel={() => {
                          setRenaming(null);
                          focusRename(k.label);
                        }}
                        onSave={async (label) => {
                          const answer = await api.renameApiKey(project, k.id, label, k.etag).catch(refreshed(k.id));
                          setRenaming(null);
                          focusRename(answer.label);
                          set((l) => l.map((x) => (x.id === k.id ? { ...x, ...answer } : x)));
                        }}
                      />
                    ) : (
                      k.label
                    )}
                  </td>
                  <td className="ps-hint">{when(k.created_at)}</td>
                  <td className="ps-hint">{k.last_used_at ? when(k.last_used_at) : 'never'}</td>
                  <td className="ps-m-actions">
                    <span className="ps-m-actions">
                      {renaming !== k.id ? (
                        <button type="button" className="ps-button ps-small" aria-label={`Rename key ${k.label}`} onClick={() => setRenaming(k.id)}>
                          Rename
                        </button>
                      ) : null}
                      <ConfirmButton
                        label="Delete"
                        accessibleName={`Delete key ${k.label}`}
                        question={`Delete “${k.label}”? Callers using it are refused from now on.`}
                        confirmLabel="Delete key"
                        onConfirm={async () => {
                          await api.deleteApiKey(project, k.id, k.etag).catch(refreshed(k.id));
                          set((l) => l.filter((x) => x.id !== k.id));
                        }}
                      />
                    </span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      ) : null}
    </Screen>
  );
}
