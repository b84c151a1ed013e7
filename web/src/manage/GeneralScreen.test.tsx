// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Project, Stage } from '../api/types';
import { GeneralScreen, movedHosts, slugProblem } from './GeneralScreen';
import { changed, fakeApi, invalid } from './testkit';
import { CHANGED_TEXT } from './common';

afterEach(cleanup);

const proj = (over: Partial<Project> = {}): Project => ({
  id: 'P1',
  tenant: 'T1',
  name: 'Shop',
  slug: 'shop',
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
  allow_private_network: false,
  ...over,
});
const st = (name: string, position: number): Stage => ({ name, position, production: false, created_at: '' });
const stages = { status: 200, body: [st('prod', 2), st('mock', 0), st('staging', 1)] };
const PATTERN = 'https://{project}-{stage}.flows.example.com';

describe('slug rules', () => {
  it.each([
    ['', 'Give the project a slug.'],
    ['a'.repeat(41), 'At most 40 characters (this one has 41).'],
    ['-shop', 'starting and ending with a letter or digit'],
    ['shop-', 'starting and ending with a letter or digit'],
    ['my_shop', 'Lowercase letters, digits and hyphens'],
    ['Shop', 'Lowercase letters, digits and hyphens'],
    ['my--shop', 'No two hyphens in a row.'],
  ])('%s is refused', (s, want) => {
    expect(slugProblem(s)).toContain(want);
  });
  it.each(['a', 'shop', 'my-shop-2', 'a'.repeat(40)])('%s is accepted', (s) => expect(slugProblem(s)).toBeNull());
});

describe('moved trigger hosts', () => {
  it('names each stage before and after with the deployment pattern', () => {
    expect(movedHosts(PATTERN, 'shop', 'store', ['mock', 'prod'])).toEqual([
      { stage: 'mock', from: 'https://shop-mock.flows.example.com', to: 'https://store-mock.flows.example.com' },
      { stage: 'prod', from: 'https://shop-prod.flows.example.com', to: 'https://store-prod.flows.example.com' },
    ]);
  });
  it('shows the host shape without a pattern or stages', () => {
    expect(movedHosts(undefined, 'shop', 'store', [])).toEqual([{ stage: '{stage}', from: 'shop-{stage}.<domain>', to: 'store-{stage}.<domain>' }]);
  });
});

describe('GeneralScreen', () => {
  it('renames the project with a PATCH of the name only and reports the new project', async () => {
    const seen: Project[] = [];
    const { api, writes } = fakeApi({ 'GET ': { status: 200, body: proj() }, 'GET /stages': stages, 'PATCH ': { status: 200, body: proj({ name: 'Shop 2' }) } });
    render(<GeneralScreen api={api} project="P1" role="editor" onChanged={(p) => seen.push(p)} />);
    const name = (await screen.findByLabelText('Name')) as HTMLInputElement;
    expect(name.value).toBe('Shop');
    const rename = screen.getByRole('button', { name: 'Rename' }) as HTMLButtonElement;
    expect(rename.disabled).toBe(true); // nothing changed yet
    fireEvent.change(name, { target: { value: '  Shop 2 ' } });
    fireEvent.click(rename);
    expect(await screen.findByText('Renamed.')).toBeTruthy();
    expect(writes()).toEqual([expect.objectContaining({ method: 'PATCH', path: '', body: { name: 'Shop 2' } })]);
    expect(seen.map((p) => p.name)).toEqual(['Shop 2']);
    expect(rename.disabled).toBe(true);
  });

  it('shows the API error on the name field', async () => {
    const { api } = fakeApi({ 'GET ': { status: 200, body: proj() }, 'GET /stages': stages, 'PATCH ': invalid('name: bad', [{ location: 'body.name', message: 'contains a control character' }]) });
    render(<GeneralScreen api={api} project="P1" role="admin" />);
    const name = await screen.findByLabelText('Name');
    fireEvent.change(name, { target: { value: 'Shop\u0007' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Project name' }));
    expect(await screen.findByText('contains a control character')).toBeTruthy();
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(name.getAttribute('aria-describedby')).toBe('project-name-error');
  });

  it('refuses an empty name before asking', async () => {
    const { api, writes } = fakeApi({ 'GET ': { status: 200, body: proj() }, 'GET /stages': stages });
    render(<GeneralScreen api={api} project="P1" role="editor" />);
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: '   ' } });
    expect(screen.getByText('Give the project a name.')).toBeTruthy();
    fireEvent.submit(screen.getByRole('form', { name: 'Project name' }));
    expect((screen.getByRole('button', { name: 'Rename' }) as HTMLButtonElement).disabled).toBe(true);
    expect(writes()).toHaveLength(0);
  });

  it('checks a new slug as it is typed, shows the moved trigger hosts and changes it after confirming', async () => {
    const { api, calls, writes } = fakeApi({
      'GET ': { status: 200, body: proj() },
      'GET /stages': stages,
      'GET ~/project-slug': { status: 200, body: { slug: 'store', available: true } },
      'PATCH ': { status: 200, body: proj({ slug: 'store' }) },
    });
    render(<GeneralScreen api={api} project="P1" role="editor" triggerPattern={PATTERN} />);
    const slug = (await screen.findByLabelText('Slug')) as HTMLInputElement;
    expect(screen.queryByRole('button', { name: 'Change slug' })).toBeNull();
    fireEvent.change(slug, { target: { value: 'Store' } });
    expect(slug.value).toBe('store'); // capitals are lowered as typed
    expect(await screen.findByText('✓ This slug is free.')).toBeTruthy();
    const check = calls.filter((c) => c.path === '~/project-slug');
    expect(check).toHaveLength(1);
    expect(check[0]!.query.get('slug')).toBe('store');

    const note = screen.getByRole('note', { name: 'Trigger addresses change' });
    expect(within(note).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'https://shop-mock.flows.example.com → https://store-mock.flows.example.com',
      'https://shop-staging.flows.example.com → https://store-staging.flows.example.com',
      'https://shop-prod.flows.example.com → https://store-prod.flows.example.com',
    ]);

    fireEvent.click(screen.getByRole('button', { name: 'Change slug' }));
    expect(writes()).toHaveLength(0); // asks first
    const ask = screen.getByRole('group', { name: 'Confirm Change slug' });
    expect(ask.textContent).toContain('stop answering');
    fireEvent.click(within(ask).getByRole('button', { name: 'Change slug' }));
    expect(await screen.findByText('Slug changed.')).toBeTruthy();
    expect(writes()).toEqual([expect.objectContaining({ method: 'PATCH', path: '', body: { slug: 'store' } })]);
    expect(screen.queryByRole('note', { name: 'Trigger addresses change' })).toBeNull();
  });

  it('shows a taken slug from the live check and a 409 on the field', async () => {
    const { api, writes } = fakeApi({
      'GET ': { status: 200, body: proj() },
      'GET /stages': stages,
      'GET ~/project-slug': [{ status: 200, body: { slug: 'outlet', available: false } }, { status: 200, body: { slug: 'outlet2', available: true } }],
      'PATCH ': {
        status: 409,
        body: { title: 'Slug is taken', status: 409, detail: 'the slug is used by another project; choose another', errors: [{ location: 'body.slug', message: 'is taken' }] },
      },
    });
    render(<GeneralScreen api={api} project="P1" role="admin" />);
    const slug = await screen.findByLabelText('Slug');
    fireEvent.change(slug, { target: { value: 'outlet' } });
    expect(await screen.findByText('Another project uses this slug; choose another.')).toBeTruthy();
    expect(slug.getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByRole('button', { name: 'Change slug' })).toBeNull();

    // free when checked, taken by the time it is saved
    fireEvent.change(slug, { target: { value: 'outlet2' } });
    await screen.findByText('✓ This slug is free.');
    fireEvent.click(screen.getByRole('button', { name: 'Change slug' }));
    fireEvent.click(within(screen.getByRole('group', { name: 'Confirm Change slug' })).getByRole('button', { name: 'Change slug' }));
    expect(await screen.findByText('Another project uses this slug; choose another.')).toBeTruthy();
    expect(writes()[0]).toMatchObject({ body: { slug: 'outlet2' } });
    expect(slug.getAttribute('aria-invalid')).toBe('true');
    await waitFor(() => expect(document.activeElement).toBe(slug));
  });

  it('refuses a malformed slug without asking the API', async () => {
    const { api, calls } = fakeApi({ 'GET ': { status: 200, body: proj() }, 'GET /stages': stages });
    render(<GeneralScreen api={api} project="P1" role="admin" />);
    fireEvent.change(await screen.findByLabelText('Slug'), { target: { value: 'my--shop' } });
    expect(screen.getByText('No two hyphens in a row.')).toBeTruthy();
    await new Promise((r) => setTimeout(r, 300));
    expect(calls.filter((c) => c.path === '~/project-slug')).toHaveLength(0);
    expect(screen.queryByRole('button', { name: 'Change slug' })).toBeNull();
  });

  it('lets an admin turn private network access on with a PATCH of that field alone', async () => {
    const { api, writes } = fakeApi({ 'GET ': { status: 200, body: proj() }, 'GET /stages': stages, 'PATCH ': { status: 200, body: proj({ allow_private_network: true }) } });
    render(<GeneralScreen api={api} project="P1" role="admin" />);
    const sw = (await screen.findByRole('switch', { name: /reach private networks/ })) as HTMLInputElement;
    expect(sw.checked).toBe(false);
    expect(sw.disabled).toBe(false);
    expect(document.getElementById(sw.getAttribute('aria-describedby')!)!.textContent).toContain('allow_private_network input is on as well');
    fireEvent.click(sw);
    expect(await screen.findByText('Private network access is on.')).toBeTruthy();
    expect(sw.checked).toBe(true);
    expect(writes()).toEqual([expect.objectContaining({ method: 'PATCH', body: { allow_private_network: true } })]);
  });

  it('shows the 403 when the API refuses the network change and keeps the switch as it was', async () => {
    const { api } = fakeApi({
      'GET ': { status: 200, body: proj() },
      'GET /stages': stages,
      'PATCH ': {
        status: 403,
        body: {
          title: 'Forbidden',
          status: 403,
          detail: 'changing allow_private_network needs role admin; you are editor in this tenant',
          errors: [{ location: 'body.allow_private_network', message: 'needs role admin' }],
        },
      },
    });
    // the shell still thinks this person is an admin (the role was just taken away)
    render(<GeneralScreen api={api} project="P1" role="admin" />);
    const sw = (await screen.findByRole('switch')) as HTMLInputElement;
    fireEvent.click(sw);
    expect((await screen.findByRole('alert')).textContent).toBe('changing allow_private_network needs role admin; you are editor in this tenant');
    expect(sw.checked).toBe(false);
  });

  it('is read-only for the network switch below admin and for everything for viewers', async () => {
    const { api } = fakeApi({ 'GET ': { status: 200, body: proj({ allow_private_network: true }) }, 'GET /stages': stages });
    const { unmount } = render(<GeneralScreen api={api} project="P1" role="editor" />);
    const sw = (await screen.findByRole('switch')) as HTMLInputElement;
    expect(sw.checked).toBe(true);
    expect(sw.disabled).toBe(true);
    expect(screen.getByText('Only admins can change private network access.')).toBeTruthy();
    expect((screen.getByLabelText('Name') as HTMLInputElement).readOnly).toBe(false);
    unmount();

    render(<GeneralScreen api={api} project="P1" role="viewer" />);
    await screen.findByRole('switch');
    expect(screen.getByText('Only editors and admins can change the project.')).toBeTruthy();
    expect((screen.getByLabelText('Name') as HTMLInputElement).readOnly).toBe(true);
    expect((screen.getByLabelText('Slug') as HTMLInputElement).readOnly).toBe(true);
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('shows the loading and error states and retries', async () => {
    const { api, calls } = fakeApi({ 'GET ': [{ status: 500, body: { title: 'Server error', detail: 'store down' } }, { status: 200, body: proj() }], 'GET /stages': stages });
    render(<GeneralScreen api={api} project="P1" role="admin" />);
    expect(screen.getByRole('status').textContent).toContain('Loading the project');
    expect((await screen.findByRole('alert')).textContent).toContain('store down');
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(((await screen.findByLabelText('Name')) as HTMLInputElement).value).toBe('Shop');
    expect(calls.filter((c) => c.method === 'GET' && c.path === '')).toHaveLength(2);
  });

  it("sends the project's ETag as If-Match on each change, each taking the tag the one before answered", async () => {
    const { api, writes } = fakeApi({
      'GET ': { status: 200, body: proj(), headers: { ETag: '"p1"' } },
      'GET /stages': stages,
      'PATCH ': [
        { status: 200, body: proj({ name: 'Shop 2' }), headers: { ETag: '"p2"' } },
        { status: 200, body: proj({ name: 'Shop 2', allow_private_network: true }), headers: { ETag: '"p3"' } },
      ],
    });
    render(<GeneralScreen api={api} project="P1" role="admin" />);
    fireEvent.change(await screen.findByLabelText('Name'), { target: { value: 'Shop 2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    await screen.findByText('Renamed.');
    fireEvent.click(screen.getByRole('switch', { name: /reach private networks/ }));
    await screen.findByText('Private network access is on.');
    expect(writes().map((w) => w.ifMatch)).toEqual(['"p1"', '"p2"']);
  });

  it('keeps the typed name on a rename refused with 412, says so with the current name, and renames with the new tag', async () => {
    const { api, writes } = fakeApi({
      'GET ': [
        { status: 200, body: proj(), headers: { ETag: '"p1"' } },
        { status: 200, body: proj({ name: 'Their Shop', allow_private_network: true }), headers: { ETag: '"p2"' } },
      ],
      'GET /stages': stages,
      'PATCH ': [changed('"p2"'), { status: 200, body: proj({ name: 'My Shop', allow_private_network: true }), headers: { ETag: '"p3"' } }],
    });
    render(<GeneralScreen api={api} project="P1" role="admin" />);
    const name = (await screen.findByLabelText('Name')) as HTMLInputElement;
    fireEvent.change(name, { target: { value: 'My Shop' } });
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    expect(await screen.findByText(CHANGED_TEXT)).toBeTruthy();
    expect(name.value).toBe('My Shop');
    await waitFor(() => expect(screen.getByTestId('project-name-now').textContent).toBe('Now: Their Shop'));
    await waitFor(() => expect(document.activeElement).toBe(name));
    // the rest of the screen shows the project as it is now
    expect((screen.getByRole('switch', { name: /reach private networks/ }) as HTMLInputElement).checked).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    await screen.findByText('Renamed.');
    expect(writes().map((w) => [w.ifMatch, w.body])).toEqual([
      ['"p1"', { name: 'My Shop' }],
      ['"p2"', { name: 'My Shop' }],
    ]);
  });
});
