// The server's check of the saved draft while editing. Once an autosave has saved a revision and
// typing has paused (the saver is "saved" and nothing is unsaved), it asks the API to validate
// the draft — once per saved revision, after a short delay, so typing never sends a request. An answer for
// a revision that is no longer the saved one is dropped (its request is aborted when a newer
// revision saves). The answer's problems are mapped onto the document as it was at that
// revision; visibleProblems hides those whose field has changed since, until the next answer.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { ApiError } from '../api/client';
import type { ValidationReport } from '../api/types';
import type { FlowDocument } from '../model/flow';
import { type Problem, problemMark, problemsFromServer, validateDocument } from '../model/validate';
import type { EditorStore } from './editor';
import type { DraftSaver } from './saver';

/** The server's answer for one saved revision. */
export interface CheckAnswer {
  revision: number;
  /** The document at that revision: the problems' node indexes are its. */
  doc: FlowDocument;
  /**
   * Its problems, without those the editor's own validation already shows, then its warnings
   * (flagged `warning`: shown apart, never blocking).
   */
  problems: Problem[];
}

export interface CheckState {
  /** A request is running. */
  checking: boolean;
  /** The last answer (null before the first). */
  answer: CheckAnswer | null;
  /** Why the last request failed (null when it did not). */
  error: string | null;
}

/** Asks the API to validate the saved draft. */
export type CheckFn = (signal: AbortSignal) => Promise<ValidationReport>;

export interface CheckerOptions {
  /** Milliseconds a saved revision stays put before it is checked (default 600). */
  delayMs?: number;
  timers?: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };
}

const syntax = /^expression at (line \d+, )?column \d+:/;

/**
 * Whether the editor's own validation already shows a server problem: the same message on the
 * same node, or a syntax problem of the same expression value (the editor's quick check and
 * the server's parser word it differently).
 */
export function shownLocally(p: Problem, local: Problem[]): boolean {
  return local.some((l) => l.node === p.node && (l.message === p.message || (l.path === p.path && syntax.test(l.message) && syntax.test(p.message))));
}

/** Checks one flow's saved draft with the server; see the file's comment. */
export class DraftChecker {
  readonly state: StoreApi<CheckState>;
  private readonly delayMs: number;
  private readonly timers: NonNullable<CheckerOptions['timers']>;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerRevision: number | null = null;
  private inFlight: { revision: number; ctrl: AbortController } | null = null;
  /** The revision last asked about: each is asked once. */
  private asked: number | null = null;
  private users = 0;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly editor: EditorStore,
    private readonly saver: DraftSaver,
    /** Replaced by checkerFor when the flow's editor opens again with another client. */
    public check: CheckFn,
    opts: CheckerOptions = {},
  ) {
    this.delayMs = opts.delayMs ?? 600;
    this.timers = opts.timers ?? { setTimeout: globalThis.setTimeout.bind(globalThis), clearTimeout: globalThis.clearTimeout.bind(globalThis) };
    this.state = createStore<CheckState>()(() => ({ checking: false, answer: null, error: null }));
    // the revision the flow opened at is not asked about: checks follow autosaves
    this.asked = saver.state.getState().revision;
  }

  /**
   * Starts checking while something shows the answer; returns the function that stops it (the
   * last one stopping clears the timer and aborts a running request).
   */
  attach(): () => void {
    if (this.users++ === 0) {
      this.unsubscribe = this.saver.state.subscribe(() => this.consider());
      this.consider();
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.users > 0) return;
      this.unsubscribe?.();
      this.unsubscribe = null;
      this.clearTimer();
      this.abort();
    };
  }

  /** Asks again about the saved revision (after a failed request). */
  retry(): void {
    this.asked = null;
    this.state.setState({ error: null });
    this.consider();
  }

  /** The saved revision when there is nothing unsaved, else null. */
  private settled(): number | null {
    const s = this.saver.state.getState();
    return s.state.kind === 'saved' && !this.saver.dirty ? s.revision : null;
  }

  private clearTimer() {
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.timerRevision = null;
  }

  private abort() {
    if (!this.inFlight) return;
    this.inFlight.ctrl.abort();
    this.inFlight = null;
    // asked but not answered: ask again when that revision is the settled one again
    this.asked = null;
    this.state.setState({ checking: false });
  }

  private consider() {
    const rev = this.settled();
    if (rev === null) {
      // typing or saving: nothing is asked until it settles
      this.clearTimer();
      return;
    }
    if (this.inFlight && this.inFlight.revision !== rev) this.abort();
    if (rev === this.asked || this.timerRevision === rev) return;
    this.clearTimer();
    this.timerRevision = rev;
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      this.timerRevision = null;
      void this.run(rev);
    }, this.delayMs);
  }

  private async run(rev: number) {
    if (this.users === 0) return;
    if (this.settled() !== rev) return this.consider();
    this.asked = rev;
    const doc = this.editor.getState().doc;
    const catalog = this.editor.getState().catalog;
    const ctrl = new AbortController();
    this.inFlight = { revision: rev, ctrl };
    this.state.setState({ checking: true });
    try {
      const report = await this.check(ctrl.signal);
      if (ctrl.signal.aborted || this.saver.state.getState().revision !== rev) return;
      if (report.revision !== undefined && report.revision !== rev) {
        // another tab saved in between: the answer is about its draft, not this one (the
        // next save here meets that conflict), so nothing is shown for it
        this.state.setState({ checking: false, error: null });
        return;
      }
      const local = validateDocument(doc, catalog);
      const problems = [...problemsFromServer(doc, report.problems).filter((p) => !shownLocally(p, local)), ...problemsFromServer(doc, report.warnings ?? [], true)];
      this.state.setState({ checking: false, error: null, answer: { revision: rev, doc, problems } });
    } catch (e) {
      if (ctrl.signal.aborted || this.saver.state.getState().revision !== rev) return;
      this.state.setState({ checking: false, error: e instanceof ApiError ? e.detail || e.message : String(e) });
    } finally {
      if (this.inFlight?.ctrl === ctrl) this.inFlight = null;
    }
  }
}

/**
 * The answer's problems that still apply to doc: a node's problem goes once the field (or the
 * node) it is about changes; the flow's stay until the next answer.
 */
export function visibleProblems(answer: CheckAnswer | null, doc: FlowDocument, marks?: string[]): Problem[] {
  if (!answer) return [];
  if (doc === answer.doc) return answer.problems;
  const then = marks ?? answer.problems.map((p) => problemMark(answer.doc, p));
  return answer.problems.filter((p, i) => !p.node || problemMark(doc, p) === then[i]);
}

const checkers = new WeakMap<DraftSaver, DraftChecker>();

/** The checker of an open flow's saver (one per saver, so reopening its tab asks nothing again). */
export function checkerFor(saver: DraftSaver, editor: EditorStore, check: CheckFn, opts?: CheckerOptions): DraftChecker {
  let c = checkers.get(saver);
  if (!c) {
    c = new DraftChecker(editor, saver, check, opts);
    checkers.set(saver, c);
  }
  c.check = check;
  return c;
}

/** Problems of a refused publish and of the server's check, each once. */
export function mergeProblems(...lists: (Problem[] | undefined)[]): Problem[] | undefined {
  const seen = new Set<string>();
  const out: Problem[] = [];
  for (const l of lists)
    for (const p of l ?? []) {
      const k = `${p.warning ? 'w' : ''}|${p.node ?? ''}|${p.port ?? ''}|${p.path}|${p.message}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(p);
    }
  return out.length ? out : undefined;
}
