// Auto-layout: a left-to-right layered drawing (dagre) of the flow's nodes. Groups move as
// one: at the top level each group is laid out as the box the canvas draws for it, and its
// members keep their arrangement inside; inside an entered group only its members move.

import dagre from '@dagrejs/dagre';
import { findGroup, groupsOf } from '../groups/model';
import { boxId } from '../groups/view';
import type { FlowDocument, Position } from './flow';

export interface Size {
  width: number;
  height: number;
}

export const DEFAULT_NODE_SIZE: Size = { width: 220, height: 120 };

/** One thing the layout places: a node, or a closed group's box with its members. */
interface Unit {
  id: string;
  position: Position;
  members: string[];
}

/**
 * Positions for the given nodes (all when `only` is empty), laid out left to right along
 * their connections. The drawing keeps its top-left corner where the nodes' was. With
 * `open` (an entered group's id) only that group's members are laid out; otherwise every
 * group is placed as one box (`sizes` may hold the box's size under its canvas id) and its
 * members move with it.
 */
export function layoutPositions(doc: FlowDocument, sizes: Map<string, Size>, only?: Set<string>, open?: string | null): Map<string, Position> {
  let nodes = doc.nodes.filter((n) => !only || only.size === 0 || only.has(n.id));
  const result = new Map<string, Position>();
  const opened = open ? findGroup(doc, open) : undefined;
  const owner = new Map<string, string>();
  if (opened) {
    const inside = new Set(opened.members);
    nodes = nodes.filter((n) => inside.has(n.id));
  } else {
    for (const g of groupsOf(doc)) for (const m of g.members) owner.set(m, g.id);
    // a group moves whole: a chosen member brings the others along
    const chosen = new Set(nodes.map((n) => n.id));
    const groupsChosen = new Set([...chosen].map((id) => owner.get(id)).filter((g): g is string => !!g));
    nodes = doc.nodes.filter((n) => chosen.has(n.id) || groupsChosen.has(owner.get(n.id) ?? ''));
  }
  if (!nodes.length) return result;

  // the units: ungrouped nodes, and one per group with a member in the layout
  const units = new Map<string, Unit>();
  const unitOf = new Map<string, string>();
  for (const n of nodes) {
    const gid = owner.get(n.id);
    const uid = gid ? boxId(gid) : n.id;
    unitOf.set(n.id, uid);
    const u = units.get(uid);
    if (!u) units.set(uid, { id: uid, position: { ...n.position }, members: [n.id] });
    else {
      u.members.push(n.id);
      u.position = { x: Math.min(u.position.x, n.position.x), y: Math.min(u.position.y, n.position.y) };
    }
  }

  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const u of units.values()) {
    const s = sizes.get(u.id) ?? DEFAULT_NODE_SIZE;
    g.setNode(u.id, { width: s.width, height: s.height });
  }
  doc.connections.forEach((c, i) => {
    const from = unitOf.get(c.from.node);
    const to = unitOf.get(c.to.node);
    if (from && to && from !== to) g.setEdge(from, to, {}, `e${i}`);
  });
  dagre.layout(g);

  const all = [...units.values()];
  const minX = Math.min(...all.map((u) => u.position.x));
  const minY = Math.min(...all.map((u) => u.position.y));
  let lx = Infinity;
  let ly = Infinity;
  for (const u of all) {
    const p = g.node(u.id) as { x: number; y: number; width: number; height: number };
    lx = Math.min(lx, p.x - p.width / 2);
    ly = Math.min(ly, p.y - p.height / 2);
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  for (const u of all) {
    const p = g.node(u.id) as { x: number; y: number; width: number; height: number };
    const x = Math.round(p.x - p.width / 2 - lx + minX);
    const y = Math.round(p.y - p.height / 2 - ly + minY);
    // members keep their places relative to the unit's top-left corner
    for (const m of u.members) {
      const n = byId.get(m)!;
      result.set(m, { x: x + n.position.x - u.position.x, y: y + n.position.y - u.position.y });
    }
  }
  return result;
}

/**
 * Where a node added from the palette goes: to the right of `after` (the one selected node, so
 * adding nodes one after another lays them out as a flow reads), else at `center` (the view's
 * middle); then on to the right past any node it would cover. Nodes are as big as measured
 * (`sizes`), DEFAULT_NODE_SIZE before that; the new one is taken to be DEFAULT_NODE_SIZE.
 */
export function placement(
  nodes: readonly { id: string; position: Position }[],
  sizes: ReadonlyMap<string, Size>,
  after: { id: string; position: Position } | undefined,
  center: Position,
  gap = 60,
): Position {
  const box = (n: { id: string; position: Position }) => ({ ...n.position, ...(sizes.get(n.id) ?? DEFAULT_NODE_SIZE) });
  const size = DEFAULT_NODE_SIZE;
  let p: Position = after ? { x: after.position.x + box(after).width + gap, y: after.position.y } : { ...center };
  const pad = gap / 2;
  const covered = (q: Position) =>
    nodes.map(box).find((b) => q.x < b.x + b.width + pad && q.x + size.width + pad > b.x && q.y < b.y + b.height + pad && q.y + size.height + pad > b.y);
  for (let i = 0; i < 200; i++) {
    const b = covered(p);
    if (!b) break;
    p = { x: b.x + b.width + gap, y: p.y };
  }
  return p;
}
