// What the canvas shows of groups. Outside every group, each group is one box with its
// exposed ports as handles, in place of its members; connections that cross into a closed
// group end on the box (on the exposed port, or on the box's catch-all handle when the port
// is not exposed), connections inside it are hidden. Inside an open group, only its members
// and the connections among them show.

import type { Connection, Endpoint, ExposedPort, FlowDocument, Group, Position } from '../model/flow';
import { findGroup, groupsOf } from './model';

export const GROUP_NODE_PREFIX = 'group:';
/** The box's handle for a connection to a port that is not exposed. */
export const ANY_PORT = '*';

export const boxId = (groupId: string) => `${GROUP_NODE_PREFIX}${groupId}`;
export const isBoxId = (id: string) => id.startsWith(GROUP_NODE_PREFIX);
export const groupIdOfBox = (id: string) => id.slice(GROUP_NODE_PREFIX.length);
export const inHandle = (name: string) => `in:${name}`;
export const outHandle = (name: string) => `out:${name}`;

export interface GroupBox {
  id: string;
  group: Group;
  position: Position;
  inputs: ExposedPort[];
  outputs: ExposedPort[];
  /** Connections reach the box on ports it does not expose. */
  anyIn: boolean;
  anyOut: boolean;
}

export interface EdgeEnds {
  source: string;
  sourceHandle: string;
  target: string;
  targetHandle: string;
  /** An end was moved onto a group box. */
  collapsed: boolean;
}

export interface GroupView {
  /** The group whose inside is shown, or null for the top level. */
  open: Group | null;
  /** Nodes not drawn (members of closed groups, or everything outside the open group). */
  hidden: ReadonlySet<string>;
  boxes: GroupBox[];
  /** Where a connection is drawn, or null when it is hidden. */
  edge(c: Connection): EdgeEnds | null;
}

/** The view of the document with `open` (a group id) entered, or the top level. */
/** The view of a flow without groups: one object, so what depends on it (the canvas's edges)
 * is not rebuilt when a node moves. */
const NO_GROUPS: GroupView = {
  open: null,
  hidden: new Set<string>(),
  boxes: [],
  edge: (c) => ({ source: c.from.node, sourceHandle: c.from.port, target: c.to.node, targetHandle: c.to.port, collapsed: false }),
};

export function groupView(doc: FlowDocument, open: string | null): GroupView {
  const groups = groupsOf(doc);
  const opened = open ? (findGroup(doc, open) ?? null) : null;
  const owner = new Map<string, Group>();
  for (const g of groups) for (const m of g.members) owner.set(m, g);
  const hidden = new Set<string>();
  if (opened) {
    const inside = new Set(opened.members);
    for (const n of doc.nodes) if (!inside.has(n.id)) hidden.add(n.id);
    return {
      open: opened,
      hidden,
      boxes: [],
      edge: (c) => (inside.has(c.from.node) && inside.has(c.to.node) ? { source: c.from.node, sourceHandle: c.from.port, target: c.to.node, targetHandle: c.to.port, collapsed: false } : null),
    };
  }
  if (!groups.length) return NO_GROUPS;
  const pos = new Map(doc.nodes.map((n) => [n.id, n.position]));
  for (const m of owner.keys()) hidden.add(m);
  const anyIn = new Set<string>();
  const anyOut = new Set<string>();
  const end = (e: Endpoint, side: 'in' | 'out'): { node: string; handle: string; collapsed: boolean } => {
    const g = owner.get(e.node);
    if (!g) return { node: e.node, handle: e.port, collapsed: false };
    const list = side === 'in' ? g.inputs : g.outputs;
    const x = list?.find((p) => p.node === e.node && p.port === e.port);
    if (!x) (side === 'in' ? anyIn : anyOut).add(g.id);
    return { node: boxId(g.id), handle: x ? (side === 'in' ? inHandle(x.name) : outHandle(x.name)) : side === 'in' ? inHandle(ANY_PORT) : outHandle(ANY_PORT), collapsed: true };
  };
  const ends = new Map<Connection, EdgeEnds | null>();
  for (const c of doc.connections) {
    const gf = owner.get(c.from.node);
    const gt = owner.get(c.to.node);
    if (gf && gf === gt) {
      ends.set(c, null);
      continue;
    }
    const s = end(c.from, 'out');
    const t = end(c.to, 'in');
    ends.set(c, { source: s.node, sourceHandle: s.handle, target: t.node, targetHandle: t.handle, collapsed: s.collapsed || t.collapsed });
  }
  const boxes = groups
    .filter((g) => g.members.some((m) => pos.has(m)))
    .map((g): GroupBox => {
      let x = Infinity;
      let y = Infinity;
      for (const m of g.members) {
        const p = pos.get(m);
        if (!p) continue;
        x = Math.min(x, p.x);
        y = Math.min(y, p.y);
      }
      return { id: boxId(g.id), group: g, position: { x, y }, inputs: g.inputs ?? [], outputs: g.outputs ?? [], anyIn: anyIn.has(g.id), anyOut: anyOut.has(g.id) };
    });
  return {
    open: null,
    hidden,
    boxes,
    edge: (c) => {
      const e = ends.get(c);
      if (e !== undefined) return e;
      return { source: c.from.node, sourceHandle: c.from.port, target: c.to.node, targetHandle: c.to.port, collapsed: false };
    },
  };
}

/**
 * The member port behind a handle of a group box (a new connection drawn to the box), or the
 * endpoint itself for ordinary nodes; null for the catch-all handle, which takes none.
 */
export function resolveEnd(doc: FlowDocument, node: string, handle: string): Endpoint | null {
  if (!isBoxId(node)) return { node, port: handle };
  const g = findGroup(doc, groupIdOfBox(node));
  if (!g) return null;
  const [side, name] = [handle.slice(0, handle.indexOf(':')), handle.slice(handle.indexOf(':') + 1)];
  const list = side === 'in' ? g.inputs : side === 'out' ? g.outputs : undefined;
  const x = list?.find((p) => p.name === name);
  return x ? { node: x.node, port: x.port } : null;
}

/** New positions for a group's members when its box moved to `to`. */
export function moveGroup(doc: FlowDocument, groupId: string, to: Position): Map<string, Position> {
  const out = new Map<string, Position>();
  const box = groupView(doc, null).boxes.find((b) => b.group.id === groupId);
  if (!box) return out;
  const dx = to.x - box.position.x;
  const dy = to.y - box.position.y;
  if (!dx && !dy) return out;
  const members = new Set(box.group.members);
  for (const n of doc.nodes) if (members.has(n.id)) out.set(n.id, { x: n.position.x + dx, y: n.position.y + dy });
  return out;
}
