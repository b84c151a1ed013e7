// Editor gaps from a seventh pass, against the real local cloud: the publishing and chat panels
// start below the flow toolbar also when it wraps to two rows; the server's validation warnings
// show on the canvas and in the problems list without blocking Run or Publish. Set up through
// the API, driven through the editor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowNode } from './cloud.mjs';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

const suite = cloudSuite('qa7');
const session = projectSession(suite, { email: 'qa7@example.com', project: 'QA seven', prepare: ({ api, at }) => api('POST', `${at.base}/stages`, { name: 'live' }) });
/** Runs a test step in the session (set up on first use), keeping a screenshot of the page. */
const { guarded } = session;

test('the publishing and chat panels start below the toolbar when it wraps to two rows (800 px)', async (t) => {
  await guarded(t, 'panels-below-toolbar', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'route',
      name: 'panels under a wrapped toolbar',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('chat', 'ai.chat_trigger', 0, {})], connections: [] },
    });
    /** The toolbar's bottom and the panel's top, in the window. */
    const measure = (panel) =>
      page.evaluate((sel) => {
        const toolbar = document.querySelector('.ps-toolbar').getBoundingClientRect();
        return { toolbarTop: toolbar.top, toolbarBottom: toolbar.bottom, panelTop: document.querySelector(sel).getBoundingClientRect().top };
      }, panel);
    try {
      await page.setViewportSize({ width: 800, height: 760 });
      await session.openPublishing(f);
      await page.getByRole('complementary', { name: 'Publishing panel' }).waitFor();
      if (await page.getByRole('button', { name: 'Hide the project panel' }).isVisible()) await page.getByRole('button', { name: 'Hide the project panel' }).click();
      await page.waitForTimeout(100);
      let m = await measure('.ps-pub-panel');
      // the toolbar wraps at 800 px: two rows, not the one the panels assumed (45 px)
      assert.ok(m.toolbarBottom - m.toolbarTop > 60, `the toolbar wraps at 800 px: ${JSON.stringify(m)}`);
      assert.ok(m.panelTop >= m.toolbarBottom - 0.5, `the publishing panel starts below the toolbar: ${JSON.stringify(m)}`);
      assert.ok(m.panelTop - m.toolbarBottom < 4, `the publishing panel starts just below the toolbar: ${JSON.stringify(m)}`);
      // the toolbar's second row is reachable: its buttons are not under the panel
      const settings = await page.getByRole('toolbar', { name: 'Flow' }).getByRole('button', { name: 'Settings', exact: true }).boundingBox();
      assert.ok(settings.y + settings.height <= m.panelTop + 0.5, `Settings is above the panel: ${JSON.stringify(settings)}`);
      await page.screenshot({ path: `${suite.shots}publishing-800.png` });
      await page.getByRole('button', { name: 'Close the publishing panel' }).click();

      await page.getByRole('toolbar', { name: 'Flow' }).getByRole('button', { name: 'Chat', exact: true }).click();
      await page.getByRole('textbox', { name: 'Message' }).waitFor();
      m = await measure('.ps-chat-panel');
      assert.ok(m.panelTop >= m.toolbarBottom - 0.5, `the chat panel starts below the toolbar: ${JSON.stringify(m)}`);
      assert.ok(m.panelTop - m.toolbarBottom < 4, `the chat panel starts just below the toolbar: ${JSON.stringify(m)}`);

      // wide again: one row, and the panel follows it up
      await page.setViewportSize({ width: 1400, height: 880 });
      await page.waitForTimeout(100);
      m = await measure('.ps-chat-panel');
      assert.ok(m.toolbarBottom - m.toolbarTop < 60, `one row at 1400 px: ${JSON.stringify(m)}`);
      assert.ok(m.panelTop >= m.toolbarBottom - 0.5 && m.panelTop - m.toolbarBottom < 4, `the chat panel follows the toolbar: ${JSON.stringify(m)}`);
    } finally {
      await page.setViewportSize({ width: 1400, height: 880 });
    }
    assert.deepEqual(errors, []);
  });
});

test("the server's warnings show on the canvas, in the problems list and after a publish, and block nothing", async (t) => {
  await guarded(t, 'validation-warnings', async () => {
    // b reads a, but a is not upstream of b: two branches from the trigger
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'service',
      name: 'racing branches',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [flowNode('start', 'flow.input', 0, {}), flowNode('a', 'math.add', 320, { a: 1, b: 2 }), { ...flowNode('b', 'debug.log', 320, { message: 'sum {{ a.result ?? 0 }}' }), position: { x: 320, y: 260 } }],
        connections: [
          { from: { node: 'start', port: 'true_path' }, to: { node: 'a', port: 'node' } },
          { from: { node: 'start', port: 'true_path' }, to: { node: 'b', port: 'node' } },
        ],
      },
    });
    const report = await api('POST', `${at.base}/flows/${f.id}/validate`);
    assert.equal(report.valid, true);
    assert.deepEqual(report.problems, []);
    assert.equal(report.warnings.length, 1, JSON.stringify(report));
    const message = report.warnings[0].message;

    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="b"]').waitFor();
    // the revision a flow opens at is not checked: an edit (Layout) saves one that is
    await page.getByRole('toolbar', { name: 'Flow' }).getByRole('button', { name: 'Layout' }).click();
    const count = page.getByRole('toolbar', { name: 'Flow' }).getByRole('button', { name: '✓ No problems · 1 warning' });
    await count.waitFor({ timeout: 15000 });

    // on the canvas: b in the warning style, said in its name and its badge, its port marked
    const b = page.locator('.react-flow__node[data-id="b"]');
    assert.match(await b.getAttribute('aria-label'), /^b, Log, 1 warning$/);
    assert.equal(await b.locator('.ps-node').evaluate((e) => e.classList.contains('ps-node-has-warnings') && !e.classList.contains('ps-node-has-problems')), true);
    assert.equal((await b.locator('.ps-node-warnings').innerText()).trim(), '△ 1');
    assert.equal(await b.locator('.ps-port-warning[data-port="message"]').count(), 1);
    const styles = await page.evaluate(() => {
      const warned = getComputedStyle(document.querySelector('.react-flow__node[data-id="b"] .ps-node'));
      const root = getComputedStyle(document.documentElement);
      return { style: warned.borderTopStyle, color: warned.borderTopColor, warn: root.getPropertyValue('--warn').trim(), notice: root.getPropertyValue('--notice').trim() };
    });
    assert.equal(styles.style, 'dashed');
    assert.notEqual(styles.warn, styles.notice);

    // the list: under its own heading, Show (a click) selects the node
    await count.click();
    const panel = page.getByRole('region', { name: 'Problems' });
    await panel.getByText('No problems.').waitFor();
    const item = panel.getByRole('list', { name: /1 warning: valid, but likely not meant/ }).getByRole('button', { name: `Warning: b.message ${message}` });
    await item.click();
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    assert.equal(await inspector.getByLabel(/^Handle/).inputValue(), 'b');
    assert.match(await inspector.getByRole('list', { name: 'Warnings of this node' }).innerText(), /reads "a"/);
    await page.screenshot({ path: `${suite.shots}warnings-canvas.png` });

    // Run and Publish are not held back; the publish says it went through with the warning
    assert.equal(await page.getByRole('button', { name: '▶ Run' }).isDisabled(), false);
    await page.getByTestId('publish-stage').selectOption('live');
    await page.getByTestId('publish-button').click();
    const outcome = page.getByTestId('publish-outcome');
    await outcome.filter({ hasText: 'Published — 1 warning' }).waitFor();
    assert.equal(await outcome.getAttribute('role'), 'status');
    const lines = await outcome.getByRole('list', { name: 'Warnings' }).getByRole('listitem').allInnerTexts();
    assert.equal(lines.length, 1);
    assert.ok(lines[0].includes(`b.message: ${message}`), lines[0]);
    const pubs = await api('GET', `${at.base}/flows/${f.id}/publications`);
    assert.deepEqual(pubs.map((p) => p.stage), ['live']);
    await outcome.getByRole('button', { name: 'Show b' }).click();
    await page.getByRole('button', { name: 'Dismiss' }).click();
    // the server's check still shows it
    await count.waitFor();
    assert.deepEqual(errors, []);
  });
});

test('the editor flags a second HTTP route at once, as the server does', async (t) => {
  await guarded(t, 'second-route', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'route',
      name: 'two routes',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('route', 'trigger.route', 0, {}), flowNode('route2', 'trigger.route', 320, {})], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="route2"]').waitFor();
    const count = page.getByRole('toolbar', { name: 'Flow' }).getByRole('button', { name: '⚠ 1 problem' });
    await count.waitFor();
    await count.click();
    const items = await page.getByRole('region', { name: 'Problems' }).getByRole('listitem').allInnerTexts();
    assert.equal(items.length, 1);
    assert.match(items[0], /^route2 "route2" is a second HTTP route \(trigger\.route\) in the flow, besides "route": /);
    // the server says the same, once
    const report = await api('POST', `${at.base}/flows/${f.id}/validate`);
    assert.deepEqual(report.problems.map((p) => p.message.slice(0, 72)), [items[0].slice('route2 '.length, 'route2 '.length + 72)]);
    assert.deepEqual(errors, []);
  });
});

test('a restore the API refuses says why in words, not "path.project: …"', async (t) => {
  await guarded(t, 'restore-refused', async () => {
    const gone = await api('POST', `/tenants/${at.tenant}/projects`, { name: 'Gone meanwhile' });
    await api('POST', `/tenants/${at.tenant}/projects/${gone.id}/trash`);
    await page.goto(`${suite.cloud.url}/trash`);
    const row = page.locator('.ps-project-row').filter({ hasText: 'Gone meanwhile' });
    await row.getByRole('button', { name: 'Restore' }).waitFor();
    // deleted for good in another tab, then restored here
    await api('DELETE', `/tenants/${at.tenant}/projects/${gone.id}`);
    await row.getByRole('button', { name: 'Restore' }).click();
    const alert = page.getByRole('region', { name: 'Trash' }).getByRole('alert');
    await alert.waitFor();
    const text = await alert.innerText();
    assert.doesNotMatch(text, /path\.|body\.|:\s/, text);
    assert.match(text, /^Project not found/, text);
    // the refused restore's 404 is this test's own: taken off the session's list, not left for the next
    for (const e of errors.filter((x) => /status of 404/.test(x))) errors.splice(errors.indexOf(e), 1);
    assert.deepEqual(errors, []);
  });
});

test("the publish banner's Show pans to the warning's node, and a warning whose field changed leaves the list", async (t) => {
  await guarded(t, 'publish-warning-show', async () => {
    // b reads a, but a is not upstream of b; b sits far right, out of view once the canvas moves
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'service',
      name: 'far branches',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [flowNode('start', 'flow.input', 0, {}), flowNode('a', 'math.add', 320, { a: 1, b: 2 }), { ...flowNode('b', 'debug.log', 0, { message: 'sum {{ a.result ?? 0 }}' }), position: { x: 2400, y: 900 } }],
        connections: [
          { from: { node: 'start', port: 'true_path' }, to: { node: 'a', port: 'node' } },
          { from: { node: 'start', port: 'true_path' }, to: { node: 'b', port: 'node' } },
        ],
      },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="b"]').waitFor();
    /** Whether node id is inside the canvas's box on the screen. */
    const inView = (id) =>
      page.evaluate((id) => {
        const box = document.querySelector('.ps-canvas-box').getBoundingClientRect();
        const n = document.querySelector(`.react-flow__node[data-id="${id}"]`).getBoundingClientRect();
        return n.left >= box.left && n.right <= box.right && n.top >= box.top && n.bottom <= box.bottom;
      }, id);
    // zoomed in on start: b is off screen
    await page.locator('.react-flow__node[data-id="start"]').click();
    await page.getByRole('toolbar', { name: 'Flow' }).getByRole('button', { name: 'Fit' }).click();
    await page.waitForTimeout(300);
    const pane = await page.locator('.react-flow__pane').boundingBox();
    await page.mouse.move(pane.x + 200, pane.y + 200);
    await page.mouse.down();
    await page.mouse.move(pane.x + 200 + 1200, pane.y + 200 + 600, { steps: 8 });
    await page.mouse.up();
    await page.waitForTimeout(100);
    assert.equal(await inView('b'), false, 'b starts out of view');

    await page.getByTestId('publish-stage').selectOption('live');
    await page.getByTestId('publish-button').click();
    const outcome = page.getByTestId('publish-outcome');
    await outcome.filter({ hasText: 'Published — 1 warning' }).waitFor();
    await outcome.getByRole('button', { name: 'Show b' }).click();
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    assert.equal(await inspector.getByLabel(/^Handle/).inputValue(), 'b');
    // brought into view, as the problems list does
    await page.waitForFunction(() => {
      const box = document.querySelector('.ps-canvas-box').getBoundingClientRect();
      const n = document.querySelector('.react-flow__node[data-id="b"]').getBoundingClientRect();
      return n.left >= box.left && n.right <= box.right && n.top >= box.top && n.bottom <= box.bottom;
    }, null, { timeout: 3000 });
    await page.screenshot({ path: `${suite.shots}publish-warning-shown.png` });

    // its field changes: the canvas mark goes, and the banner's line with it
    const message = inspector.getByRole('textbox', { name: /^message/ }).first();
    await message.click();
    await page.keyboard.press('End');
    await page.keyboard.type(' and more');
    await outcome.filter({ hasText: 'It has changed in the draft since: publish again to serve the change.' }).waitFor();
    assert.equal(await outcome.getByRole('list', { name: 'Warnings' }).count(), 0);
    await outcome.getByRole('button', { name: 'Dismiss' }).click();
    assert.deepEqual(errors, []);
  });
});

test('on a short window (1366 × 640) the run panel, the history and a banner leave the canvas room', async (t) => {
  await guarded(t, 'short-window-panels', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'service',
      name: 'short window',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [flowNode('start', 'trigger.manual', 0, {}), flowNode('log', 'debug.log', 320, { message: 'hi' })],
        connections: [{ from: { node: 'start', port: 'true_path' }, to: { node: 'log', port: 'node' } }],
      },
    });
    try {
      await page.setViewportSize({ width: 1366, height: 640 });
      await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
      await page.locator('[data-handle="log"]').waitFor();
      await page.getByRole('button', { name: '▶ Run' }).click();
      await page.getByRole('status', { name: 'Run status' }).filter({ hasText: 'success' }).waitFor();
      await page.getByTestId('history-toggle').click();
      await page.getByRole('region', { name: 'Run history' }).getByRole('row').nth(1).waitFor();
      await page.getByTestId('publish-stage').selectOption('live');
      await page.getByTestId('publish-button').click();
      await page.getByTestId('publish-outcome').waitFor();
      await page.waitForTimeout(100);
      const m = await page.evaluate(() => {
        const box = (s) => document.querySelector(s).getBoundingClientRect();
        return { canvas: box('.ps-canvas-box').height, run: box('.ps-run-panel'), history: box('.ps-run-history'), window: innerHeight };
      });
      // it was 36 px: the panels kept their 220 and 240 px
      assert.ok(m.canvas >= 200, `the canvas keeps room: ${JSON.stringify(m)}`);
      assert.ok(m.run.height >= 84 && m.history.height >= 96, `the panels keep their minimum: ${JSON.stringify(m)}`);
      assert.ok(m.history.bottom <= m.window + 0.5, `the history ends in the window: ${JSON.stringify(m)}`);
      await page.screenshot({ path: `${suite.shots}short-window-panels.png` });
      // a tall window gives the panels their full height again
      await page.setViewportSize({ width: 1400, height: 1000 });
      await page.waitForTimeout(100);
      const tall = await page.evaluate(() => ({ run: document.querySelector('.ps-run-panel').getBoundingClientRect().height, history: document.querySelector('.ps-run-history').getBoundingClientRect().height }));
      assert.deepEqual(tall, { run: 220, history: 240 });
    } finally {
      await page.setViewportSize({ width: 1400, height: 880 });
    }
    assert.deepEqual(errors, []);
  });
});

test("a one-line field shows a handle's underscore (mock_route did not read 'mock route')", async (t) => {
  await guarded(t, 'underscore-in-fields', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'service',
      name: 'underscores',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('mock_route', 'trigger.manual', 0, {})], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="mock_route"]').click();
    const handle = page.getByRole('complementary', { name: 'Inspector' }).getByLabel(/^Handle/);
    assert.equal(await handle.inputValue(), 'mock_route');
    // the field drawn with the underscore and with a space in its place (typed, not committed,
    // the caret at the end both times): they must differ
    await handle.focus();
    await handle.press('End');
    const withUnderscore = await handle.screenshot({ caret: 'hide' });
    await handle.fill('mock route');
    await handle.press('End');
    const withSpace = await handle.screenshot({ caret: 'hide' });
    assert.equal(withUnderscore.equals(withSpace), false, 'the underscore is drawn');
    const box = await handle.boundingBox();
    assert.equal(Math.round(box.height), 28, 'the field keeps its height');
    // Escape puts the handle back
    await handle.press('Escape');
    assert.equal(await handle.inputValue(), 'mock_route');
    assert.deepEqual(errors, []);
  });
});

test('deleting the focused node with the keyboard keeps the focus on the canvas, not the page', async (t) => {
  await guarded(t, 'delete-keeps-focus', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'service',
      name: 'delete by keyboard',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('start', 'trigger.manual', 0, {}), flowNode('one', 'debug.log', 320, { message: 'a' }), flowNode('two', 'debug.log', 640, { message: 'b' })], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="two"]').waitFor();
    const focused = () => page.evaluate(() => document.activeElement.closest('.react-flow__node')?.querySelector('[data-handle]')?.dataset.handle ?? document.activeElement.className);
    // to node one with the keyboard, Enter selects it, Delete removes it
    await page.locator('.react-flow__node:has([data-handle="one"])').focus();
    await page.keyboard.press('Enter');
    await page.keyboard.press('Delete');
    await page.locator('[data-handle="one"]').waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement !== document.body);
    // the next node has the focus: Enter and Delete go on from there
    assert.equal(await focused(), 'two');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Delete');
    await page.locator('[data-handle="two"]').waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.equal(await focused(), 'start');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Delete');
    await page.locator('[data-handle="start"]').waitFor({ state: 'detached' });
    // none left: the canvas itself, where undo still reaches the flow
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.match(await focused(), /ps-canvas-box/);
    await page.keyboard.press('Control+z');
    await page.locator('[data-handle="start"]').waitFor();
    assert.deepEqual(errors, []);
  });
});

test("an empty route flow offers its HTTP route node as a button; the node it places is saved and runs", async (t) => {
  await guarded(t, 'empty-flow-starter', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'starts empty' });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.getByText('This flow is empty.').waitFor();
    await page.getByRole('button', { name: 'Add HTTP route', exact: true }).click();
    await page.locator('.react-flow__node:has([data-handle="route"])').waitFor();
    assert.equal(await page.getByText('This flow is empty.').count(), 0);
    // autosave keeps it: the draft the server holds has the route node
    let types = [];
    for (let i = 0; i < 50 && types.length === 0; i++) {
      await page.waitForTimeout(100);
      const d = await api('GET', `${at.base}/flows/${f.id}`);
      types = (d.draft.document.nodes ?? []).map((n) => n.type);
    }
    assert.deepEqual(types, ['trigger.route']);
    // ▶ Run sends a test request (it sent none, as the options were made for the empty flow,
    // and the run failed: "use a Mock route")
    await page.getByTestId('run-button').click();
    await page.getByRole('status', { name: 'Run status' }).filter({ hasText: 'success' }).waitFor();
    assert.deepEqual(errors, []);
  });
});
