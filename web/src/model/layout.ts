// Auto-layout: a left-to-right layered drawing (dagre) of the flow's nodes.

import dagre from '@dagrejs/dagre';
import type { FlowDocument, Position } from './flow';

export interface Size {
  width: number;
  height: number;
}

export const DEFAULT_NODE_SIZE: Size = { width: 220, height: 120 };

/**
 * Positions for the given nodes (all when `only` is empty), laid out left to right along
 * their connections. The drawing keeps its top-left corner where the nodes' was.
 */
export function layoutPositions(doc: FlowDocument, sizes: Map<string, Size>, only?: Set<string>): Map<string, Position> {
  const nodes = doc.nodes.filter((n) => !only || only.size === 0 || only.has(n.id));
  const result = new Map<string, Position>();
  if (!nodes.length) return result;
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 40, ranksep: 90, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(nodes.map((n) => n.id));
  for (const n of nodes) {
    const s = sizes.get(n.id) ?? DEFAULT_NODE_SIZE;
    g.setNode(n.id, { width: s.width, height: s.height });
  }
  doc.connections.forEach((c, i) => {
    if (ids.has(c.from.node) && ids.has(c.to.node) && c.from.node !== c.to.node) g.setEdge(c.from.node, c.to.node, {}, `e${i}`);
  });
  dagre.layout(g);
  const minX = Math.min(...nodes.map((n) => n.position.x));
  const minY = Math.min(...nodes.map((n) => n.position.y));
  let lx = Infinity;
  let ly = Infinity;
  for (const n of nodes) {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    lx = Math.min(lx, p.x - p.width / 2);
    ly = Math.min(ly, p.y - p.height / 2);
  }
  for (const n of nodes) {
    const p = g.node(n.id) as { x: number; y: number; width: number; height: number };
    result.set(n.id, { x: Math.round(p.x - p.width / 2 - lx + minX), y: Math.round(p.y - p.height / 2 - ly + minY) });
  }
  return result;
}
