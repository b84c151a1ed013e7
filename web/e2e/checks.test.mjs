// Editor gaps from a second QA pass, against the real local cloud: {{ }} expressions are checked
// while editing (the quick check under the field at once, the server's check of each autosaved
// revision after it, once per revision); the publishing panel shows the route each stage serves
// and offers to publish again where it is an older one; the schedule's time zone is a searchable
// picker over the full list. Set up through the API, driven through the editor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowNode } from './cloud.mjs';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

// a route flow that can be published: an HTTP route node answering 'ok' (a flow with no nodes cannot be)
const routeDoc = { schema: 'polysynergy/flow@1', nodes: [flowNode('route', 'trigger.route', 0, {}), flowNode('reply', 'http.response', 300, { body: 'ok' })], connections: [{ from: { node: 'route', port: 'true_path' }, to: { node: 'reply', port: 'node' } }] };

const suite = cloudSuite('checks');
const session = projectSession(suite, {
  email: 'checks@example.com',
  project: 'Checks',
  prepare: ({ api, at }) => api('POST', `${at.base}/stages`, { name: 'live' }),
});
/** Runs a test step in the session (set up on first use), keeping a screenshot of the page. */
const { guarded } = session;

const saved = () => page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved/ }).waitFor();
const inspector = () => page.getByRole('complementary', { name: 'Inspector' });

test('expression problems show under the field while typing, then the server check of each autosaved revision', async (t) => {
  await guarded(t, 'expression-checks', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'fetcher',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [flowNode('start', 'trigger.manual', 0, {}), flowNode('req', 'http.request', 300, { url: 'https://example.com' })],
        connections: [{ from: { node: 'start', port: 'true_path' }, to: { node: 'req', port: 'node' } }],
      },
    });
    // every request to the API that saves or validates, in order
    const sent = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (u.pathname.endsWith(`/flows/${f.id}/validate`)) sent.push('validate');
      else if (u.pathname.endsWith(`/flows/${f.id}/draft`) && r.method() === 'PUT') sent.push('save');
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    const node = page.locator('[data-handle="req"]');
    await node.waitFor();
    await page.getByRole('button', { name: '✓ No problems' }).waitFor();
    await page.locator('.react-flow__node:has([data-handle="req"]) .ps-node-header').click();
    const url = inspector().getByRole('textbox', { name: 'url', exact: true });
    const problems = inspector().locator('[data-testid=field-problems-url]');

    // the quick check: at once, before anything is saved
    await url.fill('{{ start.body.items[0 }}');
    await problems.filter({ hasText: 'expression at column 20: [ is not closed with ]' }).waitFor({ timeout: 2000 });
    assert.equal(await url.getAttribute('aria-invalid'), 'true');
    assert.equal(await url.getAttribute('aria-describedby'), 'ps-field-problems-url');
    await page.locator('[data-handle="req"].ps-node-has-problems').waitFor();
    await url.fill('{{ 1 + }}');
    await problems.filter({ hasText: 'expression at column 6: + at the end has nothing after it' }).waitFor({ timeout: 2000 });
    assert.equal(sent.filter((s) => s === 'validate').length, 0, `no validate while typing: ${sent}`);

    // the server's parser: after the autosave, on the field and the node
    await url.fill('{{ start.a start.b }}');
    await problems.filter({ hasText: /^expression at column \d+: unexpected token/ }).waitFor({ timeout: 10000 });
    await page.locator('[data-handle="req"].ps-node-has-problems').waitFor();
    const first = sent.indexOf('validate');
    assert.ok(first > 0 && sent.slice(0, first).includes('save'), `validated after a save: ${sent}`);
    await page.getByRole('button', { name: '⚠ 1 problem' }).click();
    const panel = page.getByLabel('Problems', { exact: true });
    await panel.getByTestId('server-check').filter({ hasText: /^Checked by the server at revision \d+\.$/ }).waitFor();
    assert.match(await panel.locator('li').first().innerText(), /^req\.url\s+expression at column \d+: unexpected token/);
    await page.waitForTimeout(1500);
    assert.equal(sent.filter((s) => s === 'validate').length, 1, `one validate for the revision: ${sent}`);

    // fixed: gone from the field and the node at once, and the next revision checks clean
    await url.fill('{{ start.a }}');
    await problems.waitFor({ state: 'detached', timeout: 2000 });
    assert.equal(await node.evaluate((el) => el.classList.contains('ps-node-has-problems')), false);
    await saved();
    await page.waitForFunction(() => document.querySelector('[data-testid=server-check]')?.textContent?.startsWith('Checked'));
    await page.waitForTimeout(1500);
    assert.equal(sent.filter((s) => s === 'validate').length, 2, `one validate per revision: ${sent}`);
    await page.getByRole('button', { name: '✓ No problems' }).waitFor();
    assert.equal((await api('GET', `${at.base}/flows/${f.id}`)).draft.document.nodes[1].values.url, '{{ start.a }}');
    assert.deepEqual(errors, []);
  });
});

test('the publishing panel shows the route each stage serves and offers to publish again where it is an older one', async (t) => {
  await guarded(t, 'served-route', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'orders', document: routeDoc });
    const fp = `${at.base}/flows/${f.id}`;
    await api('PUT', `${fp}/route`, { method: 'GET', segments: [{ kind: 'static', value: 'a' }] });
    await api('POST', `${fp}/publish`, { stage: 'live' });
    await api('PUT', `${fp}/route`, { method: 'POST', segments: [{ kind: 'static', value: 'b' }], require_api_key: true });

    // the publish matrix marks the stage
    await page.goto(`${suite.cloud.url}/p/${at.project}/publish`);
    const cell = page.locator(`[data-testid=matrix-cell-${f.id}-live]`);
    await cell.getByText('route changed').waitFor();

    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.getByRole('tab', { name: 'orders' }).waitFor();
    const stageSelect = page.locator('[data-testid=publish-stage]');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=publish-stage] option')].some((o) => o.textContent === 'live · v1 · route changed'));
    await page.locator('[data-testid=publishing-panel-toggle]').click();
    const live = page.getByTestId('stage-route-live');
    const notice = live.getByTestId('route-differs-live');
    await notice.filter({ hasText: 'Published with an older route (GET /a, no API key); publish again to serve POST /b, API key required.' }).waitFor();
    assert.equal(await live.getByTestId('served-route-live').textContent(), 'Serves GET /a');
    assert.match(await page.getByTestId('stage-route-mock').innerText(), /not published: serves nothing/);
    // the Stages tab says the same beside its Republish
    await page.getByRole('tab', { name: 'Stages' }).click();
    await page.getByTestId('stage-live').getByTestId('route-differs-live').waitFor();
    await page.getByRole('tab', { name: 'Route' }).click();

    await live.getByRole('button', { name: 'Publish again to live' }).click();
    await page.locator('[data-testid=publish-outcome]').filter({ hasText: 'Published version 1 to live' }).waitFor();
    await notice.waitFor({ state: 'detached' });
    await live.getByTestId('served-route-live').filter({ hasText: /^Serves POST \/b\s*API key$/ }).waitFor();
    assert.equal(await stageSelect.locator('option[value=live]').innerText(), 'live · v1');
    const [pub] = await api('GET', `${fp}/publications`);
    assert.deepEqual(pub.route, { method: 'POST', path: '/b', require_api_key: true });
    assert.equal(pub.route_differs, undefined);
    assert.deepEqual(errors, []);
  });
});

test("the schedule's time zone is searched and picked from the full list with the keyboard", async (t) => {
  await guarded(t, 'time-zone-picker', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'schedule', name: 'nightly' });
    await session.openPublishing(f);
    const form = page.getByRole('form', { name: 'Schedule' });
    const zone = form.getByRole('combobox', { name: 'Time zone' });
    await zone.waitFor();
    const before = await zone.inputValue();

    // opened empty: the whole list, past the 400 it was cut at
    await zone.click();
    const list = form.getByRole('listbox', { name: 'Time zones' });
    const all = await list.getByRole('option').count();
    const known = await page.evaluate(() => Intl.supportedValuesOf('timeZone').length);
    assert.ok(all >= known && all > 400, `${all} zones shown of ${known}`);

    // type to filter, arrows to move, Enter to pick (the form is not submitted)
    await zone.fill('europe/');
    const third = (await list.getByRole('option').nth(2).innerText()).split(/\s+UTC/)[0].trim();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.getElementById(document.activeElement.getAttribute('aria-activedescendant'))?.dataset.index), '2');
    await page.keyboard.press('Enter');
    assert.equal(await zone.inputValue(), third);
    await list.waitFor({ state: 'detached' });
    assert.equal(await form.getByText('Saved', { exact: true }).count(), 0, 'Enter picked; it did not save the form');

    // Escape puts the zone back and keeps the panel open
    await zone.fill('tok');
    await page.keyboard.press('Escape');
    assert.equal(await zone.inputValue(), third);
    await form.waitFor();

    await zone.fill('tokyo');
    await list.getByRole('option', { name: /Asia\/Tokyo/ }).waitFor();
    await page.keyboard.press('Enter');
    await form.getByTestId('tz-now').filter({ hasText: /^Asia\/Tokyo is UTC\+09:00 now/ }).waitFor();
    await form.getByRole('heading', { name: 'Next fire times (Asia/Tokyo)' }).waitFor();
    await form.getByRole('button', { name: 'Save schedule' }).click();
    await form.getByText('Saved', { exact: true }).waitFor();
    assert.notEqual(before, 'Asia/Tokyo');
    assert.equal((await api('GET', `${at.base}/flows/${f.id}/schedule`)).timezone, 'Asia/Tokyo');
    assert.deepEqual(errors, []);
  });
});
