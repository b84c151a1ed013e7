// @vitest-environment jsdom
// Invitations wait for consent: the projects screen lists those addressed to the person, and
// Accept joins (the switcher is read again), Decline deletes; loading, errors in the API's
// words, and the empty list are said.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiClient } from '../api/client';
import type { MyInvitation } from '../api/types';
import { shellEnv } from '../test/editor';
import { ShellContext } from './context';
import { Invitations } from './Invitations';

afterEach(cleanup);

const acme: MyInvitation = {
  tenant: 'T2',
  tenant_name: 'Acme',
  role: 'editor',
  invited_by: 'sub-ann',
  invited_by_name: 'Ann',
  invited_by_email: 'ann@example.com',
  created_at: '2026-11-20T00:00:00Z',
  expires_at: '2026-12-04T00:00:00Z',
};

type Answer = { status: number; body?: unknown };

/** An API answering each "METHOD path" (below /api/v1) from a queue; the last answer repeats. */
function fakeApi(routes: Record<string, Answer[]>) {
  const calls: string[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const key = `${init?.method ?? 'GET'} ${new URL(String(input), 'http://editor.test').pathname.replace('/api/v1', '')}`;
    calls.push(key);
    const q = routes[key];
    const a = q ? (q.length > 1 ? q.shift()! : q[0]!) : { status: 404, body: { title: 'Not Found', status: 404, detail: `no fake for ${key}` } };
    if (a.body === undefined) return new Response(null, { status: a.status });
    return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'Content-Type': a.status >= 400 ? 'application/problem+json' : 'application/json' } });
  };
  return { api: new ApiClient({ baseUrl: '/api/v1', tenant: 'T1', retries: 0, fetch: fetchImpl as typeof fetch, sleep: async () => {} }), calls };
}

function renderWith(routes: Record<string, Answer[]>) {
  const { api, calls } = fakeApi(routes);
  const reloadMe = vi.fn(async () => {});
  const chooseTenant = vi.fn();
  render(
    <ShellContext.Provider value={{ ...shellEnv(api, 'admin'), reloadMe, chooseTenant }}>
      <Invitations />
    </ShellContext.Provider>,
  );
  const region = screen.getByRole('region', { name: 'Invitations' });
  return { region, calls, reloadMe, chooseTenant };
}

describe('invitations on the projects screen', () => {
  it('lists an invitation and joins only on Accept; the switcher is read again and the workspace can be opened', async () => {
    const { region, calls, reloadMe, chooseTenant } = renderWith({
      'GET /me/invitations': [{ status: 200, body: { items: [acme] } }],
      'POST /me/invitations/T2/accept': [{ status: 200, body: { tenant: 'T2', tenant_name: 'Acme', role: 'editor', since: '2026-11-29T00:00:00Z' } }],
    });
    expect(within(region).getByRole('status').textContent).toBe('Loading invitations…');
    const accept = await within(region).findByRole('button', { name: 'Accept the invitation to Acme' });
    const row = accept.closest('li')!;
    expect(row.textContent).toContain('Acme');
    expect(row.textContent).toContain('as editor, invited by Ann (ann@example.com)');
    expect(within(row).getByRole('button', { name: 'Decline the invitation to Acme' })).toBeTruthy();
    expect(calls).toEqual(['GET /me/invitations']);

    fireEvent.click(accept);
    const open = await within(region).findByRole('button', { name: 'Open Acme' });
    expect(calls).toEqual(['GET /me/invitations', 'POST /me/invitations/T2/accept']);
    expect(reloadMe).toHaveBeenCalledTimes(1);
    expect(within(region).getByRole('status').textContent).toContain('You joined Acme.');
    expect(within(region).queryByRole('button', { name: /Accept/ })).toBeNull();
    expect(within(region).getByText('No pending invitations.')).toBeTruthy();
    await waitFor(() => expect(document.activeElement).toBe(open));
    fireEvent.click(open);
    expect(chooseTenant).toHaveBeenCalledWith('T2');
  });

  it('offers no Open button for the workspace the editor is in already', async () => {
    const { region } = renderWith({
      'GET /me/invitations': [{ status: 200, body: { items: [{ ...acme, tenant: 'T1' }] } }],
      'POST /me/invitations/T1/accept': [{ status: 200, body: { tenant: 'T1', tenant_name: 'Acme', role: 'editor', since: '2026-11-29T00:00:00Z' } }],
    });
    fireEvent.click(await within(region).findByRole('button', { name: 'Accept the invitation to Acme' }));
    await within(region).findByText('You joined Acme.');
    expect(within(region).queryByRole('button', { name: 'Open Acme' })).toBeNull();
  });

  it('declines: the invitation is deleted, nothing is joined, and the focus goes back to the heading', async () => {
    const { region, calls, reloadMe } = renderWith({
      'GET /me/invitations': [{ status: 200, body: { items: [acme] } }],
      'DELETE /me/invitations/T2': [{ status: 204 }],
    });
    fireEvent.click(await within(region).findByRole('button', { name: 'Decline the invitation to Acme' }));
    await within(region).findByText('No pending invitations.');
    expect(calls).toEqual(['GET /me/invitations', 'DELETE /me/invitations/T2']);
    expect(reloadMe).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(within(region).getByRole('heading', { name: 'Invitations' }));
  });

  it("says an expired invitation's problem in the API's words and drops it", async () => {
    const { region } = renderWith({
      'GET /me/invitations': [{ status: 200, body: { items: [acme] } }],
      'POST /me/invitations/T2/accept': [
        {
          status: 410,
          body: {
            type: 'urn:polysynergy:problem:expired',
            title: 'Expired',
            status: 410,
            detail: 'the invitation to this tenant for bob@example.com has expired; ask a tenant admin to invite you again',
            errors: [{ location: 'path.tenant', message: 'your invitation to this tenant has expired' }],
          },
        },
      ],
    });
    fireEvent.click(await within(region).findByRole('button', { name: 'Accept the invitation to Acme' }));
    const alert = await within(region).findByRole('alert');
    expect(alert.textContent).toBe('The invitation to this tenant for bob@example.com has expired; ask a tenant admin to invite you again.');
    expect(within(region).queryByRole('button', { name: /Accept/ })).toBeNull();
  });

  it('says why the list could not be loaded, and Try again loads it', async () => {
    const { region, calls } = renderWith({
      'GET /me/invitations': [
        { status: 500, body: { title: 'Internal error', status: 500, detail: 'an internal error occurred; quote the request id when reporting it' } },
        { status: 200, body: { items: [] } },
      ],
    });
    const alert = await within(region).findByRole('alert');
    expect(alert.textContent).toContain('Your invitations could not be loaded: An internal error occurred; quote the request id when reporting it.');
    fireEvent.click(within(alert).getByRole('button', { name: 'Try again' }));
    await within(region).findByText('No pending invitations.');
    expect(calls).toEqual(['GET /me/invitations', 'GET /me/invitations']);
  });
});
