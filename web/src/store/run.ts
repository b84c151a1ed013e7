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
  s.logs = storedLogs(r);
  return s;
}

/**
 * The run's log lines from its stored node results, in the order the live node_log events
 * came in: by time, ties (and lines without a time) by the node's execution order and then
 * the line's place in its node. Each line is what a node_log event carries ({time, level,
 * message}), under a made-up seq.
 */
function storedLogs(r: RunDetail): LogLine[] {
  const lines: { time?: string; ms: number; order: number; node: string; i: number; data: unknown }[] = [];
  r.nodes.forEach((n, k) => {
    if (!Array.isArray(n.logs)) return;
    const order = n.order || Number.MAX_SAFE_INTEGER - r.nodes.length + k;
    n.logs.forEach((l: unknown, i) => {
      const time = l && typeof l === 'object' && typeof (l as { time?: unknown }).time === 'string' ? (l as { time: string }).time : undefined;
      const ms = time ? Date.parse(time) : NaN;
      lines.push({ ...(time ? { time } : {}), ms: Number.isNaN(ms) ? NaN : ms, order, node: n.node, i, data: l });
    });
  });
  lines.sort((a, b) => {
    if (!Number.isNaN(a.ms) && !Number.isNaN(b.ms) && a.ms !== b.ms) return a.ms - b.ms;
    return a.order - b.order || a.i - b.i;
  });
  return lines.map((l, k) => ({ seq: k + 1, node: l.node, ...(l.time ? { time: l.time } : {}), data: l.data }));
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
