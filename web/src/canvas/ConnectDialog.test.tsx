// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createEditorStore } from '../store/editor';
import { catalog, conn, doc, node } from '../test/fixtures';
import { ConnectDialog, connectCandidates, connectTargets, filterTargets, mainOutput } from './ConnectDialog';

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

  it('lists the inputs that cannot take it after the others, each saying why in a few words', () => {
    const d = start();
    const why = (from: { node: string; port: string }) => connectCandidates(d, catalog, from).map((t) => `${t.handle}.${t.port}${t.why ? ` — ${t.why}` : ''}`);
    expect(why({ node: 'add', port: 'result' })).toEqual([
      'resp.node',
      'resp.body_type',
      'log.node',
      'log.message',
      'log.value',
      'log.level',
      'resp.status — takes integer, not number',
      'resp.headers — takes object, not number',
      'resp.cookies — takes list, not number',
      'resp.body — has a source (log.value); it takes one',
    ]);
    expect(why({ node: 'resp', port: 'response' })).toContain('log.value — would close a cycle');
    expect(why({ node: 'log', port: 'value' })).toContain('resp.body — already connected from log.value');
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

  it('picks the output first: another output lists its inputs; filtering to nothing says so, and Escape cancels without a change', () => {
    const { store, said, closed } = setup('resp');
    const dialog = screen.getByRole('dialog', { name: 'Connect from resp' });
    const output = within(dialog).getByRole('combobox', { name: 'Output' }) as HTMLSelectElement;
    expect([...output.options].map((o) => o.textContent)).toEqual(['response (object) · 1 input can take it', 'true path (any) · 3 inputs can take it', 'false path (object) · 1 input can take it']);
    const able = () => within(screen.getByRole('listbox', { name: 'Inputs' })).getAllByRole('option').filter((o) => o.getAttribute('aria-disabled') !== 'true').map((o) => o.textContent?.split(' ')[0]);
    expect(able()).toEqual(['add.node']);
    fireEvent.change(output, { target: { value: 'false_path' } });
    expect(able()).toEqual(['add.node']);
    const search = within(dialog).getByRole('combobox', { name: 'To input' });
    fireEvent.change(search, { target: { value: 'nothing like it' } });
    expect(within(screen.getByRole('listbox', { name: 'Inputs' })).queryAllByRole('option')).toHaveLength(0);
    expect(within(dialog).getByRole('status').textContent).toBe('No input matches “nothing like it”.');
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(closed()).toBe(0);
    fireEvent.keyDown(search, { key: 'Escape' });
    expect(closed()).toBe(1);
    expect(said).toEqual(['No connection made']);
    expect(store.getState().doc.connections).toHaveLength(1);
  });

  it('shows the inputs that cannot take the output greyed with why; Enter on one says why and connects nothing', () => {
    const { store, said, closed } = setup();
    const dialog = screen.getByRole('dialog', { name: 'Connect from add' });
    const search = within(dialog).getByRole('combobox', { name: 'To input' });
    expect(within(dialog).getByRole('status').textContent).toBe('6 of 6 inputs can take add.result; 4 cannot (greyed, with why). ↑ ↓ to move, Enter connects, Escape cancels.');
    fireEvent.change(search, { target: { value: 'resp' } });
    const options = within(screen.getByRole('listbox', { name: 'Inputs' })).getAllByRole('option');
    expect(options.map((o) => [o.textContent, o.getAttribute('aria-disabled')])).toEqual([
      ['resp.node HTTP response · node (any)', null],
      ['resp.body_type HTTP response · body type (string)', null],
      ['resp.status HTTP response · status (integer) — takes integer, not number', 'true'],
      ['resp.headers HTTP response · headers (object) — takes object, not number', 'true'],
      ['resp.cookies HTTP response · cookies (list) — takes list, not number', 'true'],
      ['resp.body HTTP response · body (any) — has a source (log.value); it takes one', 'true'],
    ]);
    // End reaches the greyed ones too (their why is read out with them); Enter explains, the dialog stays
    fireEvent.keyDown(search, { key: 'End' });
    expect(search.getAttribute('aria-activedescendant')).toBe(options[5]!.id);
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(within(dialog).getByRole('status').textContent).toBe('resp.body cannot take add.result: it has a source (log.value); it takes one.');
    expect(closed()).toBe(0);
    expect(said).toEqual([]);
    expect(store.getState().doc.connections).toHaveLength(1);
    // a click on one does the same
    fireEvent.click(options[2]!);
    expect(within(dialog).getByRole('status').textContent).toBe('resp.status cannot take add.result: it takes integer, not number.');
    // Home and Enter: the first, which can
    fireEvent.keyDown(search, { key: 'Home' });
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(said).toEqual(['Connected add.result to resp.node']);
    expect(closed()).toBe(1);
  });

  it('closes when its node goes while it is open (the draft replaced from elsewhere), so the canvas keys work again', () => {
    const store = createEditorStore(catalog, start());
    let closed = 0;
    render(<ConnectDialog store={store} node="add" onClose={() => closed++} onMessage={() => {}} />);
    expect(screen.getByRole('dialog', { name: 'Connect from add' })).toBeTruthy();
    act(() => store.getState().load(doc([node('log', 'debug.log')]), { keepHistory: true }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(closed).toBe(1);
  });

  it("starts on a trigger's path (true path), not its first data output; other nodes on their result", () => {
    const d = doc([node('route', 'trigger.route'), node('tick', 'trigger.schedule'), node('chat', 'ai.chat_trigger'), node('add', 'math.add'), node('resp', 'http.response')]);
    expect(['route', 'tick', 'chat', 'add', 'resp'].map((n) => mainOutput(d, catalog, n))).toEqual(['true_path', 'true_path', 'true_path', 'result', 'response']);
    expect(mainOutput(d, catalog, 'nope')).toBeUndefined();
    const store = createEditorStore(catalog, doc([node('route', 'trigger.route'), node('resp', 'http.response')]));
    render(<ConnectDialog store={store} node="route" onClose={() => {}} onMessage={() => {}} />);
    const dialog = screen.getByRole('dialog', { name: 'Connect from route' });
    expect((within(dialog).getByRole('combobox', { name: 'Output' }) as HTMLSelectElement).value).toBe('true_path');
    expect(within(dialog).getByRole('status').textContent).toContain('can take route.true_path');
    const search = within(dialog).getByRole('combobox', { name: 'To input' });
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(store.getState().doc.connections).toEqual([{ from: { node: 'route', port: 'true_path' }, to: { node: 'resp', port: 'node' } }]);
  });

  it('lists the control inputs (node) first from a path output, so Enter on a trigger goes on to the next node, not into a data input', () => {
    // the route already goes on to the response; the log is the next node to connect
    const d = doc([node('route', 'trigger.route'), node('resp', 'http.response'), node('log', 'debug.log')], [conn('route', 'true_path', 'resp', 'node')]);
    expect(ids(connectTargets(d, catalog, { node: 'route', port: 'true_path' })).slice(0, 2)).toEqual(['log.node', 'resp.status']);
    // a data output keeps the document's order
    expect(ids(connectTargets(d, catalog, { node: 'route', port: 'body' })).slice(0, 2)).toEqual(['resp.node', 'resp.body']);
    const store = createEditorStore(catalog, d);
    render(<ConnectDialog store={store} node="route" onClose={() => {}} onMessage={() => {}} />);
    fireEvent.keyDown(within(screen.getByRole('dialog', { name: 'Connect from route' })).getByRole('combobox', { name: 'To input' }), { key: 'Enter' });
    expect(store.getState().doc.connections).toContainEqual({ from: { node: 'route', port: 'true_path' }, to: { node: 'log', port: 'node' } });
  });

  it('names the one output of a node that has only one, without a select', () => {
    const store = createEditorStore(catalog, doc([node('brk', 'control.break'), node('log', 'debug.log')]));
    render(<ConnectDialog store={store} node="brk" onClose={() => {}} onMessage={() => {}} />);
    const dialog = screen.getByRole('dialog', { name: 'Connect from brk' });
    expect(within(dialog).queryByRole('combobox', { name: 'Output' })).toBeNull();
    expect(dialog.querySelector('.ps-field')?.textContent).toBe('Output true path (any)');
    expect(within(dialog).getByRole('status').textContent).toContain('4 of 4 inputs can take brk.true_path');
  });
});
