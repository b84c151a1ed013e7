// Connecting ports without a mouse: with a node focused or selected, C opens this dialog (so does
// the inspector's Connect… button). Pick one of the node's outputs, then type to search the
// inputs that can take it (the same rules a drag follows: canConnect), move with ↑ ↓, Enter
// connects through the store's connect (the action a drag calls), Escape cancels. What happened
// is said in the editor's live region.

import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { portLabel, type CatalogIndex } from '../model/catalog';
import type { Connection, FlowDocument } from '../model/flow';
import { canConnect, nodeInputs, nodeOutputs } from '../model/graph';
import type { EditorStore } from '../store/editor';
import { Modal } from '../ui/Modal';

/** An input that can take a connection from the chosen output. */
export interface ConnectTarget {
  node: string;
  handle: string;
  /** The input's id as connections name it ("url", "headers.x"). */
  port: string;
  /** The input as the node shows it, and its type. */
  label: string;
  type: string;
  /** The node type's name ("HTTP response"). */
  typeName: string;
}

/** The outputs of a node, for the Output select: id, label and type. */
export function connectSources(doc: FlowDocument, catalog: CatalogIndex, nodeId: string): { port: string; label: string; type: string }[] {
  const n = doc.nodes.find((x) => x.id === nodeId);
  const t = n && catalog.get(n.type);
  if (!n || !t) return [];
  return nodeOutputs(n, t).map((p) => ({ port: p.id, label: p.sub ?? portLabel(p.spec), type: p.sub !== undefined ? 'row' : String(p.spec.type) }));
}

/** Every input of the other nodes that can take a connection from the output (canConnect's rules). */
export function connectTargets(doc: FlowDocument, catalog: CatalogIndex, from: Connection['from']): ConnectTarget[] {
  const out: ConnectTarget[] = [];
  for (const n of doc.nodes) {
    if (n.id === from.node) continue;
    const t = catalog.get(n.type);
    if (!t) continue;
    for (const p of nodeInputs(n, t)) {
      if (!canConnect(doc, catalog, { from, to: { node: n.id, port: p.id } }).ok) continue;
      out.push({ node: n.id, handle: n.handle, port: p.id, label: p.sub ?? portLabel(p.spec), type: p.sub !== undefined ? 'row' : String(p.spec.type), typeName: t.name });
    }
  }
  return out;
}

/** The targets whose node handle, node type, input or its type hold every word of the query. */
export function filterTargets(list: readonly ConnectTarget[], query: string): ConnectTarget[] {
  const words = query.toLowerCase().split(/[\s.]+/).filter(Boolean);
  if (!words.length) return [...list];
  return list.filter((t) => {
    const hay = `${t.handle} ${t.port} ${t.label} ${t.type} ${t.typeName}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

export interface ConnectDialogProps {
  store: EditorStore;
  /** The node whose output is connected. */
  node: string;
  onClose(): void;
  /** Says what happened (the editor's live region). */
  onMessage(text: string): void;
}

export function ConnectDialog({ store, node, onClose, onMessage }: ConnectDialogProps) {
  const doc = useStore(store, (s) => s.doc);
  const catalog = useStore(store, (s) => s.catalog);
  const from = doc.nodes.find((n) => n.id === node);
  const sources = useMemo(() => connectSources(doc, catalog, node), [doc, catalog, node]);
  // the first output that can go somewhere
  const [port, setPort] = useState(() => sources.find((s) => connectTargets(doc, catalog, { node, port: s.port }).length)?.port ?? sources[0]?.port ?? '');
  const targets = useMemo(() => (port ? connectTargets(doc, catalog, { node, port }) : []), [doc, catalog, node, port]);
  const [query, setQuery] = useState('');
  const shown = useMemo(() => filterTargets(targets, query), [targets, query]);
  const [active, setActive] = useState(0);
  useEffect(() => setActive(0), [query, port]);
  const search = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const id = useId();
  const optionId = (i: number) => `${id}-opt-${i}`;
  useEffect(() => {
    listRef.current?.querySelector(`[id="${optionId(active)}"]`)?.scrollIntoView?.({ block: 'nearest' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active]);

  if (!from) return null;
  const handle = from.handle;

  const connect = (t: ConnectTarget) => {
    const r = store.getState().connect({ from: { node, port }, to: { node: t.node, port: t.port } });
    if (!r.ok) {
      onMessage(`Not connected: ${r.reason}`);
      return;
    }
    onMessage(`Connected ${handle}.${port} to ${t.handle}.${t.port}`);
    onClose();
  };
  const cancel = () => {
    onMessage('No connection made');
    onClose();
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        setActive((a) => Math.min(a + 1, shown.length - 1));
        break;
      case 'ArrowUp':
        e.preventDefault();
        setActive((a) => Math.max(a - 1, 0));
        break;
      case 'Home':
        if (!shown.length) return;
        e.preventDefault();
        setActive(0);
        break;
      case 'End':
        if (!shown.length) return;
        e.preventDefault();
        setActive(shown.length - 1);
        break;
      case 'Enter':
        e.preventDefault();
        if (shown[active]) connect(shown[active]);
        break;
    }
  };

  const outLabel = sources.find((s) => s.port === port);
  return (
    <Modal labelledBy={`${id}-title`} className="ps-connect-dialog" onClose={cancel} closeOnBackdrop initialFocus={search}>
      <header className="ps-modal-header">
        <h2 id={`${id}-title`}>Connect from {handle}</h2>
        <button type="button" className="ps-icon-button" aria-label="Cancel" onClick={cancel}>
          ✕
        </button>
      </header>
      {sources.length === 0 ? (
        <p className="ps-hint">This node has no outputs.</p>
      ) : (
        <>
          <label className="ps-field">
            <span className="ps-label">Output</span>
            <select className="ps-input" value={port} onChange={(e) => setPort(e.target.value)}>
              {sources.map((s) => (
                <option key={s.port} value={s.port}>
                  {s.label} ({s.type})
                </option>
              ))}
            </select>
          </label>
          <label className="ps-field">
            <span className="ps-label">To input</span>
            <input
              ref={search}
              className="ps-input"
              role="combobox"
              aria-expanded="true"
              aria-controls={`${id}-list`}
              aria-autocomplete="list"
              aria-activedescendant={shown[active] ? optionId(active) : undefined}
              aria-describedby={`${id}-count`}
              placeholder="Search nodes and inputs"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              onKeyDown={onKeyDown}
            />
          </label>
          <p id={`${id}-count`} className="ps-hint" role="status" aria-live="polite">
            {targets.length === 0
              ? `No input can take ${handle}.${port}${outLabel ? ` (${outLabel.type})` : ''}: inputs of another type, taken ones and ones that would close a cycle are left out.`
              : `${shown.length} of ${targets.length} input${targets.length === 1 ? '' : 's'} can take ${handle}.${port}. ↑ ↓ to move, Enter connects, Escape cancels.`}
          </p>
          <ul className="ps-connect-list" id={`${id}-list`} role="listbox" aria-label="Inputs" ref={listRef}>
            {shown.map((t, i) => (
              <li
                key={`${t.node}/${t.port}`}
                id={optionId(i)}
                role="option"
                aria-selected={i === active}
                className={`ps-connect-option${i === active ? ' active' : ''}`}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => connect(t)}
              >
                <span className="ps-mono">
                  {t.handle}.{t.port}
                </span>{' '}
                <span className="ps-hint">
                  {t.typeName} · {t.label} ({t.type})
                </span>
              </li>
            ))}
          </ul>
        </>
      )}
    </Modal>
  );
}
