// @vitest-environment jsdom
// The run panel follows a run started with ▶ Run through the socket's events and the stored
// run: the engine sends run_end before the run's record is updated, so a read right after the
// end still says "running" — the panel keeps the end and reads again until the record caught
// up. A run_end the socket missed is read soon after its events stop; a read that fails is said.
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LiveSocket, RunEvent, SubscribeOptions } from '../api/live';
import type { RunDetail } from '../api/types';
import { fakeApi, type Answer } from '../manage/testkit';
import { toJSON } from '../model/flow';
import { FOLLOW_TIMING } from '../runs/follow';
import { catalog, doc, node } from '../test/fixtures';
import { shellEnv } from '../test/editor';
import { flowRow, installResizeObserver } from '../test/shell';
import { ShellContext } from './context';
import { FlowEditor, openFlow } from './FlowEditor';

beforeAll(installResizeObserver);
beforeEach(() => {
  localStorage.clear();
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** A live socket, open, whose events and resubscriptions the test sends. */
class ScriptedLive {
  status: 'open' | 'reconnecting' = 'open';
  listeners = new Set<(e: RunEvent) => void>();
  told = new Set<() => void>();
  subscribe(_p: string, _f: string, l: (e: RunEvent) => void, opts: SubscribeOptions = {}) {
    this.listeners.add(l);
    const t = opts.onSubscribed;
    if (t) this.told.add(t);
    return () => {
      this.listeners.delete(l);
      if (t) this.told.delete(t);
    };
  }
  emit(...events: RunEvent[]) {
    for (const e of events) for (const l of [...this.listeners]) l(e);
  }
  subscribed() {
    for (const f of [...this.told]) f();
  }
}

const ev = (type: string, seq: number, extra: Partial<RunEvent> = {}): RunEvent => ({ type, run_id: 'R1', flow_id: 'F1', seq, ...extra });
/** The whole story of run R1 on the socket: node start ran and ended, then the run did. */
const story = [
  ev('run_start', 1),
  ev('node_start', 2, { node_id: 'start', order: 1 }),
  ev('node_end', 3, { node_id: 'start', status: 'success', order: 1, data: { outputs: { true_path: true } } }),
  ev('run_end', 4, { status: 'success' }),
];
const record = (status: string): RunDetail => ({
  id: 'R1', flow: 'F1', stage: 'mock', version: 0, trigger: 'editor', status, started_at: '2026-01-01T10:00:00Z', duration_ms: 3, expires_at: 'x',
  nodes: [{ node: 'start', order: 1, status: 'success', started_at: '', duration_ms: 1, inputs: {}, outputs: { true_path: true } }],
});

async function setup(runRecord: Answer | Answer[], over: (live: ScriptedLive) => Record<string, Answer> = () => ({})) {
  const live = new ScriptedLive();
  const { api, calls } = fakeApi({
    'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Checkout', 'blueprint'), draft: { document: toJSON(doc([node('start', 'trigger.manual')])), revision: 3 } } },
    'GET /secrets': { status: 200, body: [] },
    'GET /env': { status: 200, body: [] },
    'GET /flows': { status: 200, body: { items: [] } },
    'GET /stages': { status: 200, body: [] },
    'POST /flows/F1/runs': { status: 202, body: { run_id: 'R1', status: 'accepted' } },
    'GET /flows/F1/runs/R1': runRecord,
    ...over(live),
  });
  const open = await openFlow(api, catalog, 'P1', 'F1');
  render(
    <ShellContext.Provider value={{ ...shellEnv(api), live: live as unknown as LiveSocket }}>
      <FlowEditor project="P1" open={open} title={<strong>Checkout</strong>} />
    </ShellContext.Provider>,
  );
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  const advance = (ms: number) => act(() => vi.advanceTimersByTimeAsync(ms));
  const reads = () => calls.filter((c) => c.method === 'GET' && c.path === '/flows/F1/runs/R1').length;
  const status = () => within(screen.getByRole('region', { name: 'Run' })).getByRole('status', { name: 'Run status' }).textContent;
  const runButton = () => screen.getByRole('button', { name: '▶ Run' }) as HTMLButtonElement;
  fireEvent.click(runButton());
  await advance(0);
  expect(calls.some((c) => c.method === 'POST' && c.path === '/flows/F1/runs')).toBe(true);
  return { open, live, reads, status, runButton, advance };
}

describe('the run panel following a run', () => {
  it("keeps the socket's run_end when the stored run, read just after, still says running; reads until the record caught up", async () => {
    const { open, live, reads, status, runButton, advance } = await setup([
      { status: 200, body: record('running') },
      { status: 200, body: record('running') },
      { status: 200, body: record('success') },
    ]);
    expect(status()).toBe('running');
    act(() => live.emit(...story));
    expect(status()).toBe('success');
    await advance(FOLLOW_TIMING.soonMs);
    expect(reads()).toBe(1);
    // the record was read before it was updated: the run still ended
    expect(status()).toBe('success');
    expect(runButton().disabled).toBe(false);
    await advance(FOLLOW_TIMING.maxDelayMs * 2);
    expect(reads()).toBe(3);
    expect(status()).toBe('success');
    // settled: nothing more is read
    await advance(FOLLOW_TIMING.maxDelayMs * 4);
    expect(reads()).toBe(3);
    expect(screen.queryByTestId('run-note')).toBeNull();
    open.saver.dispose();
  });

  it('reads the stored run soon after the events stop when the run_end never came (socket open)', async () => {
    const { open, live, reads, status, runButton, advance } = await setup({ status: 200, body: record('success') });
    act(() => live.emit(...story.slice(0, 3)));
    await advance(FOLLOW_TIMING.quietMs - 1);
    expect(reads()).toBe(0);
    await advance(1);
    expect(reads()).toBe(1);
    expect(status()).toBe('success');
    expect(runButton().disabled).toBe(false);
    open.saver.dispose();
  });

  it('takes the events that came before the run id was known in seq order (a run_end ahead of its run_start)', async () => {
    const { open, status } = await setup({ status: 200, body: record('success') }, (live) => ({
      'POST /flows/F1/runs': () => {
        // the run ran and ended before its start was answered, its events out of order
        live.emit(story[3]!, story[2]!, story[0]!, story[1]!);
        return { status: 202, body: { run_id: 'R1', status: 'accepted' } };
      },
    }));
    expect(status()).toBe('success');
    open.saver.dispose();
  });

  it("keeps the resumed run's end when its events come before the resume is answered", async () => {
    const paused = [ev('run_start', 1), ev('node_start', 2, { node_id: 'start' }), ev('node_end', 3, { node_id: 'start', status: 'paused' }), ev('run_paused', 4)];
    const { open, live, status } = await setup({ status: 200, body: { ...record('paused'), nodes: [{ ...record('paused').nodes[0]!, status: 'paused' }] } }, (live) => ({
      'POST /flows/F1/runs/R1/resume': () => {
        // the runner took the answer and the run ended before the API answered the editor
        live.emit(ev('run_start', 5), ev('node_end', 6, { node_id: 'start', status: 'success' }), ev('run_end', 7, { status: 'success' }));
        return { status: 202, body: { run_id: 'R1', status: 'accepted' } };
      },
    }));
    act(() => live.emit(...paused));
    expect(status()).toBe('paused');
    const form = within(screen.getByRole('region', { name: 'Run' })).getByRole('group', { name: 'Resume the paused run' });
    fireEvent.click(within(form).getByRole('button', { name: /Resume/ }));
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(status()).toBe('success');
    open.saver.dispose();
  });

  it('says in the run panel that the stored run could not be read, tries again, and clears it once a read works', async () => {
    const { open, live, status, reads, advance } = await setup([
      { status: 503, body: { title: 'Service Unavailable', status: 503, detail: 'the table is busy' } },
      { status: 200, body: record('success') },
    ]);
    act(() => live.emit(...story.slice(0, 3)));
    await advance(FOLLOW_TIMING.quietMs);
    expect(reads()).toBe(1);
    expect(screen.getByTestId('run-note').textContent).toMatch(/^Could not read the stored run \(.+\); trying again\.$/);
    expect(status()).toBe('running');
    await advance(FOLLOW_TIMING.maxDelayMs);
    expect(reads()).toBe(2);
    expect(status()).toBe('success');
    expect(screen.queryByTestId('run-note')).toBeNull();
    open.saver.dispose();
  });

  it('reads the run again when the socket subscribed again after a drop (events of that time are missing)', async () => {
    const { open, live, status, reads, advance } = await setup([{ status: 200, body: record('running') }, { status: 200, body: record('success') }]);
    act(() => live.emit(story[0]!));
    await advance(FOLLOW_TIMING.quietMs);
    expect(reads()).toBe(1);
    // the socket dropped (the run_end went with it) and came back
    act(() => live.subscribed());
    await advance(FOLLOW_TIMING.soonMs);
    expect(reads()).toBe(2);
    expect(status()).toBe('success');
    open.saver.dispose();
  });
});
