// Connecting ports without a mouse: with a node focused or selected, C opens this dialog (so does
// the inspector's Connect… button). It starts from the node: pick which of its outputs (when it
// has more than one), then type to search the inputs of the other nodes. The inputs that can take
// the output (the same rules a drag follows: canConnect) come first; the ones that cannot are
// listed after them, greyed, each saying why (another type, a source already, already connected,
// a cycle). ↑ ↓ Home End move, Enter connects through the store's connect (the action a drag
// calls), Escape cancels. What happened is said in the editor's live region.

import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { portLabel, type CatalogIndex } from '../model/catalog';
import type { Connection, FlowDocument } from '../model/flow';
import { canConnect, nodeInputs, nodeOutputs } from '../model/graph';
import { PORT_TRUE } from '../model/ports';
import type { EditorStore } from '../store/editor';
import { Modal } from '../ui/Modal';

/** An input of another node, and whether it can take a connection from the chosen output. */
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
  /** Why it cannot take the output (short, shown beside it); undefined when it can. */
  why?: string;
}

/** The outputs of a node, for the Output select: id, label and type. */
export function connectSources(doc: FlowDocument, catalog: CatalogIndex, nodeId: string): { port: string; label: string; type: string }[] {
  const n = doc.nodes.find((x) => x.id === nodeId);
  const t = n && catalog.get(n.type);
  if (!n || !t) return [];
  return nodeOutputs(n, t).map((p) => ({ port: p.id, label: p.sub ?? portLabel(p.spec), type: p.sub !== undefined ? 'row' : String(p.spec.type) }));
}

/**
 * The output the dialog starts on: a trigger's path on (true path), which is what a flow is
 * drawn from (its data outputs, method, path, message, are read with expressions); any other
 * node's first output (its result, or the service it provides). undefined for an unknown node.
 */
export function mainOutput(doc: FlowDocument, catalog: CatalogIndex, nodeId: string): string | undefined {
  const n = doc.nodes.find((x) => x.id === nodeId);
  const t = n && catalog.get(n.type);
  if (!n || !t) return undefined;
  const outs = nodeOutputs(n, t);
  if (t.trigger && outs.some((p) => p.id === PORT_TRUE)) return PORT_TRUE;
  return outs[0]?.id;
}

/** Why an input cannot take the connection, in a few words. */
function whyNot(doc: FlowDocument, from: Connection['from'], fromType: string, to: { node: string; port: string; type: string }, code: string | undefined, reason: string): string {
  const name = (c: Connection['from']) => `${doc.nodes.find((n) => n.id === c.node)?.handle ?? c.node}.${c.port}`;
  switch (code) {
    case 'type':
      return `takes ${to.type}, not ${fromType}`;
    case 'duplicate':
      return `already connected from ${name(from)}`;
    case 'taken': {
      const src = doc.connections.find((c) => c.to.node === to.node && c.to.port === to.port);
      return src ? `has a source (${name(src.from)}); it takes one` : 'has a source; it takes one';
    }
    case 'cycle':
      return 'would close a cycle';
    default:
      return reason;
  }
}

/**
 * Every input of the other nodes, for the output: the ones that can take it (canConnect's
 * rules) first, then the ones that cannot with why; each part in the document's order. From a
 * path output (true path, false path, a case) the nodes' control inputs (node), where a path
 * goes on, come first among the ones that can take it: Enter on a trigger's true path went to
 * the first node's first data input (an HTTP response's status).
 */
export function connectCandidates(doc: FlowDocument, catalog: CatalogIndex, from: Connection['from']): ConnectTarget[] {
  const ok: ConnectTarget[] = [];
  const okControl: ConnectTarget[] = [];
  const not: ConnectTarget[] = [];
  const fromType = connectSources(doc, catalog, from.node).find((s) => s.port === from.port)?.type ?? 'this type';
  const fromNode = doc.nodes.find((n) => n.id === from.node);
  const fromSpec = fromNode && catalog.get(fromNode.type);
  const branch = !!(fromNode && fromSpec && nodeOutputs(fromNode, fromSpec).find((p) => p.id === from.port)?.spec.branch);
  for (const n of doc.nodes) {
    if (n.id === from.node) continue;
    const t = catalog.get(n.type);
    if (!t) continue;
    for (const p of nodeInputs(n, t)) {
      const target: ConnectTarget = { node: n.id, handle: n.handle, port: p.id, label: p.sub ?? portLabel(p.spec), type: p.sub !== undefined ? 'row' : String(p.spec.type), typeName: t.name };
      const r = canConnect(doc, catalog, { from, to: { node: n.id, port: p.id } });
      if (r.ok) (branch && p.spec.control ? okControl : ok).push(target);
      else not.push({ ...target, why: whyNot(doc, from, fromType, { node: n.id, port: p.id, type: String(p.spec.type) }, r.code, r.reason) });
    }
  }
  return [...okControl, ...ok, ...not];
}

/** Every input of the other nodes that can take a connection from the output (canConnect's rules). */
export function connectTargets(doc: FlowDocument, catalog: CatalogIndex, from: Connection['from']): ConnectTarget[] {
  return connectCandidates(doc, catalog, from).filter((t) => !t.why);
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

const inputs = (n: number) => `${n} input${n === 1 ? '' : 's'}`;

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
  // how many inputs each output can feed (shown in the Output select)
  const reach = useMemo(() => new Map(sources.map((s) => [s.port, connectTargets(doc, catalog, { node, port: s.port }).length])), [doc, catalog, node, sources]);
  // the node's main output when it can go somewhere, else the first that can
  const [port, setPort] = useState(() => {
    const main = mainOutput(doc, catalog, node);
    if (main && reach.get(main)) return main;
    return sources.find((s) => reach.get(s.port))?.port ?? main ?? sources[0]?.port ?? '';
  });
  const candidates = useMemo(() => (port ? connectCandidates(doc, catalog, { node, port }) : []), [doc, catalog, node, port]);
  const able = candidates.filter((t) => !t.why).length;
  const [query, setQuery] = useState('');
  const shown = useMemo(() => filterTargets(candidates, query), [candidates, query]);
  const shownAble = shown.filter((t) => !t.why).length;
  const [active, setActive] = useState(0);
  // why the last Enter did nothing (a greyed input), said in the dialog until the next move
  const [refusedNote, setRefusedNote] = useState<string | null>(null);
  useEffect(() => {
    setActive(0);
    setRefusedNote(null);
  }, [query, port]);
  const search = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const id = useId();
  const optionId = (i: number) => `${id}-opt-${i}`;
  useEffect(() => {
    listRef.current?.querySelector(`[id="${optionId(active)}"]`)?.scrollIntoView?.({ block: 'nearest' });
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [active]);

  // the node went while the dialog was open (its draft replaced by another tab's): nothing to connect
  const gone = !from;
  useEffect(() => {
    if (gone) onClose();
  }, [gone, onClose]);
  if (!from) return null;
  const handle = from.handle;

  const connect = (t: ConnectTarget) => {
    if (t.why) {
      setRefusedNote(`${t.handle}.${t.port} cannot take ${handle}.${port}: it ${t.why}.`);
      return;
    }
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
  const move = (to: number) => {
    setRefusedNote(null);
    setActive(Math.max(0, Math.min(to, shown.length - 1)));
  };

  const onKeyDown = (e: React.KeyboardEvent<HTMLInputElement>) => {
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        move(active + 1);
        break;
      case 'ArrowUp':
        e.preventDefault();
        move(active - 1);
        break;
      case 'PageDown':
        e.preventDefault();
        move(active + 8);
        break;
      case 'PageUp':
        e.preventDefault();
        move(active - 8);
        break;
      case 'Home':
        if (!shown.length) return;
        e.preventDefault();
        move(0);
        break;
      case 'End':
        if (!shown.length) return;
        e.preventDefault();
        move(shown.length - 1);
        break;
      case 'Enter':
        e.preventDefault();
        if (shown[active]) connect(shown[active]);
        break;
    }
  };

  const out = sources.find((s) => s.port === port);
  const outName = `${handle}.${port}${out ? ` (${out.type})` : ''}`;
  let status: string;
  if (refusedNote) status = refusedNote;
  else if (able === 0) status = `No input can take ${outName}${candidates.length ? '; the inputs listed say why' : ': there are no other nodes with inputs'}.${sources.length > 1 ? ' Try another output.' : ''}`;
  else if (query && shown.length === 0) status = `No input matches “${query}”.`;
  else
    status = `${shownAble} of ${inputs(able)} can take ${handle}.${port}${shown.length > shownAble ? `; ${shown.length - shownAble} cannot (greyed, with why)` : ''}. ↑ ↓ to move, Enter connects, Escape cancels.`;

  return (
    <Modal labelledBy={`${id}-title`} className="ps-connect-dialog" onClose={cancel} closeOnBackdrop initialFocus={search}>
      <header className="ps-modal-header">
        <h2 id={`${id}-title`}>Connect from {handle}</h2>
        <button type="button" className="ps-icon-button" aria-label="Cancel" onClick={cancel}>
          ✕
        </button>
      </header>
      {sources.length === 0 ? (
        <p className="ps-hint" role="status">
          {handle} has no outputs to connect. Choose a node with outputs (its ports on the right), then press C.
        </p>
      ) : (
        <>
          {sources.length > 1 ? (
            <label className="ps-field">
              <span className="ps-label">Output</span>
              <select className="ps-input" value={port} onChange={(e) => setPort(e.target.value)}>
                {sources.map((s) => {
                  const n = reach.get(s.port) ?? 0;
                  return (
                    <option key={s.port} value={s.port}>
                      {s.label} ({s.type}) · {n ? `${inputs(n)} can take it` : 'no input can take it'}
                    </option>
                  );
                })}
              </select>
            </label>
          ) : (
            <p className="ps-field">
              <span className="ps-label">Output</span> <span className="ps-mono">{out ? `${out.label} (${out.type})` : port}</span>
            </p>
          )}
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
              placeholder="Type to filter: node, input or type"
              value={query}
              onChange={(e) => setQuery(e.target.value)}
              onKeyDown={onKeyDown}
            />
          </label>
          <p id={`${id}-count`} className={refusedNote ? 'ps-field-error' : 'ps-hint'} role="status" aria-live="polite">
            {status}
          </p>
          <ul className="ps-connect-list" id={`${id}-list`} role="listbox" aria-label="Inputs" ref={listRef}>
            {shown.map((t, i) => (
              <li
                key={`${t.node}/${t.port}`}
                id={optionId(i)}
                role="option"
                aria-selected={i === active}
                aria-disabled={t.why ? true : undefined}
                className={`ps-connect-option${i === active ? ' active' : ''}${t.why ? ' disabled' : ''}`}
                title={t.why ? `Cannot connect: it ${t.why}` : undefined}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => {
                  setActive(i);
                  connect(t);
                }}
              >
                <span className="ps-mono">
                  {t.handle}.{t.port}
                </span>{' '}
                <span className="ps-hint">
                  {t.typeName} · {t.label} ({t.type})
                </span>
                {t.why ? <span className="ps-connect-why"> — {t.why}</span> : null}
              </li>
            ))}
          </ul>
        </>
      )}
    </Modal>
  );
}
