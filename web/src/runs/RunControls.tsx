// The run controls of the flow toolbar: Run (from the trigger, with the remembered options),
// Run from the selected node, the run options dialog, and the history toggle.

import { lazy, Suspense, useId, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { StartRunInput } from '../api/types';
import type { EditorStore } from '../store/editor';
import { defaultOptions, hasSavedOptions, type KeyValue, loadOptions, METHODS, type OptionProblem, type RunOptions, saveOptions, startInput, takesRequest } from './options';
import './runs.css';
import { Modal } from '../ui/Modal';

const CodeEditor = lazy(() => import('../inspector/CodeEditor'));

export interface RunControlsProps {
  store: EditorStore;
  flow: string;
  kind?: string;
  stages: string[];
  /** A run is being started or followed: the run buttons wait. */
  starting: boolean;
  /** Say "Starting…" on the Run button (before the run shows). */
  startingLabel?: boolean;
  historyOpen: boolean;
  onRun(input: StartRunInput): void;
  onToggleHistory(): void;
}

/** Why ▶ Run waits on an empty flow. */
export const EMPTY_TITLE = 'Nothing to run yet: add a trigger (or any node) from the palette first';

const storage = (): Storage | null => {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
};

export function RunControls(p: RunControlsProps) {
  const doc = useStore(p.store, (s) => s.doc);
  const selected = useStore(p.store, (s) => (s.selection.nodes.length === 1 ? s.selection.nodes[0]! : null));
  const request = takesRequest(doc, p.kind);
  const [options, setOptions] = useState<RunOptions>(() => {
    const fallback = defaultOptions(p.store.getState().doc);
    const s = storage();
    return s ? loadOptions(s, p.flow, fallback) : fallback;
  });
  // until the user saves options of their own, the test request follows the document: a
  // flow opened empty that gets an HTTP route node (and no Mock route) sends one
  const [saved, setSaved] = useState(() => {
    const s = storage();
    return s ? hasSavedOptions(s, p.flow) : false;
  });
  const [open, setOpen] = useState(false);
  const [problems, setProblems] = useState<OptionProblem[]>([]);
  const current = saved ? options : { ...options, useRequest: defaultOptions(doc).useRequest };

  const remember = (o: RunOptions) => {
    setSaved(true);
    setOptions(o);
    const s = storage();
    if (s) saveOptions(s, p.flow, o);
  };

  const run = (o: RunOptions, start?: string) => {
    const r = startInput(start !== undefined ? { ...o, start } : o, { takesRequest: request });
    if (!r.input) {
      setProblems(r.problems);
      setOpen(true);
      return false;
    }
    setProblems([]);
    p.onRun(r.input);
    return true;
  };

  // nothing to start from: a run would only be recorded as failed ("no node to start from")
  const empty = doc.nodes.length === 0;
  const selectedHandle = selected ? doc.nodes.find((n) => n.id === selected)?.handle : undefined;
  const startHandle = options.start && doc.nodes.some((n) => n.handle === options.start) ? options.start : '';

  return (
    <>
      <button
        type="button"
        className="ps-button ps-small ps-primary ps-nowrap"
        data-testid="run-button"
        onClick={() => run({ ...current, start: startHandle })}
        disabled={p.starting || empty}
        title={empty ? EMPTY_TITLE : startHandle ? `Run the flow from ${startHandle}` : 'Run the flow from its trigger'}
      >
        {p.starting && p.startingLabel ? 'Starting…' : '▶ Run'}
      </button>
      <button
        type="button"
        className="ps-button ps-small ps-nowrap"
        disabled={p.starting || !selectedHandle}
        onClick={() => selectedHandle && run(current, selectedHandle)}
        title={selectedHandle ? `Run from ${selectedHandle}, with the run options` : 'Select one node to run from it'}
      >
        ▶ From selection
      </button>
      <button type="button" className="ps-icon-button" aria-haspopup="dialog" aria-label="Run options" onClick={() => setOpen(true)} title="Run options: start node, test request, secrets">
        ⚙
      </button>
      <button type="button" className={`ps-button ps-small${p.historyOpen ? ' on' : ''}`} aria-pressed={p.historyOpen} onClick={p.onToggleHistory} title="Past runs of this flow" data-testid="history-toggle">
        History
      </button>
      {open ? (
        <RunOptionsDialog
          initial={{ ...current, start: startHandle }}
          handles={doc.nodes.map((n) => ({ handle: n.handle, trigger: n.type.startsWith('trigger.') }))}
          stages={p.stages}
          takesRequest={request}
          problems={problems}
          onCancel={() => {
            setProblems([]);
            setOpen(false);
          }}
          onSave={(o, andRun) => {
            remember(o);
            if (!andRun) {
              const r = startInput(o, { takesRequest: request });
              setProblems(r.problems);
              if (!r.problems.length) setOpen(false);
              return;
            }
            if (run(o)) setOpen(false);
          }}
        />
      ) : null}
    </>
  );
}

function Rows({ label, rows, onChange, addLabel, problems, field }: { label: string; rows: KeyValue[]; onChange(r: KeyValue[]): void; addLabel: string; problems: OptionProblem[]; field: string }) {
  return (
    <fieldset className="ps-run-rows">
      <legend>{label}</legend>
      {rows.map((r, i) => {
        const problem = problems.find((x) => x.field === `${field}[${i}]`);
        return (
          <div key={i} className="ps-row">
            <input className={`ps-input${problem ? ' invalid' : ''}`} aria-label={`${label} ${i + 1} name`} placeholder="name" value={r.key} onChange={(e) => onChange(rows.map((x, j) => (j === i ? { ...x, key: e.target.value } : x)))} />
            <input className="ps-input" aria-label={`${label} ${i + 1} value`} placeholder="value" value={r.value} onChange={(e) => onChange(rows.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)))} />
            <button type="button" className="ps-icon-button" aria-label={`Remove ${label.toLowerCase()} ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
        );
      })}
      <button type="button" className="ps-button ps-small" onClick={() => onChange([...rows, { key: '', value: '' }])}>
        {addLabel}
      </button>
    </fieldset>
  );
}

export interface RunOptionsDialogProps {
  initial: RunOptions;
  handles: { handle: string; trigger: boolean }[];
  stages: string[];
  takesRequest: boolean;
  problems: OptionProblem[];
  onCancel(): void;
  onSave(o: RunOptions, andRun: boolean): void;
}

/** The run options as a dialog: nothing changes until Save or Save and run. */
export function RunOptionsDialog(p: RunOptionsDialogProps) {
  const [o, setO] = useState<RunOptions>(p.initial);
  const id = useId();
  const req = o.request;
  const setReq = (r: Partial<RunOptions['request']>) => setO({ ...o, request: { ...req, ...r } });
  const problemOf = (f: string) => p.problems.find((x) => x.field === f)?.message;
  const sorted = useMemo(() => [...p.handles].sort((a, b) => Number(b.trigger) - Number(a.trigger) || a.handle.localeCompare(b.handle)), [p.handles]);

  return (
    <Modal className="ps-run-options" labelledBy={`${id}-t`} onClose={p.onCancel}>
      <h2 id={`${id}-t`}>Run options</h2>
      <label className="ps-label" htmlFor={`${id}-start`}>
        Start from
      </label>
      <select id={`${id}-start`} className="ps-input" value={o.start} onChange={(e) => setO({ ...o, start: e.target.value })}>
        <option value="">The flow's trigger</option>
        {sorted.map((h) => (
          <option key={h.handle} value={h.handle}>
            {h.handle}
            {h.trigger ? ' (trigger)' : ''}
          </option>
        ))}
      </select>
      <label className="ps-label" htmlFor={`${id}-sub`}>
        Secrets and variables from
      </label>
      <select id={`${id}-sub`} className="ps-input" value={o.subStage} onChange={(e) => setO({ ...o, subStage: e.target.value })}>
        <option value="">mock (its own)</option>
        {p.stages
          .filter((s) => s !== 'mock')
          .map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
      </select>
      <p className="ps-hint">Editor runs use the mock stage; they may borrow another stage's secrets and environment variables.</p>
      {p.takesRequest ? (
        <>
          <label className="ps-switch">
            <input type="checkbox" checked={o.useRequest} onChange={(e) => setO({ ...o, useRequest: e.target.checked })} /> Send a test request
          </label>
          {o.useRequest ? (
            <div className="ps-run-request" aria-label="Test request" role="group">
              <div className="ps-row">
                <select className={`ps-input ps-run-method${problemOf('request.method') ? ' invalid' : ''}`} aria-label="Method" value={req.method} onChange={(e) => setReq({ method: e.target.value })}>
                  {METHODS.map((m) => (
                    <option key={m}>{m}</option>
                  ))}
                </select>
                <input className={`ps-input${problemOf('request.path') ? ' invalid' : ''}`} aria-label="Path" placeholder="/path?query" value={req.path} onChange={(e) => setReq({ path: e.target.value })} />
              </div>
              <Rows label="Headers" field="request.headers" rows={req.headers} onChange={(headers) => setReq({ headers })} addLabel="+ Header" problems={p.problems} />
              <Rows label="Query" field="request.query" rows={req.query} onChange={(query) => setReq({ query })} addLabel="+ Parameter" problems={p.problems} />
              <div className="ps-label">Body</div>
              <Suspense fallback={<textarea className="ps-input" aria-label="Request body" value={req.body} onChange={(e) => setReq({ body: e.target.value })} />}>
                <CodeEditor value={req.body} onChange={(body) => setReq({ body })} language="json" label="Request body" placeholder='{"name": "Ada"}' minLines={3} />
              </Suspense>
            </div>
          ) : (
            <p className="ps-hint">The mock route's own inputs make the request.</p>
          )}
        </>
      ) : (
        <>
          <div className="ps-label">Test input (JSON)</div>
          <Suspense fallback={<textarea className="ps-input" aria-label="Test input" value={o.input} onChange={(e) => setO({ ...o, input: e.target.value })} />}>
            <CodeEditor value={o.input} onChange={(input) => setO({ ...o, input })} language="json" label="Test input" placeholder="{}" minLines={3} />
          </Suspense>
        </>
      )}
      {p.problems.length ? (
        <ul className="ps-field-error" role="alert">
          {p.problems.map((x) => (
            <li key={x.field + x.message}>
              {x.field}: {x.message}
            </li>
          ))}
        </ul>
      ) : null}
      <div className="ps-row ps-run-options-actions">
        <button type="button" className="ps-button ps-primary" onClick={() => p.onSave(o, true)}>
          Save and run
        </button>
        <button type="button" className="ps-button" onClick={() => p.onSave(o, false)}>
          Save
        </button>
        <button type="button" className="ps-button" onClick={p.onCancel}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
