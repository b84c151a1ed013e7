// A viewer in the real local cloud: the owner invites them with the viewer role; they accept
// the invitation on the projects screen, and they open a flow of the owner's workspace. The editor says it is read only, offers no
// run, palette or publish; dragging a node, pressing Delete or pasting changes nothing, the
// inspector's fields are off, and the editor sends no write at all. The past runs still show.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchConsole } from './browser.mjs';
import { createProject, flowNode, signInForApi } from './cloud.mjs';
import { cloudSuite, freshPage } from './suite.mjs';

const suite = cloudSuite('viewer');

test('a viewer looks at a flow and its runs without changing anything', async (t) => {
  const ownerPage = await freshPage(suite);
  const page = await freshPage(suite);
  const errors = watchConsole(page);
  try {
    // the owner's project, flow (run once) and invitation
    const owner = await signInForApi(ownerPage, suite.cloud, 'owner@example.com');
    const { tenant, project, base } = await createProject(owner, 'Shared');
    const node = flowNode;
    const flow = await owner('POST', `${base}/flows`, {
      kind: 'blueprint',
      name: 'greeter',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [node('start', 'trigger.manual', 0, {}), node('greet', 'variable.string', 320, { value: 'hello' })],
        connections: [{ from: { node: 'start', port: 'true_path' }, to: { node: 'greet', port: 'node' } }],
      },
    });
    await owner('POST', `${base}/flows/${flow.id}/runs`, {});
    await owner('POST', `/tenants/${tenant}/invitations`, { email: 'viewer@example.com', role: 'viewer' });

    // the viewer signs in and accepts the invitation: the owner's workspace is theirs to look at
    await signInForApi(page, suite.cloud, 'viewer@example.com');
    await page.getByRole('button', { name: /^Accept the invitation to / }).click();
    await page.getByRole('button', { name: /^Open / }).click();
    await page.getByText('Shared', { exact: true }).waitFor();
    // the projects screen offers a viewer no changes either
    for (const name of ['Create project', 'Rename', 'Move to trash', 'Trash']) assert.equal(await page.getByRole('button', { name, exact: true }).count(), 0, `no ${name} button`);
    const writes = [];
    page.on('request', (r) => {
      if (r.url().includes('/api/v1/') && r.method() !== 'GET' && r.method() !== 'OPTIONS') writes.push(`${r.method()} ${r.url()}`);
    });
    await page.goto(`${suite.cloud.url}/p/${project}/f/${flow.id}`);
    const greet = page.locator('.react-flow__node:has([data-handle="greet"])');
    await greet.waitFor();
    const status = page.getByRole('status', { name: 'Save state' });
    assert.equal((await status.textContent()).trim(), 'Read only');
    assert.equal(await page.getByRole('button', { name: '▶ Run' }).count(), 0, 'no Run button');
    assert.equal(await page.getByRole('button', { name: 'Publish', exact: true }).count(), 0, 'no Publish button');
    assert.equal(await page.getByLabel('Search nodes').count(), 0, 'no palette');
    assert.equal(await page.getByRole('button', { name: 'Undo' }).count(), 0, 'no Undo');
    assert.equal(await page.getByRole('button', { name: /^New / }).count(), 0, 'no New flow buttons');

    // dragging a node does not move it (the drag pans the view: both nodes keep their distance)
    const header = greet.locator('.ps-node-header');
    const start = page.locator('.react-flow__node:has([data-handle="start"])');
    const gap = async () => {
      const [a, b] = [await start.boundingBox(), await greet.boundingBox()];
      return { dx: b.x - a.x, dy: b.y - a.y };
    };
    const before = await gap();
    const hb = await header.boundingBox();
    await page.mouse.move(hb.x + 20, hb.y + hb.height / 2);
    await page.mouse.down();
    await page.mouse.move(hb.x + 220, hb.y + 160, { steps: 8 });
    await page.mouse.up();
    const afterDrag = await gap();
    assert.ok(Math.abs(afterDrag.dx - before.dx) < 1 && Math.abs(afterDrag.dy - before.dy) < 1, `the node moved: ${JSON.stringify(before)} → ${JSON.stringify(afterDrag)}`);

    // selected, it shows its values with the fields off; Delete leaves it
    await header.click();
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    await inspector.getByRole('note').waitFor();
    const handle = inspector.getByLabel(/^Handle/);
    assert.equal(await handle.inputValue(), 'greet');
    assert.ok(await handle.isDisabled(), 'the handle field is off');
    await page.keyboard.press('Delete');
    await page.keyboard.press('Control+d');
    assert.equal(await page.locator('.react-flow__node:has([data-handle])').count(), 2, 'both nodes are still there');

    // the past run opens from the history
    await page.getByRole('button', { name: 'History' }).click();
    const history = page.getByRole('region', { name: 'Run history' });
    await history.getByRole('button', { name: /^Open the .* run of/ }).first().click();
    await page.locator('[data-handle="greet"].ps-run-success').waitFor({ timeout: 10000 });
    await page.screenshot({ path: `${suite.shots}viewer.png` });

    await page.waitForTimeout(1500); // an autosave would have gone out by now
    assert.deepEqual(writes, [], 'the viewer sent no writes');
    const stored = await owner('GET', `${base}/flows/${flow.id}`);
    assert.deepEqual(
      stored.draft.document.nodes.map((n) => [n.id, n.position.x]),
      [
        ['start', 0],
        ['greet', 320],
      ],
    );
    assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  } catch (e) {
    await page.screenshot({ path: `${suite.shots}failure.png` }).catch(() => {});
    t.diagnostic(suite.cloud.log());
    throw e;
  }
});
