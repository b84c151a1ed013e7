// Resuming a paused run: which nodes wait for an answer, the answer as JSON, and the run's
// state once the resume was accepted (it runs again; its events continue on the socket).

import type { RunState } from '../store/run';

/** Ids of the nodes a paused run waits on, in their run order. */
export function pausedNodes(run: RunState): string[] {
  return [...run.nodes]
    .filter(([, v]) => v.status === 'paused')
    .sort(([, a], [, b]) => (a.order ?? 0) - (b.order ?? 0))
    .map(([id]) => id);
}

/** The body of POST …/resume from the input text ('' sends no input). */
export function resumeBody(node: string, text: string): { body?: { node: string; input?: unknown }; problem?: string } {
  if (!node) return { problem: 'choose the paused node to continue' };
  if (!text.trim()) return { body: { node } };
  try {
    return { body: { node, input: JSON.parse(text) } };
  } catch (e) {
    return { problem: `input is not valid JSON (${e instanceof Error ? e.message : String(e)})` };
  }
}

/** The run after its resume was accepted: running again, the answered node running. */
export function resumedRun(run: RunState, node: string): RunState {
  const nodes = new Map(run.nodes);
  const prev = nodes.get(node);
  if (prev) nodes.set(node, { ...prev, status: 'running' });
  const { error: _error, ...rest } = run;
  return { ...rest, status: 'running', nodes };
}

/** The answer an approval node expects, as a starting point for the input editor. */
export const DEFAULT_RESUME_INPUT = '{\n  "approved": true\n}';

/** The answer an agent waiting to call a tool expects (its Decision: approve, not approved). */
export const TOOL_CONFIRMATION_INPUT = '{\n  "approve": true\n}';

/** What a paused node asks: its pause payload (the result's outputs.pause), as the engine recorded it. */
export interface PauseAsk {
  /** The question: an approval's message, an agent's "Allow the agent to call …?". */
  question?: string;
  /** What the approval shows with its question. */
  data?: unknown;
  /** "tool_confirmation" for an agent waiting to call a tool. */
  kind?: string;
}

/** The pause payload of a paused node from the run's results (live node_end or a stored run). */
export function pauseAsk(run: RunState, node: string): PauseAsk | null {
  const r = run.results.get(node) as { outputs?: { pause?: unknown } } | undefined;
  const p = r?.outputs?.pause;
  if (!p || typeof p !== 'object' || Array.isArray(p)) return null;
  const o = p as Record<string, unknown>;
  const question = typeof o.message === 'string' ? o.message : typeof o.question === 'string' ? o.question : undefined;
  return {
    ...(question ? { question } : {}),
    ...(o.data !== undefined && o.data !== null ? { data: o.data } : {}),
    ...(typeof o.kind === 'string' ? { kind: o.kind } : {}),
  };
}

/** The input the editor starts with for a paused node: what its kind of pause expects. */
export function defaultResumeInput(ask: PauseAsk | null): string {
  return ask?.kind === 'tool_confirmation' ? TOOL_CONFIRMATION_INPUT : DEFAULT_RESUME_INPUT;
}
