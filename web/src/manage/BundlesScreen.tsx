// Export and import: download the project's flows (all, or a chosen set) as one JSON bundle;
// import a bundle file — preview which flows collide by name with the project's (skip, rename or
// overwrite) or with another flow of the bundle (rename or skip), and which by route (the
// import refuses those with 409 unless they are skipped), check the new names, apply, and see
// what was done or which choices the API refused.

import { useId, useState } from 'react';
import { ApiError, type ApiClient } from '../api/client';
import type { Bundle, BundleFlow, Flow, ImportAction, ImportChoice, ImportPreview, ImportPreviewItem, ImportResult, Role } from '../api/types';
import { loadAllFlows } from '../shell/editorLists';
import { routePattern } from '../publish/trigger';
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

/** How flow names compare: trimmed and ignoring case (the API's store.FoldName). */
export function foldName(name: string): string {
  return name.trim().toLowerCase();
}

/** True when the item needs a choice: the project or an earlier flow of the bundle has its name. */
export function collides(i: ImportPreviewItem): boolean {
  return !!i.conflict || i.same_name_as !== undefined;
}

/** The index of the first flow of the bundle with the item's route, when another flow of the bundle has that route too. */
function routeGroup(i: ImportPreviewItem, items: ImportPreviewItem[]): number | undefined {
  if (i.same_route_as !== undefined) return i.same_route_as;
  return items.some((o) => o.same_route_as === i.index) ? i.index : undefined;
}

/** True when the item's route is the project's or another bundle flow's: it may need skipping. */
export function routeCollides(i: ImportPreviewItem, items: ImportPreviewItem[]): boolean {
  return !!i.route_taken_by || routeGroup(i, items) !== undefined;
}

/** The choice an item starts with: a flow the bundle has twice is imported under the suggested name; one the project has is skipped; one that collides only by route is created (until it is skipped). */
function defaultChoice(i: ImportPreviewItem): Choice {
  const name = i.suggested_name ?? `${i.name.trim()} (imported)`;
  if (!collides(i)) return { action: 'create', name };
  return { action: i.same_name_as !== undefined ? 'rename' : 'skip', name };
}

/** The route a bundle flow names ("GET /orders"), or null when it takes one from its document or name. */
function routeText(f: BundleFlow | undefined): string | null {
  return f?.route ? `${f.route.method} ${routePattern(f.route.segments)}` : null;
}

/**
 * The flows the import would refuse with 409 route-taken with these choices, by item index, and
 * what to do. A flow's route counts unless it is skipped, or overwrites a flow and has no route
 * of its own in the file (it keeps that flow's route); renaming keeps the route. A project
 * flow's route is free when another flow of the bundle overwrites that flow with a route.
 */
export function routeProblems(items: ImportPreviewItem[], choices: Record<number, Choice>, bundle: Bundle): Record<number, string> {
  const action = (i: ImportPreviewItem) => choices[i.index]?.action ?? 'create';
  const counts = (i: ImportPreviewItem) => action(i) !== 'skip' && !(action(i) === 'overwrite' && !bundle.flows[i.index]?.route);
  const freed = new Set(items.filter((j) => action(j) === 'overwrite' && j.conflict && bundle.flows[j.index]?.route).map((j) => j.conflict!.id));
  const out: Record<number, string> = {};
  for (const i of items) {
    if (!counts(i)) continue;
    const route = routeText(bundle.flows[i.index]);
    const taken = i.route_taken_by && !freed.has(i.route_taken_by.id) ? i.route_taken_by : undefined;
    const group = routeGroup(i, items);
    const others = group === undefined ? [] : items.filter((o) => o.index !== i.index && (o.index === group || o.same_route_as === group) && counts(o));
    if (!taken && !others.length) continue;
    const why: string[] = [];
    if (taken) why.push(`${route ? `route ${route}` : 'its route'} is taken by the route flow “${taken.name}”`);
    if (others.length) why.push(`${others.map((o) => `flow ${o.index + 1} (“${o.name.trim()}”)`).join(', ')} of the bundle ${others.length === 1 ? 'has' : 'have'} the same route`);
    const fixes = ['skip it'];
    if (others.length) fixes[0] = others.length === 1 ? 'skip it or the other' : 'skip all but one';
    if (taken && i.conflict && !bundle.flows[i.index]?.route && action(i) !== 'overwrite') fixes.push(`overwrite “${i.conflict.name}” (it keeps its route)`);
    const where = taken ? `change the route in the file or of “${taken.name}”` : 'change the route in the file';
    out[i.index] = `The import would be refused: ${why.join('; ')}. ${fixes.join(', or ').replace(/^./, (c) => c.toUpperCase())}, or ${where} and open the file again (importing under another name keeps the route).`;
  }
  return out;
}

/** The name an item ends up with in the project, or null when it is skipped. */
function finalName(i: ImportPreviewItem, c: Choice | undefined): string | null {
  if (!c) return i.name.trim();
  if (c.action === 'skip') return null;
  if (c.action === 'rename') return c.name.trim();
  if (c.action === 'overwrite') return (i.conflict?.name ?? i.name).trim();
  return i.name.trim();
}

/**
 * What is wrong with each chosen new name, by item index: empty, too long, the name of one of
 * the project's flows, or the name another flow of the bundle ends up with.
 */
export function renameProblems(items: ImportPreviewItem[], choices: Record<number, Choice>, projectNames: string[]): Record<number, string> {
  const project = new Map<string, string>();
  for (const n of projectNames) if (!project.has(foldName(n))) project.set(foldName(n), n.trim());
  const finals = items.map((i) => ({ item: i, name: finalName(i, choices[i.index]) }));
  const out: Record<number, string> = {};
  for (const { item, name } of finals) {
    if (choices[item.index]?.action !== 'rename' || name === null) continue;
    if (!name) {
      out[item.index] = 'Give it a name.';
      continue;
    }
    if ([...name].length > 200) {
      out[item.index] = 'A flow name has at most 200 characters.';
      continue;
    }
    const taken = project.get(foldName(name));
    if (taken !== undefined) {
      out[item.index] = `This project has a flow named “${taken}” (names ignore case).`;
      continue;
    }
    const other = finals.find((o) => o.item.index !== item.index && o.name !== null && foldName(o.name) === foldName(name));
    if (other) out[item.index] = `Flow ${other.item.index + 1} of the bundle (“${other.item.name.trim()}”) is imported under this name too.`;
  }
  return out;
}

/** Where a field the import refused (422) belongs: the item it names and whether it is the new-name input. */
function placeOf(field: string, sent: ImportChoice[]): { index: number; name: boolean } | null {
  const choice = /^items\[(\d+)\]\.name$/.exec(field);
  if (choice) {
    const c = sent[Number(choice[1])];
    return c ? { index: c.index, name: c.action === 'rename' } : null;
  }
  const flow = /^bundle\.flows\[(\d+)\]\.(name|kind|route)$/.exec(field);
  return flow ? { index: Number(flow[1]), name: false } : null;
}

type ServerProblem = { message: string; name: boolean };

function Import({ api, project, onImported }: { api: ApiClient; project: string; onImported?: () => void }) {
  const [bundle, setBundle] = useState<Bundle | null>(null);
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [projectNames, setProjectNames] = useState<string[]>([]);
  const [choices, setChoices] = useState<Record<number, Choice>>({});
  const [serverProblems, setServerProblems] = useState<Record<number, ServerProblem>>({});
  const [result, setResult] = useState<ImportResult | null>(null);
  const [error, setError] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = useId();

  const fail = (e: unknown) => setError(e instanceof ApiError && e.fieldErrors.length ? e.fieldErrors.map((f) => `${f.field}: ${f.message}`) : [errText(e)]);

  const open = async (file: File) => {
    setError(null);
    setPreview(null);
    setResult(null);
    setBundle(null);
    setServerProblems({});
    const parsed = parseBundle(await file.text());
    if ('error' in parsed) return setError([parsed.error]);
    setBusy(true);
    try {
      // the project's names, for checking new names here (the API checks them again)
      const [p, flows] = await Promise.all([api.previewImport(project, parsed.bundle), loadAllFlows(api, project).catch(() => [] as Flow[])]);
      setBundle(parsed.bundle);
      setPreview(p);
      setProjectNames(flows.map((f) => f.name));
      setChoices(Object.fromEntries(p.items.filter((i) => collides(i) || routeCollides(i, p.items)).map((i) => [i.index, defaultChoice(i)])));
    } catch (e) {
      fail(e);
    } finally {
      setBusy(false);
    }
  };

  const choose = (index: number, c: Choice) => {
    setChoices((s) => ({ ...s, [index]: c }));
    setServerProblems((s) => {
      if (!(index in s)) return s;
      const { [index]: _, ...rest } = s;
      return rest;
    });
  };

  const apply = async () => {
    if (!bundle || !preview) return;
    setBusy(true);
    setError(null);
    setServerProblems({});
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
      // a 422 names the flows it refuses, a 409 the route that is taken: each message goes to
      // its row (a new name to its input)
      if (!(e instanceof ApiError) || (e.status !== 422 && e.status !== 409) || !e.fieldErrors.length) return fail(e);
      const placed: Record<number, ServerProblem> = {};
      const rest: string[] = [];
      for (const f of e.fieldErrors) {
        const at = placeOf(f.field, items);
        if (!at || !preview.items.some((i) => i.index === at.index)) {
          rest.push(`${f.field}: ${f.message}`);
          continue;
        }
        const had = placed[at.index];
        placed[at.index] = had ? { message: `${had.message} ${f.message}`, name: had.name || at.name } : { message: f.message, name: at.name };
      }
      const n = Object.keys(placed).length;
      setServerProblems(placed);
      setError([
        ...(n ? [`Nothing was imported: ${n === 1 ? 'one flow needs' : `${n} flows need`} another choice, marked below.`] : []),
        ...(e.status === 409 && e.detail ? [e.detail] : []),
        ...rest,
      ]);
    } finally {
      setBusy(false);
    }
  };

  const items = preview?.items ?? [];
  const problems = renameProblems(items, choices, [...projectNames, ...items.flatMap((i) => (i.conflict ? [i.conflict.name] : []))]);
  const invalid = Object.keys(problems).length > 0;
  const routed = bundle ? routeProblems(items, choices, bundle) : {};
  const refused = Object.keys(routed).length;
  const colliding = items.filter(collides).length;
  const byRoute = items.filter((i) => routeCollides(i, items)).length;
  const withProject = items.filter((i) => i.conflict).length;
  const withBundle = items.filter((i) => i.same_name_as !== undefined).length;
  // two flows of one name get told apart by their place in the bundle
  const named = new Map<string, number>();
  for (const i of items) named.set(foldName(i.name), (named.get(foldName(i.name)) ?? 0) + 1);
  const label = (i: ImportPreviewItem) => (named.get(foldName(i.name))! > 1 ? `${i.name.trim()} (flow ${i.index + 1})` : i.name.trim());
  const nameOf = (index: number) => items.find((i) => i.index === index)?.name.trim() ?? '';

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
        <p className="ps-hint ps-m-form-error">
          Flow names are unique in a project (ignoring case). Flows whose name is already taken in this project need a choice: skip them, import them under another name, or overwrite the project's flow (its draft is replaced; versions are kept). A flow the bundle has twice is imported under another name or skipped. A route flow whose method and path another flow of the project or the bundle has is refused: skip it (or one of the two), or overwrite the project's flow of its name, which keeps that flow's route when the file gives none. Importing under another name keeps the route.
        </p>
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
            {items.length} flow{items.length === 1 ? '' : 's'} in the bundle; {colliding} collide{colliding === 1 ? 's' : ''} by name
            {withBundle ? ` (${[withProject ? `${withProject} with this project's flows` : '', `${withBundle} with another flow of the bundle`].filter(Boolean).join(', ')})` : ''}
            {byRoute ? `; ${byRoute} by route` : ''}.
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
              {items.map((i) => {
                const c = choices[i.index];
                const server = serverProblems[i.index];
                const problem = (c?.action === 'rename' ? problems[i.index] : undefined) ?? routed[i.index] ?? server?.message;
                const nameInvalid = c?.action === 'rename' && (problems[i.index] !== undefined || !!server?.name);
                const problemId = `${ids}-problem-${i.index}`;
                return (
                  <tr key={i.index} data-testid={`import-item-${i.index}`}>
                    <td>{i.name}</td>
                    <td>
                      <span className="ps-chip">{i.kind}</span>
                    </td>
                    <td>
                      {i.conflict ? <span className="ps-field-error">Taken by the {i.conflict.kind} “{i.conflict.name}”</span> : null}
                      {i.conflict && i.same_name_as !== undefined ? <br /> : null}
                      {i.same_name_as !== undefined ? (
                        <span className="ps-field-error">
                          Same name as flow {i.same_name_as + 1} of the bundle (“{nameOf(i.same_name_as)}”)
                        </span>
                      ) : null}
                      {i.route_taken_by ? (
                        <span className="ps-field-error" style={{ display: 'block' }}>
                          {routeText(bundle?.flows[i.index]) ? `Route ${routeText(bundle?.flows[i.index])}` : 'Its route'} is taken by the route flow “{i.route_taken_by.name}”
                        </span>
                      ) : null}
                      {routeGroup(i, items) !== undefined ? (
                        <span className="ps-field-error" style={{ display: 'block' }}>
                          Same route as{' '}
                          {items
                            .filter((o) => o.index !== i.index && (o.index === routeGroup(i, items) || o.same_route_as === routeGroup(i, items)))
                            .map((o) => `flow ${o.index + 1} of the bundle (“${o.name.trim()}”)`)
                            .join(', ')}
                        </span>
                      ) : null}
                      {!collides(i) && !routeCollides(i, items) ? <span className="ps-hint">new</span> : null}
                    </td>
                    <td>
                      {c ? (
                        <span className="ps-row">
                          <select
                            className="ps-input"
                            style={{ width: 'auto' }}
                            aria-label={`What to do with ${label(i)}`}
                            aria-describedby={problem && !nameInvalid ? problemId : undefined}
                            value={c.action}
                            onChange={(e) => choose(i.index, { ...c, action: e.target.value as ImportAction })}
                          >
                            {!collides(i) ? (
                              <>
                                <option value="create">Create</option>
                                <option value="skip">Skip</option>
                              </>
                            ) : i.same_name_as !== undefined ? (
                              <>
                                <option value="rename">Import as…</option>
                                <option value="skip">Skip</option>
                              </>
                            ) : (
                              <>
                                <option value="skip">Skip</option>
                                <option value="rename">Import as…</option>
                                <option value="overwrite">Overwrite</option>
                              </>
                            )}
                          </select>
                          {c.action === 'rename' ? (
                            <input
                              className={nameInvalid ? 'ps-input invalid' : 'ps-input'}
                              aria-label={`New name for ${label(i)}`}
                              aria-invalid={nameInvalid}
                              aria-describedby={nameInvalid ? problemId : undefined}
                              value={c.name}
                              onChange={(e) => choose(i.index, { ...c, name: e.target.value })}
                            />
                          ) : null}
                        </span>
                      ) : (
                        'Create'
                      )}
                      {problem ? (
                        <span id={problemId} className="ps-field-error" data-testid={`import-problem-${i.index}`} style={{ display: 'block' }}>
                          {problem}
                        </span>
                      ) : null}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <div className="ps-row" style={{ marginTop: 10 }}>
            <button type="button" className="ps-button ps-primary" disabled={busy || invalid || refused > 0} onClick={() => void apply()}>
              Import
            </button>
            <button
              type="button"
              className="ps-button"
              onClick={() => {
                setPreview(null);
                setBundle(null);
                setServerProblems({});
                setError(null);
              }}
            >
              Cancel
            </button>
            {invalid ? <span className="ps-field-error">Fix the new names marked above to import.</span> : null}
            {refused ? (
              <span className="ps-field-error" data-testid="import-route-blocked">
                The import would be refused (route taken): skip {refused === 1 ? 'the flow' : `the ${refused} flows`} marked above, or change the routes.
              </span>
            ) : null}
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
