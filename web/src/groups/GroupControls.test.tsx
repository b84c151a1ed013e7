// @vitest-environment jsdom
import { ReactFlowProvider } from '@xyflow/react';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createEditorStore } from '../store/editor';
import { catalog, conn, doc, node } from '../test/fixtures';
import { GroupButton, GroupOverlay } from './GroupControls';
import { groupUi } from './state';

afterEach(cleanup);

const sample = () =>
  createEditorStore(
    catalog,
    doc([node('m', 'trigger.manual'), node('a', 'debug.log'), node('b', 'debug.log')], [conn('m', 'true_path', 'a', 'node'), conn('a', 'true_path', 'b', 'node')]),
  );

describe('group controls', () => {
  it('groups the selection as one undo step, then renames, exposes, opens and dissolves it', () => {
    const store = sample();
    const messages: string[] = [];
    render(
      <ReactFlowProvider>
        <GroupButton store={store} onMessage={(t) => messages.push(t)} />
        <GroupOverlay store={store} />
      </ReactFlowProvider>,
    );
    const button = screen.getByRole('button', { name: 'Group' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    act(() => store.getState().select({ nodes: ['a', 'b'], edges: [] }));
    fireEvent.click(screen.getByRole('button', { name: 'Group' }));
    const g = store.getState().doc.groups![0]!;
    expect(g.members).toEqual(['a', 'b']);
    expect(g.inputs).toEqual([{ name: 'a_node', node: 'a', port: 'node' }]);
    expect(groupUi(store).getState().selected).toBe(g.id);

    const panel = screen.getByRole('region', { name: 'Group' });
    fireEvent.change(screen.getByLabelText('Group name'), { target: { value: 'Checks' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    expect(store.getState().doc.groups![0]!.name).toBe('Checks');

    fireEvent.change(screen.getByLabelText('Port to expose'), { target: { value: 'outputs|b|value' } });
    fireEvent.click(screen.getByRole('button', { name: 'Expose' }));
    expect(store.getState().doc.groups![0]!.outputs).toEqual([{ name: 'b_value', node: 'b', port: 'value' }]);
    expect(panel.textContent).toContain('b_value');
    fireEvent.click(screen.getByRole('button', { name: 'Stop exposing b_value' }));
    expect(store.getState().doc.groups![0]!.outputs).toBeUndefined();

    fireEvent.click(screen.getByRole('button', { name: 'Open group' }));
    expect(groupUi(store).getState().open).toBe(g.id);
    expect(screen.getByRole('region', { name: 'Open group' }).textContent).toContain('Checks');
    expect((screen.getByRole('button', { name: 'Group' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Close group' }));
    expect(groupUi(store).getState().open).toBeNull();

    act(() => groupUi(store).getState().setSelected(g.id));
    fireEvent.click(screen.getByRole('button', { name: 'Dissolve' }));
    expect(store.getState().doc.groups).toEqual([]);
    expect(store.getState().doc.nodes.every((n) => n.group === undefined)).toBe(true);
    // every step was an edit: undo walks back to the group
    store.getState().undo();
    expect(store.getState().doc.groups![0]!.name).toBe('Checks');
  });

  it('says why a node already in a group cannot be grouped again', () => {
    const store = sample();
    const messages: string[] = [];
    render(<GroupButton store={store} onMessage={(t) => messages.push(t)} />);
    act(() => store.getState().select({ nodes: ['a'], edges: [] }));
    fireEvent.click(screen.getByRole('button', { name: 'Group' }));
    act(() => store.getState().select({ nodes: ['a', 'b'], edges: [] }));
    fireEvent.click(screen.getByRole('button', { name: 'Group' }));
    expect(messages.at(-1)).toMatch(/a is already in the group "Group"/);
    expect(store.getState().doc.groups).toHaveLength(1);
  });

  it('adds nodes placed inside an open group to it', () => {
    const store = sample();
    render(
      <ReactFlowProvider>
        <GroupOverlay store={store} />
      </ReactFlowProvider>,
    );
    act(() => store.getState().select({ nodes: ['a'], edges: [] }));
    act(() => store.getState().edit((d) => ({ ...d, groups: [{ id: 'g1', name: 'G', members: ['a'] }], nodes: d.nodes.map((n) => (n.id === 'a' ? { ...n, group: 'g1' } : n)) })));
    act(() => groupUi(store).getState().setOpen('g1'));
    let id: string | null = null;
    act(() => {
      id = store.getState().addNode('debug.log', { x: 0, y: 0 });
    });
    expect(id).not.toBeNull();
    expect(store.getState().doc.groups![0]!.members).toEqual(['a', id]);
    // one undo removes the node and its membership together
    act(() => store.getState().undo());
    expect(store.getState().doc.groups![0]!.members).toEqual(['a']);
  });
});

describe('groupSelection', () => {
  it('groups from the keyboard path too, and refuses while a group is open', async () => {
    const { groupSelection } = await import('./GroupControls');
    const { shortcutFor } = await import('../editor/shortcuts');
    expect(shortcutFor({ key: 'g', ctrlKey: true, metaKey: false, shiftKey: false, altKey: false })).toBe('group');
    expect(shortcutFor({ key: 'g', ctrlKey: false, metaKey: false, shiftKey: false, altKey: false })).toBe('toggleGrid');
    const store = sample();
    store.getState().select({ nodes: ['a', 'b'], edges: [] });
    expect(groupSelection(store)).toMatch(/^Grouped/);
    const id = store.getState().doc.groups![0]!.id;
    expect(groupUi(store).getState().selected).toBe(id);
    groupUi(store).getState().setOpen(id);
    store.getState().select({ nodes: ['m'], edges: [] });
    expect(groupSelection(store)).toMatch(/Close the open group/);
    expect(store.getState().doc.groups).toHaveLength(1);
  });
});
