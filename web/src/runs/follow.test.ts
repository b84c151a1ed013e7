// Following a run: the socket's events and the stored run, read again until it is settled,
// never taken over the socket when it is older (the record is updated after run_end).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunEvent } from '../api/live';
import type { NodeResult, RunDetail } from '../api/types';
import { newRun, type RunState } from '../store/run';
import { adoptRun, applyLiveEvent, FOLLOW_TIMING, mergeStored, RunFollower } from './follow';

const ev = (type: string, seq: number, extra: Partial<RunEvent> = {}): RunEvent => ({ type, run_id: 'R1', flow_id: 'F1', seq, ...extra });
const nodeResult = (node: string, status = 'success', extra: Partial<NodeResult> = {}): NodeResult => ({ node, order: 1, status, started_at: '', duration_ms: 1, outputs: { v: 1 }, ...extra });
const stored = (status: string, nodes: NodeResult[] = [], extra: Partial<RunDetail> = {}): RunDetail => ({
  id: 'R1', flow: 'F1', stage: 'mock', version: 0, trigger: 'editor', status, started_at: '', duration_ms: 3, expires_at: 'x', nodes, ...extra,
});
/** The run R1 after the socket told its whole story: started, node a ran, ended with success. */
const ended = () => [ev('run_start', 1), ev('node_start', 2, { node_id: 'a' }), ev('node_end', 3, { node_id: 'a', status: 'success', data: { outputs: { v: 1 } } }), ev('run_end', 4, { status: 'success' })].reduce(applyLiveEvent, newRun('R1'));

describe('live events of a run', () => {
  it('keeps a run ended when an older event comes late (a run_start after its run_end)', () => {
    const s = applyLiveEvent(ended(), ev('run_start', 1));
    expect(s.status).toBe('success');
    const failed = applyLiveEvent(applyLiveEvent(newRun('R1'), ev('run_end', 5, { status: 'error', data: { error: 'boom' } })), ev('run_start', 1));
    expect([failed.status, failed.error]).toEqual(['error', 'boom']);
  });

  it('keeps a pause when its run_start comes after it, and takes the events of a resume (later seqs)', () => {
    const paused = applyLiveEvent(newRun('R1'), ev('run_paused', 6));
    expect(applyLiveEvent(paused, ev('run_start', 1)).status).toBe('paused');
    const resumed = { ...paused, status: 'running' };
    expect(applyLiveEvent(resumed, ev('run_end', 9, { status: 'success' })).status).toBe('success');
  });

  it('replays the events that came before the run id was known in seq order, whatever order they came in', () => {
    const s = adoptRun('R1', [ev('run_end', 4, { status: 'success' }), ev('node_end', 3, { node_id: 'a' }), ev('run_start', 1), { ...ev('run_start', 1), run_id: 'R0' }]);
    expect(s.status).toBe('success');
    expect(s.nodes.get('a')?.status).toBe('success');
  });
});

describe('the stored run read while following', () => {
  it('is not taken over a run_end the socket said when it still says running (the record is updated after)', () => {
    const { run, settled } = mergeStored(ended(), stored('running', [nodeResult('a')]));
    expect(run.status).toBe('success');
    expect(settled).toBe(false);
    expect(run.nodes.get('a')?.status).toBe('success');
  });

  it('is taken once it is final: its results (inputs and outputs), the live logs when it has none', () => {
    const live = applyLiveEvent(ended(), ev('node_log', 5, { node_id: 'a', data: 'hi' }));
    const { run, settled } = mergeStored(live, stored('error', [nodeResult('a', 'error', { inputs: { x: 1 } })], { error: 'boom' }));
    expect([run.status, run.error, settled]).toEqual(['error', 'boom', true]);
    expect(run.results.get('a')).toMatchObject({ inputs: { x: 1 } });
    expect(run.logs.map((l) => l.data)).toEqual(['hi']);
  });

  it('tells a run whose events were missed: it ended, or paused', () => {
    expect(mergeStored(newRun('R1'), stored('success', [nodeResult('a')])).run.status).toBe('success');
    expect(mergeStored(newRun('R1'), stored('paused', [nodeResult('h', 'paused')]))).toMatchObject({ run: { status: 'paused' }, settled: true });
  });

  it('fills in the nodes the socket did not say while both say running, keeping those it did', () => {
    const live = applyLiveEvent(newRun('R1'), ev('node_start', 2, { node_id: 'b' }));
    const { run, settled } = mergeStored(live, stored('running', [nodeResult('a')]));
    expect(settled).toBe(false);
    expect(run.status).toBe('running');
    expect([...run.nodes].map(([id, v]) => `${id}:${v.status}`).sort()).toEqual(['a:success', 'b:running']);
  });

  it('after a resume, a record still paused at the resumed node is the old pause; paused at another node is a new one', () => {
    const resumed = { ...newRun('R1'), nodes: new Map([['h', { status: 'running' as const }]]) };
    expect(mergeStored(resumed, stored('paused', [nodeResult('h', 'paused')]), 'h')).toMatchObject({ run: { status: 'running' }, settled: false });
    expect(mergeStored(resumed, stored('paused', [nodeResult('h'), nodeResult('h2', 'paused')]), 'h')).toMatchObject({ run: { status: 'paused' }, settled: true });
  });
});

describe('the run follower', () => {
  let shown: RunState | null;
  let reads: string[];
  let answers: (RunDetail | Error)[];
  let notes: (string | null)[];
  let open: boolean;
  let f: RunFollower;
  const answer = (): Promise<RunDetail> => {
    const a = answers.length > 1 ? answers.shift()! : answers[0]!;
    return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
  };
  const advance = (ms: number) => vi.advanceTimersByTimeAsync(ms);
  /** An event the socket brought, applied as the editor applies it. */
  const socket = (e: RunEvent) => {
    shown = applyLiveEvent(shown!, e);
    f.event(e);
  };

  beforeEach(() => {
    vi.useFakeTimers();
    vi.spyOn(console, 'warn').mockImplementation(() => {});
    shown = newRun('R1');
    reads = [];
    answers = [stored('running')];
    notes = [];
    open = true;
    f = new RunFollower({
      read: (id) => {
        reads.push(id);
        return answer();
      },
      current: () => shown,
      show: (s) => {
        shown = s;
      },
      socketOpen: () => open,
      onNote: (_id, n) => notes.push(n),
    });
  });
  afterEach(() => {
    f.dispose();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('reads the stored run after a run_end until the record says it ended, showing the end all along', async () => {
    let resolved = false;
    void f.follow('R1').then(() => (resolved = true));
    answers = [stored('running', [nodeResult('a')]), stored('running', [nodeResult('a')]), stored('success', [nodeResult('a', 'success', { inputs: { x: 1 } })])];
    for (const e of [ev('run_start', 1), ev('node_start', 2, { node_id: 'a' }), ev('node_end', 3, { node_id: 'a' }), ev('run_end', 4, { status: 'success' })]) socket(e);
    await advance(0);
    expect(resolved).toBe(true);
    await advance(FOLLOW_TIMING.soonMs);
    expect(reads).toHaveLength(1);
    expect(shown!.status).toBe('success');
    // read again (backing off) until the record caught up
    await advance(FOLLOW_TIMING.maxDelayMs * 2);
    expect(reads).toHaveLength(3);
    expect(shown!.status).toBe('success');
    expect(shown!.results.get('a')).toMatchObject({ inputs: { x: 1 } });
    expect(f.following).toBeNull();
    await advance(FOLLOW_TIMING.budgetMs);
    expect(reads).toHaveLength(3);
    expect(notes).toEqual([]);
  });

  it('reads the stored run once the events stop, with the socket open, when the run_end never comes', async () => {
    let resolved = false;
    void f.follow('R1').then(() => (resolved = true));
    answers = [stored('success', [nodeResult('a')])];
    socket(ev('run_start', 1));
    await advance(FOLLOW_TIMING.quietMs - 1);
    socket(ev('node_end', 3, { node_id: 'a' }));
    // each event puts the read off: the run is still telling its story
    await advance(FOLLOW_TIMING.quietMs - 1);
    expect(reads).toEqual([]);
    await advance(1);
    expect(reads).toEqual(['R1']);
    expect(shown!.status).toBe('success');
    expect(resolved).toBe(true);
    expect(f.following).toBeNull();
  });

  it('reads again soon after the socket subscribed again (its events while away are missing)', async () => {
    void f.follow('R1');
    answers = [stored('running'), stored('success')];
    await advance(FOLLOW_TIMING.quietMs);
    expect(reads).toHaveLength(1);
    f.resubscribed();
    await advance(FOLLOW_TIMING.soonMs);
    expect(reads).toHaveLength(2);
    expect(shown!.status).toBe('success');
  });

  it('says a read that failed, keeps trying with backoff, and clears the note once a read works', async () => {
    open = false;
    void f.follow('R1');
    answers = [new Error('Service Unavailable'), new Error('Service Unavailable'), stored('success')];
    await advance(FOLLOW_TIMING.closedMs);
    expect(reads).toHaveLength(1);
    expect(notes).toEqual(['Could not read the stored run (Service Unavailable); trying again.']);
    await advance(FOLLOW_TIMING.closedMs);
    expect(reads).toHaveLength(2);
    // said once on the console, not on every try
    expect(console.warn).toHaveBeenCalledTimes(1);
    await advance(FOLLOW_TIMING.closedMs * 2);
    expect(reads).toHaveLength(3);
    expect(notes.at(-1)).toBeNull();
    expect(shown!.status).toBe('success');
  });

  it('stops reading a run no longer shown (the panel closed, another run opened)', async () => {
    let resolved = false;
    void f.follow('R1').then(() => (resolved = true));
    shown = null;
    f.closed();
    await advance(0);
    expect(resolved).toBe(true);
    await advance(FOLLOW_TIMING.budgetMs);
    expect(reads).toEqual([]);
  });

  it('lets the caller wait a minute at most while the run goes on, and reads on', async () => {
    let resolved = false;
    void f.follow('R1').then(() => (resolved = true));
    await advance(FOLLOW_TIMING.waitMs - 1);
    expect(resolved).toBe(false);
    await advance(1);
    expect(resolved).toBe(true);
    const n = reads.length;
    answers = [stored('success')];
    await advance(FOLLOW_TIMING.maxDelayMs);
    expect(reads.length).toBe(n + 1);
    expect(shown!.status).toBe('success');
  });

  it('gives up after its budget, saying so, without reading forever', async () => {
    void f.follow('R1');
    answers = [stored('running')];
    await advance(FOLLOW_TIMING.budgetMs + FOLLOW_TIMING.maxDelayMs * 2);
    const n = reads.length;
    expect(n).toBeLessThan(FOLLOW_TIMING.budgetMs / FOLLOW_TIMING.maxDelayMs + 10);
    expect(notes.at(-1)).toMatch(/run history/);
    await advance(FOLLOW_TIMING.budgetMs);
    expect(reads).toHaveLength(n);
  });
});
