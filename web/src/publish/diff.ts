// The visual diff of two documents of a flow: every node and connection of either side with
// what happened to it, from the API's diff (GET …/diff) and the two documents (for positions
// and for what stayed the same). Removed nodes keep their old position, so the canvas shows
// both sides at once.

import type { FlowDiff } from '../api/types';
import type { Endpoint, FlowDocument, Position } from '../model/flow';

export type DiffStatus = 'added' | 'removed' | 'changed' | 'same';

export interface DiffNodeView {
  id: string;
  handle: string;
  type: string;
  position: Position;
  status: DiffStatus;
  /** What differs on a changed node (values.url, position, …). */
  fields: string[];
}

export interface DiffEdgeView {
  /** "node.port>node.port" */
  key: string;
  from: Endpoint;
  to: Endpoint;
  status: DiffStatus;
  /** A changed connection's ends before. */
  before?: { from: string; to: string };
}

export interface DiffView {
  nodes: DiffNodeView[];
  edges: DiffEdgeView[];
  counts: Record<DiffStatus, number>;
}

const ends = (e: Endpoint) => `${e.node}.${e.port}`;
const edgeKey = (from: string, to: string) => `${from}>${to}`;

/** Merges the two documents with the API's diff into one picture. */
export function classifyDiff(from: FlowDocument, to: FlowDocument, diff: FlowDiff): DiffView {
  const added = new Set(diff.nodes.added.map((n) => n.id));
  const removed = new Set(diff.nodes.removed.map((n) => n.id));
  const changed = new Map(diff.nodes.changed.map((n) => [n.id, n.fields] as const));
  const nodes: DiffNodeView[] = [];
  for (const n of to.nodes) {
    const status: DiffStatus = added.has(n.id) ? 'added' : changed.has(n.id) ? 'changed' : 'same';
    nodes.push({ id: n.id, handle: n.handle, type: n.type, position: n.position, status, fields: changed.get(n.id) ?? [] });
  }
  const inTo = new Set(to.nodes.map((n) => n.id));
  for (const n of from.nodes) {
    if (inTo.has(n.id)) continue;
    // the API says removed; a node missing from "to" is removed either way
    removed.add(n.id);
    nodes.push({ id: n.id, handle: n.handle, type: n.type, position: n.position, status: 'removed', fields: [] });
  }

  const cAdded = new Set(diff.connections.added.map((c) => edgeKey(c.from, c.to)));
  const cRemoved = new Set(diff.connections.removed.map((c) => edgeKey(c.from, c.to)));
  const cChanged = new Map(diff.connections.changed.map((c) => [edgeKey(c.after.from, c.after.to), c.before] as const));
  const edges: DiffEdgeView[] = [];
  const seen = new Set<string>();
  for (const c of to.connections) {
    const key = edgeKey(ends(c.from), ends(c.to));
    if (seen.has(key)) continue;
    seen.add(key);
    const before = cChanged.get(key);
    const status: DiffStatus = cAdded.has(key) ? 'added' : before ? 'changed' : 'same';
    edges.push({ key, from: c.from, to: c.to, status, ...(before ? { before: { from: before.from, to: before.to } } : {}) });
  }
  const movedFrom = new Set([...cChanged.values()].map((b) => edgeKey(b.from, b.to)));
  for (const c of from.connections) {
    const key = edgeKey(ends(c.from), ends(c.to));
    if (seen.has(key) || movedFrom.has(key)) continue;
    seen.add(key);
    if (cRemoved.has(key) || removed.has(c.from.node) || removed.has(c.to.node)) edges.push({ key, from: c.from, to: c.to, status: 'removed' });
  }

  const counts: Record<DiffStatus, number> = { added: 0, removed: 0, changed: 0, same: 0 };
  for (const n of nodes) counts[n.status]++;
  return { nodes, edges, counts };
}

/** Whether a diff found anything at all. */
export function diffIsEmpty(d: FlowDiff): boolean {
  return d.same || (!d.nodes.added.length && !d.nodes.removed.length && !d.nodes.changed.length && !d.connections.added.length && !d.connections.removed.length && !d.connections.changed.length);
}
