// Editor gaps from a ninth pass, against the real local cloud: the run panel keeps a run's end
// when the stored run, read just after it, was not updated yet (the engine sends run_end
// first); the editor's toolbar moves with the arrow keys (one Tab stop); at 480 px the project
// panel leaves the canvas reachable. Set up through the API, driven through the editor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowNode } from './cloud.mjs';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

const suite = cloudSuite('qa9');
const session = projectSession(suite, { email: 'qa9@example.com', project: 'QA nine' });
/** Runs a test step in the session (set up on first use), keeping a screenshot of the page. */
const { guarded } = session;

/** A blueprint flow with one Manual play node `start`, opened in the editor. */
async function openManual(name) {
  const f = await api('POST', `${at.base}/flows`, {
    kind: 'blueprint',
    name,
    document: { schema: 'polysynergy/flow@1', nodes: [flowNode('start', 'trigger.manual', 0, {})], connections: [] },
  });
  await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
  await page.locator('[data-handle="start"]').waitFor();
  return f;
}

test("the run panel keeps a run's end when the stored run, read just after it, still says running, and reads until it is updated", async (t) => {
  await guarded(t, 'stale-record', async () => {
    const f = await openManual('stale record');
    const run = page.getByRole('region', { name: 'Run', exact: true });
    // a first run: the flow's subscription has reached the routers, so the next run's events come
    await page.getByRole('button', { name: '▶ Run' }).click();
    await run.locator('.ps-run-success').waitFor();
    // every status the panel says from now on, in order
    await page.evaluate(() => {
      window.__statuses = [];
      const seen = () => {
        const s = document.querySelector('[aria-label="Run status"]')?.textContent;
        if (s && window.__statuses.at(-1) !== s) window.__statuses.push(s);
      };
      new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    // the run's record read before the runner updated it: the first two reads say "running"
    let stale = 0;
    let reads = 0;
    let thirdRead;
    const third = new Promise((res) => (thirdRead = res));
    await page.route(`**/flows/${f.id}/runs/*`, async (route) => {
      if (route.request().method() !== 'GET') return route.continue();
      const res = await route.fetch();
      const body = await res.json();
      reads++;
      if (stale < 2 && body.status !== 'running') {
        stale++;
        return route.fulfill({ response: res, json: { ...body, status: 'running' } });
      }
      await route.fulfill({ response: res, json: body });
      if (stale === 2) thirdRead(body.status);
    });
    try {
      await page.getByRole('button', { name: '▶ Run' }).click();
      // (a bound, so a panel that stopped reading fails here rather than hanging the file)
      const noThird = new Promise((res) => setTimeout(() => res('no read after the stale ones'), 30000).unref());
      assert.equal(await Promise.race([third, noThird]), 'success');
      await run.locator('.ps-run-success').waitFor();
      const said = await page.evaluate(() => window.__statuses);
      t.diagnostic(`the panel said ${said.join(' → ')} over ${reads} reads`);
      // the new run: running, then its end — never back to running after it
      assert.equal(said.at(-1), 'success', said.join(' → '));
      assert.ok(!said.slice(said.indexOf('success')).includes('running'), `the panel went back: ${said.join(' → ')}`);
      assert.ok(reads >= 3, `${reads} reads`);
      assert.equal(await run.getByTestId('run-note').count(), 0);
    } finally {
      await page.unroute(`**/flows/${f.id}/runs/*`);
    }
    assert.deepEqual(errors, []);
  });
});

test('the run panel says when the stored run cannot be read, keeps trying, and clears it once a read works', async (t) => {
  await guarded(t, 'read-fails', async () => {
    const f = await openManual('read fails');
    const run = page.getByRole('region', { name: 'Run', exact: true });
    let failing = true;
    let failed = 0;
    await page.route(`**/flows/${f.id}/runs/*`, async (route) => {
      if (route.request().method() !== 'GET' || !failing) return route.continue();
      failed++;
      await route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ title: 'Service Unavailable', status: 503, detail: 'the table is busy' }) });
    });
    try {
      await page.getByRole('button', { name: '▶ Run' }).click();
      const note = run.getByTestId('run-note');
      await note.waitFor();
      assert.match(await note.innerText(), /^Could not read the stored run \(.+\); trying again\.$/);
      assert.ok(failed >= 1);
      failing = false;
      await note.waitFor({ state: 'detached' });
      await run.locator('.ps-run-success').waitFor();
    } finally {
      await page.unroute(`**/flows/${f.id}/runs/*`);
    }
    // the browser logs each refused read (the 503s this test made); the editor itself said it
    // once, as a warning, never as an error
    errors.splice(0, errors.length, ...errors.filter((e) => !/status of 503 \(Service Unavailable\)/.test(e)));
    assert.deepEqual(errors, []);
  });
});

test("the editor's toolbar is one Tab stop; the arrow keys, Home and End move between its buttons", async (t) => {
  await guarded(t, 'toolbar-keys', async () => {
    await openManual('toolbar keys');
    const bar = page.getByRole('toolbar', { name: 'Flow' });
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent?.trim());
    const inToolbar = () => page.evaluate(() => document.activeElement?.closest('[role="toolbar"]') !== null);
    await bar.getByRole('button', { name: 'Fit' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await focused(), 'Layout');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await focused(), 'Fit');
    await page.keyboard.press('End');
    assert.equal(await focused(), 'Toggle theme');
    // wrapping: → from the last is the first (Undo and Redo wait: nothing to undo yet)
    await page.keyboard.press('ArrowRight');
    assert.equal(await focused(), 'Fit');
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    assert.equal(await focused(), 'Keyboard shortcuts');
    // one Tab stop: Tab leaves the toolbar, Shift+Tab comes back to the button last focused
    await page.keyboard.press('Tab');
    assert.equal(await inToolbar(), false);
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focused(), 'Keyboard shortcuts');
    const stops = await bar.evaluate((b) => [...b.querySelectorAll('button, a[href]')].filter((x) => x.tabIndex === 0 && !x.disabled && !x.closest('[role="dialog"]')).length);
    assert.equal(stops, 1);
    await page.keyboard.press('Home');
    assert.equal(await focused(), 'Fit');
    assert.deepEqual(errors, []);
  });
});

test('at 480 px the project panel leaves the canvas reachable: it opens over the editor and closes again', async (t) => {
  await guarded(t, 'narrow-480', async () => {
    // shown on a wide window before: at 480 px it still starts closed
    await page.evaluate(() => localStorage.setItem('ps.projectPanel', 'shown'));
    await page.setViewportSize({ width: 480, height: 800 });
    try {
      await openManual('narrow');
      const show = page.getByRole('button', { name: 'Show the project panel' });
      await show.waitFor();
      const canvasInView = async () => {
        const box = await page.locator('.react-flow__pane').boundingBox();
        return Math.min(box.x + box.width, 480) - Math.max(box.x, 0);
      };
      assert.ok((await canvasInView()) >= 150, `canvas in view: ${await canvasInView()} px`);
      await page.locator('.react-flow__node[data-id="start"] .ps-node-header').click();
      await page.locator('.react-flow__node[data-id="start"].selected').waitFor();

      await show.click();
      const panel = page.locator('nav.ps-side');
      await panel.getByRole('link', { name: 'narrow' }).waitFor();
      await page.screenshot({ path: `${suite.shots}narrow-480-panel.png` });
      // over the editor, inside the window: nothing scrolls sideways, the editor keeps its room
      const box = await panel.boundingBox();
      assert.ok(box.x + box.width <= 480, `panel ends at ${box.x + box.width}`);
      assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= 480);
      assert.ok((await canvasInView()) >= 150);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Hide the project panel');
      // Escape closes it, the focus back on the rail's button
      await page.keyboard.press('Escape');
      await panel.waitFor({ state: 'hidden' });
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Show the project panel');
      // a click beside it closes it; so does opening a flow from it
      await show.click();
      await page.locator('.ps-side-backdrop').click({ position: { x: 400, y: 400 } });
      await panel.waitFor({ state: 'hidden' });
      await show.click();
      await panel.getByRole('link', { name: 'narrow' }).click();
      await panel.waitFor({ state: 'hidden' });
      // the canvas takes the pointer again
      await page.locator('.react-flow__pane').click({ position: { x: 40, y: 40 } });
      await page.locator('.react-flow__node.selected').waitFor({ state: 'detached' });
      assert.equal(await page.evaluate(() => localStorage.getItem('ps.projectPanel')), 'shown');
    } finally {
      await page.setViewportSize({ width: 1400, height: 880 });
    }
    assert.deepEqual(errors, []);
  });
});
