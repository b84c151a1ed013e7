// Editor gaps from a twelfth pass, against the real local cloud: why Publish waits is said on
// screen beside it without widening the page at 800 or 480 px; the node palette opens over
// the canvas at 480 px; JSON that does not parse survives leaving the inspector; a live run
// whose WebSocket drops in its middle still ends right. Set up through the API, driven through
// the editor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowNode } from './cloud.mjs';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

const suite = cloudSuite('qa12');
const session = projectSession(suite, { email: 'qa12@example.com', project: 'QA twelve' });
/** Runs a test step in the session (set up on first use), keeping a screenshot of the page. */
const { guarded } = session;

/** Opens a flow of the project in the editor and waits for its tab. */
async function open(f) {
  await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
  await page.getByRole('tab', { name: f.name, exact: true }).waitFor();
}

/** What scrolls sideways: the page and the app's main box (the editor scrolls in its own box). */
const sideways = () =>
  page.evaluate(() =>
    [document.documentElement, document.querySelector('.ps-app-main')].filter((e) => e && e.scrollWidth > e.clientWidth + 1).map((e) => `${e.tagName}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`),
  );

test('why Publish waits is on screen beside it, and the page does not widen at 800 or 480 px', async (t) => {
  await guarded(t, 'publish-why', async () => {
    // an empty flow: Publish waits, whatever the stage
    const f = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'nothing yet', document: { schema: 'polysynergy/flow@1', nodes: [], connections: [] } });
    try {
      for (const w of [1400, 800, 480]) {
        await page.setViewportSize({ width: w, height: 760 });
        await open(f);
        const why = page.getByTestId('publish-why');
        await why.waitFor();
        assert.equal(await why.innerText(), 'Nothing to publish yet');
        // really shown: it has a box, inside the toolbar, and is not clipped to a pixel
        const box = await why.boundingBox();
        assert.ok(box && box.width > 40 && box.height > 8, `the reason's box at ${w} px: ${JSON.stringify(box)}`);
        const bar = await page.getByRole('toolbar', { name: 'Flow' }).boundingBox();
        assert.ok(box.x >= bar.x && box.x + box.width <= bar.x + bar.width + 0.5, `the reason at ${box.x}..${box.x + box.width} is in the toolbar ${bar.x}..${bar.x + bar.width} at ${w} px`);
        assert.deepEqual(await sideways(), [], `at ${w} px nothing scrolls sideways but the editor's own box`);
        // the editor keeps its own width (the hidden reason once made it 1013 px at 800)
        const editor = await page.evaluate(() => document.querySelector('.ps-editor').getBoundingClientRect().width);
        assert.ok(editor <= Math.max(960, w), `the editor is ${editor} px wide at ${w} px`);
        if (w === 800) await page.screenshot({ path: `${suite.shots}publish-why-800.png` });
        // the button's description still says it all
        assert.equal(await page.getByTestId('publish-button').getAttribute('aria-describedby'), 'ps-publish-why');
      }
    } finally {
      await page.setViewportSize({ width: 1400, height: 880 });
    }
    assert.deepEqual(errors, []);
  });
});

test('at 480 px the node palette opens over the canvas from a rail and closes again; the canvas keeps the width', async (t) => {
  await guarded(t, 'palette-480', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'palette narrow',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('start', 'trigger.manual', 0, {})], connections: [] },
    });
    await page.setViewportSize({ width: 480, height: 800 });
    try {
      await open(f);
      const palette = page.getByRole('region', { name: 'Node palette' });
      const opener = page.getByRole('button', { name: 'Node palette' });
      await opener.waitFor();
      assert.equal(await palette.count(), 0, 'closed at first');
      /** How much of the canvas is in the window. */
      const canvasInView = async () => {
        const box = await page.locator('.react-flow__pane').boundingBox();
        return Math.min(box.x + box.width, 480) - Math.max(box.x, 0);
      };
      // the project rail and the palette's: the canvas has the rest (it had 216 of 480 px)
      assert.ok((await canvasInView()) >= 380, `canvas in view: ${await canvasInView()} px`);

      await opener.click();
      await palette.waitFor();
      await page.screenshot({ path: `${suite.shots}palette-480-open.png` });
      const box = await palette.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= 480, `the palette at ${box.x}..${box.x + box.width}`);
      assert.deepEqual(await sideways(), []);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Search nodes');
      // Escape closes it, the keyboard back on its +
      await page.keyboard.press('Escape');
      await palette.waitFor({ state: 'detached' });
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Node palette');
      // a click beside it closes it
      await opener.click();
      await page.locator('.ps-palette-backdrop').click({ position: { x: 400, y: 300 } });
      await palette.waitFor({ state: 'detached' });
      // a node picked from it is added and it closes
      await page.keyboard.press('/');
      await palette.waitFor();
      await page.keyboard.type('Log');
      await page.keyboard.press('Enter');
      await palette.waitFor({ state: 'detached' });
      await page.locator('.react-flow__node').nth(1).waitFor();
      assert.equal(await page.locator('.react-flow__node').count(), 2);
      // dragged from it onto the canvas: it makes way for the drop
      await opener.click();
      // by the mouse (Playwright's dragTo waits for the pane, which the backdrop covers until the drag starts)
      await page.keyboard.type('Log');
      const item = await palette.getByRole('option', { name: 'Log', exact: true }).boundingBox();
      await page.mouse.move(item.x + 20, item.y + item.height / 2);
      await page.mouse.down();
      await page.mouse.move(item.x + 60, item.y + 40, { steps: 4 });
      await page.mouse.move(400, 600, { steps: 8 });
      await page.mouse.up();
      await palette.waitFor({ state: 'detached' });
      await page.locator('.react-flow__node').nth(2).waitFor();
      assert.deepEqual(await sideways(), []);
    } finally {
      await page.setViewportSize({ width: 1400, height: 880 });
    }
    // wide again: the palette is beside the canvas
    await page.getByRole('region', { name: 'Node palette' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Node palette' }).count(), 0);
    assert.deepEqual(errors, []);
  });
});

/** Waits until check() answers something (polling), failing after a minute rather than hanging the file. */
async function until(check, what) {
  const end = Date.now() + 60000;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > end) throw new Error(`no ${what} within a minute`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Runs a flow (start → a 4 s wait → after) twice in the editor, its WebSocket routed through the
 * test, and drops the connection (both ends, as a server or gateway closing it) while the second
 * run waits. keepDown: new connections are refused until the stored run has ended (the socket
 * misses the rest of the run); else it reconnects at once, in the middle of the wait. Then checks
 * the run panel's status and every node's state once the socket is back. fails: the last node
 * fails (debug.fail), so the run ends in error.
 */
async function dropMidRun(name, { keepDown, fails = false }) {
  // the run's end and the last node's state: a node that fails ends the run in error
  const end = fails ? 'error' : 'success';
  const f = await api('POST', `${at.base}/flows`, {
    kind: 'blueprint',
    name,
    document: {
      schema: 'polysynergy/flow@1',
      nodes: [flowNode('start', 'trigger.manual', 0, {}), flowNode('wait', 'control.delay', 320, { ms: 4000 }), fails ? flowNode('after', 'debug.fail', 640, { message: 'failed after the wait' }) : flowNode('after', 'debug.log', 640, { message: 'after the wait' })],
      connections: [
        { from: { node: 'start', port: 'true_path' }, to: { node: 'wait', port: 'node' } },
        { from: { node: 'wait', port: 'true_path' }, to: { node: 'after', port: 'node' } },
      ],
    },
  });
  // every WebSocket of the page goes through here: passed on to the server, or (down) refused
  let down = false;
  let connected = 0;
  const open = [];
  await page.routeWebSocket(/\/ws(\?.*)?$/, (ws) => {
    if (down) return void ws.close({ code: 1011, reason: 'the test keeps the connection down' });
    connected++;
    open.push({ ws, server: ws.connectToServer() });
  });
  try {
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="after"]').waitFor();
    const run = page.getByRole('region', { name: 'Run', exact: true });
    const node = (h) => page.locator(`.react-flow__node [data-handle="${h}"]`);
    const status = () => run.getByRole('status', { name: 'Run status' }).textContent();
    // a first run: the flow's subscription has reached the routers, so the next run's events come live
    await page.getByRole('button', { name: '▶ Run' }).click();
    await run.locator(`.ps-run-${end}`).waitFor();
    await node('after').and(page.locator(`.ps-run-${end}`)).waitFor();

    const before = (await api('GET', `${at.base}/flows/${f.id}/runs`)).items.length;
    // every status the panel says from now on, in order
    await page.evaluate(() => {
      window.__statuses = [];
      const seen = () => {
        const s = document.querySelector('[aria-label="Run status"]')?.textContent;
        if (s && window.__statuses.at(-1) !== s) window.__statuses.push(s);
      };
      new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByRole('button', { name: '▶ Run' }).click();
    // live: the new run is in its wait, the node after it not run yet
    await node('wait').and(page.locator('.ps-run-running')).waitFor();
    assert.equal(await node('after').evaluate((e, c) => e.classList.contains(c), `ps-run-${end}`), false, 'the node after the wait has not run yet');
    assert.equal(await status(), 'running');
    const socketsBefore = connected;
    down = keepDown;
    for (const { ws, server } of open.splice(0)) {
      await server.close({ code: 1001, reason: 'going away' }).catch(() => {});
      await ws.close({ code: 1001, reason: 'going away' }).catch(() => {});
    }
    if (keepDown) {
      // the run ends meanwhile, unseen by the socket
      const stored = await until(async () => {
        const runs = (await api('GET', `${at.base}/flows/${f.id}/runs`)).items;
        return runs.length > before ? runs.find((r) => r.status !== 'running') : undefined;
      }, 'end of the stored run');
      assert.equal(stored.status, end);
      down = false;
    }
    // the socket comes back
    await until(() => connected > socketsBefore, 'new connection');
    // the panel and the canvas say how the run ended
    await run.locator(`.ps-run-${end}`).waitFor();
    for (const h of ['start', 'wait']) await node(h).and(page.locator('.ps-run-success')).waitFor();
    await node('after').and(page.locator(`.ps-run-${end}`)).waitFor();
    assert.equal(await status(), end);
    // the new run: running, then its end, and nothing else (no error, never back to running)
    const said = await page.evaluate(() => window.__statuses);
    assert.deepEqual(said.slice(said.indexOf('running')), ['running', end], said.join(' → '));
    assert.equal(await page.locator('.react-flow__node .ps-run-running').count(), 0, 'no node is left running');
    const runs = (await api('GET', `${at.base}/flows/${f.id}/runs`)).items;
    assert.equal(runs.length, before + 1, 'one run more');
    // and the next run ends right too
    await page.getByRole('button', { name: '▶ Run' }).click();
    await node('wait').and(page.locator('.ps-run-running')).waitFor();
    await node('after').and(page.locator(`.ps-run-${end}`)).waitFor();
    await run.locator(`.ps-run-${end}`).waitFor();
  } finally {
    await page.unrouteAll({ behavior: 'ignoreErrors' });
  }
  // the browser logs the refused connections (this test made them); the editor said nothing as an error
  errors.splice(0, errors.length, ...errors.filter((e) => !/WebSocket connection to .* failed/.test(e)));
  assert.deepEqual(errors, []);
}

test('a run whose WebSocket drops in its middle and stays down until it has ended ends right in the run panel and on the canvas', async (t) => {
  await guarded(t, 'ws-drop-down', () => dropMidRun('dropped socket', { keepDown: true }));
});

test('a run whose WebSocket drops in its middle and comes back at once ends right in the run panel and on the canvas', async (t) => {
  await guarded(t, 'ws-drop-back', () => dropMidRun('dropped socket back', { keepDown: false }));
});

test('a run that fails after its WebSocket dropped ends in error in the run panel, its failed node marked, after reconnecting', async (t) => {
  await guarded(t, 'ws-drop-error', () => dropMidRun('dropped socket error', { keepDown: true, fails: true }));
});

test('JSON that does not parse survives selecting another node and coming back, with its error; the inspector says where it waits', async (t) => {
  await guarded(t, 'json-draft', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'json drafts',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [flowNode('get_a', 'aws.dynamodb_get', 0, { key: { id: 1 } }), flowNode('get_b', 'aws.dynamodb_get', 400, { key: { id: 2 } })],
        connections: [],
      },
    });
    await open(f);
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    const key = inspector.getByRole('textbox', { name: 'key', exact: true });
    await page.locator('.react-flow__node[data-id="get_a"] .ps-node-header').click();
    await key.click();
    await page.keyboard.press('Control+a');
    await page.keyboard.type('{"id": 1, "sort": ');
    await inspector.getByTestId('json-draft-key').waitFor();
    // as the field has it (it closes the brackets typed)
    const typed = await key.textContent();
    assert.match(typed, /^\{"id": 1, "sort": /);
    // another node of the same type: its own value, no error; the text waits, said on screen
    await page.locator('.react-flow__node[data-id="get_b"] .ps-node-header').click();
    await page.waitForFunction(() => document.querySelector('[data-port="key"] .cm-content')?.textContent?.includes('"id": 2'));
    assert.equal(await inspector.getByTestId('json-draft-key').count(), 0);
    const note = inspector.getByRole('note', { name: 'Unsaved JSON' });
    assert.match(await note.innerText(), /get_a\.key/);
    // closing the inspector (nothing selected) keeps it too
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await note.waitFor();
    await note.getByRole('button', { name: 'Show get_a.key' }).click();
    await page.locator('.react-flow__node[data-id="get_a"].selected').waitFor();
    await page.waitForFunction(() => document.activeElement?.closest('[data-port="key"]') !== null);
    assert.equal(await key.textContent(), typed);
    assert.match(await inspector.getByTestId('json-draft-key').innerText(), /^Not saved: /);
    // finished: it is saved as the node's value
    await page.keyboard.press('Control+a');
    await page.keyboard.type('{"id": 1, "sort": "up"}');
    await inspector.getByTestId('json-draft-key').waitFor({ state: 'detached' });
    // (the save state said Saved before too, the text that did not parse being no change: the draft itself)
    const saved = await until(async () => {
      const { draft } = await api('GET', `${at.base}/flows/${f.id}`);
      const k = draft.document.nodes.find((n) => n.id === 'get_a').values.key;
      return k.sort ? k : null;
    }, 'saved key');
    assert.deepEqual(saved, { id: 1, sort: 'up' });
    assert.deepEqual(errors, []);
  });
});
