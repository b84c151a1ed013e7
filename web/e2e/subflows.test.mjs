// Calling flows from the editor against the real local cloud: a flow's Call flow node picks a
// service flow from the inspector's flow picker (the canvas shows the flow's name), an editor
// run calls that flow's draft and lights the caller's nodes, and the flow settings dialog
// sets the flow's error flow. The project and flows are set up through the API.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchConsole } from './browser.mjs';
import { createProject, flowNode, signInForApi } from './cloud.mjs';
import { cloudSuite, freshPage } from './suite.mjs';

const suite = cloudSuite('subflows');

test('a Call flow node picks a flow, runs it, and the flow settings set an error flow', async (t) => {
  const page = await freshPage(suite);
  const errors = watchConsole(page);
  try {
    const api = await signInForApi(page, suite.cloud, 'calls@example.com');
    const { project, base } = await createProject(api, 'Calls');
    const node = flowNode;
    const link = (from, to) => ({ from: { node: from, port: 'true_path' }, to: { node: to, port: 'node' } });
    const vat = await api('POST', `${base}/flows`, {
      kind: 'service',
      name: 'with vat',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [node('input', 'flow.input', 0, {}), node('out', 'control.exit', 300, { value: { gross: '{{ input.input.amount * 1.25 }}' } })],
        connections: [link('input', 'out')],
      },
    });
    const caller = await api('POST', `${base}/flows`, {
      kind: 'blueprint',
      name: 'checkout',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [
          node('start', 'trigger.manual', 0, { test_input: { amount: 80 } }),
          node('price', 'flow.call', 300, { input: { amount: '{{ start.input.amount }}' } }),
          node('done', 'control.exit', 600, { value: '{{ price.result.gross }}' }),
        ],
        connections: [link('start', 'price'), link('price', 'done')],
      },
    });
    await page.goto(`${suite.cloud.url}/p/${project}/f/${caller.id}`);
    await page.locator('[data-handle="price"]').waitFor();

    // pick the called flow in the inspector: the canvas names it
    await page.locator('.react-flow__node:has([data-handle="price"]) .ps-node-header').click();
    const picker = page.getByRole('combobox', { name: 'flow_id' });
    await picker.selectOption({ label: 'with vat (service)' });
    await page.locator('[data-handle="price"] .ps-port-preview', { hasText: '→ with vat' }).waitFor();
    await page.screenshot({ path: `${suite.shots}picked.png` });

    // an editor run calls the draft and lights the caller's nodes
    await page.getByRole('button', { name: '▶ Run' }).click();
    for (const h of ['start', 'price', 'done']) await page.locator(`[data-handle="${h}"].ps-run-success`).waitFor({ timeout: 20000 });
    const runs = await api('GET', `${base}/flows/${caller.id}/runs`);
    assert.equal(runs.items.length, 1, JSON.stringify(runs));
    const run = await api('GET', `${base}/flows/${caller.id}/runs/${runs.items[0].id}`);
    const price = run.nodes.find((n) => n.node === 'price');
    assert.equal(price.status, 'success');
    assert.deepEqual(price.outputs.result, { gross: 100 });

    // the flow settings set the error flow
    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Flow settings' });
    await dialog.getByLabel('When a published run fails, run flow').selectOption({ label: 'with vat (service)' });
    await dialog.getByLabel('Keep the last N runs').fill('25');
    await page.screenshot({ path: `${suite.shots}settings.png` });
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    const saved = await api('GET', `${base}/flows/${caller.id}`);
    assert.equal(saved.error_flow, vat.id);
    assert.equal(saved.retention, 25);
    const draft = await api('GET', `${base}/flows/${caller.id}`);
    assert.equal(draft.draft.document.nodes.find((n) => n.id === 'price').values.flow_id, vat.id, 'the picked flow is saved in the draft');
    assert.deepEqual(errors, [], `console errors: ${errors.join('\n')}`);
  } catch (e) {
    await page.screenshot({ path: `${suite.shots}failure.png` }).catch(() => {});
    t.diagnostic(suite.cloud.log());
    throw e;
  }
});
