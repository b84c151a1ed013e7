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
