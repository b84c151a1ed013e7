import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createGroup } from '../groups/model';
import { connectionKey } from '../model/flow';
import { catalog, conn, doc, node } from '../test/fixtures';
import { COALESCE_MS, createEditorStore, HISTORY_LIMIT, READ_ONLY } from './editor';

const handles = (s: ReturnType<typeof createEditorStore>) => s.getState().doc.nodes.map((n) => n.handle);

describe('editor store', () => {
  beforeEach(() => vi.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => vi.useRealTimers());

  it('adds nodes of catalogue types with free handles and selects them', () => {
    const s = createEditorStore(catalog);
    const a = s.getState().addNode('debug.log', { x: 10.6, y: 20.2 });
    const b = s.getState().addNode('debug.log', { x: 0, y: 0 });
    expect(s.getState().addNode('no.such', { x: 0, y: 0 })).toBeNull();
    expect(handles(s)).toEqual(['log', 'log_2']);
    expect(s.getState().doc.nodes[0]).toMatchObject({ id: a, type: 'debug.log', version: 1, position: { x: 11, y: 20 } });
    expect(s.getState().selection.nodes).toEqual([b]);
  });

  it('undoes and redoes each edit, and a new edit clears redo', () => {
    const s = createEditorStore(catalog);
    const id = s.getState().addNode('variable.string', { x: 0, y: 0 })!;
    s.getState().setValue(id, 'value', 'one');
    expect(s.getState().doc.nodes[0]!.values).toEqual({ value: 'one' });
    s.getState().undo();
    expect(s.getState().doc.nodes[0]!.values).toBeUndefined();
    s.getState().undo();
    expect(s.getState().doc.nodes).toEqual([]);
    s.getState().undo(); // nothing more: no change
    expect(s.getState().past).toHaveLength(0);
    s.getState().redo();
    s.getState().redo();
    expect(s.getState().doc.nodes[0]!.values).toEqual({ value: 'one' });
    s.getState().undo();
    s.getState().setFlowState(id, 'disabled');
    expect(s.getState().future).toEqual([]);
    s.getState().redo();
    expect(s.getState().doc.nodes[0]!.flow_state).toBe('disabled');
  });

  it("keeps the flow's run settings through edits, undo and redo", () => {
    const s = createEditorStore(catalog, { ...doc([node('a', 'debug.log'), node('b', 'debug.log')]), settings: { max_node_runs: 50000 } });
    s.getState().setValue('a', 'message', 'hi');
    s.getState().removeNodes(['b']);
    expect(s.getState().doc.settings).toEqual({ max_node_runs: 50000 });
    s.getState().undo();
    s.getState().redo();
    expect(s.getState().doc.settings).toEqual({ max_node_runs: 50000 });
  });

  it('merges typing in one field into one undo step, but not across fields or pauses', () => {
    const s = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    for (const t of ['h', 'he', 'hel', 'hell', 'hello']) {
      s.getState().setValue('a', 'message', t);
      vi.advanceTimersByTime(200);
    }
    s.getState().setValue('a', 'level', 'warn');
    vi.advanceTimersByTime(COALESCE_MS + 1);
    s.getState().setValue('a', 'level', 'error');
    expect(s.getState().past).toHaveLength(3);
    s.getState().undo();
    expect(s.getState().doc.nodes[0]!.values).toEqual({ message: 'hello', level: 'warn' });
    s.getState().undo();
    s.getState().undo();
    expect(s.getState().doc.nodes[0]!.values).toBeUndefined();
  });

  it('records a drag as one step: checkpoint, then unrecorded moves', () => {
    const s = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    s.getState().checkpoint();
    for (let i = 1; i <= 10; i++) s.getState().moveNodes(new Map([['a', { x: i * 10, y: i }]]), { record: false });
    expect(s.getState().past).toHaveLength(1);
    expect(s.getState().doc.nodes[0]!.position).toEqual({ x: 100, y: 10 });
    s.getState().undo();
    expect(s.getState().doc.nodes[0]!.position).toEqual({ x: 0, y: 0 });
  });

  it('keeps at most HISTORY_LIMIT steps', () => {
    const s = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    for (let i = 0; i < HISTORY_LIMIT + 25; i++) s.getState().moveNodes(new Map([['a', { x: i + 1, y: 0 }]]));
    expect(s.getState().past).toHaveLength(HISTORY_LIMIT);
    while (s.getState().past.length) s.getState().undo();
    expect(s.getState().doc.nodes[0]!.position.x).toBe(25);
  });

  it('connects only what canConnect allows and removes a node with its connections', () => {
    const s = createEditorStore(catalog, doc([node('n', 'variable.number'), node('d', 'control.delay'), node('e', 'control.delay')]));
    expect(s.getState().connect(conn('n', 'value', 'd', 'ms')).ok).toBe(false);
    expect(s.getState().connect(conn('n', 'value', 'd', 'value'))).toEqual({ ok: true });
    expect(s.getState().connect(conn('d', 'true_path', 'e', 'node')).ok).toBe(true);
    expect(s.getState().doc.connections).toHaveLength(2);
    s.getState().select({ nodes: ['d'] });
    s.getState().removeSelection();
    expect(s.getState().doc.connections).toEqual([]);
    expect(s.getState().doc.nodes.map((n) => n.id)).toEqual(['n', 'e']);
    s.getState().undo();
    expect(s.getState().doc.connections).toHaveLength(2);
  });

  it('removes a group box with its members and the selection as one undoable step', () => {
    const s = createEditorStore(
      catalog,
      doc([node('m', 'trigger.manual'), node('a', 'debug.log'), node('b', 'debug.log'), node('c', 'debug.log')], [conn('m', 'true_path', 'a', 'node'), conn('a', 'true_path', 'b', 'node')]),
    );
    s.getState().edit((d) => createGroup(d, ['a', 'b'], 'Pair', 'g1').doc);
    s.getState().select({ nodes: ['c'], edges: [] });
    s.getState().removeSelection(['a', 'b']);
    expect(s.getState().doc.nodes.map((n) => n.id)).toEqual(['m']);
    expect(s.getState().doc.connections).toEqual([]);
    expect(s.getState().doc.groups ?? []).toEqual([]);
    s.getState().undo();
    expect(s.getState().doc.nodes.map((n) => n.id)).toEqual(['m', 'a', 'b', 'c']);
    expect(s.getState().doc.groups?.[0]?.members).toEqual(['a', 'b']);
    expect(s.getState().doc.connections).toHaveLength(2);
  });

  it('copies and duplicates a group box with its members, the copy grouped again', () => {
    const s = createEditorStore(catalog, doc([node('m', 'trigger.manual'), node('a', 'debug.log'), node('b', 'debug.log')], [conn('a', 'true_path', 'b', 'node')]));
    s.getState().edit((d) => createGroup(d, ['a', 'b'], 'Pair', 'g1').doc);
    s.getState().clearSelection();
    const text = s.getState().copySelection(['a', 'b'])!;
    expect(JSON.parse(text).groups[0]).toMatchObject({ id: 'g1', name: 'Pair', members: ['a', 'b'] });
    const ids = s.getState().duplicateSelection(['a', 'b']);
    const groups = s.getState().doc.groups!;
    expect(groups).toHaveLength(2);
    expect(groups[1]).toMatchObject({ name: 'Pair', members: ids });
    expect(s.getState().doc.connections.at(-1)).toEqual(conn(ids[0]!, 'true_path', ids[1]!, 'node'));
    s.getState().undo();
    expect(s.getState().doc.groups).toHaveLength(1);
  });

  it('moves a connection to another source with reconnect', () => {
    const s = createEditorStore(catalog, doc([node('a', 'variable.string'), node('b', 'variable.string'), node('d', 'control.delay')], [conn('a', 'value', 'd', 'value')]));
    const old = connectionKey(conn('a', 'value', 'd', 'value'));
    expect(s.getState().reconnect(old, conn('b', 'value', 'd', 'value')).ok).toBe(true);
    expect(s.getState().doc.connections).toEqual([conn('b', 'value', 'd', 'value')]);
  });

  it('renames a handle and the expressions that read it, refusing bad handles', () => {
    const s = createEditorStore(catalog, doc([node('a', 'variable.string', { handle: 'name' }), node('b', 'debug.log', { handle: 'log', values: { message: 'hi {{ name.value }}, {{ log }}' } })]));
    expect(s.getState().setHandle('a', 'log')).toMatch(/used by another node/);
    expect(s.getState().setHandle('a', 'Bad')).toMatch(/lowercase/);
    expect(s.getState().setHandle('a', 'who')).toBeNull();
    expect(s.getState().doc.nodes[1]!.values!.message).toBe('hi {{ who.value }}, {{ log }}');
    s.getState().undo();
    expect(s.getState().doc.nodes[1]!.values!.message).toBe('hi {{ name.value }}, {{ log }}');
  });

  it('drops the connections of a dict row when the row goes', () => {
    const s = createEditorStore(
      catalog,
      doc([node('sw', 'control.switch', { values: { cases: [{ key: 'a' }, { key: 'b' }] } }), node('x', 'control.delay'), node('y', 'control.delay')], [
        conn('sw', 'cases.a', 'x', 'node'),
        conn('sw', 'cases.b', 'y', 'node'),
      ]),
    );
    s.getState().setValue('sw', 'cases', [{ key: 'b' }]);
    expect(s.getState().doc.connections).toEqual([conn('sw', 'cases.b', 'y', 'node')]);
  });

  it('redo after undoing a paste selects the pasted nodes again, as right after the paste', () => {
    const s = createEditorStore(catalog, doc([node('a', 'variable.string', { handle: 's' }), node('b', 'debug.log', { handle: 'log' })], [conn('a', 'value', 'b', 'value')]));
    s.getState().select({ nodes: ['a', 'b'] });
    const ids = s.getState().paste(s.getState().copySelection()!, { x: 500, y: 500 });
    expect(s.getState().selection.nodes).toEqual(ids);
    s.getState().undo();
    expect(s.getState().selection.nodes).toEqual([]);
    s.getState().select({ nodes: ['a'] }); // something else selected in between
    s.getState().redo();
    expect(s.getState().selection).toEqual({ nodes: ids, edges: [] });
    // and again after a second round, and for a duplicate
    s.getState().undo();
    s.getState().redo();
    expect(s.getState().selection.nodes).toEqual(ids);
    const dup = s.getState().duplicateSelection();
    s.getState().undo();
    s.getState().clearSelection();
    s.getState().redo();
    expect(s.getState().selection.nodes).toEqual(dup);
    // an edit that chose no selection keeps the current one on redo
    s.getState().select({ nodes: ['b'] });
    s.getState().setValue('a', 'value', 'x');
    s.getState().undo();
    s.getState().redo();
    expect(s.getState().selection.nodes).toEqual(['b']);
  });

  it('copies, pastes and duplicates the selection', () => {
    const s = createEditorStore(catalog, doc([node('a', 'variable.string', { handle: 's' }), node('b', 'debug.log', { handle: 'log' })], [conn('a', 'value', 'b', 'value')]));
    expect(s.getState().copySelection()).toBeNull();
    s.getState().selectAll();
    const text = s.getState().copySelection()!;
    const ids = s.getState().paste(text, { x: 500, y: 500 });
    expect(ids).toHaveLength(2);
    expect(s.getState().selection.nodes).toEqual(ids);
    expect(handles(s)).toEqual(['s', 'log', 's_2', 'log_2']);
    expect(s.getState().doc.connections).toHaveLength(2);
    expect(s.getState().paste('not json')).toEqual([]);
    const dup = s.getState().duplicateSelection();
    expect(handles(s)).toEqual(['s', 'log', 's_2', 'log_2', 's_3', 'log_3']);
    expect(s.getState().selection.nodes).toEqual(dup);
    s.getState().undo();
    s.getState().undo();
    expect(handles(s)).toEqual(['s', 'log']);
  });

  it('selects by replace, add and toggle', () => {
    const s = createEditorStore(catalog, doc([node('a', 'debug.log'), node('b', 'debug.log'), node('c', 'debug.log')]));
    s.getState().select({ nodes: ['a'] });
    s.getState().select({ nodes: ['b'] }, 'add');
    s.getState().select({ nodes: ['a', 'c'] }, 'toggle');
    expect(s.getState().selection.nodes).toEqual(['b', 'c']);
  });

  it('lays out left to right along connections and undoes the layout in one step', () => {
    const s = createEditorStore(catalog, doc([node('c', 'debug.log'), node('a', 'trigger.manual'), node('b', 'debug.log')], [conn('a', 'true_path', 'b', 'node'), conn('b', 'true_path', 'c', 'node')]));
    s.getState().autoLayout(new Map());
    const x = Object.fromEntries(s.getState().doc.nodes.map((n) => [n.id, n.position.x]));
    expect(x.a).toBeLessThan(x.b!);
    expect(x.b).toBeLessThan(x.c!);
    s.getState().undo();
    expect(s.getState().doc.nodes.every((n) => n.position.x === 0)).toBe(true);
  });

  it('counts document changes for savers, but not selection changes', () => {
    const s = createEditorStore(catalog, doc([node('a', 'debug.log')]));
    const c0 = s.getState().changes;
    s.getState().select({ nodes: ['a'] });
    expect(s.getState().changes).toBe(c0);
    s.getState().setNotes('a', 'hello');
    s.getState().undo();
    expect(s.getState().changes).toBe(c0 + 2);
  });

  it('refuses every edit while read-only (a viewer), but selects, copies and loads', () => {
    const s = createEditorStore(catalog, doc([node('a', 'variable.string', { values: { value: 'x' } }), node('b', 'debug.log')]));
    s.getState().setValue('a', 'value', 'before');
    const before = s.getState().doc;
    const changes = s.getState().changes;
    s.getState().setReadOnly(true);
    const st = s.getState();
    expect(st.addNode('debug.log', { x: 0, y: 0 })).toBeNull();
    st.setValue('a', 'value', 'changed');
    st.setNotes('a', 'note');
    st.setSettings('a', { retries: 2 });
    st.setFlowState('a', 'disabled');
    expect(st.setHandle('a', 'renamed')).toBe(READ_ONLY);
    expect(st.connect(conn('a', 'true_path', 'b', 'node'))).toEqual({ ok: false, reason: READ_ONLY });
    st.moveNodes(new Map([['a', { x: 500, y: 500 }]]));
    st.edit((d) => ({ ...d, nodes: [] }));
    st.autoLayout(new Map());
    st.checkpoint();
    st.undo(); // the setValue before read-only stays
    expect(st.paste(st.copySelection(['a'])!)).toEqual([]);
    st.select({ nodes: ['a', 'b'] });
    expect(st.duplicateSelection()).toEqual([]);
    st.removeSelection();
    expect(s.getState().doc).toBe(before);
    expect(s.getState().changes).toBe(changes);
    // looking still works: the selection, copying it
    expect(s.getState().selection.nodes).toEqual(['a', 'b']);
    expect(JSON.parse(s.getState().copySelection()!).nodes.map((n: { handle: string }) => n.handle)).toEqual(['a', 'b']);
    s.getState().clearSelection();
    expect(s.getState().selection.nodes).toEqual([]);
    // the server's document still loads (another tab saved it)
    s.getState().load(doc([node('c', 'debug.log')]));
    expect(handles(s)).toEqual(['c']);
    // editable again
    s.getState().setReadOnly(false);
    s.getState().setNotes('c', 'now');
    expect(s.getState().doc.nodes[0]!.notes).toBe('now');
  });
});
