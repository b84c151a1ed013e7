// Two tabs of the same user on the same settings screen, against the real local cloud: the
// writes of a project's whole stage list (marking production, moving a stage) send the list's
// etag, and withdrawing an invitation sends the invitation's, so a change made in one tab is
// not silently overwritten from the other — the other is refused (412), nothing is written,
// the screen says the item changed and shows it as it is now; doing it again there applies it
// on top. Set up through the API, driven through the editor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cloudSuite, projectSession, page, api, errors, at, secondTab as openSecondTab } from './suite.mjs';

const suite = cloudSuite('qa15');
const session = projectSession(suite, { email: 'qa15@example.com', project: 'QA fifteen' });
const { guarded } = session;

/** The console errors other than the refused writes' own (Chromium logs each 412 answer). */
const unexpected = (list) => list.filter((e) => !/Failed to load resource: the server responded with a status of 412/.test(e));

const CHANGED = 'Changed by someone else since you opened it — what it is now is shown. Apply your change again, or discard it.';

/** The names of the stages in order and the production one, as the API has them. */
async function stagesNow() {
  const l = await api('GET', `${at.base}/stages`);
  return { order: l.map((s) => s.name), production: l.find((s) => s.production)?.name ?? '' };
}

/** The stage names of the screen's table, in order. */
const shownOrder = (p) => p.locator('table.ps-m-table tbody tr td:nth-child(2) strong').allInnerTexts();

test('the production stage and the stage order changed in one tab are not overwritten from another: refused, the list shown as it is now, then done on top', async (t) => {
  await guarded(t, 'stage-list-two-tabs', async () => {
    for (const name of ['test', 'prod']) await api('POST', `${at.base}/stages`, { name });
    const path = `/p/${at.project}/settings/stages`;
    await page.goto(`${suite.cloud.url}${path}`);
    const { tab, tabErrors } = await openSecondTab(suite, path);
    try {
      await page.getByRole('button', { name: 'Make test the production stage' }).waitFor();
      await tab.getByRole('button', { name: 'Make prod the production stage' }).waitFor();

      // the first tab makes test production
      await page.getByRole('button', { name: 'Make test the production stage' }).click();
      await page.getByRole('button', { name: 'Unmark test as production' }).waitFor();
      assert.equal((await stagesNow()).production, 'test');

      // the second, which read the list before, is refused: nothing written, the list as it is now
      await tab.getByRole('button', { name: 'Make prod the production stage' }).click();
      await tab.getByRole('alert').filter({ hasText: CHANGED }).waitFor();
      await tab.getByRole('button', { name: 'Unmark test as production' }).waitFor();
      assert.equal((await stagesNow()).production, 'test');
      await tab.screenshot({ path: `${suite.shots}production-refused.png` });

      // doing it again there goes over the list read with the refusal
      await tab.getByRole('button', { name: 'Make prod the production stage' }).click();
      await tab.getByRole('button', { name: 'Unmark prod as production' }).waitFor();
      assert.equal(await tab.getByRole('alert').filter({ hasText: CHANGED }).count(), 0);
      assert.equal((await stagesNow()).production, 'prod');

      // the first tab, now behind, moves a stage: refused, the order unchanged, prod shown as production
      await page.getByRole('button', { name: 'Move prod up' }).click();
      await page.getByRole('alert').filter({ hasText: CHANGED }).waitFor();
      await page.getByRole('button', { name: 'Unmark prod as production' }).waitFor();
      assert.deepEqual((await stagesNow()).order, ['mock', 'test', 'prod']);
      assert.deepEqual(await shownOrder(page), ['mock', 'test', 'prod']);

      // and moves it again: done
      await page.getByRole('button', { name: 'Move prod up' }).click();
      await page.getByRole('status').filter({ hasText: 'prod moved up' }).waitFor();
      assert.deepEqual((await stagesNow()).order, ['mock', 'prod', 'test']);
      assert.deepEqual(await shownOrder(page), ['mock', 'prod', 'test']);
      assert.deepEqual(unexpected(tabErrors), []);
      assert.deepEqual(unexpected(errors), []);
      errors.length = 0;
    } finally {
      await tab.close();
    }
  });
});

test('an invitation invited again in one tab is not withdrawn from another as it was: refused, shown as it is now, then withdrawn when asked again', async (t) => {
  await guarded(t, 'invitation-two-tabs', async () => {
    await api('POST', `/tenants/${at.tenant}/invitations`, { email: 'qa15-cy@example.com', role: 'viewer' });
    const path = `/p/${at.project}/settings/members`;
    await page.goto(`${suite.cloud.url}${path}`);
    const { tab, tabErrors } = await openSecondTab(suite, path);
    try {
      const pendingIn = (p) => p.getByRole('table', { name: 'Pending invitations' });
      await pendingIn(page).getByText('qa15-cy@example.com').waitFor();
      await pendingIn(tab).getByText('qa15-cy@example.com').waitFor();

      // the first tab invites the address again, as admin
      const form = page.getByRole('form', { name: 'Invite' });
      await form.getByLabel('E-mail').fill('qa15-cy@example.com');
      await form.getByLabel('Role').selectOption('admin');
      await form.getByRole('button', { name: 'Invite' }).click();
      await pendingIn(page).getByRole('cell', { name: 'admin', exact: true }).waitFor();
      const invs = async () => (await api('GET', `/tenants/${at.tenant}/invitations`)).items.filter((i) => i.email === 'qa15-cy@example.com');
      assert.equal((await invs())[0].role, 'admin');

      // the second withdraws the invitation it read (as viewer): refused, still pending, shown as admin
      await tab.getByRole('button', { name: 'Withdraw the invitation of qa15-cy@example.com' }).click();
      const ask = tab.getByRole('group', { name: /Confirm/ });
      await ask.getByRole('button', { name: 'Withdraw' }).click();
      await tab.getByText(CHANGED).waitFor();
      await pendingIn(tab).getByRole('cell', { name: 'admin', exact: true }).waitFor();
      assert.equal((await invs()).length, 1);
      await tab.screenshot({ path: `${suite.shots}withdraw-refused.png` });

      // asked again, it withdraws the invitation as it is now
      await ask.getByRole('button', { name: 'Withdraw' }).click();
      await pendingIn(tab).waitFor({ state: 'detached' });
      assert.deepEqual(await invs(), []);
      assert.deepEqual(unexpected(tabErrors), []);
      assert.deepEqual(unexpected(errors), []);
      errors.length = 0;
    } finally {
      await tab.close();
    }
  });
});
