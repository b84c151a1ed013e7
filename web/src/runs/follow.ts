// Following the run the editor shows. Its events come over the WebSocket, but the socket can
// miss some: a run that starts while the routers do not know the subscriber yet (for a moment
// after subscribing), a connection that drops and comes back, an event lost on the way. So the
// stored run is read too, and read again (with backoff) until it is settled — and a stored
// run is not taken over what the socket said when it is older: the engine sends run_end (and
// run_paused) before the run's record is updated, so a read right after run_end may still say
// "running". Reads that fail are said (onNote), not swallowed; they are tried again.

import type { RunEvent } from '../api/live';
import type { RunDetail } from '../api/types';
import { applyRunEvent, newRun, runFromDetail, type RunState } from '../store/run';

/** A run's status is final: it ran to its end (neither running nor waiting to resume). */
export const isFinal = (status: string) => status !== 'running' && status !== 'paused';

/** How the stored run is read while a run is followed. */
export const FOLLOW_TIMING = {
  /** The socket is open: the stored run is read once the run's events have stopped this long. */
  quietMs: 1500,
  /** The socket is not open: the stored run is read this soon, then with backoff. */
  closedMs: 1000,
  /** After run_end or run_paused (or a resubscription): the record is updated just after. */
  soonMs: 250,
  /** Reads back off (doubling) up to this delay. */
  maxDelayMs: 8000,
  /** A run followed this long without settling is left to the socket (and the history). */
  budgetMs: 15 * 60 * 1000,
  /** follow() resolves after this long at most (▶ Run waits no longer), while reads go on. */
  waitMs: 60 * 1000,
};

/** A run as the editor shows it, with the seq of the event that last set its status. */
type LiveRun = RunState & { statusSeq?: number };

const statusEvents = new Set(['run_start', 'run_end', 'run_paused']);

/**
 * Applies a live event to the run. Events may come late or out of order (a batch posted
 * again after a reconnect, a buffer replayed): one that would set the status is taken only
 * when it is newer (by seq) than the one that set it, and a run that ended stays ended.
 */
export function applyLiveEvent(s: RunState, e: RunEvent): RunState {
  if (e.run_id !== s.runId) return s;
  const cur = s as LiveRun;
  const next = applyRunEvent(s, e) as LiveRun;
  if (!statusEvents.has(e.type)) return next;
  const stale = (cur.statusSeq !== undefined && e.seq < cur.statusSeq) || (isFinal(cur.status) && e.type !== 'run_end');
  if (stale) {
    const kept: LiveRun = { ...next, status: cur.status };
    if (cur.error !== undefined) kept.error = cur.error;
    else delete kept.error;
    return kept;
  }
  return { ...next, statusSeq: e.seq } as LiveRun;
}

/** An event set the run's status since `before` (the same run, a later state). */
export function statusChanged(before: RunState, after: RunState): boolean {
  return (before as LiveRun).statusSeq !== (after as LiveRun).statusSeq || before.status !== after.status;
}

/** The run runId with the events that came before its id was known (in seq order). */
export function adoptRun(runId: string, buffered: readonly RunEvent[]): RunState {
  let s = newRun(runId);
  for (const e of [...buffered].filter((e) => e.run_id === runId).sort((a, b) => a.seq - b.seq)) s = applyLiveEvent(s, e);
  return s;
}

/**
 * The stored run is newer than what the socket said, or as new: it may be shown. It is not
 * when it still says "running" while the socket said the run ended or paused (the record is
 * updated after the event), nor when it still says "paused" at the node the editor resumed.
 */
export function storedIsCurrent(live: RunState, stored: RunDetail, resumedNode?: string): boolean {
  if (stored.status === 'running') return live.status === 'running';
  if (stored.status === 'paused' && resumedNode) {
    // the resume was accepted but the runner has not taken it yet: the same pause
    const same = stored.nodes.some((n) => n.node === resumedNode && n.status === 'paused');
    if (same) return live.status === 'paused' && live.nodes.get(resumedNode)?.status === 'paused';
  }
  return true;
}

/**
 * What the run panel shows after reading the stored run: the stored run once it is settled
 * and current (its node results have inputs and outputs), with the live logs and nodes when
 * it has none; otherwise what the socket said, with the stored node results it did not say.
 * settled: nothing more is to be read.
 */
export function mergeStored(live: RunState, stored: RunDetail, resumedNode?: string): { run: RunState; settled: boolean } {
  const read = runFromDetail(stored);
  if (stored.status !== 'running' && storedIsCurrent(live, stored, resumedNode)) {
    const run: LiveRun = { ...read, logs: read.logs.length ? read.logs : live.logs };
    if (!read.nodes.size) {
      run.nodes = live.nodes;
      run.results = live.results;
    }
    const seq = (live as LiveRun).statusSeq;
    if (seq !== undefined) run.statusSeq = seq;
    return { run, settled: true };
  }
  // still running, or older than the socket: the socket's status stays; the stored run's
  // ended nodes fill in what the socket did not say
  const nodes = new Map(live.nodes);
  const results = new Map(live.results);
  for (const [id, v] of read.nodes) {
    if (!nodes.has(id) || nodes.get(id)?.status === 'running') {
      nodes.set(id, v);
      results.set(id, read.results.get(id));
    }
  }
  const logs = read.logs.length > live.logs.length ? read.logs : live.logs;
  return { run: { ...live, nodes, results, logs }, settled: false };
}

export interface RunFollowerDeps {
  /** Reads the stored run. */
  read(runId: string): Promise<RunDetail>;
  /** The run the editor shows (null: none). */
  current(): RunState | null;
  /** Shows the run. */
  show(s: RunState): void;
  /** The live socket is open (its events come). */
  socketOpen(): boolean;
  /**
   * What the run panel says about following runId: a read that failed (tried again), or that
   * the run is no longer followed; null once reads work again.
   */
  onNote?(runId: string, note: string | null): void;
  /** Time, for the budget (tests). */
  now?(): number;
}

interface Following {
  runId: string;
  resumedNode?: string;
  since: number;
  attempt: number;
  timer?: ReturnType<typeof setTimeout>;
  /** Ends the wait of follow()'s promises (waitMs). */
  waitTimer?: ReturnType<typeof setTimeout>;
  reading: boolean;
  /** A read was asked for while one was in flight: read again when it answers. */
  again: boolean;
  failed: boolean;
  /** follow()'s promises: resolved when the run stops running (or is not followed). */
  waiters: (() => void)[];
}

/**
 * Keeps the shown run in step with its stored record. One run is followed at a time: the one
 * the editor shows. The editor tells it the events it applied (event), when the socket
 * subscribed again (resubscribed), and when the run panel closed (closed).
 */
export class RunFollower {
  private f: Following | null = null;

  constructor(private readonly deps: RunFollowerDeps) {}

  /** The run followed now, if any. */
  get following(): string | null {
    return this.f?.runId ?? null;
  }

  /**
   * Follows runId (the run the editor shows) until its stored record is settled. The promise
   * resolves once the run is no longer running (it ended or paused, as the socket or the
   * stored run said), or is no longer shown or followed, or after waitMs (reading goes on,
   * the caller waits no longer). resumedNode: the node the run was
   * just resumed at (its stored record says "paused" there until the runner takes it).
   */
  follow(runId: string, opts: { resumedNode?: string } = {}): Promise<void> {
    const prev = this.f;
    const waiters = prev?.runId === runId ? prev.waiters : [];
    if (prev) {
      clearTimeout(prev.timer);
      clearTimeout(prev.waitTimer);
      if (prev.runId !== runId) this.release(prev);
    }
    const f: Following = { runId, since: this.now(), attempt: 0, reading: false, again: false, failed: false, waiters, ...(opts.resumedNode ? { resumedNode: opts.resumedNode } : {}) };
    this.f = f;
    const done = new Promise<void>((res) => f.waiters.push(res));
    f.waitTimer = setTimeout(() => this.release(f), FOLLOW_TIMING.waitMs);
    this.plan(this.deps.socketOpen() ? FOLLOW_TIMING.quietMs : FOLLOW_TIMING.closedMs);
    this.check();
    return done;
  }

  /** An event of the shown run was applied: read once they stop (soon after it ended). */
  event(e: RunEvent): void {
    const f = this.f;
    if (!f || e.run_id !== f.runId) return;
    f.attempt = 0;
    this.plan(e.type === 'run_end' || e.type === 'run_paused' ? FOLLOW_TIMING.soonMs : FOLLOW_TIMING.quietMs);
    this.check();
  }

  /** The socket subscribed again: events of the time it was away are missing, read soon. */
  resubscribed(): void {
    if (!this.f) return;
    this.f.attempt = 0;
    this.plan(FOLLOW_TIMING.soonMs);
  }

  /** The shown run changed or the panel closed: a run no longer shown is not followed. */
  closed(): void {
    const f = this.f;
    if (!f) return;
    if (this.deps.current()?.runId === f.runId) return;
    this.stop(f);
  }

  /** Stops following (the editor is gone). */
  dispose(): void {
    if (this.f) this.stop(this.f);
  }

  private now() {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  private plan(ms: number) {
    const f = this.f;
    if (!f) return;
    clearTimeout(f.timer);
    if (f.reading) {
      f.again = true;
      return;
    }
    f.timer = setTimeout(() => {
      f.timer = undefined;
      void this.read(f);
    }, ms);
  }

  private backoff(f: Following) {
    if (this.now() - f.since >= FOLLOW_TIMING.budgetMs) {
      this.deps.onNote?.(f.runId, 'No word of this run for a long while: its outcome will be in the run history.');
      this.stop(f);
      return;
    }
    const base = this.deps.socketOpen() ? FOLLOW_TIMING.quietMs : FOLLOW_TIMING.closedMs;
    const ms = Math.min(FOLLOW_TIMING.maxDelayMs, base * 2 ** f.attempt);
    f.attempt++;
    this.plan(ms);
  }

  private async read(f: Following) {
    if (this.f !== f) return;
    if (this.deps.current()?.runId !== f.runId) {
      this.stop(f);
      return;
    }
    f.reading = true;
    f.again = false;
    let stored: RunDetail;
    try {
      stored = await this.deps.read(f.runId);
    } catch (e) {
      f.reading = false;
      if (this.f !== f) return;
      const why = e instanceof Error ? e.message : String(e);
      if (!f.failed) console.warn(`run ${f.runId}: reading the stored run failed:`, e);
      f.failed = true;
      this.deps.onNote?.(f.runId, `Could not read the stored run (${why}); trying again.`);
      if (f.again) {
        f.attempt = 0;
        this.plan(FOLLOW_TIMING.soonMs);
      } else this.backoff(f);
      return;
    }
    f.reading = false;
    if (this.f !== f) return;
    const live = this.deps.current();
    if (live?.runId !== f.runId) {
      this.stop(f);
      return;
    }
    if (f.failed) {
      f.failed = false;
      this.deps.onNote?.(f.runId, null);
    }
    const { run, settled } = mergeStored(live, stored, f.resumedNode);
    this.deps.show(run);
    if (settled) {
      // the record caught up: the socket says what comes next (a resume follows again)
      this.stop(f);
      return;
    }
    this.check();
    if (f.again) {
      f.attempt = 0;
      this.plan(FOLLOW_TIMING.soonMs);
    } else this.backoff(f);
  }

  /** Resolves follow()'s promises once the shown run is no longer running. */
  private check() {
    const f = this.f;
    if (!f) return;
    const cur = this.deps.current();
    if (cur?.runId !== f.runId || cur.status !== 'running') this.release(f);
  }

  private release(f: Following) {
    const w = f.waiters.splice(0);
    for (const res of w) res();
  }

  private stop(f: Following) {
    clearTimeout(f.timer);
    clearTimeout(f.waitTimer);
    f.timer = undefined;
    this.release(f);
    if (this.f === f) this.f = null;
  }
}
