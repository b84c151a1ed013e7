// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { PublishMatrix } from '../api/types';
import { PublishMatrixScreen } from './PublishMatrix';
import { flowInvalid, type Handler, mockApi } from './testing';

afterEach(cleanup);

const matrix = (v: number, differs: boolean): PublishMatrix => ({
  stages: ['dev', 'prod'],
  flows: [
    { flow: 'f1', name: 'Orders', kind: 'route', latest_version: v, draft_changed: differs, stages: { dev: { version: v, by: 'u1', published_at: '2026-11-01T10:00:00Z', draft_differs: differs } } },
    { flow: 'f2', name: 'Nightly', kind: 'schedule', latest_version: 0, draft_changed: true, stages: {} },
    { flow: 'f3', name: 'Template', kind: 'blueprint', latest_version: 0, draft_changed: true, stages: {} },
  ],
});
const MATRIX = /^\/tenants\/t1\/projects\/p1\/publish-matrix$/;

function setup(extra: Handler[], readOnly = false) {
  let published = false;
  const m = mockApi([
    ...extra,
    ['POST', /\/flows\/f1\/publish$/, () => ((published = true), { body: { created: true, publication: { stage: 'prod', version: 4, by: 'u1', published_at: '2026-11-02T00:00:00Z' }, version: { number: 4, hash: 'h', author: 'u1', created_at: '2026-11-02T00:00:00Z' } } })],
    ['GET', MATRIX, () => ({ body: published ? { ...matrix(4, false), flows: [{ ...matrix(4, false).flows[0]!, stages: { ...matrix(4, false).flows[0]!.stages, prod: { version: 4, by: 'u1', published_at: '2026-11-02T00:00:00Z', draft_differs: false } } }, ...matrix(4, false).flows.slice(1)] } : matrix(3, true) })],
  ]);
  render(<PublishMatrixScreen api={m.api} project="p1" flowHref={(f) => `/p/p1/f/${f}`} readOnly={readOnly} />);
  return m;
}

describe('PublishMatrixScreen', () => {
  it('links a project without stages to its Stages settings', async () => {
    setup([['GET', MATRIX, { body: { ...matrix(3, true), stages: [] } }]]);
    const link = await screen.findByRole('link', { name: 'Add a stage' });
    expect(link.getAttribute('href')).toBe('/p/p1/settings/stages');
    expect(link.closest('p')?.textContent).toContain('This project has no stages yet.');
  });

  it("shows a viewer the matrix with its buttons off, and sends nothing", async () => {
    const { calls } = setup([], true);
    const table = await screen.findByTestId('publish-matrix');
    expect(screen.getByRole('note').textContent).toMatch(/^Read only/);
    expect(screen.getByTestId('matrix-cell-f1-dev').textContent).toContain('v3');
    const publish = within(table).getByRole('button', { name: 'Publish Orders to prod' });
    const unpublish = within(table).getByRole('button', { name: 'Unpublish Orders from dev' });
    expect(publish.matches(':disabled')).toBe(true);
    expect(unpublish.matches(':disabled')).toBe(true);
    fireEvent.click(publish);
    fireEvent.click(unpublish);
    expect(screen.queryByRole('button', { name: 'Confirm unpublish Orders from dev' })).toBeNull();
    expect(calls.filter((c) => c.method !== 'GET')).toEqual([]);
    // the flow links still open the flows
    expect(screen.getByRole('link', { name: 'Orders' }).getAttribute('href')).toBe('/p/p1/f/f1');
  });

  it('renders flows × stages with bound versions and draft differs', async () => {
    setup([]);
    const table = await screen.findByTestId('publish-matrix');
    // the flows stages run first (route, schedule), the blueprint (never published) last
    expect(within(table).getAllByRole('rowheader').map((h) => h.querySelector('a')?.textContent)).toEqual(['Orders', 'Nightly', 'Template']);
    expect(within(table).getAllByRole('columnheader').map((h) => h.textContent)).toEqual(['Flow', 'Latest', 'dev', 'prod']);
    const dev = screen.getByTestId('matrix-cell-f1-dev');
    expect(dev.textContent).toContain('v3');
    expect(dev.textContent).toContain('draft differs');
    expect(screen.getByTestId('matrix-cell-f1-prod').textContent).toContain('not published');
    expect(screen.queryByTestId('matrix-cell-f3-dev')).toBeNull();
    expect(screen.getByRole('link', { name: 'Orders' }).getAttribute('href')).toBe('/p/p1/f/f1');
    expect(screen.getByRole('button', { name: 'Unpublish Orders from dev' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Unpublish Orders from prod' })).toBeNull();
  });

  it('publishes the draft to a stage and shows the new binding', async () => {
    const { calls } = setup([]);
    fireEvent.click(await screen.findByRole('button', { name: 'Publish Orders to prod' }));
    expect(await screen.findByText('Published Orders v4 to prod (a new version of the draft).')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ stage: 'prod' });
    expect(screen.getByTestId('matrix-cell-f1-prod').textContent).toContain('v4');
    expect(screen.getByTestId('matrix-cell-f1-prod').textContent).toContain('up to date');
  });

  it('says a publish with warnings went through, and lists them', async () => {
    setup([
      [
        'POST',
        /\/flows\/f2\/publish$/,
        {
          body: {
            created: false,
            publication: { stage: 'dev', version: 1, by: 'u1', published_at: '' },
            version: { number: 1, hash: 'h', author: 'u1', created_at: '' },
            warnings: [{ path: '/nodes/2/values/message', message: 'expression {{ … }} reads "a", which "b" does not wait for', node: 'b', port: 'message' }, { path: '/nodes/0', message: 'w2' }],
          },
        },
      ],
    ]);
    fireEvent.click(await screen.findByRole('button', { name: 'Publish Nightly to dev' }));
    expect(await screen.findByText('Published — 2 warnings: Nightly v1 to dev. Warnings do not stop it; open the flow to see them marked.')).toBeTruthy();
    const list = screen.getByRole('list', { name: 'Warnings' });
    expect(within(list).getAllByRole('listitem').map((l) => l.textContent)).toEqual(['△ b.message: expression {{ … }} reads "a", which "b" does not wait for', '△ /nodes/0: w2']);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('unpublishes after confirming', async () => {
    const { calls } = setup([['DELETE', /\/flows\/f1\/publications\/dev$/, { status: 204 }]]);
    fireEvent.click(await screen.findByRole('button', { name: 'Unpublish Orders from dev' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Confirm unpublish Orders from dev' }));
    expect(await screen.findByText('Unpublished Orders from dev.')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual(['/tenants/t1/projects/p1/flows/f1/publications/dev']);
  });

  it("keeps the keyboard on the cell after Unpublish's Cancel and confirm (their buttons go away)", async () => {
    let gone = false;
    setup([
      ['DELETE', /\/flows\/f1\/publications\/dev$/, () => ((gone = true), { status: 204 })],
      ['GET', MATRIX, () => ({ body: gone ? { ...matrix(3, true), flows: [{ ...matrix(3, true).flows[0]!, stages: {} }, ...matrix(3, true).flows.slice(1)] } : matrix(3, true) })],
    ]);
    fireEvent.click(await screen.findByRole('button', { name: 'Unpublish Orders from dev' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Unpublish Orders from dev' })));
    fireEvent.click(screen.getByRole('button', { name: 'Unpublish Orders from dev' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm unpublish Orders from dev' }));
    expect(await screen.findByText('Unpublished Orders from dev.')).toBeTruthy();
    // not published there any more: the cell's Publish has it
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Publish Orders to dev' })));
  });

  it('lists the problems of a flow that does not validate', async () => {
    setup([
      [
        'POST',
        /\/flows\/f2\/publish$/,
        flowInvalid([
              { location: '/nodes/0/values/url', message: 'required', value: 'fetch' },
              { location: '/', message: 'the flow has no trigger' },
            ]),
      ],
    ]);
    fireEvent.click(await screen.findByRole('button', { name: 'Publish Nightly to dev' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Nightly cannot be published: it has 2 problems.');
    expect(within(alert).getAllByRole('listitem').map((l) => l.textContent)).toEqual(['/nodes/0/values/url: required', 'the flow has no trigger']);
  });

  it("marks a stage that serves an older route of the flow", async () => {
    const m = mockApi([
      [
        'GET',
        MATRIX,
        {
          body: {
            stages: ['dev', 'prod'],
            flows: [
              {
                flow: 'f1',
                name: 'Orders',
                kind: 'route',
                latest_version: 3,
                draft_changed: false,
                stages: { dev: { version: 3, by: 'u1', published_at: '', draft_differs: false }, prod: { version: 3, by: 'u1', published_at: '', draft_differs: false, route_differs: true } },
              },
            ],
          },
        },
      ],
    ]);
    render(<PublishMatrixScreen api={m.api} project="p1" />);
    const prod = await screen.findByTestId('matrix-cell-f1-prod');
    const chip = within(prod).getByText('route changed');
    expect(chip.getAttribute('title')).toBe("The flow's route settings changed since it was published to prod; prod serves the old route until it is published again");
    expect(within(prod).getByRole('button', { name: 'Publish Orders to prod' }).getAttribute('title')).toBe('Publish again to serve the current route on prod');
    expect(within(screen.getByTestId('matrix-cell-f1-dev')).queryByText('route changed')).toBeNull();
  });

  it('shows empty and error states', async () => {
    const m = mockApi([['GET', MATRIX, { body: { stages: ['dev'], flows: [] } }]]);
    render(<PublishMatrixScreen api={m.api} project="p1" />);
    expect(await screen.findByText(/No flows yet/)).toBeTruthy();
    cleanup();
    const e = mockApi([['GET', MATRIX, { status: 403, body: { title: 'Forbidden', status: 403, detail: 'your role does not allow this' } }]]);
    render(<PublishMatrixScreen api={e.api} project="p1" />);
    expect(await screen.findByText('your role does not allow this')).toBeTruthy();
  });
});
