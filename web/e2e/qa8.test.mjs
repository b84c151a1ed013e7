// Editor gaps from an eighth pass, against the real local cloud: redo after undoing a paste
// selects the pasted nodes again; the keyboard connect dialog starts on a trigger's path.
// Set up through the API, driven through the editor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowNode } from './cloud.mjs';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

const suite = cloudSuite('qa8');
const session = projectSession(suite, { email: 'qa8@example.com', project: 'QA eight', prepare: ({ api, at }) => api('POST', `${at.base}/stages`, { name: 'live' }) });
/** Runs a test step in the session (set up on first use), keeping a screenshot of the page. */
const { guarded } = session;

/** The ids of the nodes the canvas shows selected. */
const selectedIds = () => page.locator('.react-flow__node.selected').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')).sort());

test('paste, undo, redo: the pasted nodes are selected again, as right after the paste', async (t) => {
  await guarded(t, 'paste-undo-redo', async () => {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.cloud.url });
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'paste and redo',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('add', 'math.add', 0, { a: 1, b: 2 }), flowNode('log', 'debug.log', 320, {})], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="log"]').waitFor();
    await page.locator('.react-flow__node[data-id="add"] .ps-node-header').click();
    await page.keyboard.press('Control+c');
    await page.locator('.react-flow__pane').hover({ position: { x: 300, y: 500 } });
    await page.keyboard.press('Control+v');
    await page.locator('[data-handle="add_2"]').waitFor();
    const pasted = await page.locator('.react-flow__node:has([data-handle="add_2"])').getAttribute('data-id');
    assert.deepEqual(await selectedIds(), [pasted]);

    await page.keyboard.press('Control+z');
    await page.locator('[data-handle="add_2"]').waitFor({ state: 'detached' });
    await page.keyboard.press('Control+Shift+z');
    await page.locator('[data-handle="add_2"]').waitFor();
    assert.deepEqual(await selectedIds(), [pasted]);
    // the inspector follows: it shows the pasted node
    assert.equal(await page.getByRole('complementary', { name: 'Inspector' }).getByLabel('Handle').inputValue(), 'add_2');
    assert.deepEqual(errors, []);
  });
});

test("the keyboard connect dialog starts on an HTTP route's true path, and Enter draws the flow from it", async (t) => {
  await guarded(t, 'connect-from-route', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'connect the route',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('route', 'trigger.route', 0, {}), flowNode('resp', 'http.response', 320, {})], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="resp"]').waitFor();
    await page.locator('.react-flow__node[data-id="route"]').focus();
    await page.keyboard.press('c');
    const dialog = page.getByRole('dialog', { name: 'Connect from route' });
    await dialog.waitFor();
    assert.equal(await dialog.getByRole('combobox', { name: 'Output' }).inputValue(), 'true_path');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Connected route.true_path to resp.node' }).waitFor();
    assert.equal(await page.locator('.react-flow__edge').count(), 1);
    assert.deepEqual(errors, []);
  });
});

test("keyboard only: an empty route flow's Add HTTP route button hands the focus to the node it adds; the palette's search names its active node type and Escape goes back to the canvas", async (t) => {
  await guarded(t, 'starter-focus', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'keyboard start' });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    const add = page.getByRole('button', { name: 'Add HTTP route', exact: true });
    await add.focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-handle="route"]').waitFor();
    // the button went with the empty canvas; the focus is on the new node, not the page's body
    await page.waitForFunction(() => document.activeElement?.classList.contains('react-flow__node'));
    const routeId = await page.locator('.react-flow__node:has([data-handle="route"])').getAttribute('data-id');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), routeId);

    // the palette: its list is named, and ↓ in the search moves the option it points at
    await page.keyboard.press('/');
    const search = page.getByRole('searchbox', { name: 'Search nodes' });
    await page.keyboard.type('http re');
    const list = page.getByRole('listbox', { name: 'Node types' });
    const first = await list.getByRole('option').first().getAttribute('id');
    assert.equal(await search.getAttribute('aria-activedescendant'), first);
    await page.keyboard.press('ArrowDown');
    const second = await list.getByRole('option').nth(1).getAttribute('id');
    assert.equal(await search.getAttribute('aria-activedescendant'), second);
    assert.equal(await page.locator(`[id="${second}"]`).getAttribute('aria-selected'), 'true');
    // Escape clears the search, a second Escape goes back to the canvas: the selected node
    await page.keyboard.press('Escape');
    assert.equal(await search.inputValue(), '');
    await page.keyboard.press('Escape');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), routeId);
    assert.deepEqual(errors, []);
  });
});

test('keyboard only: a flow created from the + form opens with the focus on its starter button, not the page body', async (t) => {
  await guarded(t, 'new-flow-focus', async () => {
    await page.goto(`${suite.cloud.url}/p/${at.project}`);
    await page.getByRole('button', { name: 'New schedule' }).focus();
    await page.keyboard.press('Enter');
    await page.keyboard.type('nightly');
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: 'nightly' }).waitFor();
    const add = page.getByRole('button', { name: 'Add Schedule', exact: true });
    await add.waitFor();
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.equal(await add.evaluate((e) => e === document.activeElement), true);
    // Enter there adds the trigger, and the focus follows it
    await page.keyboard.press('Enter');
    await page.locator('[data-handle="schedule"]').waitFor();
    await page.waitForFunction(() => document.activeElement?.classList.contains('react-flow__node'));
    assert.deepEqual(errors, []);
  });
});

test('keyboard only: deleting the focused connection hands the focus to the next connection, then to a node, not the page body', async (t) => {
  await guarded(t, 'delete-edge-focus', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'edges by keyboard',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [flowNode('start', 'trigger.manual', 0, {}), flowNode('a', 'debug.log', 320, {}), flowNode('b', 'debug.log', 640, {})],
        connections: [
          { from: { node: 'start', port: 'true_path' }, to: { node: 'a', port: 'node' } },
          { from: { node: 'a', port: 'true_path' }, to: { node: 'b', port: 'node' } },
        ],
      },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="b"]').waitFor();
    const focusedLabel = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName);
    // Shift+Tab from the first node reaches the connections (before the nodes in the Tab order)
    await page.locator('.react-flow__node[data-id="start"]').focus();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Shift+Tab');
    assert.equal(await focusedLabel(), 'Connection from start.true_path to a.node');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Delete');
    await page.getByRole('group', { name: 'Connection from start.true_path to a.node' }).waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.equal(await focusedLabel(), 'Connection from a.true_path to b.node');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Delete');
    await page.getByRole('group', { name: 'Connection from a.true_path to b.node' }).waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.match(await focusedLabel(), /^(start|a|b), /);
    await page.keyboard.press('Control+z');
    await page.getByRole('group', { name: 'Connection from a.true_path to b.node' }).waitFor();
    assert.deepEqual(errors, []);
  });
});

test('keyboard only: Ctrl+G hands the focus to the group box; Enter opens the group (focus inside), Close group gives it back to the box, Dissolve to a node it held', async (t) => {
  await guarded(t, 'group-focus', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'group by keyboard',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [flowNode('start', 'trigger.manual', 0, {}), flowNode('a', 'math.add', 320, { a: 1, b: 2 }), flowNode('b', 'debug.log', 640, {})],
        connections: [
          { from: { node: 'start', port: 'true_path' }, to: { node: 'a', port: 'node' } },
          { from: { node: 'a', port: 'true_path' }, to: { node: 'b', port: 'node' } },
        ],
      },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="b"]').waitFor();
    await page.locator('.react-flow__node[data-id="a"] .ps-node-header').click();
    await page.locator('.react-flow__node[data-id="b"] .ps-node-header').click({ modifiers: ['Shift'] });
    await page.keyboard.press('Control+g');
    await page.locator('[data-handle="b"]').waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.match(await page.evaluate(() => document.activeElement?.getAttribute('data-id') ?? ''), /^group:/);
    assert.match(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? ''), /2 nodes/);
    const box = await page.evaluate(() => document.activeElement?.getAttribute('data-id'));
    // Enter on the box opens the group, and the focus goes to a node inside it
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: 'Open group' }).waitFor();
    await page.locator('[data-handle="b"]').waitFor();
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.match(await page.evaluate(() => document.activeElement?.getAttribute('data-id') ?? ''), /^(a|b)$/);
    // Close group: the focus goes back to the group's box
    await page.getByRole('region', { name: 'Open group' }).getByRole('button', { name: 'Close group' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-handle="b"]').waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), box);
    // Dissolve in the group's panel: the focus goes to the first node it held
    await page.locator(`.react-flow__node[data-id="${box}"]`).click();
    await page.getByRole('region', { name: 'Group' }).getByRole('button', { name: 'Dissolve' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-handle="b"]').waitFor();
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), 'a');
    // the canvas keys carry on from it: undo brings the group back, and again the nodes
    await page.keyboard.press('Control+z');
    await page.locator(`.react-flow__node[data-id="${box}"]`).waitFor();
    await page.keyboard.press('Control+z');
    await page.locator('[data-handle="b"]').waitFor();
    assert.equal(await page.locator('.react-flow__node[data-id^="group:"]').count(), 0);
    assert.deepEqual(errors, []);
  });
});

test("keyboard only: closing a flow's tab hands the focus to the tab now open, and the last one to the flow's entry in the project panel", async (t) => {
  await guarded(t, 'close-tab-focus', async () => {
    const one = await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'tab one', document: { schema: 'polysynergy/flow@1', nodes: [flowNode('start', 'trigger.manual', 0, {})], connections: [] } });
    const two = await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'tab two', document: { schema: 'polysynergy/flow@1', nodes: [flowNode('go', 'trigger.manual', 0, {})], connections: [] } });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${one.id}`);
    await page.locator('[data-handle="start"]').waitFor();
    await page.getByRole('link', { name: 'tab two', exact: true }).click();
    await page.locator('[data-handle="go"]').waitFor();
    const tabs = page.getByRole('tablist', { name: 'Open flows' });
    // close every other tab first, so only ours are left
    let closed = 0;
    for (const name of await tabs.getByRole('tab').allInnerTexts()) {
      if (name !== 'tab one' && name !== 'tab two') {
        await tabs.getByRole('button', { name: `Close ${name}`, exact: true }).click();
        closed++;
      }
    }
    if (closed) {
      // each close hands the focus on (to the tab now open) once the page settles: wait for
      // that, or it lands after the focus below (a pointer or key would cancel it; focus() does not)
      await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'tab');
    }
    await tabs.getByRole('button', { name: 'Close tab two', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-handle="start"]').waitFor();
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'tab one');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'tab');
    await tabs.getByRole('button', { name: 'Close tab one', exact: true }).focus();
    await page.keyboard.press('Enter');
    await tabs.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'tab one');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'A');
    assert.ok(two.id);
    assert.deepEqual(errors, []);
  });
});

test("keyboard only: deleting the open flow from its settings hands the focus to the tab now open, else to its kind's +", async (t) => {
  await guarded(t, 'delete-flow-focus', async () => {
    const keep = await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'kept open', document: { schema: 'polysynergy/flow@1', nodes: [flowNode('start', 'trigger.manual', 0, {})], connections: [] } });
    await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'doomed one' });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${keep.id}`);
    const tabs = page.getByRole('tablist', { name: 'Open flows' });
    await tabs.getByRole('tab', { name: 'kept open', exact: true }).waitFor();
    await page.getByRole('link', { name: 'doomed one', exact: true }).click();
    await tabs.getByRole('tab', { name: 'doomed one', exact: true }).waitFor();
    const deleteOpen = async () => {
      await page.getByRole('toolbar', { name: 'Flow' }).getByRole('button', { name: 'Settings', exact: true }).click();
      await page.getByRole('button', { name: /^Delete the flow/ }).focus();
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter'); // the confirmation's Delete, focused
    };
    // another flow's tab is open: the focus goes to the tab now open
    await deleteOpen();
    await tabs.getByRole('tab', { name: 'doomed one', exact: true }).waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement?.getAttribute('role') === 'tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-selected')), 'true');
    const last = await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'doomed two' });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${last.id}`);
    await tabs.getByRole('tab', { name: 'doomed two', exact: true }).waitFor();
    // a fresh page may bring back other tabs: close them, keeping ours
    for (const name of await tabs.getByRole('tab').allInnerTexts()) if (name !== 'doomed two') await tabs.getByRole('button', { name: `Close ${name}`, exact: true }).click();
    assert.deepEqual(await tabs.getByRole('tab').allInnerTexts(), ['doomed two']);
    await deleteOpen();
    await tabs.waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.activeElement !== document.body);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'New blueprint');
    assert.deepEqual(errors, []);
  });
});

test("the flow's run budget is set in the inspector with nothing selected, saved in the draft and shown again after a reload", async (t) => {
  await guarded(t, 'flow-settings-budget', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'long loops',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('log', 'debug.log', 0, {})], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="log"]').waitFor();
    const settings = page.getByRole('complementary', { name: 'Inspector' }).getByRole('region', { name: 'Flow settings' });
    const budget = settings.getByRole('spinbutton', { name: 'Node executions per run' });
    assert.equal(await budget.inputValue(), '');
    await budget.fill('50000');
    // autosave: the draft on the server holds it
    let saved;
    for (let i = 0; i < 50; i++) {
      saved = await api('GET', `${at.base}/flows/${f.id}`);
      if (saved.draft.document.settings?.max_node_runs === 50000) break;
      await page.waitForTimeout(100);
    }
    assert.deepEqual(saved.draft.document.settings, { max_node_runs: 50000 });
    await page.reload();
    await page.locator('[data-handle="log"]').waitFor();
    assert.equal(await budget.inputValue(), '50000');
    await budget.fill('200000');
    assert.match(await settings.innerText(), /must be a whole number from 1 to 100,000: the value stays 50000\./);
    assert.equal(await budget.getAttribute('aria-invalid'), 'true');
    assert.deepEqual(errors, []);
  });
});
