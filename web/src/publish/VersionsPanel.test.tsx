// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FlowDiff, Version } from '../api/types';
import { SCHEMA } from '../model/flow';
import type { DiffView } from './diff';
import { type Handler, mockApi } from './testing';
import { type DraftControl, VersionsPanel } from './VersionsPanel';

// the canvas itself needs a browser layout; here it lists what it would draw
vi.mock('./DiffCanvas', () => ({
  DiffCanvas: ({ view, label }: { view: DiffView; label: string }) => (
    <ul aria-label={label}>
      {view.nodes.map((n) => (
        <li key={n.id} data-status={n.status}>
          {n.handle}
        </li>
      ))}
    </ul>
  ),
}));

afterEach(cleanup);

const BASE = '/tenants/t1/projects/p1/flows/f1';
const versions: Version[] = [
  { number: 2, hash: 'abcdef0123456789', author: 'ann@example.com', message: 'add reply', created_at: '2026-11-02T10:00:00Z' },
  { number: 1, hash: '0123456789abcdef', author: 'bob@example.com', created_at: '2026-11-01T10:00:00Z' },
];
const doc = (ids: string[]) => ({ schema: SCHEMA, nodes: ids.map((id, i) => ({ id, handle: id, type: 't.x', position: { x: i * 100, y: 0 } })), connections: [] });
const diff: FlowDiff = {
  from: '2',
  to: 'draft',
  same: false,
  nodes: { added: [{ id: 'c', handle: 'c', type: 't.x' }], removed: [{ id: 'b', handle: 'b', type: 't.x' }], changed: [{ id: 'a', handle: 'a', type: 't.x', fields: ['values.url'] }] },
  connections: { added: [], removed: [], changed: [] },
};

function control(over: Partial<DraftControl> = {}): DraftControl & { log: string[] } {
  const log: string[] = [];
  let dirty = true;
  return {
    log,
    dirty: () => dirty,
    save: async () => {
      log.push('save');
      dirty = false;
      return { ok: true };
    },
    revision: () => 7,
    reload: async () => void log.push('reload'),
    ...over,
  };
}

function setup(draft: DraftControl, extra: Handler[] = []) {
  const m = mockApi([
    ...extra,
    ['GET', new RegExp(`^${BASE}/versions$`), { body: { items: versions } }],
    ['GET', new RegExp(`^${BASE}/versions/2$`), { body: { ...versions[0], document: doc(['a', 'b']) } }],
    ['GET', new RegExp(`^${BASE}$`), { body: { id: 'f1', project: 'p1', kind: 'route', name: 'F', draft: { document: doc(['a', 'c']), revision: 8 } } }],
    ['GET', new RegExp(`^${BASE}/diff$`), { body: diff }],
    ['POST', new RegExp(`^${BASE}/versions/2/restore$`), { body: { revision: 8 } }],
  ]);
  render(<VersionsPanel api={m.api} project="p1" flow="f1" draft={draft} />);
  return m;
}

describe('VersionsPanel', () => {
  it('lists versions with number, hash, author and message', async () => {
    setup(control());
    const list = await screen.findByTestId('versions-list');
    const items = within(list).getAllByRole('listitem');
    expect(items).toHaveLength(2);
    expect(items[0]!.textContent).toContain('v2');
    expect(items[0]!.textContent).toContain('abcdef01');
    expect(items[0]!.textContent).toContain('by ann@example.com');
    expect(items[0]!.textContent).toContain('add reply');
    expect(within(items[1]!).getByRole('button', { name: 'Restore version 1' })).toBeTruthy();
  });

  it('restores after saving unsaved edits first, then reloads the draft', async () => {
    const d = control();
    const { calls } = setup(d);
    fireEvent.click(await screen.findByRole('button', { name: 'Restore version 2' }));
    const dialog = screen.getByRole('dialog', { name: 'Restore version 2?' });
    expect(dialog.textContent).toContain('Your unsaved edits are saved first');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
    fireEvent.click(screen.getByTestId('confirm-restore'));
    expect(await screen.findByText(/Restored version 2 into the draft \(revision 8\)/)).toBeTruthy();
    expect(d.log).toEqual(['save', 'reload']);
    const post = calls.find((c) => c.method === 'POST');
    expect(post?.path).toBe(`${BASE}/versions/2/restore`);
    expect(post?.body).toEqual({ revision: 7 });
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('restores nothing when the edits cannot be saved', async () => {
    const d = control({ save: async () => ({ ok: false, reason: 'changed elsewhere' }) });
    const { calls } = setup(d);
    fireEvent.click(await screen.findByRole('button', { name: 'Restore version 2' }));
    fireEvent.click(screen.getByTestId('confirm-restore'));
    expect((await screen.findByRole('alert')).textContent).toBe('Your edits could not be saved first (changed elsewhere), so nothing was restored.');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);
  });

  it('shows the diff of a version and the draft on the canvas and as a list', async () => {
    const { calls } = setup(control());
    fireEvent.click(await screen.findByRole('button', { name: 'Compare version 2 with the draft' }));
    const canvas = await screen.findByRole('list', { name: 'Changes on the canvas' });
    const status = Object.fromEntries(within(canvas).getAllByRole('listitem').map((li) => [li.textContent, li.getAttribute('data-status')]));
    expect(status).toEqual({ a: 'changed', c: 'added', b: 'removed' });
    const d = calls.find((c) => c.path === `${BASE}/diff`);
    expect(d?.query.get('from')).toBe('2');
    expect(d?.query.get('to')).toBe('draft');
    const changes = screen.getByTestId('diff-list');
    expect(within(changes).getAllByRole('listitem').map((l) => l.textContent)).toEqual(['added node c t.x', 'removed node b t.x', 'changed node a: values.url']);
  });

  it('says a failed Save as version as an error, not as news, and refuses a message longer than the API takes on the field', async () => {
    const { calls } = setup(control(), [['POST', new RegExp(`^${BASE}/versions$`), { status: 500, body: { title: 'Internal Server Error', status: 500, detail: 'store down' } }]]);
    const message = await screen.findByLabelText('Version message');
    fireEvent.change(message, { target: { value: 'x'.repeat(1001) } });
    expect(message.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(message.getAttribute('aria-describedby')!)?.textContent).toBe('The message is too long: at most 1,000 characters (this one has 1,001).');
    fireEvent.click(screen.getByRole('button', { name: 'Save as version' }));
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.change(message, { target: { value: 'fine' } });
    expect(message.getAttribute('aria-invalid')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Save as version' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Not saved as a version: store down');
    expect(screen.getByRole('status').textContent).toBe('');
  });

  it('loads older versions once per press, and hands the keyboard to the first one loaded when the button goes', async () => {
    const older: Version[] = [{ number: 0, hash: 'ffff0000ffff0000', author: 'cy@example.com', created_at: '2026-10-01T10:00:00Z' }];
    let pages = 0;
    const m = mockApi([
      ['GET', new RegExp(`^${BASE}/versions$`), (c) => (c.query.get('cursor') ? (pages++, { body: { items: older } }) : { body: { items: versions, next_cursor: 'c1' } })],
    ]);
    render(<VersionsPanel api={m.api} project="p1" flow="f1" draft={control()} />);
    const button = await screen.findByRole('button', { name: 'Older versions' });
    button.focus();
    fireEvent.click(button);
    fireEvent.click(button);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'View version 0' })));
    expect(pages).toBe(1);
    expect(within(screen.getByTestId('versions-list')).getAllByRole('listitem')).toHaveLength(3);
  });

  it('says when there are no versions yet', async () => {
    const m = mockApi([['GET', new RegExp(`^${BASE}/versions$`), { body: { items: [] } }]]);
    render(<VersionsPanel api={m.api} project="p1" flow="f1" draft={control()} />);
    expect((await screen.findByTestId('versions-empty')).textContent).toContain('No versions yet');
  });
});
