// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Invitation, Member } from '../api/types';
import { MembersScreen } from './MembersScreen';
import { changed, fakeApi, invalid } from './testkit';

afterEach(cleanup);

const members: Member[] = [
  { sub: 'u-ann', email: 'ann@example.com', role: 'admin', since: '2026-01-01T00:00:00Z' },
  { sub: 'u-bob', email: 'bob@example.com', role: 'viewer', since: '2026-01-02T00:00:00Z' },
];
const invitations: Invitation[] = [{ email: 'cy@example.com', role: 'editor', created_at: '2026-03-01T00:00:00Z', expires_at: '2026-03-15T00:00:00Z' }];
const base = { 'GET ~/members': { status: 200, body: { items: members } }, 'GET ~/invitations': { status: 200, body: { items: invitations } } };
const lastAdmin = { status: 409, body: { title: 'Conflict', status: 409, detail: 'a tenant needs at least one admin; make someone else admin first' } };

describe('MembersScreen', () => {
  it('lists members with roles and pending invitations', async () => {
    const { api } = fakeApi(base);
    render(<MembersScreen api={api} role="viewer" me="u-bob" workspace="Acme" />);
    const rows = (await screen.findAllByRole('row')).slice(1);
    expect(within(rows[0]!).getAllByRole('cell').map((c) => c.textContent?.trim())).toEqual(['ann@example.com', 'admin', expect.any(String), '']);
    expect(within(rows[1]!).getByText('you')).toBeTruthy();
    const inv = screen.getByRole('table', { name: 'Pending invitations' });
    expect(within(inv).getByText('cy@example.com')).toBeTruthy();
    expect(screen.getByRole('note').textContent).toContain('Only admins');
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.queryByRole('combobox')).toBeNull();
  });

  it('invites by e-mail with a role', async () => {
    const { api, writes } = fakeApi({
      ...base,
      'POST ~/invitations': { status: 201, body: { email: 'dee@example.com', role: 'viewer', created_at: '2026-04-01T00:00:00Z', expires_at: '2026-04-15T00:00:00Z' } },
    });
    render(<MembersScreen api={api} role="admin" />);
    await screen.findByText('ann@example.com');
    const form = screen.getByRole('form', { name: 'Invite' });
    // invitations wait for the invitee's consent: the form says so
    expect(form.textContent).toContain('once they accept it');
    expect(form.textContent).not.toContain('Whoever signs in with this address joins');
    fireEvent.change(within(form).getByLabelText('E-mail'), { target: { value: 'dee@example.com' } });
    fireEvent.change(within(form).getByLabelText('Role'), { target: { value: 'viewer' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    const inv = screen.getByRole('table', { name: 'Pending invitations' });
    expect(await within(inv).findByText('dee@example.com')).toBeTruthy();
    expect(writes()[0]).toMatchObject({ method: 'POST', path: '~/invitations', body: { email: 'dee@example.com', role: 'viewer' } });
  });

  it('checks the e-mail itself and says so on the field, not in the browser\'s bubble', async () => {
    const { api, writes } = fakeApi(base);
    render(<MembersScreen api={api} role="admin" />);
    const form = await screen.findByRole('form', { name: 'Invite' });
    expect((form as HTMLFormElement).noValidate).toBe(true);
    const email = within(form).getByLabelText('E-mail');
    fireEvent.change(email, { target: { value: 'bob' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    const msg = await within(form).findByText('"bob" is not an e-mail address (like someone@example.com).');
    expect(email.getAttribute('aria-invalid')).toBe('true');
    expect(email.getAttribute('aria-describedby')).toBe(msg.id);
    fireEvent.change(email, { target: { value: '' } });
    expect(within(form).queryByText(/is not an e-mail address/)).toBeNull();
    expect(email.getAttribute('aria-invalid')).toBeNull();
    fireEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    expect(await within(form).findByText('Enter an e-mail address.')).toBeTruthy();
    expect(writes()).toHaveLength(0);
  });

  it('shows an invitation refused by the API on the e-mail field', async () => {
    const { api } = fakeApi({ ...base, 'POST ~/invitations': invalid('email: invalid', [{ location: 'body.email', message: 'is not an e-mail address' }]) });
    render(<MembersScreen api={api} role="admin" />);
    const form = await screen.findByRole('form', { name: 'Invite' });
    fireEvent.change(within(form).getByLabelText('E-mail'), { target: { value: 'x@y' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    expect(await within(form).findByText('is not an e-mail address')).toBeTruthy();
    expect(within(form).getByLabelText(/^E-mail/).getAttribute('aria-invalid')).toBe('true');
  });

  it('changes a role, and shows the last-admin refusal with the role unchanged', async () => {
    const { api, writes } = fakeApi({
      ...base,
      'PATCH ~/members/u-bob': { status: 200, body: { ...members[1], role: 'editor' } },
      'PATCH ~/members/u-ann': lastAdmin,
    });
    render(<MembersScreen api={api} role="admin" me="u-ann" />);
    const bob = (await screen.findByLabelText('Role of bob@example.com')) as HTMLSelectElement;
    fireEvent.change(bob, { target: { value: 'editor' } });
    await waitFor(() => expect(bob.disabled).toBe(false));
    expect(bob.value).toBe('editor');
    const ann = screen.getByLabelText('Role of ann@example.com') as HTMLSelectElement;
    fireEvent.change(ann, { target: { value: 'viewer' } });
    expect(await screen.findByText('a tenant needs at least one admin; make someone else admin first')).toBeTruthy();
    expect(ann.value).toBe('admin');
    expect(writes().map((c) => [c.method, c.path, c.body])).toEqual([
      ['PATCH', '~/members/u-bob', { role: 'editor' }],
      ['PATCH', '~/members/u-ann', { role: 'viewer' }],
    ]);
  });

  it('removes a member after confirming and shows the API refusal for the last admin', async () => {
    const { api, writes } = fakeApi({ ...base, 'DELETE ~/members/u-bob': { status: 204 }, 'DELETE ~/members/u-ann': lastAdmin });
    render(<MembersScreen api={api} role="admin" me="u-ann" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Remove bob@example.com' }));
    fireEvent.click(within(screen.getByRole('group', { name: /Confirm/ })).getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(screen.queryByText('bob@example.com')).toBeNull());
    fireEvent.click(screen.getByRole('button', { name: 'Remove ann@example.com' }));
    const ask = screen.getByRole('group', { name: /Confirm/ });
    expect(ask.textContent).toContain('Remove yourself?');
    fireEvent.click(within(ask).getByRole('button', { name: 'Remove' }));
    expect((await within(ask).findByRole('alert')).textContent).toBe('a tenant needs at least one admin; make someone else admin first');
    expect(screen.getByText('ann@example.com')).toBeTruthy();
    expect(writes().map((c) => `${c.method} ${c.path}`)).toEqual(['DELETE ~/members/u-bob', 'DELETE ~/members/u-ann']);
  });

  it('withdraws an invitation', async () => {
    const { api, writes } = fakeApi({ ...base, 'DELETE ~/invitations/cy@example.com': { status: 204 } });
    render(<MembersScreen api={api} role="admin" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Withdraw the invitation of cy@example.com' }));
    fireEvent.click(within(screen.getByRole('group', { name: /Confirm/ })).getByRole('button', { name: 'Withdraw' }));
    await waitFor(() => expect(screen.queryByText('cy@example.com')).toBeNull());
    expect(writes()[0]).toMatchObject({ method: 'DELETE', path: '~/invitations/cy@example.com' });
    expect(screen.getByText('None.')).toBeTruthy();
  });

  it('turns read-only at once when admins take the admin role from themselves', async () => {
    const two = [members[0]!, { ...members[1]!, role: 'admin' as const }];
    const { api } = fakeApi({ ...base, 'GET ~/members': { status: 200, body: { items: two } }, 'PATCH ~/members/u-ann': { status: 200, body: { ...members[0], role: 'editor' } } });
    render(<MembersScreen api={api} role="admin" me="u-ann" />);
    fireEvent.change(await screen.findByLabelText('Role of ann@example.com'), { target: { value: 'editor' } });
    expect(await screen.findByRole('note')).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Invite' })).toBeNull();
    expect(screen.queryByRole('combobox')).toBeNull();
    expect(within(screen.getAllByRole('row')[1]!).getAllByRole('cell')[1]!.textContent).toBe('editor');
  });
});

describe("the API's refusal at an invite field", () => {
  it('goes from the field that is edited, not from the other one', async () => {
    const { api } = fakeApi({
      ...base,
      'POST ~/invitations': invalid('invalid', [
        { location: 'body.email', message: 'is not an e-mail address' },
        { location: 'body.role', message: 'is not a role here' },
      ]),
    });
    render(<MembersScreen api={api} role="admin" />);
    const form = await screen.findByRole('form', { name: 'Invite' });
    const email = within(form).getByLabelText(/^E-mail/);
    fireEvent.change(email, { target: { value: 'x@y' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    expect(await within(form).findByText('is not an e-mail address')).toBeTruthy();
    expect(within(form).getByText('is not a role here')).toBeTruthy();
    fireEvent.change(email, { target: { value: 'x@y.z' } });
    expect(within(form).queryByText('is not an e-mail address')).toBeNull();
    expect(email.getAttribute('aria-invalid')).not.toBe('true');
    // the role was not edited: its refusal stays until it is
    expect(within(form).getByText('is not a role here')).toBeTruthy();
    fireEvent.change(within(form).getByLabelText(/^Role/), { target: { value: 'viewer' } });
    expect(within(form).queryByText('is not a role here')).toBeNull();
    // the client's own check is as it was: said on submit
    fireEvent.change(email, { target: { value: 'nope' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    expect(await within(form).findByText(/"nope" is not an e-mail address/)).toBeTruthy();
  });

  it("changes a role and removes a member with the member's etag as If-Match", async () => {
    const { api, writes } = fakeApi({
      'GET ~/members': { status: 200, body: { items: members.map((m) => ({ ...m, etag: `"${m.sub}-1"` })) } },
      'GET ~/invitations': { status: 200, body: { items: [] } },
      'PATCH ~/members/u-bob': { status: 200, body: { ...members[1], role: 'editor', etag: '"u-bob-2"' } },
      'DELETE ~/members/u-bob': { status: 204 },
    });
    render(<MembersScreen api={api} role="admin" me="u-ann" />);
    fireEvent.change(await screen.findByLabelText('Role of bob@example.com'), { target: { value: 'editor' } });
    await waitFor(() => expect((screen.getByLabelText('Role of bob@example.com') as HTMLSelectElement).value).toBe('editor'));
    fireEvent.click(screen.getByRole('button', { name: 'Remove bob@example.com' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    await waitFor(() => expect(screen.queryByText('bob@example.com')).toBeNull());
    expect(writes().map((w) => [w.method, w.path, w.ifMatch])).toEqual([
      ['PATCH', '~/members/u-bob', '"u-bob-1"'],
      ['DELETE', '~/members/u-bob', '"u-bob-2"'],
    ]);
  });

  it('keeps the keyboard on the role select after a role change is answered (it waited disabled and the focus fell to the body)', async () => {
    const { api } = fakeApi({
      'GET ~/members': { status: 200, body: { items: members.map((m) => ({ ...m, etag: '"1"' })) } },
      'GET ~/invitations': { status: 200, body: { items: [] } },
      'PATCH ~/members/u-bob': { status: 200, body: { ...members[1], role: 'editor', etag: '"2"' } },
    });
    render(<MembersScreen api={api} role="admin" me="u-ann" />);
    const select = (await screen.findByLabelText('Role of bob@example.com')) as HTMLSelectElement;
    // disabled while it waits, Chromium moves the keyboard to the body (jsdom cannot blur a
    // disabled control): the change is made with the keyboard already there
    fireEvent.change(select, { target: { value: 'editor' } });
    expect(select.disabled).toBe(true);
    expect(document.activeElement).toBe(document.body);
    await waitFor(() => expect(select.disabled).toBe(false));
    expect(select.value).toBe('editor');
    await waitFor(() => expect(document.activeElement).toBe(select));
  });

  it('on a role change refused with 412 shows the current role, says which was chosen, and keeps the keyboard on the role', async () => {
    const { api, writes } = fakeApi({
      'GET ~/members': { status: 200, body: { items: members.map((m) => ({ ...m, etag: '"1"' })) } },
      'GET ~/invitations': { status: 200, body: { items: [] } },
      'GET ~/members/u-bob': { status: 200, body: { ...members[1], role: 'admin', etag: '"2"' } },
      'PATCH ~/members/u-bob': [changed('"2"'), { status: 200, body: { ...members[1], role: 'editor', etag: '"3"' } }],
    });
    render(<MembersScreen api={api} role="admin" me="u-ann" />);
    const select = (await screen.findByLabelText('Role of bob@example.com')) as HTMLSelectElement;
    fireEvent.change(select, { target: { value: 'editor' } });
    expect(await screen.findByText(/Changed by someone else since you opened it — the role shown is the current one\..*\(You chose editor\.\)/)).toBeTruthy();
    await waitFor(() => expect(select.value).toBe('admin'));
    await waitFor(() => expect(document.activeElement).toBe(select));
    fireEvent.change(select, { target: { value: 'editor' } });
    await waitFor(() => expect(select.value).toBe('editor'));
    expect(writes().map((w) => w.ifMatch)).toEqual(['"1"', '"2"']);
  });

  it('keeps asking on a removal refused with 412 and says so', async () => {
    const { api } = fakeApi({
      'GET ~/members': { status: 200, body: { items: members.map((m) => ({ ...m, etag: '"1"' })) } },
      'GET ~/invitations': { status: 200, body: { items: [] } },
      'GET ~/members/u-bob': { status: 200, body: { ...members[1], role: 'editor', etag: '"2"' } },
      'DELETE ~/members/u-bob': changed('"2"'),
    });
    render(<MembersScreen api={api} role="admin" me="u-ann" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Remove bob@example.com' }));
    fireEvent.click(screen.getByRole('button', { name: 'Remove' }));
    expect(await screen.findByText(/Changed by someone else since you opened it/)).toBeTruthy();
    await waitFor(() => expect((screen.getByLabelText('Role of bob@example.com') as HTMLSelectElement).value).toBe('editor'));
    expect(screen.getByRole('button', { name: 'Remove' })).toBeTruthy();
  });

  it("withdraws an invitation with its etag; refused with 412 it keeps asking, shows the invitation as it is now and sends the new tag next", async () => {
    const cy = { ...invitations[0]!, etag: '"cy-1"' };
    const { api, writes } = fakeApi({
      'GET ~/members': { status: 200, body: { items: members } },
      'GET ~/invitations': { status: 200, body: { items: [cy] } },
      'GET ~/invitations/cy@example.com': { status: 200, body: { ...cy, role: 'admin', etag: '"cy-2"' } },
      'DELETE ~/invitations/cy@example.com': [changed('"cy-2"'), { status: 204 }],
    });
    render(<MembersScreen api={api} role="admin" me="u-ann" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Withdraw the invitation of cy@example.com' }));
    fireEvent.click(within(screen.getByRole('group', { name: /Confirm/ })).getByRole('button', { name: 'Withdraw' }));
    expect(await screen.findByText(/Changed by someone else since you opened it/)).toBeTruthy();
    const inv = screen.getByRole('table', { name: 'Pending invitations' });
    // someone invited cy again as admin meanwhile: shown, still pending, still asking
    await waitFor(() => expect(within(inv).getByText('admin')).toBeTruthy());
    fireEvent.click(within(screen.getByRole('group', { name: /Confirm/ })).getByRole('button', { name: 'Withdraw' }));
    await waitFor(() => expect(screen.queryByText('cy@example.com')).toBeNull());
    expect(writes().map((w) => [w.method, w.ifMatch])).toEqual([
      ['DELETE', '"cy-1"'],
      ['DELETE', '"cy-2"'],
    ]);
  });

  it("invites a pending address again with its invitation's etag; refused with 412 it keeps what was typed, says so and shows the invitation as it is now", async () => {
    const cy = { ...invitations[0]!, etag: '"cy-1"' };
    const { api, writes } = fakeApi({
      'GET ~/members': { status: 200, body: { items: members } },
      'GET ~/invitations': { status: 200, body: { items: [cy] } },
      'GET ~/invitations/cy@example.com': { status: 200, body: { ...cy, role: 'admin', etag: '"cy-2"' } },
      'POST ~/invitations': [
        changed('"cy-2"'),
        { status: 201, body: { ...cy, role: 'viewer', etag: '"cy-3"' } },
        { status: 201, body: { email: 'dee@example.com', role: 'viewer', created_at: '2026-04-01T00:00:00Z', expires_at: '2026-04-15T00:00:00Z', etag: '"dee-1"' } },
      ],
    });
    render(<MembersScreen api={api} role="admin" me="u-ann" />);
    await screen.findByText('ann@example.com');
    const form = screen.getByRole('form', { name: 'Invite' });
    const email = within(form).getByLabelText('E-mail') as HTMLInputElement;
    const role = within(form).getByLabelText('Role') as HTMLSelectElement;
    fireEvent.change(email, { target: { value: 'Cy@example.com' } });
    fireEvent.change(role, { target: { value: 'viewer' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    expect(await within(form).findByText(/Changed by someone else since you opened it/)).toBeTruthy();
    expect(email.value).toBe('Cy@example.com');
    expect(role.value).toBe('viewer');
    const inv = screen.getByRole('table', { name: 'Pending invitations' });
    await waitFor(() => expect(within(inv).getByText('admin')).toBeTruthy());
    fireEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    await waitFor(() => expect(within(inv).getByText('viewer')).toBeTruthy());
    expect(email.value).toBe('');
    // an address with no pending invitation: no If-Match
    fireEvent.change(email, { target: { value: 'dee@example.com' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Invite' }));
    expect(await within(inv).findByText('dee@example.com')).toBeTruthy();
    expect(writes().map((w) => w.ifMatch)).toEqual(['"cy-1"', '"cy-2"', null]);
  });
});
