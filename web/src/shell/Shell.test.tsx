// @vitest-environment jsdom
// The shell around the workspace settings: a rename shows in the top bar's switcher at once, and
// leaving a workspace drops it from the switcher and opens another one (or the empty state).
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/client';
import type { Me } from '../api/types';
import type { Session } from '../auth/session';
import type { RuntimeConfig } from '../config';
import type { CatalogIndex } from '../model/catalog';
import { Shell } from './Shell';
import { TENANT_KEY } from './tenant';

// no live socket in these tests: the screens shown here follow no runs
vi.mock('../api/live', () => ({
  resolveWsUrl: () => 'ws://editor.test/live',
  LiveSocket: class {
    start() {}
    stop() {}
  },
}));

afterEach(cleanup);
beforeEach(() => {
  localStorage.clear();
  history.replaceState(null, '', '/workspace');
});

const tenants: Record<string, { name: string; role: string }> = {};

/** A client over a fetch that answers the tenants above; writes are recorded. */
function client(leave: number = 204) {
  const writes: string[] = [];
  const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers } });
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const path = new URL(String(input), 'http://editor.test').pathname.replace('/api/v1', '');
    const method = init?.method ?? 'GET';
    if (method !== 'GET') writes.push(`${method} ${path}`);
    if (path === '/me/invitations') return json(200, { items: [] });
    const m = /^\/tenants\/([^/]+)(\/.*)?$/.exec(path);
    const t = m ? tenants[m[1]!] : undefined;
    if (!m || !t) return json(404, { title: 'Not Found', status: 404 });
    const rest = m[2] ?? '';
    const view = () => ({ id: m[1], name: t.name, role: t.role, created_at: '2026-01-01T00:00:00Z' });
    if (rest === '' && method === 'GET') return json(200, view(), { ETag: `"${t.name}"` });
    if (rest === '' && method === 'PATCH') {
      t.name = (JSON.parse(String(init!.body)) as { name: string }).name;
      return json(200, view(), { ETag: `"${t.name}"` });
    }
    if (rest === '/members') return json(200, { items: [{ sub: 'me', role: t.role, since: '', etag: '"m"' }, { sub: 'bo', role: 'admin', since: '', etag: '"b"' }] });
    if (rest === '/leave') return leave === 204 ? new Response(null, { status: 204 }) : json(leave, { title: 'Conflict', status: leave, detail: 'no' });
    if (rest === '/projects') return json(200, { items: [] });
    return json(404, { title: 'Not Found', status: 404 });
  };
  return { api: new ApiClient({ baseUrl: '/api/v1', retries: 0, fetch: fetchImpl as typeof fetch }), writes };
}

function renderShell(me: Me, api: ApiClient) {
  const cfg = { wsUrl: '/live', apiUrl: '/api/v1' } as unknown as RuntimeConfig;
  const session = { enabled: false, token: async () => null } as unknown as Session;
  render(<Shell cfg={cfg} api={api} session={session} catalog={{} as CatalogIndex} me={me} />);
}

const membership = (tenant: string, role: 'admin' | 'editor' = 'admin') => ({ tenant, tenant_name: tenants[tenant]!.name, role, since: '' });

describe('the shell and the workspace settings', () => {
  it('a rename shows in the switcher at once', async () => {
    Object.assign(tenants, { T1: { name: 'Acme', role: 'admin' }, T2: { name: 'Home', role: 'admin' } });
    localStorage.setItem(TENANT_KEY, 'T1');
    const { api } = client();
    renderShell({ sub: 'me', memberships: [membership('T1'), membership('T2')] }, api);
    const switcher = screen.getByRole('combobox', { name: 'Workspace' });
    expect(within(switcher).getByRole('option', { name: 'Acme (admin)' })).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Workspace settings' }).getAttribute('aria-current')).toBe('page');
    const name = await screen.findByLabelText('Name');
    fireEvent.change(name, { target: { value: 'Acme Labs' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    await screen.findByText('Renamed.');
    expect(within(switcher).getByRole('option', { name: 'Acme Labs (admin)' })).toBeTruthy();
    expect(within(switcher).queryByRole('option', { name: 'Acme (admin)' })).toBeNull();
  });

  it('leaving drops the workspace from the switcher and opens the other one, saying so', async () => {
    Object.assign(tenants, { T1: { name: 'Acme', role: 'editor' }, T2: { name: 'Home', role: 'admin' } });
    localStorage.setItem(TENANT_KEY, 'T1');
    const { api, writes } = client();
    renderShell({ sub: 'me', created_tenant: 'T2', memberships: [membership('T1', 'editor'), membership('T2')] }, api);
    fireEvent.click(await screen.findByRole('button', { name: 'Leave workspace' }));
    await act(async () => fireEvent.click(within(screen.getByRole('dialog', { name: 'Leave “Acme”?' })).getByRole('button', { name: 'Leave workspace' })));
    const note = await screen.findByTestId('left-workspace');
    expect(note.textContent).toContain('You left “Acme”. You are in “Home” now.');
    await waitFor(() => expect(document.activeElement).toBe(note));
    expect(writes).toEqual(['POST /tenants/T1/leave']);
    expect(location.pathname).toBe('/');
    expect(localStorage.getItem(TENANT_KEY)).toBe('T2');
    // one workspace left: no switcher, its name in the top bar
    expect(screen.queryByRole('combobox', { name: 'Workspace' })).toBeNull();
    expect(within(screen.getByRole('banner')).getByText('Home')).toBeTruthy();
    expect(api.currentTenant).toBe('T2');
    // dismissed: the keyboard goes on from the screen's heading
    await screen.findByRole('heading', { name: 'Projects' });
    fireEvent.click(within(note).getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByTestId('left-workspace')).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Projects' }));
  });

  it('leaving the only workspace shows the empty state', async () => {
    Object.assign(tenants, { T1: { name: 'Acme', role: 'editor' } });
    const { api } = client();
    renderShell({ sub: 'me', memberships: [membership('T1', 'editor')] }, api);
    fireEvent.click(await screen.findByRole('button', { name: 'Leave workspace' }));
    await act(async () => fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Leave workspace' })));
    expect((await screen.findByTestId('left-workspace')).textContent).toContain('You left “Acme”.');
    expect(screen.getByText('You are not a member of any workspace now. Ask for an invitation.')).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Workspace settings' })).toBeNull();
    expect(localStorage.getItem(TENANT_KEY)).toBeNull();
  });
});
