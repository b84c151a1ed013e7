// The editor store: one per open flow. It holds the document, the selection and the undo
// history, and every edit goes through it so undo/redo, autosave and validation see the
// same changes. It is a vanilla zustand store, usable without React (tests, the saver).

import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CatalogIndex } from '../model/catalog';
import { copyNodes, parseClipboard, pasteNodes } from '../model/clipboard';
import { renameInValue } from '../model/expressions';
import {
  type Connection,
  connectionKey,
  emptyDocument,
  type FlowDocument,
  type FlowNode,
  type FlowSettings,
  type FlowState,
  newId,
  type NodeSettings,
  type Position,
  rowKeys,
} from '../model/flow';
import { canConnect, type ConnectCheck } from '../model/graph';
import { baseHandleForType, handleProblem, uniqueHandle } from '../model/handles';
import { layoutPositions, type Size } from '../model/layout';

/** How many steps undo remembers. */
export const HISTORY_LIMIT = 200;
/** Edits with the same coalesce key closer together than this are one undo step. */
export const COALESCE_MS = 1000;

export interface Selection {
  nodes: string[];
  edges: string[];
}

export interface EditorState {
  catalog: CatalogIndex;
  doc: FlowDocument;
  selection: Selection;
  past: FlowDocument[];
  future: FlowDocument[];
  /** The key and time of the last recorded edit, for coalescing typing into one step. */
  lastEdit: { key: string; at: number } | null;
  /** Increments on every document change; savers compare it. */
  changes: number;
  snapToGrid: boolean;
  /** The signed-in member may only look (a viewer): edits, undo and redo change nothing;
   * selecting, copying and loading a document still work. */
  readOnly: boolean;
}

export interface EditOptions {
  /** Merge with the previous edit of the same key (typing in one field). */
  coalesce?: string;
  /** false: change the document without an undo step (during a drag, after checkpoint()). */
  record?: boolean;
}

export interface EditorActions {
  /** Replaces the document; with keepHistory the replacement is one undo step. */
  load(doc: FlowDocument, opts?: { keepHistory?: boolean }): void;
  /** Applies a change to the document as one undo step. */
  edit(f: (doc: FlowDocument) => FlowDocument, opts?: EditOptions): void;
  /** Records the current document as an undo step (before a drag). */
  checkpoint(): void;
  undo(): void;
  redo(): void;
  addNode(typeId: string, position: Position): string | null;
  moveNodes(positions: Map<string, Position>, opts?: EditOptions): void;
  removeNodes(ids: string[]): void;
  removeConnections(keys: string[]): void;
  /** Removes the selected nodes and connections, and alsoNodes (a selected group box's members), as one step. */
  removeSelection(alsoNodes?: string[]): void;
  connect(c: Connection): ConnectCheck;
  reconnect(oldKey: string, c: Connection): ConnectCheck;
  setValue(nodeId: string, port: string, value: unknown): void;
  /** Renames a node's handle and the expressions that read it; returns the problem, if any. */
  setHandle(nodeId: string, handle: string): string | null;
  setNotes(nodeId: string, notes: string): void;
  setSettings(nodeId: string, settings: NodeSettings): void;
  /** Sets the flow's own run settings (the document's `settings`); undefined clears one. */
  setFlowSettings(settings: FlowSettings): void;
  setFlowState(nodeId: string, state: FlowState): void;
  select(sel: Partial<Selection>, mode?: 'replace' | 'add' | 'toggle'): void;
  selectAll(): void;
  clearSelection(): void;
  /** The selection as clipboard JSON, or null when nothing is selected. */
  /** The selection (and alsoNodes: a selected group box's members) as clipboard text. */
  copySelection(alsoNodes?: string[]): string | null;
  /** Pastes clipboard JSON; returns the new node ids (empty when the text was not ours). */
  paste(text: string, at?: Position): string[];
  duplicateSelection(alsoNodes?: string[]): string[];
  /** Lays out the selection (when more than one node) or everything; with `open` (an
   * entered group) only that group's members. Groups move as one box. */
  autoLayout(sizes: Map<string, Size>, open?: string | null): void;
  setSnapToGrid(on: boolean): void;
  setReadOnly(on: boolean): void;
}

export type EditorStore = StoreApi<EditorState & EditorActions>;

const now = () => Date.now();

/** Why an edit of a read-only flow did nothing. */
export const READ_ONLY = 'viewers can look at this flow but not change it';

function updateNode(doc: FlowDocument, id: string, f: (n: FlowNode) => FlowNode): FlowDocument {
  let changed = false;
  const nodes = doc.nodes.map((n) => {
    if (n.id !== id) return n;
    const m = f(n);
    if (m !== n) changed = true;
    return m;
  });
  return changed ? { ...doc, nodes } : doc;
}

/** Creates the store of one open flow. */
export function createEditorStore(catalog: CatalogIndex, doc: FlowDocument = emptyDocument()): EditorStore {
  return createStore<EditorState & EditorActions>()((set, get) => {
    /** The selection an edit chose along with the document it made (a paste selects what it
     * pasted): redo brings the document back with that selection, as right after the edit. */
    const chosen = new WeakMap<FlowDocument, Selection>();
    const commit = (next: FlowDocument, opts: EditOptions = {}, selection?: Selection) => {
      const s = get();
      if (next === s.doc && !selection) return;
      if (s.readOnly && next !== s.doc) return; // an edit, refused whole (its selection too)
      if (next === s.doc) {
        set({ selection: selection! });
        return;
      }
      const t = now();
      let past = s.past;
      let lastEdit = s.lastEdit;
      if (opts.record !== false) {
        const merge = opts.coalesce && lastEdit && lastEdit.key === opts.coalesce && t - lastEdit.at < COALESCE_MS;
        if (!merge) {
          past = [...past, s.doc];
          if (past.length > HISTORY_LIMIT) past = past.slice(past.length - HISTORY_LIMIT);
        }
        lastEdit = opts.coalesce ? { key: opts.coalesce, at: t } : null;
      }
      if (selection) chosen.set(next, selection);
      set({
        doc: next,
        past,
        future: opts.record === false ? s.future : [],
        lastEdit,
        changes: s.changes + 1,
        ...(selection ? { selection } : {}),
      });
    };

    const pruneSelection = (d: FlowDocument, sel: Selection): Selection => {
      const ids = new Set(d.nodes.map((n) => n.id));
      const keys = new Set(d.connections.map(connectionKey));
      return { nodes: sel.nodes.filter((n) => ids.has(n)), edges: sel.edges.filter((e) => keys.has(e)) };
    };

    return {
      catalog,
      doc,
      selection: { nodes: [], edges: [] },
      past: [],
      future: [],
      lastEdit: null,
      changes: 0,
      snapToGrid: true,
      readOnly: false,

      load(d, opts = {}) {
        const s = get();
        if (opts.keepHistory) {
          commit(d, {}, pruneSelection(d, s.selection));
          return;
        }
        set({ doc: d, past: [], future: [], lastEdit: null, selection: { nodes: [], edges: [] }, changes: s.changes + 1 });
      },

      edit(f, opts) {
        commit(f(get().doc), opts);
      },

      checkpoint() {
        const s = get();
        if (s.readOnly) return;
        set({ past: [...s.past, s.doc].slice(-HISTORY_LIMIT), future: [], lastEdit: null });
      },

      undo() {
        const s = get();
        const prev = s.past[s.past.length - 1];
        if (!prev || s.readOnly) return;
        set({
          doc: prev,
          past: s.past.slice(0, -1),
          future: [s.doc, ...s.future],
          lastEdit: null,
          changes: s.changes + 1,
          selection: pruneSelection(prev, s.selection),
        });
      },

      redo() {
        const s = get();
        const next = s.future[0];
        if (!next || s.readOnly) return;
        set({
          doc: next,
          past: [...s.past, s.doc],
          future: s.future.slice(1),
          lastEdit: null,
          changes: s.changes + 1,
          selection: pruneSelection(next, chosen.get(next) ?? s.selection),
        });
      },

      addNode(typeId, position) {
        const s = get();
        const t = s.catalog.get(typeId);
        if (!t || s.readOnly) return null;
        const id = newId();
        const handle = uniqueHandle(baseHandleForType(t.id), new Set(s.doc.nodes.map((n) => n.handle)));
        const node: FlowNode = { id, handle, type: t.id, version: t.version, position: { x: Math.round(position.x), y: Math.round(position.y) } };
        commit({ ...s.doc, nodes: [...s.doc.nodes, node] }, {}, { nodes: [id], edges: [] });
        return id;
      },

      moveNodes(positions, opts) {
        const d = get().doc;
        let changed = false;
        const nodes = d.nodes.map((n) => {
          const p = positions.get(n.id);
          if (!p || (p.x === n.position.x && p.y === n.position.y)) return n;
          changed = true;
          return { ...n, position: { x: p.x, y: p.y } };
        });
        if (changed) commit({ ...d, nodes }, opts);
      },

      removeNodes(ids) {
        const set_ = new Set(ids);
        const d = get().doc;
        if (!d.nodes.some((n) => set_.has(n.id))) return;
        const next: FlowDocument = {
          ...d,
          nodes: d.nodes.filter((n) => !set_.has(n.id)),
          connections: d.connections.filter((c) => !set_.has(c.from.node) && !set_.has(c.to.node)),
          groups: (d.groups ?? [])
            .map((g) => ({ ...g, members: g.members.filter((m) => !set_.has(m)) }))
            .filter((g) => g.members.length > 0),
        };
        commit(next, {}, pruneSelection(next, get().selection));
      },

      removeConnections(keys) {
        const set_ = new Set(keys);
        const d = get().doc;
        if (!d.connections.some((c) => set_.has(connectionKey(c)))) return;
        const next = { ...d, connections: d.connections.filter((c) => !set_.has(connectionKey(c))) };
        commit(next, {}, pruneSelection(next, get().selection));
      },

      removeSelection(alsoNodes = []) {
        const { selection, doc: d } = get();
        const nodes = new Set([...selection.nodes, ...alsoNodes]);
        const edges = new Set(selection.edges);
        if (!nodes.size && !edges.size) return;
        const next: FlowDocument = {
          ...d,
          nodes: d.nodes.filter((n) => !nodes.has(n.id)),
          connections: d.connections.filter((c) => !edges.has(connectionKey(c)) && !nodes.has(c.from.node) && !nodes.has(c.to.node)),
          groups: (d.groups ?? []).map((g) => ({ ...g, members: g.members.filter((m) => !nodes.has(m)) })).filter((g) => g.members.length > 0),
        };
        commit(next, {}, { nodes: [], edges: [] });
      },

      connect(c) {
        const s = get();
        if (s.readOnly) return { ok: false, reason: READ_ONLY };
        const check = canConnect(s.doc, s.catalog, c);
        if (!check.ok) return check;
        const conn: Connection = { from: { ...c.from }, to: { ...c.to } };
        commit({ ...s.doc, connections: [...s.doc.connections, conn] }, {}, { nodes: [], edges: [connectionKey(conn)] });
        return check;
      },

      reconnect(oldKey, c) {
        if (get().readOnly) return { ok: false, reason: READ_ONLY };
        const s = get();
        const check = canConnect(s.doc, s.catalog, c, oldKey);
        if (!check.ok) return check;
        const conn: Connection = { from: { ...c.from }, to: { ...c.to } };
        const connections = s.doc.connections.map((e) => (connectionKey(e) === oldKey ? conn : e));
        commit({ ...s.doc, connections }, {}, { nodes: [], edges: [connectionKey(conn)] });
        return check;
      },

      setValue(nodeId, port, value) {
        const d = get().doc;
        const before = d.nodes.find((n) => n.id === nodeId);
        let next = updateNode(d, nodeId, (n) => {
          const values = { ...(n.values ?? {}) };
          if (value === undefined) delete values[port];
          else values[port] = value;
          return { ...n, values };
        });
        // a dict row that disappeared takes its sub-port connections with it
        const after = next.nodes.find((n) => n.id === nodeId);
        if (before && after) {
          const gone = rowKeys(before, port).filter((k) => !rowKeys(after, port).includes(k));
          if (gone.length) {
            const subs = new Set(gone.map((k) => `${port}.${k}`));
            next = {
              ...next,
              connections: next.connections.filter(
                (c) => !((c.to.node === nodeId && subs.has(c.to.port)) || (c.from.node === nodeId && subs.has(c.from.port))),
              ),
            };
          }
        }
        commit(next, { coalesce: `value:${nodeId}:${port}` });
      },

      setHandle(nodeId, handle) {
        const d = get().doc;
        const node = d.nodes.find((n) => n.id === nodeId);
        if (!node) return 'the node is not in the flow';
        if (node.handle === handle) return null;
        if (get().readOnly) return READ_ONLY;
        const problem = handleProblem(handle, d.nodes.filter((n) => n.id !== nodeId).map((n) => n.handle));
        if (problem) return problem;
        const old = node.handle;
        const nodes = d.nodes.map((n) => {
          const m = n.id === nodeId ? { ...n, handle } : n;
          if (!m.values || !old) return m;
          const values = renameInValue(m.values, old, handle) as Record<string, unknown>;
          return values === m.values ? m : { ...m, values };
        });
        commit({ ...d, nodes }, { coalesce: `handle:${nodeId}` });
        return null;
      },

      setNotes(nodeId, notes) {
        commit(
          updateNode(get().doc, nodeId, (n) => (n.notes === notes ? n : { ...n, notes })),
          { coalesce: `notes:${nodeId}` },
        );
      },

      setSettings(nodeId, settings) {
        commit(updateNode(get().doc, nodeId, (n) => ({ ...n, settings: { ...(n.settings ?? {}), ...settings } })), {
          coalesce: `settings:${nodeId}`,
        });
      },

      setFlowSettings(settings) {
        const d = get().doc;
        const merged: FlowSettings = { ...(d.settings ?? {}), ...settings };
        if (merged.max_node_runs === undefined) delete merged.max_node_runs;
        const next: FlowDocument = { ...d };
        if (Object.keys(merged).length) next.settings = merged;
        else delete next.settings;
        if (JSON.stringify(next.settings ?? {}) === JSON.stringify(d.settings ?? {})) return;
        commit(next, { coalesce: 'flow-settings' });
      },

      setFlowState(nodeId, state) {
        commit(updateNode(get().doc, nodeId, (n) => (n.flow_state === state ? n : { ...n, flow_state: state })));
      },

      select(sel, mode = 'replace') {
        const cur = get().selection;
        const nodes = sel.nodes ?? [];
        const edges = sel.edges ?? [];
        let next: Selection;
        if (mode === 'replace') next = { nodes: [...nodes], edges: [...edges] };
        else if (mode === 'add') next = { nodes: [...new Set([...cur.nodes, ...nodes])], edges: [...new Set([...cur.edges, ...edges])] };
        else {
          const tn = new Set(cur.nodes);
          for (const n of nodes) if (tn.has(n)) tn.delete(n);
          else tn.add(n);
          const te = new Set(cur.edges);
          for (const e of edges) if (te.has(e)) te.delete(e);
          else te.add(e);
          next = { nodes: [...tn], edges: [...te] };
        }
        set({ selection: next });
      },

      selectAll() {
        const d = get().doc;
        set({ selection: { nodes: d.nodes.map((n) => n.id), edges: d.connections.map(connectionKey) } });
      },

      clearSelection() {
        set({ selection: { nodes: [], edges: [] } });
      },

      copySelection(alsoNodes = []) {
        const { selection, doc: d } = get();
        const ids = [...selection.nodes, ...alsoNodes];
        if (!ids.length) return null;
        return JSON.stringify(copyNodes(d, ids), null, 2);
      },

      paste(text, at) {
        if (get().readOnly) return [];
        const payload = parseClipboard(text);
        if (!payload || !payload.nodes.length) return [];
        const r = pasteNodes(get().doc, payload, at ? { at } : {});
        commit(r.doc, {}, { nodes: r.ids, edges: [] });
        return r.ids;
      },

      duplicateSelection(alsoNodes = []) {
        const { selection, doc: d } = get();
        const ids = [...selection.nodes, ...alsoNodes];
        if (!ids.length || get().readOnly) return [];
        const r = pasteNodes(d, copyNodes(d, ids), { offset: 40 });
        commit(r.doc, {}, { nodes: r.ids, edges: [] });
        return r.ids;
      },

      autoLayout(sizes, open) {
        const { doc: d, selection } = get();
        const only = selection.nodes.length > 1 ? new Set(selection.nodes) : undefined;
        const positions = layoutPositions(d, sizes, only, open);
        get().moveNodes(positions);
      },

      setSnapToGrid(on) {
        set({ snapToGrid: on });
      },

      setReadOnly(on) {
        if (get().readOnly !== on) set({ readOnly: on });
      },
    };
  });
}
