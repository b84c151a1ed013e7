// The editor against the real local cloud: JSON typed into the inspector that does not parse
// is kept across a reload of the page (this tab's sessionStorage), with its error, and goes once
// the field is fixed; the flow's toolbar at 800 and 480 px has every control in the window,
// clickable, without the page or the editor's box scrolling sideways.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowNode } from './cloud.mjs';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

const suite = cloudSuite('qa17');
const session = projectSession(suite, { email: 'qa17@example.com', project: 'QA seventeen' });
const { guarded } = session;

async function open(f) {
  await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
  await page.getByRole('tab', { name: f.name, exact: true }).waitFor();
}

const nodeByHandle = (h) => page.locator(`.react-flow__node:has([data-handle="${h}"])`);

test('JSON that does not parse is kept across a reload with its error, and goes once it is fixed', async (t) => {
  await guarded(t, 'json-draft-reload', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'drafts kept',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('start', 'trigger.manual', 0, {}), flowNode('get', 'aws.dynamodb_get', 320, { table: 'orders', key: { id: 1 } })], connections: [] },
    });
    await open(f);
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    const key = inspector.getByRole('textbox', { name: 'key', exact: true });
    await nodeByHandle('get').locator('.ps-node-header').click();
    await key.click();
    await page.keyboard.press('Control+a');
    // (at once, as a paste: typed key by key, closing brackets make text that parses on the way)
    await page.keyboard.insertText('{"id": 2,');
    await inspector.getByTestId('json-draft-key').waitFor();

    // the browser asks before leaving (the text is not in the draft); the test says leave
    let asked = 0;
    page.on('dialog', (d) => {
      if (d.type() === 'beforeunload') asked++;
      void d.accept();
    });
    await page.reload();
    await page.getByRole('tab', { name: f.name, exact: true }).waitFor();
    assert.equal(asked, 1, 'the leave-page question was asked');

    // listed before the node is selected, then in its field with its error
    const waiting = inspector.getByRole('note', { name: 'Unsaved JSON' });
    await waiting.waitFor();
    assert.match(await waiting.innerText(), /get\.key/);
    await waiting.getByRole('button', { name: 'Show get.key' }).click();
    await inspector.getByTestId('json-draft-key').waitFor();
    assert.match(await inspector.getByTestId('json-draft-key').innerText(), /^Not saved: /);
    assert.equal(await key.innerText(), '{"id": 2,');
    assert.equal(await key.getAttribute('aria-invalid'), 'true');
    // the node kept its last valid value (saved as the draft)
    assert.deepEqual((await api('GET', `${at.base}/flows/${f.id}`)).draft.document.nodes.find((n) => n.id === 'get').values.key, { id: 1 });

    // fixed: the value, and nothing waits after another reload
    await key.click();
    await page.keyboard.press('End');
    await page.keyboard.type(' "b": 3}');
    await page.waitForFunction(() => !document.querySelector('[data-testid="json-draft-key"]'));
    // saved as the draft: the API has it
    const draftKey = async () => (await api('GET', `${at.base}/flows/${f.id}`)).draft.document.nodes.find((n) => n.id === 'get').values.key;
    for (let i = 0; JSON.stringify(await draftKey()) !== JSON.stringify({ id: 2, b: 3 }); i++) {
      assert.ok(i < 100, 'the fixed value is saved');
      await page.waitForTimeout(100);
    }
    await page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved$/ }).waitFor();
    assert.equal(await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('ps.jsonDrafts:')).length), 0);
    await page.reload();
    await page.getByRole('tab', { name: f.name, exact: true }).waitFor();
    await nodeByHandle('get').locator('.ps-node-header').click();
    await key.waitFor();
    assert.equal(await inspector.getByRole('note', { name: 'Unsaved JSON' }).count(), 0);
    assert.deepEqual(JSON.parse(await key.innerText()), { id: 2, b: 3 });
    assert.equal(asked, 1, 'nothing to ask about the second time');
    assert.deepEqual(errors, []);
  });
});

for (const width of [800, 480]) {
  test(`at ${width} px every control of the flow's toolbar is in the window and clickable, and nothing scrolls sideways`, async (t) => {
    await guarded(t, `toolbar-${width}`, async () => {
      const name = `toolbar ${width}`;
      const f = await api('POST', `${at.base}/flows`, {
        kind: 'blueprint',
        name,
        document: { schema: 'polysynergy/flow@1', nodes: [flowNode('start', 'trigger.manual', 0, {}), flowNode('say', 'debug.log', 320, { message: 'hi' })], connections: [{ from: { node: 'start', port: 'true_path' }, to: { node: 'say', port: 'node' } }] },
      });
      await page.setViewportSize({ width, height: 800 });
      try {
        await open(f);
        const toolbar = page.getByRole('toolbar', { name: 'Flow' });
        await toolbar.getByRole('button', { name: /Run/ }).first().waitFor();
        const controls = toolbar.locator('button, a[href], select, input');
        const n = await controls.count();
        assert.ok(n >= 10, `toolbar controls: ${n}`);
        for (let i = 0; i < n; i++) {
          const c = controls.nth(i);
          if (!(await c.isVisible())) continue;
          const label = `${(await c.getAttribute('aria-label')) ?? (await c.innerText())}`.trim();
          const box = await c.boundingBox();
          assert.ok(box.x >= 0 && box.x + box.width <= width && box.y >= 0 && box.y + box.height <= 800, `${label} in the window at ${width} px: ${JSON.stringify(box)}`);
          // what a click at its middle lands on is the control (nothing covers it)
          const hit = await c.evaluate((el) => {
            const r = el.getBoundingClientRect();
            const at = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
            return !!at && (at === el || el.contains(at));
          });
          assert.ok(hit, `${label} is what a click at its middle reaches`);
          if (await c.isEnabled()) await c.click({ trial: true, timeout: 5000 });
        }
        // nothing scrolled (the page, the app's main box or the editor's box) and nothing can
        const sideways = await page.evaluate(() =>
          [document.scrollingElement, document.querySelector('.ps-app-main'), document.querySelector('.ps-editor-scroll')]
            .filter(Boolean)
            .map((e) => ({ left: e.scrollLeft, over: e === document.querySelector('.ps-editor-scroll') ? 0 : e.scrollWidth - e.clientWidth })),
        );
        assert.deepEqual(sideways.map((s) => s.left), sideways.map(() => 0), 'nothing scrolled sideways');
        assert.deepEqual(sideways.map((s) => s.over <= 0), sideways.map(() => true), `the page does not widen: ${JSON.stringify(sideways)}`);
        // a real click on the last control works from where it is: the ☾ theme switch
        const theme = toolbar.getByRole('button', { name: /theme/i });
        if (await theme.count()) {
          await theme.click();
          await theme.click();
        }
        await page.screenshot({ path: `${suite.shots}toolbar-${width}-narrow.png` });
        assert.deepEqual(errors, []);
      } finally {
        await page.setViewportSize({ width: 1400, height: 880 });
      }
    });
  });
}
