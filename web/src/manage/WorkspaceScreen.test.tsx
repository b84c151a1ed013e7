// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Member, Role, Tenant } from '../api/types';
import { CHANGED_TEXT } from './common';
import { changed, fakeApi, invalid } from './testkit';
import { WorkspaceScreen, workspaceNameProblem } from './WorkspaceScreen';

afterEach(cleanup);

const tenant = (over: Partial<Tenant> = {}): Tenant => ({ id: 'T1', name: 'Acme', role: 'admin', created_at: '2026-01-01T00:00:00Z', ...over });
const member = (sub: string, role: Role): Member => ({ sub, email: `${sub}@example.com`, role, since: '2026-01-01T00:00:00Z', etag: `"m-${sub}"` }) as Member;
const tagged = (t: Tenant, etag: string) => ({ status: 200, body: t, headers: { ETag: etag } });
const members = (...m: Member[]) => ({ status: 200, body: { items: m } });
/** The API's refusal of its last admin leaving, as shared/api/tenants.go words it. */
const lastAdmin = {
  status: 409,
  body: {
    type: 'urn:polysynergy:problem:conflict',
    title: 'Conflict',
    status: 409,
    detail: "you are the tenant's last admin: make another member admin first, then leave",
    errors: [{ location: 'path.tenant', message: 'you are its last admin' }],
  },
};

function renderScreen(routes: Parameters<typeof fakeApi>[0], role: Role = 'admin') {
  const f = fakeApi(routes);
  const renamed: string[] = [];
  const left: string[] = [];
  render(<WorkspaceScreen api={f.api} role={role} me="me" onRenamed={(n) => renamed.push(n)} onLeft={(n) => left.push(n)} />);
  return { ...f, renamed, left };
}

describe('workspace name rules (the API’s)', () => {
  it.each([
    ['', 'Give the workspace a name.'],
    ['   ', 'Give the workspace a name.'],
    ['a'.repeat(101), 'At most 100 characters (this one has 101).'],
    ['Ac\tme', 'No control characters'],
    ['Ac\u0085me', 'No control characters'],
    ['Ac\u200Bme', 'U+200B'],
    ['Ac\u202Eme', 'U+202E'],
  ])('%j is refused', (name, want) => expect(workspaceNameProblem(name)).toContain(want));
  // 100 characters of four UTF-16 units' worth each (emoji) count as 100, as the API counts them
  it.each(['Acme', 'é'.repeat(100), '😀'.repeat(100), '  Acme  ', 'Team\u200Dname'])('%j is accepted', (name) => expect(workspaceNameProblem(name)).toBeNull());
});

describe('WorkspaceScreen: rename', () => {
  it('sends the typed name (trimmed) with the tag last read and tells the shell the new name', async () => {
    const { writes, renamed } = renderScreen({
      'GET ~': tagged(tenant(), '"t1"'),
      'GET ~/members': members(member('me', 'admin'), member('bo', 'admin')),
      'PATCH ~': tagged(tenant({ name: 'Acme Labs' }), '"t2"'),
    });
    const name = (await screen.findByLabelText('Name')) as HTMLInputElement;
    expect(name.value).toBe('Acme');
    const rename = screen.getByRole('button', { name: 'Rename' }) as HTMLButtonElement;
    expect(rename.disabled).toBe(true); // nothing changed yet
    fireEvent.change(name, { target: { value: '  Acme Labs ' } });
    fireEvent.click(rename);
    expect(await screen.findByText('Renamed.')).toBeTruthy();
    expect(writes()).toEqual([expect.objectContaining({ method: 'PATCH', path: '~', body: { name: 'Acme Labs' }, ifMatch: '"t1"' })]);
    expect(renamed).toEqual(['Acme Labs']);
    // the intro names it as it is now; the next rename goes over the new tag
    expect(screen.getByRole('region', { name: 'Workspace settings' }).querySelector('.ps-hint strong')?.textContent).toBe('Acme Labs');
    expect(rename.disabled).toBe(true);
  });

  it('keeps what was typed when someone renamed it meanwhile (412), shows its name now and saves over the new tag', async () => {
    const { writes, renamed } = renderScreen({
      'GET ~': [tagged(tenant(), '"t1"'), tagged(tenant({ name: 'Theirs' }), '"t2"')],
      'GET ~/members': members(member('me', 'admin')),
      'PATCH ~': [changed('"t2"'), tagged(tenant({ name: 'Mine' }), '"t3"')],
    });
    const name = (await screen.findByLabelText('Name')) as HTMLInputElement;
    fireEvent.change(name, { target: { value: 'Mine' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Workspace name' }));
    const alert = await screen.findByText(CHANGED_TEXT);
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('Changed by someone else since you opened it');
    expect(name.value).toBe('Mine');
    expect(await screen.findByTestId('workspace-name-now')).toHaveProperty('textContent', 'Now: “Theirs”');
    await waitFor(() => expect(document.activeElement).toBe(name));
    // the top bar learns the name it has now
    expect(renamed).toEqual(['Theirs']);
    fireEvent.click(screen.getByRole('button', { name: 'Rename' }));
    expect(await screen.findByText('Renamed.')).toBeTruthy();
    expect(writes().map((w) => w.ifMatch)).toEqual(['"t1"', '"t2"']);
    expect(renamed).toEqual(['Theirs', 'Mine']);
    expect(screen.queryByText(CHANGED_TEXT)).toBeNull();
  });

  it('shows the API’s word on the name at the field, and drops it once the name is edited', async () => {
    renderScreen({
      'GET ~': tagged(tenant(), '"t1"'),
      'GET ~/members': members(member('me', 'admin')),
      'PATCH ~': invalid('body.name: is reserved', [{ location: 'body.name', message: 'is reserved' }]),
    });
    const name = await screen.findByLabelText('Name');
    fireEvent.change(name, { target: { value: 'Admin' } });
    fireEvent.submit(screen.getByRole('form', { name: 'Workspace name' }));
    const msg = await screen.findByText('Name is reserved');
    expect(msg.id).toBe('workspace-name-error');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(name.getAttribute('aria-describedby')).toBe('workspace-name-error workspace-name-help');
    // said at the field only, not again under the form
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    fireEvent.change(name, { target: { value: 'Admins' } });
    expect(screen.queryByText('Name is reserved')).toBeNull();
    expect(name.getAttribute('aria-invalid')).toBeNull();
  });

  it('refuses a name the API would refuse before asking', async () => {
    const { writes } = renderScreen({ 'GET ~': tagged(tenant(), '"t1"'), 'GET ~/members': members(member('me', 'admin')) });
    const name = await screen.findByLabelText('Name');
    for (const [typed, said] of [
      ['', 'Give the workspace a name.'],
      ['x'.repeat(101), 'At most 100 characters (this one has 101).'],
      ['Ac\u200Bme', 'No invisible or text-direction characters (this one has U+200B).'],
    ] as const) {
      fireEvent.change(name, { target: { value: typed } });
      expect(screen.getByText(said)).toBeTruthy();
      expect((screen.getByRole('button', { name: 'Rename' }) as HTMLButtonElement).disabled).toBe(true);
      fireEvent.submit(screen.getByRole('form', { name: 'Workspace name' }));
    }
    expect(writes()).toEqual([]);
  });
});

describe('WorkspaceScreen: who sees what', () => {
  it.each(['viewer', 'editor'] as const)('a %s sees the name without a form and may leave', async (role) => {
    renderScreen({ 'GET ~': tagged(tenant({ role }), '"t1"'), 'GET ~/members': members(member('me', role), member('bo', 'admin')) }, role);
    await screen.findByText('Only admins can rename the workspace.');
    expect(screen.queryByRole('form', { name: 'Workspace name' })).toBeNull();
    expect(screen.queryByRole('textbox')).toBeNull();
    expect(screen.getByRole('button', { name: 'Leave workspace' })).toBeTruthy();
    expect(screen.getByText(`You are ${role === 'editor' ? 'an' : 'a'} ${role} in`, { exact: false })).toBeTruthy();
  });

  it('goes by the role the tenant answers with, not the one the shell read at sign-in', async () => {
    renderScreen({ 'GET ~': tagged(tenant({ role: 'viewer' }), '"t1"'), 'GET ~/members': members(member('me', 'viewer')) }, 'admin');
    await screen.findByText('Only admins can rename the workspace.');
    expect(screen.queryByRole('form', { name: 'Workspace name' })).toBeNull();
  });

  it('an admin with another admin renames and may leave', async () => {
    renderScreen({ 'GET ~': tagged(tenant(), '"t1"'), 'GET ~/members': members(member('me', 'admin'), member('bo', 'admin')) });
    await screen.findByRole('form', { name: 'Workspace name' });
    expect(screen.getByRole('button', { name: 'Leave workspace' })).toBeTruthy();
  });

  it('the last admin is told why they cannot leave, with no Leave button', async () => {
    renderScreen({ 'GET ~': tagged(tenant(), '"t1"'), 'GET ~/members': members(member('me', 'admin'), member('bo', 'editor')) });
    const note = await screen.findByText(/You are the only admin of Acme, so you cannot leave it/);
    expect(within(note).getByRole('link', { name: 'Members' }).getAttribute('href')).toBe('/members');
    expect(screen.queryByRole('button', { name: 'Leave workspace' })).toBeNull();
  });

  it('offers Leave when the members cannot be read (the API decides)', async () => {
    renderScreen({ 'GET ~': tagged(tenant(), '"t1"'), 'GET ~/members': { status: 500, body: { title: 'Internal Server Error', status: 500 } } });
    expect(await screen.findByRole('button', { name: 'Leave workspace' })).toBeTruthy();
  });

  it('says when the workspace cannot be read, and reads it again', async () => {
    renderScreen({
      'GET ~': [{ status: 503, body: { title: 'Service Unavailable', status: 503, detail: 'try again' } }, tagged(tenant(), '"t1"')],
      'GET ~/members': members(member('me', 'admin')),
    });
    expect(await screen.findByText('Could not load the workspace: try again')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }));
    expect(await screen.findByRole('form', { name: 'Workspace name' })).toBeTruthy();
  });
});

describe('WorkspaceScreen: leave', () => {
  const routes = (leave: Parameters<typeof fakeApi>[0][string]) => ({
    'GET ~': tagged(tenant({ role: 'editor' }), '"t1"'),
    'GET ~/members': members(member('me', 'editor'), member('bo', 'admin')),
    'POST ~/leave': leave,
  });

  it('asks first, naming the workspace and what happens, with the focus on Cancel; Leave leaves', async () => {
    const { writes, left } = renderScreen(routes({ status: 204 }), 'editor');
    fireEvent.click(await screen.findByRole('button', { name: 'Leave workspace' }));
    const dialog = screen.getByRole('dialog', { name: 'Leave “Acme”?' });
    expect(dialog.textContent).toContain('You lose access to every project of Acme at once');
    expect(dialog.textContent).toContain('an admin has to invite you again');
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(writes()).toEqual([]);
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Leave workspace' })));
    expect(writes()).toEqual([expect.objectContaining({ method: 'POST', path: '~/leave' })]);
    expect(left).toEqual(['Acme']);
  });

  it.each([
    ['Cancel', () => fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Cancel' }))],
    ['Escape', () => fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' })],
  ])('%s leaves nothing and gives the focus back to Leave', async (_, cancel) => {
    const { writes, left } = renderScreen(routes({ status: 204 }), 'editor');
    const open = await screen.findByRole('button', { name: 'Leave workspace' });
    open.focus();
    fireEvent.click(open);
    expect(screen.getByRole('dialog')).toBeTruthy();
    cancel();
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(document.activeElement).toBe(open);
    expect(writes()).toEqual([]);
    expect(left).toEqual([]);
  });

  it('shows the API’s refusal of the last admin in its words; once closed the screen says why', async () => {
    // the list read said another admin was there; the API knows better
    const { left } = renderScreen(
      {
        'GET ~': tagged(tenant(), '"t1"'),
        'GET ~/members': [members(member('me', 'admin'), member('bo', 'admin')), members(member('me', 'admin'), member('bo', 'viewer'))],
        'POST ~/leave': lastAdmin,
      },
      'admin',
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Leave workspace' }));
    const dialog = screen.getByRole('dialog', { name: 'Leave “Acme”?' });
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Leave workspace' })));
    const alert = await within(dialog).findByRole('alert');
    expect(alert.textContent).toBe("You are the tenant's last admin: make another member admin first, then leave.");
    // nothing left to try: the focus is on Close
    const close = within(dialog).getByRole('button', { name: 'Close' });
    await waitFor(() => expect(document.activeElement).toBe(close));
    expect(within(dialog).queryByRole('button', { name: 'Leave workspace' })).toBeNull();
    expect(left).toEqual([]);
    // the members were read again: the screen says why, the Leave button is gone
    await screen.findByText(/You are the only admin of Acme/);
    fireEvent.click(close);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Leave workspace' })).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Leave this workspace' })));
  });

  it('a failure that may pass keeps Leave to try again, focused', async () => {
    const { left } = renderScreen(routes([{ status: 503, body: { title: 'Service Unavailable', status: 503, detail: 'busy' } }, { status: 204 }]), 'editor');
    fireEvent.click(await screen.findByRole('button', { name: 'Leave workspace' }));
    const dialog = screen.getByRole('dialog');
    await act(async () => fireEvent.click(within(dialog).getByRole('button', { name: 'Leave workspace' })));
    expect((await within(dialog).findByRole('alert')).textContent).toBe('Busy.');
    const again = within(dialog).getByRole('button', { name: 'Leave workspace' });
    await waitFor(() => expect(document.activeElement).toBe(again));
    await act(async () => fireEvent.click(again));
    expect(left).toEqual(['Acme']);
  });

  it('someone removed the person meanwhile (404): as good as left', async () => {
    const { left } = renderScreen(routes({ status: 404, body: { title: 'Not Found', status: 404, detail: 'tenant not found' } }), 'editor');
    fireEvent.click(await screen.findByRole('button', { name: 'Leave workspace' }));
    await act(async () => fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Leave workspace' })));
    expect(left).toEqual(['Acme']);
  });
});
