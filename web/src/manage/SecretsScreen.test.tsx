// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SecretInfo, Stage } from '../api/types';
import { keyProblem, SecretsScreen } from './SecretsScreen';
import { changed, fakeApi, invalid } from './testkit';
import { CHANGED_TEXT } from './common';

afterEach(cleanup);

const stages: Stage[] = ['mock', 'staging', 'prod'].map((name, position) => ({ name, position, production: name === 'prod', created_at: '' }));
const secrets: SecretInfo[] = [
  { key: 'STRIPE_KEY', stages: ['mock', 'prod'], updated_at: '2026-03-01T10:00:00Z' },
  { key: 'DB_URL', stages: ['staging'], updated_at: '2026-03-02T10:00:00Z' },
];
const base = { 'GET /stages': { status: 200, body: stages }, 'GET /secrets': { status: 200, body: secrets } };

describe('secret keys', () => {
  it.each([
    ['', 'Give the key a name.'],
    ['9LIVES', 'Letters, digits and _'],
    ['MY-KEY', 'Letters, digits and _'],
    ['K'.repeat(129), 'At most 128'],
  ])('%s is refused', (k, want) => expect(keyProblem(k)).toContain(want));
  it('accepts _x1', () => expect(keyProblem('_x1')).toBeNull());
});

describe('SecretsScreen', () => {
  it('lists keys sorted with the stages they are set on', async () => {
    const { api } = fakeApi(base);
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    const rows = (await screen.findAllByRole('row')).slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[0]!.textContent)).toEqual(['DB_URL', 'STRIPE_KEY']);
    expect(within(rows[1]!).getByRole('button', { name: 'Delete STRIPE_KEY on prod' })).toBeTruthy();
    expect(within(rows[1]!).getAllByRole('cell')[1]!.textContent).toContain('mock');
  });

  it('sets a value with a password field and never renders it after saving', async () => {
    const { api, writes } = fakeApi({ ...base, 'PUT /secrets/NEW_ONE/stages/staging': { status: 204 } });
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    const form = await screen.findByRole('form', { name: 'New secret' });
    fireEvent.change(within(form).getByLabelText('Key'), { target: { value: 'NEW_ONE' } });
    fireEvent.change(within(form).getByLabelText('Stage'), { target: { value: 'staging' } });
    const value = within(form).getByLabelText(/Value/) as HTMLInputElement;
    expect(value.type).toBe('password');
    fireEvent.change(value, { target: { value: 's3cr3t-v4lue' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save secret' }));
    await screen.findByText(/Saved NEW_ONE on staging/);
    expect(writes()).toEqual([expect.objectContaining({ method: 'PUT', path: '/secrets/NEW_ONE/stages/staging', body: { value: 's3cr3t-v4lue' } })]);
    expect(value.value).toBe('');
    expect(document.body.innerHTML).not.toContain('s3cr3t-v4lue');
    const row = screen.getAllByRole('row').find((r) => r.textContent?.includes('NEW_ONE'))!;
    expect(within(row).getAllByRole('cell')[1]!.textContent).toContain('staging');
  });

  it('names its fields by their labels only, also when they say what is wrong (the hint and the error were part of the name)', async () => {
    const { api, writes } = fakeApi(base);
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    const form = await screen.findByRole('form', { name: 'New secret' });
    fireEvent.change(within(form).getByRole('textbox', { name: 'Key' }), { target: { value: '9LIVES' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save secret' }));
    const key = await within(form).findByRole('textbox', { name: 'Key' });
    await waitFor(() => expect(key.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(key.getAttribute('aria-describedby')!)?.textContent).toContain('Letters, digits and _');
    expect(within(form).getByRole('combobox', { name: 'Stage' })).toBeTruthy();
    // the value's help is its description (it was only heard as part of its name)
    const value = within(form).getByLabelText('Value');
    expect(value.getAttribute('aria-describedby')!.split(' ').map((id) => document.getElementById(id)?.textContent?.trim())).toEqual([
      'Enter the value.',
      'Sealed when saved; never shown again.',
    ]);
    expect(writes()).toEqual([]);
  });

  it('sets another stage of an existing key from its row', async () => {
    const { api, writes } = fakeApi({ ...base, 'PUT /secrets/DB_URL/stages/mock': { status: 204 } });
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Set a value of DB_URL' }));
    const form = screen.getByRole('form', { name: 'Set DB_URL' });
    expect((within(form).getByLabelText('Stage') as HTMLSelectElement).value).toBe('mock');
    fireEvent.change(within(form).getByLabelText(/Value/), { target: { value: 'postgres://x' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save secret' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Set DB_URL' })).toBeNull());
    expect(writes()[0]).toMatchObject({ method: 'PUT', path: '/secrets/DB_URL/stages/mock', body: { value: 'postgres://x' } });
    expect(document.body.innerHTML).not.toContain('postgres://x');
  });

  it("keeps the keyboard in place: a key's form opens in its value, and Save or Escape go back to its Set value button", async () => {
    const { api } = fakeApi({ ...base, 'PUT /secrets/DB_URL/stages/mock': { status: 204 } });
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Set a value of DB_URL' }));
    const value = () => within(screen.getByRole('form', { name: 'Set DB_URL' })).getByLabelText(/Value/);
    expect(document.activeElement).toBe(value());
    fireEvent.keyDown(value(), { key: 'Escape' });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Set a value of DB_URL' })));

    fireEvent.click(screen.getByRole('button', { name: 'Set a value of DB_URL' }));
    fireEvent.change(value(), { target: { value: 'postgres://x' } });
    fireEvent.click(within(screen.getByRole('form', { name: 'Set DB_URL' })).getByRole('button', { name: 'Save secret' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Set a value of DB_URL' })));
  });

  it('refuses a value longer than the API takes on the field, saying how long it may be, before asking', async () => {
    const { api, writes } = fakeApi(base);
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    const form = await screen.findByRole('form', { name: 'New secret' });
    fireEvent.change(within(form).getByLabelText('Key'), { target: { value: 'CERT' } });
    const value = within(form).getByLabelText(/Value/);
    fireEvent.change(value, { target: { value: 'x'.repeat(50000) } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save secret' }));
    await waitFor(() => expect(value.getAttribute('aria-invalid')).toBe('true'));
    expect(value.getAttribute('aria-describedby')!.split(' ').map((id) => document.getElementById(id)?.textContent)).toContain('Too long: at most 49,152 characters (this one has 50,000).');
    expect(writes()).toHaveLength(0);
  });

  it('shows the API error on the field it names', async () => {
    const { api } = fakeApi({ ...base, 'PUT /secrets/lower_ok/stages/mock': invalid('path.key: bad', [{ location: 'path.key', message: 'key is reserved' }]) });
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    const form = await screen.findByRole('form', { name: 'New secret' });
    fireEvent.change(within(form).getByLabelText('Key'), { target: { value: 'lower_ok' } });
    fireEvent.change(within(form).getByLabelText(/Value/), { target: { value: 'v' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save secret' }));
    expect(await within(form).findByText('key is reserved')).toBeTruthy();
    expect(within(form).getByLabelText(/^Key/).getAttribute('aria-invalid')).toBe('true');
  });

  it('deletes on one stage or everywhere after confirming', async () => {
    const { api, writes } = fakeApi({ ...base, 'DELETE /secrets/STRIPE_KEY/stages/prod': { status: 204 }, 'DELETE /secrets/DB_URL': { status: 204 } });
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete STRIPE_KEY on prod' }));
    fireEvent.click(within(screen.getByRole('group', { name: 'Confirm: Delete STRIPE_KEY on prod' })).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Delete STRIPE_KEY on prod' })).toBeNull());
    fireEvent.click(screen.getByRole('button', { name: 'Delete DB_URL on every stage' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete everywhere' }));
    await waitFor(() => expect(screen.queryByText('DB_URL')).toBeNull());
    expect(writes().map((c) => `${c.method} ${c.path}`)).toEqual(['DELETE /secrets/STRIPE_KEY/stages/prod', 'DELETE /secrets/DB_URL']);
  });

  it('is read-only for editors and hidden from viewers', async () => {
    const { api, calls } = fakeApi(base);
    const { unmount } = render(<SecretsScreen api={api} project="P1" role="editor" />);
    await screen.findByText('STRIPE_KEY');
    expect(screen.getByRole('note').textContent).toBe('Only admins can change secrets.');
    expect(screen.queryByRole('button')).toBeNull();
    unmount();
    calls.length = 0;
    render(<SecretsScreen api={api} project="P1" role="viewer" />);
    expect(screen.getByRole('note').textContent).toBe('Only editors and admins can see secrets.');
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toHaveLength(0);
  });

  it('says when there are none', async () => {
    const { api } = fakeApi({ 'GET /stages': { status: 200, body: stages }, 'GET /secrets': { status: 200, body: [] } });
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    expect(await screen.findByText('No secrets yet. Add one above.')).toBeTruthy();
  });

  it('sends the etag read as If-Match on setting and deleting an existing key, and none for a new one', async () => {
    const tagged = secrets.map((x) => ({ ...x, etag: `"${x.key}-1"` }));
    const { api, writes } = fakeApi({
      'GET /stages': { status: 200, body: stages },
      'GET /secrets': { status: 200, body: tagged },
      'PUT /secrets/DB_URL/stages/prod': { status: 204, headers: { ETag: '"DB_URL-2"' } },
      'DELETE /secrets/DB_URL/stages/staging': { status: 204, headers: { ETag: '"DB_URL-3"' } },
      'PUT /secrets/NEW_ONE/stages/mock': { status: 204, headers: { ETag: '"NEW_ONE-1"' } },
    });
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Set a value of DB_URL' }));
    const form = screen.getByRole('form', { name: 'Set DB_URL' });
    fireEvent.change(within(form).getByLabelText('Stage'), { target: { value: 'prod' } });
    fireEvent.change(within(form).getByLabelText(/Value/), { target: { value: 'v1' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save secret' }));
    await screen.findByText(/Saved DB_URL on prod/);
    fireEvent.click(screen.getByRole('button', { name: 'Delete DB_URL on staging' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    await screen.findByText('Deleted DB_URL on staging.');
    const add = screen.getByRole('form', { name: 'New secret' });
    fireEvent.change(within(add).getByLabelText('Key'), { target: { value: 'NEW_ONE' } });
    fireEvent.change(within(add).getByLabelText(/Value/), { target: { value: 'v2' } });
    fireEvent.click(within(add).getByRole('button', { name: 'Save secret' }));
    await screen.findByText(/Saved NEW_ONE on mock/);
    // each write takes the tag the one before it answered
    expect(writes().map((w) => [w.method, w.path, w.ifMatch])).toEqual([
      ['PUT', '/secrets/DB_URL/stages/prod', '"DB_URL-1"'],
      ['DELETE', '/secrets/DB_URL/stages/staging', '"DB_URL-2"'],
      ['PUT', '/secrets/NEW_ONE/stages/mock', null],
    ]);
  });

  it('keeps the typed value on a set refused with 412, says so, reads the secret again and saves with its new tag', async () => {
    const { api, writes } = fakeApi({
      'GET /stages': { status: 200, body: stages },
      'GET /secrets': { status: 200, body: secrets.map((x) => ({ ...x, etag: '"1"' })) },
      'GET /secrets/DB_URL': { status: 200, body: { key: 'DB_URL', stages: ['staging', 'prod'], updated_at: '2026-03-05T10:00:00Z', etag: '"2"' } },
      'PUT /secrets/DB_URL/stages/staging': [changed('"2"'), { status: 204, headers: { ETag: '"3"' } }],
    });
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Set a value of DB_URL' }));
    const form = screen.getByRole('form', { name: 'Set DB_URL' });
    fireEvent.change(within(form).getByLabelText('Stage'), { target: { value: 'staging' } });
    const value = within(form).getByLabelText(/Value/) as HTMLInputElement;
    fireEvent.change(value, { target: { value: 'mine' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save secret' }));
    expect(await within(form).findByText(CHANGED_TEXT)).toBeTruthy();
    expect(value.isConnected).toBe(true);
    expect(value.value).toBe('mine');
    await waitFor(() => expect(document.activeElement).toBe(value));
    // the row shows the secret as it is now: someone set it on prod
    const row = screen.getAllByRole('row').find((r) => r.textContent?.startsWith('DB_URL'))!;
    await waitFor(() => expect(within(row).getAllByRole('cell')[1]!.textContent).toContain('prod'));
    fireEvent.click(within(form).getByRole('button', { name: 'Save secret' }));
    await screen.findByText(/Saved DB_URL on staging/);
    expect(writes().map((w) => w.ifMatch)).toEqual(['"1"', '"2"']);
  });

  it('keeps asking on a delete refused with 412 and says so', async () => {
    const { api } = fakeApi({
      'GET /stages': { status: 200, body: stages },
      'GET /secrets': { status: 200, body: secrets.map((x) => ({ ...x, etag: '"1"' })) },
      'GET /secrets/STRIPE_KEY': { status: 200, body: { ...secrets[0], etag: '"2"' } },
      'DELETE /secrets/STRIPE_KEY': changed('"2"'),
    });
    render(<SecretsScreen api={api} project="P1" role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete STRIPE_KEY on every stage' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete everywhere' }));
    expect(await screen.findByText(CHANGED_TEXT)).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Delete everywhere' })).toBeTruthy();
  });
});
