// @vitest-environment jsdom
// A viewer's flow editor, through the real ApiClient over a scripted fetch: it shows the flow,
// its runs and its publishing, and offers no change — no palette, undo, run, chat or publish;
// the inspector's controls are off; shortcuts, cut and paste change nothing; nothing is sent.
// An editor's editor, for contrast, offers them.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../api/client';
import type { Flow, FlowDetail } from '../api/types';
import { fakeApi } from '../manage/testkit';
import { toJSON } from '../model/flow';
import { renderFlowEditor } from '../test/editor';
import { conn, doc, node } from '../test/fixtures';
import { flowRow, installResizeObserver } from '../test/shell';
import type { ShellEnv } from './context';
import { READ_ONLY_TITLE, type OpenFlow } from './FlowEditor';

beforeAll(installResizeObserver);
beforeEach(() => localStorage.clear());
afterEach(cleanup);

const draft = doc([node('greet', 'variable.string', { values: { value: 'hello' }, notes: 'says hello' }), node('log', 'debug.log')], [conn('greet', 'true_path', 'log', 'node')]);
const self: Flow = flowRow('F1', 'Greeter', 'route');
const detail: FlowDetail = { ...self, draft: { document: toJSON(draft), revision: 3 } };
const routes = {
  'GET ': { status: 200, body: { id: 'P1', name: 'Shop', slug: 'shop' } },
  'GET /flows/F1': { status: 200, body: detail },
  'GET /secrets': { status: 200, body: [] },
  'GET /env': { status: 200, body: [] },
  'GET /flows': { status: 200, body: { items: [self] } },
  'GET /stages': { status: 200, body: [{ name: 'dev', sub_stages: 1 }] },
  'GET /publications': { status: 200, body: [] },
  'GET /flows/F1/publications': { status: 200, body: [] },
  'GET /flows/F1/runs': { status: 200, body: { items: [] } },
  'GET /flows/F1/versions': { status: 200, body: { items: [{ number: 2, hash: 'h2', author: 'owner', message: 'second', created_at: '2026-11-27T10:00:00Z' }] } },
};

const renderEditor = (api: ApiClient, role: ShellEnv['role']): Promise<OpenFlow> => renderFlowEditor(api, { title: 'Greeter', role });

const toolbar = () => screen.getByRole('toolbar', { name: 'Flow' });
const inspector = () => screen.getByRole('complementary', { name: 'Inspector' });

/** A paste or cut event carrying text, as the browser sends it. */
function clipboard(type: 'paste' | 'cut' | 'copy', text = ''): Event & { data: Map<string, string> } {
  const data = new Map<string, string>([['text/plain', text]]);
  const e = new Event(type, { bubbles: true, cancelable: true }) as Event & { data: Map<string, string> };
  Object.defineProperty(e, 'clipboardData', { value: { getData: (k: string) => data.get(k) ?? '', setData: (k: string, v: string) => data.set(k, v) } });
  e.data = data;
  return e;
}

describe("a viewer's flow editor", () => {
  it('shows the flow without a way to change, run or publish it', async () => {
    const { api, calls, writes } = fakeApi(routes);
    const open = await renderEditor(api, 'viewer');
    await waitFor(() => expect(calls.some((c) => c.path === '/flows')).toBe(true));
    const chip = within(toolbar()).getByRole('status', { name: 'Save state' });
    expect(chip.textContent).toBe('Read only');
    expect(chip.getAttribute('title')).toBe(READ_ONLY_TITLE);
    // nothing that changes or runs the flow
    for (const name of ['Undo', 'Redo', 'Layout', 'Publish']) expect(within(toolbar()).queryByRole('button', { name })).toBeNull();
    expect(within(toolbar()).queryByRole('button', { name: /^Run/ })).toBeNull();
    expect(screen.queryByLabelText('Search nodes')).toBeNull();
    // what only looks is there: the history, the settings, the publishing panel, fit
    for (const name of ['History', 'Settings', 'Fit', 'Publishing panel']) expect(within(toolbar()).getByRole('button', { name })).toBeTruthy();
    expect(open.store.getState().readOnly).toBe(true);

    // a selected node shows its values, with every control off
    act(() => open.store.getState().select({ nodes: ['greet'], edges: [] }));
    await waitFor(() => expect(within(inspector()).getByRole('note').textContent).toMatch(/^Read only/));
    const handle = within(inspector()).getByLabelText(/^Handle/) as HTMLInputElement;
    expect(handle.value).toBe('greet');
    expect(handle.matches(':disabled')).toBe(true);
    const notes = within(inspector()).getByLabelText('Notes') as HTMLTextAreaElement;
    expect(notes.value).toBe('says hello');
    expect(notes.matches(':disabled')).toBe(true);
    expect((within(inspector()).getByRole('checkbox', { name: /Enabled/ }) as HTMLInputElement).matches(':disabled')).toBe(true);
    // a disabled control cannot be typed into; were an event to reach it, the store refuses it
    fireEvent.change(notes, { target: { value: 'changed' } });

    // shortcuts that change the flow do nothing: delete, duplicate, undo, group, auto-layout
    for (const key of [{ key: 'Delete' }, { key: 'd', ctrlKey: true }, { key: 'z', ctrlKey: true }, { key: 'g', ctrlKey: true }, { key: 'L', shiftKey: true }]) fireEvent.keyDown(window, key);
    // select all still works, and copy gives the selection
    fireEvent.keyDown(window, { key: 'a', ctrlKey: true });
    expect(open.store.getState().selection.nodes).toEqual(['greet', 'log']);
    const copy = clipboard('copy');
    act(() => void window.dispatchEvent(copy));
    expect(JSON.parse(copy.data.get('text/plain')!).nodes.map((n: { handle: string }) => n.handle)).toEqual(['greet', 'log']);
    // cut copies without removing; paste adds nothing
    act(() => void window.dispatchEvent(clipboard('cut')));
    act(() => void window.dispatchEvent(clipboard('paste', copy.data.get('text/plain')!)));
    expect(open.store.getState().doc.nodes.map((n) => n.handle)).toEqual(['greet', 'log']);
    expect(open.store.getState().doc.nodes[0]!.notes).toBe('says hello');
    expect(open.store.getState().doc.connections).toHaveLength(1);
    expect(open.store.getState().changes).toBe(0);

    // the shortcut sheet lists only what a viewer can do
    fireEvent.keyDown(window, { key: '?' });
    const sheet = await screen.findByRole('dialog', { name: 'Keyboard shortcuts' });
    expect(within(sheet).queryByText('Undo')).toBeNull();
    expect(within(sheet).queryByText('Delete the selection')).toBeNull();
    expect(within(sheet).getByText('Select everything')).toBeTruthy();
    expect(within(sheet).getByText(/^Copy the selection as JSON/)).toBeTruthy();

    // the publishing panel shows, with its controls off
    fireEvent.click(within(sheet).getByRole('button', { name: 'Close' }));
    fireEvent.click(within(toolbar()).getByRole('button', { name: 'Publishing panel' }));
    const panel = await screen.findByRole('complementary', { name: 'Publishing panel' });
    expect(within(panel).getByRole('note').textContent).toMatch(/^Read only/);
    expect((within(panel).getByRole('tabpanel') as HTMLFieldSetElement).disabled).toBe(true);
    // its versions still open and compare; none is saved or restored
    fireEvent.click(within(panel).getByRole('tab', { name: 'Versions' }));
    const view = await within(panel).findByRole('button', { name: 'View version 2' });
    expect((within(panel).getByRole('tabpanel') as HTMLFieldSetElement).disabled).toBe(false);
    expect(view.matches(':disabled')).toBe(false);
    expect(within(panel).getByRole('button', { name: 'Compare version 2 with the draft' }).matches(':disabled')).toBe(false);
    expect(within(panel).queryByRole('button', { name: 'Restore version 2' })).toBeNull();
    expect(within(panel).queryByRole('button', { name: 'Save as version' })).toBeNull();

    // nothing was ever sent to change anything
    await new Promise((r) => setTimeout(r, 50));
    expect(writes()).toEqual([]);
    expect(open.saver.dirty).toBe(false);
    // nor read what a viewer may not list (the API would refuse it)
    expect(calls.some((c) => c.path === '/secrets')).toBe(false);
    open.saver.dispose();
  });
});

describe("an editor's flow editor", () => {
  it('offers changes, runs and publishing, and saves an edit', async () => {
    const { api, calls } = fakeApi({ ...routes, 'PUT /flows/F1/draft': { status: 200, body: { revision: 4, updated_at: '2026-11-28T10:00:00Z' } } });
    const open = await renderEditor(api, 'editor');
    await waitFor(() => expect(calls.some((c) => c.path === '/flows')).toBe(true));
    expect(within(toolbar()).getByRole('status', { name: 'Save state' }).textContent).toBe('Saved');
    for (const name of ['Undo', 'Redo', 'Layout', 'Publish']) expect(within(toolbar()).getByRole('button', { name })).toBeTruthy();
    expect(within(toolbar()).getAllByRole('button', { name: /^Run/ }).length).toBeGreaterThan(0);
    expect(screen.getByLabelText('Search nodes')).toBeTruthy();
    expect(open.store.getState().readOnly).toBe(false);
    act(() => open.store.getState().select({ nodes: ['greet'], edges: [] }));
    const notes = (await within(inspector()).findByLabelText('Notes')) as HTMLTextAreaElement;
    expect(notes.matches(':disabled')).toBe(false);
    expect(within(inspector()).queryByRole('note')).toBeNull();
    fireEvent.change(notes, { target: { value: 'changed' } });
    expect(open.store.getState().doc.nodes[0]!.notes).toBe('changed');
    expect(calls.some((c) => c.path === '/secrets')).toBe(true);
    await act(() => open.saver.flush());
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT' && c.path === '/flows/F1/draft')).toBe(true));
    open.saver.dispose();
  });
});
