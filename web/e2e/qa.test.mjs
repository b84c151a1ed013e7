// Editor fixes from a QA pass, against the real local cloud: a reopened run shows its logs;
// deleting every node asks before emptying the flow (not "changed elsewhere"); the minimap
// takes no pointer and can be hidden; a primary button stays readable on hover; a long flow
// name does not widen its tab; a link to a missing project shows one not-found state; a flow
// can be deleted from its settings (and the API's refusal is shown). Set up through the API.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowNode } from './cloud.mjs';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

const suite = cloudSuite('qa');
const link = (from, to) => ({ from: { node: from, port: 'true_path' }, to: { node: to, port: 'node' } });
const session = projectSession(suite, { email: 'qa@example.com', project: 'QA' });
/** Runs a test step in the session (set up on first use), keeping a screenshot of the page. */
const { guarded } = session;

const saved = () => page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved/ }).waitFor();

async function logFlow(name) {
  return api('POST', `${at.base}/flows`, {
    kind: 'blueprint',
    name,
    document: {
      schema: 'polysynergy/flow@1',
      nodes: [flowNode('start', 'trigger.manual', 0, {}), flowNode('say', 'debug.log', 300, { message: 'hello from the log', level: 'info' })],
      connections: [link('start', 'say')],
    },
  });
}

test('a run opened from the history shows its logs', async (t) => {
  await guarded(t, 'reopened-run-logs', async () => {
    const f = await logFlow('logs');
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="say"]').waitFor();
    await page.getByRole('button', { name: '▶ Run' }).click();
    await page.locator('[data-handle="say"].ps-run-success').waitFor({ timeout: 20000 });
    // a fresh page: nothing live is left, only the stored run
    await page.reload();
    await page.locator('[data-handle="say"]').waitFor();
    await page.getByRole('button', { name: 'History', exact: true }).click();
    const history = page.getByRole('region', { name: 'Run history' });
    await history.locator('tbody tr').first().getByRole('button', { name: /^Open/ }).click();
    const panel = page.getByRole('region', { name: 'Run', exact: true });
    await panel.getByRole('tab', { name: 'Logs (1)' }).waitFor();
    await panel.getByText('hello from the log').waitFor();
  });
});

test('deleting every node asks before emptying the flow; undo brings them back, confirming empties it', async (t) => {
  await guarded(t, 'empty-flow', async () => {
    const f = await logFlow('to empty');
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="say"]').waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    const dialog = page.getByRole('dialog', { name: 'Empty this flow?' });
    await dialog.waitFor();
    assert.equal(await page.getByText('This flow was changed elsewhere').count(), 0);
    assert.match(await dialog.innerText(), /which has 2 nodes/);
    await dialog.getByRole('button', { name: 'Undo the delete' }).click();
    await page.locator('[data-handle="say"]').waitFor();
    await saved();
    assert.equal((await api('GET', `${at.base}/flows/${f.id}`)).draft.document.nodes.length, 2);

    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+a');
    await page.keyboard.press('Delete');
    await dialog.getByRole('button', { name: 'Empty the flow' }).click();
    await dialog.waitFor({ state: 'detached' });
    await saved();
    assert.equal((await api('GET', `${at.base}/flows/${f.id}`)).draft.document.nodes.length, 0);
  });
});

test('the minimap lets pointers through to the canvas and can be hidden', async (t) => {
  await guarded(t, 'minimap', async () => {
    const f = await logFlow('minimap');
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="say"]').waitFor();
    const map = page.locator('.react-flow__minimap');
    await map.waitFor();
    const b = await map.boundingBox();
    assert.ok(b.width <= 170 && b.height <= 110, `a small minimap: ${JSON.stringify(b)}`);
    const hit = await page.evaluate(([x, y]) => !!document.elementFromPoint(x, y)?.closest('.react-flow__minimap'), [b.x + b.width / 2, b.y + b.height / 2]);
    assert.equal(hit, false, 'a pointer over the minimap reaches the canvas');
    // Fit keeps the nodes out of the minimap's corner
    await page.getByRole('button', { name: 'Fit view' }).first().click();
    await page.waitForTimeout(400);
    for (const n of await page.locator('.react-flow__node').all()) {
      const r = await n.boundingBox();
      assert.ok(r.y + r.height <= b.y || r.x + r.width <= b.x, `a node under the minimap after Fit: ${JSON.stringify(r)}`);
    }
    await page.getByRole('button', { name: 'Hide the minimap' }).click();
    await map.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Show the minimap' }).click();
    await map.waitFor();
  });
});

test('a primary button stays readable on hover', async (t) => {
  await guarded(t, 'primary-hover', async () => {
    await page.goto(`${suite.cloud.url}/`);
    await page.getByPlaceholder('My project').fill('Hovered');
    const button = page.getByRole('button', { name: 'Create project' });
    const colours = () => button.evaluate((el) => ({ bg: getComputedStyle(el).backgroundColor, fg: getComputedStyle(el).color }));
    await page.mouse.move(0, 0);
    const still = await colours();
    await button.hover();
    await page.waitForTimeout(100);
    const hover = await colours();
    assert.equal(hover.fg, 'rgb(255, 255, 255)');
    const panel2 = await page.evaluate(() => {
      const d = document.createElement('div');
      d.style.background = 'var(--panel-2)';
      document.body.append(d);
      const c = getComputedStyle(d).backgroundColor;
      d.remove();
      return c;
    });
    assert.notEqual(hover.bg, panel2, 'the hover is not the plain grey under white text');
    assert.equal(still.fg, 'rgb(255, 255, 255)');
  });
});

test("a long flow name is cut short in its tab, whole in the tooltip", async (t) => {
  await guarded(t, 'long-tab', async () => {
    const name = `A flow with a very long name ${'that goes on and on '.repeat(7)}`.trim().slice(0, 150);
    const f = await api('POST', `${at.base}/flows`, { kind: 'blueprint', name });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    const tab = page.getByRole('tab', { name });
    await tab.waitFor();
    const box = await tab.locator('xpath=..').boundingBox();
    assert.ok(box.width <= 241, `the tab is ${box.width}px wide`);
    assert.ok(box.height < 40, `the tab is on one line: ${box.height}px high`);
    assert.equal(await tab.getAttribute('title'), name);
  });
});

test('a link to a missing project shows one not-found state with the way back', async (t) => {
  await guarded(t, 'missing-project', async () => {
    await page.goto(`${suite.cloud.url}/p/01AAAAAAAAAAAAAAAAAAAAAAAA`);
    await page.getByRole('heading', { name: 'Project not found' }).waitFor();
    await page.waitForTimeout(300);
    assert.equal(await page.getByText(/Not found: project not found/).count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Try again' }).count(), 0);
    assert.equal(await page.getByText(/Open a flow from the left/).count(), 0);
    await page.getByRole('link', { name: 'Back to your projects' }).click();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
  });
});

test('a flow is deleted from its settings; a flow another names as its error flow is refused with the reason', async (t) => {
  await guarded(t, 'delete-flow', async () => {
    const keep = await api('POST', `${at.base}/flows`, { kind: 'service', name: 'on failure' });
    const user = await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'uses it' });
    await api('PATCH', `${at.base}/flows/${user.id}`, { error_flow: keep.id });
    // refused: the API's reason shows in the dialog
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${keep.id}`);
    await page.getByRole('tab', { name: 'on failure' }).waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Flow settings' });
    await dialog.getByRole('button', { name: 'Delete the flow on failure' }).click();
    await dialog.getByRole('button', { name: 'Delete “on failure”' }).click();
    const reason = dialog.getByRole('alert');
    await reason.waitFor();
    assert.match(await reason.innerText(), /error flow \("uses it"\)/);
    await dialog.getByRole('group', { name: 'Confirm: Delete the flow on failure' }).getByRole('button', { name: 'Cancel' }).click();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal((await api('GET', `${at.base}/flows/${keep.id}`)).id, keep.id);
    // deleted: the tab closes and the list forgets it
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${user.id}`);
    await page.getByRole('tab', { name: 'uses it' }).waitFor();
    await page.getByRole('button', { name: 'Settings' }).click();
    await dialog.getByRole('button', { name: 'Delete the flow uses it' }).click();
    await dialog.getByRole('button', { name: 'Delete “uses it”' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('tab', { name: 'uses it' }).waitFor({ state: 'detached' });
    assert.equal(await page.getByRole('link', { name: 'uses it' }).count(), 0);
    const flows = await api('GET', `${at.base}/flows?limit=200`);
    assert.equal(flows.items.some((x) => x.id === user.id), false);
    assert.deepEqual(errors.filter((e) => !/409|404|Failed to load resource/.test(e)), []);
  });
});
