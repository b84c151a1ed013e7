// @vitest-environment jsdom
// The flow editor of the app: the secret, env and flow pickers offer what the project has,
// loaded through the real ApiClient over a scripted fetch.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ApiClient, FLOW_INVALID } from '../api/client';
import type { EnvVar, SecretInfo } from '../api/types';
import { fakeApi, type Answer } from '../manage/testkit';
import { toJSON } from '../model/flow';
import { renderFlowEditor } from '../test/editor';
import { conn, doc, node } from '../test/fixtures';
import { flowRow, installResizeObserver } from '../test/shell';
import type { OpenFlow } from './FlowEditor';
import { FIT_PADDING, MINIMAP_SIZE } from '../canvas/constants';

beforeAll(installResizeObserver);
beforeEach(() => localStorage.clear());
afterEach(cleanup);

const draft = doc([node('sec', 'variable.secret'), node('var', 'variable.env'), node('tool', 'tool.flow', { values: { flow_id: 'F2' } })]);
const secrets: SecretInfo[] = [
  { key: 'STRIPE_KEY', stages: ['prod'], updated_at: '' },
  { key: 'DB_URL', stages: ['mock', 'staging'], updated_at: '' },
];
const env: EnvVar[] = [{ key: 'REGION', values: { prod: 'eu-west-1' } }];

const routes = (over: Record<string, Answer | Answer[]> = {}) => ({
  'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Checkout', 'route'), draft: { document: toJSON(draft), revision: 3 } } },
  'GET /secrets': { status: 200, body: secrets },
  'GET /env': { status: 200, body: env },
  'GET /flows': [
    { status: 200, body: { items: [flowRow('F1', 'Checkout', 'route'), flowRow('F2', 'Lookup order', 'service')], next_cursor: 'n1' } },
    { status: 200, body: { items: [flowRow('F3', 'Nightly report', 'schedule')] } },
  ],
  'GET /stages': { status: 200, body: [] },
  ...over,
});

/** The routes of blueprint F1 (a Manual play) whose run R1, once started, stays running. */
const runningRoutes = (over: Record<string, Answer | Answer[]> = {}) =>
  routes({
    'GET /flows/F1': {
      status: 200,
      body: { ...flowRow('F1', 'Checkout', 'blueprint'), draft: { document: toJSON(doc([node('start', 'trigger.manual')])), revision: 3 } },
    },
    'POST /flows/F1/runs': { status: 202, body: { run_id: 'R1', status: 'accepted' } },
    'GET /flows/F1/runs/R1': { status: 200, body: { id: 'R1', flow: 'F1', status: 'running', nodes: [] } },
    ...over,
  });

const renderEditor = (api: ApiClient): Promise<OpenFlow> => renderFlowEditor(api, { title: 'Checkout' });

const inspector = () => screen.getByRole('complementary', { name: 'Inspector' });
const select = (open: OpenFlow, id: string) => act(() => open.store.getState().select({ nodes: [id], edges: [] }));
/** The options of the datalist an input offers. */
const suggestions = (input: HTMLElement) => [...(document.getElementById(input.getAttribute('list')!)?.querySelectorAll('option') ?? [])].map((o) => o.value);

describe('the flow editor', () => {
  it("offers an empty flow its kind's trigger to start with, and places it on a click", async () => {
    const empty = doc([]);
    const { api } = fakeApi(routes({ 'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Checkout', 'route'), draft: { document: toJSON(empty), revision: 3 } } } }));
    const open = await renderEditor(api);
    expect(screen.getByText('This flow is empty.')).toBeTruthy();
    // a route flow starts at its HTTP route node (what a request enters by), not any trigger
    fireEvent.click(screen.getByRole('button', { name: 'Add HTTP route' }));
    expect(open.store.getState().doc.nodes.map((n) => n.type)).toEqual(['trigger.route']);
    expect(screen.queryByText('This flow is empty.')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Add HTTP route' })).toBeNull();
    open.saver.dispose();
  });

  it("offers the project's secret keys (every stage's) to a secret node", async () => {
    const { api, calls } = fakeApi(routes());
    const open = await renderEditor(api);
    select(open, 'sec');
    const key = within(inspector()).getByRole('combobox', { name: 'key' });
    await waitFor(() => expect(suggestions(key)).toEqual(['DB_URL', 'STRIPE_KEY']));
    expect(within(inspector()).queryByText('no secrets yet')).toBeNull();
    // only keys are asked for: no request reads a secret's value
    expect(calls.filter((c) => c.path.startsWith('/secrets')).map((c) => `${c.method} ${c.path}`)).toEqual(['GET /secrets']);
    fireEvent.change(key, { target: { value: 'DB_URL' } });
    expect(open.store.getState().doc.nodes.find((n) => n.id === 'sec')!.values).toEqual({ key: 'DB_URL' });
    open.saver.dispose();
  });

  it("bounds a number input by its port's min and max and says why a value outside them is refused", async () => {
    const d = doc([node('wait', 'control.delay', { values: { ms: 10 } })]);
    const { api } = fakeApi(routes({ 'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Checkout', 'route'), draft: { document: toJSON(d), revision: 3 } } } }));
    const open = await renderEditor(api);
    select(open, 'wait');
    const ms = within(inspector()).getByRole('spinbutton', { name: 'ms' });
    expect([ms.getAttribute('min'), ms.getAttribute('max')]).toEqual(['0', '900000']);
    fireEvent.change(ms, { target: { value: '-5' } });
    expect(open.store.getState().doc.nodes[0]!.values).toEqual({ ms: -5 });
    await waitFor(() => expect(within(inspector()).getByText('input "ms": must be between 0 and 900000, got -5')).toBeTruthy());
    open.saver.dispose();
  });

  it("ties a refused handle and an out-of-range setting to their fields for assistive tech", async () => {
    const { api } = fakeApi(routes());
    const open = await renderEditor(api);
    select(open, 'var');
    const handle = within(inspector()).getByLabelText(/^Handle/) as HTMLInputElement;
    fireEvent.change(handle, { target: { value: 'sec' } });
    fireEvent.blur(handle);
    // the problem showed under the field, which did not say it was invalid nor point at it
    expect(handle.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(handle.getAttribute('aria-describedby')!)?.textContent).toBe('handle "sec" is used by another node');
    const retries = within(inspector()).getByRole('spinbutton', { name: 'Retries' });
    expect(retries.getAttribute('aria-invalid')).toBeNull();
    fireEvent.change(retries, { target: { value: '11' } });
    expect(retries.getAttribute('aria-invalid')).toBe('true');
    open.saver.dispose();
  });

  it('keeps the value of a number input while what is typed is not a number yet, and says so', async () => {
    const d = doc([node('wait', 'control.delay', { values: { ms: 12 } })]);
    const { api } = fakeApi(routes({ 'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Checkout', 'route'), draft: { document: toJSON(d), revision: 3 } } } }));
    const open = await renderFlowEditor(api, { title: 'Checkout' });
    select(open, 'wait');
    const ms = within(inspector()).getByRole('spinbutton', { name: 'ms' }) as HTMLInputElement;
    // "12e" on its way to "12e3": the browser reads it as empty, which cleared the value
    Object.defineProperty(ms, 'validity', { configurable: true, get: () => ({ badInput: true }) });
    fireEvent.change(ms, { target: { value: '' } });
    expect(open.store.getState().doc.nodes[0]!.values).toEqual({ ms: 12 });
    expect(ms.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(ms.getAttribute('aria-describedby')!)?.textContent).toBe('Not a number yet: the value stays 12.');
    Object.defineProperty(ms, 'validity', { configurable: true, get: () => ({ badInput: false }) });
    fireEvent.change(ms, { target: { value: '12000' } });
    expect(open.store.getState().doc.nodes[0]!.values).toEqual({ ms: 12000 });
    expect(ms.getAttribute('aria-invalid')).toBeNull();
    // emptied on purpose: the value goes
    fireEvent.change(ms, { target: { value: '' } });
    expect(open.store.getState().doc.nodes[0]!.values).toEqual({});
    open.saver.dispose();
  });

  it("edits the flow's own run budget when nothing is selected, and refuses what the server would", async () => {
    const { api, writes } = fakeApi(routes({ 'PUT /flows/F1/draft': [{ status: 200, body: { revision: 4 } }, { status: 200, body: { revision: 5 } }] }));
    const open = await renderEditor(api);
    const settings = within(inspector()).getByRole('region', { name: 'Flow settings' });
    const budget = within(settings).getByRole('spinbutton', { name: 'Node executions per run' }) as HTMLInputElement;
    expect(budget.value).toBe('');
    expect(budget.placeholder).toBe('10000');
    fireEvent.change(budget, { target: { value: '50000' } });
    expect(open.store.getState().doc.settings).toEqual({ max_node_runs: 50000 });
    await act(() => open.saver.flush());
    expect((writes()[0]!.body as { document: { settings?: unknown } }).document.settings).toEqual({ max_node_runs: 50000 });
    for (const bad of ['2.5', '0', '100001']) {
      fireEvent.change(budget, { target: { value: bad } });
      expect(budget.getAttribute('aria-invalid')).toBe('true');
      expect(within(settings).getByText(/must be a whole number from 1 to 100,000: the value stays 50000\./)).toBeTruthy();
      expect(open.store.getState().doc.settings).toEqual({ max_node_runs: 50000 });
    }
    fireEvent.change(budget, { target: { value: '' } });
    expect(budget.getAttribute('aria-invalid')).toBeNull();
    expect(open.store.getState().doc.settings).toBeUndefined();
    await act(() => open.saver.flush());
    expect((writes()[1]!.body as { document: { settings?: unknown } }).document.settings).toBeUndefined();
    open.saver.dispose();
  });

  it('refuses a decimal in a whole-number setting under the field, naming it, and autosave sends nothing invalid', async () => {
    const d = doc([node('fetch', 'http.request', { values: { url: 'https://example.com' }, settings: { retries: 2 } }), node('other', 'http.request', { values: { url: 'https://example.org' }, settings: { retries: 2 } })]);
    const { api, writes } = fakeApi(routes({ 'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Checkout', 'route'), draft: { document: toJSON(d), revision: 3 } } }, 'PUT /flows/F1/draft': { status: 200, body: { revision: 4 } } }));
    const open = await renderEditor(api);
    select(open, 'fetch');
    const retries = within(inspector()).getByRole('spinbutton', { name: 'Retries' }) as HTMLInputElement;
    fireEvent.change(retries, { target: { value: '1.5' } });
    expect(retries.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(retries.getAttribute('aria-describedby')!)?.textContent).toBe('Retries must be a whole number: the value stays 2.');
    expect(open.store.getState().doc.nodes[0]!.settings).toEqual({ retries: 2 });
    await act(() => open.saver.flush());
    expect(writes()).toHaveLength(0);
    // an integer input of the node's type refuses a decimal the same way
    const max = within(inspector()).getByRole('spinbutton', { name: 'max_response_bytes' }) as HTMLInputElement;
    fireEvent.change(max, { target: { value: '1000.5' } });
    expect(document.getElementById(max.getAttribute('aria-describedby')!.split(' ')[0]!)?.textContent).toBe('Max response bytes must be a whole number: the value stays unset.');
    expect(open.store.getState().doc.nodes[0]!.values).toEqual({ url: 'https://example.com' });
    fireEvent.change(retries, { target: { value: '3' } });
    expect(retries.getAttribute('aria-invalid')).toBeNull();
    await act(() => open.saver.flush());
    expect(writes().map((w) => (w.body as { document: { nodes: { settings?: unknown }[] } }).document.nodes[0]!.settings)).toEqual([{ retries: 3 }]);
    // refused text is the field's for that node only: the next node shows its own values
    fireEvent.change(retries, { target: { value: '0.5' } });
    fireEvent.change(within(inspector()).getByRole('spinbutton', { name: 'max_response_bytes' }), { target: { value: '7.5' } });
    select(open, 'other');
    const next = within(inspector()).getByRole('spinbutton', { name: 'Retries' }) as HTMLInputElement;
    expect(next.value).toBe('2');
    expect(next.getAttribute('aria-invalid')).toBeNull();
    expect((within(inspector()).getByRole('spinbutton', { name: 'max_response_bytes' }) as HTMLInputElement).value).toBe('');
    expect(within(inspector()).queryByText(/must be a whole number/)).toBeNull();
    open.saver.dispose();
  });

  it("shows a draft the save refused (the server's 422) by node and field in the save state, and selects the node", async () => {
    // a draft opened with a decimal setting (an older draft, an import): not sent, and said
    const d = doc([node('fetch', 'http.request', { values: { url: 'https://example.com' } }), node('log', 'debug.log', { settings: { retries: 1.5 } })]);
    const msg = 'flow document, line 1 column 180: nodes[0].values.url: expected string, got JSON number 3';
    const { api, writes } = fakeApi(
      routes({
        'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Checkout', 'route'), draft: { document: toJSON(d), revision: 3 } } },
        'PUT /flows/F1/draft': { status: 422, body: { title: 'Unprocessable Entity', status: 422, detail: `body.document: ${msg}`, errors: [{ location: 'body.document', message: msg }] } },
      }),
    );
    const open = await renderEditor(api);
    act(() => open.store.getState().setNotes('fetch', 'n'));
    await act(() => open.saver.flush());
    expect(writes()).toHaveLength(0);
    const state = screen.getByRole('status', { name: 'Save state' });
    expect(state.textContent).toContain('Not saved: log · Retries must be a whole number');
    fireEvent.click(within(state).getByRole('button', { name: 'Show Retries of log' }));
    expect(open.store.getState().selection.nodes).toEqual(['log']);
    const retries = within(inspector()).getByRole('spinbutton', { name: 'Retries' });
    expect(retries.closest('details')?.open).toBe(true);
    expect(document.getElementById(retries.getAttribute('aria-describedby')!)?.textContent).toBe('Retries must be a whole number');
    fireEvent.change(retries, { target: { value: '1' } });
    // the server refuses the next one: its problem is shown mapped, not "Unprocessable Entity: body.document: …"
    await act(() => open.saver.flush());
    expect(writes()).toHaveLength(1);
    await waitFor(() => expect(screen.getByRole('status', { name: 'Save state' }).textContent).toContain('Not saved: fetch · Url must be text (got 3)'));
    expect(screen.getByRole('status', { name: 'Save state' }).textContent).not.toContain('line 1 column');
    open.saver.dispose();
  });

  it("handles a run the server refuses as invalid (422) like a refused publish: 'Not run: N problems', listed and marked on the canvas", async () => {
    const d = doc([node('input', 'flow.input'), node('add', 'math.add')], [conn('input', 'true_path', 'add', 'node')]);
    const required = (p: string) => `required input "${p}" of "add" has neither a value nor a connection`;
    const { api, writes } = fakeApi(
      routes({
        'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Adder', 'service'), draft: { document: toJSON(d), revision: 3 } } },
        'POST /flows/F1/runs': {
          status: 422,
          body: {
            type: FLOW_INVALID,
            title: 'Flow is invalid',
            status: 422,
            detail: 'the flow has 3 problem(s); each is listed with its JSON pointer',
            errors: [
              { location: '/nodes/1/values/a', message: required('a'), value: 'add' },
              { location: '/nodes/1/values/b', message: 'b must be a number the server can add', value: 'add' },
              { location: '/', message: 'the flow never exits' },
            ],
          },
        },
      }),
    );
    const open = await renderEditor(api);
    const count = () => screen.getByTitle('Validation problems').textContent;
    const before = count();
    fireEvent.click(screen.getByRole('button', { name: '▶ Run' }));
    const out = await screen.findByTestId('run-refused');
    expect(out.getAttribute('role')).toBe('alert');
    expect(out.textContent).toContain('Not run: 3 problems in the flow (marked on the canvas).');
    expect(within(out).getAllByRole('listitem').map((l) => l.textContent)).toEqual([`add.a: ${required('a')}`, 'add.b: b must be a number the server can add', 'flow: the flow never exits']);
    expect(writes().map((w) => `${w.method} ${w.path}`)).toEqual(['POST /flows/F1/runs']);
    // no run is shown, and the old "The flow has problems: …" line is gone
    expect(screen.queryByRole('region', { name: 'Run' })).toBeNull();
    expect(screen.queryByText(/The flow has problems/)).toBeNull();
    // what the editor does not find itself is marked: on the node's field and in the count
    await waitFor(() => expect(count()).not.toBe(before));
    select(open, 'add');
    await waitFor(() => expect(within(inspector()).getByTestId('field-problems-b').textContent).toContain('b must be a number the server can add'));
    // the field it names changes: its mark goes, the refusal stays for the flow's own problem
    act(() => open.store.getState().setValue('add', 'b', 2));
    await waitFor(() => expect(within(inspector()).queryByText('b must be a number the server can add')).toBeNull());
    expect(screen.getByTestId('run-refused')).toBeTruthy();
    // dismissed: the refusal and its marks go
    fireEvent.click(within(screen.getByTestId('run-refused')).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('run-refused')).toBeNull();
    open.saver.dispose();
  });

  it('marks the problems of a chat message refused as invalid (422) on the canvas, as for the Run button; a run that starts clears them', async () => {
    const d = doc([node('chat1', 'ai.chat_trigger'), node('add', 'math.add', { values: { a: 1, b: 2 } })], [conn('chat1', 'true_path', 'add', 'node')]);
    const { api } = fakeApi(
      routes({
        'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Bot', 'blueprint'), draft: { document: toJSON(d), revision: 3 } } },
        'POST /flows/F1/runs': [
          {
            status: 422,
            body: {
              type: FLOW_INVALID,
              title: 'Flow is invalid',
              status: 422,
              detail: 'the flow has 2 problem(s)',
              errors: [
                { location: '/nodes/1/values/b', message: 'b must be a number the server can add', value: 'add' },
                { location: '/', message: 'the flow never exits' },
              ],
            },
          },
          { status: 202, body: { run_id: 'R1', status: 'accepted' } },
        ],
        'GET /flows/F1/runs/R1': { status: 200, body: { id: 'R1', flow: 'F1', status: 'running', nodes: [] } },
      }),
    );
    const open = await renderEditor(api);
    const count = () => screen.getByTitle('Validation problems').textContent;
    expect(count()).toBe('✓ No problems');
    fireEvent.click(screen.getByRole('button', { name: 'Chat' }));
    const panel = screen.getByRole('complementary', { name: 'Chat' });
    fireEvent.change(within(panel).getByRole('textbox', { name: 'Message' }), { target: { value: 'hello' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Send' }));
    const alert = await within(panel).findByRole('alert');
    expect(alert.firstChild?.textContent).toBe('Not run: 2 problems in the flow (marked on the canvas).');
    expect(within(alert).getAllByRole('listitem').map((l) => l.textContent)).toEqual(['add.b: b must be a number the server can add', 'flow: the flow never exits']);
    // marked: in the problems count, on the node's field, and no Run banner of its own
    await waitFor(() => expect(count()).toBe('⚠ 2 problems'));
    select(open, 'add');
    await waitFor(() => expect(within(inspector()).getByTestId('field-problems-b').textContent).toContain('b must be a number the server can add'));
    expect(screen.queryByTestId('run-refused')).toBeNull();
    // the field changes: its mark goes; the flow's own problem stays until a run starts
    act(() => open.store.getState().setValue('add', 'b', 3));
    await waitFor(() => expect(count()).toBe('⚠ 1 problem'));
    fireEvent.change(within(panel).getByRole('textbox', { name: 'Message' }), { target: { value: 'again' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Send' }));
    await waitFor(() => expect(count()).toBe('✓ No problems'));
    open.saver.dispose();
  });

  it('puts the editor in a box of its own that scrolls sideways on a narrow window, the publishing panel outside it', async () => {
    const { api } = fakeApi(routes({ 'GET /flows/F1/versions': { status: 200, body: { items: [] } }, 'GET /flows/F1/publications': { status: 200, body: [] } }));
    const open = await renderEditor(api);
    const main = document.querySelector('.ps-flow-editor-main')!;
    expect(main.querySelector(':scope > .ps-editor-scroll > .ps-editor')).not.toBeNull();
    fireEvent.click(screen.getByTestId('publishing-panel-toggle'));
    const panel = await screen.findByRole('complementary', { name: 'Publishing panel' });
    // placed on the box that does not scroll, so scrolling the editor leaves it where it is
    expect(panel.parentElement).toBe(main);
    expect(panel.closest('.ps-editor-scroll')).toBeNull();
    open.saver.dispose();
  });

  it('says a save the server did not answer is tried again, with its Retry apart from the text', async () => {
    const { api, writes } = fakeApi(
      routes({
        'PUT /flows/F1/draft': [
          { status: 503, body: { title: 'Service Unavailable', status: 503, detail: 'the server is starting' } },
          { status: 200, body: { revision: 4 } },
        ],
      }),
    );
    const open = await renderEditor(api);
    act(() => open.store.getState().setNotes('sec', 'n'));
    await act(() => open.saver.flush());
    const state = screen.getByRole('status', { name: 'Save state' });
    // the text takes the ellipsis on a narrow toolbar, the button beside it stays ("fetchRetry" it read)
    expect(state.querySelector('.ps-save-text')?.textContent).toBe('Not saved: the server is starting · trying again');
    fireEvent.click(within(state).getByRole('button', { name: 'Retry' }));
    await waitFor(() => expect(screen.getByRole('status', { name: 'Save state' }).textContent).toBe('Saved'));
    expect(writes()).toHaveLength(2);
    open.saver.dispose();
  });

  it('connects ports with the keyboard: C on the selected node, search, Enter; said in the live region', async () => {
    const d = doc([node('add', 'math.add'), node('log', 'debug.log')]);
    const { api } = fakeApi(routes({ 'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Checkout', 'route'), draft: { document: toJSON(d), revision: 3 } } } }));
    const open = await renderEditor(api);
    // nothing selected: C says what to do
    fireEvent.keyDown(window, { key: 'c' });
    expect(screen.getByText('Select one node (or Tab to it), then press C to connect one of its outputs.')).toBeTruthy();
    select(open, 'add');
    fireEvent.keyDown(window, { key: 'c' });
    const dialog = screen.getByRole('dialog', { name: 'Connect from add' });
    const search = within(dialog).getByRole('combobox', { name: 'To input' });
    fireEvent.change(search, { target: { value: 'log value' } });
    fireEvent.keyDown(search, { key: 'Enter' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(open.store.getState().doc.connections).toEqual([{ from: { node: 'add', port: 'result' }, to: { node: 'log', port: 'value' } }]);
    expect(screen.getByText('Connected add.result to log.value').closest('[aria-live]')?.getAttribute('aria-live')).toBe('polite');
    // the node was selected by the store, not focused: focus goes to it on the canvas, not to the page
    expect((document.activeElement as HTMLElement | null)?.dataset.id).toBe('add');
    // the new connection is selected, as after a drag; the inspector's Connect… opens it too
    expect(open.store.getState().selection.edges).toHaveLength(1);
    select(open, 'add');
    fireEvent.click(within(inspector()).getByRole('button', { name: 'Connect…' }));
    const again = screen.getByRole('dialog', { name: 'Connect from add' });
    // the input now taken is listed greyed, saying why
    const taken = within(within(again).getByRole('listbox', { name: 'Inputs' })).getAllByRole('option').find((o) => o.textContent?.startsWith('log.value '));
    expect(taken?.getAttribute('aria-disabled')).toBe('true');
    expect(taken?.textContent).toContain('already connected from add.result');
    fireEvent.keyDown(within(again).getByRole('combobox', { name: 'To input' }), { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(open.store.getState().doc.connections).toHaveLength(1);
    open.saver.dispose();
  });

  it('leaves Delete, Ctrl+D and the other canvas keys pressed in the inspector, the palette or a panel to them; undo still reaches the flow', async () => {
    const d = doc([node('add', 'math.add'), node('log', 'debug.log')]);
    const { api } = fakeApi(routes({ 'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Checkout', 'route'), draft: { document: toJSON(d), revision: 3 } } } }));
    const open = await renderEditor(api);
    const count = () => open.store.getState().doc.nodes.length;
    select(open, 'add');
    const connect = within(inspector()).getByRole('button', { name: 'Connect…' });
    connect.focus();
    // on a button of the inspector showing the node: it removed the node
    for (const key of [{ key: 'Delete' }, { key: 'Backspace' }, { key: 'd', ctrlKey: true }, { key: 'a', ctrlKey: true }, { key: 'c' }]) fireEvent.keyDown(connect, key);
    expect(count()).toBe(2);
    expect(open.store.getState().selection.nodes).toEqual(['add']);
    expect(screen.queryByRole('dialog')).toBeNull();
    const paletteItem = document.querySelector<HTMLElement>('.ps-palette [role="option"]')!;
    fireEvent.keyDown(paletteItem, { key: 'Delete' });
    expect(count()).toBe(2);
    // on the canvas (or nowhere) it does; undo from the inspector brings the node back
    fireEvent.keyDown(window, { key: 'Delete' });
    expect(count()).toBe(1);
    fireEvent.keyDown(inspector(), { key: 'z', ctrlKey: true });
    expect(count()).toBe(2);
    open.saver.dispose();
  });

  it("moves between the run panel's Logs and Output with the arrow keys, the list labelled by its tab", async () => {
    const { api } = fakeApi(runningRoutes());
    const open = await renderEditor(api);
    fireEvent.click(screen.getByRole('button', { name: '▶ Run' }));
    const panel = await screen.findByRole('region', { name: 'Run' });
    // the status is a live region: its end is said, not only coloured
    expect(within(panel).getByRole('status', { name: 'Run status' }).textContent).toBe('running');
    const tablist = within(panel).getByRole('tablist', { name: 'Run details' });
    const logs = within(tablist).getByRole('tab', { name: /^Logs/ });
    const output = within(tablist).getByRole('tab', { name: /^Output/ });
    expect([logs.tabIndex, output.tabIndex]).toEqual([0, -1]);
    expect(within(panel).getByRole('tabpanel').getAttribute('aria-labelledby')).toBe(logs.id);
    logs.focus();
    fireEvent.keyDown(logs, { key: 'ArrowRight' });
    expect(output.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(output);
    expect(within(panel).getByRole('tabpanel').getAttribute('aria-labelledby')).toBe(output.id);
    expect(within(panel).getByRole('tabpanel').textContent).toBe('Waiting for output…');
    fireEvent.keyDown(output, { key: 'ArrowRight' });
    expect(logs.getAttribute('aria-selected')).toBe('true');
    open.saver.dispose();
  });

  it('gives the focus back to the toolbar when the run panel or the history is closed from inside', async () => {
    const { api } = fakeApi(runningRoutes({ 'GET /flows/F1/runs': { status: 200, body: { items: [] } } }));
    const open = await renderEditor(api);
    const run = screen.getByRole('button', { name: '▶ Run' });
    fireEvent.click(run);
    const panel = await screen.findByRole('region', { name: 'Run' });
    const close = within(panel).getByRole('button', { name: 'Close the run panel' });
    close.focus();
    fireEvent.click(close);
    expect(screen.queryByRole('region', { name: 'Run' })).toBeNull();
    // ▶ Run waits while the run is followed: the focus goes to History beside it
    expect((run as HTMLButtonElement).disabled).toBe(true);
    const history = screen.getByRole('button', { name: 'History' });
    expect(document.activeElement).toBe(history);
    fireEvent.click(history);
    const closeHistory = within(await screen.findByRole('region', { name: 'Run history' })).getByRole('button', { name: 'Close the run history' });
    closeHistory.focus();
    fireEvent.click(closeHistory);
    expect(document.activeElement).toBe(history);
    open.saver.dispose();
  });

  it("offers the project's variable names to an env node", async () => {
    const { api } = fakeApi(routes());
    const open = await renderEditor(api);
    select(open, 'var');
    const key = within(inspector()).getByRole('combobox', { name: 'key' });
    await waitFor(() => expect(suggestions(key)).toEqual(['REGION']));
    expect(within(inspector()).queryByText('no variables yet')).toBeNull();
    open.saver.dispose();
  });

  it("offers the project's other flows (every page) to a flow tool, and opens the chosen one", async () => {
    const { api, calls } = fakeApi(routes());
    const open = await renderEditor(api);
    select(open, 'tool');
    const picker = within(inspector()).getByRole('combobox', { name: 'flow_id' }) as HTMLSelectElement;
    await waitFor(() =>
      expect([...picker.options].map((o) => o.textContent)).toEqual(['— choose a flow —', 'Lookup order (service)', 'Nightly report (schedule)']),
    );
    expect(picker.value).toBe('F2');
    expect(calls.filter((c) => c.path === '/flows').map((c) => c.query.get('cursor'))).toEqual([null, 'n1']);
    fireEvent.change(picker, { target: { value: 'F3' } });
    expect(open.store.getState().doc.nodes.find((n) => n.id === 'tool')!.values).toEqual({ flow_id: 'F3' });
    const link = within(inspector()).getByRole('link', { name: 'Open' });
    expect(link.getAttribute('href')).toBe('/p/P1/f/F3');
    fireEvent.click(link);
    expect(location.pathname).toBe('/p/P1/f/F3');
    open.saver.dispose();
  });

  it('works on with empty pickers when the lists fail to load', async () => {
    const fail = { status: 500, body: { title: 'Internal Server Error', status: 500 } };
    const { api, calls } = fakeApi(routes({ 'GET /secrets': fail, 'GET /env': fail, 'GET /flows': fail }));
    const open = await renderEditor(api);
    await waitFor(() => expect(calls.filter((c) => ['/secrets', '/env', '/flows'].includes(c.path))).toHaveLength(3));
    await act(() => new Promise((r) => setTimeout(r, 20))); // the failed answers are in
    select(open, 'sec');
    expect(within(inspector()).getByText('no secrets yet')).toBeTruthy();
    select(open, 'var');
    expect(within(inspector()).getByText('no variables yet')).toBeTruthy();
    select(open, 'tool');
    expect(within(inspector()).getByText('no other flows in this project')).toBeTruthy();
    const picker = within(inspector()).getByRole('combobox', { name: 'flow_id' }) as HTMLSelectElement;
    expect(picker.selectedOptions[0]!.textContent).toBe('unknown flow F2');
    expect(screen.getByRole('toolbar', { name: 'Flow' })).toBeTruthy();
    open.saver.dispose();
  });

  it('asks before emptying the flow (not "changed elsewhere"), then saves with force', async () => {
    const refused = {
      status: 409,
      body: {
        type: 'urn:polysynergy:problem:conflict',
        title: 'Conflict',
        status: 409,
        detail: 'this would replace a flow of 3 nodes by an empty one; send force: true to do it',
        errors: [{ location: 'body.document', message: 'is empty while the saved draft is not' }],
      },
    };
    const { api, writes } = fakeApi(routes({ 'PUT /flows/F1/draft': [refused, { status: 200, body: { revision: 4 } }] }));
    const open = await renderEditor(api);
    act(() => open.store.getState().removeNodes(['sec', 'var', 'tool']));
    const dialog = await screen.findByRole('dialog', { name: 'Empty this flow?' }, { timeout: 3000 });
    expect(screen.queryByText('This flow was changed elsewhere')).toBeNull();
    expect(dialog.textContent).toContain('which has 3 nodes');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Empty the flow' }));
    await waitFor(() => expect(writes().filter((w) => w.method === 'PUT')).toHaveLength(2));
    expect(writes()[1]!.body).toMatchObject({ revision: 3, force: true, document: { nodes: [] } });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(screen.getByRole('status', { name: 'Save state' }).textContent).toBe('Saved');
    open.saver.dispose();
  });

  it('undoing the delete from the emptying question brings the nodes back', async () => {
    const refused = { status: 409, body: { type: 'urn:polysynergy:problem:conflict', title: 'Conflict', status: 409, detail: 'this would replace a flow of 3 nodes by an empty one; send force: true to do it' } };
    const { api, writes } = fakeApi(routes({ 'PUT /flows/F1/draft': [refused, { status: 200, body: { revision: 4 } }] }));
    const open = await renderEditor(api);
    act(() => open.store.getState().removeNodes(['sec', 'var', 'tool']));
    const dialog = await screen.findByRole('dialog', { name: 'Empty this flow?' }, { timeout: 3000 });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Undo the delete' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(open.store.getState().doc.nodes.map((n) => n.id)).toEqual(['sec', 'var', 'tool']);
    // never sent with force
    expect(writes().some((w) => (w.body as { force?: boolean }).force)).toBe(false);
    open.saver.dispose();
  });

  it('shows a small minimap that takes no pointer (no pan, no zoom), can be hidden, and Fit leaves room for it', async () => {
    const { api } = fakeApi(routes());
    const open = await renderEditor(api);
    const map = screen.getByTestId('rf__minimap');
    expect(map.classList.contains('ps-minimap')).toBe(true);
    expect(map.querySelector('svg')!.getAttribute('width')).toBe(String(MINIMAP_SIZE.width));
    expect(map.querySelector('svg')!.getAttribute('height')).toBe(String(MINIMAP_SIZE.height));
    // the bottom strip Fit keeps free holds the minimap and its 15px margin
    expect(parseInt(FIT_PADDING.bottom, 10)).toBeGreaterThanOrEqual(MINIMAP_SIZE.height + 15);
    fireEvent.click(screen.getByRole('button', { name: 'Hide the minimap' }));
    expect(screen.queryByTestId('rf__minimap')).toBeNull();
    expect(localStorage.getItem('ps.minimap')).toBe('off');
    fireEvent.click(screen.getByRole('button', { name: 'Show the minimap' }));
    expect(screen.getByTestId('rf__minimap')).toBeTruthy();
    open.saver.dispose();
  });
});
