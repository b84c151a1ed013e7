// Gaps of the manage, publish and inspector parts from a tenth pass, against the real local
// cloud: set up through the API, driven through the editor as a keyboard and screen-reader user.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

const suite = cloudSuite('qa10');
const session = projectSession(suite, { email: 'qa10@example.com', project: 'QA ten', prepare: ({ api, at }) => api('POST', `${at.base}/stages`, { name: 'staging' }) });
/** Runs a test step in the session (set up on first use), keeping a screenshot of the page. */
const { guarded } = session;

/** What has the keyboard focus: its accessible label, else its tag. */
const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName);
/** Waits until the element with this accessible label has the keyboard focus. */
const focusOn = (label) => page.waitForFunction((l) => document.activeElement?.getAttribute('aria-label') === l, label).then(focused);

test("a stage's rename field keeps its width beside a refusal, and the keyboard goes back to Rename after it", async (t) => {
  await guarded(t, 'stage-rename', async () => {
    await page.goto(`${suite.cloud.url}/p/${at.project}/settings/stages`);
    await page.getByRole('button', { name: 'Rename stage staging' }).click();
    const input = page.getByRole('textbox', { name: 'New stage name' });
    await input.fill('Not-A-Stage');
    await page.keyboard.press('Enter');
    await page.getByRole('form', { name: 'Rename stage staging' }).getByRole('alert').waitFor();
    // the field stayed wide enough to read and fix what was typed (it shrank to a sliver)
    const box = await input.boundingBox();
    assert.ok(box && box.width >= 120, `the rename field is ${box?.width}px wide`);
    await page.keyboard.press('Escape');
    assert.equal(await focusOn('Rename stage staging'), 'Rename stage staging');
    assert.deepEqual(errors, []);
  });
});

test("the toolbar's Publish keeps the keyboard after publishing (Chromium dropped it on the page's body while the button was off)", async (t) => {
  await guarded(t, 'publish-focus', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'route',
      name: 'publish by keyboard',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [
          { id: 'route', handle: 'route', type: 'trigger.route', position: { x: 0, y: 0 }, values: {} },
          { id: 'resp', handle: 'resp', type: 'http.response', position: { x: 320, y: 0 }, values: { body: 'hi' } },
        ],
        connections: [{ from: { node: 'route', port: 'true_path' }, to: { node: 'resp', port: 'node' } }],
      },
    });
    await api('PUT', `${at.base}/flows/${f.id}/route`, { method: 'GET', segments: [{ kind: 'static', value: 'kb' }] });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.getByRole('tab', { name: 'publish by keyboard', exact: true }).waitFor();
    const publish = page.getByTestId('publish-button');
    await page.getByTestId('publish-stage').selectOption('staging');
    await publish.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('publish-outcome').filter({ hasText: 'Published version 1 to staging' }).waitFor();
    assert.equal(await focusOn('Publish'), 'Publish');
    // and Enter again publishes again, from where the keyboard is
    await page.keyboard.press('Enter');
    await page.getByTestId('publish-outcome').filter({ hasText: 'Published version 1 to staging.' }).waitFor();
    assert.deepEqual(errors, []);
  });
});

test("an API key's rename field keeps its width beside a refusal", async (t) => {
  await guarded(t, 'key-rename', async () => {
    await api('POST', `${at.base}/api-keys`, { label: 'CI' });
    await page.goto(`${suite.cloud.url}/p/${at.project}/settings/api-keys`);
    await page.getByRole('button', { name: 'Rename key CI' }).click();
    const form = page.getByRole('form', { name: 'Rename key CI' });
    await form.getByRole('textbox', { name: 'Label' }).fill('   ');
    await form.getByText('Give the key a label.').waitFor();
    const box = await form.getByRole('textbox', { name: 'Label' }).boundingBox();
    assert.ok(box && box.width >= 120, `the rename field is ${box?.width}px wide`);
    await page.keyboard.press('Escape');
    assert.equal(await focusOn('Rename key CI'), 'Rename key CI');
    assert.deepEqual(errors, []);
  });
});

test("at 480 px a secret's Set value form has a row of its own: the key keeps its width and nothing runs off the screen", async (t) => {
  await guarded(t, 'secret-480', async () => {
    await api('PUT', `${at.base}/secrets/API_KEY/stages/mock`, { value: 'sealed' });
    await page.setViewportSize({ width: 480, height: 880 });
    try {
      await page.goto(`${suite.cloud.url}/p/${at.project}/settings/secrets`);
      await page.getByRole('button', { name: 'Set a value of API_KEY' }).click();
      const form = page.getByRole('form', { name: 'Set API_KEY' });
      await form.waitFor();
      // the keyboard is in the value, and the value is never shown back
      assert.equal(await focused(), 'INPUT');
      assert.equal(await form.getByLabel('Value', { exact: true }).getAttribute('type'), 'password');
      const key = page.getByRole('cell', { name: 'API_KEY', exact: true }).locator('strong');
      const box = await key.boundingBox();
      // one line: it was squeezed to two letters a line ("AP / I_ / KE / Y")
      assert.ok(box && box.height < 24, `the key takes ${box?.height}px, more than a line`);
      const screen = page.getByRole('region', { name: 'Secrets' });
      assert.ok(await screen.evaluate((s) => s.scrollWidth <= s.clientWidth + 1), 'the secrets screen runs off to the right');
      assert.deepEqual(errors, []);
    } finally {
      await page.setViewportSize({ width: 1400, height: 880 });
    }
  });
});

test("the inspector's Delete for several nodes hands the keyboard to the canvas, where undo brings them back", async (t) => {
  await guarded(t, 'inspector-delete', async () => {
    const node = (id, type, x) => ({ id, handle: id, type, position: { x, y: 0 }, values: {} });
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'delete from the inspector',
      document: { schema: 'polysynergy/flow@1', nodes: [node('a', 'debug.log', 0), node('b', 'debug.log', 320), node('c', 'debug.log', 640)], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="c"]').waitFor();
    await page.locator('.react-flow__node[data-id="a"] .ps-node-header').click();
    await page.locator('.react-flow__node[data-id="b"] .ps-node-header').click({ modifiers: ['Shift'] });
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    await inspector.getByText('2 nodes selected.').waitFor();
    await inspector.getByRole('button', { name: 'Delete' }).focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-handle="a"]').waitFor({ state: 'detached' });
    // the node left has the keyboard (it went to the page's body)
    await page.waitForFunction(() => document.activeElement?.getAttribute('data-id') === 'c');
    await page.keyboard.press('Control+z');
    await page.locator('[data-handle="a"]').waitFor();
    assert.deepEqual(errors, []);
  });
});

test('at 480 px a variable key keeps a line of its own width instead of three letters a line', async (t) => {
  await guarded(t, 'env-480', async () => {
    await api('PUT', `${at.base}/env/BASE_URL`, { values: { mock: `https://example.com/${'segment/'.repeat(20)}` } });
    await page.setViewportSize({ width: 480, height: 880 });
    try {
      await page.goto(`${suite.cloud.url}/p/${at.project}/settings/env`);
      const key = page.getByRole('rowheader', { name: 'BASE_URL' });
      await key.waitFor();
      const box = await key.evaluate((e) => {
        const r = document.createRange();
        r.selectNodeContents(e);
        return r.getClientRects().length;
      });
      // one line box: it broke as "BAS / E_U / RL"
      assert.equal(box, 1);
      assert.deepEqual(errors, []);
    } finally {
      await page.setViewportSize({ width: 1400, height: 880 });
    }
  });
});
