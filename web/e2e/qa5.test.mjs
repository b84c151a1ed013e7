// Editor fixes from a fifth QA pass, against the real local cloud: moving to another flow (the
// sidebar, a tab, closing the tab, the back button) while the publishing panel holds unsaved
// route edits asks Discard / Keep editing first, as closing the panel does; with the server away
// for a while, an edit is saved by itself once it is back, and a flow that failed to open offers
// Try again; moving a project to the trash asks first; with the project panel hidden on a narrow
// window, an empty project points at it; a Merge's inputs take a connection of any type, as the
// server allows; the run history keeps its loaded pages when a run ends; running a draft that does
// not validate is refused like publishing it (no run), its problems listed and marked. Set up
// through the API, driven through the editor.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { request } from 'node:http';
import { test } from 'node:test';
import { flowNode } from './cloud.mjs';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

const suite = cloudSuite('qa5');
const session = projectSession(suite, { email: 'qa5@example.com', project: 'QA five', prepare: ({ api, at }) => api('POST', `${at.base}/stages`, { name: 'live' }) });
/** Runs a test step in the session (set up on first use), keeping a screenshot of the page. */
const { guarded } = session;

test('switching flows over unsaved route edits asks first: Keep editing stays, Discard goes (sidebar, tab, ×, back)', async (t) => {
  await guarded(t, 'switch-flow-asks', async () => {
    const other = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'other' });
    const f = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'edited' });
    // both open in tabs, the edited one (opened from the sidebar) shown with its panel
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${other.id}`);
    await page.getByRole('tab', { name: 'other', exact: true }).waitFor();
    await page.getByRole('region', { name: 'Routes' }).getByRole('link', { name: 'edited' }).click();
    await page.getByRole('tab', { name: 'edited', exact: true }).waitFor();
    await page.locator('[data-testid=publishing-panel-toggle]').click();
    const form = page.getByRole('form', { name: 'Route' });
    const ask = page.getByRole('alertdialog', { name: 'You have unsaved changes' });
    const here = `/p/${at.project}/f/${f.id}`;
    const edit = async () => {
      await form.getByLabel('Method').selectOption('POST');
      await page.getByTestId('trigger-unsaved').waitFor();
    };
    const kept = async () => {
      await ask.getByRole('button', { name: 'Keep editing' }).click();
      await ask.waitFor({ state: 'detached' });
      assert.equal(new URL(page.url()).pathname, here);
      assert.equal(await form.getByLabel('Method').inputValue(), 'POST');
    };
    await edit();

    // the sidebar: asked (it switched and the edits were gone)
    await page.getByRole('region', { name: 'Routes' }).getByRole('link', { name: 'other' }).click();
    await ask.waitFor();
    assert.match(await ask.innerText(), /leaving this flow discards them/);
    await page.screenshot({ path: `${suite.shots}switch-flow-ask.png` });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Keep editing');
    await kept();
    // the other flow's tab, and closing this flow's tab
    await page.getByRole('tab', { name: 'other', exact: true }).click();
    await ask.waitFor();
    await kept();
    await page.getByRole('button', { name: 'Close edited' }).click();
    await ask.waitFor();
    await kept();
    assert.equal(await page.getByRole('tab', { name: 'edited', exact: true }).count(), 1);
    // the browser's back button (it went back to the other flow at once)
    await page.goBack();
    await ask.waitFor();
    await kept();
    await page.goBack();
    await ask.waitFor();
    assert.equal(new URL(page.url()).pathname, here);
    // Discard: the other flow opens, and the route was not saved
    await ask.getByRole('button', { name: 'Discard' }).click();
    await page.waitForURL(`**/f/${other.id}`);
    await page.getByRole('tab', { name: 'other', exact: true, selected: true }).waitFor();
    assert.equal((await api('GET', `${at.base}/flows/${f.id}/route`)).method, 'GET');
    // forward again: nothing unsaved, nothing asked
    await page.goForward();
    await page.waitForURL(`**/f/${f.id}`);
    assert.equal(await ask.count(), 0);
    assert.deepEqual(errors, []);
  });
});

test('with the server away, the edit is saved by itself once it is back, and a flow that failed to open has Try again', async (t) => {
  await guarded(t, 'server-away', async () => {
    const a = await api('POST', `${at.base}/flows`, { kind: 'service', name: 'kept' });
    const b = await api('POST', `${at.base}/flows`, { kind: 'service', name: 'late' });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${a.id}`);
    await page.getByRole('tab', { name: 'kept', exact: true }).waitFor();
    const state = page.getByRole('status', { name: 'Save state' });
    await state.filter({ hasText: /^Saved$/ }).waitFor();
    // the server goes away: no request gets an answer
    const away = (route) => route.abort('connectionrefused');
    await page.route('**/api/v1/**', away);
    await page.getByPlaceholder(/Search nodes/).fill('Log');
    await page.keyboard.press('Enter');
    await state.filter({ hasText: 'Not saved: no connection to the server · trying again' }).waitFor();
    assert.equal(await state.getByRole('button', { name: 'Retry' }).isVisible(), true);
    await page.screenshot({ path: `${suite.shots}server-away-save.png` });
    // another flow cannot open: said, with a way to try again (it stayed stuck until a reload)
    await page.getByRole('region', { name: 'Services' }).getByRole('link', { name: 'late' }).click();
    const failed = page.getByRole('alert').filter({ hasText: 'No connection' });
    await failed.waitFor();
    await page.screenshot({ path: `${suite.shots}server-away-open.png` });
    // back: Try again opens it, and the first flow's edit was saved without pressing anything
    await page.unroute('**/api/v1/**', away);
    await failed.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('tab', { name: 'late', exact: true, selected: true }).waitFor();
    await state.filter({ hasText: /^Saved$/ }).waitFor();
    for (let i = 0; ; i++) {
      const d = await api('GET', `${at.base}/flows/${a.id}`);
      if (d.draft.document.nodes.some((n) => n.type === 'debug.log')) break;
      if (i > 40) assert.fail('the edit made while the server was away was never saved');
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(errors.filter((e) => !/ERR_CONNECTION_REFUSED|Failed to fetch|net::/.test(e)), []);
  });
});

test('moving a project to the trash asks first; Cancel keeps it serving, the confirmation trashes it', async (t) => {
  await guarded(t, 'trash-asks', async () => {
    const other = await api('POST', `/tenants/${at.tenant}/projects`, { name: 'Spare five', slug: 'spare-five' });
    await page.goto(suite.cloud.url);
    const row = page.locator('.ps-project-row', { hasText: 'Spare five' });
    await row.getByRole('button', { name: 'Move to trash' }).click();
    const ask = row.getByRole('group', { name: 'Confirm: Move Spare five to the trash' });
    await ask.waitFor();
    await page.screenshot({ path: `${suite.shots}trash-ask.png` });
    // Cancel has the focus: Enter keeps the project
    await page.keyboard.press('Enter');
    await ask.waitFor({ state: 'detached' });
    assert.equal((await api('GET', `/tenants/${at.tenant}/projects/${other.id}`)).trashed_at ?? null, null);
    await row.getByRole('button', { name: 'Move to trash' }).click();
    await row.getByRole('button', { name: 'Move “Spare five” to the trash' }).click();
    await row.waitFor({ state: 'detached' });
    assert.ok((await api('GET', `/tenants/${at.tenant}/projects/${other.id}`)).trashed_at);
  });
});

test('on a narrow window the empty project points at the hidden project panel and shows it', async (t) => {
  await guarded(t, 'narrow-empty-project', async () => {
    await page.setViewportSize({ width: 1024, height: 760 });
    try {
      await page.evaluate(() => localStorage.removeItem('ps.projectPanel'));
      // a project with no open tab (one would reopen its flow)
      const fresh = await api('POST', `/tenants/${at.tenant}/projects`, { name: 'Narrow five' });
      await api('POST', `/tenants/${at.tenant}/projects/${fresh.id}/flows`, { kind: 'route', name: 'first' });
      await page.goto(`${suite.cloud.url}/p/${fresh.id}`);
      const show = page.getByRole('button', { name: 'Show the flows' });
      await show.waitFor();
      assert.equal(await page.getByText(/Open a flow from the left/).count(), 0);
      await show.click();
      await page.getByRole('region', { name: 'Routes' }).getByRole('link', { name: 'first' }).waitFor();
      await page.getByText('Open a flow from the left, or create one with +.').waitFor();
    } finally {
      await page.setViewportSize({ width: 1400, height: 880 });
    }
  });
});

test("a text output drags onto Merge's inputs (a multi list input takes any type), and examples/fan-out.json shows no problems", async (t) => {
  await guarded(t, 'merge-any-type', async () => {
    const fanOut = JSON.parse(await readFile(new URL('../../examples/fan-out.json', import.meta.url), 'utf8'));
    const f = await api('POST', `${at.base}/flows`, { kind: 'service', name: 'fan in', document: fanOut });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.getByRole('tab', { name: 'fan in', exact: true }).waitFor();
    // it said "⚠ 3 problems": text, integer and number outputs "cannot feed input joined.inputs (list)"
    await page.getByRole('button', { name: /No problems/ }).waitFor();
    const g = await api('POST', `${at.base}/flows`, {
      kind: 'service',
      name: 'drag in',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('word', 'variable.string', 0, { value: 'hi' }), flowNode('joined', 'control.merge', 400, {})], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${g.id}`);
    await page.getByRole('tab', { name: 'drag in', exact: true }).waitFor();
    const from = page.locator('.react-flow__node[data-id=word] .react-flow__handle[data-handleid=value].source');
    const to = page.locator('.react-flow__node[data-id=joined] .react-flow__handle[data-handleid=inputs]');
    const a = await from.boundingBox();
    const b = await to.boundingBox();
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
    await page.mouse.up();
    await page.locator('.react-flow__edge').first().waitFor();
    await page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved$/ }).waitFor();
    for (let i = 0; ; i++) {
      const d = await api('GET', `${at.base}/flows/${g.id}`);
      if (d.draft.document.connections?.length) {
        assert.deepEqual(d.draft.document.connections, [{ from: { node: 'word', port: 'value' }, to: { node: 'joined', port: 'inputs' } }]);
        break;
      }
      if (i > 40) assert.fail('the connection was not saved');
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.equal((await api('POST', `${at.base}/flows/${g.id}/validate`, {})).valid, true);
  });
});

test('a run that ends while the history is open, even just after the flow opened, comes on top; the pages loaded below stay', async (t) => {
  await guarded(t, 'history-keeps-pages', async () => {
    const hello = JSON.parse(await readFile(new URL('../../examples/hello-route.json', import.meta.url), 'utf8'));
    const f = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'busy', document: hello });
    await api('POST', `${at.base}/flows/${f.id}/publish`, { stage: 'live' });
    const { slug } = await api('GET', at.base);
    const port = new URL(suite.cloud.url).port;
    // a call of the published route, as a client would make it (Host names the project and stage)
    const call = () =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/hello/ada', headers: { Host: `${slug}-live.localhost:${port}` } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers['x-run-id']));
        });
        req.on('error', reject);
        req.end();
      });
    for (let i = 0; i < 25; i++) await call();
    // when the editor's subscription to the flow goes out, and whether the run's end came live
    let subscribed = 0;
    const frames = [];
    const watch = (ws) => {
      ws.on('framesent', (fr) => String(fr.payload).includes(f.id) && String(fr.payload).includes('"subscribe"') && (subscribed ||= Date.now()));
      ws.on('framereceived', (fr) => frames.push(String(fr.payload)));
    };
    page.on('websocket', watch);
    try {
      await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
      await page.getByRole('tab', { name: 'busy', exact: true }).waitFor();
      await page.getByRole('button', { name: 'History', exact: true }).click();
      const history = page.getByRole('region', { name: 'Run history' });
      const rows = history.locator('tbody tr');
      await history.getByRole('button', { name: 'Load more' }).click();
      await page.waitForFunction(() => document.querySelectorAll('.ps-run-history tbody tr').length === 25);
      // another call ends while the list is open, right after the flow was opened: the routers
      // do not know the new subscriber for up to 2 s (their cache), so no live event tells the
      // editor; once that has passed it reads the list again: the run comes on top (it went back
      // to the first page, 20 rows), with no wait here
      const id = await call();
      const since = subscribed ? Date.now() - subscribed : -1;
      await history.locator(`tr[data-run="${id}"]`).waitFor({ timeout: 5000 });
      await page.waitForTimeout(500);
      t.diagnostic(`the run ended ${since} ms after subscribing; its run_end ${frames.some((x) => x.includes(id) && x.includes('run_end')) ? 'came' : 'did not come'} live`);
      assert.equal(await rows.count(), 26);
      assert.equal(await rows.first().getAttribute('data-run'), id);
    } finally {
      page.off('websocket', watch);
    }
  });
});

test("running a draft that does not validate is refused like publishing it: 'Not run: 2 problems', marked, and no run", async (t) => {
  await guarded(t, 'run-refused-invalid', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'service',
      name: 'adder',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [flowNode('input', 'flow.input', 0, {}), flowNode('add', 'math.add', 400, {})],
        connections: [{ from: { node: 'input', port: 'true_path' }, to: { node: 'add', port: 'node' } }],
      },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.getByRole('tab', { name: 'adder', exact: true }).waitFor();
    await page.getByRole('button', { name: '▶ Run' }).click();
    const refused = page.getByTestId('run-refused');
    await refused.waitFor();
    const text = await refused.innerText();
    assert.match(text, /Not run: 2 problems in the flow \(marked on the canvas\)\./);
    assert.deepEqual(await refused.getByRole('listitem').allInnerTexts(), [
      'add.a: required input "a" of "add" has neither a value nor a connection',
      'add.b: required input "b" of "add" has neither a value nor a connection',
    ]);
    // it said 202, then the run failed on "compile draft of flow …: flow is invalid (2 problems); /nodes/1/values/a: …"
    assert.doesNotMatch(text, /compile draft|\/nodes\//);
    // marked on the canvas: the node and its two ports
    await page.locator('.react-flow__node[data-id=add] .ps-node-has-problems').waitFor();
    assert.equal(await page.locator('.react-flow__node[data-id=add] .ps-port-problem').count(), 2);
    assert.equal(await page.getByRole('region', { name: 'Run' }).count(), 0);
    await page.screenshot({ path: `${suite.shots}run-refused.png` });
    // nothing was started: no run is listed
    await page.waitForTimeout(500);
    assert.deepEqual((await api('GET', `${at.base}/flows/${f.id}/runs`)).items, []);
    // the inputs filled in, it runs
    await page.locator('.react-flow__node[data-id=add]').click();
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    await inspector.getByRole('spinbutton', { name: 'a' }).fill('2');
    await inspector.getByRole('spinbutton', { name: 'b' }).fill('3');
    await page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved$/ }).waitFor();
    await page.getByRole('button', { name: '▶ Run' }).click();
    await page.getByRole('region', { name: 'Run' }).locator('.ps-run-success').waitFor();
    assert.equal(await refused.count(), 0);
    assert.equal((await api('GET', `${at.base}/flows/${f.id}/runs`)).items.length, 1);
  });
});
