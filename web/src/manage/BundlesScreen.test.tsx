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

describe('BundlesScreen import: names unique in the project', () => {
  // a bundle from before names were unique: Report twice; Orders is the project's too
  const twice: Bundle = {
    format: 'polysynergy/bundle@1',
    flows: [
      { name: 'Report', kind: 'route', document: { schema: 'x', nodes: [], connections: [] } },
      { name: 'report ', kind: 'route', document: { schema: 'x', nodes: [], connections: [] } },
      { name: 'Orders', kind: 'route', document: { schema: 'x', nodes: [], connections: [] } },
      { name: 'Refunds', kind: 'route', document: { schema: 'x', nodes: [], connections: [] } },
    ],
  };
  const twicePreview = {
    items: [
      { index: 0, name: 'Report', kind: 'route' },
      { index: 1, name: 'report ', kind: 'route', same_name_as: 0, suggested_name: 'report (2)' },
      { index: 2, name: 'Orders', kind: 'route', conflict: flows[0], suggested_name: 'Orders (2)' },
      { index: 3, name: 'Refunds', kind: 'route' },
    ],
  };
  const done = { items: [{ index: 0, action: 'create', flow: 'F9', name: 'Report' }] };

  async function openTwice(importAnswer: Parameters<typeof fakeApi>[0][string] = { status: 200, body: done }) {
    const onImported = vi.fn();
    const fake = fakeApi({
      'GET /flows': { status: 200, body: { items: flows } },
      'POST /import/preview': { status: 200, body: twicePreview },
      'POST /import': importAnswer,
    });
    render(<BundlesScreen api={fake.api} project="P1" role="editor" onImported={onImported} />);
    await screen.findByRole('button', { name: 'Export all' });
    upload(JSON.stringify(twice));
    await screen.findByRole('table', { name: 'Import preview' });
    return { ...fake, onImported };
  }
  const importButton = () => screen.getByRole('button', { name: 'Import' }) as HTMLButtonElement;
  const problem = (index: number) => screen.queryByTestId(`import-problem-${index}`)?.textContent ?? null;

  it('offers rename (the suggested name) or skip for a flow the bundle has twice, and counts both kinds of collision', async () => {
    const { writes, onImported } = await openTwice();
    expect(screen.getByText("4 flows in the bundle; 2 collide by name (1 with this project's flows, 1 with another flow of the bundle).")).toBeTruthy();
    const row = screen.getByTestId('import-item-1');
    expect(within(row).getAllByRole('cell')[2]!.textContent).toBe('Same name as flow 1 of the bundle (“Report”)');
    // two flows of one name are told apart by their place in the bundle
    const what = screen.getByLabelText('What to do with report (flow 2)') as HTMLSelectElement;
    expect(what.value).toBe('rename');
    expect([...what.options].map((o) => o.textContent)).toEqual(['Import as…', 'Skip']);
    expect((screen.getByLabelText('New name for report (flow 2)') as HTMLInputElement).value).toBe('report (2)');
    // the first of the two is created as it is; a flow the project has still offers overwrite
    expect(within(screen.getByTestId('import-item-0')).getAllByRole('cell')[3]!.textContent).toBe('Create');
    const orders = screen.getByLabelText('What to do with Orders') as HTMLSelectElement;
    expect(orders.value).toBe('skip');
    expect([...orders.options].map((o) => o.value)).toEqual(['skip', 'rename', 'overwrite']);
    expect(importButton().disabled).toBe(false);

    fireEvent.click(importButton());
    await screen.findByRole('table', { name: 'Import result' });
    expect(writes()[1]!.body).toMatchObject({
      items: [
        { index: 0, action: 'create' },
        { index: 1, action: 'rename', name: 'report (2)' },
        { index: 2, action: 'skip' },
        { index: 3, action: 'create' },
      ],
    });
    expect(onImported).toHaveBeenCalledTimes(1);
  });

  it('checks new names before importing: not empty, not a project flow, not another flow of the bundle (trimmed, ignoring case)', async () => {
    const { writes } = await openTwice();
    const name = screen.getByLabelText('New name for report (flow 2)') as HTMLInputElement;
    const set = (v: string) => fireEvent.change(name, { target: { value: v } });

    set('   ');
    expect(problem(1)).toBe('Give it a name.');
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(name.getAttribute('aria-describedby')).toBe(screen.getByTestId('import-problem-1').id);
    expect(importButton().disabled).toBe(true);
    expect(screen.getByText('Fix the new names marked above to import.')).toBeTruthy();

    set(' nightly REPORT ');
    expect(problem(1)).toBe('This project has a flow named “Nightly report” (names ignore case).');
    expect(importButton().disabled).toBe(true);

    set('REPORT');
    expect(problem(1)).toBe('Flow 1 of the bundle (“Report”) is imported under this name too.');
    set('refunds');
    expect(problem(1)).toBe('Flow 4 of the bundle (“Refunds”) is imported under this name too.');

    // two new names that are one: both are marked
    set('Weekly');
    expect(problem(1)).toBeNull();
    expect(name.getAttribute('aria-invalid')).toBe('false');
    fireEvent.change(screen.getByLabelText('What to do with Orders'), { target: { value: 'rename' } });
    fireEvent.change(screen.getByLabelText('New name for Orders'), { target: { value: ' weekly' } });
    expect(problem(1)).toBe('Flow 3 of the bundle (“Orders”) is imported under this name too.');
    expect(problem(2)).toBe('Flow 2 of the bundle (“report”) is imported under this name too.');
    expect(importButton().disabled).toBe(true);

    // skipping one frees the name for the other; a skipped flow's name is free too
    fireEvent.change(screen.getByLabelText('What to do with report (flow 2)'), { target: { value: 'skip' } });
    expect(problem(1)).toBeNull();
    expect(problem(2)).toBeNull();
    expect(importButton().disabled).toBe(false);
    fireEvent.change(screen.getByLabelText('New name for Orders'), { target: { value: 'Orders' } });
    expect(problem(2)).toBe('This project has a flow named “Orders” (names ignore case).');
    fireEvent.change(screen.getByLabelText('New name for Orders'), { target: { value: 'Orders, again' } });
    expect(importButton().disabled).toBe(false);
    expect(writes()).toHaveLength(1); // only the preview
  });

  it('puts what a 422 from the import names at that flow: a taken new name at its input', async () => {
    const { writes } = await openTwice([
      invalid('2 invalid field(s)', [
        { location: 'body.items[1].name', message: 'flow "Weekly" (F7) has this name too' },
        { location: 'body.bundle.flows[3].name', message: 'flow "Refunds" (F8) has this name; choose skip, rename or overwrite' },
        { location: 'body.items[9].index', message: 'the bundle has 4 flows' },
      ]),
      { status: 200, body: done },
    ]);
    const name = screen.getByLabelText('New name for report (flow 2)') as HTMLInputElement;
    fireEvent.change(name, { target: { value: 'Weekly' } });
    fireEvent.click(importButton());

    await waitFor(() => expect(problem(1)).toBe('flow "Weekly" (F7) has this name too'));
    expect(name.getAttribute('aria-invalid')).toBe('true');
    expect(name.getAttribute('aria-describedby')).toBe(screen.getByTestId('import-problem-1').id);
    expect(problem(3)).toBe('flow "Refunds" (F8) has this name; choose skip, rename or overwrite');
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Nothing was imported: 2 flows need another choice, marked below.');
    expect(alert.textContent).toContain('items[9].index: the bundle has 4 flows');
    expect(screen.queryByRole('table', { name: 'Import result' })).toBeNull();
    // the API's word stays until the name changes; it does not block another try
    expect(importButton().disabled).toBe(false);
    fireEvent.change(name, { target: { value: 'Weekly 2' } });
    expect(problem(1)).toBeNull();
    expect(name.getAttribute('aria-invalid')).toBe('false');
    expect(problem(3)).not.toBeNull();

    fireEvent.click(importButton());
    await screen.findByRole('table', { name: 'Import result' });
    expect(writes()[2]!.body).toMatchObject({ items: [{ index: 0 }, { index: 1, action: 'rename', name: 'Weekly 2' }, { index: 2 }, { index: 3 }] });
    expect(screen.queryByRole('alert')).toBeNull();
  });
});

describe('BundlesScreen import: routes the import refuses (409 route-taken)', () => {
  const doc = { schema: 'x', nodes: [], connections: [] };
  const get = (path: string) => ({ method: 'GET' as const, segments: [{ kind: 'static' as const, value: path }] });
  const importButton = () => screen.getByRole('button', { name: 'Import' }) as HTMLButtonElement;
  const problem = (index: number) => screen.queryByTestId(`import-problem-${index}`)?.textContent ?? null;
  const blocked = () => screen.queryByTestId('import-route-blocked')?.textContent ?? null;
  const place = (index: number) => within(screen.getByTestId(`import-item-${index}`)).getAllByRole('cell')[2]!.textContent;
  const what = (name: string) => screen.getByLabelText(`What to do with ${name}`) as HTMLSelectElement;
  const choose = (name: string, value: string) => fireEvent.change(what(name), { target: { value } });

  async function open(b: Bundle, items: unknown[], importAnswer: Parameters<typeof fakeApi>[0][string] = { status: 200, body: { items: [] } }) {
    const fake = fakeApi({
      'GET /flows': { status: 200, body: { items: flows } },
      'POST /import/preview': { status: 200, body: { items } },
      'POST /import': importAnswer,
    });
    render(<BundlesScreen api={fake.api} project="P1" role="editor" />);
    await screen.findByRole('button', { name: 'Export all' });
    upload(JSON.stringify(b));
    await screen.findByRole('table', { name: 'Import preview' });
    return fake;
  }

  it('route_taken_by: says the import would be refused and blocks Import until the flow is skipped, overwrites, or the route is freed', async () => {
    const legacy = flow('F4', 'Old refunds');
    const shop = flow('F5', 'Shop orders');
    const b: Bundle = {
      format: 'polysynergy/bundle@1',
      flows: [
        { name: 'Refunds', kind: 'route', document: doc, route: get('refunds') },
        { name: 'Orders', kind: 'route', document: doc },
        { name: 'Shop orders', kind: 'route', document: doc, route: get('shop') },
      ],
    };
    const { writes } = await open(b, [
      { index: 0, name: 'Refunds', kind: 'route', route_taken_by: legacy },
      { index: 1, name: 'Orders', kind: 'route', conflict: flows[0], suggested_name: 'Orders (2)', route_taken_by: shop },
      { index: 2, name: 'Shop orders', kind: 'route', conflict: shop, suggested_name: 'Shop orders (2)' },
    ]);
    expect(screen.getByText('3 flows in the bundle; 2 collide by name; 2 by route.')).toBeTruthy();
    expect(place(0)).toBe('Route GET /refunds is taken by the route flow “Old refunds”');
    expect(place(1)).toBe('Taken by the route “Orders”Its route is taken by the route flow “Shop orders”');

    // a flow that collides only by route gets a choice: created (refused) or skipped
    expect(what('Refunds').value).toBe('create');
    expect([...what('Refunds').options].map((o) => o.value)).toEqual(['create', 'skip']);
    expect(problem(0)).toBe(
      'The import would be refused: route GET /refunds is taken by the route flow “Old refunds”. Skip it, or change the route in the file or of “Old refunds” and open the file again (importing under another name keeps the route).',
    );
    expect(what('Refunds').getAttribute('aria-describedby')).toBe(screen.getByTestId('import-problem-0').id);
    expect(importButton().disabled).toBe(true);
    expect(blocked()).toBe('The import would be refused (route taken): skip the flow marked above, or change the routes.');

    choose('Refunds', 'skip');
    expect(problem(0)).toBeNull();
    expect(blocked()).toBeNull();
    expect(importButton().disabled).toBe(false);

    // a skipped flow (the default for a taken name) is no problem; importing it under another name keeps its route
    expect(problem(1)).toBeNull();
    choose('Orders', 'rename');
    expect(problem(1)).toBe(
      'The import would be refused: its route is taken by the route flow “Shop orders”. Skip it, or overwrite “Orders” (it keeps its route), or change the route in the file or of “Shop orders” and open the file again (importing under another name keeps the route).',
    );
    expect(importButton().disabled).toBe(true);
    // overwriting the flow that has the route, with a route of its own, frees it
    choose('Shop orders', 'overwrite');
    expect(problem(1)).toBeNull();
    expect(importButton().disabled).toBe(false);
    choose('Shop orders', 'skip');
    expect(problem(1)).not.toBeNull();
    // an overwrite without a route in the file keeps the overwritten flow's route
    choose('Orders', 'overwrite');
    expect(problem(1)).toBeNull();
    expect(importButton().disabled).toBe(false);

    fireEvent.click(importButton());
    await screen.findByRole('table', { name: 'Import result' });
    expect(writes()[1]!.body).toMatchObject({
      items: [
        { index: 0, action: 'skip' },
        { index: 1, action: 'overwrite' },
        { index: 2, action: 'skip' },
      ],
    });
  });

  it('same_route_as: marks both flows, renaming does not help, skipping one does', async () => {
    const b: Bundle = {
      format: 'polysynergy/bundle@1',
      flows: [
        { name: 'Report', kind: 'route', document: doc },
        { name: 'report ', kind: 'route', document: doc },
        { name: 'Report copy', kind: 'route', document: doc, route: get('report') },
        { name: 'Helpers 2', kind: 'blueprint', document: doc },
      ],
    };
    const { writes } = await open(b, [
      { index: 0, name: 'Report', kind: 'route' },
      { index: 1, name: 'report ', kind: 'route', same_name_as: 0, suggested_name: 'report (2)', same_route_as: 0 },
      { index: 2, name: 'Report copy', kind: 'route', same_route_as: 0 },
      { index: 3, name: 'Helpers 2', kind: 'blueprint' },
    ]);
    expect(screen.getByText('4 flows in the bundle; 1 collides by name (1 with another flow of the bundle); 3 by route.')).toBeTruthy();
    expect(place(2)).toBe('Same route as flow 1 of the bundle (“Report”), flow 2 of the bundle (“report”)');
    expect(place(0)).toBe('Same route as flow 2 of the bundle (“report”), flow 3 of the bundle (“Report copy”)');
    expect(place(1)).toBe('Same name as flow 1 of the bundle (“Report”)Same route as flow 1 of the bundle (“Report”), flow 3 of the bundle (“Report copy”)');
    expect(place(3)).toBe('new');
    expect(within(screen.getByTestId('import-item-3')).getAllByRole('cell')[3]!.textContent).toBe('Create');

    // the name twice is imported under another name by default: its route stays the same
    expect(what('report (flow 2)').value).toBe('rename');
    expect(problem(1)).toBe(
      'The import would be refused: flow 1 (“Report”), flow 3 (“Report copy”) of the bundle have the same route. Skip all but one, or change the route in the file and open the file again (importing under another name keeps the route).',
    );
    expect(problem(0)).toContain('flow 2 (“report”), flow 3 (“Report copy”) of the bundle have the same route');
    expect(blocked()).toBe('The import would be refused (route taken): skip the 3 flows marked above, or change the routes.');
    expect(importButton().disabled).toBe(true);

    choose('Report copy', 'skip');
    expect(problem(2)).toBeNull();
    expect(problem(0)).toBe(
      'The import would be refused: flow 2 (“report”) of the bundle has the same route. Skip it or the other, or change the route in the file and open the file again (importing under another name keeps the route).',
    );
    expect(importButton().disabled).toBe(true);
    choose('report (flow 2)', 'skip');
    expect(problem(0)).toBeNull();
    expect(problem(1)).toBeNull();
    expect(blocked()).toBeNull();
    expect(importButton().disabled).toBe(false);

    fireEvent.click(importButton());
    await screen.findByRole('table', { name: 'Import result' });
    expect(writes()[1]!.body).toMatchObject({
      items: [
        { index: 0, action: 'create' },
        { index: 1, action: 'skip' },
        { index: 2, action: 'skip' },
        { index: 3, action: 'create' },
      ],
    });
  });

  it('puts a 409 route-taken from the import (a route taken since the preview) at its flow', async () => {
    const b: Bundle = { format: 'polysynergy/bundle@1', flows: [{ name: 'Refunds', kind: 'route', document: doc, route: get('refunds') }] };
    await open(b, [{ index: 0, name: 'Refunds', kind: 'route' }], {
      status: 409,
      body: {
        type: 'urn:polysynergy:problem:route-taken',
        title: 'Conflict',
        status: 409,
        detail: 'flow "Old refunds" (F4) already has the route of bundle flow 0',
        errors: [{ location: 'body.bundle.flows[0].route', message: 'taken by flow F4' }],
      },
    });
    expect(importButton().disabled).toBe(false);
    fireEvent.click(importButton());
    await waitFor(() => expect(problem(0)).toBe('taken by flow F4'));
    const alert = screen.getByRole('alert').textContent;
    expect(alert).toContain('Nothing was imported: one flow needs another choice, marked below.');
    expect(alert).toContain('flow "Old refunds" (F4) already has the route of bundle flow 0');
  });
});
