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
