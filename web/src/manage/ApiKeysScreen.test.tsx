// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ApiKey } from '../api/types';
import { ApiKeysScreen, collectPages } from './ApiKeysScreen';
import { changed, fakeApi, invalid } from './testkit';
import { CHANGED_TEXT } from './common';

afterEach(cleanup);

const keys: ApiKey[] = [
  { id: 'K1', prefix: 'psk_ab12', label: 'Billing webhook', created_at: '2026-02-01T09:00:00Z', last_used_at: '2026-03-01T09:00:00Z' },
  { id: 'K2', prefix: 'psk_cd34', label: 'CI', created_at: '2026-02-02T09:00:00Z' },
];
const SECRET = 'psk_ef56_7vX9qLr2MzT0aWbYcUdHe';

describe('collectPages', () => {
  it('follows next_cursor until the last page', async () => {
    const seen: (string | undefined)[] = [];
    const pages: Record<string, { items: number[]; next_cursor?: string }> = { '': { items: [1, 2], next_cursor: 'c2' }, c2: { items: [3] } };
    expect(await collectPages(async (c) => (seen.push(c), pages[c ?? '']!))).toEqual([1, 2, 3]);
    expect(seen).toEqual([undefined, 'c2']);
  });
});

describe('ApiKeysScreen', () => {
  it('lists prefix, label, created and last used', async () => {
    const { api, calls } = fakeApi({ 'GET /api-keys': { status: 200, body: { items: keys } } });
    render(<ApiKeysScreen api={api} project="P1" role="admin" />);
    const rows = (await screen.findAllByRole('row')).slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]!.textContent)).toEqual(['psk_ab12…', 'psk_cd34…']);
    expect(within(rows[0]!).getByText('Billing webhook')).toBeTruthy();
    expect(within(rows[1]!).getAllByRole('cell')[3]!.textContent).toBe('never');
    expect(calls[0]!.query.get('limit')).toBe('100');
  });

  it('shows a created key once, with copy and a warning, and forgets it when dismissed', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { api, writes } = fakeApi({
      'GET /api-keys': { status: 200, body: { items: keys } },
      'POST /api-keys': { status: 201, body: { id: 'K3', prefix: 'psk_ef56', label: 'Zapier', created_at: '2026-04-01T00:00:00Z', key: SECRET } },
    });
    render(<ApiKeysScreen api={api} project="P1" role="admin" />);
    await screen.findByText('CI');
    fireEvent.change(screen.getByLabelText('Label'), { target: { value: 'Zapier' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    const shown = await screen.findByRole('region', { name: 'New API key' });
    expect(within(shown).getByLabelText('The new key').textContent).toBe(SECRET);
    expect(within(shown).getByRole('alert').textContent).toContain('will not be shown again');
    expect(writes()[0]).toMatchObject({ method: 'POST', path: '/api-keys', body: { label: 'Zapier' } });
    fireEvent.click(within(shown).getByRole('button', { name: 'Copy key' }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith(SECRET));
    expect(await within(shown).findByText('Copied.')).toBeTruthy();
    // the list shows the new key by prefix only
    expect(screen.getByRole('row', { name: /Zapier/ }).textContent).not.toContain(SECRET);
    fireEvent.click(within(shown).getByRole('button', { name: 'I have copied it' }));
    expect(screen.queryByRole('region', { name: 'New API key' })).toBeNull();
    expect(document.body.innerHTML).not.toContain(SECRET);
  });

  it('shows the label error the API names', async () => {
    const { api } = fakeApi({ 'GET /api-keys': { status: 200, body: { items: [] } }, 'POST /api-keys': invalid('label: too long', [{ location: 'body.label', message: 'at most 100 characters' }]) });
    render(<ApiKeysScreen api={api} project="P1" role="admin" />);
    expect(await screen.findByText('No API keys yet.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Label'), { target: { value: 'x' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    expect(await screen.findByText('at most 100 characters')).toBeTruthy();
    expect(screen.getByLabelText(/^Label/).getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByRole('region', { name: 'New API key' })).toBeNull();
  });

  it('renames and deletes after confirming', async () => {
    const { api, writes } = fakeApi({
      'GET /api-keys': { status: 200, body: { items: keys } },
      'PATCH /api-keys/K2': { status: 200, body: { ...keys[1], label: 'GitHub Actions' } },
      'DELETE /api-keys/K1': { status: 204 },
    });
    render(<ApiKeysScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename key CI' }));
    fireEvent.change(screen.getByLabelText('Label', { selector: 'form[aria-label="Rename key CI"] input' }), { target: { value: 'GitHub Actions' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('GitHub Actions')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Delete key Billing webhook' }));
    expect(screen.getByRole('group', { name: /Confirm/ }).textContent).toContain('refused');
    fireEvent.click(screen.getByRole('button', { name: 'Delete key' }));
    await waitFor(() => expect(screen.queryByText('Billing webhook')).toBeNull());
    expect(writes().map((c) => [c.method, c.path, c.body])).toEqual([
      ['PATCH', '/api-keys/K2', { label: 'GitHub Actions' }],
      ['DELETE', '/api-keys/K1', undefined],
    ]);
  });

  it("keeps the keyboard on the key: after a rename, a cancel, and the new key's I have copied it (it went to the page's body)", async () => {
    const { api } = fakeApi({
      'GET /api-keys': { status: 200, body: { items: keys } },
      'PATCH /api-keys/K2': { status: 200, body: { ...keys[1], label: 'GitHub Actions' } },
      'POST /api-keys': { status: 201, body: { id: 'K3', prefix: 'psk_ef56', label: 'Zapier', created_at: '2026-04-01T00:00:00Z', key: SECRET } },
    });
    render(<ApiKeysScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename key CI' }));
    fireEvent.keyDown(screen.getByLabelText('Label', { selector: 'form[aria-label="Rename key CI"] input' }), { key: 'Escape' });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename key CI' })));
    fireEvent.click(screen.getByRole('button', { name: 'Rename key CI' }));
    fireEvent.change(screen.getByLabelText('Label', { selector: 'form[aria-label="Rename key CI"] input' }), { target: { value: 'GitHub Actions' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename key GitHub Actions' })));

    fireEvent.change(screen.getByLabelText('Label', { selector: '#new-key-label' }), { target: { value: 'Zapier' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create key' }));
    fireEvent.click(within(await screen.findByRole('region', { name: 'New API key' })).getByRole('button', { name: 'I have copied it' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename key Zapier' })));
  });

  it('asks nothing of the API for non-admins', async () => {
    const { api, calls } = fakeApi({});
    render(<ApiKeysScreen api={api} project="P1" role="editor" />);
    expect(screen.getByRole('note').textContent).toBe('Only admins can see and manage API keys.');
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toHaveLength(0);
  });

  it("relabels and deletes with the key's etag as If-Match", async () => {
    const { api, writes } = fakeApi({
      'GET /api-keys': { status: 200, body: { items: keys.map((k) => ({ ...k, etag: `"${k.id}-1"` })) } },
      'PATCH /api-keys/K2': { status: 200, body: { ...keys[1], label: 'CI 2', etag: '"K2-2"' } },
      'DELETE /api-keys/K2': { status: 204 },
    });
    render(<ApiKeysScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename key CI' }));
    fireEvent.change(screen.getByLabelText('Label', { selector: 'form[aria-label="Rename key CI"] input' }), { target: { value: 'CI 2' } });
    fireEvent.click(within(screen.getByRole('form', { name: 'Rename key CI' })).getByRole('button', { name: 'Save' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Delete key CI 2' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete key' }));
    await waitFor(() => expect(screen.queryByText('CI 2')).toBeNull());
    expect(writes().map((w) => [w.method, w.path, w.ifMatch])).toEqual([
      ['PATCH', '/api-keys/K2', '"K2-1"'],
      ['DELETE', '/api-keys/K2', '"K2-2"'],
    ]);
  });

  it('keeps the typed label on a relabel refused with 412, says so, reads the key again and saves with its new tag', async () => {
    const { api, writes } = fakeApi({
      'GET /api-keys': { status: 200, body: { items: keys.map((k) => ({ ...k, etag: '"1"' })) } },
      'GET /api-keys/K2': { status: 200, body: { ...keys[1], last_used_at: '2026-03-09T09:00:00Z', etag: '"2"' } },
      'PATCH /api-keys/K2': [changed('"2"'), { status: 200, body: { ...keys[1], label: 'Deploys', etag: '"3"' } }],
    });
    render(<ApiKeysScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Rename key CI' }));
    const input = screen.getByLabelText('Label', { selector: 'form[aria-label="Rename key CI"] input' }) as HTMLInputElement;
    fireEvent.change(input, { target: { value: 'Deploys' } });
    fireEvent.click(within(screen.getByRole('form', { name: 'Rename key CI' })).getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(CHANGED_TEXT)).toBeTruthy();
    expect(input.isConnected).toBe(true);
    expect(input.value).toBe('Deploys');
    await waitFor(() => expect(document.activeElement).toBe(input));
    // the row shows the key as it is now: it was used since
    const row = screen.getAllByRole('row').find((r) => r.textContent?.includes('psk_cd34'))!;
    await waitFor(() => expect(within(row).getAllByRole('cell')[3]!.textContent).not.toBe('never'));
    fireEvent.click(within(screen.getByRole('form', { name: 'Rename key CI' })).getByRole('button', { name: 'Save' }));
    await screen.findByText('Deploys');
    expect(writes().map((w) => w.ifMatch)).toEqual(['"1"', '"2"']);
  });

  it('keeps asking on a delete refused with 412 and says so', async () => {
    const { api } = fakeApi({
      'GET /api-keys': { status: 200, body: { items: keys.map((k) => ({ ...k, etag: '"1"' })) } },
      'GET /api-keys/K2': { status: 200, body: { ...keys[1], etag: '"2"' } },
      'DELETE /api-keys/K2': changed('"2"'),
    });
    render(<ApiKeysScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete key CI' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete key' }));
    expect(await screen.findByText(CHANGED_TEXT)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Delete key' })).toBeTruthy();
  });
});
