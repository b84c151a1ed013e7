// Group actions: "Group" in the toolbar makes a group of the selected nodes; a selected group
// box gets a panel to open, rename, expose ports and dissolve; inside an open group a banner
// names it and closes it. Every change is one undoable edit of the document.

import { Panel } from '@xyflow/react';
import { useEffect, useRef, useState } from 'react';
import { useStore } from 'zustand';
import { findByAttr, focusWhenShown } from '../canvas/focusAfter';
import type { FlowDocument } from '../model/flow';
import type { EditorStore } from '../store/editor';
import { addMembers, createGroup, dissolveGroup, exposePort, findGroup, GroupError, renameGroup, type Side, unexposePort } from './model';
import { groupUi } from './state';
import './groups.css';

function apply(store: EditorStore, f: (d: FlowDocument) => FlowDocument): string | null {
  try {
    store.getState().edit(f);
    return null;
  } catch (e) {
    if (e instanceof GroupError) return e.message;
    throw e;
  }
}

/**
 * Makes a group of the selected nodes (one undo step) and selects it; returns what to tell
 * the person.
 */
export function groupSelection(store: EditorStore): string {
  const ui = groupUi(store);
  if (ui.getState().open) return 'Close the open group to make another.';
  let made = '';
  const problem = apply(store, (d) => {
    const r = createGroup(d, store.getState().selection.nodes);
    made = r.group.id;
    return r.doc;
  });
  if (problem) return problem;
  store.getState().clearSelection();
  ui.getState().setSelected(made);
  return 'Grouped — double-click the group, or press Enter on it, to open it';
}

/** The toolbar button: group the selected nodes. */
export function GroupButton({ store, onMessage }: { store: EditorStore; onMessage?(text: string): void }) {
  const ui = groupUi(store);
  const count = useStore(store, (s) => s.selection.nodes.length);
  const open = useStore(ui, (s) => s.open);
  return (
    <button
      type="button"
      className="ps-button ps-small"
      disabled={count === 0 || open !== null}
      title={open ? 'Close the open group to make another' : 'Group the selected nodes (Ctrl+G)'}
      onClick={() => {
        const text = groupSelection(store);
        onMessage?.(text);
      }}
    >
      Group
    </button>
  );
}

/** The banner inside an open group and the panel of a selected group (canvas overlays). */
export function GroupOverlay({ store }: { store: EditorStore }) {
  const ui = groupUi(store);
  const open = useStore(ui, (s) => s.open);
  const selected = useStore(ui, (s) => s.selected);
  const doc = useStore(store, (s) => s.doc);
  const openGroup = open ? findGroup(doc, open) : undefined;
  const selectedGroup = selected ? findGroup(doc, selected) : undefined;

  // nodes placed or pasted while a group is open join it (in the same undo step)
  const known = useRef<Set<string> | null>(null);
  useEffect(() => {
    const ids = new Set(doc.nodes.map((n) => n.id));
    const before = known.current;
    known.current = ids;
    if (!open || !before) return;
    const fresh = doc.nodes.filter((n) => !before.has(n.id) && !n.group).map((n) => n.id);
    if (fresh.length) store.getState().edit((d) => addMembers(d, open, fresh), { record: false });
  }, [doc, open, store]);

  return (
    <>
      {openGroup ? (
        <Panel position="top-center">
          <div className="ps-group-banner" role="region" aria-label="Open group">
            <span>
              Inside group <strong>{openGroup.name}</strong>
            </span>
            <button type="button" className="ps-button ps-small" onClick={() => ui.getState().setOpen(null)}>
              Close group
            </button>
          </div>
        </Panel>
      ) : null}
      {selectedGroup && !openGroup ? (
        <Panel position="top-right">
          <GroupPanel key={selectedGroup.id} store={store} id={selectedGroup.id} />
        </Panel>
      ) : null}
    </>
  );
}

function GroupPanel({ store, id }: { store: EditorStore; id: string }) {
  const ui = groupUi(store);
  const doc = useStore(store, (s) => s.doc);
  const catalog = useStore(store, (s) => s.catalog);
  const g = findGroup(doc, id);
  const [name, setName] = useState(g?.name ?? '');
  const [problem, setProblem] = useState<string | null>(null);
  const [choice, setChoice] = useState('');
  if (!g) return null;
  const handleOf = (nid: string) => doc.nodes.find((n) => n.id === nid)?.handle ?? nid;
  const members = doc.nodes.filter((n) => g.members.includes(n.id));
  const exposed = new Set([...(g.inputs ?? []).map((e) => `inputs|${e.node}|${e.port}`), ...(g.outputs ?? []).map((e) => `outputs|${e.node}|${e.port}`)]);
  const candidates = members.flatMap((n) => {
    const t = catalog.get(n.type);
    if (!t) return [];
    return [
      ...t.inputs.map((p) => ({ side: 'inputs' as Side, node: n.id, port: p.name, label: `in  ${n.handle}.${p.name}` })),
      ...t.outputs.map((p) => ({ side: 'outputs' as Side, node: n.id, port: p.name, label: `out ${n.handle}.${p.name}` })),
    ].filter((c) => !exposed.has(`${c.side}|${c.node}|${c.port}`));
  });
  const run = (f: Parameters<typeof apply>[1]) => setProblem(apply(store, f));

  const list = (side: Side) => {
    const items = g[side] ?? [];
    return items.length ? (
      <ul aria-label={side === 'inputs' ? 'Exposed inputs' : 'Exposed outputs'}>
        {items.map((e) => (
          <li key={e.name}>
            <span className="ps-mono">{e.name}</span> <span className="ps-hint">{`${handleOf(e.node)}.${e.port}`}</span>{' '}
            <button type="button" className="ps-link" aria-label={`Stop exposing ${e.name}`} onClick={() => run((d) => unexposePort(d, id, side, e.name))}>
              ×
            </button>
          </li>
        ))}
      </ul>
    ) : (
      <p className="ps-hint">None</p>
    );
  };

  return (
    <div className="ps-group-panel" role="region" aria-label="Group">
      <div className="ps-row">
        <strong>Group</strong>
        <span className="ps-toolbar-spacer" />
        <button type="button" className="ps-icon-button" aria-label="Close the group panel" onClick={() => ui.getState().setSelected(null)}>
          ×
        </button>
      </div>
      <form
        className="ps-row"
        onSubmit={(e) => {
          e.preventDefault();
          run((d) => renameGroup(d, id, name));
        }}
      >
        <input className="ps-input" aria-label="Group name" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="ps-button ps-small" disabled={name.trim() === g.name}>
          Rename
        </button>
      </form>
      <div>
        <strong>Inputs</strong>
        {list('inputs')}
        <strong>Outputs</strong>
        {list('outputs')}
      </div>
      <div className="ps-row">
        <select className="ps-input" aria-label="Port to expose" value={choice} onChange={(e) => setChoice(e.target.value)}>
          <option value="">Port to expose…</option>
          {candidates.map((c) => (
            <option key={`${c.side}|${c.node}|${c.port}`} value={`${c.side}|${c.node}|${c.port}`}>
              {c.label}
            </option>
          ))}
        </select>
        <button
          type="button"
          className="ps-button ps-small"
          disabled={!choice}
          onClick={() => {
            const [side, node, port] = choice.split('|') as [Side, string, string];
            run((d) => exposePort(d, catalog, id, side, node, port));
            setChoice('');
          }}
        >
          Expose
        </button>
      </div>
      {problem ? (
        <p className="ps-field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="ps-row">
        <button type="button" className="ps-button ps-small ps-primary" onClick={() => ui.getState().setOpen(id)}>
          Open group
        </button>
        <button
          type="button"
          className="ps-button ps-small"
          onClick={(e) => {
            // the panel goes with the group: the focus goes to the first node it held (it
            // went to the page's body)
            const first = findGroup(store.getState().doc, id)?.members[0];
            const flow = e.currentTarget.closest('.react-flow');
            run((d) => dissolveGroup(d, id));
            ui.getState().setSelected(null);
            if (first && flow) focusWhenShown(() => findByAttr(flow, '.react-flow__node', 'data-id', first));
          }}
        >
          Dissolve
        </button>
      </div>
    </div>
  );
}
