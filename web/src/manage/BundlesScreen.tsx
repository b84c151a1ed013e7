// Export and import: download the project's flows (all, or a chosen set) as one JSON bundle;
// import a bundle file — preview which flows collide by name with the project's, choose skip,
// rename or overwrite for each, apply, and see what was done.

import { useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { Bundle, Flow, ImportAction, ImportChoice, ImportPreview, ImportResult, Role } from '../api/types';
import { loadAllFlows } from '../shell/editorLists';
import { navigate } from '../shell/router';
import { routePath } from '../shell/routes';
import { can } from './roles';
import { errText, LoadState, Screen, useLoad } from './common';
import './manage.css';

export const BUNDLE_FORMAT = 'polysynergy/bundle@1';

/** Reads a bundle file's text, or says why it is not one. */
export function parseBundle(text: string): { bundle: Bundle } | { error: string } {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { error: 'The file is not JSON.' };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { error: 'The file is not a bundle (expected a JSON object).' };
  const o = v as Record<string, unknown>;
  if (o.format !== BUNDLE_FORMAT) return { error: `The file is not a PolySynergy bundle (format should be "${BUNDLE_FORMAT}").` };
  if (!Array.isArray(o.flows)) return { error: 'The bundle has no flows list.' };
  if (o.flows.length === 0) return { error: 'The bundle has no flows.' };
  return { bundle: v as Bundle };
}

/** The file name of a download: the project name, "flows" and the day. */
export function bundleFileName(project: string, now: Date): string {
  const slug = project.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'project';
  return `${slug}-flows-${now.toISOString().slice(0, 10)}.json`;
}

function download(name: string, text: string) {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

function Export({ api, project }: { api: ApiClient; project: string }) {
  const [flows, reload] = useLoad<Flow[]>(() => loadAllFlows(api, project), [api, project]);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ ok: boolean; text: string } | null>(null);

  const run = async (ids?: string[]) => {
    setBusy(true);
    setStatus(null);
    try {
      const b = await api.exportFlows(project, ids);
      download(bundleFileName(b.project ?? project, new Date()), JSON.stringify(b, null, 2));
      setStatus({ ok: true, text: `Exported ${b.flows.length} flow${b.flows.length === 1 ? '' : 's'}.` });
    } catch (e) {
      setStatus({ ok: false, text: errText(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-label="Export">
      <h2>Export</h2>
      <LoadState load={flows} what="flows" retry={reload} />
      {flows.status === 'ready' ? (
        flows.value.length === 0 ? (
          <p className="ps-hint">This project has no flows to export.</p>
        ) : (
          <>
            <fieldset className="ps-m-checklist">
              <legend className="ps-hint">Choose flows, or export them all</legend>
              {flows.value.map((f) => (
                <label key={f.id} className="ps-switch">
                  <input
                    type="checkbox"
                    checked={chosen.has(f.id)}
                    onChange={(e) =>
                      setChosen((s) => {
                        const n = new Set(s);
                        if (e.target.checked) n.add(f.id);
                        else n.delete(f.id);
                        return n;
                      })
                    }
                  />
                  {f.name} <span className="ps-chip">{f.kind}</span>
                </label>
              ))}
            </fieldset>
            <div className="ps-row">
              <button type="button" className="ps-button ps-primary" disabled={busy} onClick={() => void run()}>
                Export all
              </button>
              <button type="button" className="ps-button" disabled={busy || chosen.size === 0} onClick={() => void run(flows.value.filter((f) => chosen.has(f.id)).map((f) => f.id))}>
                Export selected ({chosen.size})
              </button>
            </div>
          </>
        )
      ) : null}
      {status ? (
        <p role={status.ok ? 'status' : 'alert'} className={status.ok ? 'ps-m-ok' : 'ps-field-error'}>
          {status.text}
        </p>
      ) : null}
    </section>
  );
}

type Choice = { action: ImportAction; name: string };

function Import({ api, project, onImported }: { api: ApiClient; project: string; onImported?: () => void }) {
  const [bundle, setBundle] = useState<Bundle | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [choices, setChoices] = useState<Record<number, Choice>>({});
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);

  const fail = (e: unknown) => setError(e instanceof ApiError && e.fieldErrors.length ? e.fieldErrors.map((f) => `${f.field}: ${f.message}`) : [errText(e)]);

  const open = async (file: File) => {
    setError(null);
    setPreview(null);
    setResult(null);
    setBundle(null);
    const parsed = parseBundle(await file.text());
    if ('error' in parsed) return setError([parsed.error]);
    setBusy(true);
    try {
      const p = await api.previewImport(project, parsed.bundle);
      setBundle(parsed.bundle);
      setPreview(p);
      setChoices(Object.fromEntries(p.items.filter((i) => i.conflict).map((i) => [i.index, { action: 'skip' as ImportAction, name: i.suggested_name ?? `${i.name} (imported)` }])));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const apply = async () => {
    if (!bundle || !preview) return;
    setBusy(true);
    setError(null);
    const items: ImportChoice[] = preview.items.map((i) => {
      const c = choices[i.index];
      if (!c) return { index: i.index, action: 'create' };
      return c.action === 'rename' ? { index: i.index, action: 'rename', name: c.name.trim() } : { index: i.index, action: c.action };
    });
    try {
      setResult(await api.importFlows(project, { bundle, items }));
      setPreview(null);
      setBundle(null);
      onImported?.();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const conflicts = preview?.items.filter((i) => i.conflict).length ?? 0;
  const renameEmpty = preview?.items.some((i) => choices[i.index]?.action === 'rename' && !choices[i.index]!.name.trim()) ?? false;

  return (
    <section aria-label="Import">
      <h2>Import</h2>
      <div className="ps-m-form">
        <label>
          Bundle file (.json)
          <input
            type="file"
            accept=".json,application/json"
            disabled={busy}
            onChange={(e) => {
              const f = e.target.files?.[0];
              if (f) void open(f);
              e.target.value = '';
            }}
          />
        </label>
        <p className="ps-hint ps-m-form-error">Flows whose name is already taken in this project need a choice: skip them, import them under another name, or overwrite the project's flow (its draft is replaced; versions are kept).</p>
      </div>
      {busy ? (
        <p role="status" className="ps-hint">
          Working…
        </p>
      ) : null}
      {error ? (
        <div role="alert" className="ps-field-error">
          {error.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      ) : null}
      {preview ? (
        <>
          <p className="ps-hint" role="status">
            {preview.items.length} flow{preview.items.length === 1 ? '' : 's'} in the bundle; {conflicts} collide{conflicts === 1 ? 's' : ''} by name.
          </p>
          <table className="ps-m-table" aria-label="Import preview">
            <thead>
              <tr>
                <th scope="col">Flow</th>
                <th scope="col">Kind</th>
                <th scope="col">In this project</th>
                <th scope="col">What to do</th>
              </tr>
            </thead>
            <tbody>
              {preview.items.map((i) => {
                const c = choices[i.index];
                return (
                  <tr key={i.index}>
                    <td>{i.name}</td>
                    <td>
                      <span className="ps-chip">{i.kind}</span>
                    </td>
                    <td>{i.conflict ? <span className="ps-field-error">Taken by the {i.conflict.kind} “{i.conflict.name}”</span> : <span className="ps-hint">new</span>}</td>
                    <td>
                      {c ? (
                        <span className="ps-row">
                          <select
                            className="ps-input"
                            style={{ width: 'auto' }}
                            aria-label={`What to do with ${i.name}`}
                            value={c.action}
                            onChange={(e) => setChoices((s) => ({ ...s, [i.index]: { ...c, action: e.target.value as ImportAction } }))}
                          >
                            <option value="skip">Skip</option>
                            <option value="rename">Import as…</option>
                            <option value="overwrite">Overwrite</option>
                          </select>
                          {c.action === 'rename' ? (
                            <input
                              className={c.name.trim() ? 'ps-input' : 'ps-input invalid'}
                              aria-label={`New name for ${i.name}`}
                              aria-invalid={!c.name.trim()}
                              value={c.name}
                              onChange={(e) => setChoices((s) => ({ ...s, [i.index]: { ...c, name: e.target.value } }))}
                            />
                          ) : null}
                        </span>
                      ) : (
                        'Create'
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="ps-row" style={{ marginTop: 10 }}>
            <button type="button" className="ps-button ps-primary" disabled={busy || renameEmpty} onClick={() => void apply()}>
              Import
            </button>
            <button
              type="button"
              className="ps-button"
              onClick={() => {
                setPreview(null);
                setBundle(null);
              }}
            >
              Cancel
            </button>
            {renameEmpty ? <span className="ps-field-error">Give each renamed flow a name.</span> : null}
          </div>
        </>
      ) : null}
      {result ? (
        <>
          <p role="status" className="ps-m-ok">
            Import done: {result.items.filter((i) => i.action !== 'skip').length} imported, {result.items.filter((i) => i.action === 'skip').length} skipped.
          </p>
          <table className="ps-m-table" aria-label="Import result">
            <thead>
              <tr>
                <th scope="col">Flow</th>
                <th scope="col">Done</th>
              </tr>
            </thead>
            <tbody>
              {result.items.map((i) => (
                <tr key={i.index}>
                  <td>
                    {i.flow ? (
                      <a
                        href={routePath({ name: 'flow', project, flow: i.flow })}
                        onClick={(e) => {
                          e.preventDefault();
                          navigate(routePath({ name: 'flow', project, flow: i.flow! }));
                        }}
                      >
                        {i.name}
                      </a>
                    ) : (
                      i.name
                    )}
                  </td>
                  <td>{{ create: 'created', rename: 'created under this name', overwrite: 'overwritten', skip: 'skipped' }[i.action]}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}

export function BundlesScreen({ api, project, role, onImported }: { api: ApiClient; project: string; role: Role | null; onImported?: () => void }) {
  const importing = can(role, 'import');
  return (
    <Screen
      title="Export / import"
      intro="Move flows between projects or keep a copy: a bundle holds each flow's draft, settings and trigger. Secrets and variables are not part of it."
      readOnly={importing ? null : 'Only editors and admins can import.'}
    >
      <Export api={api} project={project} />
      {importing ? <Import api={api} project={project} onImported={onImported} /> : null}
    </Screen>
  );
}
