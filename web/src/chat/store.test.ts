import { describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/client';
import type { RunEvent } from '../api/live';
import { doc, flowInvalidResponse, node } from '../test/fixtures';
import { sessionKey, type KeyValueStore } from './chat';
import { createChatStore, type ChatDeps } from './store';

type Call = { method: string; url: string; body: unknown };

function fakeFetch(answers: Record<string, (c: Call) => Response | Promise<Response>>) {
  const calls: Call[] = [];
  const f = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
    const c: Call = { method: init?.method ?? 'GET', url: String(url), body: init?.body ? JSON.parse(String(init.body)) : undefined };
    calls.push(c);
    const key = Object.keys(answers).find((k) => `${c.method} ${c.url}`.endsWith(k));
    if (!key) throw new TypeError('Failed to fetch');
    return answers[key]!(c);
  });
  return { fetch: f as unknown as typeof fetch, calls };
}

const json = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const problem = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/problem+json' } });
const ev = (seq: number, type: string, extra: Partial<RunEvent> = {}): RunEvent => ({ type, seq, run_id: 'r1', flow_id: 'f1', ...extra });
const token = (seq: number, text: string) => ev(seq, 'stream', { node: 'agent', data: { node: 'agent', kind: 'token', step: 1, text } });

const RUNS = '/projects/p1/flows/f1/runs';
const flowDoc = doc([node('chat1', 'ai.chat_trigger'), node('agent', 'ai.agent')]);

function mem(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return { data, getItem: (k) => data.get(k) ?? null, setItem: (k, v) => void data.set(k, v) };
}

function setup(answers: Record<string, (c: Call) => Response | Promise<Response>>, extra: Partial<ChatDeps> = {}) {
  const { fetch, calls } = fakeFetch(answers);
  const api = new ApiClient({ baseUrl: '/api/v1', fetch, getToken: () => 'tok', sleep: async () => {}, tenant: 't1', retries: 0 });
  const order: string[] = [];
  const storage = mem();
  let n = 0;
  const chat = createChatStore({
    api,
    project: 'p1',
    flow: 'f1',
    doc: () => flowDoc,
    flush: async () => void order.push('flush'),
    user: () => 'ann@example.com',
    storage,
    liveOpen: () => true,
    sleep: async () => {},
    newId: () => `id-${++n}`,
    ...extra,
  });
  return { chat, calls, order, storage };
}

const started = () => json(202, { run_id: 'r1', status: 'accepted' });

describe('chat store', () => {
  it('saves the draft, then starts the run from the chat trigger with message, session and user', async () => {
    const { chat, calls, order, storage } = setup({
      [`POST /api/v1/tenants/t1${RUNS}`]: () => {
        order.push('start');
        return started();
      },
      [`GET /api/v1/tenants/t1${RUNS}/r1`]: () => json(200, { id: 'r1', status: 'running', nodes: [] }),
    });
    const session = chat.getState().session;
    expect(storage.data.get(sessionKey('p1', 'f1'))).toBe(session);
    const sending = chat.send('  Where is my order?\nNumber 7  ');
    expect(chat.getState().busy).toBe(true);
    // the run's events end it while the panel follows
    await vi.waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    await vi.waitFor(() => expect(chat.getState().messages[1]!.runId).toBe('r1'));
    chat.apply(ev(1, 'run_end', { status: 'success' }));
    await sending;
    expect(order.slice(0, 2)).toEqual(['flush', 'start']);
    const post = calls.find((c) => c.method === 'POST')!;
    expect(post.body).toEqual({ start: 'chat1', input: { message: 'Where is my order?\nNumber 7', session, user: 'ann@example.com' } });
    expect(chat.getState().messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'Where is my order?\nNumber 7'],
      ['assistant', ''],
    ]);
  });

  it('tells the editor the run each message starts (the canvas shows it), and none for a refused start', async () => {
    const runs: string[] = [];
    let refuse = false;
    const { chat } = setup(
      {
        [`POST /api/v1/tenants/t1${RUNS}`]: () =>
          refuse ? problem(422, { title: 'Unprocessable Entity', status: 422, detail: 'the flow has problems' }) : started(),
        [`GET /api/v1/tenants/t1${RUNS}/r1`]: () => json(200, { id: 'r1', status: 'success', nodes: [] }),
      },
      { onRun: (id) => runs.push(id) },
    );
    const sending = chat.send('hi');
    await vi.waitFor(() => expect(runs).toEqual(['r1']));
    chat.apply(ev(1, 'run_end', { status: 'success' }));
    await sending;
    refuse = true;
    await chat.send('again');
    expect(runs).toEqual(['r1']);
  });

  it('assembles streamed tokens of its run in order, including events that came before the run id', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { chat } = setup({
      [`POST /api/v1/tenants/t1${RUNS}`]: async () => {
        await gate;
        return started();
      },
    });
    const sending = chat.send('hi');
    // the socket is faster than the 202
    chat.apply(token(2, 'Hello'));
    chat.apply(ev(1, 'run_start'));
    release();
    await vi.waitFor(() => expect(chat.getState().messages[1]!.text).toBe('Hello'));
    chat.apply(token(3, ', '));
    chat.apply({ ...token(4, 'IGNORED'), run_id: 'other' });
    chat.apply(token(5, 'Ann.'));
    expect(chat.getState().messages[1]!.text).toBe('Hello, Ann.');
    chat.apply(ev(6, 'run_end', { status: 'success' }));
    await sending;
    expect(chat.getState().messages[1]).toMatchObject({ text: 'Hello, Ann.', status: 'done' });
    expect(chat.getState().busy).toBe(false);
  });

  it("fetches the run's node results for the final answer when nothing streamed", async () => {
    const { chat, calls } = setup({
      [`POST /api/v1/tenants/t1${RUNS}`]: started,
      [`GET /api/v1/tenants/t1${RUNS}/r1`]: () =>
        json(200, {
          id: 'r1', flow: 'f1', stage: 'mock', version: 0, trigger: 'editor', status: 'success', started_at: 't', duration_ms: 3, expires_at: 't',
          nodes: [{ node: 'agent', order: 2, status: 'success', started_at: 't', duration_ms: 1, outputs: { answer: 'It ships today.' } }],
        }),
    });
    const sending = chat.send('hi');
    await vi.waitFor(() => expect(chat.getState().messages[1]!.runId).toBe('r1'));
    chat.apply(ev(1, 'run_end', { status: 'success', data: { status: 'success' } }));
    await sending;
    await vi.waitFor(() => expect(chat.getState().messages[1]).toMatchObject({ text: 'It ships today.', status: 'done' }));
    expect(calls.some((c) => c.method === 'GET' && c.url.endsWith(`${RUNS}/r1`))).toBe(true);
  });

  it('reads the stored run when no events arrive (socket down)', async () => {
    let reads = 0;
    const { chat } = setup(
      {
        [`POST /api/v1/tenants/t1${RUNS}`]: started,
        [`GET /api/v1/tenants/t1${RUNS}/r1`]: () => {
          reads++;
          return json(200, {
            id: 'r1', status: reads < 2 ? 'running' : 'error', error: 'the agent used all max_steps', started_at: 't', duration_ms: 1,
            nodes: [],
          });
        },
      },
      { liveOpen: () => false },
    );
    await chat.send('hi');
    expect(chat.getState().messages[1]).toMatchObject({ status: 'error', error: 'the agent used all max_steps' });
    expect(reads).toBe(2);
  });

  it('shows a refused start and a network failure in the conversation', async () => {
    const { chat } = setup({
      [`POST /api/v1/tenants/t1${RUNS}`]: () => problem(422, { type: 'urn:polysynergy:problem:flow-invalid', title: 'Flow invalid', status: 422, detail: 'the flow has problems', problems: [{ node: 'agent', message: 'agent: model is required' }] }),
    });
    await chat.send('hi');
    expect(chat.getState().messages[1]).toMatchObject({ status: 'error', error: 'Not run: 1 problem in the flow.', problems: ['agent: agent: model is required'] });
    expect(chat.getState().busy).toBe(false);

    // refused as invalid (flow-invalid's errors): counted like the Run button's refusal, each problem by handle.port
    const invalid = setup({
      [`POST /api/v1/tenants/t1${RUNS}`]: () =>
        flowInvalidResponse([
          { location: '/nodes/1/values/model', message: 'model is required', value: 'agent' },
          { location: '/', message: 'the flow never exits' },
        ]),
    });
    await invalid.chat.send('hi');
    expect(invalid.chat.getState().messages[1]).toMatchObject({ status: 'error', error: 'Not run: 2 problems in the flow.', problems: ['agent.model: model is required', 'flow: the flow never exits'] });
    expect(invalid.chat.getState().busy).toBe(false);

    // with the editor told (onRefused), the lines are the editor's and the text says they are marked
    const told: unknown[] = [];
    const marked = setup(
      { [`POST /api/v1/tenants/t1${RUNS}`]: () => flowInvalidResponse([{ location: '/nodes/1/values/model', message: 'model is required', value: 'agent' }]) },
      {
        onRefused: (problems) => {
          told.push(problems);
          return { problems: [], lines: ['agent.model: model is required (from the editor)'], marks: [] };
        },
      },
    );
    await marked.chat.send('hi');
    expect(told).toEqual([[{ path: '/nodes/1/values/model', message: 'model is required', node: 'agent' }]]);
    expect(marked.chat.getState().messages[1]).toMatchObject({ status: 'error', error: 'Not run: 1 problem in the flow (marked on the canvas).', problems: ['agent.model: model is required (from the editor)'] });

    const down = setup({});
    await down.chat.send('hi');
    expect(down.chat.getState().messages[1]).toMatchObject({ status: 'error' });
    expect(down.chat.getState().messages[1]!.error).toContain('Failed to fetch');
  });

  it('resumes a paused confirmation with approve true or false', async () => {
    for (const approve of [true, false]) {
      const { chat, calls } = setup({
        [`POST /api/v1/tenants/t1${RUNS}`]: started,
        [`POST /api/v1/tenants/t1${RUNS}/r1/resume`]: () => json(202, { run_id: 'r1', status: 'accepted' }),
      });
      const sending = chat.send('refund order 7');
      await vi.waitFor(() => expect(chat.getState().messages[1]!.runId).toBe('r1'));
      chat.apply(ev(1, 'stream', { node: 'agent', data: { node: 'agent', kind: 'confirmation', tool: 'refund', call_id: 'c1', arguments: { order: 7 } } }));
      chat.apply(ev(2, 'node_end', { node: 'agent', node_id: 'agent', status: 'paused', data: { outputs: { pause: { tool: 'refund', question: 'Allow refund?' } } } }));
      chat.apply(ev(3, 'run_paused'));
      await sending;
      expect(chat.getState().busy).toBe(false);
      expect(chat.getState().messages[1]!.confirmation).toMatchObject({ node: 'agent', question: 'Allow refund?' });

      const answering = chat.answer('r1', approve);
      await vi.waitFor(() => expect(calls.some((c) => c.url.endsWith('/resume'))).toBe(true));
      chat.apply(token(4, approve ? 'Refunded.' : 'Not refunded.'));
      chat.apply(ev(5, 'run_end', { status: 'success' }));
      await answering;
      expect(calls.find((c) => c.url.endsWith('/resume'))!.body).toEqual({ node: 'agent', input: { approve } });
      expect(chat.getState().messages[1]).toMatchObject({ status: 'done', text: approve ? 'Refunded.' : 'Not refunded.', confirmation: { answered: approve ? 'approved' : 'rejected' } });
      // answered once: a second click sends nothing
      await chat.answer('r1', approve);
      expect(calls.filter((c) => c.url.endsWith('/resume'))).toHaveLength(1);
    }
  });

  it('keeps the session per flow and starts a new one on "New conversation"', async () => {
    const { chat, storage } = setup({});
    const first = chat.getState().session;
    const again = createChatStore({
      api: new ApiClient({ baseUrl: '/api/v1' }), project: 'p1', flow: 'f1', doc: () => flowDoc, flush: async () => {}, user: () => '', storage,
    });
    expect(again.getState().session).toBe(first);
    await chat.send('hello'); // fails (no fetch answer) but leaves messages
    expect(chat.getState().messages).toHaveLength(2);
    chat.newConversation();
    expect(chat.getState().session).not.toBe(first);
    expect(chat.getState().messages).toEqual([]);
    expect(storage.data.get(sessionKey('p1', 'f1'))).toBe(chat.getState().session);
  });

  it('says so when the flow lost its chat trigger', async () => {
    const { chat, calls } = setup({}, { doc: () => doc([node('agent', 'ai.agent')]) });
    await chat.send('hi');
    expect(chat.getState().messages[1]!.error).toBe('This flow has no chat trigger to send the message to.');
    expect(calls).toHaveLength(0);
  });
});
