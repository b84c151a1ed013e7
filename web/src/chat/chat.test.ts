import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../api/live';
import { doc, node } from '../test/fixtures';
import {
  answerFromDetail,
  applyChatEvent,
  applyRunDetail,
  chatRunInput,
  confirmationBody,
  findChatTrigger,
  loadSession,
  newSession,
  runEndError,
  sessionKey,
  type ChatMessage,
  type KeyValueStore,
} from './chat';

const ev = (seq: number, type: string, extra: Partial<RunEvent> = {}): RunEvent => ({ type, seq, run_id: 'r1', flow_id: 'f1', ...extra });
const token = (seq: number, text: string, run = 'r1') => ev(seq, 'stream', { run_id: run, node: 'agent', data: { node: 'agent', kind: 'token', step: 1, text } });
const pending = (): ChatMessage[] => [
  { id: 'u', role: 'user', text: 'hi' },
  { id: 'a', role: 'assistant', text: '', runId: 'r1', status: 'streaming' },
];
const reply = (m: ChatMessage[]) => m.find((x) => x.id === 'a')!;

const flowDoc = doc([node('chat', 'ai.chat_trigger'), node('agent', 'ai.agent'), node('resp', 'http.response'), node('log', 'debug.log')]);

function mem(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

describe('chat trigger', () => {
  it('finds the chat trigger node, or none', () => {
    expect(findChatTrigger(flowDoc)?.id).toBe('chat');
    expect(findChatTrigger(doc([node('route', 'trigger.route'), node('agent', 'ai.agent')]))).toBeUndefined();
  });

  it('starts the run from the trigger with message, session and user', () => {
    expect(chatRunInput(node('c1', 'ai.chat_trigger'), { message: 'Where is my order?', session: 's-1', user: 'ann@example.com' })).toEqual({
      start: 'c1',
      input: { message: 'Where is my order?', session: 's-1', user: 'ann@example.com' },
    });
  });
});

describe('session', () => {
  it('is generated once per flow and kept', () => {
    const s = mem();
    let n = 0;
    const gen = () => `id-${++n}`;
    expect(loadSession(s, 'p', 'f1', gen)).toBe('id-1');
    expect(loadSession(s, 'p', 'f1', gen)).toBe('id-1');
    expect(s.data.get(sessionKey('p', 'f1'))).toBe('id-1');
    expect(loadSession(s, 'p', 'f2', gen)).toBe('id-2');
  });

  it('is replaced by a new conversation', () => {
    const s = mem();
    let n = 0;
    const gen = () => `id-${++n}`;
    loadSession(s, 'p', 'f1', gen);
    expect(newSession(s, 'p', 'f1', gen)).toBe('id-2');
    expect(loadSession(s, 'p', 'f1', gen)).toBe('id-2');
  });

  it('still works when storage refuses', () => {
    const broken: KeyValueStore = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
    };
    expect(loadSession(broken, 'p', 'f', () => 'x')).toBe('x');
  });
});

describe('the assistant message from events', () => {
  it('assembles tokens in order and ignores other runs', () => {
    const events = [ev(1, 'run_start'), token(2, 'Your order '), token(3, 'ships', 'other'), token(4, 'ships '), token(5, 'today.'), ev(6, 'run_end', { status: 'success' })];
    const m = reply(events.reduce((acc, e) => applyChatEvent(acc, e, flowDoc), pending()));
    expect(m.text).toBe('Your order ships today.');
    expect(m.status).toBe('done');
  });

  it('records tool calls and their results by call id', () => {
    const events = [
      ev(1, 'stream', { data: { node: 'agent', kind: 'tool_call', step: 1, tool: 'get_order', call_id: 'c1', arguments: { id: 7 } } }),
      ev(2, 'stream', { data: { node: 'agent', kind: 'tool_call', step: 1, tool: 'get_user', call_id: 'c2', arguments: {} } }),
      ev(3, 'stream', { data: { node: 'agent', kind: 'tool_result', step: 1, tool: 'get_order', call_id: 'c1', status: 'ok', duration_ms: 12.5 } }),
    ];
    const m = reply(events.reduce((acc, e) => applyChatEvent(acc, e, flowDoc), pending()));
    expect(m.tools).toEqual([
      { callId: 'c1', tool: 'get_order', arguments: { id: 7 }, status: 'ok', durationMs: 12.5 },
      { callId: 'c2', tool: 'get_user', arguments: {} },
    ]);
  });

  it('falls back to the response body, else the agent answer, when no tokens streamed', () => {
    const agentEnd = ev(1, 'node_end', { node: 'agent', node_id: 'agent', node_type: 'ai.agent', status: 'success', data: { outputs: { answer: 'from the agent' } } });
    const respEnd = ev(2, 'node_end', { node: 'resp', node_id: 'resp', node_type: 'http.response', status: 'success', data: { outputs: { response: { status: 200, body: { reply: 'from the response' } } } } });
    const lateAgent = ev(3, 'node_end', { node: 'agent', node_id: 'agent', node_type: 'ai.agent', status: 'success', data: { outputs: { answer: 'later agent' } } });
    const end = ev(4, 'run_end', { status: 'success' });

    const onlyAgent = reply([agentEnd, end].reduce((acc, e) => applyChatEvent(acc, e, flowDoc), pending()));
    expect(onlyAgent.text).toBe('from the agent');

    const withResponse = reply([agentEnd, respEnd, lateAgent, end].reduce((acc, e) => applyChatEvent(acc, e, flowDoc), pending()));
    expect(withResponse.text).toBe('{\n  "reply": "from the response"\n}');

    // streamed tokens are the answer even when nodes offer one
    const streamed = reply([token(1, 'streamed'), agentEnd, end].reduce((acc, e) => applyChatEvent(acc, e, flowDoc), pending()));
    expect(streamed.text).toBe('streamed');
  });

  it('reads the node type from the document when the event has none', () => {
    const e = ev(1, 'node_end', { node_id: 'agent', status: 'success', data: { outputs: { answer: 'ok' } } });
    expect(reply([e, ev(2, 'run_end', { status: 'success' })].reduce((acc, x) => applyChatEvent(acc, x, flowDoc), pending())).text).toBe('ok');
  });

  it('shows a failed run with its error', () => {
    const m = reply(applyChatEvent(pending(), ev(1, 'run_end', { status: 'error', data: { status: 'error', error: { error: 'model call 1 of 10: 401 bad key' } } }), flowDoc));
    expect(m.status).toBe('error');
    expect(m.error).toBe('model call 1 of 10: 401 bad key');
    expect(runEndError({ error: 'plain' })).toBe('plain');
    expect(runEndError({ error: null })).toBeUndefined();
  });

  it('turns a paused agent into a confirmation with its question', () => {
    const events = [
      ev(1, 'stream', { node: 'agent', data: { node: 'agent', kind: 'confirmation', step: 1, tool: 'refund', call_id: 'c9', arguments: { amount: 20 } } }),
      ev(2, 'node_end', {
        node: 'agent', node_id: 'agent', node_type: 'ai.agent', status: 'paused',
        data: { outputs: { pause: { kind: 'tool_confirmation', tool: 'refund', call_id: 'c9', arguments: { amount: 20 }, question: 'Allow the agent to call refund with {"amount":20}?' } } },
      }),
      ev(3, 'run_paused', { data: { nodes: ['agent'] } }),
    ];
    const m = reply(events.reduce((acc, e) => applyChatEvent(acc, e, flowDoc), pending()));
    expect(m.status).toBe('paused');
    expect(m.confirmation).toEqual({ node: 'agent', tool: 'refund', question: 'Allow the agent to call refund with {"amount":20}?', arguments: { amount: 20 } });
    expect(confirmationBody(m.confirmation!, true)).toEqual({ node: 'agent', input: { approve: true } });
    expect(confirmationBody(m.confirmation!, false)).toEqual({ node: 'agent', input: { approve: false } });
  });

  it('asks again when the agent pauses for a second tool after an answered one', () => {
    const answered: ChatMessage[] = [
      { id: 'a', role: 'assistant', text: '', runId: 'r1', status: 'streaming', confirmation: { node: 'agent', tool: 'refund', question: 'Allow refund?', answered: 'approved' } },
    ];
    const m = reply(applyChatEvent(answered, ev(5, 'stream', { data: { node: 'agent', kind: 'confirmation', tool: 'email', call_id: 'c2', arguments: { to: 'ann' } } }), flowDoc));
    expect(m.confirmation).toEqual({ node: 'agent', tool: 'email', question: 'Allow the agent to call email?', arguments: { to: 'ann' } });
  });

  it('takes the answer from the stored run when the events told none', () => {
    const detail = {
      id: 'r1', flow: 'f1', stage: 'mock', version: 0, trigger: 'editor', status: 'success' as const, started_at: 't', duration_ms: 5, expires_at: 't',
      nodes: [
        { node: 'chat', order: 1, status: 'success', started_at: 't', duration_ms: 1, outputs: { message: 'hi' } },
        { node: 'agent', order: 2, status: 'success', started_at: 't', duration_ms: 1, outputs: { answer: 'stored answer' } },
      ],
    };
    expect(answerFromDetail(detail, flowDoc)).toBe('stored answer');
    const m = reply(applyRunDetail(pending(), detail, flowDoc));
    expect(m).toMatchObject({ text: 'stored answer', status: 'done' });
    const failed = reply(applyRunDetail(pending(), { ...detail, status: 'error', error: 'boom', nodes: [] }, flowDoc));
    expect(failed).toMatchObject({ status: 'error', error: 'boom' });
  });
});
