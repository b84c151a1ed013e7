import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, ConflictError, SessionExpiredError } from '../api/client';
import type { FlowDocument } from '../model/flow';
import { catalog, doc, node } from '../test/fixtures';
import { createEditorStore } from './editor';
import { type DraftBackend, DraftSaver } from './saver';

const init = { status: 0, title: 't', method: 'PUT', path: '/x' };

function backend() {
  const saves: { doc: FlowDocument; revision: number; force?: boolean }[] = [];
  const answers: ((d: FlowDocument, r: number) => Promise<{ revision: number }>)[] = [];
  let server: { document: FlowDocument; revision: number } = { document: doc([]), revision: 1 };
  const b: DraftBackend = {
    getDraft: async () => structuredClone(server),
    saveDraft: async (d, revision, o) => {
      saves.push({ doc: d, revision, force: o?.force });
      const a = answers.shift();
      if (a) return a(d, revision);
      server = { document: d, revision: revision + 1 };
      return { revision: revision + 1 };
    },
  };
  return { b, saves, answers, setServer: (s: typeof server) => (server = s) };
}

describe('DraftSaver', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves once after edits settle, with the revision, and tracks the state', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    const { b, saves } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 500 });
    expect(saver.state.getState().state.kind).toBe('saved');
    ed.getState().setValue('a', 'message', 'h');
    await vi.advanceTimersByTimeAsync(300);
    ed.getState().setValue('a', 'message', 'hi');
    expect(saver.state.getState().state.kind).toBe('unsaved');
    await vi.advanceTimersByTimeAsync(499);
    expect(saves).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(saves).toHaveLength(1);
    expect(saves[0]!.revision).toBe(1);
    expect(saves[0]!.doc.nodes[0]!.values).toEqual({ message: 'hi' });
    expect(saver.state.getState()).toMatchObject({ revision: 2, state: { kind: 'saved' } });
    expect(saver.dirty).toBe(false);
    ed.getState().setNotes('a', 'n');
    await vi.advanceTimersByTimeAsync(500);
    expect(saves.map((s) => s.revision)).toEqual([1, 2]);
    saver.dispose();
  });

  it('on a conflict stops saving; keep mine saves over their revision', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    const { b, saves, answers } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 10 });
    answers.push(async () => {
      throw new ConflictError({ ...init, status: 409 }, 5);
    });
    ed.getState().setValue('a', 'message', 'mine');
    await vi.advanceTimersByTimeAsync(10);
    expect(saver.state.getState().state).toEqual({ kind: 'conflict', theirRevision: 5 });
    ed.getState().setValue('a', 'message', 'mine 2');
    await vi.advanceTimersByTimeAsync(100);
    expect(saves).toHaveLength(1);
    await saver.keepMine();
    expect(saves[1]).toMatchObject({ revision: 5, force: true });
    expect(saves[1]!.doc.nodes[0]!.values).toEqual({ message: 'mine 2' });
    expect(saver.state.getState()).toMatchObject({ revision: 6, state: { kind: 'saved' } });
  });

  it('on a conflict, load theirs replaces the document and undo brings mine back', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    const { b, answers, setServer } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 10 });
    answers.push(async () => {
      throw new ConflictError({ ...init, status: 409 }, null);
    });
    ed.getState().setValue('a', 'message', 'mine');
    await vi.advanceTimersByTimeAsync(10);
    setServer({ document: doc([node('z', 'debug.log', { handle: 'theirs' })]), revision: 9 });
    await saver.loadTheirs();
    expect(ed.getState().doc.nodes.map((n) => n.handle)).toEqual(['theirs']);
    expect(saver.state.getState()).toMatchObject({ revision: 9, state: { kind: 'saved' } });
    expect(saver.dirty).toBe(false);
    ed.getState().undo();
    expect(ed.getState().doc.nodes[0]!.values).toEqual({ message: 'mine' });
  });

  const emptyRefused = () =>
    new ConflictError(
      { ...init, status: 409, title: 'Conflict', type: 'urn:polysynergy:problem:conflict', detail: 'this would replace a flow of 2 nodes by an empty one; send force: true to do it' },
      null,
    );

  it('asks before emptying a flow (not a conflict); confirming saves with force', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log'), node('b', 'debug.log')]));
    const { b, saves, answers } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 10 });
    answers.push(async () => {
      throw emptyRefused();
    });
    ed.getState().removeNodes(['a', 'b']);
    await vi.advanceTimersByTimeAsync(10);
    expect(saver.state.getState().state).toEqual({ kind: 'confirm-empty', savedNodes: 2 });
    // no autosave retries meanwhile
    await vi.advanceTimersByTimeAsync(100);
    expect(saves).toHaveLength(1);
    await saver.confirmEmpty();
    expect(saves[1]).toMatchObject({ revision: 1, force: true });
    expect(saves[1]!.doc.nodes).toEqual([]);
    expect(saver.state.getState()).toMatchObject({ revision: 2, state: { kind: 'saved' } });
  });

  it('asks before emptying a flow; undo the delete brings the nodes back and saving resumes', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log'), node('b', 'debug.log')]));
    const { b, saves, answers } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 10 });
    ed.getState().setValue('a', 'message', 'kept');
    await vi.advanceTimersByTimeAsync(10);
    answers.push(async () => {
      throw emptyRefused();
    });
    ed.getState().removeNodes(['a']);
    ed.getState().removeNodes(['b']);
    await vi.advanceTimersByTimeAsync(10);
    expect(saver.state.getState().state.kind).toBe('confirm-empty');
    // undo goes back to the last document with nodes: the edit that emptied it is undone
    await saver.keepNodes();
    expect(ed.getState().doc.nodes.map((n) => n.id)).toEqual(['b']);
    await vi.advanceTimersByTimeAsync(10);
    expect(saves.map((s) => s.force)).toEqual([undefined, undefined, undefined]);
    expect(saves[2]!.doc.nodes.map((n) => n.id)).toEqual(['b']);
    expect(saver.state.getState().state.kind).toBe('saved');
  });

  it('a stale revision of an empty document is still a conflict', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    const { b, answers } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 10 });
    answers.push(async () => {
      throw new ConflictError({ ...init, status: 409, type: 'urn:polysynergy:problem:draft-revision' }, 4);
    });
    ed.getState().removeNodes(['a']);
    await vi.advanceTimersByTimeAsync(10);
    expect(saver.state.getState().state).toEqual({ kind: 'conflict', theirRevision: 4 });
  });

  it('keeps unsaved work when the session expires and saves it on retry', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    const { b, saves, answers } = backend();
    const saver = new DraftSaver(ed, b, 3, { debounceMs: 10 });
    answers.push(async () => {
      throw new SessionExpiredError({ ...init, status: 401 });
    });
    ed.getState().setValue('a', 'message', 'precious');
    await vi.advanceTimersByTimeAsync(10);
    expect(saver.state.getState().state.kind).toBe('session-expired');
    expect(saver.dirty).toBe(true);
    expect(ed.getState().doc.nodes[0]!.values).toEqual({ message: 'precious' });
    await saver.retry();
    expect(saves.map((s) => s.revision)).toEqual([3, 3]);
    expect(saver.state.getState()).toMatchObject({ revision: 4, state: { kind: 'saved' } });
  });

  it('reports other errors and tries again on the next edit', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    const { b, saves, answers } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 10 });
    answers.push(async () => {
      throw new Error('boom');
    });
    ed.getState().setValue('a', 'message', 'x');
    await vi.advanceTimersByTimeAsync(10);
    expect(saver.state.getState().state).toEqual({ kind: 'error', message: 'Error: boom' });
    ed.getState().setValue('a', 'message', 'xy');
    await vi.advanceTimersByTimeAsync(10);
    expect(saves).toHaveLength(2);
    expect(saver.state.getState().state.kind).toBe('saved');
  });

  it('saves again by itself once the server is back (no answer, or a 5xx), waiting longer each time', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    const { b, saves, answers } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 10, retryMs: 1000, maxRetryMs: 3000 });
    const down = async () => {
      throw new ApiError({ ...init, status: 0, title: 'No connection', detail: 'Failed to fetch' });
    };
    answers.push(down, down, async () => {
      throw new ApiError({ ...init, status: 503, title: 'Service Unavailable' });
    }, down);
    ed.getState().setValue('a', 'message', 'x');
    await vi.advanceTimersByTimeAsync(10);
    // said in the person's words, not the browser's "Failed to fetch"
    expect(saver.state.getState().state).toEqual({ kind: 'error', message: 'no connection to the server', retryIn: 1000 });
    await vi.advanceTimersByTimeAsync(999);
    expect(saves).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(saves).toHaveLength(2);
    expect(saver.state.getState().state).toMatchObject({ kind: 'error', retryIn: 2000 });
    await vi.advanceTimersByTimeAsync(2000);
    expect(saves).toHaveLength(3);
    expect(saver.state.getState().state).toEqual({ kind: 'error', message: 'Service Unavailable', retryIn: 3000 });
    await vi.advanceTimersByTimeAsync(3000);
    expect(saves).toHaveLength(4);
    expect(saver.state.getState().state).toMatchObject({ retryIn: 3000 });
    // back: saved without an edit or Retry
    await vi.advanceTimersByTimeAsync(3000);
    expect(saves).toHaveLength(5);
    expect(saver.state.getState().state.kind).toBe('saved');
    expect(saver.dirty).toBe(false);
    // and the wait starts short again
    answers.push(down);
    ed.getState().setValue('a', 'message', 'xy');
    await vi.advanceTimersByTimeAsync(10);
    expect(saver.state.getState().state).toMatchObject({ retryIn: 1000 });
    saver.dispose();
    await vi.advanceTimersByTimeAsync(5000);
    expect(saves).toHaveLength(6);
  });

  it('does not try again by itself after a refusal (a 4xx other than those it handles)', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    const { b, saves, answers } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 10, retryMs: 1000 });
    answers.push(async () => {
      throw new ApiError({ ...init, status: 413, title: 'Payload Too Large', detail: 'the draft is too large' });
    });
    ed.getState().setValue('a', 'message', 'x');
    await vi.advanceTimersByTimeAsync(10);
    expect(saver.state.getState().state).toEqual({ kind: 'error', message: 'the draft is too large' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(saves).toHaveLength(1);
    saver.dispose();
  });

  it('marks edits made while a save is in flight as unsaved and saves them next', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    const { b, saves, answers } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 10 });
    answers.push(async (_d, r) => {
      ed.getState().setValue('a', 'message', 'during');
      return { revision: r + 1 };
    });
    ed.getState().setValue('a', 'message', 'before');
    await vi.advanceTimersByTimeAsync(10);
    expect(saver.state.getState().state.kind).toBe('unsaved');
    await vi.advanceTimersByTimeAsync(10);
    expect(saves.map((s) => s.doc.nodes[0]!.values!.message)).toEqual(['before', 'during']);
    expect(saver.state.getState()).toMatchObject({ revision: 3, state: { kind: 'saved' } });
  });

  it('does not send a document with a decimal in a whole-number setting, says which, and saves once it is fixed', async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log', { handle: 'log' })]));
    const { b, saves } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 10 });
    ed.getState().setSettings('a', { retries: 1.5 });
    await vi.advanceTimersByTimeAsync(10);
    expect(saves).toHaveLength(0);
    expect(saver.state.getState().state).toEqual({ kind: 'invalid', sent: false, problems: [{ node: 'a', handle: 'log', field: 'Retries', message: 'Retries must be a whole number' }] });
    ed.getState().setSettings('a', { retries: 2 });
    await vi.advanceTimersByTimeAsync(10);
    expect(saves).toHaveLength(1);
    expect(saves[0]!.doc.nodes[0]!.settings).toEqual({ retries: 2 });
    expect(saver.state.getState().state.kind).toBe('saved');
  });

  it("maps the server's 422 for a draft onto the node and field it names, readably", async () => {
    const ed = createEditorStore(catalog, doc([node('a', 'debug.log', { handle: 'log' }), node('b', 'http.request', { handle: 'fetch' })]));
    const { b, saves, answers } = backend();
    const saver = new DraftSaver(ed, b, 1, { debounceMs: 10 });
    // the API's answer to a value its document reader refuses (shared/api invalidField)
    const msg = 'flow document, line 1 column 212: nodes[1].values.retries: expected int, got JSON number 2.5';
    answers.push(async () => {
      throw new ApiError({ ...init, status: 422, title: 'Unprocessable Entity', detail: `body.document: ${msg}`, fieldErrors: [{ field: 'document', message: msg }] });
    });
    ed.getState().setValue('a', 'message', 'x');
    await vi.advanceTimersByTimeAsync(10);
    expect(saves).toHaveLength(1);
    expect(saver.state.getState().state).toEqual({ kind: 'invalid', sent: true, problems: [{ node: 'b', handle: 'fetch', field: 'Retries', message: 'Retries must be a whole number (got 2.5)' }] });
    // the next edit saves again
    ed.getState().setValue('a', 'message', 'xy');
    await vi.advanceTimersByTimeAsync(10);
    expect(saves).toHaveLength(2);
    expect(saver.state.getState().state.kind).toBe('saved');
  });
});
