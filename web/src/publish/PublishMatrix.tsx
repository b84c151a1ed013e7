// The project's publish matrix: every flow × stage with the bound version and whether the
// draft differs from it; publish the draft to a stage or unpublish from one. A flow that does
// not validate (422) lists its problems on its row.

import { useCallback, useEffect, useState } from 'react';
import { type ApiClient, ConflictError, FlowInvalidError } from '../api/client';
import type { MatrixRow, PublishMatrix } from '../api/types';
import { errText, focusBackTo, formatTime, type Load, LoadError, Loading, StagesLink } from './common';
import { useMemberName } from './members';
import './publish.css';

export interface PublishMatrixProps {
  api: ApiClient;
  project: string;
  /** The flow editor's address of a flow (links on the flow names). */
  flowHref?(flow: string): string;
  onOpenFlow?(flow: string): void;
  /** The signed-in member may only look (a viewer): the matrix shows, its buttons are off. */
  readOnly?: boolean;
}

type RowProblem = { flow: string; stage: string; message: string; problems: string[] };

/** The flows stages run come first, as the project panel lists them (routes, schedules,
 * services); blueprints, never published, last. Sorted by kind name, blueprints came first and
 * pushed the routes down the page. */
const KIND_ORDER = ['route', 'schedule', 'service', 'blueprint'];
const kindRank = (kind: string) => {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
};

export function PublishMatrixScreen(props: PublishMatrixProps) {
  const { api, project } = props;
  const [load, setLoad] = useState<Load<PublishMatrix>>({ status: 'loading' });
  const [busy, setBusy] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<string | null>(null);
  const [problem, setProblem] = useState<RowProblem | null>(null);
  const [note, setNote] = useState<string | null>(null);
  // the warnings of the publish the note is about (valid, likely not meant; it went through)
  const [noteWarnings, setNoteWarnings] = useState<string[]>([]);
  const nameOf = useMemberName(api);

  const reload = useCallback(
    (quiet = false) => {
      if (!quiet) setLoad({ status: 'loading' });
      return api.publishMatrix(project).then(
        (m) => setLoad({ status: 'ready', value: m }),
        (e: unknown) => setLoad({ status: 'error', message: errText(e), error: e }),
      );
    },
    [api, project],
  );
  useEffect(() => {
    void reload();
  }, [reload]);

  const act = async (row: MatrixRow, stage: string, what: 'publish' | 'unpublish') => {
    const key = `${row.flow}/${stage}`;
    setBusy(key);
    setConfirm(null);
    setProblem(null);
    setNote(null);
    setNoteWarnings([]);
    try {
      if (what === 'publish') {
        const r = await api.publish(project, row.flow, stage);
        const warnings = (r.warnings ?? []).map((p) => `${p.node ? `${p.node}${p.port ? `.${p.port}` : ''}` : p.path || 'flow'}: ${p.message}`);
        const what = `${row.name} v${r.version.number} to ${stage}${r.created ? ' (a new version of the draft)' : ''}`;
        setNote(warnings.length ? `Published — ${warnings.length} warning${warnings.length === 1 ? '' : 's'}: ${what}. Warnings do not stop it; open the flow to see them marked.` : `Published ${what}.`);
        setNoteWarnings(warnings);
      } else {
        await api.unpublish(project, row.flow, stage);
        setNote(`Unpublished ${row.name} from ${stage}.`);
      }
      await reload(true);
    } catch (e) {
      const problems = e instanceof FlowInvalidError ? e.problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)) : [];
      const message = e instanceof FlowInvalidError ? `${row.name} cannot be published: it has ${problems.length} problem${problems.length === 1 ? '' : 's'}.` : e instanceof ConflictError ? `${row.name}: ${e.detail || e.title}` : `${row.name}: ${errText(e)}`;
      setProblem({ flow: row.flow, stage, message, problems });
    } finally {
      setBusy(null);
      // the pressed button was off while it ran, or went (Unpublish's confirm): the keyboard
      // stays on the cell instead of falling to the page's body
      focusBackTo(...(what === 'unpublish' ? [`Unpublish ${row.name} from ${stage}`] : []), `Publish ${row.name} to ${stage}`);
    }
  };

  const title = <h1 style={{ fontSize: 18, margin: '0 0 10px' }}>Publishing</h1>;
  if (load.status === 'loading')
    return (
      <div className="ps-matrix-page">
        {title}
        <Loading what="the publish matrix" />
      </div>
    );
  if (load.status === 'error')
    return (
      <div className="ps-matrix-page">
        {title}
        <LoadError message={load.message} onRetry={() => void reload()} />
      </div>
    );
  const m = load.value;
  const flows = [...m.flows].sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));

  return (
    <div className="ps-matrix-page">
      {title}
      <p className="ps-hint">Which version of each flow every stage runs. Publishing sends the flow's saved draft (as a new version when it changed).</p>
      {props.readOnly ? (
        <p className="ps-hint" role="note">
          Read only: an editor or admin of the project publishes and unpublishes flows.
        </p>
      ) : null}
      <div aria-live="polite" role="status">
        {note ? <p className="ps-pub-ok">{note}</p> : null}
        {note && noteWarnings.length ? (
          <ul className="ps-publish-warnings" aria-label="Warnings">
            {noteWarnings.map((w, i) => (
              <li key={i}>
                <span aria-hidden>△ </span>
                {w}
              </li>
            ))}
          </ul>
        ) : null}
      </div>
      {m.stages.length === 0 ? (
        <p className="ps-empty">
          This project has no stages yet. <StagesLink project={project}>Add a stage</StagesLink> (production, staging…) in the project's settings to publish to it.
        </p>
      ) : null}
      {flows.length === 0 ? (
        <p className="ps-empty">No flows yet. Create a route or schedule flow, then publish it here.</p>
      ) : m.stages.length ? (
        <fieldset className="ps-matrix-fields" disabled={props.readOnly}>
          <table className="ps-matrix" data-testid="publish-matrix" aria-label="Publish matrix">
            <thead>
              <tr>
                <th scope="col">Flow</th>
                <th scope="col">Latest</th>
                {m.stages.map((s) => (
                  <th key={s} scope="col">
                    {s}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {flows.map((row) => (
                <tr key={row.flow}>
                  <th scope="row">
                    {props.flowHref ? (
                      <a
                        className="ps-link"
                        href={props.flowHref(row.flow)}
                        onClick={(e) => {
                          if (!props.onOpenFlow) return;
                          e.preventDefault();
                          props.onOpenFlow(row.flow);
                        }}
                      >
                        {row.name}
                      </a>
                    ) : (
                      row.name
                    )}{' '}
                    <span className="ps-chip">{row.kind}</span>
                    {problem && problem.flow === row.flow ? (
                      <div className="ps-pub-alert" role="alert" style={{ fontWeight: 400, marginTop: 6 }}>
                        {problem.message}
                        {problem.problems.length ? (
                          <ul>
                            {problem.problems.map((p, i) => (
                              <li key={i}>{p}</li>
                            ))}
                          </ul>
                        ) : null}
                      </div>
                    ) : null}
                  </th>
                  <td>
                    {row.latest_version ? `v${row.latest_version}` : <span className="ps-hint">none</span>}
                    {row.draft_changed && row.kind !== 'blueprint' ? (
                      <div>
                        <span className="ps-chip ps-differs" title="The draft has changes no version has">
                          draft changed
                        </span>
                      </div>
                    ) : null}
                  </td>
                  {m.stages.map((stage) => {
                    const cell = row.stages[stage];
                    const key = `${row.flow}/${stage}`;
                    if (row.kind === 'blueprint')
                      return (
                        <td key={stage} className="ps-hint" title="Blueprints are templates and are not published">
                          —
                        </td>
                      );
                    return (
                      <td key={stage} data-testid={`matrix-cell-${row.flow}-${stage}`}>
                        <div className="ps-matrix-cell">
                          {cell ? (
                            <span title={`published ${formatTime(cell.published_at)} by ${nameOf(cell.by)}`}>
                              <strong>v{cell.version}</strong> {cell.draft_differs ? <span className="ps-chip ps-differs">draft differs</span> : <span className="ps-chip">up to date</span>}
                              {cell.route_differs ? (
                                <>
                                  {' '}
                                  <span className="ps-chip ps-differs" title={`The flow's route settings changed since it was published to ${stage}; ${stage} serves the old route until it is published again`}>
                                    route changed
                                  </span>
                                </>
                              ) : null}
                            </span>
                          ) : (
                            <span className="ps-hint">not published</span>
                          )}
                          {confirm === key ? (
                            <span className="ps-row">
                              <button type="button" autoFocus className="ps-button ps-small ps-danger" onClick={() => void act(row, stage, 'unpublish')} aria-label={`Confirm unpublish ${row.name} from ${stage}`}>
                                Unpublish
                              </button>
                              <button
                                type="button"
                                className="ps-button ps-small"
                                onClick={() => {
                                  setConfirm(null);
                                  focusBackTo(`Unpublish ${row.name} from ${stage}`);
                                }}
                              >
                                Cancel
                              </button>
                            </span>
                          ) : (
                            <span className="ps-row">
                              <button
                                type="button"
                                className="ps-button ps-small ps-primary"
                                disabled={busy !== null}
                                aria-label={`Publish ${row.name} to ${stage}`}
                                title={cell?.route_differs ? `Publish again to serve the current route on ${stage}` : undefined}
                                onClick={() => void act(row, stage, 'publish')}
                              >
                                {busy === key ? '…' : cell ? 'Republish' : 'Publish'}
                              </button>
                              {cell ? (
                                <button type="button" className="ps-button ps-small" disabled={busy !== null} aria-label={`Unpublish ${row.name} from ${stage}`} onClick={() => setConfirm(key)}>
                                  Unpublish
                                </button>
                              ) : null}
                            </span>
                          )}
                        </div>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </fieldset>
      ) : null}
    </div>
  );
}
