// The editor's journey against the real local cloud: this test starts `polysynergy dev` itself
// (e2e/cloud.mjs: a free port, a temporary data dir), then drives headless Chromium through
// sign in → project → route flow → nodes from the palette → connect → edit values → run with
// node states and outputs → run history → publish → the trigger URL → that run in history →
// restore an older version. Screenshots of the key screens land in test-results/journey/.
// The server is stopped at the end whatever happened; its log is printed when a step failed.
//
// Every step goes through the editor's UI; the API is only read to check what was saved.

import assert from 'node:assert/strict';
import { mkdir, rm } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { launch, watchConsole } from './browser.mjs';
import { startCloud } from './cloud.mjs';

const shots = new URL('../test-results/journey/', import.meta.url).pathname;
const user = 'journey@example.com';
let cloud;
let browser;
let page;
let errors;
let token;
let failed = null;
const frames = [];
const wsUrls = [];
/** What the steps learn and later steps use. */
const at = { tenant: '', project: '', slug: '', flow: '', stage: 'live' };

before(async () => {
  await rm(shots, { recursive: true, force: true }); // no failure shots of an earlier run
  await mkdir(shots, { recursive: true });
  cloud = await startCloud();
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1400, height: 880 } });
  page = await context.newPage();
  errors = watchConsole(page);
  page.on('websocket', (ws) => {
    wsUrls.push(ws.url());
    ws.on('framereceived', (f) => frames.push(String(f.payload)));
  });
});

after(async () => {
  try {
    await browser?.close();
  } finally {
    if (failed) console.log(`--- polysynergy dev log (a step failed: ${failed}) ---\n${cloud?.log() ?? '(not started)'}`);
    await cloud?.stop();
  }
});

const shot = (name) => page.screenshot({ path: `${shots}${name}.png` });

/** One step of the journey: later steps do not run once one failed. */
function step(name, f) {
  test(name, async () => {
    if (failed) throw new Error(`not run: step ${failed} failed`);
    try {
      await f();
      await shot(name);
    } catch (e) {
      failed = name;
      await shot(`${name}-failure`).catch(() => {});
      throw e;
    }
  });
}

async function api(method, path, body) {
  const r = await fetch(`${cloud.url}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const t = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${t}`);
  return t ? JSON.parse(t) : null;
}
const fp = (rest = '') => `/tenants/${at.tenant}/projects/${at.project}/flows/${at.flow}${rest}`;

const output = (h, port) => page.locator(`[data-handle="${h}"] .ps-port-output[data-port="${port}"] .react-flow__handle`);
const input = (h, port) => page.locator(`[data-handle="${h}"] .ps-port-input[data-port="${port}"] .react-flow__handle`);
const saved = () => page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved/ }).waitFor();

/** Replaces the text of a CodeMirror editor (insertText: no bracket auto-closing). */
async function setCode(content, text) {
  await content.click();
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(text);
}

/** Lays the canvas out once every node drew, and waits for the nodes to stop moving. */
async function layout(count) {
  await page.waitForFunction((n) => document.querySelectorAll('.react-flow__node').length === n, count);
  await page.getByRole('button', { name: 'Layout' }).click();
  let last = '';
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(150);
    const now = await page.evaluate(() => [...document.querySelectorAll('.react-flow__node')].map((n) => n.getAttribute('style')).join('|'));
    if (now === last) return;
    last = now;
  }
}

/** Draws a connection; a drag the page missed (it was busy) is tried once more. */
async function connect(from, to) {
  const before = await page.locator('.react-flow__edge').count();
  for (let attempt = 0; attempt < 2; attempt++) {
    await drag(from, to);
    try {
      await page.waitForFunction((n) => document.querySelectorAll('.react-flow__edge').length > n, before, { timeout: 3000 });
      return;
    } catch {
      /* try again */
    }
  }
  throw new Error('the connection was not made');
}

async function drag(from, to) {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 30, a.y + a.height / 2 + 5, { steps: 4 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

step('01-sign-in', async () => {
  await page.goto(cloud.url);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // the dev provider's sign-in page: a new user
  await page.getByRole('textbox', { name: 'E-mail' }).fill(user);
  await page.getByRole('button', { name: 'Create user and sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  // the API steps act as the same user, with the editor's own access token
  token = await page.evaluate(() => {
    const k = Object.keys(sessionStorage).find((x) => x.startsWith('oidc.user'));
    return k ? JSON.parse(sessionStorage.getItem(k)).access_token : null;
  });
  assert.ok(token, 'the editor keeps an access token after signing in');
  const me = await api('GET', '/me');
  at.tenant = me.memberships[0].tenant;
});

step('02-create-project', async () => {
  await page.getByPlaceholder('My project').fill('Journey');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('region', { name: 'Routes' }).waitFor();
  at.project = new URL(page.url()).pathname.split('/')[2];
  assert.match(at.project, /^[0-9A-Z]{26}$/);
  at.slug = (await api('GET', `/tenants/${at.tenant}/projects/${at.project}`)).slug;
  assert.ok(at.slug, 'the project has a slug');
});

step('03-create-route-flow', async () => {
  await page.getByRole('button', { name: 'New route' }).click();
  await page.getByLabel('New route name').fill('hello');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.getByRole('searchbox', { name: 'Search nodes' }).waitFor();
  at.flow = new URL(page.url()).pathname.split('/')[4];
  assert.match(at.flow, /^[0-9A-Z]{26}$/);
});

step('04-add-nodes-from-palette', async () => {
  await page.locator('[data-type-id="trigger.mock_route"]').click();
  const search = page.getByRole('searchbox', { name: 'Search nodes' });
  await search.fill('http response');
  await page.keyboard.press('Enter');
  await search.fill('');
  await layout(2);
  await page.locator('[data-handle="mock_route"]').waitFor();
  await page.locator('[data-handle="response"]').waitFor();
  assert.equal(await page.locator('.react-flow__node').count(), 2);
});

step('05-connect', async () => {
  await connect(output('mock_route', 'true_path'), input('response', 'node'));
  await page.locator('.react-flow__edge').first().waitFor();
  assert.equal(await page.locator('.react-flow__edge').count(), 1);
});

step('06-edit-values', async () => {
  await page.locator('.react-flow__node:has([data-handle="response"]) .ps-node-header').click();
  const status = page.getByRole('spinbutton', { name: 'status', exact: true });
  await status.fill('201');
  // body (any) is a JSON editor: a JSON string with an expression in it
  await setCode(page.locator('.ps-inspector .cm-content').first(), '"Hello {{ mock_route.query.name }}"');
  await saved();
  const d = (await api('GET', fp())).draft.document;
  const resp = d.nodes.find((n) => n.type === 'http.response');
  assert.equal(resp.values.body, 'Hello {{ mock_route.query.name }}');
  assert.equal(resp.values.status, 201);
  assert.equal(d.connections.length, 1);
});

step('07-run', async () => {
  await page.getByRole('button', { name: '▶ Run' }).click();
  const panel = page.getByRole('region', { name: 'Run', exact: true });
  await panel.locator('.ps-run-success').waitFor({ timeout: 20000 });
  await page.locator('[data-handle="response"].ps-run-success').waitFor();
  await page.locator('[data-handle="mock_route"].ps-run-success').waitFor();
  assert.ok(frames.some((f) => f.includes('"node_end"')), 'node states came over the WebSocket');
  // the token travels as a subprotocol, never in the URL (URLs are logged)
  assert.ok(wsUrls.length > 0, 'the editor opened its WebSocket');
  for (const u of wsUrls) assert.ok(!/[?&]token=/.test(u) && !u.includes(token.split('.')[2]), `a token in the WebSocket URL ${u.split('?')[0]}?…`);
  await panel.getByRole('tab', { name: /Output/ }).click();
  await panel.getByText('"method": "GET"').first().waitFor();
});

step('07b-run-with-a-test-request', async () => {
  await page.getByRole('button', { name: 'Run options' }).click();
  const dialog = page.getByRole('dialog', { name: 'Run options' });
  await dialog.getByLabel('Send a test request').check();
  await dialog.getByLabel('Path').fill('/hello');
  await dialog.getByRole('button', { name: '+ Parameter' }).click();
  await dialog.getByLabel('Query 1 name').fill('name');
  await dialog.getByLabel('Query 1 value').fill('Ada');
  await shot('07b-run-options');
  await dialog.getByRole('button', { name: 'Save and run' }).click();
  const panel = page.getByRole('region', { name: 'Run', exact: true });
  await panel.getByText('Hello Ada').first().waitFor({ timeout: 20000 });
  await panel.locator('.ps-run-success').waitFor({ timeout: 20000 });
});

step('07c-history-of-editor-runs', async () => {
  await page.getByRole('button', { name: 'History', exact: true }).click();
  const history = page.getByRole('region', { name: 'Run history' });
  await history.locator('tbody tr').nth(1).waitFor();
  assert.equal(await history.locator('tbody tr').count(), 2);
  assert.match(await history.locator('tbody tr').first().innerText(), /success[\s\S]*mock[\s\S]*draft/);
});

step('08-publish', async () => {
  // a stage to publish to, on the Stages screen
  const flowUrl = page.url();
  await page.getByRole('link', { name: 'Stages', exact: true }).click();
  await page.getByLabel('Stage name').fill(at.stage);
  await page.getByRole('button', { name: 'Add stage' }).click();
  await page.getByText(at.stage, { exact: true }).first().waitFor();
  await shot('08-stages');
  await page.goto(flowUrl);
  await page.locator('[data-handle="response"]').waitFor();
  // publish the draft from the editor's toolbar
  await page.locator('[data-testid=publish-stage]').selectOption(at.stage);
  await page.locator('[data-testid=publish-button]').click();
  const outcome = page.locator('[data-testid=publish-outcome]');
  await outcome.filter({ hasText: `Published version 1 to ${at.stage}` }).waitFor();
  const pubs = await api('GET', fp('/publications'));
  assert.equal(JSON.stringify(pubs).includes(`"${at.stage}"`), true, JSON.stringify(pubs));
});

step('09-call-trigger-url', async () => {
  const url = `http://${at.slug}-${at.stage}.localhost:${cloud.port}/hello?name=Ada`;
  // in the browser itself: Chromium resolves *.localhost to loopback
  const tab = await page.context().newPage();
  const res = await tab.goto(url);
  assert.equal(res.status(), 201, await res.text());
  assert.equal(await res.text(), 'Hello Ada');
  await tab.screenshot({ path: `${shots}09-trigger-url-in-browser.png` });
  await tab.close();
});

step('10-trigger-run-in-history', async () => {
  const history = page.getByRole('region', { name: 'Run history' });
  if (!(await history.count())) await page.getByRole('button', { name: 'History', exact: true }).click();
  // the trigger's run happened outside the editor: refresh the list, then filter by its stage
  await history.getByRole('button', { name: 'Refresh' }).click();
  await history.locator(`tbody tr:has-text("${at.stage}")`).first().waitFor();
  await history.getByLabel('Stage').selectOption(at.stage);
  const row = history.locator('tbody tr').first();
  await row.waitFor();
  assert.equal(await history.locator('tbody tr').count(), 1);
  assert.match(await row.innerText(), new RegExp(`success[\\s\\S]*${at.stage}[\\s\\S]*v1`));
  // open it: the canvas shows the stored node states, the panel its outputs
  const close = page.getByRole('button', { name: 'Close the run panel' });
  if (await close.count()) await close.click();
  await row.getByRole('button', { name: /^Open/ }).click();
  const panel = page.getByRole('region', { name: 'Run', exact: true });
  await panel.locator('.ps-run-success').waitFor();
  await page.locator('[data-handle="response"].ps-run-success').waitFor();
  await panel.getByRole('tab', { name: /Output/ }).click();
  await panel.getByText('Hello Ada').first().waitFor();
  await history.getByLabel('Stage').selectOption('');
  await page.getByRole('button', { name: 'History', exact: true }).click();
});

step('11-pause-and-resume', async () => {
  await page.getByRole('button', { name: 'New blueprint' }).click();
  await page.getByLabel('New blueprint name').fill('approve');
  await page.getByRole('button', { name: 'Create', exact: true }).click();
  await page.getByRole('tab', { name: 'approve', selected: true }).waitFor();
  const search = page.getByRole('searchbox', { name: 'Search nodes' });
  await page.locator('[data-type-id="trigger.manual"]').click();
  await search.fill('approval');
  await page.keyboard.press('Enter');
  await search.fill('log');
  await page.keyboard.press('Enter');
  await search.fill('');
  await layout(3);
  await connect(output('manual', 'true_path'), input('approval', 'node'));
  await connect(output('approval', 'true_path'), input('log', 'node'));
  await page.locator('.react-flow__edge').nth(1).waitFor();
  await saved();
  await page.getByRole('button', { name: '▶ Run' }).click();
  const panel = page.getByRole('region', { name: 'Run', exact: true });
  await panel.locator('.ps-chip.ps-run-paused').waitFor({ timeout: 20000 });
  await page.locator('[data-handle="approval"].ps-run-paused').waitFor();
  const resume = panel.getByRole('group', { name: 'Resume the paused run' });
  await resume.waitFor();
  await shot('11-paused');
  await resume.getByRole('button', { name: 'Resume' }).click();
  await panel.locator('.ps-chip.ps-run-success').waitFor({ timeout: 20000 });
  await page.locator('[data-handle="log"].ps-run-success').waitFor();
  await page.locator('[data-handle="approval"].ps-run-success').waitFor();
});

step('11b-group', async () => {
  await page.getByRole('button', { name: 'Close the run panel' }).click();
  await page.locator('.react-flow__node:has([data-handle="approval"]) .ps-node-header').click();
  await page.locator('.react-flow__node:has([data-handle="log"]) .ps-node-header').click({ modifiers: ['Shift'] });
  await page.getByRole('button', { name: 'Group', exact: true }).click();
  const box = page.locator('.ps-group-box');
  await box.waitFor();
  assert.equal(await page.locator('[data-handle="approval"]').count(), 0, 'members hide behind the closed group');
  const panel = page.getByRole('region', { name: 'Group' });
  await panel.getByLabel('Group name').fill('Review');
  await panel.getByRole('button', { name: 'Rename' }).click();
  await box.getByText('Review').waitFor();
  assert.equal(await page.locator('.react-flow__edge').count(), 1, 'the edge into the group ends on its box');
  await saved();
  await shot('11b-group-closed');
  await box.dblclick();
  await page.getByRole('region', { name: 'Open group' }).waitFor();
  await page.locator('[data-handle="approval"]').waitFor();
  assert.equal(await page.locator('[data-handle="manual"]').count(), 0);
  await shot('11b-group-open');
  await page.getByRole('button', { name: 'Close group' }).click();
  // the server takes the grouped document: it validates and runs
  const d = (await api('GET', `/tenants/${at.tenant}/projects/${at.project}/flows/${new URL(page.url()).pathname.split('/')[4]}`)).draft.document;
  assert.equal(d.groups.length, 1);
  assert.equal(d.groups[0].name, 'Review');
  assert.deepEqual(d.groups[0].inputs.map((p) => p.name), ['approval_node']);
  await page.getByRole('button', { name: '▶ Run' }).click();
  const runPanel = page.getByRole('region', { name: 'Run', exact: true });
  await runPanel.locator('.ps-chip.ps-run-paused').waitFor({ timeout: 20000 });
  await shot('11b-grouped-run-paused');
  await page.locator('.ps-group-box').click();
  await page.getByRole('region', { name: 'Group' }).getByRole('button', { name: 'Dissolve' }).click();
  await page.locator('[data-handle="approval"]').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length === 2);
  await saved();
  const after = (await api('GET', `/tenants/${at.tenant}/projects/${at.project}/flows/${new URL(page.url()).pathname.split('/')[4]}`)).draft.document;
  assert.equal(after.groups?.length ?? 0, 0);
  assert.equal(after.nodes.length, 3);
  assert.equal(after.connections.length, 2);
  // a selected group box goes with its nodes on Delete; undo brings them back, grouped
  await page.locator('.react-flow__node:has([data-handle="approval"]) .ps-node-header').click();
  await page.locator('.react-flow__node:has([data-handle="log"]) .ps-node-header').click({ modifiers: ['Shift'] });
  await page.getByRole('button', { name: 'Group', exact: true }).click();
  await page.locator('.ps-group-box').click();
  await page.keyboard.press('Delete');
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 1);
  assert.equal(await page.locator('.ps-group-box').count(), 0);
  await page.keyboard.press('Control+z');
  await page.locator('.ps-group-box').waitFor();
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__edge').length === 1);
  await page.getByRole('tab', { name: 'hello' }).click();
  await page.locator('[data-handle="response"]').waitFor();
});

step('12-restore-older-version', async () => {
  // a second version, different from the first: the response says Bye
  await page.locator('.react-flow__node:has([data-handle="response"]) .ps-node-header').click();
  await setCode(page.locator('.ps-inspector .cm-content').first(), '"Bye"');
  await saved();
  await page.locator('[data-testid=publish-stage]').selectOption(at.stage);
  await page.locator('[data-testid=publish-button]').click();
  await page.locator('[data-testid=publish-outcome]').filter({ hasText: `Published version 2 to ${at.stage}` }).waitFor();
  const tab = await page.context().newPage();
  const res = await tab.goto(`http://${at.slug}-${at.stage}.localhost:${cloud.port}/hello`);
  assert.equal(await res.text(), 'Bye');
  await tab.close();
  // restore version 1 into the draft from the versions panel
  await page.locator('[data-testid=publishing-panel-toggle]').click();
  await page.getByRole('tab', { name: 'Versions' }).click();
  await page.locator('[data-testid=versions-list]').waitFor();
  await shot('12-versions');
  await page.locator('[data-testid=restore-version-1]').click();
  await page.locator('[data-testid=confirm-restore]').click();
  await page.getByText('Restored version 1 into the draft').waitFor();
  await shot('12-restored');
  const d = (await api('GET', fp())).draft.document;
  assert.equal(d.nodes.find((n) => n.type === 'http.response').values.body, 'Hello {{ mock_route.query.name }}');
  // the editor shows the restored draft
  await page.locator('.react-flow__node:has([data-handle="response"]) .ps-node-header').click();
  await page.locator('.ps-inspector .cm-content', { hasText: 'Hello {{ mock_route.query.name }}' }).first().waitFor();
});

step('13-no-console-errors', async () => {
  assert.deepEqual(errors, []);
});

step('14-toolbar-fits-1280', async () => {
  // the signed-in flow editor (project panel, run, history, publishing) at a 1280 px laptop
  await page.setViewportSize({ width: 1280, height: 800 });
  try {
    const m = await page.evaluate(() => {
      const bar = document.querySelector('[role="toolbar"][aria-label="Flow"]');
      const b = bar.getBoundingClientRect();
      const controls = [...bar.querySelectorAll('button, select, [role="status"]')].map((el) => ({ name: el.getAttribute('aria-label') || el.textContent.trim(), r: el.getBoundingClientRect() }));
      const out = controls.filter(({ r }) => r.left < b.left - 0.5 || r.right > b.right + 0.5 || r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5).map(({ name }) => name);
      return { names: controls.map((c) => c.name), out, scroll: bar.scrollWidth, client: bar.clientWidth, page: document.documentElement.scrollWidth };
    });
    for (const want of ['Undo', 'Publish', 'Keyboard shortcuts', 'Toggle theme']) assert.ok(m.names.includes(want), `${want} in the toolbar: ${m.names.join(', ')}`);
    assert.deepEqual(m.out, [], 'controls outside the toolbar at 1280 px');
    assert.ok(m.scroll <= m.client, `the toolbar overflows at 1280 px: ${m.scroll} > ${m.client}`);
    assert.ok(m.page <= 1280, `the page scrolls sideways at 1280 px: ${m.page}`);
    await shot('14-toolbar-1280');
  } finally {
    await page.setViewportSize({ width: 1400, height: 880 });
  }
});
