// A walk through the signed-in editor against the local cloud, by hand (`make test` runs the
// journey in e2e/journey.test.mjs instead). Without arguments it starts its own
// `polysynergy dev` (e2e/cloud.mjs: a free port, a temporary data dir):
//
//   make web build && node web/e2e/local-cloud.mjs
//
// or walks a cloud that is already running:
//
//   node web/e2e/local-cloud.mjs http://localhost:18099
//
// It signs in through the dev provider, creates a project and a route flow, places and
// connects two nodes, runs the flow and reads the run panel, reloads (tabs come back), makes
// a draft conflict through the API and keeps mine, lets the session expire and signs in again
// in a popup without losing the unsaved node, then trashes and restores the project.
// Screenshots land in web/test-results/local-cloud/. It exits non-zero on the first failure.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { launch, watchConsole } from './browser.mjs';
import { startCloud } from './cloud.mjs';

const cloud = process.argv[2] ? null : await startCloud();
const base = (process.argv[2] ?? cloud.url).replace(/\/+$/, '');
// the API calls act as the signed-in user, with the editor's own access token
let token = process.env.TOKEN;
const user = process.env.USER_EMAIL ?? 'you@example.com';
const shots = new URL('../test-results/local-cloud/', import.meta.url).pathname;
await mkdir(shots, { recursive: true });

const api = async (method, path, body) => {
  const r = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const t = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${t}`);
  return t ? JSON.parse(t) : null;
};

const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1400, height: 880 } });
const errors = watchConsole(page);
const frames = [];
page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
const shot = (n) => page.screenshot({ path: `${shots}${n}.png` });
const step = async (name, f) => {
  process.stdout.write(`${name} … `);
  await f();
  await shot(name);
  console.log('ok');
};
let failed = false;
try {
  await step('01-sign-in', async () => {
    await page.goto(base);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const known = page.locator('button', { hasText: user }).first();
    if (await known.count()) await known.click();
    else {
      await page.getByRole('textbox', { name: 'E-mail' }).fill(user);
      await page.getByRole('button', { name: 'Create user and sign in' }).click();
    }
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    token ??= await page.evaluate(() => {
      const k = Object.keys(sessionStorage).find((x) => x.startsWith('oidc.user'));
      return k ? JSON.parse(sessionStorage.getItem(k)).access_token : null;
    });
    assert.ok(token, 'an access token after signing in');
  });
  const projectName = `Journey ${Date.now()}`;
  await step('02-create-project', async () => {
    await page.getByPlaceholder('My project').fill(projectName);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('region', { name: 'Routes' }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/p\/[^/]+$/);
  });
  await step('03-create-route', async () => {
    await page.getByRole('button', { name: 'New route' }).click();
    await page.getByLabel('New route name').fill('hello');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('searchbox', { name: 'Search nodes' }).waitFor();
    assert.match(new URL(page.url()).pathname, /^\/p\/[^/]+\/f\/[^/]+$/);
  });
  await step('04-nodes', async () => {
    await page.locator('[data-type-id="trigger.mock_route"]').click();
    const search = page.getByRole('searchbox', { name: 'Search nodes' });
    await search.fill('log');
    await page.keyboard.press('Enter');
    await search.fill('');
    await page.getByRole('button', { name: 'Layout' }).click();
    await page.waitForTimeout(400);
    const out = page.locator('[data-handle="mock_route"] .ps-port-output[data-port="true_path"] .react-flow__handle');
    const inp = page.locator('[data-handle="log"] .ps-port-input[data-port="node"] .react-flow__handle');
    const a = await out.boundingBox();
    const b = await inp.boundingBox();
    await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
    await page.mouse.down();
    await page.mouse.move(a.x + 30, a.y + 5, { steps: 4 });
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
    await page.mouse.up();
    await page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved/ }).waitFor();
    assert.equal(await page.locator('.react-flow__edge').count(), 1);
  });
  await step('05-run', async () => {
    await page.getByRole('button', { name: '▶ Run' }).click();
    const panel = page.getByRole('region', { name: 'Run' });
    await panel.locator('.ps-run-success').waitFor({ timeout: 20000 });
    await page.locator('[data-handle="log"].ps-run-success').waitFor();
    assert.match(await panel.innerText(), /Logs \(1\)/);
    // the node states came live over the WebSocket
    assert.ok(frames.some((f) => f.includes('"node_end"')), `no node_end event among ${frames.length} WebSocket frames: ${frames.slice(0, 5).join(' | ')}`);
  });
  await step('06-reload-keeps-tabs', async () => {
    await page.reload();
    await page.getByRole('tab', { name: 'hello' }).waitFor();
    await page.locator('[data-handle="log"]').waitFor();
  });
  await step('06b-second-tab', async () => {
    const first = new URL(page.url()).pathname;
    await page.getByRole('button', { name: 'New schedule' }).click();
    await page.getByLabel('New schedule name').fill('nightly');
    await page.getByRole('button', { name: 'Create', exact: true }).click();
    await page.getByRole('tab', { name: 'nightly', selected: true }).waitFor();
    assert.notEqual(new URL(page.url()).pathname, first);
    await page.getByRole('tab', { name: 'hello' }).click();
    await page.locator('[data-handle="log"]').waitFor();
    assert.equal(new URL(page.url()).pathname, first);
    await page.goBack();
    await page.getByRole('tab', { name: 'nightly', selected: true }).waitFor();
    await page.getByRole('button', { name: 'Close nightly' }).click();
    await page.locator('[data-handle="log"]').waitFor();
    assert.equal(new URL(page.url()).pathname, first);
    assert.equal(await page.getByRole('tab').count(), 1);
  });
  await step('07-conflict', async () => {
    const [, , project, , flow] = new URL(page.url()).pathname.split('/');
    const me = await api('GET', '/me');
    const tenant = me.memberships[0].tenant;
    const fp = `/tenants/${tenant}/projects/${project}/flows/${flow}`;
    const d = (await api('GET', fp)).draft;
    await api('PUT', `${fp}/draft`, { document: d.document, revision: d.revision });
    await page.locator('[data-type-id="trigger.manual"]').click();
    await page.getByRole('dialog', { name: 'This flow was changed elsewhere' }).waitFor();
    await shot('07-conflict-dialog');
    await page.getByRole('button', { name: 'Keep mine' }).click();
    await page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved/ }).waitFor();
    const d2 = (await api('GET', fp)).draft;
    assert.equal(d2.document.nodes.length, 3);
  });
  await step('08-session-expired', async () => {
    // spoil the stored access token: the next save answers 401
    await page.evaluate(() => {
      for (const k of Object.keys(sessionStorage)) {
        if (!k.startsWith('oidc.user')) continue;
        const u = JSON.parse(sessionStorage.getItem(k));
        u.access_token = 'spoiled';
        sessionStorage.setItem(k, JSON.stringify(u));
      }
    });
    await page.locator('[data-type-id="trigger.schedule"]').click();
    await page.getByText('Your session expired').waitFor();
    await page.getByRole('status', { name: 'Save state' }).filter({ hasText: /sign in again/ }).waitFor();
    await shot('08-session-expired-banner');
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Sign in again' }).click()]);
    await popup.locator('button', { hasText: user }).first().click();
    await page.getByText('Your session expired').waitFor({ state: 'detached' });
    await page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved/ }).waitFor();
  });
  await step('09-trash-and-restore', async () => {
    await page.getByRole('link', { name: 'Projects' }).first().click();
    const row = page.locator('.ps-project-row', { hasText: projectName });
    await row.getByRole('button', { name: 'Move to trash' }).click();
    await row.getByRole('button', { name: `Move “${projectName}” to the trash` }).click();
    await row.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Trash', exact: true }).click();
    const trashed = page.locator('.ps-project-row', { hasText: projectName });
    await trashed.getByRole('button', { name: 'Restore' }).click();
    await trashed.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Back to projects' }).click();
    await page.locator('.ps-project-row', { hasText: projectName }).waitFor();
  });
  // the browser logs the 409 of the conflict step and the 401 of the expired session itself
  const unexpected = errors.filter((e) => !/status of (409|401)/.test(e));
  assert.deepEqual(unexpected, []);
} catch (e) {
  failed = true;
  console.log('FAILED');
  console.error(e);
  await shot('failure');
}
await browser.close();
if (cloud) {
  if (failed) console.log(`--- polysynergy dev log ---\n${cloud.log()}`);
  await cloud.stop();
}
process.exit(failed ? 1 : 0);
