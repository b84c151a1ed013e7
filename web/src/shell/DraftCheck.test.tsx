// @vitest-environment jsdom
// Expression problems while editing, in the app's flow editor over a scripted API: the quick
// check under the field at once, the server's check of each autosaved revision after it.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Answer, fakeApi, type Recorded } from '../manage/testkit';
import { toJSON } from '../model/flow';
import { renderFlowEditor } from '../test/editor';
import { doc, node } from '../test/fixtures';
import { flowRow, installResizeObserver } from '../test/shell';

beforeAll(installResizeObserver);
beforeEach(() => localStorage.clear());
afterEach(cleanup);

const draft = doc([node('trg', 'trigger.manual', { handle: 'start' }), node('req', 'http.request', { handle: 'fetch', values: { url: 'https://example.com' } })]);

function routes(validate: Answer | Answer[]) {
  let revision = 3;
  return {
    'GET /flows/F1': { status: 200, body: { ...flowRow('F1', 'Greeter', 'blueprint'), draft: { document: toJSON(draft), revision: 3 } } },
    'GET /secrets': { status: 200, body: [] },
    'GET /env': { status: 200, body: [] },
    'GET /flows': { status: 200, body: { items: [flowRow('F1', 'Greeter', 'blueprint')] } },
    'GET /stages': { status: 200, body: [] },
    'PUT /flows/F1/draft': () => ({ status: 200, body: { revision: ++revision } }),
    'POST /flows/F1/validate': validate,
  } satisfies Record<string, Answer | Answer[]>;
}

const inspector = () => screen.getByRole('complementary', { name: 'Inspector' });
const fieldProblems = () => within(inspector()).queryByTestId('field-problems-url')?.textContent ?? null;
const validations = (calls: Recorded[]) => calls.filter((c) => c.path === '/flows/F1/validate');
const puts = (calls: Recorded[]) => calls.filter((c) => c.method === 'PUT');

describe('expression problems while editing', () => {
  it('shows the quick check under the field at once, and marks the field for assistive tech', async () => {
    const { api, calls } = fakeApi(routes({ status: 200, body: { valid: true, problems: [] } }));
    const open = await renderFlowEditor(api, { title: 'Greeter' });
    act(() => open.store.getState().select({ nodes: ['req'], edges: [] }));
    const input = within(inspector()).getByRole('textbox', { name: 'url' });
    fireEvent.change(input, { target: { value: 'Total: {{ fetch.body.items[0 }}', selectionStart: 5 } });
    await waitFor(() => expect(fieldProblems()).toBe('expression at column 27: [ is not closed with ]'));
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(input.getAttribute('aria-describedby')).toBe('ps-field-problems-url');
    expect(document.getElementById('ps-field-problems-url')?.textContent).toContain('[ is not closed');
    // the expression's chip is red and says why
    expect([...inspector().querySelectorAll('.ps-expr-chip.bad')].map((c) => c.getAttribute('title'))).toEqual(['[ is not closed with ]']);
    fireEvent.change(input, { target: { value: '{{ 1 + }}' } });
    await waitFor(() => expect(fieldProblems()).toBe('expression at column 6: + at the end has nothing after it'));
    fireEvent.change(input, { target: { value: '{{ }} and {{ start' } });
    await waitFor(() => expect(fieldProblems()).toBe('expression at column 1: empty expression {{ }}expression at column 11: opening {{ has no closing }}'));
    fireEvent.change(input, { target: { value: 'Hi {{ start.output }}' } });
    await waitFor(() => expect(fieldProblems()).toBeNull());
    expect(input.getAttribute('aria-invalid')).toBeNull();
    // nothing was asked of the server while typing
    expect(validations(calls)).toHaveLength(0);
    open.saver.dispose();
  });

  it("shows the server's check of each autosaved revision on the field it names, once per revision, gone when the field changes", async () => {
    const { api, calls } = fakeApi(
      routes([
        { status: 200, body: { valid: false, problems: [{ path: '/nodes/1/values/url', message: 'expression at column 12: unexpected token Identifier("start")', node: 'fetch', port: 'url' }] } },
        { status: 200, body: { valid: true, problems: [] } },
      ]),
    );
    const open = await renderFlowEditor(api, { title: 'Greeter' });
    act(() => open.store.getState().select({ nodes: ['req'], edges: [] }));
    const input = within(inspector()).getByRole('textbox', { name: 'url' });
    // the quick check passes this one; the server's parser does not
    fireEvent.change(input, { target: { value: '{{ start.a start.b }}' } });
    expect(fieldProblems()).toBeNull();
    await waitFor(() => expect(fieldProblems()).toBe('expression at column 12: unexpected token Identifier("start")'), { timeout: 5000 });
    expect(puts(calls)).toHaveLength(1);
    expect(validations(calls).map((c) => c.method)).toEqual(['POST']);
    // validated after the save, not before
    expect(calls.indexOf(validations(calls)[0]!)).toBeGreaterThan(calls.indexOf(puts(calls)[0]!));
    expect(screen.getByRole('button', { name: '⚠ 1 problem' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: '⚠ 1 problem' }));
    const panel = screen.getByLabelText('Problems');
    expect(within(panel).getByTestId('server-check').textContent).toBe('Checked by the server at revision 4.');
    expect(within(panel).getAllByRole('listitem').map((l) => l.textContent)).toEqual(['fetch.url expression at column 12: unexpected token Identifier("start")']);
    // fixing the field clears it at once, before anything is saved
    fireEvent.change(input, { target: { value: '{{ start.a + start.b }}' } });
    await waitFor(() => expect(fieldProblems()).toBeNull());
    expect(puts(calls)).toHaveLength(1);
    // the fixed revision is saved and checked (once), and stays clean
    await waitFor(() => expect(validations(calls)).toHaveLength(2), { timeout: 5000 });
    await waitFor(() => expect(within(panel).getByTestId('server-check').textContent).toBe('Checked by the server at revision 5.'));
    expect(fieldProblems()).toBeNull();
    expect(screen.getByRole('button', { name: '✓ No problems' })).toBeTruthy();
    await act(() => new Promise((r) => setTimeout(r, 1500)));
    expect(validations(calls)).toHaveLength(2);
    open.saver.dispose();
  }, 20_000);

  it("shows the server's warnings apart from problems: in the toolbar, the list (Show selects the node) and at the field, never as invalid", async () => {
    const warning = { path: '/nodes/1/values/url', message: 'expression reads "start", which "fetch" does not wait for', node: 'fetch', port: 'url' };
    const { api } = fakeApi(routes({ status: 200, body: { valid: true, problems: [], warnings: [warning], revision: 4 } }));
    const open = await renderFlowEditor(api, { title: 'Greeter' });
    act(() => open.store.getState().setValue('req', 'url', '{{ start.url }}'));
    // not a problem: the count stays clean and says the warning beside it
    const button = await screen.findByRole('button', { name: '✓ No problems · 1 warning' }, { timeout: 5000 });
    expect(button.classList.contains('has-warnings')).toBe(true);
    expect(button.classList.contains('has')).toBe(false);
    // the run is not held back by it
    expect((screen.getByRole('button', { name: '▶ Run' }) as HTMLButtonElement).disabled).toBe(false);
    fireEvent.click(button);
    const panel = screen.getByRole('region', { name: 'Problems' });
    expect(within(panel).getByTestId('server-check').textContent).toBe('Checked by the server at revision 4: 1 warning, which does not stop a run or a publish.');
    expect(within(panel).getByText('No problems.')).toBeTruthy();
    const list = within(panel).getByRole('list', { name: /1 warning: valid, but likely not meant/ });
    const item = within(list).getByRole('button', { name: 'Warning: fetch.url expression reads "start", which "fetch" does not wait for' });
    fireEvent.click(item);
    expect(open.store.getState().selection.nodes).toEqual(['req']);
    // the inspector says it as a warning, and the field is not invalid
    const warnings = within(inspector()).getByRole('list', { name: 'Warnings of this node' });
    expect(warnings.textContent).toBe('△ Warning: url: expression reads "start", which "fetch" does not wait for');
    expect(fieldProblems()).toBe('Warning: expression reads "start", which "fetch" does not wait for');
    const input = within(inspector()).getByRole('textbox', { name: 'url' });
    expect(input.getAttribute('aria-invalid')).toBeNull();
    expect(input.getAttribute('aria-describedby')).toBe('ps-field-problems-url');
    expect(within(inspector()).queryByRole('list', { name: 'Problems of this node' })).toBeNull();
    open.saver.dispose();
  }, 20_000);

  it('says when the server could not check, and checks again on request', async () => {
    const { api, calls } = fakeApi(routes([{ status: 500, body: { title: 'Internal Server Error', status: 500, detail: 'the store did not answer' } }, { status: 200, body: { valid: true, problems: [] } }]));
    const open = await renderFlowEditor(api, { title: 'Greeter' });
    act(() => open.store.getState().setValue('req', 'url', 'https://example.org'));
    fireEvent.click(screen.getByRole('button', { name: /No problems/ }));
    const panel = screen.getByLabelText('Problems');
    await waitFor(() => expect(within(panel).getByTestId('server-check').textContent).toBe('The server could not check the draft: the store did not answer Check again'), { timeout: 5000 });
    fireEvent.click(within(panel).getByRole('button', { name: 'Check again' }));
    await waitFor(() => expect(within(panel).getByTestId('server-check').textContent).toBe('Checked by the server at revision 4.'), { timeout: 3000 });
    expect(validations(calls)).toHaveLength(2);
    open.saver.dispose();
  }, 20_000);

  it("asks nothing for a viewer", async () => {
    const { api, calls } = fakeApi(routes({ status: 200, body: { valid: true, problems: [] } }));
    const open = await renderFlowEditor(api, { title: 'Greeter', role: 'viewer' });
    await act(() => new Promise((r) => setTimeout(r, 1000)));
    expect(validations(calls)).toHaveLength(0);
    open.saver.dispose();
  });

  it('opens the problems list as a named region the button controls; Escape closes it and gives the button the focus', async () => {
    const { api } = fakeApi(routes({ status: 200, body: { valid: true, problems: [] } }));
    const open = await renderFlowEditor(api, { title: 'Greeter' });
    act(() => open.store.getState().setValue('req', 'url', '{{ 1 + }}'));
    const button = await screen.findByRole('button', { name: '⚠ 1 problem' });
    fireEvent.click(button);
    // a div with only an aria-label is not a landmark a screen reader announces
    const panel = screen.getByRole('region', { name: 'Problems' });
    expect(button.getAttribute('aria-controls')).toBe(panel.id);
    const item = within(panel).getByRole('button', { name: /fetch\.url/ });
    item.focus();
    fireEvent.keyDown(item, { key: 'Escape' });
    expect(screen.queryByRole('region', { name: 'Problems' })).toBeNull();
    expect(document.activeElement).toBe(button);
    expect(button.getAttribute('aria-expanded')).toBe('false');
    open.saver.dispose();
  });
});
