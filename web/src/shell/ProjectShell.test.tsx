// @vitest-environment jsdom
// The project shell: the sidebar's flow list (every page of it), the tabs of open flows and
// what a deep link shows.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { LiveSocket } from '../api/live';
import type { Flow, FlowDetail } from '../api/types';
import { fakeApi, type Answer } from '../manage/testkit';
import { toJSON } from '../model/flow';
import { catalog, doc, node } from '../test/fixtures';
import { FakeLive, flowRow, installResizeObserver } from '../test/shell';
import { ShellContext, type ShellEnv } from './context';
import { ProjectShell } from './ProjectShell';
import { sidePanelShown } from './sidePanel';

beforeAll(installResizeObserver);
beforeEach(() => localStorage.clear());
afterEach(cleanup);

const detail = (f: Flow): FlowDetail => ({ ...f, draft: { document: toJSON(doc([node('a', 'variable.string')])), revision: 1 } });

// 200 flows on the first page, two more on the second
const firstPage = Array.from({ length: 200 }, (_, i) => flowRow(`F${String(i).padStart(3, '0')}`, `Flow ${i}`));
const far = flowRow('FAR', 'Far away', 'schedule');
const far2 = flowRow('FAR2', 'Further away', 'service');

const routes = (more: Record<string, Answer | Answer[]> = {}) => ({
  'GET ': { status: 200, body: { id: 'P1', name: 'Shop', slug: 'shop' } },
  'GET /flows': (c: { query: URLSearchParams }) =>
    c.query.get('cursor') === 'next' ? { status: 200, body: { items: [far, far2] } } : { status: 200, body: { items: firstPage, next_cursor: 'next' } },
  'GET /flows/FAR': { status: 200, body: detail(far) },
  'GET /secrets': { status: 200, body: [] },
  'GET /env': { status: 200, body: [] },
  'GET /stages': { status: 200, body: [] },
  ...more,
});

function renderShell(api: ShellEnv['api'], flow: string | null) {
  const env: ShellEnv = { api, live: new FakeLive() as unknown as LiveSocket, catalog, tenant: 'T1', signInEpoch: 0, theme: 'light', setTheme: () => undefined };
  return render(
    <ShellContext.Provider value={env}>
      <ProjectShell project="P1" flow={flow} />
    </ShellContext.Provider>,
  );
}

describe('the project sidebar', () => {
  it('lists flows past the first page and keeps their tabs (a deep-linked one gets its tab)', async () => {
    localStorage.setItem('ps.tabs.P1', JSON.stringify({ open: ['F001', 'FAR2'], active: 'F001' }));
    const { api, calls } = fakeApi(routes());
    renderShell(api, 'FAR');
    const schedules = await screen.findByRole('region', { name: 'Schedules' });
    await waitFor(() => expect(within(schedules).getByRole('link', { name: 'Far away' })).toBeTruthy());
    expect(within(screen.getByRole('region', { name: 'Services' })).getByRole('link', { name: 'Further away' })).toBeTruthy();
    const shellPages = calls.filter((c) => c.path === '/flows').map((c) => c.query.get('cursor'));
    expect(shellPages).toContain('next');
    await waitFor(() => expect(screen.getByRole('tab', { name: 'Far away' })).toBeTruthy());
    expect(screen.getByRole('tab', { name: 'Further away' })).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Flow 1' })).toBeTruthy();
    expect(JSON.parse(localStorage.getItem('ps.tabs.P1')!)).toEqual({ open: ['F001', 'FAR2', 'FAR'], active: 'FAR' });
  });

  it('moves between the open flows\' tabs with the arrow keys without opening each', async () => {
    localStorage.setItem('ps.tabs.P1', JSON.stringify({ open: ['F001', 'FAR2'], active: 'F001' }));
    const { api } = fakeApi(routes());
    renderShell(api, 'FAR');
    await waitFor(() => expect(screen.getByRole('tab', { name: 'Far away' }).getAttribute('aria-selected')).toBe('true'));
    const tablist = screen.getByRole('tablist', { name: 'Open flows' });
    const tabs = () => within(tablist).getAllByRole('tab');
    // only the open flow's tab is in the Tab order
    expect(tabs().map((t) => t.tabIndex)).toEqual([-1, -1, 0]);
    tabs()[2]!.focus();
    fireEvent.keyDown(tabs()[2]!, { key: 'Home' });
    expect(document.activeElement).toBe(tabs()[0]);
    fireEvent.keyDown(tabs()[0]!, { key: 'ArrowRight' });
    expect(document.activeElement?.textContent).toBe('Further away');
    fireEvent.keyDown(tabs()[1]!, { key: 'ArrowLeft' });
    fireEvent.keyDown(tabs()[0]!, { key: 'ArrowLeft' });
    expect(document.activeElement?.textContent).toBe('Far away');
    // moving did not open another flow
    expect(window.location.pathname).not.toBe('/p/P1/f/FAR2');
    expect(screen.getByRole('tab', { name: 'Far away' }).getAttribute('aria-selected')).toBe('true');
  });

  it("gives a tab its flow's full name as a tooltip (a long one is cut short on screen)", async () => {
    const long = 'A very long flow name '.repeat(7).trim();
    const { api } = fakeApi(routes({ 'GET /flows': { status: 200, body: { items: [flowRow('FAR', long, 'schedule')] } }, 'GET /flows/FAR': { status: 200, body: detail(flowRow('FAR', long, 'schedule')) } }));
    renderShell(api, 'FAR');
    const tab = await screen.findByRole('tab', { name: long });
    expect(tab.getAttribute('title')).toBe(long);
    expect(tab.classList.contains('ps-tab-name')).toBe(true);
  });
});

describe('the project panel on a narrow window', () => {
  it('hides to a rail and shows again, and the choice is remembered', async () => {
    const { api } = fakeApi(routes());
    renderShell(api, null);
    await screen.findByRole('region', { name: 'Schedules' });
    fireEvent.click(screen.getByRole('button', { name: 'Hide the project panel' }));
    // the flows and settings leave the page's room to the editor; one button brings them back
    expect(screen.queryByRole('region', { name: 'Schedules' })).toBeNull();
    expect(screen.getByRole('navigation', { name: 'Project' }).textContent).toBe('»');
    expect(localStorage.getItem('ps.projectPanel')).toBe('hidden');
    cleanup();
    renderShell(api, null);
    await screen.findByRole('button', { name: 'Show the project panel' });
    expect(screen.queryByRole('region', { name: 'Schedules' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Show the project panel' }));
    expect(screen.getByRole('region', { name: 'Schedules' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Show the project panel' })).toBeNull();
    expect(localStorage.getItem('ps.projectPanel')).toBe('shown');
  });

  it('with the panel hidden, the empty project points at it (not at "the left") and shows it', async () => {
    localStorage.setItem('ps.projectPanel', 'hidden');
    const { api } = fakeApi(routes());
    renderShell(api, null);
    const show = await screen.findByRole('button', { name: 'Show the flows' });
    expect(screen.queryByText(/Open a flow from the left/)).toBeNull();
    expect(screen.getByText(/Open a flow from the project panel/)).toBeTruthy();
    fireEvent.click(show);
    expect(await screen.findByRole('region', { name: 'Schedules' })).toBeTruthy();
    expect(screen.getByText('Open a flow from the left, or create one with +.')).toBeTruthy();
  });

  it('starts hidden on a narrow window, unless the person chose to show it', () => {
    const none = { getItem: () => null };
    expect(sidePanelShown(none, () => true)).toBe(false);
    expect(sidePanelShown(none, () => false)).toBe(true);
    expect(sidePanelShown({ getItem: () => 'shown' }, () => true)).toBe(true);
    expect(sidePanelShown({ getItem: () => 'hidden' }, () => false)).toBe(false);
  });
});

describe('a deep link to a missing project', () => {
  it('shows one not-found state with the way back to the projects', async () => {
    const missing = { status: 404, body: { title: 'Not Found', status: 404, detail: 'project not found' } };
    const { api } = fakeApi({ 'GET ': missing, 'GET /flows': missing });
    renderShell(api, null);
    const alert = await screen.findByRole('alert', { name: 'Project not found' });
    await act(() => new Promise((r) => setTimeout(r, 20))); // the flows' answer is in too
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(screen.queryByText(/project not found/)).toBeNull();
    expect(screen.queryByRole('button', { name: 'Try again' })).toBeNull();
    expect(screen.queryByText(/Open a flow from the left/)).toBeNull();
    expect(screen.queryByRole('navigation', { name: 'Project' })).toBeNull();
    const back = within(alert).getByRole('link', { name: 'Back to your projects' });
    fireEvent.click(back);
    expect(location.pathname).toBe('/');
  });

  it('keeps the shell (with its message) for other failures', async () => {
    const { api } = fakeApi({ 'GET ': { status: 500, body: { title: 'Internal Server Error', status: 500, detail: 'boom' } }, 'GET /flows': { status: 200, body: { items: [] } } });
    renderShell(api, null);
    expect(await screen.findByText('Internal Server Error: boom')).toBeTruthy();
    expect(screen.getByRole('navigation', { name: 'Project' })).toBeTruthy();
  });
});

describe('the server away for a moment', () => {
  const down = { status: 503, body: { title: 'Service Unavailable', status: 503, detail: 'starting' } };
  it('offers Try again where the open flow failed to load, and opens it once the server answers', async () => {
    const { api } = fakeApi(routes({ 'GET /flows/FAR': [down, { status: 200, body: detail(far) }] }));
    renderShell(api, 'FAR');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Service Unavailable: starting');
    // it stayed there until the page was reloaded
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await waitFor(() => expect(screen.getByRole('status', { name: 'Save state' })).toBeTruthy());
    expect(screen.queryByText('Service Unavailable: starting')).toBeNull();
  });

  it('says a flow that does not exist is missing, with no Try again', async () => {
    const { api } = fakeApi(routes({ 'GET /flows/GONE': { status: 404, body: { title: 'Not Found', status: 404, detail: 'flow not found' } } }));
    renderShell(api, 'GONE');
    const alert = await screen.findByRole('alert');
    expect(alert.querySelector('.ps-field-error')?.textContent).toBe('This flow does not exist, or it was deleted.');
    expect(within(alert).queryByRole('button')).toBeNull();
    // not a dead end: back to the project
    const back = within(alert).getByRole('link', { name: 'Back to the project' });
    expect(back.getAttribute('href')).toBe('/p/P1');
    fireEvent.click(back);
    expect(window.location.pathname).toBe('/p/P1');
  });

  it("brings the project's name back with the flows' Try again", async () => {
    const { api } = fakeApi(routes({ 'GET ': [down, { status: 200, body: { id: 'P1', name: 'Shop', slug: 'shop' } }], 'GET /flows': [down, { status: 200, body: { items: [far] } }] }));
    renderShell(api, null);
    const alert = await screen.findByRole('alert');
    await waitFor(() => expect(screen.getAllByText('Service Unavailable: starting')).toHaveLength(2));
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await screen.findByRole('link', { name: 'Far away' });
    await waitFor(() => expect(screen.queryByText('Service Unavailable: starting')).toBeNull());
    expect(screen.getByText('Shop')).toBeTruthy();
  });
});

describe('deleting a flow', () => {
  const two = [flowRow('F1', 'Checkout'), flowRow('F2', 'Refunds')];
  const base = (more: Record<string, Answer | Answer[]> = {}) => ({
    'GET ': { status: 200, body: { id: 'P1', name: 'Shop', slug: 'shop' } },
    'GET /flows': { status: 200, body: { items: two } },
    'GET /flows/F1': { status: 200, body: detail(two[0]!) },
    'GET /secrets': { status: 200, body: [] },
    'GET /env': { status: 200, body: [] },
    'GET /stages': { status: 200, body: [] },
    ...more,
  });
  const openDelete = async () => {
    fireEvent.click(await screen.findByRole('button', { name: 'Settings' }));
    const dialog = screen.getByRole('dialog', { name: 'Flow settings' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete the flow Checkout' }));
    const confirm = within(dialog).getByRole('group', { name: 'Confirm: Delete the flow Checkout' });
    expect(confirm.textContent).toContain('Delete “Checkout” with its versions and runs?');
    return { dialog, confirm };
  };

  it('asks naming the flow, deletes it, closes its tab and drops it from the list', async () => {
    localStorage.setItem('ps.tabs.P1', JSON.stringify({ open: ['F2', 'F1'], active: 'F1' }));
    const { api, writes } = fakeApi(base({ 'DELETE /flows/F1': { status: 204 } }));
    history.replaceState(null, '', '/p/P1/f/F1');
    renderShell(api, 'F1');
    await waitFor(() => expect(screen.getByRole('tab', { name: 'Checkout' })).toBeTruthy());
    const { confirm } = await openDelete();
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete “Checkout”' }));
    await waitFor(() => expect(screen.queryByRole('tab', { name: 'Checkout' })).toBeNull());
    expect(writes().map((w) => `${w.method} ${w.path}`)).toEqual(['DELETE /flows/F1']);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(within(screen.getByRole('region', { name: 'Routes' })).queryByRole('link', { name: 'Checkout' })).toBeNull();
    expect(screen.getByRole('tab', { name: 'Refunds' })).toBeTruthy();
    expect(location.pathname).toBe('/p/P1/f/F2');
  });

  it("shows the API's reason when it refuses (409), and keeps the flow", async () => {
    const refused = { status: 409, body: { type: 'urn:polysynergy:problem:conflict', title: 'Conflict', status: 409, detail: 'flow Refunds names this flow as its error flow' } };
    const { api } = fakeApi(base({ 'DELETE /flows/F1': refused }));
    renderShell(api, 'F1');
    const { confirm } = await openDelete();
    fireEvent.click(within(confirm).getByRole('button', { name: 'Delete “Checkout”' }));
    expect((await within(confirm).findByRole('alert')).textContent).toBe('flow Refunds names this flow as its error flow');
    expect(screen.getByRole('dialog', { name: 'Flow settings' })).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Checkout' })).toBeTruthy();
  });

  it('is not offered to a viewer', async () => {
    const { api } = fakeApi(base());
    const env: ShellEnv = { api, live: new FakeLive() as unknown as LiveSocket, catalog, tenant: 'T1', signInEpoch: 0, theme: 'light', setTheme: () => undefined, role: 'viewer' };
    render(
      <ShellContext.Provider value={env}>
        <ProjectShell project="P1" flow="F1" />
      </ShellContext.Provider>,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Settings' }));
    expect(within(screen.getByRole('dialog', { name: 'Flow settings' })).queryByRole('button', { name: /Delete/ })).toBeNull();
  });
});

describe('a new flow from the project panel', () => {
  it('says as it is typed that the project has a flow of that name, shows the API\'s refusal without ids, and Escape goes back to its +', async () => {
    const { api, writes } = fakeApi(
      routes({
        'POST /flows': {
          status: 409,
          body: { type: 'urn:polysynergy:problem:conflict', title: 'Conflict', status: 409, detail: 'name taken', errors: [{ location: 'body.name', message: 'is taken by flow "Orders" (01M8KTJYDE8YHVXAP9D3QJ9JZV)' }] },
        },
      }),
    );
    renderShell(api, null);
    const routesRegion = await screen.findByRole('region', { name: 'Routes' });
    await within(screen.getByRole('region', { name: 'Schedules' })).findByRole('link', { name: 'Far away' });
    const plus = within(routesRegion).getByRole('button', { name: 'New route' });
    fireEvent.click(plus);
    const input = within(routesRegion).getByRole('textbox', { name: 'New route name' });
    fireEvent.change(input, { target: { value: 'far AWAY ' } });
    expect(input.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(input.getAttribute('aria-describedby')!)?.textContent).toBe('A schedule named “Far away” exists in this project (names ignore case).');
    fireEvent.click(within(routesRegion).getByRole('button', { name: 'Create' }));
    expect(writes().filter((w) => w.method === 'POST')).toEqual([]);
    // one the list does not know yet (made in another tab): the API's words, without the id
    fireEvent.change(input, { target: { value: 'Orders' } });
    expect(input.getAttribute('aria-invalid')).toBeNull();
    fireEvent.click(within(routesRegion).getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(input.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(input.getAttribute('aria-describedby')!)?.textContent).toBe('Name is taken by flow "Orders"');
    fireEvent.keyDown(input, { key: 'Escape' });
    expect(within(routesRegion).queryByRole('textbox')).toBeNull();
    expect(document.activeElement).toBe(plus);
  });
});
