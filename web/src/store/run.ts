// A live run as the canvas shows it: built from the run's events (over the WebSocket) or
// from a stored run's node results (run history), one reducer for both.

import type { RunEvent } from '../api/live';
import type { RunDetail } from '../api/types';
import type { NodeRunView } from '../canvas/NodeView';
import { connectionKey, type FlowDocument } from '../model/flow';

export interface LogLine {
  seq: number;
  node?: string;
  time?: string;
  data: unknown;
}

export interface RunState {
  runId: string;
  status: 'running' | 'success' | 'error' | 'paused' | string;
  /** node id → state and order */
  nodes: Map<string, NodeRunView>;
  /** node id → outputs / inputs / error as the last node_end reported them */
  results: Map<string, unknown>;
  logs: LogLine[];
  error?: string;
}

export function newRun(runId: string): RunState {
  return { runId, status: 'running', nodes: new Map(), results: new Map(), logs: [] };
}

const nodeStatuses = new Set(['running', 'success', 'error', 'skipped', 'paused']);

/** Applies one event; events of other runs leave the state as it is. */
export function applyRunEvent(s: RunState, e: RunEvent): RunState {
  if (e.run_id !== s.runId) return s;
  const node = e.node_id ?? e.node;
  switch (e.type) {
    case 'run_start':
      return { ...s, status: 'running' };
    case 'node_start': {
      if (!node) return s;
      const nodes = new Map(s.nodes);
      nodes.set(node, { status: 'running', ...(e.order ? { order: e.order } : {}) });
      return { ...s, nodes };
    }
    case 'node_end': {
      if (!node) return s;
      const nodes = new Map(s.nodes);
      const prev = nodes.get(node);
      const status = (nodeStatuses.has(e.status ?? '') ? e.status : 'success') as NodeRunView['status'];
      const order = e.order ?? prev?.order;
      nodes.set(node, { status, ...(order ? { order } : {}) });
      const results = new Map(s.results);
      if (e.data !== undefined) results.set(node, e.data);
      return { ...s, nodes, results };
    }
    case 'node_log':
      return { ...s, logs: [...s.logs, { seq: e.seq, ...(node ? { node } : {}), ...(e.time ? { time: e.time } : {}), data: e.data }] };
    case 'run_paused':
      return { ...s, status: 'paused' };
    case 'run_end': {
      const d = e.data as { error?: unknown } | undefined;
      return { ...s, status: e.status ?? 'success', ...(d && typeof d.error === 'string' ? { error: d.error } : {}) };
    }
  }
  return s;
}

/** The state of a finished run from its stored node results (opening a past run). */
export function runFromDetail(r: RunDetail): RunState {
  const s = newRun(r.id);
  s.status = r.status;
  if (r.error) s.error = r.error;
  for (const n of r.nodes) {
    const status = (nodeStatuses.has(n.status) ? n.status : 'success') as NodeRunView['status'];
    s.nodes.set(n.node, { status, ...(n.order ? { order: n.order } : {}) });
    s.results.set(n.node, { inputs: n.inputs, outputs: n.outputs, error: n.error, logs: n.logs });
  }
  return s;
}

/**
 * Edges the run went along (both ends ran) and dead ones (the target was skipped), for the
 * canvas to draw bold and dashed.
 */
export function edgeStates(doc: FlowDocument, s: RunState): { touched: Set<string>; dead: Set<string> } {
  const touched = new Set<string>();
  const dead = new Set<string>();
  for (const c of doc.connections) {
    const from = s.nodes.get(c.from.node)?.status;
    const to = s.nodes.get(c.to.node)?.status;
    if (!from || !to) continue;
    if (to === 'skipped' || from === 'skipped') dead.add(connectionKey(c));
    else if (from !== 'running') touched.add(connectionKey(c));
  }
  return { touched, dead };
}
