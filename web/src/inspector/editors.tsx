// One editor per port editor kind (Go's nodes.Edit*): text, number, boolean, select, secret,
// env, flow, code, json, template, dict rows and list. Values are stored as the engine reads them:
// numbers as numbers, JSON as JSON, `{{ }}` expressions as strings.

import { lazy, Suspense, useEffect, useId, useRef, useState } from 'react';
import type { FlowChoice, FlowLinks } from '../editor/context';
import { type PortSpec, portLabel } from '../model/catalog';
import type { CompletionContext } from '../model/expressions';
import type { DictRow } from '../model/flow';
import { clearDraft, type DraftPlace, draftOver, getDraft, setDraft, valueKey } from './drafts';
import { ExprInput } from './ExprInput';

const loadCodeEditor = () => import('./CodeEditor');
const CodeEditor = lazy(loadCodeEditor);

/** Loads the code editor's chunk while the browser is idle, so selecting the first node does
 * not wait for it (the inspector shows code, JSON and template ports with it). */
export function preloadCodeEditor(): void {
  const go = () => void loadCodeEditor().catch(() => undefined);
  if (typeof window !== 'undefined' && 'requestIdleCallback' in window) window.requestIdleCallback(go, { timeout: 3000 });
  else setTimeout(go, 1000);
}

export interface PortEditorProps {
  port: PortSpec;
  value: unknown;
  onChange(v: unknown): void;
  ctx: CompletionContext;
  secretKeys: string[];
  envKeys: string[];
  /** The project's flows, for the flow picker. */
  flows?: FlowChoice[];
  /** The open flow's id: the flow picker leaves it out (a flow cannot call itself). */
  flowId?: string;
  /** Opens a flow of the project (the flow picker's Open link); absent where nothing opens. */
  flowLinks?: FlowLinks | undefined;
  invalid?: boolean;
  /** Id of the field's problems, for aria-describedby (when it has any). */
  describedBy?: string | undefined;
  /** Where text typed into the field that is not yet a value (JSON that does not parse) is
   * kept while the inspector shows something else; without it, only while it is shown. */
  draft?: DraftPlace | undefined;
}

const capitalize = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);

const isExpr = (v: unknown) => typeof v === 'string' && v.includes('{{');

/** Reads a list item typed as text: JSON values stay JSON, everything else is a string. */
export function parseItem(text: string): unknown {
  const t = text.trim();
  if (t === '') return '';
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null)$/.test(t) || /^[[{"]/.test(t)) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}

/** Shows a list item as text: strings as they are, other values as JSON. */
export function showItem(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Converts a select's option text to the port's type (options are strings in the catalogue). */
export function optionValue(port: PortSpec, text: string): unknown {
  if (text === '') return undefined;
  if (port.type === 'integer' || port.type === 'number') {
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }
  if (port.type === 'boolean') return text === 'true';
  return text;
}

/** Reads dict values: rows `[{key, type, value}]`, or a plain object turned into rows. */
export function toRows(v: unknown): DictRow[] {
  if (Array.isArray(v)) return v.filter((r) => r && typeof r === 'object').map((r) => ({ ...(r as DictRow) }));
  if (v && typeof v === 'object') return Object.entries(v).map(([key, value]) => ({ key, value }));
  return [];
}

function Suspended({ children }: { children: React.ReactNode }) {
  return <Suspense fallback={<div className="ps-code ps-loading">Loading editor…</div>}>{children}</Suspense>;
}

/** Switches an input between a fixed value and an expression; named after its input, since a
 * screen reader read the bare "{}" (and the inspector has one per input). */
function ExprToggle({ name, on, onToggle }: { name: string; on: boolean; onToggle(): void }) {
  return (
    <button
      type="button"
      className={`ps-icon-button ps-expr-toggle${on ? ' on' : ''}`}
      title={on ? 'Use a fixed value' : 'Use an expression {{ }}'}
      aria-label={`Expression for ${name}`}
      aria-pressed={on}
      onClick={onToggle}
    >
      {'{}'}
    </button>
  );
}

function NumberEditor({ port, value, onChange, ctx, invalid, describedBy }: PortEditorProps) {
  const [expr, setExpr] = useState(isExpr(value));
  const [text, setText] = useState(value === undefined || value === null ? '' : String(value));
  // what is typed is not a number yet ("1e", "-"): the browser reads it as empty, which cleared
  // the value while the field still showed the text; or a decimal in a whole-number input
  // ("Retries must be a whole number"): said here, and the value stays what it was
  const [unreadable, setUnreadable] = useState<'nan' | 'decimal' | false>(false);
  const unreadableId = useId();
  useEffect(() => setText(value === undefined || value === null ? '' : String(value)), [value]);
  if (expr) {
    return (
      <div className="ps-row">
        <ExprInput value={typeof value === 'string' ? value : ''} onChange={onChange} ctx={ctx} label={port.name} invalid={invalid} describedBy={describedBy} />
        <ExprToggle name={port.name} on onToggle={() => (setExpr(false), onChange(undefined))} />
      </div>
    );
  }
  return (
    <>
      <div className="ps-row">
        <input
          className={`ps-input${invalid || unreadable ? ' invalid' : ''}`}
          type="number"
          step={port.type === 'integer' ? 1 : 'any'}
          min={port.min}
          max={port.max}
          value={text}
          aria-label={port.name}
          aria-invalid={invalid || !!unreadable || undefined}
          aria-describedby={[unreadable ? unreadableId : '', describedBy ?? ''].filter(Boolean).join(' ') || undefined}
          placeholder={port.default !== undefined ? String(port.default) : ''}
          onChange={(e) => {
            // ('' is what the browser reads of such text; keeping it keeps the text typed)
            setText(e.target.value);
            // the value stays what it was until the text reads as a number
            if (e.target.validity?.badInput) return setUnreadable('nan');
            if (port.type === 'integer' && Number.isFinite(e.target.valueAsNumber) && !Number.isInteger(e.target.valueAsNumber)) return setUnreadable('decimal');
            setUnreadable(false);
            if (e.target.value === '') onChange(undefined);
            else if (Number.isFinite(e.target.valueAsNumber)) onChange(e.target.valueAsNumber);
          }}
        />
        <ExprToggle name={port.name} on={false} onToggle={() => (setUnreadable(false), setExpr(true), onChange('{{  }}'))} />
      </div>
      {unreadable ? (
        <div className="ps-field-error" id={unreadableId}>
          {unreadable === 'decimal' ? `${capitalize(portLabel(port))} must be a whole number: the value stays` : 'Not a number yet: the value stays'}{' '}
          {value === undefined || value === null || value === '' ? 'unset' : String(value)}.
        </div>
      ) : null}
    </>
  );
}

function BooleanEditor({ port, value, onChange, ctx, invalid, describedBy }: PortEditorProps) {
  const [expr, setExpr] = useState(isExpr(value));
  if (expr) {
    return (
      <div className="ps-row">
        <ExprInput value={typeof value === 'string' ? value : ''} onChange={onChange} ctx={ctx} label={port.name} invalid={invalid} describedBy={describedBy} />
        <ExprToggle name={port.name} on onToggle={() => (setExpr(false), onChange(undefined))} />
      </div>
    );
  }
  const checked = value === undefined ? port.default === true : value === true || value === 'true';
  return (
    <div className="ps-row">
      <label className="ps-switch">
        <input type="checkbox" checked={checked} aria-label={port.name} aria-invalid={invalid || undefined} aria-describedby={describedBy} onChange={(e) => onChange(e.target.checked)} />
        <span>{checked ? 'true' : 'false'}</span>
      </label>
      <ExprToggle name={port.name} on={false} onToggle={() => (setExpr(true), onChange('{{  }}'))} />
    </div>
  );
}

function SelectEditor({ port, value, onChange, ctx, invalid, describedBy }: PortEditorProps) {
  const [expr, setExpr] = useState(isExpr(value));
  if (expr) {
    return (
      <div className="ps-row">
        <ExprInput value={typeof value === 'string' ? value : ''} onChange={onChange} ctx={ctx} label={port.name} invalid={invalid} describedBy={describedBy} />
        <ExprToggle name={port.name} on onToggle={() => (setExpr(false), onChange(undefined))} />
      </div>
    );
  }
  const current = value === undefined || value === null ? '' : String(value);
  // a value that is not one of the options (an older node, an import) stays shown as itself:
  // the select showed "default (…)" while the problem under it named the value
  const stray = current !== '' && !(port.options ?? []).includes(current) ? current : null;
  return (
    <div className="ps-row">
      <select
        className={`ps-input${invalid || stray !== null ? ' invalid' : ''}`}
        aria-label={port.name}
        aria-invalid={invalid || stray !== null || undefined}
        aria-describedby={describedBy}
        value={current}
        onChange={(e) => onChange(optionValue(port, e.target.value))}
      >
        <option value="">{port.default !== undefined ? `default (${String(port.default)})` : '—'}</option>
        {stray !== null ? <option value={stray}>{`${stray} (not an option)`}</option> : null}
        {(port.options ?? []).map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
      <ExprToggle name={port.name} on={false} onToggle={() => (setExpr(true), onChange('{{  }}'))} />
    </div>
  );
}

/** Secret and environment pickers: a known key from the project, or any key typed in. */
function KeyPicker({ port, value, onChange, keys, kind, invalid, describedBy }: PortEditorProps & { keys: string[]; kind: 'secret' | 'env' }) {
  const listId = useId();
  // a secret-typed port holds a placeholder; a key input (variable.secret's key) holds the name
  const wrap = kind === 'secret' ? port.type === 'secret' : false;
  const prefix = kind === 'secret' ? 'secret' : 'env';
  const re = new RegExp(`^<(?:${kind === 'secret' ? 'secret|sec' : 'env|environment'}):([^>]*)>$`);
  const raw = typeof value === 'string' ? value : '';
  const m = re.exec(raw);
  const key = wrap && m ? m[1]! : raw;
  return (
    <div className="ps-row">
      <input
        className={`ps-input${invalid ? ' invalid' : ''}`}
        list={listId}
        value={key}
        aria-label={port.name}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        placeholder={kind === 'secret' ? 'SECRET_KEY' : 'VARIABLE_NAME'}
        onChange={(e) => {
          const k = e.target.value;
          onChange(k === '' ? undefined : wrap ? `<${prefix}:${k}>` : k);
        }}
      />
      <datalist id={listId}>
        {keys.map((k) => (
          <option key={k} value={k} />
        ))}
      </datalist>
      {keys.length === 0 ? <span className="ps-hint">{kind === 'secret' ? 'no secrets yet' : 'no variables yet'}</span> : null}
    </div>
  );
}

/** The label of a flow in the flow picker: its name with its kind. */
export function flowLabel(f: FlowChoice): string {
  return f.kind ? `${f.name} (${f.kind})` : f.name;
}

/**
 * The flow picker: another flow of the project, stored by id. The open flow is not offered (a
 * flow cannot call itself); a value that names no offered flow (a deleted flow, an expression)
 * stays as an option of its own, so choosing nothing never drops it silently.
 */
export function FlowPicker({ port, value, onChange, flows = [], flowId = '', flowLinks, invalid, describedBy }: PortEditorProps) {
  const others = flows.filter((f) => f.id !== flowId).sort((a, b) => a.name.localeCompare(b.name) || a.kind.localeCompare(b.kind) || a.id.localeCompare(b.id));
  const current = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  const chosen = others.find((f) => f.id === current);
  const stray = current !== '' && !chosen ? current : null;
  return (
    <div className="ps-row">
      <select
        className={`ps-input${invalid || stray !== null ? ' invalid' : ''}`}
        aria-label={port.name}
        aria-invalid={invalid || stray !== null || undefined}
        aria-describedby={describedBy}
        value={current}
        onChange={(e) => onChange(e.target.value === '' ? undefined : e.target.value)}
      >
        <option value="">— choose a flow —</option>
        {stray !== null ? <option value={stray}>{stray === flowId ? `this flow ${stray} (a flow cannot call itself)` : `unknown flow ${stray}`}</option> : null}
        {others.map((f) => (
          <option key={f.id} value={f.id}>
            {flowLabel(f)}
          </option>
        ))}
      </select>
      {chosen && flowLinks ? (
        <a
          className="ps-button ps-small"
          href={flowLinks.href(chosen.id)}
          title={`Open ${chosen.name}`}
          onClick={(e) => {
            if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return; // a new tab or window
            e.preventDefault();
            flowLinks.open(chosen.id);
          }}
        >
          Open
        </a>
      ) : null}
      {others.length === 0 ? <span className="ps-hint">no other flows in this project</span> : null}
    </div>
  );
}

function JsonEditor({ port, value, onChange, ctx, invalid, describedBy, draft }: PortEditorProps) {
  const show = (v: unknown) => (v === undefined ? '' : JSON.stringify(v, null, 2));
  // text typed before that did not parse (the inspector showed another node since): shown again
  // (only over the value it was typed over: one changed since, by another tab say, goes)
  const [kept] = useState(() => {
    const d = draft ? getDraft(draft) : undefined;
    if (d && !draftOver(d, value)) {
      clearDraft(draft!);
      return undefined;
    }
    return d;
  });
  // the value the text is typed over: the node's, or what the text last parsed to
  const base = useRef(value);
  // and the value this typing began from
  const from = useRef(kept?.from ?? valueKey(value));
  const [text, setText] = useState(kept?.text ?? show(value));
  const [error, setError] = useState<string | null>(kept?.error ?? null);
  const errorId = useId();
  // the value as last seen: an outside change is one that differs from it
  const seen = useRef(JSON.stringify(value));
  useEffect(() => {
    const now = JSON.stringify(value);
    if (now === seen.current) return;
    seen.current = now;
    base.current = value;
    // follow outside changes (undo, another editor) unless they are what we typed
    let same = false;
    try {
      same = text.trim() !== '' && JSON.stringify(JSON.parse(text)) === JSON.stringify(value);
    } catch {
      same = false;
    }
    if (!same && !(text.trim() === '' && value === undefined)) {
      setText(show(value));
      setError(null);
      from.current = valueKey(value);
      if (draft) clearDraft(draft);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);
  return (
    <div>
      <Suspended>
        <CodeEditor
          value={text}
          language="json"
          ctx={ctx}
          label={port.name}
          invalid={invalid || !!error}
          describedBy={[error ? errorId : '', describedBy ?? ''].filter(Boolean).join(' ') || undefined}
          placeholder={port.default !== undefined ? JSON.stringify(port.default) : 'JSON, e.g. {"id": "{{ route.params.id }}"}'}
          onChange={(t) => {
            setText(t);
            if (t.trim() === '') {
              setError(null);
              if (draft) clearDraft(draft);
              seen.current = JSON.stringify(undefined);
              base.current = undefined;
              onChange(undefined);
              return;
            }
            let parsed: unknown;
            try {
              parsed = JSON.parse(t);
            } catch (e) {
              const why = e instanceof Error ? e.message : 'not valid JSON';
              setError(why);
              if (draft) setDraft(draft, { text: t, error: why, base: valueKey(base.current), from: from.current });
              return;
            }
            setError(null);
            if (draft) clearDraft(draft);
            seen.current = JSON.stringify(parsed);
            base.current = parsed;
            onChange(parsed);
          }}
        />
      </Suspended>
      {error ? (
        <div className="ps-field-error" id={errorId} data-testid={`json-draft-${port.name}`}>
          Not saved: {error}
          <span className="ps-hint">
            {' '}
            The node keeps its last valid value; this text stays here{draft ? `, also while another node is shown${draft.flow ? ' or the page is reloaded' : ''},` : ''} until it is valid JSON or emptied.
          </span>
        </div>
      ) : null}
    </div>
  );
}

/** Why a row's key is not usable, or null: empty, or a key an earlier row has (rows count from 1). */
export function rowKeyProblem(keys: readonly string[], i: number): string | null {
  const k = keys[i] ?? '';
  if (!k.trim()) return `Row ${i + 1} has no key: give it one, or remove the row.`;
  const first = keys.indexOf(k);
  if (first !== i) return `Row ${i + 1}'s key "${k}" is also row ${first + 1}'s: only one of them counts.`;
  return null;
}

/**
 * After a row or item's remove button took itself away: the focus goes to the remove button now
 * in its place, else the one before it, else the add button (it went to the page's body).
 */
function focusAfterRemove(root: HTMLElement | null, selector: string, index: number) {
  requestAnimationFrame(() => {
    if (!root?.isConnected) return;
    const all = [...root.querySelectorAll<HTMLElement>(selector)];
    (all[index] ?? all[index - 1] ?? root.querySelector<HTMLElement>('.ps-add-row'))?.focus();
  });
}

function DictEditor({ port, value, onChange, ctx }: PortEditorProps) {
  const rows = toRows(value);
  const set = (next: DictRow[]) => onChange(next.length ? next : undefined);
  const update = (i: number, patch: Partial<DictRow>) => set(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const keys = rows.map((r) => r.key);
  const box = useRef<HTMLDivElement>(null);
  const id = useId();
  return (
    <div className="ps-dict" ref={box}>
      {rows.length === 0 ? <div className="ps-hint">No rows. Each row's key becomes a sub-port {port.name}.key.</div> : null}
      {rows.map((r, i) => {
        const problem = rowKeyProblem(keys, i);
        return (
          <div className="ps-dict-row" key={i}>
            <input
              className={`ps-input ps-dict-key${problem ? ' invalid' : ''}`}
              value={r.key}
              placeholder="key"
              aria-label={`${port.name} row ${i + 1} key`}
              aria-invalid={problem ? true : undefined}
              aria-describedby={problem ? `${id}-row${i}` : undefined}
              onChange={(e) => update(i, { key: e.target.value })}
            />
            <select className="ps-input ps-dict-type" value={r.type ?? 'string'} aria-label={`${port.name} row ${i + 1} type`} onChange={(e) => update(i, { type: e.target.value })}>
              {['string', 'number', 'boolean', 'object', 'list', 'any'].map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
            <div className="ps-dict-value">
              <ExprInput
                value={showItem(r.value ?? '')}
                label={`${port.name} row ${i + 1} value`}
                ctx={ctx}
                onChange={(t) => update(i, { value: r.type && r.type !== 'string' ? parseItem(t) : t })}
              />
            </div>
            <div className="ps-dict-actions">
              <button type="button" className="ps-icon-button" title="Move up" aria-label={`Move ${port.name} row ${i + 1} up`} disabled={i === 0} onClick={() => set(rows.map((x, j) => (j === i - 1 ? rows[i]! : j === i ? rows[i - 1]! : x)))}>
                ↑
              </button>
              <button
                type="button"
                className="ps-icon-button ps-remove-row"
                title="Remove row"
                aria-label={`Remove ${port.name} row ${i + 1}`}
                onClick={() => {
                  set(rows.filter((_, j) => j !== i));
                  focusAfterRemove(box.current, '.ps-remove-row', i);
                }}
              >
                ✕
              </button>
            </div>
            {problem ? (
              <div className="ps-field-error ps-dict-problem" id={`${id}-row${i}`} style={{ gridColumn: '1 / -1' }}>
                {problem}
              </div>
            ) : null}
          </div>
        );
      })}
      <button
        type="button"
        className="ps-button ps-small ps-add-row"
        onClick={() => {
          set([...rows, { key: nextKey(keys), type: 'string', value: '' }]);
          // the new row's key takes the focus, to be named at once
          focusLast(box.current, '.ps-dict-key');
        }}
      >
        + Add row
      </button>
    </div>
  );
}

/** Focuses the last element matching selector under root once the row being added shows
 * (one more than now). */
function focusLast(root: HTMLElement | null, selector: string) {
  const before = root?.querySelectorAll(selector).length ?? 0;
  let tries = 0;
  const step = () => {
    const all = root?.querySelectorAll<HTMLElement>(selector);
    if (all && all.length > before) all[all.length - 1]!.focus();
    else if (++tries < 10) requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

function nextKey(keys: string[]): string {
  for (let i = 1; ; i++) if (!keys.includes(`key${i}`)) return `key${i}`;
}

function ListEditor({ port, value, onChange, ctx, invalid, describedBy }: PortEditorProps) {
  const items = Array.isArray(value) ? value : value === undefined || value === null || value === '' ? [] : [value];
  const set = (next: unknown[]) => onChange(next.length ? next : undefined);
  const box = useRef<HTMLDivElement>(null);
  if (isExpr(value)) {
    // the way back to items, as Use expression leads here (only emptying the text did)
    return (
      <div className="ps-row">
        <ExprInput value={value as string} onChange={onChange} ctx={ctx} label={port.name} invalid={invalid} describedBy={describedBy} />
        <ExprToggle name={port.name} on onToggle={() => onChange(undefined)} />
      </div>
    );
  }
  return (
    <div className="ps-list" ref={box}>
      {items.map((it, i) => (
        <div className="ps-list-row" key={i}>
          <ExprInput value={showItem(it)} label={`${port.name} item ${i + 1}`} ctx={ctx} onChange={(t) => set(items.map((x, j) => (j === i ? parseItem(t) : x)))} />
          <button
            type="button"
            className="ps-icon-button ps-remove-row"
            title="Remove item"
            aria-label={`Remove ${port.name} item ${i + 1}`}
            onClick={() => {
              set(items.filter((_, j) => j !== i));
              focusAfterRemove(box.current, '.ps-remove-row', i);
            }}
          >
            ✕
          </button>
        </div>
      ))}
      <div className="ps-row">
        <button
          type="button"
          className="ps-button ps-small ps-add-row"
          onClick={() => {
            set([...items, '']);
            focusLast(box.current, '.ps-list-row input, .ps-list-row textarea, .ps-list-row [contenteditable="true"]');
          }}
        >
          + Add item
        </button>
        <button type="button" className="ps-button ps-small ps-quiet" title="Use one expression that gives the whole list" onClick={() => onChange('{{  }}')}>
          Use expression
        </button>
      </div>
    </div>
  );
}

/** The editor for one port, chosen by its editor kind. */
export function PortEditor(props: PortEditorProps) {
  const { port, value, onChange, ctx, invalid, describedBy } = props;
  switch (port.editor ?? 'text') {
    case 'number':
      return <NumberEditor {...props} />;
    case 'boolean':
      return <BooleanEditor {...props} />;
    case 'select':
      return <SelectEditor {...props} />;
    case 'secret':
      return <KeyPicker {...props} keys={props.secretKeys} kind="secret" />;
    case 'env':
      return <KeyPicker {...props} keys={props.envKeys} kind="env" />;
    case 'flow':
      return <FlowPicker {...props} />;
    case 'json':
      return <JsonEditor {...props} />;
    case 'code':
    case 'template':
      return (
        <Suspended>
          <CodeEditor
            value={typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value)}
            language={port.editor === 'code' ? 'javascript' : 'template'}
            ctx={port.templated ? ctx : undefined}
            label={port.name}
            invalid={invalid}
            describedBy={describedBy}
            onChange={(t) => onChange(t === '' ? undefined : t)}
          />
        </Suspended>
      );
    case 'dict':
      return <DictEditor {...props} />;
    case 'list':
      return <ListEditor {...props} />;
    case 'none':
      return null;
    default:
      return (
        <ExprInput
          value={typeof value === 'string' ? value : value === undefined || value === null ? '' : JSON.stringify(value)}
          onChange={(t) => onChange(t === '' ? undefined : t)}
          ctx={ctx}
          label={port.name}
          invalid={invalid}
          describedBy={describedBy}
          placeholder={port.default !== undefined ? `default: ${String(port.default)}` : port.templated ? 'text or {{ expression }}' : ''}
          multiline={false}
        />
      );
  }
}
