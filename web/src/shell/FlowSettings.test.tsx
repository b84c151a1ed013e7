// @vitest-environment jsdom
// The flow settings dialog of the flow editor, through the real ApiClient over a scripted fetch:
// it opens on the flow's settings, sends only what changed, shows the API's field errors next
// to their fields, and the shell's title, tab and list follow a rename.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApiClient } from '../api/client';
import type { LiveSocket } from '../api/live';
import type { Flow, FlowDetail } from '../api/types';
import { fakeApi, invalid, type Answer } from '../manage/testkit';
import { toJSON } from '../model/flow';
import { catalog, doc, node } from '../test/fixtures';
import { ShellContext, type ShellEnv } from './context';
import type { OpenFlow } from './FlowEditor';
import { renderFlowEditor } from '../test/editor';
import { FakeLive, flowRow, installResizeObserver } from '../test/shell';
import { READ_ONLY_NOTE, formProblems, settingsChanges } from './FlowSettings';
import { ProjectShell } from './ProjectShell';

beforeAll(installResizeObserver);
beforeEach(() => localStorage.clear());
afterEach(cleanup);

const draft = doc([node('a', 'variable.string')]);
const self = (over: Partial<Flow> = {}) => flowRow('F1', 'Checkout', 'route', { run_saving: 'errors', retention: 50, error_flow: 'F2', ...over });
const detail = (over: Partial<Flow> = {}): FlowDetail => ({ ...self(over), draft: { document: toJSON(draft), revision: 3 } });

const routes = (over: Partial<Flow> = {}, more: Record<string, Answer | Answer[]> = {}) => ({
  'GET ': { status: 200, body: { id: 'P1', name: 'Shop', slug: 'shop' } },
  'GET /flows/F1': { status: 200, body: detail(over) },
  'GET /secrets': { status: 200, body: [] },
  'GET /env': { status: 200, body: [] },
  'GET /flows': { status: 200, body: { items: [self(over), flowRow('F2', 'Alert on-call', 'service'), flowRow('F3', 'Log failure', 'blueprint')] } },
  'GET /stages': { status: 200, body: [] },
  ...more,
});

const renderEditor = (api: ApiClient, onFlowChanged?: (f: FlowDetail) => void, role?: ShellEnv['role']): Promise<OpenFlow> =>
  renderFlowEditor(api, { title: 'Checkout', role, ...(onFlowChanged ? { onFlowChanged } : {}) });

const dialog = () => screen.getByRole('dialog', { name: 'Flow settings' });
const field = (name: string | RegExp) => within(dialog()).getByLabelText(name) as HTMLInputElement & HTMLSelectElement;
const nameInput = () => field('Name');
const retention = () => field('Keep the last N runs');
const errorFlow = () => field('When a published run fails, run flow');
const radio = (label: string) => within(dialog()).getByRole('radio', { name: label }) as HTMLInputElement;
const saveButton = () => within(dialog()).getByRole('button', { name: 'Save' }) as HTMLButtonElement;
const options = (s: HTMLSelectElement) => [...s.options].map((o) => [o.value, o.textContent]);

/** Opens the dialog once the project's flows are in the editor's lists. */
async function openSettings(calls: { path: string }[]) {
  await waitFor(() => expect(calls.some((c) => c.path === '/flows')).toBe(true));
  fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
  await waitFor(() => expect(errorFlow().options.length).toBeGreaterThan(1));
}

const patches = (writes: () => { method: string; path: string; body: unknown }[]) => writes().filter((c) => c.method === 'PATCH' && c.path === '/flows/F1');

describe('the flow settings dialog', () => {
  it("opens on the flow's name, run saving, retention and error flow, offering the project's other flows", async () => {
    const { api, calls, writes } = fakeApi(routes());
    const open = await renderEditor(api);
    await openSettings(calls);
    expect(nameInput().value).toBe('Checkout');
    expect(radio('Save failed runs only').checked).toBe(true);
    expect(radio('Save every run').checked).toBe(false);
    expect(radio('Save no runs').checked).toBe(false);
    expect(retention().value).toBe('50');
    expect(errorFlow().value).toBe('F2');
    // the flow itself is not offered
    expect(options(errorFlow())).toEqual([
      ['', '— nothing —'],
      ['F2', 'Alert on-call (service)'],
      ['F3', 'Log failure (blueprint)'],
    ]);
    expect(within(dialog()).getByText('The chosen flow starts at its Flow input node with {flow, run, error}; publish it on the same stages.')).toBeTruthy();
    expect(within(dialog()).getByText(/older runs are deleted/)).toBeTruthy();
    // nothing changed yet: nothing to save
    expect(saveButton().disabled).toBe(true);
    expect(writes()).toEqual([]);
    open.saver.dispose();
  });

  it('sends only the changed fields (retention and error flow), closes, and reopens on the saved values', async () => {
    const { api, calls, writes } = fakeApi(routes({}, { 'PATCH /flows/F1': { status: 200, body: self({ retention: 20, error_flow: 'F3' }) } }));
    const changed: FlowDetail[] = [];
    const open = await renderEditor(api, (f) => changed.push(f));
    await openSettings(calls);
    fireEvent.change(retention(), { target: { value: '20' } });
    fireEvent.change(errorFlow(), { target: { value: 'F3' } });
    expect(saveButton().disabled).toBe(false);
    fireEvent.click(saveButton());
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(patches(writes).map((c) => c.body)).toEqual([{ retention: 20, error_flow: 'F3' }]);
    expect(changed).toHaveLength(1);
    expect(changed[0]).toMatchObject({ id: 'F1', name: 'Checkout', run_saving: 'errors', retention: 20, error_flow: 'F3', draft: { revision: 3 } });

    fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
    expect(retention().value).toBe('20');
    expect(errorFlow().value).toBe('F3');
    expect(saveButton().disabled).toBe(true);
    open.saver.dispose();
  });

  it('sends run saving and a trimmed name', async () => {
    const { api, calls, writes } = fakeApi(routes({}, { 'PATCH /flows/F1': { status: 200, body: self({ name: 'Checkout v2', run_saving: 'none' }) } }));
    const open = await renderEditor(api);
    await openSettings(calls);
    fireEvent.click(radio('Save no runs'));
    fireEvent.change(nameInput(), { target: { value: '  Checkout v2 ' } });
    fireEvent.click(saveButton());
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(patches(writes).map((c) => c.body)).toEqual([{ name: 'Checkout v2', run_saving: 'none' }]);
    open.saver.dispose();
  });

  it('clears the error flow with an empty string', async () => {
    const { api, calls, writes } = fakeApi(routes({}, { 'PATCH /flows/F1': { status: 200, body: self({ error_flow: '' }) } }));
    const open = await renderEditor(api);
    await openSettings(calls);
    fireEvent.change(errorFlow(), { target: { value: '' } });
    fireEvent.click(saveButton());
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(patches(writes).map((c) => c.body)).toEqual([{ error_flow: '' }]);
    // an answer that leaves out an empty error_flow still reads as cleared
    fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
    expect(errorFlow().value).toBe('');
    open.saver.dispose();
  });

  it("shows a 422 on body.retention next to the retention field and keeps the dialog open", async () => {
    const { api, calls, writes } = fakeApi(
      routes({}, { 'PATCH /flows/F1': invalid('validation failed', [{ location: 'body.retention', message: 'the plan keeps at most 500 runs' }]) }),
    );
    const changed: FlowDetail[] = [];
    const open = await renderEditor(api, (f) => changed.push(f));
    await openSettings(calls);
    fireEvent.change(retention(), { target: { value: '5000' } });
    fireEvent.click(saveButton());
    const msg = await within(dialog()).findByText('the plan keeps at most 500 runs');
    expect(retention().getAttribute('aria-invalid')).toBe('true');
    expect(retention().getAttribute('aria-describedby')).toBe(msg.id);
    // only the field's message: no second, general one
    expect(within(dialog()).getAllByRole('alert')).toEqual([msg]);
    expect(nameInput().getAttribute('aria-invalid')).toBeNull();
    expect(patches(writes)).toHaveLength(1);
    expect(changed).toEqual([]);
    expect(saveButton().disabled).toBe(false);
    // editing the field takes its message away
    fireEvent.change(retention(), { target: { value: '400' } });
    expect(within(dialog()).queryByText('the plan keeps at most 500 runs')).toBeNull();
    open.saver.dispose();
  });

  it('shows an error about the error flow next to its select, and other errors as a message', async () => {
    const { api, calls } = fakeApi(
      routes(
        {},
        {
          'PATCH /flows/F1': [
            invalid('validation failed', [{ location: 'body.error_flow', message: 'F3 is not published on prod' }]),
            { status: 403, body: { title: 'Forbidden', status: 403, detail: 'viewers cannot change flows' } },
          ],
        },
      ),
    );
    const open = await renderEditor(api);
    await openSettings(calls);
    fireEvent.change(errorFlow(), { target: { value: 'F3' } });
    fireEvent.click(saveButton());
    const msg = await within(dialog()).findByText('F3 is not published on prod');
    expect(errorFlow().getAttribute('aria-describedby')).toBe(msg.id);
    fireEvent.click(saveButton());
    expect(await within(dialog()).findByText('viewers cannot change flows')).toBeTruthy();
    expect(screen.getByRole('dialog', { name: 'Flow settings' })).toBeTruthy();
    open.saver.dispose();
  });

  it('refuses an empty name and a retention out of range before asking the API', async () => {
    const { api, calls, writes } = fakeApi(routes());
    const open = await renderEditor(api);
    await openSettings(calls);
    fireEvent.change(nameInput(), { target: { value: '   ' } });
    expect(within(dialog()).getByText('Give the flow a name.')).toBeTruthy();
    expect(saveButton().disabled).toBe(true);
    fireEvent.change(nameInput(), { target: { value: 'Checkout' } });
    fireEvent.change(retention(), { target: { value: '0' } });
    expect(within(dialog()).getByText('A whole number from 1 to 10000.')).toBeTruthy();
    expect(saveButton().disabled).toBe(true);
    fireEvent.submit(saveButton().form!);
    expect(writes()).toEqual([]);
    open.saver.dispose();
  });

  it('closes on Escape without saving, and reopens on the saved values', async () => {
    const { api, calls, writes } = fakeApi(routes());
    const open = await renderEditor(api);
    await openSettings(calls);
    fireEvent.change(nameInput(), { target: { value: 'Renamed' } });
    fireEvent.change(retention(), { target: { value: '7' } });
    fireEvent.keyDown(retention(), { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(writes()).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Settings' }));
    expect(nameInput().value).toBe('Checkout');
    expect(retention().value).toBe('50');
    open.saver.dispose();
  });

  it('keeps keys pressed in the dialog away from the canvas', async () => {
    const { api, calls } = fakeApi(routes());
    const open = await renderEditor(api);
    act(() => open.store.getState().select({ nodes: ['a'], edges: [] }));
    await openSettings(calls);
    const cancel = within(dialog()).getByRole('button', { name: 'Cancel' });
    cancel.focus();
    fireEvent.keyDown(cancel, { key: 'Delete' });
    expect(open.store.getState().doc.nodes.map((n) => n.id)).toEqual(['a']);
    open.saver.dispose();
  });

  it('shows a viewer the settings without a way to change them', async () => {
    const { api, calls, writes } = fakeApi(routes());
    const open = await renderEditor(api, undefined, 'viewer');
    await openSettings(calls);
    expect(within(dialog()).getByRole('note').textContent).toBe(READ_ONLY_NOTE);
    expect(nameInput().value).toBe('Checkout');
    expect(errorFlow().value).toBe('F2');
    for (const el of [nameInput(), retention(), errorFlow(), radio('Save every run')]) expect(el.matches(':disabled')).toBe(true);
    expect(within(dialog()).queryByRole('button', { name: 'Save' })).toBeNull();
    // submitting the form (Enter in a field) sends nothing
    fireEvent.submit(nameInput().form!);
    expect(patches(writes)).toEqual([]);
    fireEvent.click(within(dialog()).getByRole('button', { name: 'Close' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(writes()).toEqual([]);
    open.saver.dispose();
  });

  it('lets an editor change the settings', async () => {
    const { api, calls } = fakeApi(routes());
    const open = await renderEditor(api, undefined, 'editor');
    await openSettings(calls);
    expect(within(dialog()).queryByRole('note')).toBeNull();
    expect(nameInput().matches(':disabled')).toBe(false);
    fireEvent.change(retention(), { target: { value: '20' } });
    expect(saveButton().disabled).toBe(false);
    open.saver.dispose();
  });

  it('shows an error flow the list does not have as an unknown flow, and keeps it', async () => {
    const { api, calls, writes } = fakeApi(routes({ error_flow: 'F9' }, { 'PATCH /flows/F1': { status: 200, body: self({ error_flow: 'F9', retention: 60 }) } }));
    const open = await renderEditor(api);
    await openSettings(calls);
    expect(errorFlow().value).toBe('F9');
    expect(errorFlow().selectedOptions[0]!.textContent).toBe('unknown flow F9');
    expect(options(errorFlow())).toEqual([
      ['', '— nothing —'],
      ['F9', 'unknown flow F9'],
      ['F2', 'Alert on-call (service)'],
      ['F3', 'Log failure (blueprint)'],
    ]);
    // saving something else leaves it alone
    fireEvent.change(retention(), { target: { value: '60' } });
    fireEvent.click(saveButton());
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(patches(writes).map((c) => c.body)).toEqual([{ retention: 60 }]);
    open.saver.dispose();
  });
});

describe('a rename in the project shell', () => {
  it("changes the editor's title, the tab and the flow list", async () => {
    const { api, calls, writes } = fakeApi(routes({}, { 'PATCH /flows/F1': { status: 200, body: self({ name: 'Checkout v2' }) } }));
    const env: ShellEnv = { api, live: new FakeLive() as unknown as LiveSocket, catalog, tenant: 'T1', signInEpoch: 0, theme: 'light', setTheme: () => undefined };
    render(
      <ShellContext.Provider value={env}>
        <ProjectShell project="P1" flow="F1" />
      </ShellContext.Provider>,
    );
    await screen.findByRole('button', { name: 'Settings' });
    await waitFor(() => expect(screen.getByRole('tab', { name: 'Checkout' })).toBeTruthy());
    const toolbar = screen.getByRole('toolbar', { name: 'Flow' });
    expect(within(toolbar).getByText('Checkout')).toBeTruthy();
    await openSettings(calls);
    fireEvent.change(nameInput(), { target: { value: 'Checkout v2' } });
    fireEvent.click(saveButton());
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(patches(writes).map((c) => c.body)).toEqual([{ name: 'Checkout v2' }]);
    expect(within(screen.getByRole('toolbar', { name: 'Flow' })).getByText('Checkout v2')).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Checkout v2' })).toBeTruthy();
    const routesList = screen.getByRole('region', { name: 'Routes' });
    expect(within(routesList).getByRole('link', { name: 'Checkout v2' })).toBeTruthy();
    // the editor was not reopened: its draft was not read again
    expect(calls.filter((c) => c.method === 'GET' && c.path === '/flows/F1')).toHaveLength(1);
  });
});

describe('settings changes', () => {
  const flow = self();
  it.each([
    [{ name: 'Checkout', run_saving: 'errors', retention: '50', error_flow: 'F2' }, {}],
    [{ name: ' Checkout ', run_saving: 'errors', retention: ' 50', error_flow: 'F2' }, {}],
    [{ name: 'New', run_saving: 'all', retention: '50', error_flow: 'F2' }, { name: 'New', run_saving: 'all' }],
    [{ name: 'Checkout', run_saving: 'errors', retention: '1', error_flow: '' }, { retention: 1, error_flow: '' }],
  ] as const)('%j sends %j', (form, want) => {
    expect(settingsChanges(flow, form)).toEqual(want);
  });

  it('counts an absent error flow as none', () => {
    const { error_flow: _, ...without } = flow;
    expect(settingsChanges(without, { name: 'Checkout', run_saving: 'errors', retention: '50', error_flow: '' })).toEqual({});
  });

  it.each([
    ['', '1', { name: 'Give the flow a name.' }],
    ['x'.repeat(201), '1', { name: 'At most 200 characters (this one has 201).' }],
    ['x'.repeat(200), '10000', {}],
    ['ok', '10001', { retention: 'A whole number from 1 to 10000.' }],
    ['ok', '2.5', { retention: 'A whole number from 1 to 10000.' }],
    ['ok', '', { retention: 'A whole number from 1 to 10000.' }],
  ])('name %j, retention %j: %j', (name, retention, want) => {
    expect(formProblems({ name, run_saving: 'all', retention, error_flow: '' })).toEqual(want);
  });
});
