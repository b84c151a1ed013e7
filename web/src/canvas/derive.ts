// Turns the document into React Flow nodes and edges. Unchanged document nodes keep their
// React Flow objects between renders, so a drag re-renders one node, not five hundred.

import type { Edge } from '@xyflow/react';
import type { CatalogIndex } from '../model/catalog';
import { connectionKey, type FlowDocument, type FlowNode } from '../model/flow';
import { PORT_FALSE, PORT_TRUE } from '../model/ports';
import type { Problem } from '../model/validate';
import type { NodeRunView, PsNode } from './NodeView';

interface CacheEntry {
  node: FlowNode;
  selected: boolean;
  problemsKey: string;
  connectedKey: string;
  run: NodeRunView | undefined;
  width: number | undefined;
  height: number | undefined;
  out: PsNode;
}

export interface Measured {
  width: number;
  height: number;
}

/**
 * A node's accessible name (React Flow gives its node groups none): its handle and type, its
 * problems and how it ran, e.g. "fetch, HTTP request, 1 problem, ran: error".
 */
export function nodeAriaLabel(n: FlowNode, typeName: string | undefined, problems: number, run: NodeRunView | undefined, warnings = 0): string {
  const parts = [n.handle || n.id, typeName ?? n.type];
  if (n.flow_state === 'disabled') parts.push('disabled');
  if (problems) parts.push(`${problems} problem${problems === 1 ? '' : 's'}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? '' : 's'}`);
  if (run) parts.push(`ran: ${run.status}`);
  return parts.join(', ');
}

/** Keeps React Flow node objects stable across renders. */
export class NodeDeriver {
  private cache = new Map<string, CacheEntry>();

  derive(
    doc: FlowDocument,
    catalog: CatalogIndex,
    selected: ReadonlySet<string>,
    problems: ReadonlyMap<string, Problem[]>,
    measured: ReadonlyMap<string, Measured>,
    runs: ReadonlyMap<string, NodeRunView> = new Map(),
  ): PsNode[] {
    const connected = new Map<string, Set<string>>();
    for (const c of doc.connections) {
      let s = connected.get(c.to.node);
      if (!s) connected.set(c.to.node, (s = new Set()));
      s.add(c.to.port);
    }
    const next = new Map<string, CacheEntry>();
    const out = doc.nodes.map((n) => {
      const sel = selected.has(n.id);
      const probs = problems.get(n.id) ?? [];
      const problemsKey = probs.map((p) => `${p.warning ? 'w' : ''}:${p.port ?? ''}:${p.message}`).join('\n');
      const conn = connected.get(n.id) ?? new Set<string>();
      const connectedKey = [...conn].sort().join(',');
      const run = runs.get(n.id);
      const m = measured.get(n.id);
      const prev = this.cache.get(n.id);
      if (
        prev &&
        prev.node === n &&
        prev.selected === sel &&
        prev.problemsKey === problemsKey &&
        prev.connectedKey === connectedKey &&
        prev.run?.status === run?.status &&
        prev.run?.order === run?.order &&
        prev.width === m?.width &&
        prev.height === m?.height
      ) {
        next.set(n.id, prev);
        return prev.out;
      }
      const rf: PsNode = {
        id: n.id,
        type: 'ps',
        position: n.position,
        selected: sel,
        ariaLabel: nodeAriaLabel(
          n,
          catalog.get(n.type)?.name,
          probs.filter((p) => !p.warning).length,
          run,
          probs.filter((p) => p.warning).length,
        ),
        data: { node: n, type: catalog.get(n.type), problems: probs, connected: conn, ...(run ? { run } : {}) },
        ...(m ? { measured: { width: m.width, height: m.height } } : {}),
      };
      next.set(n.id, { node: n, selected: sel, problemsKey, connectedKey, run, width: m?.width, height: m?.height, out: rf });
      return rf;
    });
    this.cache = next;
    return out;
  }
}

/**
 * The edges of the document; true_path edges are green, false_path edges red. Each is named by
 * the handles and ports it joins ("Connection from fetch.true_path to save.node"); React Flow
 * named it by node ids ("Edge from n_lgfn01lmt3ps to n_lgt70264bqf5").
 */
export function deriveEdges(
  connections: FlowDocument['connections'],
  selected: ReadonlySet<string>,
  touched?: ReadonlySet<string>,
  dead?: ReadonlySet<string>,
  handleOf: (id: string) => string = (id) => id,
): Edge[] {
  return connections.map((c) => {
    const key = connectionKey(c);
    const cls = ['ps-edge'];
    if (c.from.port === PORT_TRUE) cls.push('ps-edge-true');
    else if (c.from.port === PORT_FALSE) cls.push('ps-edge-false');
    if (touched?.has(key)) cls.push('ps-edge-touched');
    if (dead?.has(key)) cls.push('ps-edge-dead');
    return {
      id: key,
      source: c.from.node,
      sourceHandle: c.from.port,
      target: c.to.node,
      targetHandle: c.to.port,
      selected: selected.has(key),
      className: cls.join(' '),
      ariaLabel: `Connection from ${handleOf(c.from.node)}.${c.from.port} to ${handleOf(c.to.node)}.${c.to.port}`,
      reconnectable: true,
    };
  });
}
