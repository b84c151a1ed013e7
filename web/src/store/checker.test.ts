import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import type { ValidationReport } from '../api/types';
import type { ServerProblem } from '../model/validate';
import { catalog, doc, node } from '../test/fixtures';
import { checkerFor, DraftChecker, mergeProblems, shownLocally, visibleProblems } from './checker';
import { createEditorStore } from './editor';
import { DraftSaver } from './saver';

/** An editor with a log node and a reply node, its saver (revision 1) and a scripted validate. */
function setup(opts: { delayMs?: number } = {}) {
  const ed = createEditorStore(catalog, doc([node('log', 'debug.log', { values: { message: 'hi' } }), node('reply', 'http.response', { values: { status: 200 } })]));
  let revision = 1;
  const saver = new DraftSaver(ed, { getDraft: async () => ({ document: ed.getState().doc, revision }), saveDraft: async () => ({ revision: ++revision }) }, 1, { debounceMs: 100 });
  const asked: { revision: number; signal: AbortSignal; answer(r: ServerProblem[], checked?: number, warnings?: ServerProblem[]): void; fail(e: unknown): void }[] = [];
  const check = (signal: AbortSignal) =>
    new Promise<ValidationReport>((resolve, reject) => {
      asked.push({
        revision: saver.state.getState().revision,
        signal,
        answer: (problems, checked, warnings = []) => resolve({ valid: problems.length === 0, problems, warnings, revision: checked }),
        fail: reject,
      });
    });
  const checker = new DraftChecker(ed, saver, check, { delayMs: opts.delayMs ?? 500 });
  return { ed, saver, checker, asked };
}

const bad = (message: string, path = '/nodes/0/values/message'): ServerProblem => ({ path, message, node: 'log', port: 'message' });

describe('DraftChecker', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('asks once per autosaved revision, after the delay, never while typing or for the opened revision', async () => {
    const { ed, saver, checker, asked } = setup();
    const stop = checker.attach();
    await vi.advanceTimersByTimeAsync(5000);
    expect(asked).toHaveLength(0); // the revision the flow opened at
    ed.getState().setValue('log', 'message', '{{ a b }}');
    await vi.advanceTimersByTimeAsync(100); // saved as revision 2
    expect(saver.state.getState().revision).toBe(2);
    await vi.advanceTimersByTimeAsync(300);
    ed.getState().setValue('log', 'message', '{{ a bc }}'); // typing again: the wait starts over after the next save
    await vi.advanceTimersByTimeAsync(400);
    expect(asked).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100 + 500);
    expect(asked.map((a) => a.revision)).toEqual([3]);
    expect(checker.state.getState().checking).toBe(true);
    asked[0]!.answer([bad('expression at column 6: unexpected token Identifier("bc")')]);
    await vi.advanceTimersByTimeAsync(0);
    expect(checker.state.getState()).toMatchObject({ checking: false, error: null, answer: { revision: 3, problems: [{ node: 'log', port: 'message', message: 'expression at column 6: unexpected token Identifier("bc")' }] } });
    // nothing new saved: nothing asked again
    await vi.advanceTimersByTimeAsync(10_000);
    expect(asked).toHaveLength(1);
    stop();
    saver.dispose();
  });

  it('drops the answer of a revision that is no longer the saved one (its request is aborted)', async () => {
    const { ed, saver, checker, asked } = setup({ delayMs: 50 });
    checker.attach();
    ed.getState().setValue('log', 'message', '{{ 1 + }}');
    await vi.advanceTimersByTimeAsync(150);
    expect(asked.map((a) => a.revision)).toEqual([2]);
    ed.getState().setValue('log', 'message', '{{ 1 + 2 }}');
    await vi.advanceTimersByTimeAsync(100); // revision 3 saved: 2's request goes
    expect(asked[0]!.signal.aborted).toBe(true);
    asked[0]!.answer([bad('stale')]);
    await vi.advanceTimersByTimeAsync(50);
    expect(checker.state.getState().answer).toBeNull();
    expect(asked.map((a) => a.revision)).toEqual([2, 3]);
    asked[1]!.answer([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(checker.state.getState().answer).toMatchObject({ revision: 3, problems: [] });
    saver.dispose();
  });

  it('drops an answer about a revision another tab saved meanwhile', async () => {
    const { ed, saver, checker, asked } = setup({ delayMs: 10 });
    checker.attach();
    ed.getState().setValue('log', 'message', '{{ 1 + }}');
    await vi.advanceTimersByTimeAsync(120);
    expect(asked.map((a) => a.revision)).toEqual([2]);
    asked[0]!.answer([bad('about their draft')], 3); // the server checked revision 3, saved elsewhere
    await vi.advanceTimersByTimeAsync(0);
    expect(checker.state.getState()).toMatchObject({ checking: false, error: null, answer: null });
    saver.dispose();
  });

  it('maps problems onto the nodes of the saved document and leaves out what the editor shows itself', async () => {
    const { ed, saver, checker, asked } = setup({ delayMs: 10 });
    checker.attach();
    ed.getState().setValue('log', 'message', '{{ items[0 }}');
    await vi.advanceTimersByTimeAsync(120);
    asked[0]!.answer([
      // the editor's quick check finds this one (worded its own way): not twice
      bad('expression at column 22: unexpected token EOF'),
      { path: '/nodes/1/values/status', message: 'status is off', node: 'reply', port: 'status' },
      { path: '', message: 'the flow has no trigger' },
    ]);
    await vi.advanceTimersByTimeAsync(0);
    expect(checker.state.getState().answer?.problems).toEqual([
      { path: '/nodes/1/values/status', message: 'status is off', node: 'reply', port: 'status' },
      { path: '', message: 'the flow has no trigger', node: undefined, port: undefined },
    ]);
    saver.dispose();
  });

  it('says why a check failed and asks again on retry', async () => {
    const { ed, saver, checker, asked } = setup({ delayMs: 10 });
    checker.attach();
    ed.getState().setValue('log', 'message', 'x');
    await vi.advanceTimersByTimeAsync(120);
    asked[0]!.fail(new ApiError({ status: 503, title: 'Unavailable', detail: 'try later', method: 'POST', path: '/validate' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(checker.state.getState()).toMatchObject({ checking: false, error: 'try later' });
    await vi.advanceTimersByTimeAsync(1000);
    expect(asked).toHaveLength(1);
    checker.retry();
    await vi.advanceTimersByTimeAsync(10);
    expect(asked.map((a) => a.revision)).toEqual([2, 2]);
    asked[1]!.answer([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(checker.state.getState()).toMatchObject({ error: null, answer: { revision: 2 } });
    saver.dispose();
  });

  it('asks nothing while detached; detaching aborts a running request, which is asked again on return', async () => {
    const { ed, saver, checker, asked } = setup({ delayMs: 10 });
    ed.getState().setValue('log', 'message', 'x');
    await vi.advanceTimersByTimeAsync(500);
    expect(asked).toHaveLength(0);
    const stop = checker.attach();
    await vi.advanceTimersByTimeAsync(10);
    expect(asked).toHaveLength(1);
    stop();
    stop(); // twice is once
    expect(asked[0]!.signal.aborted).toBe(true);
    expect(checker.state.getState().checking).toBe(false);
    checker.attach();
    await vi.advanceTimersByTimeAsync(10);
    expect(asked.map((a) => a.revision)).toEqual([2, 2]);
    saver.dispose();
  });

  it("keeps the answer's warnings after its problems, flagged, also when the draft is valid", async () => {
    const { ed, saver, checker, asked } = setup({ delayMs: 10 });
    checker.attach();
    ed.getState().setValue('log', 'message', '{{ reply.status }}');
    await vi.advanceTimersByTimeAsync(150);
    const warn = { path: '/nodes/0/values/message', message: 'reads "reply", which log does not wait for', node: 'log', port: 'message' };
    asked[0]!.answer([], undefined, [warn]);
    await vi.advanceTimersByTimeAsync(0);
    expect(checker.state.getState().answer?.problems).toEqual([{ ...warn, warning: true }]);
    // a warning and a problem alike are kept apart when merged
    expect(mergeProblems([{ ...warn, warning: true }], [{ ...warn }])).toHaveLength(2);
    saver.dispose();
  });

  it('is one per saver', () => {
    const { ed, saver } = setup();
    const f = async () => ({ valid: true, problems: [], warnings: [] });
    expect(checkerFor(saver, ed, f)).toBe(checkerFor(saver, ed, f));
    saver.dispose();
  });
});

describe('the problems of an answer', () => {
  const saved = doc([node('log', 'debug.log', { values: { message: '{{ a b }}', level: 'info' } })]);
  const answer = {
    revision: 4,
    doc: saved,
    problems: [
      { path: '/nodes/0/values/message', message: 'unexpected token', node: 'log', port: 'message' },
      { path: '', message: 'the flow has no trigger' },
    ],
  };

  it("hide a field's problem once that field changes; the flow's stay until the next answer", () => {
    expect(visibleProblems(null, saved)).toEqual([]);
    expect(visibleProblems(answer, saved)).toBe(answer.problems);
    const moved = { ...saved, nodes: saved.nodes.map((n) => ({ ...n, position: { x: 9, y: 9 }, values: { ...n.values, level: 'warn' } })) };
    expect(visibleProblems(answer, moved)).toEqual(answer.problems);
    const fixed = { ...saved, nodes: saved.nodes.map((n) => ({ ...n, values: { ...n.values, message: '{{ a.b }}' } })) };
    expect(visibleProblems(answer, fixed)).toEqual([answer.problems[1]]);
  });

  it('are told apart from what the editor shows by node and message, or by an expression syntax problem at the same place', () => {
    const local = [{ path: '/nodes/0/values/message', message: 'expression at column 4: [ is not closed with ]', node: 'log', port: 'message' }];
    expect(shownLocally({ path: '/nodes/0/values/message', message: 'expression at column 9: unexpected token EOF', node: 'log' }, local)).toBe(true);
    expect(shownLocally({ path: '/nodes/0/values/level', message: 'expression at column 9: unexpected token EOF', node: 'log' }, local)).toBe(false);
    expect(shownLocally({ path: '/nodes/0/values/message', message: 'refers to "x"', node: 'log' }, local)).toBe(false);
  });

  it('of a refused publish and of the check merge, each once', () => {
    const p = { path: '/nodes/0', message: 'm', node: 'n' };
    expect(mergeProblems(undefined, [])).toBeUndefined();
    expect(mergeProblems([p], [{ ...p }, { ...p, message: 'other' }])).toEqual([p, { ...p, message: 'other' }]);
  });
});
