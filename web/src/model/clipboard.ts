// Copy and paste as JSON: a selection travels through the system clipboard as text, so it
// pastes into another flow or another browser tab. A whole flow document pastes too.

import { renameInValue } from './expressions';
import { type Connection, type ExposedPort, type FlowDocument, type FlowNode, type Group, type Position, newId, parseDocument, SCHEMA } from './flow';
import { uniqueHandle } from './handles';

export const CLIPBOARD_KIND = 'polysynergy/clipboard@1';

export interface ClipboardPayload {
  kind: typeof CLIPBOARD_KIND;
  nodes: FlowNode[];
  connections: Connection[];
  /** Groups whose every member is among the nodes. */
  groups?: Group[];
}

/** The selected nodes, the connections between them and the groups they make up whole. */
export function copyNodes(doc: FlowDocument, ids: Iterable<string>): ClipboardPayload {
  const set = new Set(ids);
  const nodes = doc.nodes.filter((n) => set.has(n.id)).map((n) => structuredClone(n));
  for (const n of nodes) delete n.group;
  const connections = doc.connections.filter((c) => set.has(c.from.node) && set.has(c.to.node)).map((c) => structuredClone(c));
  const groups = (doc.groups ?? []).filter((g) => g.members.length > 0 && g.members.every((m) => set.has(m))).map((g) => structuredClone(g));
  return groups.length ? { kind: CLIPBOARD_KIND, nodes, connections, groups } : { kind: CLIPBOARD_KIND, nodes, connections };
}

/** Reads clipboard text: our payload, or a flow document; null for anything else. */
export function parseClipboard(text: string): ClipboardPayload | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (!raw || typeof raw !== 'object') return null;
  const r = raw as Record<string, unknown>;
  const payload = (doc: FlowDocument): ClipboardPayload =>
    doc.groups?.length ? { kind: CLIPBOARD_KIND, nodes: doc.nodes, connections: doc.connections, groups: doc.groups } : { kind: CLIPBOARD_KIND, nodes: doc.nodes, connections: doc.connections };
  if (r.kind === CLIPBOARD_KIND) {
    try {
      return payload(parseDocument({ schema: SCHEMA, nodes: r.nodes, connections: r.connections, ...(r.groups !== undefined ? { groups: r.groups } : {}) }));
    } catch {
      return null;
    }
  }
  if (r.schema === SCHEMA) {
    try {
      return payload(parseDocument(raw));
    } catch {
      return null;
    }
  }
  return null;
}

export interface PasteResult {
  doc: FlowDocument;
  ids: string[];
}

/**
 * Adds the payload's nodes with fresh ids and free handles. Expressions among the pasted
 * nodes that read a renamed handle are rewritten to the new handle. With `at`, the pasted
 * nodes' top-left corner lands there; otherwise they are offset by `offset`.
 */
export function pasteNodes(doc: FlowDocument, payload: ClipboardPayload, opts: { at?: Position; offset?: number } = {}): PasteResult {
  if (!payload.nodes.length) return { doc, ids: [] };
  const taken = new Set(doc.nodes.map((n) => n.handle));
  const idMap = new Map<string, string>();
  const handleMap = new Map<string, string>();
  for (const n of payload.nodes) {
    idMap.set(n.id, newId());
    const h = uniqueHandle(n.handle || n.type, taken);
    taken.add(h);
    if (h !== n.handle) handleMap.set(n.handle, h);
  }
  const minX = Math.min(...payload.nodes.map((n) => n.position.x));
  const minY = Math.min(...payload.nodes.map((n) => n.position.y));
  const off = opts.offset ?? 40;
  const dx = opts.at ? opts.at.x - minX : off;
  const dy = opts.at ? opts.at.y - minY : off;
  const nodes = payload.nodes.map((n): FlowNode => {
    const copy = structuredClone(n);
    copy.id = idMap.get(n.id)!;
    copy.handle = handleMap.get(n.handle) ?? n.handle;
    copy.position = { x: n.position.x + dx, y: n.position.y + dy };
    delete copy.group;
    if (copy.values) {
      let values = copy.values as unknown;
      // swap through temporary names so a→b, b→a renames do not collide
      const tmp = [...handleMap.keys()].map((old, i) => [old, `__ps_tmp_${i}__`, handleMap.get(old)!] as const);
      for (const [old, t] of tmp) values = renameInValue(values, old, t);
      for (const [, t, next] of tmp) values = renameInValue(values, t, next);
      copy.values = values as Record<string, unknown>;
    }
    return copy;
  });
  const connections = payload.connections
    .filter((c) => idMap.has(c.from.node) && idMap.has(c.to.node))
    .map((c): Connection => ({ from: { node: idMap.get(c.from.node)!, port: c.from.port }, to: { node: idMap.get(c.to.node)!, port: c.to.port } }));
  // groups come along whole, with new ids, their members and exposed ports renamed
  const port = (p: ExposedPort): ExposedPort => ({ ...p, node: idMap.get(p.node)! });
  const groups = (payload.groups ?? [])
    .filter((g) => g.members.length > 0 && g.members.every((m) => idMap.has(m)) && [...(g.inputs ?? []), ...(g.outputs ?? [])].every((p) => idMap.has(p.node)))
    .map((g): Group => {
      const copy: Group = { id: newId('g'), name: g.name, members: g.members.map((m) => idMap.get(m)!) };
      if (g.inputs) copy.inputs = g.inputs.map(port);
      if (g.outputs) copy.outputs = g.outputs.map(port);
      return copy;
    });
  const next: FlowDocument = { ...doc, nodes: [...doc.nodes, ...nodes], connections: [...doc.connections, ...connections] };
  if (groups.length) next.groups = [...(doc.groups ?? []), ...groups];
  return { doc: next, ids: nodes.map((n) => n.id) };
}
