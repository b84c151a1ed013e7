// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { EnvVar, Stage } from '../api/types';
import { EnvScreen, envChanges } from './EnvScreen';
import { changed, fakeApi, invalid } from './testkit';
import { CHANGED_TEXT } from './common';

afterEach(cleanup);

const stages: Stage[] = [
  { name: 'prod', position: 2, production: true, created_at: '' },
  { name: 'mock', position: 0, production: false, created_at: '' },
  { name: 'staging', position: 1, production: false, created_at: '' },
];
const vars: EnvVar[] = [
  { key: 'BASE_URL', values: { mock: 'http://localhost', prod: 'https://api.example.com' } },
  { key: 'DEBUG', values: { mock: 'true' } },
];
const base = { 'GET /stages': { status: 200, body: stages }, 'GET /env': { status: 200, body: vars } };

describe('envChanges', () => {
  it('sets changed values and removes cleared ones', () => {
    expect(envChanges({ a: '1', b: '2', c: '3' }, { a: '1', b: '', c: '4', d: '5', e: '' })).toEqual({ set: { c: '4', d: '5' }, remove: ['b'] });
  });
});

describe('EnvScreen', () => {
  it('shows a table of values by stage in stage order', async () => {
    const { api } = fakeApi(base);
    render(<EnvScreen api={api} project="P1" role="viewer" />);
    const rows = await screen.findAllByRole('row');
    expect(within(rows[0]!).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Key', 'mock', 'staging', 'prod', 'Actions']);
    expect(within(rows[1]!).getAllByRole('cell').map((c) => c.textContent)).toEqual(['http://localhost', '—', 'https://api.example.com', '']);
    expect(screen.getByRole('note').textContent).toContain('Only editors and admins');
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('refuses to add a variable under a key that exists, naming it (no overwrite)', async () => {
    const { api, writes } = fakeApi({ ...base, 'PUT /env/BASE_URL': { status: 200, body: { key: 'BASE_URL', values: { prod: 'oops' } } } });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    const form = await screen.findByRole('form', { name: 'New variable' });
    fireEvent.change(within(form).getByLabelText('Key'), { target: { value: ' BASE_URL ' } });
    fireEvent.change(within(form).getByLabelText('New variable on prod'), { target: { value: 'oops' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add variable' }));
    expect(within(form).getByText('BASE_URL already exists: change its values with Edit in the table below.')).toBeTruthy();
    expect(form.querySelector('#new-env-key')!.getAttribute('aria-invalid')).toBe('true');
    expect(writes()).toEqual([]);
    const row = screen.getByRole('row', { name: /BASE_URL/ });
    expect(within(row).getAllByRole('cell')[2]!.textContent).toBe('https://api.example.com');
  });

  it('adds a variable with values on the filled stages', async () => {
    const { api, writes } = fakeApi({ ...base, 'PUT /env/TIMEOUT': { status: 200, body: { key: 'TIMEOUT', values: { staging: '30' } } } });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    const form = await screen.findByRole('form', { name: 'New variable' });
    fireEvent.change(within(form).getByLabelText('Key'), { target: { value: 'TIMEOUT' } });
    fireEvent.change(within(form).getByLabelText('New variable on staging'), { target: { value: '30' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add variable' }));
    await screen.findByText('Saved TIMEOUT.');
    expect(writes()).toEqual([expect.objectContaining({ method: 'PUT', path: '/env/TIMEOUT', body: { values: { staging: '30' } } })]);
    const row = screen.getByRole('row', { name: /TIMEOUT/ });
    expect(within(row).getAllByRole('cell')[1]!.textContent).toBe('30');
  });

  it('shows the API errors on the key and on the stage field they name', async () => {
    const { api } = fakeApi({
      ...base,
      'PUT /env/X': invalid('values.staging: longer than 64 KiB', [{ location: 'body.values.staging', message: 'longer than 64 KiB' }]),
      'PUT /env/lower': invalid('path.key: reserved', [{ location: 'path.key', message: 'starts with a reserved prefix' }]),
    });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    const form = await screen.findByRole('form', { name: 'New variable' });
    fireEvent.change(within(form).getByLabelText('Key'), { target: { value: 'X' } });
    const staging = within(form).getByLabelText('New variable on staging');
    fireEvent.change(staging, { target: { value: 'huge' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add variable' }));
    expect(await within(form).findByText('longer than 64 KiB')).toBeTruthy();
    expect(staging.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(staging.getAttribute('aria-describedby')!)!.textContent).toBe('longer than 64 KiB');

    fireEvent.change(within(form).getByLabelText('Key'), { target: { value: 'lower' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add variable' }));
    expect(await within(form).findByText('starts with a reserved prefix')).toBeTruthy();
    expect(within(form).getByLabelText(/^Key/).getAttribute('aria-invalid')).toBe('true');
  });

  it('refuses a bad key and an empty variable before asking', async () => {
    const { api, writes } = fakeApi(base);
    render(<EnvScreen api={api} project="P1" role="editor" />);
    const form = await screen.findByRole('form', { name: 'New variable' });
    fireEvent.change(within(form).getByLabelText('Key'), { target: { value: '1BAD' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add variable' }));
    expect(await within(form).findByText(/Letters, digits and _/)).toBeTruthy();
    fireEvent.change(within(form).getByLabelText(/^Key/), { target: { value: 'GOOD' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add variable' }));
    expect(await within(form).findByText('Give it a value on at least one stage.')).toBeTruthy();
    expect(writes()).toHaveLength(0);
  });

  it('edits a row: changed values in one PUT, a cleared value deleted on its stage', async () => {
    const { api, writes } = fakeApi({
      ...base,
      'PUT /env/BASE_URL': { status: 200, body: { key: 'BASE_URL', values: { mock: 'http://localhost', staging: 'https://staging', prod: 'https://api.example.com' } } },
      'DELETE /env/BASE_URL/stages/mock': { status: 204 },
    });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit BASE_URL' }));
    const form = screen.getByRole('form', { name: 'Edit BASE_URL' });
    fireEvent.change(within(form).getByLabelText('BASE_URL on staging'), { target: { value: 'https://staging' } });
    fireEvent.change(within(form).getByLabelText('BASE_URL on mock'), { target: { value: '' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Edit BASE_URL' })).toBeNull());
    expect(writes().map((c) => [c.method, c.path, c.body])).toEqual([
      ['PUT', '/env/BASE_URL', { values: { staging: 'https://staging' } }],
      ['DELETE', '/env/BASE_URL/stages/mock', undefined],
    ]);
    const row = screen.getByRole('row', { name: /BASE_URL/ });
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)).toEqual(['—', 'https://staging', 'https://api.example.com', 'EditDelete']);
  });

  it("keeps the keyboard in place: Edit opens in the first value, Save, Cancel and Escape go back to the row's Edit button", async () => {
    const { api } = fakeApi({ ...base, 'PUT /env/DEBUG': { status: 200, body: { key: 'DEBUG', values: { mock: 'false' } } } });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit DEBUG' }));
    expect(document.activeElement).toBe(screen.getByLabelText('DEBUG on mock'));
    fireEvent.keyDown(screen.getByLabelText('DEBUG on mock'), { key: 'Escape' });
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit DEBUG' })));

    fireEvent.click(screen.getByRole('button', { name: 'Edit DEBUG' }));
    fireEvent.click(within(screen.getByRole('form', { name: 'Edit DEBUG' })).getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit DEBUG' })));

    fireEvent.click(screen.getByRole('button', { name: 'Edit DEBUG' }));
    fireEvent.change(screen.getByLabelText('DEBUG on mock'), { target: { value: 'false' } });
    fireEvent.click(within(screen.getByRole('form', { name: 'Edit DEBUG' })).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Edit DEBUG' })));
    expect(screen.getByRole('status').textContent).toBe('Saved DEBUG.');
  });

  it('says a value too large for the API on its field, and values too large together on the form, before asking', async () => {
    const { api, writes } = fakeApi(base);
    render(<EnvScreen api={api} project="P1" role="editor" />);
    const form = await screen.findByRole('form', { name: 'New variable' });
    fireEvent.change(within(form).getByLabelText('Key'), { target: { value: 'BIG' } });
    fireEvent.change(within(form).getByLabelText('New variable on prod'), { target: { value: 'x'.repeat(70000) } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add variable' }));
    const prod = within(form).getByLabelText('New variable on prod');
    await waitFor(() => expect(prod.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(prod.getAttribute('aria-describedby')!)?.textContent).toBe('Too long: a value may be at most about 64 KB (this one is 69 KB).');

    fireEvent.change(prod, { target: { value: 'x'.repeat(40000) } });
    fireEvent.change(within(form).getByLabelText('New variable on mock'), { target: { value: 'y'.repeat(40000) } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add variable' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Too large together: one save takes at most 64 KB of values (these are 79 KB). Save the large ones one stage at a time.');
    expect(prod.getAttribute('aria-invalid')).toBeNull();
    expect(writes()).toHaveLength(0);
  });

  it("says the API's body limit in words when it refuses a request as too large", async () => {
    const { api } = fakeApi({
      ...base,
      'PUT /env/BIG': { status: 413, body: { title: 'Too large', status: 413, detail: 'request body is too large limit=65536 bytes', errors: [{ location: 'body', message: 'request body is too large limit=65536 bytes' }] } },
    });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    const form = await screen.findByRole('form', { name: 'New variable' });
    fireEvent.change(within(form).getByLabelText('Key'), { target: { value: 'BIG' } });
    fireEvent.change(within(form).getByLabelText('New variable on prod'), { target: { value: 'small' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add variable' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('Too large: the API takes at most 64 KB in one request.');
  });

  it('shows what the API took when a later call of the same save fails, and a retry sends only the rest', async () => {
    const { api, writes } = fakeApi({
      ...base,
      'PUT /env/BASE_URL': { status: 200, body: { key: 'BASE_URL', values: { mock: 'http://localhost', staging: 'https://staging', prod: 'https://api.example.com' } } },
      'DELETE /env/BASE_URL/stages/mock': [{ status: 500, body: { title: 'Internal Server Error', status: 500, detail: 'store down' } }, { status: 204 }],
    });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit BASE_URL' }));
    const form = screen.getByRole('form', { name: 'Edit BASE_URL' });
    fireEvent.change(within(form).getByLabelText('BASE_URL on staging'), { target: { value: 'https://staging' } });
    fireEvent.change(within(form).getByLabelText('BASE_URL on mock'), { target: { value: '' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect((await within(form).findByRole('alert')).textContent).toBe('store down');
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Edit BASE_URL' })).toBeNull());
    expect(writes().map((c) => [c.method, c.path])).toEqual([
      ['PUT', '/env/BASE_URL'],
      ['DELETE', '/env/BASE_URL/stages/mock'],
      // the retry: staging was set already
      ['DELETE', '/env/BASE_URL/stages/mock'],
    ]);
    const row = screen.getByRole('row', { name: /BASE_URL/ });
    expect(within(row).getAllByRole('cell').map((c) => c.textContent)).toEqual(['—', 'https://staging', 'https://api.example.com', 'EditDelete']);
  });

  it('deletes a variable after confirming', async () => {
    const { api, writes } = fakeApi({ ...base, 'DELETE /env/DEBUG': { status: 204 } });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete DEBUG' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete everywhere' }));
    await waitFor(() => expect(screen.queryByRole('row', { name: /DEBUG/ })).toBeNull());
    expect(writes()[0]).toMatchObject({ method: 'DELETE', path: '/env/DEBUG' });
  });

  it('says when there are none and shows load errors', async () => {
    const { api } = fakeApi({ 'GET /stages': { status: 200, body: stages }, 'GET /env': [{ status: 403, body: { title: 'Forbidden', detail: 'not a member' } }, { status: 200, body: [] }] });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    expect((await screen.findByRole('alert')).textContent).toContain('not a member');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByText('No variables yet. Add one above.')).toBeTruthy();
  });

  it("sends the variable's etag as If-Match on each write of a save, each taking the tag the one before answered", async () => {
    const { api, writes } = fakeApi({
      'GET /stages': { status: 200, body: stages },
      'GET /env': { status: 200, body: vars.map((v) => ({ ...v, etag: `"${v.key}-1"` })) },
      'PUT /env/BASE_URL': { status: 200, body: { key: 'BASE_URL', values: { mock: 'http://localhost', staging: 'https://staging', prod: 'https://api.example.com' }, etag: '"BASE_URL-2"' } },
      'DELETE /env/BASE_URL/stages/mock': { status: 204, headers: { ETag: '"BASE_URL-3"' } },
      'DELETE /env/BASE_URL': { status: 204 },
    });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit BASE_URL' }));
    const form = screen.getByRole('form', { name: 'Edit BASE_URL' });
    fireEvent.change(within(form).getByLabelText('BASE_URL on staging'), { target: { value: 'https://staging' } });
    fireEvent.change(within(form).getByLabelText('BASE_URL on mock'), { target: { value: '' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Edit BASE_URL' })).toBeNull());
    fireEvent.click(screen.getByRole('button', { name: 'Delete BASE_URL' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete everywhere' }));
    await screen.findByText('Deleted BASE_URL.');
    expect(writes().map((c) => [c.method, c.path, c.ifMatch])).toEqual([
      ['PUT', '/env/BASE_URL', '"BASE_URL-1"'],
      ['DELETE', '/env/BASE_URL/stages/mock', '"BASE_URL-2"'],
      ['DELETE', '/env/BASE_URL', '"BASE_URL-3"'],
    ]);
  });

  it('keeps the typed values on an edit refused with 412, says so, shows the current values and saves with the new tag', async () => {
    const { api, writes } = fakeApi({
      'GET /stages': { status: 200, body: stages },
      'GET /env': { status: 200, body: vars.map((v) => ({ ...v, etag: '"1"' })) },
      'GET /env/BASE_URL': { status: 200, body: { key: 'BASE_URL', values: { mock: 'http://theirs', prod: 'https://api.example.com' }, etag: '"2"' } },
      'PUT /env/BASE_URL': [changed('"2"'), { status: 200, body: { key: 'BASE_URL', values: { mock: 'http://mine', prod: 'https://api.example.com' }, etag: '"3"' } }],
    });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Edit BASE_URL' }));
    const form = screen.getByRole('form', { name: 'Edit BASE_URL' });
    const mock = within(form).getByLabelText('BASE_URL on mock') as HTMLInputElement;
    fireEvent.change(mock, { target: { value: 'http://mine' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText(CHANGED_TEXT)).toBeTruthy();
    expect(mock.isConnected).toBe(true);
    expect(mock.value).toBe('http://mine');
    await waitFor(() => expect(document.activeElement).toBe(mock));
    await waitFor(() => expect(screen.getByTestId('env-BASE_URL-mock-now').textContent).toBe('Now: http://theirs'));
    expect(screen.getByTestId('env-BASE_URL-staging-now').textContent).toBe('Now: not set');
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('form', { name: 'Edit BASE_URL' })).toBeNull());
    expect(writes().map((c) => [c.ifMatch, c.body])).toEqual([
      ['"1"', { values: { mock: 'http://mine' } }],
      ['"2"', { values: { mock: 'http://mine' } }],
    ]);
    expect(within(screen.getByRole('row', { name: /BASE_URL/ })).getAllByRole('cell')[0]!.textContent).toBe('http://mine');
  });

  it('keeps asking on a delete refused with 412 and says so', async () => {
    const { api } = fakeApi({
      'GET /stages': { status: 200, body: stages },
      'GET /env': { status: 200, body: vars.map((v) => ({ ...v, etag: '"1"' })) },
      'GET /env/DEBUG': { status: 200, body: { key: 'DEBUG', values: { mock: 'false' }, etag: '"2"' } },
      'DELETE /env/DEBUG': changed('"2"'),
    });
    render(<EnvScreen api={api} project="P1" role="editor" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Delete DEBUG' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete everywhere' }));
    expect(await screen.findByText(CHANGED_TEXT)).toBeTruthy();
    const row = screen.getByRole('row', { name: /DEBUG/ });
    await waitFor(() => expect(within(row).getAllByRole('cell')[0]!.textContent).toBe('false'));
  });
});
