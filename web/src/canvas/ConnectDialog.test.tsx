// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createEditorStore } from '../store/editor';
import { catalog, conn, doc, node } from '../test/fixtures';
import { ConnectDialog, connectTargets, filterTargets } from './ConnectDialog';

afterEach(cleanup);

// log.value already feeds resp.body (which takes one source)
const start = () => doc([node('add', 'math.add'), node('resp', 'http.response'), node('log', 'debug.log')], [conn('log', 'value', 'resp', 'body')]);
const ids = (l: { handle: string; port: string }[]) => l.map((t) => `${t.handle}.${t.port}`);

describe('the inputs an output can connect to', () => {
  it('follows the rules a drag follows: type, one source, no cycle, not the node itself', () => {
    const d = start();
    // a number feeds any and string inputs, not integer, object or list ones; resp.body is taken
    expect(ids(connectTargets(d, catalog, { node: 'add', port: 'result' }))).toEqual(['resp.node', 'resp.body_type', 'log.node', 'log.message', 'log.value', 'log.level']);
    // resp comes after log: back into log would close a cycle
    expect(ids(connectTargets(d, catalog, { node: 'resp', port: 'response' }))).toEqual(['add.node']);
    expect(filterTargets(connectTargets(d, catalog, { node: 'add', port: 'result' }), 'log mess').map((t) => t.port)).toEqual(['message']);
    expect(filterTargets(connectTargets(d, catalog, { node: 'add', port: 'result' }), 'http response').map((t) => t.port)).toEqual(['node', 'body_type']);
  });
});

describe('ConnectDialog', () => {
  function setup(from = 'add') {
    const store = createEditorStore(catalog, start());
    const said: string[] = [];
    let closed = 0;
    render(<ConnectDialog store={store} node={from} onClose={() => closed++} onMessage={(t) => said.push(t)} />);
    return { store, said, closed: () => closed };
  }

  it('searches the inputs, moves with the arrow keys and connects on Enter through the store (one undo step)', () => {
    const { store, said, closed } = setup();
    const dialog = screen.getByRole('dialog', { name: 'Connect from add' });
    const search = within(dialog).getByRole('combobox', { name: 'To input' });
    expect(document.activeElement).toBe(search);
    expect((within(dialog).getByRole('combobox', { name: 'Output' }) as HTMLSelectElement).value).toBe('result');
    expect(within(dialog).getByRole('status').textContent).toContain('6 of 6 inputs can take add.result');
    fireEvent.change(search, { target: { value: 'log' } });
    const options = within(screen.getByRole('listbox', { name: 'Inputs' })).getAllByRole('option');
    expect(options.map((o) => o.textContent)).toEqual(['log.node Log · node (any)', 'log.message Log · message (string)', 'log.value Log · value (any)', 'log.level Log · level (string)']);
    expect(options[0]!.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(search, { key: 'ArrowDown' });
    fireEvent.keyDown(search, { key: 'ArrowDown' });
    fireEvent.keyDown(search, { key: 'ArrowUp' });
    expect(search.getAttribute('aria-activedescendant')).toBe(options[1]!.id);
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(store.getState().doc.connections).toEqual([
      { from: { node: 'log', port: 'value' }, to: { node: 'resp', port: 'body' } },
      { from: { node: 'add', port: 'result' }, to: { node: 'log', port: 'message' } },
    ]);
    expect(said).toEqual(['Connected add.result to log.message']);
    expect(closed()).toBe(1);
    act(() => store.getState().undo());
    expect(store.getState().doc.connections).toHaveLength(1);
  });

  it('lists the inputs of another output, says when none can take it, and Escape cancels without a change', () => {
    const { store, said, closed } = setup('resp');
    const dialog = screen.getByRole('dialog', { name: 'Connect from resp' });
    expect(within(screen.getByRole('listbox', { name: 'Inputs' })).getAllByRole('option').map((o) => o.textContent?.split(' ')[0])).toEqual(['add.node']);
    fireEvent.change(within(dialog).getByRole('combobox', { name: 'Output' }), { target: { value: 'false_path' } });
    expect(within(screen.getByRole('listbox', { name: 'Inputs' })).getAllByRole('option').map((o) => o.textContent?.split(' ')[0])).toEqual(['add.node']);
    fireEvent.change(within(dialog).getByRole('combobox', { name: 'To input' }), { target: { value: 'nothing like it' } });
    expect(within(screen.getByRole('listbox', { name: 'Inputs' })).queryAllByRole('option')).toHaveLength(0);
    fireEvent.keyDown(within(dialog).getByRole('combobox', { name: 'To input' }), { key: 'Enter' });
    expect(closed()).toBe(0);
    fireEvent.keyDown(within(dialog).getByRole('combobox', { name: 'To input' }), { key: 'Escape' });
    expect(closed()).toBe(1);
    expect(said).toEqual(['No connection made']);
    expect(store.getState().doc.connections).toHaveLength(1);
  });
});
