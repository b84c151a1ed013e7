// Talking to a flow that starts with a chat trigger: which node that is, the conversation's
// session id (one per flow, kept in localStorage), the run request a message becomes, and
// the assistant's answer assembled from the run's events — streamed tokens, tool calls, a
// confirmation the run paused for, and the final answer when nothing streamed.

import type { RunEvent } from '../api/live';
import type { NodeResult, RunDetail, StartRunInput } from '../api/types';
import type { FlowDocument, FlowNode } from '../model/flow';

/** The node type a chat-able flow starts with. */
export const CHAT_TRIGGER = 'ai.chat_trigger';

/** The flow's chat trigger, if it has one. */
export function findChatTrigger(doc: FlowDocument): FlowNode | undefined {
  return doc.nodes.find((n) => n.type === CHAT_TRIGGER);
}

/** The trigger data the chat trigger reads. */
export interface ChatInput {
  message: string;
  session: string;
  user: string;
}

/** The editor run a message starts: played from the chat trigger with the message as its data. */
export function chatRunInput(trigger: FlowNode, input: ChatInput): StartRunInput {
  return { start: trigger.id, input: { message: input.message, session: input.session, user: input.user } };
}

// ---- the session ---------------------------------------------------------------------------

/** The part of localStorage the session uses (a Map stands in for tests). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

export const sessionKey = (project: string, flow: string) => `ps.chat.session.${project}.${flow}`;

/** A fresh conversation id. */
export function randomSessionId(): string {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === 'function') return c.randomUUID();
  return `s-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/** The flow's conversation id: the stored one, or a new one stored for next time. */
export function loadSession(store: KeyValueStore, project: string, flow: string, gen: () => string = randomSessionId): string {
  const key = sessionKey(project, flow);
  let id: string | null = null;
  try {
    id = store.getItem(key);
  } catch {
    /* storage refused: a session for this page only */
  }
  if (id) return id;
  return newSession(store, project, flow, gen);
}

/** Starts a new conversation: a new id, stored in place of the old one. */
export function newSession(store: KeyValueStore, project: string, flow: string, gen: () => string = randomSessionId): string {
  const id = gen();
  try {
    store.setItem(sessionKey(project, flow), id);
  } catch {
    /* storage refused: the id lasts as long as the page */
  }
  return id;
}

// ---- the conversation ---------------------------------------------------------------------

/** One tool call the agent made while answering. */
export interface ToolLine {
  callId: string;
  tool: string;
  arguments?: unknown;
  status?: string;
  durationMs?: number;
}

/** A tool call the run paused on until someone approves or rejects it. */
export interface Confirmation {
  /** The paused node's handle (or id), for the resume request. */
  node: string;
  tool: string;
  question: string;
  arguments?: unknown;
  /** Set once answered, so the buttons go. */
  answered?: 'approved' | 'rejected';
}

export type MessageStatus = 'starting' | 'streaming' | 'paused' | 'done' | 'error';

export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  /** The run answering (assistant messages). */
  runId?: string;
  status?: MessageStatus;
  /** Text arrived as tokens (so the final answer does not replace it). */
  streamed?: boolean;
  tools?: ToolLine[];
  confirmation?: Confirmation;
  error?: string;
  /** Under the error of a run refused as invalid: each problem ("add.a: required input …"). */
  problems?: string[];
  /** The best answer node outputs offered so far (used when no tokens streamed). */
  fallback?: string;
  /** How good the fallback's source is (lower is better: response, exit, agent, chat). */
  fallbackRank?: number;
}

/** Node types whose result is the answer when nothing streamed, best first. */
const ANSWER_TYPES = ['http.response', 'control.exit', 'ai.agent', 'ai.chat'];

function show(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v, null, 2);
  } catch {
    return String(v);
  }
}

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** The answer one node's result gives, by its type; undefined when it gives none. */
export function answerOf(type: string, outputs: unknown, inputs?: unknown): string | undefined {
  const o = obj(outputs);
  const i = obj(inputs);
  switch (type) {
    case 'http.response':
      return show(obj(o?.response)?.body ?? i?.body);
    case 'control.exit':
      return show(o?.value ?? i?.value);
    case 'ai.agent':
      return show(o?.answer);
    case 'ai.chat':
      return show(o?.text);
  }
  return undefined;
}

function rank(type: string): number {
  const i = ANSWER_TYPES.indexOf(type);
  return i < 0 ? ANSWER_TYPES.length : i;
}

/** The final answer from a stored run's node results: the response body, exit value or an AI answer. */
export function answerFromDetail(detail: RunDetail, doc: FlowDocument): string | undefined {
  const typeOf = (n: NodeResult) => doc.nodes.find((d) => d.id === n.node || d.handle === n.node)?.type ?? '';
  const candidates = detail.nodes
    .filter((n) => n.status === 'success')
    .map((n) => ({ type: typeOf(n), order: n.order, text: answerOf(typeOf(n), n.outputs, n.inputs) }))
    .filter((c): c is { type: string; order: number; text: string } => c.text !== undefined)
    // the best kind first; of one kind, the last to run
    .sort((a, b) => rank(a.type) - rank(b.type) || b.order - a.order);
  return candidates[0]?.text;
}

/** The error text of a run_end's data: {error: "…"} or {error: {error: "…"}}. */
export function runEndError(data: unknown): string | undefined {
  const e = obj(data)?.error;
  if (typeof e === 'string') return e || undefined;
  const inner = obj(e)?.error;
  return typeof inner === 'string' && inner ? inner : undefined;
}

function update(msgs: ChatMessage[], runId: string, f: (m: ChatMessage) => ChatMessage): ChatMessage[] {
  const i = msgs.findIndex((m) => m.role === 'assistant' && m.runId === runId);
  if (i < 0) return msgs;
  const next = msgs.slice();
  next[i] = f(msgs[i]!);
  return next;
}

/**
 * Applies one run event to the conversation: the assistant message of the event's run takes
 * its tokens, tool lines, confirmation and end; events of other runs leave it as it is.
 */
export function applyChatEvent(msgs: ChatMessage[], e: RunEvent, doc?: FlowDocument): ChatMessage[] {
  if (!msgs.some((m) => m.role === 'assistant' && m.runId === e.run_id)) return msgs;
  return update(msgs, e.run_id, (m) => {
    if (m.status === 'done' || m.status === 'error') return m;
    switch (e.type) {
      case 'run_start':
        return { ...m, status: 'streaming' };
      case 'stream': {
        const c = obj(e.data);
        if (!c) return m;
        const kind = c.kind;
        if (kind === 'token' && typeof c.text === 'string') return { ...m, status: 'streaming', streamed: true, text: (m.streamed ? m.text : '') + c.text };
        if (kind === 'tool_call') {
          const line: ToolLine = { callId: String(c.call_id ?? ''), tool: String(c.tool ?? ''), ...(c.arguments !== undefined ? { arguments: c.arguments } : {}) };
          return { ...m, status: 'streaming', tools: [...(m.tools ?? []), line] };
        }
        if (kind === 'tool_result') {
          const id = String(c.call_id ?? '');
          const tools = (m.tools ?? []).slice();
          const i = tools.findIndex((t) => t.callId === id && t.status === undefined);
          const extra = { status: String(c.status ?? ''), ...(typeof c.duration_ms === 'number' ? { durationMs: c.duration_ms } : {}) };
          if (i >= 0) tools[i] = { ...tools[i]!, ...extra };
          else tools.push({ callId: id, tool: String(c.tool ?? ''), ...extra });
          return { ...m, tools };
        }
        if (kind === 'confirmation') {
          const tool = String(c.tool ?? '');
          const node = typeof c.node === 'string' ? c.node : (e.node ?? e.node_id ?? '');
          return { ...m, confirmation: { node, tool, question: (!m.confirmation?.answered && m.confirmation?.question) || `Allow the agent to call ${tool}?`, ...(c.arguments !== undefined ? { arguments: c.arguments } : {}) } };
        }
        return m;
      }
      case 'node_end': {
        const r = obj(e.data);
        const type = e.node_type ?? doc?.nodes.find((n) => n.id === (e.node_id ?? e.node) || n.handle === e.node)?.type ?? '';
        if (e.status === 'paused') {
          const pause = obj(obj(r?.outputs)?.pause);
          const node = e.node ?? e.node_id ?? '';
          const tool = String(pause?.tool ?? m.confirmation?.tool ?? '');
          const question = typeof pause?.question === 'string' ? pause.question : (m.confirmation?.question ?? `Continue the run paused at ${node}?`);
          const args = pause?.arguments ?? m.confirmation?.arguments;
          return { ...m, status: 'paused', confirmation: { node, tool, question, ...(args !== undefined ? { arguments: args } : {}) } };
        }
        if (e.status !== 'success') return m;
        const text = answerOf(type, r?.outputs, r?.inputs);
        if (text === undefined) return m;
        // a better kind of answer is not replaced by a worse one; of one kind, the later wins
        if (m.fallbackRank !== undefined && m.fallbackRank < rank(type)) return m;
        return { ...m, fallback: text, fallbackRank: rank(type) };
      }
      case 'run_paused':
        return { ...m, status: 'paused' };
      case 'run_end': {
        const failed = (e.status ?? 'success') !== 'success';
        const err = runEndError(e.data);
        const text = m.streamed ? m.text : (m.fallback ?? m.text);
        if (failed) return { ...m, text, status: 'error', error: err ?? `The run ended with status ${e.status}.` };
        return { ...m, text, status: 'done' };
      }
    }
    return m;
  });
}

/** The conversation after the run's stored results arrived (when the events told no answer). */
export function applyRunDetail(msgs: ChatMessage[], detail: RunDetail, doc: FlowDocument): ChatMessage[] {
  return update(msgs, detail.id, (m) => {
    if (detail.status === 'running') return m;
    if (detail.status === 'paused') return m.status === 'paused' ? m : { ...m, status: 'paused' };
    const text = m.streamed && m.text ? m.text : (m.fallback ?? answerFromDetail(detail, doc) ?? m.text);
    if (detail.status !== 'success') return { ...m, text, status: 'error', error: m.error ?? detail.error ?? `The run ended with status ${detail.status}.` };
    return { ...m, text, status: 'done' };
  });
}

/** The resume request of an answered confirmation. */
export function confirmationBody(c: Confirmation, approve: boolean): { node: string; input: { approve: boolean } } {
  return { node: c.node, input: { approve } };
}
