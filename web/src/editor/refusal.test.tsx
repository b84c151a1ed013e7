// @vitest-environment jsdom
import { act, cleanup, renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { validateDocument } from '../model/validate';
import { createEditorStore } from '../store/editor';
import { DraftSaver } from '../store/saver';
import { catalog, conn, doc, node } from '../test/fixtures';
import { problemCount, problemLine, readRefusal, refusalLines, useRefusalMarks } from './refusal';

afterEach(cleanup);

// add's a and b are required: the editor's own validation finds them without the server
const d = doc([node('input', 'flow.input'), node('add', 'math.add')], [conn('input', 'true_path', 'add', 'node')]);
const required = (p: string) => `required input "${p}" of "add" has neither a value nor a connection`;
const server = [
  { path: '/nodes/1/values/a', message: required('a') },
  { path: '/nodes/1/values/b', message: 'b must be a number the server can add' },
  { path: '/connections/0', message: 'the connection goes nowhere' },
  // the client gives the document's own problems no path
  { path: '', message: 'the flow never exits' },
  { path: '/nodes/7', message: 'a node the document does not have' },
  { path: '', node: 'add', message: 'named by handle' },
];

describe('a refusal as lines and marks', () => {
  it('counts problems', () => {
    expect(problemCount(1)).toBe('1 problem');
    expect(problemCount(0)).toBe('0 problems');
    expect(problemCount(3)).toBe('3 problems');
  });

  it('says each problem by handle.port, handle, its path, or "flow", in the server\'s order', () => {
    const lines = [`add.a: ${required('a')}`, 'add.b: b must be a number the server can add', 'add.node: the connection goes nowhere', 'flow: the flow never exits', '/nodes/7: a node the document does not have', 'add: named by handle'];
    expect(refusalLines(d, server)).toEqual(lines);
    expect(problemLine(d, { path: '/stages', message: 'not a node' })).toBe('/stages: not a node');
    expect(problemLine(d, { path: '', node: 'add', message: 'the node' })).toBe('add: the node');
    expect(readRefusal(d, catalog, server).lines).toEqual(lines);
  });

  it('marks only what the editor does not find itself, and lists everything', () => {
    expect(validateDocument(d, catalog).some((p) => p.node === 'add' && p.message === required('a'))).toBe(true);
    const r = readRefusal(d, catalog, server);
    expect(r.problems).toHaveLength(server.length);
    expect(r.marks.map((p) => p.message)).toEqual(server.slice(1).map((p) => p.message));
    expect(r.marks[0]).toMatchObject({ node: 'add', port: 'b' });
  });
});

function setup() {
  const store = createEditorStore(catalog, d);
  let revision = 5;
  const saver = new DraftSaver(store, { getDraft: async () => ({ document: store.getState().doc, revision }), saveDraft: async () => ({ revision: ++revision }) }, 5, { debounceMs: 60_000 });
  const gone = vi.fn();
  const hook = renderHook(() => useRefusalMarks(store, saver, gone));
  return { store, saver, gone, hook };
}

describe('useRefusalMarks', () => {
  it("marks a refusal until the field it names changes, and the flow's problem until a changed draft saves; then says it is gone", async () => {
    const { store, saver, gone, hook } = setup();
    let r: ReturnType<typeof readRefusal> | undefined;
    act(() => {
      r = hook.result.current.mark([server[0]!, server[1]!, server[3]!]);
    });
    expect(r!.lines).toHaveLength(3);
    const marked = () => hook.result.current.problems?.map((p) => p.message);
    expect(marked()).toEqual(['b must be a number the server can add', 'the flow never exits']);
    // another field, or a move, leaves the mark
    act(() => store.getState().setValue('add', 'a', 1));
    act(() => store.getState().moveNodes(new Map([['add', { x: 40, y: 40 }]])));
    expect(marked()).toEqual(['b must be a number the server can add', 'the flow never exits']);
    // the field it names changes: its mark goes
    act(() => store.getState().setValue('add', 'b', 2));
    expect(marked()).toEqual(['the flow never exits']);
    expect(gone).not.toHaveBeenCalled();
    // the changed draft saves: the flow's problem goes too, and the caller is told
    await act(() => saver.flush());
    expect(hook.result.current.problems).toBeUndefined();
    expect(gone).toHaveBeenCalledTimes(1);
    saver.dispose();
  });

  it('marks nothing when the editor shows every problem itself, and clear takes the marks away', () => {
    const { gone, hook, saver } = setup();
    act(() => void hook.result.current.mark([server[0]!]));
    expect(hook.result.current.problems).toBeUndefined();
    act(() => void hook.result.current.mark(server));
    expect(hook.result.current.problems).toHaveLength(server.length - 1);
    act(() => hook.result.current.clear());
    expect(hook.result.current.problems).toBeUndefined();
    expect(gone).not.toHaveBeenCalled();
    saver.dispose();
  });
});
