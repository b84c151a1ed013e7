// The run history panel: the flow's runs newest first (status, time, duration, trigger,
// stage, version), filtered by stage and status, a page at a time; Open shows a past run on
// the canvas with its node states and outputs.

import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { FlowKind, Run } from '../api/types';
import { createHistory, formatDuration, formatWhen, formatWhenExact, whenTick, type RunsApi } from './history';
import './runs.css';

export interface RunHistoryProps {
  api: RunsApi;
  project: string;
  flow: string;
  /** The flow's kind: what else runs it, for the empty list's hint. */
  kind?: FlowKind;
  /** The flow has no nodes yet: ▶ Run waits, so the empty list's hint says to add a trigger. */
  emptyFlow?: boolean;
  stages: string[];
  /** Changes when a run started or ended, so the list reloads. */
  refreshKey: string;
  /** The run that ended last: read again briefly until it is listed (it is stored just after it ends). */
  expectRun?: string | undefined;
  /** The run on the canvas, marked in the list. */
  current?: string | undefined;
  onOpen(run: Run): void;
  onClose(): void;
}

/** What starts a flow of each kind besides ▶ Run (a blueprint has nothing else). */
const OTHER_STARTS: Partial<Record<FlowKind, string>> = {
  route: ', or call the published route',
  schedule: ', or publish and enable the schedule',
  service: ', or call it from another flow',
};

// a cancelled or timed-out run ends as error, its error naming why
const STATUSES = ['running', 'success', 'error', 'paused'];

/**
 * Now, for the "… ago" texts of these starts: one timer for the whole list, set again only
 * while a text can still change (see whenTick), cleared when the list goes.
 */
export function useWhenClock(isos: readonly string[]): Date {
  const [now, setNow] = useState(() => Date.now());
  const delay = whenTick(isos, now);
  useEffect(() => {
    if (delay === null) return;
    const t = setTimeout(() => setNow(Date.now()), delay);
    return () => clearTimeout(t);
  }, [now, delay]);
  return useMemo(() => new Date(now), [now]);
}

export function RunHistory(p: RunHistoryProps) {
  const history = useMemo(() => createHistory(p.api, p.project, p.flow), [p.api, p.project, p.flow]);
  const s = useStore(history);
  const starts = useMemo(() => s.items.map((r) => r.started_at), [s.items]);
  const now = useWhenClock(starts);

  // a run started or ended: new runs come on top, the pages loaded below (and the scroll) stay
  useEffect(() => {
    void history.getState().refresh(p.expectRun);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [history, p.refreshKey]);

  // the project's stages, and any a listed run ran on (a stage added since the list loaded)
  const stageNames = [...new Set(['mock', ...p.stages, ...s.items.map((r) => r.stage), ...(s.filter.stage ? [s.filter.stage] : [])])];

  return (
    <section className="ps-run-history" aria-label="Run history">
      <div className="ps-row">
        <strong>History</strong>
        <select className="ps-input ps-small-input" aria-label="Stage" value={s.filter.stage} onChange={(e) => void s.setFilter({ stage: e.target.value })}>
          <option value="">All stages</option>
          {stageNames.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
        <select className="ps-input ps-small-input" aria-label="Status" value={s.filter.status} onChange={(e) => void s.setFilter({ status: e.target.value })}>
          <option value="">Any status</option>
          {STATUSES.map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
        <button type="button" className="ps-button ps-small" onClick={() => void s.reload()} disabled={s.loading}>
          {s.loading && s.loaded ? 'Refreshing…' : 'Refresh'}
        </button>
        <span className="ps-toolbar-spacer" />
        <button type="button" className="ps-icon-button" aria-label="Close the run history" onClick={p.onClose}>
          ×
        </button>
      </div>
      <div className="ps-run-history-body">
        {s.error ? (
          <div role="alert" className="ps-field-error">
            {s.error}{' '}
            <button type="button" className="ps-link" onClick={() => void s.reload()}>
              Try again
            </button>
          </div>
        ) : null}
        {!s.loaded && s.loading ? (
          <p className="ps-hint" role="status">
            Loading runs…
          </p>
        ) : null}
        {s.loaded && s.items.length === 0 ? <p className="ps-hint">{s.filter.stage || s.filter.status ? 'No runs match.' : p.emptyFlow ? 'No runs yet. Add a trigger from the palette, then press ▶ Run.' : `No runs yet. Press ▶ Run${p.kind ? (OTHER_STARTS[p.kind] ?? '') : ''}.`}</p> : null}
        {s.items.length ? (
          <table className="ps-run-table" aria-busy={s.loading || undefined}>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
                <th scope="col">Trigger</th>
                <th scope="col">Stage</th>
                <th scope="col">Version</th>
                <th scope="col">
                  <span className="ps-visually-hidden">Open</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {s.items.map((r) => (
                <tr key={r.id} data-run={r.id} className={r.id === p.current ? 'current' : undefined} aria-current={r.id === p.current ? 'true' : undefined}>
                  <td>
                    <span className={`ps-chip ps-run-${r.status}`}>{r.status}</span>
                  </td>
                  <td>
                    <time dateTime={r.started_at} title={formatWhenExact(r.started_at)}>
                      {formatWhen(r.started_at, now)}
                    </time>
                  </td>
                  <td>{formatDuration(r.duration_ms)}</td>
                  <td>{r.trigger}</td>
                  <td>{r.stage}</td>
                  <td>{r.version ? `v${r.version}` : 'draft'}</td>
                  <td>
                    <button type="button" className="ps-button ps-small" aria-label={`Open the ${r.trigger} run of ${formatWhen(r.started_at, now)} on ${r.stage}`} onClick={() => p.onOpen(r)}>
                      Open
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {s.next ? (
          <button type="button" className="ps-button ps-small" onClick={() => void s.more()} disabled={s.loading}>
            {s.loading ? 'Loading…' : 'Load more'}
          </button>
        ) : null}
      </div>
    </section>
  );
}
