// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError } from '../api/client';
import type { FlowDetail } from '../api/types';
import { createEditorStore } from '../store/editor';
import { validateDocument } from '../model/validate';
import { navigate } from '../shell/router';
import { DraftSaver } from '../store/saver';
import { catalog, doc, node } from '../test/fixtures';
import { draftControl, EMPTY_PUBLISH_TITLE, usePublishing, type PublishingOptions } from './FlowPublishing';
import { flowInvalid, type Handler, mockApi } from './testing';

afterEach(cleanup);

const P = '/tenants/t1/projects/p1';
const F = `${P}/flows/f1`;
const startDoc = doc([node('n1', 'http.request', { values: { url: 'https://example.com' } })]);
const flow: FlowDetail = { id: 'f1', project: 'p1', kind: 'route', name: 'Orders', run_saving: 'all', retention: 10, latest_version: 2, created_at: '', updated_at: '', draft: { document: startDoc, revision: 5 } };

function Harness(o: PublishingOptions) {
  const p = usePublishing(o);
  return (
    <div>
      {p.actions}
      {p.panel}
      {p.banner}
      <ul aria-label="marked">
        {p.serverProblems?.map((x, i) => (
          <li key={i}>
            {x.warning ? 'warning:' : ''}
            {x.node}|{x.port ?? ''}|{x.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function setup(extra: Handler[], f: FlowDetail = flow, more: Partial<PublishingOptions> = {}) {
  let revision = 5;
  const m = mockApi([
    ...extra,
    ['GET', new RegExp(`^${P}/stages$`), { body: [{ name: 'prod', position: 1, production: true, created_at: '' }, { name: 'dev', position: 0, production: false, created_at: '' }] }],
    ['GET', new RegExp(`^${P}$`), { body: { id: 'p1', tenant: 't1', name: 'Shop', slug: 'shop', created_at: '', updated_at: '' } }],
    ['GET', new RegExp(`^${F}/publications$`), { body: [{ stage: 'prod', version: 2, by: 'ann', published_at: '2026-11-01T00:00:00Z' }] }],
    ['PUT', new RegExp(`^${F}/draft$`), () => ({ body: { revision: ++revision } })],
    ['GET', new RegExp(`^${F}/route$`), { body: { id: 'r1', method: 'GET', segments: [{ kind: 'static', value: 'orders' }], pattern: '/orders', updated_at: '' } }],
  ]);
  const store = createEditorStore(catalog, startDoc);
  const saver = new DraftSaver(store, { getDraft: () => m.api.getDraft('p1', 'f1'), saveDraft: (d, r, o) => m.api.saveDraft('p1', 'f1', d, r, o) }, 5, { debounceMs: 60_000 });
  render(<Harness api={m.api} project="p1" flow={f} store={store} saver={saver} triggerUrl="http://{project}-{stage}.localhost:8090" {...more} />);
  return { ...m, store, saver };
}

/** The text a control's aria-describedby points at (a title alone is not it: a disabled button takes no focus). */
const description = (el: HTMLElement) =>
  (el.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ')
    .trim();

describe('publishing in the flow editor', () => {
  it('saves unsaved edits, then publishes the draft at its revision to the chosen stage', async () => {
    const { calls, store } = setup([
      ['POST', new RegExp(`^${F}/publish$`), { body: { created: true, publication: { stage: 'dev', version: 3, by: 'ann', published_at: '' }, version: { number: 3, hash: 'h', author: 'ann', created_at: '' } } }],
    ]);
    const select = (await screen.findByTestId('publish-stage')) as HTMLSelectElement;
    await waitFor(() => expect([...select.options].map((o) => o.textContent)).toEqual(['dev', 'prod · v2']));
    expect(select.value).toBe('dev');
    act(() => store.getState().setValue('n1', 'url', 'https://example.org'));
    fireEvent.click(screen.getByRole('button', { name: 'Publish' }));
    expect((await screen.findByTestId('publish-outcome')).textContent).toContain('Published version 3 to dev (a new version of the draft).');
    const put = calls.findIndex((c) => c.method === 'PUT');
    const post = calls.findIndex((c) => c.method === 'POST');
    expect(put).toBeGreaterThanOrEqual(0);
    expect(post).toBeGreaterThan(put);
    expect(calls[post]?.body).toEqual({ stage: 'dev', revision: 6 });
  });

  it('waits with Publish on an empty flow, saying why, as ▶ Run does (the server refuses it), and offers it once there is a node', async () => {
    const { calls, store } = setup([]);
    const select = (await screen.findByTestId('publish-stage')) as HTMLSelectElement;
    await waitFor(() => expect(select.options).toHaveLength(2));
    const button = screen.getByRole('button', { name: 'Publish' }) as HTMLButtonElement;
    expect(button.disabled).toBe(false);
    act(() => store.getState().removeNodes(['n1']));
    expect(button.disabled).toBe(true);
    expect(button.title).toBe(EMPTY_PUBLISH_TITLE);
    fireEvent.click(button);
    // the Stages tab's buttons wait too
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    fireEvent.click(await screen.findByRole('tab', { name: 'Stages' }));
    const toDev = (await screen.findByRole('button', { name: 'Publish to dev' })) as HTMLButtonElement;
    expect(toDev.disabled).toBe(true);
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    act(() => store.getState().undo());
    expect(button.disabled).toBe(false);
    expect(button.title).toBe('Publish the draft to dev');
    expect(toDev.disabled).toBe(false);
  });

  it('says why Publish waits to screen readers too (its description, not only its title), and in the Stages tab as text', async () => {
    const { store } = setup([]);
    const select = (await screen.findByTestId('publish-stage')) as HTMLSelectElement;
    await waitFor(() => expect(select.options).toHaveLength(2));
    const button = screen.getByRole('button', { name: 'Publish' });
    expect(description(button)).toBe('');
    act(() => store.getState().removeNodes(['n1']));
    expect(description(button)).toBe(EMPTY_PUBLISH_TITLE);
    expect(screen.getByRole('button', { name: 'Publish', description: EMPTY_PUBLISH_TITLE })).toBe(button);
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    fireEvent.click(await screen.findByRole('tab', { name: 'Stages' }));
    const tab = screen.getByRole('region', { name: 'Stages' });
    // said on the page (a disabled button takes no focus and its tooltip needs a mouse)
    const said = within(tab).getByText(EMPTY_PUBLISH_TITLE);
    expect(said.className).not.toContain('sr-only');
    const toDev = await within(tab).findByRole('button', { name: 'Publish to dev' });
    expect(toDev.getAttribute('aria-describedby')).toBe(said.id);
    act(() => store.getState().undo());
    expect(description(button)).toBe('');
    expect(toDev.getAttribute('aria-describedby')).toBeNull();
    expect(within(tab).queryByText(EMPTY_PUBLISH_TITLE)).toBeNull();
  });

  it('says why the toolbar\'s Publish waits on screen beside it, not only to screen readers and in the Stages tab', async () => {
    const { store } = setup([]);
    const select = (await screen.findByTestId('publish-stage')) as HTMLSelectElement;
    await waitFor(() => expect(select.options).toHaveLength(2));
    const bar = screen.getByRole('group', { name: 'Publishing' });
    expect(bar.querySelector('[data-testid=publish-why]')).toBeNull();
    act(() => store.getState().removeNodes(['n1']));
    const why = within(bar).getByTestId('publish-why');
    // shown: not visually hidden, in the toolbar's row, its tooltip the whole reason
    expect(why.closest('.ps-sr-only')).toBeNull();
    expect(why.textContent).toBe('Nothing to publish yet');
    expect(why.title).toBe(EMPTY_PUBLISH_TITLE);
    // said once to a screen reader: by the button's description
    expect(why.getAttribute('aria-hidden')).toBe('true');
    expect(description(screen.getByRole('button', { name: 'Publish' }))).toBe(EMPTY_PUBLISH_TITLE);
    act(() => store.getState().undo());
    expect(within(bar).queryByTestId('publish-why')).toBeNull();
  });

  it('says why Publish waits when the project has no stages', async () => {
    setup([['GET', new RegExp(`^${P}/stages$`), { body: [] }]]);
    const select = (await screen.findByTestId('publish-stage')) as HTMLSelectElement;
    await waitFor(() => expect(select.disabled).toBe(true));
    const button = screen.getByRole('button', { name: 'Publish' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(description(button)).toBe('Add a stage first');
    expect(screen.getByTestId('publish-why').textContent).toBe('Add a stage first');
  });

  it('says a publish with warnings went through — "Published — 1 warning" — lists them with Show, and marks them as warnings', async () => {
    const { store } = setup([
      [
        'POST',
        new RegExp(`^${F}/publish$`),
        {
          body: {
            created: false,
            publication: { stage: 'dev', version: 2, by: 'ann', published_at: '' },
            version: { number: 2, hash: 'h', author: 'ann', created_at: '' },
            warnings: [{ path: '/nodes/0/values/url', message: 'expression reads "a", which "n1" does not wait for', node: 'n1', port: 'url' }],
          },
        },
      ],
    ]);
    await waitFor(() => expect((screen.getByTestId('publish-stage') as HTMLSelectElement).value).toBe('dev'));
    fireEvent.click(screen.getByTestId('publish-button'));
    const out = await screen.findByTestId('publish-outcome');
    // went through: a status, not an alert
    expect(out.getAttribute('role')).toBe('status');
    expect(out.textContent).toMatch(/^Published — 1 warning: version 2 to dev\./);
    const items = within(within(out).getByRole('list', { name: 'Warnings' })).getAllByRole('listitem');
    expect(items.map((l) => l.textContent)).toEqual(['△ n1.url: expression reads "a", which "n1" does not wait for Show']);
    fireEvent.click(within(items[0]!).getByRole('button', { name: 'Show n1' }));
    expect(store.getState().selection.nodes).toEqual(['n1']);
    const marked = () => within(screen.getByRole('list', { name: 'marked' })).queryAllByRole('listitem').map((l) => l.textContent);
    expect(marked()).toEqual(['warning:n1|url|expression reads "a", which "n1" does not wait for']);
    // the field it is about changes: the mark goes
    act(() => store.getState().setValue('n1', 'url', 'https://example.net'));
    await waitFor(() => expect(marked()).toEqual([]));
  });

  it("Show brings the warning's node into view through the editor's showNode, as the problems list does", async () => {
    const shown: string[] = [];
    const { store } = setup(
      [['POST', new RegExp(`^${F}/publish$`), { body: { created: false, publication: { stage: 'dev', version: 2, by: 'ann', published_at: '' }, version: { number: 2, hash: 'h', author: 'ann', created_at: '' }, warnings: [{ path: '/nodes/0/values/url', message: 'w', node: 'n1', port: 'url' }] } }]],
      flow,
      { showNode: (id) => shown.push(id) },
    );
    await waitFor(() => expect((screen.getByTestId('publish-stage') as HTMLSelectElement).value).toBe('dev'));
    fireEvent.click(screen.getByTestId('publish-button'));
    fireEvent.click(await screen.findByRole('button', { name: 'Show n1' }));
    expect(shown).toEqual(['n1']);
    // showNode selects (and pans); the banner does not do it twice
    expect(store.getState().selection.nodes).toEqual([]);
  });

  it('drops a warning from the banner once its mark on the canvas goes, and says it changed since', async () => {
    const two = doc([node('n1', 'http.request', { values: { url: 'https://example.com' } }), node('n2', 'http.request', { values: { url: 'https://example.com' } })]);
    const f2: FlowDetail = { ...flow, draft: { document: two, revision: 5 } };
    const { store } = setup(
      [
        [
          'POST',
          new RegExp(`^${F}/publish$`),
          {
            body: {
              created: false,
              publication: { stage: 'dev', version: 2, by: 'ann', published_at: '' },
              version: { number: 2, hash: 'h', author: 'ann', created_at: '' },
              warnings: [
                { path: '/nodes/0/values/url', message: 'w1', node: 'n1', port: 'url' },
                { path: '/nodes/1/values/url', message: 'w2', node: 'n2', port: 'url' },
              ],
            },
          },
        ],
      ],
      f2,
    );
    act(() => store.getState().load(two));
    await waitFor(() => expect((screen.getByTestId('publish-stage') as HTMLSelectElement).value).toBe('dev'));
    fireEvent.click(screen.getByTestId('publish-button'));
    const out = await screen.findByTestId('publish-outcome');
    const items = () => within(screen.getByTestId('publish-outcome')).queryAllByRole('listitem').map((l) => l.textContent);
    await waitFor(() => expect(items()).toEqual(['△ n1.url: w1 Show', '△ n2.url: w2 Show']));
    const marked = () => within(screen.getByRole('list', { name: 'marked' })).queryAllByRole('listitem').map((l) => l.textContent);
    // n1's field changes: its mark goes, and its line with it
    act(() => store.getState().setValue('n1', 'url', 'https://example.net'));
    await waitFor(() => expect(marked()).toEqual(['warning:n2|url|w2']));
    expect(items()).toEqual(['△ n2.url: w2 Show']);
    expect(out.textContent).toContain('Published — 2 warnings: version 2 to dev. Warnings do not stop it; they are marked on the canvas. 1 changed in the draft since (publish again to serve the change).');
    // the last one too: no list, the banner stays until dismissed and says what happened
    act(() => store.getState().setValue('n2', 'url', 'https://example.net'));
    await waitFor(() => expect(marked()).toEqual([]));
    expect(screen.getByTestId('publish-outcome').querySelector('ul')).toBeNull();
    expect(screen.getByTestId('publish-outcome').textContent).toBe('Published — 2 warnings: version 2 to dev. Each has changed in the draft since: publish again to serve the changes.Dismiss');
  });

  it('says a publish without warnings as before, and drops the last one\'s warnings', async () => {
    const ok = (warnings?: unknown[]) => ({ body: { created: false, publication: { stage: 'dev', version: 2, by: 'ann', published_at: '' }, version: { number: 2, hash: 'h', author: 'ann', created_at: '' }, ...(warnings ? { warnings } : {}) } });
    let n = 0;
    setup([['POST', new RegExp(`^${F}/publish$`), () => (n++ === 0 ? ok([{ path: '/nodes/0', message: 'w', node: 'n1' }]) : ok())]]);
    await waitFor(() => expect((screen.getByTestId('publish-stage') as HTMLSelectElement).value).toBe('dev'));
    fireEvent.click(screen.getByTestId('publish-button'));
    await waitFor(() => expect(screen.getByTestId('publish-outcome').textContent).toContain('Published — 1 warning'));
    fireEvent.click(screen.getByTestId('publish-button'));
    await waitFor(() => expect(screen.getByTestId('publish-outcome').textContent).toBe('Published version 2 to dev.Dismiss'));
    expect(within(screen.getByRole('list', { name: 'marked' })).queryAllByRole('listitem')).toHaveLength(0);
  });

  it('lists and marks the problems of a refused publish (once, when the editor finds them too)', async () => {
    const local = validateDocument(doc([node('n1', 'http.request')]), catalog).find((p) => p.node === 'n1');
    expect(local).toBeDefined();
    const { store } = setup([
      [
        'POST',
        new RegExp(`^${F}/publish$`),
        flowInvalid([{ location: '/nodes/0/values/method', message: 'required', value: 'n1' }, { location: '/', message: 'the flow has no trigger' }, { location: local!.path, message: local!.message, value: 'n1' }]),
      ],
    ]);
    act(() => store.getState().setValue('n1', 'url', ''));
    await waitFor(() => expect((screen.getByTestId('publish-stage') as HTMLSelectElement).value).toBe('dev'));
    fireEvent.click(screen.getByTestId('publish-button'));
    const out = await screen.findByRole('alert');
    expect(out.textContent).toContain('Not published: the flow has 3 problems (marked on the canvas).');
    expect(within(out).getAllByRole('listitem').map((l) => l.textContent)).toEqual(['n1.method: required', 'flow: the flow has no trigger', `n1${local!.port ? `.${local!.port}` : ''}: ${local!.message}`]);
    expect(within(screen.getByRole('list', { name: 'marked' })).getAllByRole('listitem').map((l) => l.textContent)).toEqual(['n1|method|required', '||the flow has no trigger']);
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(within(screen.getByRole('list', { name: 'marked' })).queryAllByRole('listitem')).toHaveLength(0);
  });

  it("clears a node's server problem once that field changes, and the flow's once a changed draft saves", async () => {
    const { store, saver } = setup([
      [
        'POST',
        new RegExp(`^${F}/publish$`),
        flowInvalid([{ location: '/nodes/0/values/method', message: 'bad expression', value: 'n1' }, { location: '/', message: 'the flow has no trigger' }]),
      ],
    ]);
    await waitFor(() => expect((screen.getByTestId('publish-stage') as HTMLSelectElement).value).toBe('dev'));
    fireEvent.click(screen.getByTestId('publish-button'));
    await screen.findByRole('alert');
    const marked = () => within(screen.getByRole('list', { name: 'marked' })).queryAllByRole('listitem').map((l) => l.textContent);
    expect(marked()).toEqual(['n1|method|bad expression', '||the flow has no trigger']);
    // another field or a move leaves it
    act(() => store.getState().setValue('n1', 'url', 'https://example.net'));
    act(() => store.getState().moveNodes(new Map([['n1', { x: 40, y: 40 }]])));
    expect(marked()).toEqual(['n1|method|bad expression', '||the flow has no trigger']);
    // the field it names changes: gone
    act(() => store.getState().setValue('n1', 'method', 'POST'));
    await waitFor(() => expect(marked()).toEqual(['||the flow has no trigger']));
    // the changed draft saves: the flow's problem goes, and with it the refusal
    await act(() => saver.flush());
    await waitFor(() => expect(marked()).toEqual([]));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("the schedule's stages follow a publish from the toolbar while its panel is open", async () => {
    let published = false;
    setup(
      [
        ['GET', new RegExp(`^${F}/schedule$`), () => ({ body: { cron: '0 9 * * *', description: 'At 09:00', timezone: 'UTC', enabled: true, next_runs: [], published: published ? { dev: 3 } : {}, updated_at: '' } })],
        ['GET', new RegExp(`^${F}/publications$`), () => ({ body: published ? [{ stage: 'dev', version: 3, by: 'ann', published_at: '' }] : [] })],
        [
          'POST',
          new RegExp(`^${F}/publish$`),
          () => {
            published = true;
            return { body: { created: true, publication: { stage: 'dev', version: 3, by: 'ann', published_at: '' }, version: { number: 3, hash: 'h', author: 'ann', created_at: '' } } };
          },
        ],
      ],
      { ...flow, kind: 'schedule' },
    );
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    expect((await screen.findByTestId('schedule-published')).textContent).toBe('Not published to any stage yet: publish it to make it fire.');
    await waitFor(() => expect((screen.getByTestId('publish-stage') as HTMLSelectElement).value).toBe('dev'));
    fireEvent.click(screen.getByTestId('publish-button'));
    await waitFor(() => expect(screen.getByTestId('schedule-published').textContent).toBe('Fires on dev (v3).'));
  });

  it("names the stage's publisher by email when the members list knows them", async () => {
    setup([['GET', /^\/tenants\/t1\/members$/, { body: { items: [{ sub: 'ann', email: 'ann@example.com', role: 'editor', since: '' }] } }]]);
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    fireEvent.click(screen.getByRole('tab', { name: 'Stages' }));
    await waitFor(() => expect(screen.getByTestId('stage-prod').textContent).toContain('by ann@example.com'));
  });

  it('publishes with a message and unpublishes after confirming, in the panel', async () => {
    const { calls } = setup([
      ['DELETE', new RegExp(`^${F}/publications/prod$`), { status: 204 }],
      ['POST', new RegExp(`^${F}/publish$`), { body: { created: true, publication: { stage: 'dev', version: 3, by: 'ann', published_at: '' }, version: { number: 3, hash: 'h', author: 'ann', created_at: '' } } }],
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    expect(screen.getByRole('tab', { name: 'Route', selected: true })).toBeTruthy();
    expect((await screen.findByTestId('trigger-url-dev')).textContent).toBe('http://shop-dev.localhost:8090/orders');
    fireEvent.click(screen.getByRole('tab', { name: 'Stages' }));
    expect((await screen.findByTestId('stage-prod')).textContent).toContain('v2');
    fireEvent.change(screen.getByLabelText('Message for the new version (optional)'), { target: { value: 'new reply' } });
    fireEvent.click(screen.getByRole('button', { name: 'Publish to dev' }));
    expect((await screen.findByTestId('publish-outcome')).textContent).toContain('Published version 3 to dev');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ stage: 'dev', revision: 5, message: 'new reply' });
    fireEvent.click(screen.getByRole('button', { name: 'Unpublish from prod' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm unpublish from prod' }));
    expect((await screen.findByTestId('publish-outcome')).textContent).toContain('Unpublished from prod.');
    expect(calls.filter((c) => c.method === 'DELETE').map((c) => c.path)).toEqual([`${F}/publications/prod`]);
  });

  it("keeps the keyboard on the stage after Unpublish's Cancel and confirm (their buttons go away)", async () => {
    let published = true;
    setup([
      ['DELETE', new RegExp(`^${F}/publications/prod$`), () => ((published = false), { status: 204 })],
      ['GET', new RegExp(`^${F}/publications$`), () => ({ body: published ? [{ stage: 'prod', version: 2, by: 'ann', published_at: '2026-11-01T00:00:00Z' }] : [] })],
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    fireEvent.click(await screen.findByRole('tab', { name: 'Stages' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Unpublish from prod' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Unpublish from prod' })));

    fireEvent.click(screen.getByRole('button', { name: 'Unpublish from prod' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm unpublish from prod' }));
    expect((await screen.findByTestId('publish-outcome')).textContent).toContain('Unpublished from prod.');
    // not published any more: its Publish button has the keyboard
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Publish to prod' })));
  });

  it("refuses a version message longer than the API takes on the field, before saving or publishing (the API's answer was 'body.message: expected length <= 1000')", async () => {
    const { calls } = setup([]);
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    fireEvent.click(await screen.findByRole('tab', { name: 'Stages' }));
    const message = screen.getByLabelText('Message for the new version (optional)');
    fireEvent.change(message, { target: { value: 'm'.repeat(1200) } });
    expect(message.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(message.getAttribute('aria-describedby')!)?.textContent).toBe('The message is too long: at most 1,000 characters (this one has 1,200).');
    fireEvent.click(screen.getByRole('button', { name: 'Publish to dev' }));
    expect((await screen.findByTestId('publish-outcome')).textContent).toContain('Not published: the message is too long: at most 1,000 characters (this one has 1,200).');
    expect(calls.filter((c) => c.method !== 'GET')).toEqual([]);
  });
});

describe('the route each stage serves', () => {
  const served = { method: 'POST', path: '/old', require_api_key: true };
  function routeSetup() {
    let republished = false;
    let routeSaves = 0;
    const m = setup([
      [
        'GET',
        new RegExp(`^${F}/publications$`),
        () => ({ body: [{ stage: 'prod', version: 2, by: 'ann', published_at: '2026-11-01T00:00:00Z', ...(republished ? { route: { method: 'GET', path: '/orders', require_api_key: false } } : { route: served, route_differs: true }) }] }),
      ],
      ['PUT', new RegExp(`^${F}/route$`), (c) => ((routeSaves++), { body: { id: 'r1', ...(c.body as object), pattern: '/orders', updated_at: '' } })],
      [
        'POST',
        new RegExp(`^${F}/publish$`),
        () => ((republished = true), { body: { created: false, publication: { stage: 'prod', version: 2, by: 'ann', published_at: '' }, version: { number: 2, hash: 'h', author: 'ann', created_at: '' } } }),
      ],
    ]);
    return { ...m, routeSaves: () => routeSaves };
  }

  it('marks a stage serving an older route in the toolbar and shows what it serves in the Stages tab', async () => {
    routeSetup();
    const select = (await screen.findByTestId('publish-stage')) as HTMLSelectElement;
    await waitFor(() => expect([...select.options].map((o) => o.textContent)).toEqual(['dev', 'prod · v2 · route changed']));
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    fireEvent.click(screen.getByRole('tab', { name: 'Stages' }));
    const prod = await screen.findByTestId('stage-prod');
    expect(within(prod).getByTestId('served-route-prod').textContent).toBe('Serves POST /oldAPI key');
    await waitFor(() =>
      expect(within(prod).getByTestId('route-differs-prod').textContent).toBe('Published with an older route (POST /old, API key required); publish again to serve GET /orders, no API key.'),
    );
    // the publish action beside it stands out
    expect(within(prod).getByRole('button', { name: 'Publish to prod' }).className).toContain('ps-primary');
    // a stage it is not published to serves nothing and says only that
    const dev = screen.getByTestId('stage-dev');
    expect(dev.textContent).toContain('not published');
    expect(within(dev).queryByTestId('served-route-dev')).toBeNull();
  });

  it('offers to publish again from the Route tab, and the notice goes once the stage serves the route', async () => {
    const { calls } = routeSetup();
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    const prod = await screen.findByTestId('stage-route-prod');
    await waitFor(() => expect(within(prod).getByTestId('route-differs-prod').textContent).toContain('publish again to serve GET /orders, no API key.'));
    expect(screen.getByTestId('stage-route-dev').textContent).toBe('dev not published: serves nothing');
    fireEvent.click(within(prod).getByRole('button', { name: 'Publish again to prod' }));
    expect((await screen.findByTestId('publish-outcome')).textContent).toContain('Published version 2 to prod.');
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ stage: 'prod', revision: 5 });
    await waitFor(() => expect(within(prod).queryByTestId('route-differs-prod')).toBeNull());
    expect(within(prod).getByTestId('served-route-prod').textContent).toBe('Serves GET /orders');
  });

  it('reads the publications again when the route is saved', async () => {
    const { calls, routeSaves } = routeSetup();
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    await screen.findByTestId('stage-route-prod');
    const reads = () => calls.filter((c) => c.method === 'GET' && c.path.endsWith('/publications')).length;
    const before = reads();
    fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    await waitFor(() => expect(routeSaves()).toBe(1));
    await waitFor(() => expect(reads()).toBe(before + 1));
  });
});

describe('the draft control publishing saves through', () => {
  it('says which field keeps the draft from saving (a decimal in a whole-number setting), and sends nothing', async () => {
    const store = createEditorStore(catalog, startDoc);
    let sent = 0;
    const saver = new DraftSaver(store, { getDraft: async () => ({ document: startDoc, revision: 5 }), saveDraft: async () => ((sent++), { revision: 6 }) }, 5, { debounceMs: 60_000 });
    store.getState().setSettings('n1', { retries: 1.5 });
    expect(await draftControl(saver).save()).toEqual({ ok: false, reason: 'n1 · Retries must be a whole number' });
    expect(sent).toBe(0);
    saver.dispose();
  });

  it('says why it could not save while emptying the flow waits for an answer', async () => {
    const store = createEditorStore(catalog, startDoc);
    const saver = new DraftSaver(
      store,
      {
        getDraft: async () => ({ document: startDoc, revision: 5 }),
        saveDraft: async () => {
          throw new ConflictError({ status: 409, title: 'Conflict', type: 'urn:polysynergy:problem:conflict', detail: 'this would replace a flow of 1 nodes by an empty one; send force: true to do it', method: 'PUT', path: '/x' }, null);
        },
      },
      5,
      { debounceMs: 60_000 },
    );
    store.getState().removeNodes(['n1']);
    expect(await draftControl(saver).save()).toEqual({ ok: false, reason: 'emptying the flow waits for your answer' });
    saver.dispose();
  });

  it('keeps the panel open when its selected tab is clicked again, with what was typed in it', async () => {
    setup([]);
    fireEvent.click(await screen.findByRole('button', { name: 'Publishing panel' }));
    const method = (await screen.findByLabelText('Method')) as HTMLSelectElement;
    fireEvent.change(method, { target: { value: 'POST' } });
    // the selected tab closed the panel, and the unsaved route went with it
    fireEvent.click(screen.getByRole('tab', { name: 'Route' }));
    expect(screen.getByRole('complementary', { name: 'Publishing panel' })).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Route' }).getAttribute('aria-selected')).toBe('true');
    expect((screen.getByLabelText('Method') as HTMLSelectElement).value).toBe('POST');
    // the toolbar's toggle and the close button still close it (after asking about the unsaved route)
    fireEvent.click(screen.getByRole('button', { name: 'Close the publishing panel' }));
    fireEvent.click(within(screen.getByRole('alertdialog', { name: 'You have unsaved changes' })).getByRole('button', { name: 'Discard' }));
    expect(screen.queryByRole('complementary', { name: 'Publishing panel' })).toBeNull();
  });

  it('moves between its tabs with the arrow keys, Home and End (only the chosen tab in the Tab order), its panel labelled by the tab', async () => {
    setup([]);
    fireEvent.click(await screen.findByRole('button', { name: 'Publishing panel' }));
    await screen.findByLabelText('Method');
    const tab = (name: string) => screen.getByRole('tab', { name });
    expect(['Route', 'Stages', 'Versions'].map((n) => tab(n).tabIndex)).toEqual([0, -1, -1]);
    const panel = screen.getByRole('tabpanel');
    expect(panel.getAttribute('aria-labelledby')).toBe(tab('Route').id);
    expect(tab('Route').getAttribute('aria-controls')).toBe(panel.id);
    tab('Route').focus();
    fireEvent.keyDown(tab('Route'), { key: 'ArrowRight' });
    expect(tab('Stages').getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(tab('Stages'));
    expect(['Route', 'Stages', 'Versions'].map((n) => tab(n).tabIndex)).toEqual([-1, 0, -1]);
    expect(screen.getByRole('tabpanel').getAttribute('aria-labelledby')).toBe(tab('Stages').id);
    fireEvent.keyDown(tab('Stages'), { key: 'End' });
    expect(tab('Versions').getAttribute('aria-selected')).toBe('true');
    // wraps around
    fireEvent.keyDown(tab('Versions'), { key: 'ArrowRight' });
    expect(tab('Route').getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(tab('Route'), { key: 'ArrowLeft' });
    expect(document.activeElement).toBe(tab('Versions'));
    fireEvent.keyDown(tab('Versions'), { key: 'Home' });
    expect(tab('Route').getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('complementary', { name: 'Publishing panel' })).toBeTruthy();
  });

  it('gives the focus back to its toolbar toggle when closed from inside (✕ or Escape)', async () => {
    setup([]);
    const toggle = await screen.findByRole('button', { name: 'Publishing panel' });
    fireEvent.click(toggle);
    const close = await screen.findByRole('button', { name: 'Close the publishing panel' });
    close.focus();
    fireEvent.click(close);
    expect(screen.queryByRole('complementary', { name: 'Publishing panel' })).toBeNull();
    expect(document.activeElement).toBe(toggle);
    fireEvent.click(toggle);
    const tab = await screen.findByRole('tab', { name: 'Route' });
    tab.focus();
    fireEvent.keyDown(tab, { key: 'Escape' });
    expect(screen.queryByRole('complementary', { name: 'Publishing panel' })).toBeNull();
    expect(document.activeElement).toBe(toggle);
  });

  it('links a project without stages to its Stages settings, where one is added', async () => {
    setup([['GET', new RegExp(`^${P}/stages$`), { body: [] }]]);
    fireEvent.click(await screen.findByRole('button', { name: 'Publishing panel' }));
    fireEvent.click(await screen.findByRole('tab', { name: 'Stages' }));
    const link = await screen.findByRole('link', { name: 'Add a stage' });
    expect(link.closest('p')?.textContent).toBe("The project has no stages yet to publish to. Add a stage (production, staging…) in the project's settings.");
    expect(link.getAttribute('href')).toBe('/p/p1/settings/stages');
    fireEvent.click(link);
    expect(window.location.pathname).toBe('/p/p1/settings/stages');
    navigate('/');
  });

  it("keeps the route form's unsaved edits while another tab is open, and asks before closing over them", async () => {
    const { calls } = setup([['PUT', new RegExp(`^${F}/route$`), (c) => ({ body: { id: 'r1', ...(c.body as object), pattern: '/orders/{id}', updated_at: '' } })]]);
    fireEvent.click(await screen.findByRole('button', { name: 'Publishing panel' }));
    fireEvent.change(await screen.findByLabelText('Method'), { target: { value: 'POST' } });
    fireEvent.click(screen.getByRole('button', { name: '+ Variable' }));
    fireEvent.change(screen.getByLabelText('Segment 2 name'), { target: { value: 'id' } });
    expect(screen.getByTestId('trigger-unsaved')).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Route' }).getAttribute('aria-describedby')).toBe('ps-trigger-unsaved');
    // leaving the page asks (the browser's question)
    const leave = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(leave);
    expect(leave.defaultPrevented).toBe(true);
    // to Stages and Versions and back: the edits are there
    fireEvent.click(screen.getByRole('tab', { name: 'Stages' }));
    expect(await screen.findByTestId('stage-prod')).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Route' })).toBeNull(); // hidden, not shown under Stages
    fireEvent.click(screen.getByRole('tab', { name: 'Versions' }));
    fireEvent.click(screen.getByRole('tab', { name: 'Route' }));
    expect((screen.getByLabelText('Method') as HTMLSelectElement).value).toBe('POST');
    expect((screen.getByLabelText('Segment 2 name') as HTMLInputElement).value).toBe('id');
    expect(screen.getByTestId('route-pattern').textContent).toBe('POST /orders/{id}');
    // closing asks; Keep editing keeps panel and edits, Escape too
    fireEvent.click(screen.getByRole('tab', { name: 'Stages' }));
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    const ask = screen.getByRole('alertdialog', { name: 'You have unsaved changes' });
    expect(ask.textContent).toContain('closing the panel discards them');
    expect(document.activeElement).toBe(within(ask).getByRole('button', { name: 'Keep editing' }));
    fireEvent.click(within(ask).getByRole('button', { name: 'Keep editing' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.getByRole('tab', { name: 'Route', selected: true })).toBeTruthy();
    expect((screen.getByLabelText('Segment 2 name') as HTMLInputElement).value).toBe('id');
    fireEvent.keyDown(screen.getByLabelText('Method'), { key: 'Escape' });
    expect(screen.getByRole('alertdialog', { name: 'You have unsaved changes' })).toBeTruthy();
    fireEvent.keyDown(screen.getByRole('button', { name: 'Keep editing' }), { key: 'Escape' });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.getByRole('complementary', { name: 'Publishing panel' })).toBeTruthy();
    // once saved, closing asks nothing
    fireEvent.click(screen.getByRole('button', { name: 'Save route' }));
    await screen.findByText('Saved');
    expect(calls.find((c) => c.method === 'PUT' && c.path.endsWith('/route'))?.body).toMatchObject({ method: 'POST', segments: [{ kind: 'static', value: 'orders' }, { kind: 'variable', name: 'id', type: 'string' }] });
    await waitFor(() => expect(screen.queryByTestId('trigger-unsaved')).toBeNull());
    const leaveSaved = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(leaveSaved);
    expect(leaveSaved.defaultPrevented).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Close the publishing panel' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(screen.queryByRole('complementary', { name: 'Publishing panel' })).toBeNull();
  });

  it('asks before another flow opens over unsaved route edits (Discard goes there, Keep editing stays)', async () => {
    navigate('/p/p1/f/f1');
    setup([]);
    fireEvent.click(await screen.findByRole('button', { name: 'Publishing panel' }));
    fireEvent.change(await screen.findByLabelText('Method'), { target: { value: 'POST' } });
    fireEvent.click(screen.getByRole('tab', { name: 'Stages' }));
    // a flow in the sidebar or a tab: the question, and the flow stays
    act(() => navigate('/p/p1/f/f2'));
    const ask = screen.getByRole('alertdialog', { name: 'You have unsaved changes' });
    expect(ask.textContent).toContain('leaving this flow discards them');
    expect(location.pathname).toBe('/p/p1/f/f1');
    expect(document.activeElement).toBe(within(ask).getByRole('button', { name: 'Keep editing' }));
    fireEvent.click(within(ask).getByRole('button', { name: 'Keep editing' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(location.pathname).toBe('/p/p1/f/f1');
    expect((screen.getByLabelText('Method') as HTMLSelectElement).value).toBe('POST');
    expect(screen.getByRole('tab', { name: 'Route', selected: true })).toBeTruthy();
    // asked again, Discard: the other flow opens
    act(() => navigate('/p/p1/settings/stages'));
    fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Discard' }));
    expect(location.pathname).toBe('/p/p1/settings/stages');
    expect(screen.queryByRole('complementary', { name: 'Publishing panel' })).toBeNull();
    // nothing unsaved any more: the next navigation asks nothing
    act(() => navigate('/p/p1/f/f1'));
    expect(location.pathname).toBe('/p/p1/f/f1');
  });

  it('lets the flow go without asking while the route form holds no edits', async () => {
    navigate('/p/p1/f/f1');
    setup([]);
    fireEvent.click(await screen.findByRole('button', { name: 'Publishing panel' }));
    await screen.findByLabelText('Method');
    act(() => navigate('/p/p1/f/f2'));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(location.pathname).toBe('/p/p1/f/f2');
  });

  it('discards unsaved schedule edits only when asked to, and keeps them across tabs', async () => {
    setup(
      [
        ['GET', new RegExp(`^${F}/schedule$`), { body: { cron: '0 9 * * *', description: 'At 09:00', timezone: 'UTC', enabled: true, next_runs: [], published: {}, updated_at: '' } }],
        ['POST', /schedule-preview$/, { body: { description: 'At 10:00', next_runs: [] } }],
        ['GET', new RegExp(`^${F}/publications$`), { body: [] }],
      ],
      { ...flow, kind: 'schedule' },
    );
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    const cron = (await screen.findByLabelText(/^Cron/)) as HTMLInputElement;
    fireEvent.change(cron, { target: { value: '0 10 * * *' } });
    fireEvent.click(screen.getByRole('tab', { name: 'Versions' }));
    fireEvent.click(screen.getByRole('tab', { name: 'Schedule' }));
    expect((screen.getByLabelText(/^Cron/) as HTMLInputElement).value).toBe('0 10 * * *');
    fireEvent.click(screen.getByRole('button', { name: 'Close the publishing panel' }));
    expect(screen.getByRole('alertdialog').textContent).toContain('The schedule form holds edits that are not saved');
    fireEvent.click(screen.getByRole('button', { name: 'Discard' }));
    expect(screen.queryByRole('complementary', { name: 'Publishing panel' })).toBeNull();
    // opened again: the saved schedule, and closing asks nothing
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    expect(((await screen.findByLabelText(/^Cron/)) as HTMLInputElement).value).toBe('0 9 * * *');
    fireEvent.click(screen.getByRole('button', { name: 'Publishing panel' }));
    expect(screen.queryByRole('complementary', { name: 'Publishing panel' })).toBeNull();
  });

  it("reads the publications again when the flow's run saving changes, so the stage shows its route changed", async () => {
    // the API counts run saving in route_differs: once the flow's settings change it, the stage
    // serves the old settings until published again
    let saving = 'all';
    const m = mockApi([
      ['GET', new RegExp(`^${P}/stages$`), { body: [{ name: 'prod', position: 1, production: true, created_at: '' }] }],
      ['GET', new RegExp(`^${P}$`), { body: { id: 'p1', tenant: 't1', name: 'Shop', slug: 'shop', created_at: '', updated_at: '' } }],
      [
        'GET',
        new RegExp(`^${F}/publications$`),
        () => ({ body: [{ stage: 'prod', version: 2, by: 'ann', published_at: '', route: { method: 'GET', path: '/orders' }, ...(saving === 'all' ? {} : { route_differs: true }) }] }),
      ],
      ['GET', new RegExp(`^${F}/route$`), { body: { id: 'r1', method: 'GET', segments: [{ kind: 'static', value: 'orders' }], pattern: '/orders', updated_at: '' } }],
    ]);
    const store = createEditorStore(catalog, startDoc);
    const saver = new DraftSaver(store, { getDraft: () => m.api.getDraft('p1', 'f1'), saveDraft: (d, r, o) => m.api.saveDraft('p1', 'f1', d, r, o) }, 5, { debounceMs: 60_000 });
    const props = { api: m.api, project: 'p1', store, saver, triggerUrl: 'http://{project}-{stage}.localhost:8090' };
    const { rerender } = render(<Harness {...props} flow={flow} />);
    const select = (await screen.findByTestId('publish-stage')) as HTMLSelectElement;
    await waitFor(() => expect([...select.options].map((o) => o.textContent)).toEqual(['prod · v2']));
    // the flow settings dialog saved run saving "errors"
    saving = 'errors';
    rerender(<Harness {...props} flow={{ ...flow, run_saving: 'errors' }} />);
    await waitFor(() => expect([...select.options].map((o) => o.textContent)).toEqual(['prod · v2 · route changed']));
    expect(m.calls.filter((c) => c.path === `${F}/publications`)).toHaveLength(2);
    // the narrow select cuts its option's text: its border and tooltip say so
    expect(select.classList.contains('ps-differs')).toBe(true);
    expect(select.title).toBe('The stage to publish to: prod serves older route settings; publish again to serve the current ones');
  });
});
