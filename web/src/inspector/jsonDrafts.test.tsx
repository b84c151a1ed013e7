// @vitest-environment jsdom
// JSON typed into the inspector that does not parse is kept for its node and field while the
// inspector shows another node or none (it was dropped): back on the node it shows with its
// error, and the inspector lists where such text waits, with a Show that goes back to it.
import { EditorView } from '@codemirror/view';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EditorScreen } from '../editor/EditorScreen';
import { createEditorStore } from '../store/editor';
import { catalog, doc, node } from '../test/fixtures';
import { installResizeObserver } from '../test/shell';
import { clearAllDrafts, forgetLoadedDrafts } from './drafts';

beforeAll(installResizeObserver);
afterEach(() => {
  cleanup();
  clearAllDrafts();
});

function setup(nodes = [node('a', 'aws.dynamodb_get', { values: { key: { id: 1 } } }), node('b', 'aws.dynamodb_get', { values: { key: { id: 2 } } })]) {
  const store = createEditorStore(catalog, doc(nodes));
  render(<EditorScreen store={store} title="Flow" flowId="F1" draftScope="T1/P1/F1" theme="light" onTheme={() => undefined} />);
  const select = (id: string | null) => act(() => store.getState().select({ nodes: id ? [id] : [], edges: [] }));
  const inspector = () => screen.getByRole('complementary', { name: 'Inspector' });
  /** The `key` field's editable content and its CodeMirror view, once loaded. */
  const key = async () => {
    // (the code editor's chunk loads lazily: slow on a busy machine)
    const el = await waitFor(() => within(inspector()).getByRole('textbox', { name: 'key' }), { timeout: 15000 });
    return { el, view: EditorView.findFromDOM(el)! };
  };
  const type = (view: EditorView, text: string) => act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } }));
  return { store, select, inspector, key, type };
}

// (a busy machine: the code editor's chunk and a full editor take their time)
describe('JSON that does not parse, in the inspector', { timeout: 30000 }, () => {
  it('is kept for its node while another node of the same type is shown, and comes back with its error', async () => {
    const { store, select, inspector, key, type } = setup();
    select('a');
    let f = await key();
    type(f.view, '{"id": 1,');
    await waitFor(() => expect(f.el.getAttribute('aria-invalid')).toBe('true'));
    // not the value: the node keeps the last that parsed
    expect(store.getState().doc.nodes[0]!.values!.key).toEqual({ id: 1 });
    // leaving the page asks first
    const leave = () => {
      const e = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(e);
      return e.defaultPrevented;
    };
    expect(leave()).toBe(true);

    select('b');
    f = await key();
    await waitFor(() => expect(f.view.state.doc.toString()).toBe('{\n  "id": 2\n}'));
    expect(f.el.getAttribute('aria-invalid')).toBeNull();
    // where the text waits, on screen
    const note = within(inspector()).getByRole('note', { name: 'Unsaved JSON' });
    expect(note.textContent).toContain('a.key');

    select(null);
    expect(within(inspector()).getByRole('note', { name: 'Unsaved JSON' }).textContent).toContain('a.key');
    fireEvent.click(within(inspector()).getByRole('button', { name: 'Show a.key' }));
    expect(store.getState().selection.nodes).toEqual(['a']);
    f = await key();
    // the keyboard is in the field, where the text is
    await waitFor(() => expect(document.activeElement).toBe(f.el));
    expect(f.view.state.doc.toString()).toBe('{"id": 1,');
    expect(f.el.getAttribute('aria-invalid')).toBe('true');
    expect(within(inspector()).getByTestId('json-draft-key').textContent).toMatch(/^Not saved: /);
    expect(within(inspector()).queryByRole('note', { name: 'Unsaved JSON' })).toBeNull();

    // finished: it is the value, and nothing waits any more
    type(f.view, '{"id": 3}');
    await waitFor(() => expect(store.getState().doc.nodes[0]!.values!.key).toEqual({ id: 3 }));
    select('b');
    await key();
    expect(within(inspector()).queryByRole('note', { name: 'Unsaved JSON' })).toBeNull();
    expect(leave()).toBe(false);
    select('a');
    f = await key();
    expect(f.view.state.doc.toString()).toBe('{\n  "id": 3\n}');
  });

  it('goes when the value is changed another way (undo) while it is shown', async () => {
    const { store, select, key, type } = setup();
    select('b');
    let f = await key();
    type(f.view, '{"id": 5}');
    await waitFor(() => expect(store.getState().doc.nodes[1]!.values!.key).toEqual({ id: 5 }));
    type(f.view, '{"id": ');
    await waitFor(() => expect(f.el.getAttribute('aria-invalid')).toBe('true'));
    act(() => store.getState().undo());
    await waitFor(() => expect(f.view.state.doc.toString()).toBe('{\n  "id": 2\n}'));
    expect(f.el.getAttribute('aria-invalid')).toBeNull();
    select('a');
    await key();
    select('b');
    f = await key();
    expect(f.view.state.doc.toString()).toBe('{\n  "id": 2\n}');
  });

  describe('across a reload of the page (sessionStorage, per tenant, project and flow)', () => {
    const stored = () => JSON.parse(sessionStorage.getItem('ps.jsonDrafts:T1/P1/F1') ?? '[]') as { node: string; port: string; text: string }[];
    /** The page again: what it held in memory gone, the tab's sessionStorage kept, the flow opened anew. */
    const reload = (nodes?: Parameters<typeof setup>[0]) => {
      cleanup();
      forgetLoadedDrafts();
      return setup(nodes);
    };
    const typeInvalid = async () => {
      const s = setup();
      s.select('a');
      const f = await s.key();
      s.type(f.view, '{"id": 1,');
      await waitFor(() => expect(f.el.getAttribute('aria-invalid')).toBe('true'));
      expect(stored()).toMatchObject([{ node: 'a', port: 'key', text: '{"id": 1,' }]);
    };

    it('comes back with its error and where it waits, and goes from storage once the field is fixed', async () => {
      await typeInvalid();
      const { store, select, inspector, key, type } = reload();
      // listed before anything is selected, and leaving the page asks again
      expect(within(inspector()).getByRole('note', { name: 'Unsaved JSON' }).textContent).toContain('a.key');
      const e = new Event('beforeunload', { cancelable: true });
      window.dispatchEvent(e);
      expect(e.defaultPrevented).toBe(true);
      select('a');
      const f = await key();
      expect(f.view.state.doc.toString()).toBe('{"id": 1,');
      expect(f.el.getAttribute('aria-invalid')).toBe('true');
      expect(within(inspector()).getByTestId('json-draft-key').textContent).toMatch(/^Not saved: /);
      type(f.view, '{"id": 4}');
      await waitFor(() => expect(store.getState().doc.nodes[0]!.values!.key).toEqual({ id: 4 }));
      expect(sessionStorage.getItem('ps.jsonDrafts:T1/P1/F1')).toBeNull();
    });

    it('goes from storage when it is emptied (discarded)', async () => {
      await typeInvalid();
      const { select, inspector, key, type } = reload();
      select('a');
      const f = await key();
      type(f.view, '');
      await waitFor(() => expect(within(inspector()).queryByTestId('json-draft-key')).toBeNull());
      expect(sessionStorage.getItem('ps.jsonDrafts:T1/P1/F1')).toBeNull();
    });

    it('is dropped when the value of its field changed underneath (another tab saved one)', async () => {
      await typeInvalid();
      const { select, inspector, key } = reload([node('a', 'aws.dynamodb_get', { values: { key: { id: 7 } } }), node('b', 'aws.dynamodb_get', { values: { key: { id: 2 } } })]);
      expect(within(inspector()).queryByRole('note', { name: 'Unsaved JSON' })).toBeNull();
      expect(sessionStorage.getItem('ps.jsonDrafts:T1/P1/F1')).toBeNull();
      select('a');
      const f = await key();
      expect(f.view.state.doc.toString()).toBe('{\n  "id": 7\n}');
      expect(f.el.getAttribute('aria-invalid')).toBeNull();
    });

    it('is kept over the value its typing began from, when text that parsed on the way was not saved before the reload', async () => {
      const s = setup();
      s.select('a');
      const f = await s.key();
      s.type(f.view, '{}');
      await waitFor(() => expect(s.store.getState().doc.nodes[0]!.values!.key).toEqual({}));
      s.type(f.view, '{"id": 5,');
      await waitFor(() => expect(stored()).toHaveLength(1));
      // the draft as saved still has { id: 1 }
      const { inspector } = reload();
      expect(within(inspector()).getByRole('note', { name: 'Unsaved JSON' }).textContent).toContain('a.key');
    });

    it('is dropped when its node is gone, and kept when only the order of the keys differs', async () => {
      await typeInvalid();
      let { inspector } = reload([node('b', 'aws.dynamodb_get', { values: { key: { id: 2 } } })]);
      expect(within(inspector()).queryByRole('note', { name: 'Unsaved JSON' })).toBeNull();
      expect(sessionStorage.getItem('ps.jsonDrafts:T1/P1/F1')).toBeNull();

      cleanup();
      const s = setup([node('a', 'aws.dynamodb_get', { values: { key: { id: 1, b: 2 } } })]);
      s.select('a');
      const f = await s.key();
      s.type(f.view, '{"id": 1, "b": 2,');
      await waitFor(() => expect(stored()).toHaveLength(1));
      ({ inspector } = reload([node('a', 'aws.dynamodb_get', { values: { key: { b: 2, id: 1 } } })]));
      expect(within(inspector()).getByRole('note', { name: 'Unsaved JSON' }).textContent).toContain('a.key');
    });
  });
});
