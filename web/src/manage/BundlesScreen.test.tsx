// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Bundle, Flow } from '../api/types';
import { BundlesScreen, bundleFileName, parseBundle } from './BundlesScreen';
import { fakeApi, invalid } from './testkit';

afterEach(cleanup);

const flow = (id: string, name: string, kind: Flow['kind'] = 'route'): Flow => ({ id, project: 'P1', kind, name, run_saving: 'all', retention: 30, latest_version: 0, created_at: '', updated_at: '' });
const flows = [flow('F1', 'Orders'), flow('F2', 'Nightly report', 'schedule'), flow('F3', 'Helpers', 'blueprint')];
const bundle: Bundle = {
  format: 'polysynergy/bundle@1',
  project: 'Shop',
  flows: [
    { name: 'Orders', kind: 'route', document: { schema: 'x', nodes: [], connections: [] } },
    { name: 'Refunds', kind: 'route', document: { schema: 'x', nodes: [], connections: [] } },
    { name: 'Helpers', kind: 'blueprint', document: { schema: 'x', nodes: [], connections: [] } },
  ],
};
const preview = {
  items: [
    { index: 0, name: 'Orders', kind: 'route', conflict: flows[0], suggested_name: 'Orders 2' },
    { index: 1, name: 'Refunds', kind: 'route' },
    { index: 2, name: 'Helpers', kind: 'blueprint', conflict: flows[2], suggested_name: 'Helpers 2' },
  ],
};

function readBlob(b: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(String(r.result));
    r.onerror = () => reject(r.error);
    r.readAsText(b);
  });
}

describe('bundle files', () => {
  it.each([
    ['{', 'not JSON'],
    ['[]', 'expected a JSON object'],
    ['{"format":"other","flows":[]}', 'not a PolySynergy bundle'],
    ['{"format":"polysynergy/bundle@1"}', 'no flows list'],
    ['{"format":"polysynergy/bundle@1","flows":[]}', 'has no flows'],
  ])('%s is refused', (text, want) => {
    const r = parseBundle(text);
    expect('error' in r && r.error).toContain(want);
  });
  it('reads a bundle', () => expect(parseBundle(JSON.stringify(bundle))).toEqual({ bundle }));
  it('names the download after the project and the day', () => expect(bundleFileName('My Shop!', new Date('2026-11-27T20:00:00Z'))).toBe('my-shop-flows-2026-11-27.json'));
});

describe('BundlesScreen export', () => {
  it('lists every flow of the project, page after page', async () => {
    const { api, calls } = fakeApi({
      'GET /flows': (c) =>
        c.query.get('cursor') === 'p2' ? { status: 200, body: { items: [flow('F201', 'Far away')] } } : { status: 200, body: { items: flows, next_cursor: 'p2' } },
    });
    render(<BundlesScreen api={api} project="P1" role="viewer" />);
    expect(await screen.findByLabelText(/Far away/)).toBeTruthy();
    expect(screen.getByLabelText(/Orders/)).toBeTruthy();
    expect(calls.filter((c) => c.path === '/flows').map((c) => c.query.get('cursor'))).toEqual([null, 'p2']);
  });

  let blobs: Blob[];
  let clicked: string[];
  beforeEach(() => {
    blobs = [];
    clicked = [];
    Object.assign(URL, { createObjectURL: (b: Blob) => (blobs.push(b), 'blob:x'), revokeObjectURL: () => {} });
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
  });

  it('exports all flows or the chosen ones as a JSON download', async () => {
    const { api, calls } = fakeApi({ 'GET /flows': { status: 200, body: { items: flows } }, 'GET /export': { status: 200, body: bundle } });
    render(<BundlesScreen api={api} project="P1" role="viewer" />);
    fireEvent.click(await screen.findByRole('button', { name: 'Export all' }));
    expect(await screen.findByText('Exported 3 flows.')).toBeTruthy();
    expect(calls.find((c) => c.path === '/export')!.query.has('flow')).toBe(false);
    expect(clicked).toEqual([expect.stringMatching(/^shop-flows-\d{4}-\d\d-\d\d\.json$/)]);
    expect(JSON.parse(await readBlob(blobs[0]!))).toEqual(bundle);

    expect((screen.getByRole('button', { name: 'Export selected (0)' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByLabelText(/Orders/));
    fireEvent.click(screen.getByLabelText(/Helpers/));
    fireEvent.click(screen.getByRole('button', { name: 'Export selected (2)' }));
    await waitFor(() => expect(calls.filter((c) => c.path === '/export')).toHaveLength(2));
    expect(calls.filter((c) => c.path === '/export')[1]!.query.get('flow')).toBe('F1,F3');
    // viewers export but do not import
    expect(screen.queryByRole('region', { name: 'Import' })).toBeNull();
    expect(screen.getByRole('note').textContent).toContain('Only editors and admins can import.');
  });
});

function upload(text: string) {
  const input = screen.getByLabelText('Bundle file (.json)') as HTMLInputElement;
  const file = new File([text], 'bundle.json', { type: 'application/json' });
  // jsdom's File has no text(); browsers do
  Object.defineProperty(file, 'text', { value: async () => text });
  fireEvent.change(input, { target: { files: [file] } });
}

describe('BundlesScreen import', () => {
  it('previews conflicts, applies the choices per flow and shows the result', async () => {
    const onImported = vi.fn();
    const { api, writes } = fakeApi({
      'GET /flows': { status: 200, body: { items: flows } },
      'POST /import/preview': { status: 200, body: preview },
      'POST /import': {
        status: 200,
        body: {
          items: [
            { index: 0, action: 'rename', flow: 'F9', name: 'Orders v2' },
            { index: 1, action: 'create', flow: 'F8', name: 'Refunds' },
            { index: 2, action: 'skip', name: 'Helpers' },
          ],
        },
      },
    });
    render(<BundlesScreen api={api} project="P1" role="editor" onImported={onImported} />);
    await screen.findByRole('button', { name: 'Export all' });
    upload(JSON.stringify(bundle));
    const table = await screen.findByRole('table', { name: 'Import preview' });
    expect(screen.getByText('3 flows in the bundle; 2 collide by name.')).toBeTruthy();
    expect(writes()[0]).toMatchObject({ method: 'POST', path: '/import/preview', body: { bundle } });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(within(rows[1]!).getAllByRole('cell')[3]!.textContent).toBe('Create');
    expect(within(rows[0]!).getAllByRole('cell')[2]!.textContent).toContain('Taken by the route “Orders”');

    fireEvent.change(screen.getByLabelText('What to do with Orders'), { target: { value: 'rename' } });
    const name = screen.getByLabelText('New name for Orders') as HTMLInputElement;
    expect(name.value).toBe('Orders 2');
    fireEvent.change(name, { target: { value: '' } });
    expect((screen.getByRole('button', { name: 'Import' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(name, { target: { value: 'Orders v2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));

    const result = await screen.findByRole('table', { name: 'Import result' });
    expect(writes()[1]).toMatchObject({
      method: 'POST',
      path: '/import',
      body: {
        bundle,
        items: [
          { index: 0, action: 'rename', name: 'Orders v2' },
          { index: 1, action: 'create' },
          { index: 2, action: 'skip' },
        ],
      },
    });
    expect(screen.getByText('Import done: 2 imported, 1 skipped.')).toBeTruthy();
    expect(within(result).getByRole('link', { name: 'Orders v2' }).getAttribute('href')).toBe('/p/P1/f/F9');
    expect(onImported).toHaveBeenCalledTimes(1);
  });

  it('refuses a file that is not a bundle without asking the API', async () => {
    const { api, writes } = fakeApi({ 'GET /flows': { status: 200, body: { items: [] } } });
    render(<BundlesScreen api={api} project="P1" role="admin" />);
    expect(await screen.findByText('This project has no flows to export.')).toBeTruthy();
    upload('{"hello": 1}');
    expect((await screen.findByRole('alert')).textContent).toContain('not a PolySynergy bundle');
    expect(writes()).toHaveLength(0);
  });

  it('lists the fields the API refuses in the bundle', async () => {
    const { api } = fakeApi({
      'GET /flows': { status: 200, body: { items: [] } },
      'POST /import/preview': invalid('bundle.flows[1].kind: bad', [{ location: 'body.bundle.flows[1].kind', message: 'expected one of route, schedule, blueprint, service' }]),
    });
    render(<BundlesScreen api={api} project="P1" role="admin" />);
    await screen.findByText('This project has no flows to export.');
    upload(JSON.stringify(bundle));
    expect((await screen.findByRole('alert')).textContent).toBe('bundle.flows[1].kind: expected one of route, schedule, blueprint, service');
    expect(screen.queryByRole('table', { name: 'Import preview' })).toBeNull();
  });
});
