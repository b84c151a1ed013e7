// The inspector: the selected node's handle, state, inputs (one editor per port), execution
// settings, notes and its type's documentation; the problems found on it.

import { memo, useEffect, useId, useMemo, useRef, useState } from 'react';
import { useActions, useEditor, useEditorEnv } from '../editor/context';
import { useStructuralDoc } from '../editor/structural';
import { isEditable, portLabel, type PortSpec } from '../model/catalog';
import type { FlowNode, NodeSettings } from '../model/flow';
import { type IntSetting, settingLabels, settingProblem, unsavable } from '../model/savable';
import { describeType } from '../model/ports';
import type { Problem } from '../model/validate';
import { Markdown } from '../ui/Markdown';
import { focusWhenShown } from '../canvas/focusAfter';
import { completionContextFor } from './completion';
import { draftOver, pruneDrafts, useFlowDrafts } from './drafts';
import { PortEditor } from './editors';

function HandleField({ node }: { node: FlowNode }) {
  const actions = useActions();
  const [text, setText] = useState(node.handle);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setText(node.handle);
    setProblem(null);
  }, [node.handle, node.id]);
  const commit = () => {
    const p = actions.setHandle(node.id, text.trim());
    setProblem(p);
  };
  return (
    <div className="ps-field">
      <label className="ps-label" htmlFor={`handle-${node.id}`}>
        Handle <span className="ps-hint">how expressions name this node</span>
      </label>
      <input
        id={`handle-${node.id}`}
        className={`ps-input ps-mono${problem ? ' invalid' : ''}`}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `handle-${node.id}-problem` : undefined}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') {
            setText(node.handle);
            setProblem(null);
          }
        }}
      />
      {problem ? (
        <div className="ps-field-error" id={`handle-${node.id}-problem`}>
          {problem}
        </div>
      ) : null}
    </div>
  );
}

/**
 * The text of a number field and why a typed value was refused, both reset when the value
 * in the document changes (undo, another node, a save from elsewhere).
 */
function useTypedNumber(value: number | undefined) {
  const [text, setText] = useState(value === undefined ? '' : String(value));
  const [refused, setRefused] = useState<string | null>(null);
  useEffect(() => {
    setText(value === undefined ? '' : String(value));
    setRefused(null);
  }, [value]);
  return { text, setText, refused, setRefused };
}

/**
 * A whole-number setting. What is typed is checked here and the problem named under the field:
 * a decimal (or text the browser cannot read) is not put into the document, which the server
 * cannot read with one (autosave answered a technical 422); a number out of bounds is kept and
 * said, as validation says it.
 */
function NumberSetting({ k, value, max, onChange, hint }: { k: IntSetting; value: number | undefined; max: number; onChange(v: number | undefined): void; hint?: string }) {
  const label = settingLabels[k];
  // refused: why a typed value was not taken (the document keeps the one before)
  const { text, setText, refused, setRefused } = useTypedNumber(value);
  const id = useId();
  const kept = value === undefined ? 'unset' : String(value);
  const problem =
    refused ??
    settingProblem(k, value) ??
    (value !== undefined && (value < 0 || value > max) ? `${label} must be between 0 and ${max}` : null);
  return (
    <div className="ps-setting-field">
      <label className="ps-setting">
        <span>{label}</span>
        <input
          className={`ps-input${problem ? ' invalid' : ''}`}
          aria-invalid={problem ? true : undefined}
          aria-describedby={problem ? id : undefined}
          type="number"
          min={0}
          max={max}
          step={1}
          value={text}
          placeholder={hint ?? '0'}
          onChange={(e) => {
            setText(e.target.value);
            if (e.target.validity?.badInput) return setRefused(`${label} must be a number: the value stays ${kept}.`);
            if (e.target.value === '') {
              setRefused(null);
              return onChange(undefined);
            }
            const v = e.target.valueAsNumber;
            if (!Number.isFinite(v)) return setRefused(`${label} must be a number: the value stays ${kept}.`);
            if (!Number.isInteger(v)) return setRefused(`${label} must be a whole number: the value stays ${kept}.`);
            setRefused(null);
            onChange(v);
          }}
        />
      </label>
      {problem ? (
        <div className="ps-field-error" id={id} data-testid={`setting-problem-${k}`}>
          {problem}
        </div>
      ) : null}
    </div>
  );
}

/** The most node executions a flow's runs may be given, and how many they get without it. */
export const MAX_NODE_RUNS = 100000;
export const DEFAULT_NODE_RUNS = 10000;

/**
 * The flow's own run settings (the document's `settings`), shown when nothing is selected:
 * the run's budget of node executions, which a For each over many items needs raised. Typed
 * text that is not a whole number from 1 to 100,000 is said under the field and not put
 * into the document; empty is the default.
 */
function FlowSettingsFields({ value, readOnly }: { value: number | undefined; readOnly: boolean }) {
  const actions = useActions();
  const { text, setText, refused: problem, setRefused: setProblem } = useTypedNumber(value);
  const id = useId();
  const label = 'Node executions per run';
  const kept = value === undefined ? `the default, ${DEFAULT_NODE_RUNS.toLocaleString('en')}` : String(value);
  return (
    <section className="ps-settings" aria-label="Flow settings">
      <h3 className="ps-label">Flow settings</h3>
      <div className="ps-setting-field">
        <label className="ps-setting">
          <span>{label}</span>
          <input
            className={`ps-input${problem ? ' invalid' : ''}`}
            aria-invalid={problem ? true : undefined}
            aria-describedby={`${id}-hint${problem ? ` ${id}` : ''}`}
            type="number"
            min={1}
            max={MAX_NODE_RUNS}
            step={1}
            value={text}
            readOnly={readOnly}
            placeholder={String(DEFAULT_NODE_RUNS)}
            onChange={(e) => {
              setText(e.target.value);
              if (e.target.value === '') {
                setProblem(null);
                return actions.setFlowSettings({ max_node_runs: undefined });
              }
              const v = e.target.valueAsNumber;
              if (e.target.validity?.badInput || !Number.isInteger(v) || v < 1 || v > MAX_NODE_RUNS) {
                return setProblem(`${label} must be a whole number from 1 to ${MAX_NODE_RUNS.toLocaleString('en')}: the value stays ${kept}.`);
              }
              setProblem(null);
              actions.setFlowSettings({ max_node_runs: v });
            }}
          />
        </label>
        <div className="ps-hint" id={`${id}-hint`}>
          Every run of a node counts, each loop iteration's too; a run that needs more fails. Empty: {DEFAULT_NODE_RUNS.toLocaleString('en')}.
        </div>
        {problem ? (
          <div className="ps-field-error" id={id}>
            {problem}
          </div>
        ) : null}
      </div>
    </section>
  );
}

function Settings({ node, isLoop }: { node: FlowNode; isLoop: boolean }) {
  const actions = useActions();
  const s = node.settings ?? {};
  const set = (patch: NodeSettings) => actions.setSettings(node.id, patch);
  return (
    <div className="ps-settings">
      <NumberSetting k="timeout_ms" value={s.timeout_ms} max={900000} hint="type default" onChange={(v) => set({ timeout_ms: v })} />
      <NumberSetting k="retries" value={s.retries} max={10} onChange={(v) => set({ retries: v })} />
      <NumberSetting k="backoff_ms" value={s.backoff_ms} max={60000} hint="doubles per retry" onChange={(v) => set({ backoff_ms: v })} />
      <label className="ps-setting">
        <span>On error</span>
        <select className="ps-input" value={s.on_error ?? ''} onChange={(e) => set({ on_error: e.target.value as NodeSettings['on_error'] })}>
          <option value="">stop the run (default)</option>
          <option value="stop">stop the run</option>
          <option value="continue">continue with null outputs</option>
        </select>
      </label>
      {isLoop ? <NumberSetting k="concurrency" value={s.concurrency} max={64} hint="1" onChange={(v) => set({ concurrency: v })} /> : null}
      <p className="ps-hint">With false_path connected, a failure goes down false_path instead.</p>
    </div>
  );
}

/**
 * Where inside a port's value a problem is, when deeper than the value itself: "body.message"
 * for /nodes/2/values/body/message, "items[1]" for /nodes/0/values/items/1; null otherwise.
 */
export function valuePlace(path: string, port: string): string | null {
  const m = /^\/nodes\/\d+\/values\/([^/]+)((?:\/[^/]*)+)$/.exec(path);
  if (!m) return null;
  const unescape = (k: string) => k.replace(/~1/g, '/').replace(/~0/g, '~');
  if (unescape(m[1]!) !== port) return null;
  const rest = m[2]!.slice(1).split('/').map(unescape);
  return port + rest.map((k) => (/^\d+$/.test(k) ? `[${k}]` : `.${k}`)).join('');
}

/** A collapsible section; forceOpen opens it (never closes it) when it turns true. */
function Section({ title, children, open = true, forceOpen = false }: { title: string; children: React.ReactNode; open?: boolean; forceOpen?: boolean }) {
  const ref = useRef<HTMLDetailsElement>(null);
  useEffect(() => {
    if (forceOpen && ref.current) ref.current.open = true;
  }, [forceOpen]);
  return (
    <details className="ps-section" open={open} ref={ref}>
      <summary>{title}</summary>
      <div className="ps-section-body">{children}</div>
    </details>
  );
}

/**
 * Deletes the selection from the inspector's Delete button, which goes with it: the keyboard
 * goes to the canvas (a node left on it, else the canvas itself) instead of the page's body,
 * where the canvas keys (undo, delete, arrows) stopped working.
 */
function removeFromInspector(removeSelection: () => void, button: HTMLElement) {
  const canvas = button.closest('.ps-editor, main, body')?.querySelector<HTMLElement>('.ps-canvas-box') ?? null;
  removeSelection();
  focusWhenShown(() => canvas?.querySelector<HTMLElement>('.react-flow__node') ?? canvas);
}

/**
 * The JSON text kept for other nodes than the one shown (it did not parse, so it is not their
 * value): where it is, why, and a Show that selects that node to finish it.
 */
function OtherDrafts({ shown }: { shown: string | undefined }) {
  const { draftScope } = useEditorEnv();
  const actions = useActions();
  const nodes = useEditor((s) => s.doc.nodes);
  const others = useFlowDrafts(draftScope)
    .filter((d) => d.node !== shown)
    .map((d) => ({ ...d, handle: nodes.find((n) => n.id === d.node)?.handle }))
    .filter((d) => d.handle !== undefined);
  if (!others.length) return null;
  return (
    <div className="ps-drafts-note" role="note" aria-label="Unsaved JSON" data-testid="json-drafts">
      <p>
        Not saved: JSON that does not parse yet is kept in {others.length === 1 ? 'a field' : `${others.length} fields`} of other nodes (they keep their last valid values):
      </p>
      <ul>
        {others.map((d) => (
          <li key={`${d.node}/${d.port}`}>
            <span className="ps-mono">
              {d.handle}.{d.port}
            </span>{' '}
            <button
              type="button"
              className="ps-button ps-small"
              aria-label={`Show ${d.handle}.${d.port}`}
              onClick={(e) => {
                const box = e.currentTarget.closest('.ps-inspector');
                actions.select({ nodes: [d.node], edges: [] });
                // the keyboard goes on in the field, where the text is (the button goes away)
                focusWhenShown(() => [...(box?.querySelectorAll<HTMLElement>('[data-port]') ?? [])].find((f) => f.dataset.port === d.port)?.querySelector<HTMLElement>('[contenteditable="true"]') ?? null);
              }}
            >
              Show
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

export const Inspector = memo(function Inspector({ problems, onConnect }: { problems: ReadonlyMap<string, Problem[]>; onConnect?: ((nodeId: string) => void) | undefined }) {
  const { secretKeys, envKeys, flows, flowId, flowLinks, readOnly, draftScope } = useEditorEnv();
  const actions = useActions();
  // drafts kept from before (a reload): only those whose node and JSON field are still there,
  // with the value they were typed over (drafts.ts)
  const store = useEditorEnv().store;
  useEffect(() => {
    const { doc, catalog } = store.getState();
    pruneDrafts(draftScope, (d) => {
      const n = doc.nodes.find((x) => x.id === d.node);
      const p = n ? catalog.get(n.type)?.inputs.find((x) => x.name === d.port) : undefined;
      return !!n && p?.editor === 'json' && draftOver(d, n.values?.[d.port]);
    });
  }, [store, draftScope]);
  // JSON kept in the inspector is not in the draft: leaving the page asks the browser's question
  const drafting = useFlowDrafts(draftScope).length > 0;
  useEffect(() => {
    if (!drafting) return;
    const ask = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', ask);
    return () => window.removeEventListener('beforeunload', ask);
  }, [drafting]);
  const selection = useEditor((s) => s.selection);
  const doc = useStructuralDoc(useEditor((s) => s.doc));
  const catalog = useEditor((s) => s.catalog);
  const node = selection.nodes.length === 1 ? doc.nodes.find((n) => n.id === selection.nodes[0]) : undefined;
  const type = node ? catalog.get(node.type) : undefined;
  const ctx = useMemo(() => (node ? completionContextFor(doc, catalog, node.id, envKeys) : null), [doc, catalog, node, envKeys]);

  if (!node) {
    return (
      <aside className="ps-inspector" aria-label="Inspector">
        <OtherDrafts shown={undefined} />
        <div className="ps-empty">
          {selection.nodes.length > 1 ? (
            <>
              <p>{selection.nodes.length} nodes selected.</p>
              {readOnly ? null : (
                <div className="ps-row">
                  <button type="button" className="ps-button" onClick={() => actions.duplicateSelection()}>
                    Duplicate
                  </button>
                  <button type="button" className="ps-button ps-danger" onClick={(e) => removeFromInspector(() => actions.removeSelection(), e.currentTarget)}>
                    Delete
                  </button>
                </div>
              )}
            </>
          ) : selection.edges.length ? (
            <>
              <p>{selection.edges.length === 1 ? 'A connection is' : `${selection.edges.length} connections are`} selected.</p>
              {readOnly ? null : (
                <button type="button" className="ps-button ps-danger" onClick={(e) => removeFromInspector(() => actions.removeSelection(), e.currentTarget)}>
                  Delete
                </button>
              )}
            </>
          ) : (
            <>
              <p>{readOnly ? 'Select a node to see its values, settings and documentation.' : 'Select a node to edit it. Add nodes from the palette: click, drag, or search with /.'}</p>
              <FlowSettingsFields value={doc.settings?.max_node_runs} readOnly={readOnly} />
            </>
          )}
        </div>
      </aside>
    );
  }
  const nodeAll = problems.get(node.id) ?? [];
  // warnings are said apart and never make a field invalid
  const nodeProblems = nodeAll.filter((p) => !p.warning);
  const nodeWarnings = nodeAll.filter((p) => p.warning);
  const connectedInputs = new Set(doc.connections.filter((c) => c.to.node === node.id).map((c) => c.to.port.split('.')[0]!));
  const sourceOf = (port: string) => {
    const c = doc.connections.find((x) => x.to.node === node.id && x.to.port === port);
    if (!c) return null;
    const from = doc.nodes.find((n) => n.id === c.from.node);
    return `${from?.handle ?? c.from.node}.${c.from.port}`;
  };
  const editable: PortSpec[] = type ? type.inputs.filter(isEditable) : [];
  return (
    <aside className="ps-inspector" aria-label="Inspector">
      <header className="ps-inspector-header">
        <div className="ps-inspector-title">{type?.name ?? node.type}</div>
        <div className="ps-hint ps-mono">
          {node.type} v{node.version ?? type?.version ?? 1}
        </div>
        {onConnect && type?.outputs.length ? (
          <button type="button" className="ps-button ps-small" aria-haspopup="dialog" title="Connect an output of this node to an input, with the keyboard (C)" onClick={() => onConnect(node.id)}>
            Connect…
          </button>
        ) : null}
      </header>
      <OtherDrafts shown={node.id} />
      {nodeProblems.length ? (
        <ul className="ps-problem-list" aria-label="Problems of this node">
          {nodeProblems.map((p, i) => (
            <li key={i}>⚠ {p.message}</li>
          ))}
        </ul>
      ) : null}
      {nodeWarnings.length ? (
        <ul className="ps-warning-list" aria-label="Warnings of this node">
          {nodeWarnings.map((p, i) => (
            <li key={i}>
              <span aria-hidden>△ </span>
              <span className="ps-sr-only">Warning: </span>
              {p.port ? <span className="ps-mono">{p.port}: </span> : null}
              {p.message}
            </li>
          ))}
        </ul>
      ) : null}
      {readOnly ? (
        <p className="ps-hint ps-read-only-note" role="note">
          Read only: viewers can look at this flow but not change it.
        </p>
      ) : null}
      {/* a disabled fieldset turns off every control inside it; code editors follow the same flag */}
      <fieldset className="ps-inspector-fields" disabled={readOnly}>
        <HandleField node={node} />
        <label className="ps-switch">
          <input type="checkbox" checked={node.flow_state !== 'disabled'} onChange={(e) => actions.setFlowState(node.id, e.target.checked ? '' : 'disabled')} />
          <span>{node.flow_state === 'disabled' ? 'Disabled: treated as skipped' : 'Enabled'}</span>
        </label>
        {type ? (
          <Section title="Inputs">
            {editable.length === 0 ? <p className="ps-hint">This node has no values to set.</p> : null}
            {editable.map((p) => {
              const src = connectedInputs.has(p.name) && !p.dynamic ? sourceOf(p.name) : null;
              const probs = nodeProblems.filter((x) => x.port === p.name);
              const warns = nodeWarnings.filter((x) => x.port === p.name);
              return (
                <div className="ps-field" key={p.name} data-port={p.name}>
                  <div className="ps-label" title={p.doc}>
                    {portLabel(p)}
                    {p.required ? <span className="ps-required">*</span> : null}
                    <span className="ps-type-chip">{describeType(String(p.type))}</span>
                  </div>
                  {src ? (
                    <div className="ps-connected">← connected from {src}</div>
                  ) : (
                    <PortEditor
                      // a number input keeps refused text (a decimal, "1e") until the next edit: not for the
                      // next node; a JSON field shows the next node's own draft, if it has one
                      key={p.editor === 'number' || p.editor === 'json' ? node.id : undefined}
                      draft={{ flow: draftScope, node: node.id, port: p.name }}
                      port={p}
                      value={node.values?.[p.name]}
                      onChange={(v) => actions.setValue(node.id, p.name, v)}
                      ctx={ctx!}
                      secretKeys={secretKeys}
                      envKeys={envKeys}
                      flows={flows}
                      flowId={flowId}
                      flowLinks={flowLinks}
                      invalid={probs.length > 0}
                      describedBy={probs.length || warns.length ? `ps-field-problems-${p.name}` : undefined}
                    />
                  )}
                  {p.doc ? <div className="ps-hint">{p.doc}</div> : null}
                  {probs.length || warns.length ? (
                    <div id={`ps-field-problems-${p.name}`} data-testid={`field-problems-${p.name}`}>
                      {[...probs, ...warns].map((x, i) => {
                        const where = valuePlace(x.path, p.name);
                        return (
                          <div className={x.warning ? 'ps-field-warning' : 'ps-field-error'} key={i}>
                            {x.warning ? 'Warning: ' : null}
                            {where ? <span className="ps-mono">{where}: </span> : null}
                            {x.message}
                          </div>
                        );
                      })}
                    </div>
                  ) : null}
                </div>
              );
            })}
          </Section>
        ) : null}
        {/* a setting the save refused (or validation flags) shows with its message */}
        <Section title="Settings" open={false} forceOpen={nodeProblems.some((p) => p.path.includes('/settings/')) || unsavable({ ...doc, nodes: [node] }).length > 0}>
          {/* keyed by node: a refused text typed for one node does not stay for the next */}
          <Settings key={node.id} node={node} isLoop={type?.control === 'for_each' || type?.control === 'counter_loop'} />
        </Section>
        <Section title="Notes" open={!!node.notes}>
          <textarea className="ps-input" rows={3} value={node.notes ?? ''} aria-label="Notes" placeholder="Notes shown on the node" onChange={(e) => actions.setNotes(node.id, e.target.value)} />
        </Section>
      </fieldset>
      {type ? (
        <Section title="Documentation">
          <Markdown text={type.doc} />
        </Section>
      ) : null}
    </aside>
  );
});
