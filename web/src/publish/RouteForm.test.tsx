// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Route } from '../api/types';
import { RouteForm } from './RouteForm';
import { type Call, changed, invalid, mockApi } from './testing';

afterEach(cleanup);

const route: Route = {
  id: 'r1',
  method: 'GET',
  segments: [
    { kind: 'static', value: 'users' },
    { kind: 'variable', name: 'id', type: 'uuid' },
  ],
  require_api_key: false,
  description: '',
  response_mode: 'wait',
  cors_origins: ['https://app.example.com'],
  pattern: '/users/{id:uuid}',
  updated_at: '2026-01-01T00:00:00Z',
};
const PATH = /^\/tenants\/t1\/projects\/p1\/flows\/f1\/route$/;

function setup(put: (c: Call) => { status?: number; body?: unknown }, saved: Route = route) {
  const m = mockApi([
    ['GET', PATH, { body: saved }],
    ['PUT', PATH, put],
  ]);
  render(<RouteForm api={m.api} project="p1" flow="f1" slug="shop" stages={['dev', 'prod']} triggerPattern="http://{project}-{stage}.localhost:8090" published={{ prod: 3 }} />);
  return m;
}

describe('RouteForm', () => {
  it('shows the trigger URL per stage and a curl example', async () => {
    setup(() => ({ body: route }));
    expect(await screen.findByTestId('trigger-url-dev')).toHaveProperty('textContent', 'http://shop-dev.localhost:8090/users/{id}');
    expect(screen.getByTestId('trigger-url-prod').textContent).toBe('http://shop-prod.localhost:8090/users/{id}');
    // it starts on the stage that serves the route (prod), not the first (dev, not published)
    expect(screen.getByTestId('curl-example').textContent).toBe("curl -i 'http://shop-prod.localhost:8090/users/00000000-0000-4000-8000-000000000000'");
    expect((screen.getByLabelText('curl on') as HTMLSelectElement).value).toBe('prod');
    fireEvent.change(screen.getByLabelText('curl on'), { target: { value: 'dev' } });
    expect(screen.getByTestId('curl-example').textContent).toBe("curl -i 'http://shop-dev.localhost:8090/users/00000000-0000-4000-8000-000000000000'");
    expect(screen.getByRole('button', { name: 'Copy the dev URL' })).toBeTruthy();
    expect(screen.getByText('prod · v3')).toBeTruthy();
    expect(screen.getByTestId('curl-samples').textContent).toBe('Sample values in the path: {id} = 00000000-0000-4000-8000-000000000000. Put in your own before running it.');
  });

  it('fills a text variable of the curl example with a labelled sample word, and copies that command', async () => {
    const writeText = vi.fn(() => Promise.resolve());
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    setup(() => ({ body: route }), { ...route, segments: [{ kind: 'static', value: 'hello' }, { kind: 'variable', name: 'name', type: 'string' }] });
    expect(await screen.findByTestId('curl-example')).toHaveProperty('textContent', "curl -i 'http://shop-prod.localhost:8090/hello/ada'");
    expect(screen.getByTestId('curl-samples').textContent).toBe('Sample values in the path: {name} = ada. Put in your own before running it.');
    expect(screen.getByTestId('trigger-url-dev').textContent).toBe('http://shop-dev.localhost:8090/hello/{name}');
    fireEvent.click(screen.getByRole('button', { name: 'Copy the curl example' }));
    expect(writeText).toHaveBeenCalledWith("curl -i 'http://shop-prod.localhost:8090/hello/ada'");
  });

  it('sends the edited route: method, added, reordered and removed segments, key, mode', async () => {
    const { calls } = setup((c) => ({ body: { ...route, ...(c.body as object) } }));
    await screen.findByLabelText('Method');
    fireEvent.change(screen.getByLabelText('Method'), { target: { value: 'POST' } });
    fireEvent.click(screen.getByRole('button', { name: '+ Variable' }));
    fireEvent.change(screen.getByLabelText('Segment 3 name'), { target: { value: 'n' } });
    fireEvent.change(screen.getByLabelText('Segment 3 type'), { target: { value: 'number' } });
    fireEvent.click(screen.getByRole('button', { name: 'Move segment 3 up' }));
    fireEvent.click(screen.getByRole('button', { name: '+ Static' }));
    fireEvent.change(screen.getByLabelText('Segment 4 text'), { target: { value: 'tmp' } });
    fireEvent.click(screen.getByRole('button', { name: 'Remove segment 4' }));
    fireEvent.click(screen.getByLabelText('Require an API key'));
    fireEvent.click(screen.getByLabelText('Answer 202 at once with the run id'));
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'orders' } });
    expect((screen.getByLabelText(/^Browser origins/) as HTMLTextAreaElement).value).toBe('https://app.example.com');
    fireEvent.change(screen.getByLabelText(/^Browser origins/), { target: { value: 'https://app.example.com\n https://admin.example.com \n' } });
    expect(screen.getByTestId('route-pattern').textContent).toBe('POST /users/{n:number}/{id:uuid}');
    fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    await screen.findByText('Saved');
    const put = calls.find((c) => c.method === 'PUT');
    expect(put?.body).toEqual({
      method: 'POST',
      segments: [
        { kind: 'static', value: 'users' },
        { kind: 'variable', name: 'n', type: 'number' },
        { kind: 'variable', name: 'id', type: 'uuid' },
      ],
      require_api_key: true,
      description: 'orders',
      response_mode: 'async',
      cors_origins: ['https://app.example.com', 'https://admin.example.com'],
    });
    expect(screen.getByTestId('curl-example').textContent).toContain('-X POST -H "X-API-Key: $POLYSYNERGY_API_KEY"');
    expect(screen.getByTestId('route-republish-hint').textContent).toContain('publish again to change it there');
  });

  it('puts validation errors on their segment', async () => {
    setup(() => invalid([{ location: 'body.segments[1]', message: 'variable name must match [a-z_][a-z0-9_]*' }]));
    await screen.findByLabelText('Method');
    fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    const msg = await screen.findByText('variable name must match [a-z_][a-z0-9_]*');
    expect(msg.closest('[role=group]')?.getAttribute('aria-label')).toBe('Segment 2');
    expect(screen.getByLabelText('Segment 2 name').className).toContain('invalid');
  });

  it('puts a bad origin on the origins field', async () => {
    setup(() => invalid([{ location: 'body.cors_origins[0]', message: '"app" is not an origin (scheme://host[:port]) or *' }]));
    await screen.findByLabelText('Method');
    fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    expect(await screen.findByText('"app" is not an origin (scheme://host[:port]) or *')).toBeTruthy();
    expect(screen.getByLabelText(/^Browser origins/).className).toContain('invalid');
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("ties each error the API names to its field for a screen reader (aria-invalid, aria-describedby), as the other forms do", async () => {
    setup(() =>
      invalid([
        { location: 'body.segments[1]', message: 'variable name must match [a-z_][a-z0-9_]*' },
        { location: 'body.description', message: 'expected length <= 500' },
        { location: 'body.cors_origins[0]', message: '"app" is not an origin (scheme://host[:port]) or *' },
      ]),
    );
    await screen.findByLabelText('Method');
    fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    await screen.findByText('expected length <= 500');
    const said = (el: HTMLElement) => (el.getAttribute('aria-invalid') === 'true' ? document.getElementById(el.getAttribute('aria-describedby')!)?.textContent : null);
    expect(said(screen.getByLabelText('Segment 2 name'))).toBe('variable name must match [a-z_][a-z0-9_]*');
    expect(said(screen.getByLabelText('Segment 1 text'))).toBeNull();
    expect(said(screen.getByLabelText('Description'))).toBe('expected length <= 500');
    expect(said(screen.getByLabelText(/^Browser origins/))).toBe('"app" is not an origin (scheme://host[:port]) or *');
  });

  it('hands the focus on when a segment is removed: to the segment now in its place, the one before, then + Static', async () => {
    setup(() => ({ body: route }));
    await screen.findByLabelText('Method');
    fireEvent.click(screen.getByRole('button', { name: 'Remove segment 1' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Remove segment 1' })));
    expect(screen.getByLabelText('Segment 1 name')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove segment 1' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: '+ Static' })));
  });

  it('shows a taken route (409) on the form', async () => {
    setup(() => ({
      status: 409,
      body: { type: 'urn:polysynergy:problem:route-taken', title: 'Conflict', status: 409, detail: 'flow "Orders" (f2) already has the route GET /users/{uuid}', errors: [{ location: 'body', message: 'the method and path are taken by flow f2' }] },
    }));
    await screen.findByLabelText('Method');
    fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    const alert = await screen.findByText('This route is taken.');
    expect(alert.parentElement?.textContent).toContain('already has the route GET /users/{uuid}');
    // said once: the 409's field error ("body: the method and path are taken…") made a second alert
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    expect(screen.queryByText(/^body:/)).toBeNull();
  });

  it('sends the etag last read as If-Match, and the tag the save answered with the next save', async () => {
    const m = mockApi([
      ['GET', PATH, { body: route, headers: { ETag: '"r1"' } }],
      ['PUT', PATH, (c: Call) => ({ body: { ...route, ...(c.body as object) }, headers: { ETag: c.ifMatch === '"r1"' ? '"r2"' : '"r3"' } })],
    ]);
    render(<RouteForm api={m.api} project="p1" flow="f1" slug="shop" stages={['dev']} />);
    await screen.findByLabelText('Method');
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'one' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    await screen.findByText('Saved');
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'two' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    await screen.findByText('Saved');
    expect(m.calls.filter((c) => c.method === 'PUT').map((c) => c.ifMatch)).toEqual(['"r1"', '"r2"']);
  });

  it('keeps what was typed when the route changed meanwhile (412), says so with the route as it is now, and saves again over its new tag', async () => {
    const theirs: Route = { ...route, method: 'POST', pattern: '/orders', segments: [{ kind: 'static', value: 'orders' }] };
    let current: { route: Route; tag: string } = { route, tag: '"r1"' };
    const m = mockApi([
      ['GET', PATH, () => ({ body: current.route, headers: { ETag: current.tag } })],
      ['PUT', PATH, (c: Call) => (c.ifMatch === current.tag ? { body: { ...current.route, ...(c.body as object) }, headers: { ETag: '"r3"' } } : changed(current.tag))],
    ]);
    render(<RouteForm api={m.api} project="p1" flow="f1" slug="shop" stages={['dev']} />);
    await screen.findByLabelText('Method');
    // someone else saves the route in another tab
    current = { route: theirs, tag: '"r2"' };
    fireEvent.change(screen.getByLabelText('Description'), { target: { value: 'mine' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    const alert = await screen.findByTestId('route-changed');
    expect(alert.getAttribute('role')).toBe('alert');
    expect(alert.textContent).toContain('Changed by someone else since you opened it — what it is now is shown. Apply your change again, or discard it.');
    await waitFor(() => expect(screen.getByTestId('route-now').textContent).toBe('Now: POST /orders'));
    // what was typed stays, nothing else said, no Saved
    expect((screen.getByLabelText('Description') as HTMLTextAreaElement).value).toBe('mine');
    expect((screen.getByLabelText('Method') as HTMLSelectElement).value).toBe('GET');
    expect(screen.queryByText('Saved')).toBeNull();
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Save route' })));
    // saving again goes over the tag read after the refusal
    fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    await screen.findByText('Saved');
    const puts = m.calls.filter((c) => c.method === 'PUT');
    expect(puts.map((c) => c.ifMatch)).toEqual(['"r1"', '"r2"']);
    expect((puts[1]!.body as { description: string }).description).toBe('mine');
    expect(screen.queryByTestId('route-changed')).toBeNull();
  });

  it('shows a load error with a retry', async () => {
    const m = mockApi([['GET', PATH, { status: 500, body: { title: 'Internal Server Error', status: 500, detail: 'boom' } }]]);
    render(<RouteForm api={m.api} project="p1" flow="f1" slug="shop" stages={[]} />);
    expect(await screen.findByText('boom')).toBeTruthy();
    await waitFor(() => expect(screen.getByRole('button', { name: 'Try again' })).toBeTruthy());
  });
});
