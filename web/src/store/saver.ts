// Autosave: saves an editor store's document as the flow's draft, debounced, with the
// draft's revision. A 409 stops saving and offers "load theirs" or "keep mine"; a 409 for
// emptying a flow that has nodes asks first (confirm, saved with force, or undo); a 401 keeps
// the unsaved document and waits for the session to come back; nothing is dropped silently.

import { createStore, type StoreApi } from 'zustand/vanilla';
import { ApiError, ConflictError, SessionExpiredError } from '../api/client';
import type { Draft, SavedDraft } from '../api/types';
import type { FlowDocument } from '../model/flow';
import { type SaveProblem, saveProblemsOf, unsavable } from '../model/savable';
import type { EditorStore } from './editor';

/** What the saver needs from the API client (ApiClient bound to one flow). */
export interface DraftBackend {
  getDraft(): Promise<Draft>;
  saveDraft(doc: FlowDocument, revision: number, opts?: { force?: boolean }): Promise<SavedDraft>;
}

export type SaveState =
  | { kind: 'saved' }
  | { kind: 'unsaved' }
  | { kind: 'saving' }
  /** `retryIn`: the server could not be reached (or failed, 5xx): saving is tried again by
   * itself in that many milliseconds (and on the next edit, or Retry). */
  | { kind: 'error'; message: string; retryIn?: number }
  /** The document has values the server refuses to read (found before sending: sent false) or
   * the server refused it with a 422 (sent true); saving resumes once the document changes. */
  | { kind: 'invalid'; problems: SaveProblem[]; sent: boolean }
  | { kind: 'conflict'; theirRevision: number | null }
  /** The document has no nodes while the saved draft has `savedNodes`: the API wants force. */
  | { kind: 'confirm-empty'; savedNodes: number | null }
  | { kind: 'session-expired' };

/** The problem type of the API's 409s other than a stale revision (shared/api TypeConflict). */
export const PROBLEM_CONFLICT = 'urn:polysynergy:problem:conflict';

/**
 * Whether a save's 409 is the API refusing to replace a flow that has nodes by an empty one
 * (it wants force: true), as opposed to a stale revision (the draft changed elsewhere).
 */
export function isEmptyingRefused(err: unknown, doc: FlowDocument): err is ConflictError {
  return err instanceof ConflictError && doc.nodes.length === 0 && err.type === PROBLEM_CONFLICT && err.currentRevision === null;
}

/** How many nodes the saved draft has, as the API's detail says ("a flow of N nodes"). */
function savedNodesOf(err: ApiError): number | null {
  const m = /flow of (\d+) nodes?/.exec(err.detail);
  return m ? Number(m[1]) : null;
}

export interface SaverState {
  state: SaveState;
  revision: number;
  /** The store's change counter that is saved on the server. */
  savedChanges: number;
  lastSavedAt: number | null;
}

export interface SaverOptions {
  debounceMs?: number;
  /** The first wait before saving again after no answer (doubling up to maxRetryMs). */
  retryMs?: number;
  maxRetryMs?: number;
  timers?: { setTimeout: typeof setTimeout; clearTimeout: typeof clearTimeout };
  now?: () => number;
}

/** Keeps one editor store saved as its flow's draft. */
export class DraftSaver {
  readonly state: StoreApi<SaverState>;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<void> | null = null;
  private readonly unsubscribe: () => void;
  private readonly debounceMs: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  // the wait before the next try after no answer (0: the last save got one)
  private backoff = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly timers: NonNullable<SaverOptions['timers']>;
  private readonly now: () => number;

  constructor(
    private readonly editor: EditorStore,
    private readonly backend: DraftBackend,
    revision: number,
    opts: SaverOptions = {},
  ) {
    this.debounceMs = opts.debounceMs ?? 800;
    this.retryMs = opts.retryMs ?? 2000;
    this.maxRetryMs = opts.maxRetryMs ?? 30_000;
    // bound: browsers refuse window.setTimeout called on another object ("Illegal invocation")
    this.timers = opts.timers ?? { setTimeout: globalThis.setTimeout.bind(globalThis), clearTimeout: globalThis.clearTimeout.bind(globalThis) };
    this.now = opts.now ?? Date.now;
    this.state = createStore<SaverState>()(() => ({
      state: { kind: 'saved' },
      revision,
      savedChanges: editor.getState().changes,
      lastSavedAt: null,
    }));
    this.unsubscribe = editor.subscribe((s, prev) => {
      if (s.changes !== prev.changes) this.changed();
    });
  }

  /** Whether the store holds changes the server does not have. */
  get dirty(): boolean {
    return this.editor.getState().changes !== this.state.getState().savedChanges;
  }

  dispose(): void {
    this.unsubscribe();
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = null;
    this.stopRetry();
  }

  private stopRetry() {
    if (this.retryTimer) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = null;
  }

  private changed() {
    const k = this.state.getState().state.kind;
    if (k === 'conflict' || k === 'session-expired') return; // wait for the person's choice
    // emptying the flow waits for a confirmation, unless the document has nodes again
    if (k === 'confirm-empty' && this.editor.getState().doc.nodes.length === 0) return;
    if (this.dirty) this.state.setState({ state: { kind: 'unsaved' } });
    this.schedule();
  }

  private schedule() {
    if (this.timer) this.timers.clearTimeout(this.timer);
    this.timer = this.timers.setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.debounceMs);
  }

  /** Saves now if there are unsaved changes (waits for a save in flight first). */
  async flush(opts: { force?: boolean } = {}): Promise<void> {
    if (this.inFlight) await this.inFlight;
    const k = this.state.getState().state.kind;
    if (!opts.force && (k === 'conflict' || k === 'session-expired' || k === 'confirm-empty')) return;
    if (!this.dirty && !opts.force) return;
    this.inFlight = this.save(opts.force ?? false);
    try {
      await this.inFlight;
    } finally {
      this.inFlight = null;
    }
    // edits made while saving
    if (this.dirty && this.state.getState().state.kind === 'unsaved') this.schedule();
  }

  private async save(force: boolean): Promise<void> {
    const { doc, changes, catalog } = this.editor.getState();
    const { revision } = this.state.getState();
    // a document the server cannot read is not sent (its 422 said only "line 1 column 107")
    const blocked = unsavable(doc);
    if (blocked.length) {
      this.state.setState({ state: { kind: 'invalid', problems: blocked, sent: false } });
      return;
    }
    this.state.setState({ state: { kind: 'saving' } });
    this.stopRetry();
    try {
      const r = await this.backend.saveDraft(doc, revision, force ? { force: true } : {});
      this.backoff = 0;
      const dirtyNow = this.editor.getState().changes !== changes;
      this.state.setState({
        revision: r.revision,
        savedChanges: changes,
        lastSavedAt: this.now(),
        state: dirtyNow ? { kind: 'unsaved' } : { kind: 'saved' },
      });
    } catch (err) {
      if (isEmptyingRefused(err, doc)) this.state.setState({ state: { kind: 'confirm-empty', savedNodes: savedNodesOf(err) } });
      else if (err instanceof ConflictError) this.state.setState({ state: { kind: 'conflict', theirRevision: err.currentRevision } });
      else if (err instanceof SessionExpiredError) this.state.setState({ state: { kind: 'session-expired' } });
      else {
        const problems = saveProblemsOf(err, doc, catalog);
        if (problems) this.state.setState({ state: { kind: 'invalid', problems, sent: true } });
        else if (err instanceof ApiError && (err.isNetwork || err.status >= 500)) {
          // the server is away (stopped, restarting, a network blip): try again by itself, so
          // the edits are saved once it is back without the person noticing or pressing Retry
          this.backoff = Math.min(this.backoff ? this.backoff * 2 : this.retryMs, this.maxRetryMs);
          const message = err.isNetwork ? 'no connection to the server' : err.detail || err.title;
          this.state.setState({ state: { kind: 'error', message, retryIn: this.backoff } });
          this.retryTimer = this.timers.setTimeout(() => {
            this.retryTimer = null;
            if (this.state.getState().state.kind === 'error') void this.retry();
          }, this.backoff);
        } else this.state.setState({ state: { kind: 'error', message: err instanceof ApiError ? err.detail || err.title : String(err) } });
      }
    }
  }

  /** After a conflict: keep my document, saving it over their revision. */
  async keepMine(): Promise<void> {
    const s = this.state.getState().state;
    if (s.kind !== 'conflict') return;
    let rev = s.theirRevision;
    if (rev === null) rev = (await this.backend.getDraft()).revision;
    this.state.setState({ revision: rev, state: { kind: 'unsaved' } });
    await this.flush({ force: true });
  }

  /**
   * After a conflict: load their document. It replaces mine as one undo step, so undo still
   * brings mine back — nothing is lost either way.
   */
  async loadTheirs(): Promise<void> {
    const d = await this.backend.getDraft();
    this.editor.getState().load(d.document, { keepHistory: true });
    this.state.setState({ revision: d.revision, savedChanges: this.editor.getState().changes, state: { kind: 'saved' }, lastSavedAt: this.now() });
  }

  /** After the API refused to empty the flow: empty it anyway (saved with force). */
  async confirmEmpty(): Promise<void> {
    if (this.state.getState().state.kind !== 'confirm-empty') return;
    this.state.setState({ state: { kind: 'unsaved' } });
    await this.flush({ force: true });
  }

  /**
   * After the API refused to empty the flow: bring the nodes back by undoing the edits that
   * removed them (redo empties it again); with no undo history, the saved draft is loaded
   * as one undo step.
   */
  async keepNodes(): Promise<void> {
    if (this.state.getState().state.kind !== 'confirm-empty') return;
    const ed = this.editor.getState;
    for (let i = 0; i < 200 && ed().doc.nodes.length === 0 && ed().past.length > 0; i++) ed().undo();
    if (ed().doc.nodes.length === 0) return this.loadTheirs();
    // undo made the document dirty again and (nodes back) saving resumes; make sure it does
    if (this.state.getState().state.kind === 'confirm-empty') this.state.setState({ state: this.dirty ? { kind: 'unsaved' } : { kind: 'saved' } });
    if (this.dirty) this.schedule();
  }

  /** After signing in again (or an error): try saving what is unsaved. */
  async retry(): Promise<void> {
    this.state.setState({ state: this.dirty ? { kind: 'unsaved' } : { kind: 'saved' } });
    await this.flush();
  }
}
