// @vitest-environment jsdom
// Naming people by the id the API recorded: the workspace's members list gives their email.
import { cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { memberNames } from './members';
import { PublishMatrixScreen } from './PublishMatrix';
import { type Handler, mockApi } from './testing';
import { type DraftControl, VersionsPanel } from './VersionsPanel';

afterEach(cleanup);

const MEMBERS = /^\/tenants\/t1\/members$/;
const members: Handler = [
  'GET',
  MEMBERS,
  (c) =>
    c.query.get('cursor') === 'n2'
      ? { body: { items: [{ sub: '01m8k08bhszz63f03d5mf909w1', email: 'ann@example.com', role: 'editor', since: '' }] } }
      : { body: { items: [{ sub: 'u2', email: 'bob@example.com', role: 'admin', since: '' }, { sub: 'u3', role: 'viewer', since: '' }], next_cursor: 'n2' } },
];

describe('member names', () => {
  it('maps ids to emails over every page, read once per client', async () => {
    const { api, calls } = mockApi([members]);
    const [a, b] = await Promise.all([memberNames(api), memberNames(api)]);
    expect(a).toBe(b);
    expect(Object.fromEntries(a)).toEqual({ '01m8k08bhszz63f03d5mf909w1': 'ann@example.com', u2: 'bob@example.com' });
    expect(calls.filter((c) => MEMBERS.test(c.path))).toHaveLength(2);
  });

  it('is empty when the list cannot be read (ids show as they are), and tries again later', async () => {
    const { api, calls } = mockApi([['GET', MEMBERS, { status: 403, body: { title: 'Forbidden', status: 403 } }]]);
    expect((await memberNames(api)).size).toBe(0);
    await memberNames(api);
    expect(calls.filter((c) => MEMBERS.test(c.path))).toHaveLength(2);
  });
});

const draft: DraftControl = { dirty: () => false, save: async () => ({ ok: true }), revision: () => 1, reload: async () => undefined };

describe('who published or wrote a version', () => {
  it("the versions list names the author by email, the id when the list does not know them", async () => {
    const { api } = mockApi([
      members,
      [
        'GET',
        /^\/tenants\/t1\/projects\/p1\/flows\/f1\/versions$/,
        {
          body: {
            items: [
              { number: 2, hash: 'abcdef0123456789', author: '01m8k08bhszz63f03d5mf909w1', created_at: '2026-11-02T10:00:00Z' },
              { number: 1, hash: '0123456789abcdef', author: 'gone-user', created_at: '2026-11-01T10:00:00Z' },
            ],
          },
        },
      ],
    ]);
    render(<VersionsPanel api={api} project="p1" flow="f1" draft={draft} />);
    const list = await screen.findByRole('list', { name: /versions/i });
    await waitFor(() => expect(within(list).getAllByRole('listitem')[0]!.textContent).toContain('by ann@example.com'));
    expect(within(list).getAllByRole('listitem')[0]!.textContent).not.toContain('01m8k08bhszz63f03d5mf909w1');
    expect(within(list).getAllByRole('listitem')[1]!.textContent).toContain('by gone-user');
  });

  it('the publish matrix names the publisher by email', async () => {
    const { api } = mockApi([
      members,
      [
        'GET',
        /\/publish-matrix$/,
        { body: { stages: ['dev'], flows: [{ flow: 'f1', name: 'Orders', kind: 'route', latest_version: 3, draft_changed: false, stages: { dev: { version: 3, by: '01m8k08bhszz63f03d5mf909w1', published_at: '2026-11-01T10:00:00Z', draft_differs: false } } }] } },
      ],
    ]);
    render(<PublishMatrixScreen api={api} project="p1" flowHref={(f) => `/p/p1/f/${f}`} />);
    const cell = await screen.findByTestId('matrix-cell-f1-dev');
    await waitFor(() => expect(cell.querySelector('[title]')!.getAttribute('title')).toMatch(/by ann@example\.com$/));
  });
});
