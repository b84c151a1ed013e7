// Two tabs of the same user on the same settings screen, against the real local cloud: the
// manage screens send the etag they read as If-Match, so a change made in one tab is not
// silently overwritten from the other — the other is refused (412, or 404 for a stage renamed
// away), keeps what was typed, says the item changed and shows it as it is now; saving again
// there applies the change on top. Set up through the API, driven through the editor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cloudSuite, projectSession, page, api, errors, at, secondTab as openSecondTab } from './suite.mjs';

const suite = cloudSuite('qa13');
const session = projectSession(suite, { email: 'qa13@example.com', project: 'QA thirteen' });
const { guarded } = session;

/** The console errors other than the refused writes' own (Chromium logs each 412 / 404 answer). */
const unexpected = (list, statuses = '412') => list.filter((e) => !new RegExp(`Failed to load resource: the server responded with a status of (${statuses})`).test(e));

const CHANGED = 'Changed by someone else since you opened it — what it is now is shown. Apply your change again, or discard it.';

test('a variable changed in one tab is not overwritten from another: the other is refused, keeps its value, shows the current one, and saves it on top when asked', async (t) => {
  await guarded(t, 'env-two-tabs', async () => {
    await api('PUT', `${at.base}/env/BASE_URL`, { values: { mock: 'https://one.example.com' } });
    const path = `/p/${at.project}/settings/env`;
    await page.goto(`${suite.cloud.url}${path}`);
    const { tab, tabErrors } = await openSecondTab(suite, path);
    try {
      // both open the variable as it is
      await page.getByRole('button', { name: 'Edit BASE_URL' }).click();
      await tab.getByRole('button', { name: 'Edit BASE_URL' }).click();
      const mine = tab.getByRole('form', { name: 'Edit BASE_URL' });
      await mine.getByLabel('BASE_URL on mock').fill('https://from-b.example.com');

      // the first tab saves
      const theirs = page.getByRole('form', { name: 'Edit BASE_URL' });
      await theirs.getByLabel('BASE_URL on mock').fill('https://from-a.example.com');
      await theirs.getByRole('button', { name: 'Save' }).click();
      await theirs.waitFor({ state: 'detached' });
      assert.equal((await api('GET', `${at.base}/env/BASE_URL`)).values.mock, 'https://from-a.example.com');

      // the second is refused: nothing written, its value kept, the current one beside it
      await mine.getByRole('button', { name: 'Save' }).click();
      await mine.getByText(CHANGED).waitFor();
      assert.equal(await mine.getByLabel('BASE_URL on mock').inputValue(), 'https://from-b.example.com');
      assert.equal(await tab.getByTestId('env-BASE_URL-mock-now').innerText(), 'Now: https://from-a.example.com');
      assert.equal(await tab.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'BASE_URL on mock');
      assert.equal((await api('GET', `${at.base}/env/BASE_URL`)).values.mock, 'https://from-a.example.com');
      await tab.screenshot({ path: `${suite.shots}env-refused.png` });

      // saving again applies it over what is there now
      await mine.getByRole('button', { name: 'Save' }).click();
      await mine.waitFor({ state: 'detached' });
      assert.equal((await api('GET', `${at.base}/env/BASE_URL`)).values.mock, 'https://from-b.example.com');
      assert.deepEqual(unexpected(tabErrors), []);
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });
});

test('a secret set in one tab is not overwritten from another: the other is refused and keeps the value typed', async (t) => {
  await guarded(t, 'secret-two-tabs', async () => {
    await api('PUT', `${at.base}/secrets/DB_PASSWORD/stages/mock`, { value: 'first' });
    const path = `/p/${at.project}/settings/secrets`;
    await page.goto(`${suite.cloud.url}${path}`);
    const { tab, tabErrors } = await openSecondTab(suite, path);
    try {
      await page.getByRole('button', { name: 'Set a value of DB_PASSWORD' }).click();
      await tab.getByRole('button', { name: 'Set a value of DB_PASSWORD' }).click();
      const theirs = page.getByRole('form', { name: 'Set DB_PASSWORD' });
      const mine = tab.getByRole('form', { name: 'Set DB_PASSWORD' });
      await theirs.getByLabel('Stage').selectOption('mock');
      await mine.getByLabel('Stage').selectOption('mock');
      await mine.getByLabel('Value', { exact: true }).fill('from-b');

      await theirs.getByLabel('Value', { exact: true }).fill('from-a');
      await theirs.getByRole('button', { name: 'Save secret' }).click();
      await page.getByText('Saved DB_PASSWORD on mock.', { exact: false }).waitFor();
      // a secret's tag counts each value's write: unchanged means nothing was written
      const after = (await api('GET', `${at.base}/secrets/DB_PASSWORD`)).etag;

      await mine.getByRole('button', { name: 'Save secret' }).click();
      await mine.getByText(CHANGED).waitFor();
      assert.equal(await mine.getByLabel('Value', { exact: true }).inputValue(), 'from-b');
      assert.equal(await tab.evaluate(() => document.activeElement?.id), 'secret-DB_PASSWORD-value');
      assert.equal((await api('GET', `${at.base}/secrets/DB_PASSWORD`)).etag, after, 'the refused save wrote nothing');
      await tab.screenshot({ path: `${suite.shots}secret-refused.png` });

      await mine.getByRole('button', { name: 'Save secret' }).click();
      await tab.getByText('Saved DB_PASSWORD on mock.', { exact: false }).waitFor();
      assert.notEqual((await api('GET', `${at.base}/secrets/DB_PASSWORD`)).etag, after);

      // a delete asked for in the second tab after the first set it again: refused, still asking,
      // the keyboard on its Delete (it was lost while the button waited), and nothing deleted
      await page.goto(`${suite.cloud.url}${path}`);
      await page.getByRole('button', { name: 'Set a value of DB_PASSWORD' }).click();
      await theirs.getByLabel('Value', { exact: true }).fill('again');
      await theirs.getByRole('button', { name: 'Save secret' }).click();
      await page.getByText('Saved DB_PASSWORD on mock.', { exact: false }).waitFor();
      const confirm = tab.getByRole('group', { name: 'Confirm: Delete DB_PASSWORD on mock' });
      await tab.getByRole('button', { name: 'Delete DB_PASSWORD on mock' }).click();
      await confirm.getByRole('button', { name: 'Delete' }).click();
      await confirm.getByText(CHANGED).waitFor();
      await tab.waitForFunction(() => document.activeElement?.textContent === 'Delete' && !!document.activeElement.closest('[role=group]'));
      assert.deepEqual((await api('GET', `${at.base}/secrets/DB_PASSWORD`)).stages, ['mock']);
      assert.deepEqual(unexpected(tabErrors), []);
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });
});

test('a stage changed or renamed in one tab is not renamed from another: the other is refused, keeps the name typed or says the stage is gone', async (t) => {
  await guarded(t, 'stage-two-tabs', async () => {
    await api('POST', `${at.base}/stages`, { name: 'staging' });
    const path = `/p/${at.project}/settings/stages`;
    await page.goto(`${suite.cloud.url}${path}`);
    const { tab, tabErrors } = await openSecondTab(suite, path);
    try {
      await tab.getByRole('button', { name: 'Rename stage staging' }).click();
      const mine = tab.getByRole('form', { name: 'Rename stage staging' });
      await mine.getByLabel('New stage name').fill('qa');

      // the first tab makes staging the production stage: the stage changed
      await page.getByRole('button', { name: 'Make staging the production stage' }).click();
      await page.getByRole('button', { name: 'Unmark staging as production' }).waitFor();

      await mine.getByRole('button', { name: 'Save' }).click();
      await mine.getByText(CHANGED).waitFor();
      assert.equal(await mine.getByLabel('New stage name').inputValue(), 'qa');
      assert.equal(await tab.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'New stage name');
      // the list was read again: the tab shows staging as production now
      await tab.getByRole('row', { name: /staging/ }).getByText('Production').waitFor();
      const names = async () => (await api('GET', `${at.base}/stages`)).map((s) => s.name).sort();
      assert.deepEqual(await names(), ['mock', 'staging']);
      await tab.screenshot({ path: `${suite.shots}stage-refused.png` });

      // now the first tab renames it away: the second's rename finds it gone and says so
      await page.getByRole('button', { name: 'Rename stage staging' }).click();
      await page.getByLabel('New stage name').fill('beta');
      await page.getByRole('form', { name: 'Rename stage staging' }).getByRole('button', { name: 'Save' }).click();
      await page.getByRole('button', { name: 'Rename stage beta' }).waitFor();

      await mine.getByRole('button', { name: 'Save' }).click();
      await tab.getByText('staging was renamed or deleted by someone else since you opened it; nothing was changed.', { exact: false }).waitFor();
      await tab.getByRole('button', { name: 'Rename stage beta' }).waitFor();
      assert.deepEqual(await names(), ['beta', 'mock']);
      assert.deepEqual(unexpected(tabErrors, '412|404'), []);
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });
});

test("the project renamed in one tab is not renamed over from another; renaming twice in one tab needs no reload (the rename's ETag is the project's)", async (t) => {
  await guarded(t, 'project-two-tabs', async () => {
    const path = `/p/${at.project}/settings/general`;
    await page.goto(`${suite.cloud.url}${path}`);
    const { tab, tabErrors } = await openSecondTab(suite, path);
    try {
      const rename = async (p, name) => {
        const form = p.getByRole('form', { name: 'Project name' });
        await form.getByLabel('Name').fill(name);
        await form.getByRole('button', { name: 'Rename' }).click();
        return form;
      };
      const theirs = await rename(page, 'QA thirteen A');
      await theirs.getByText('Renamed.').waitFor();
      // the same tab again, on the tag its rename answered
      await rename(page, 'QA thirteen AA');
      await theirs.getByText('Renamed.').waitFor();
      assert.equal((await api('GET', at.base)).name, 'QA thirteen AA');

      const mine = await rename(tab, 'QA thirteen B');
      await mine.getByText(CHANGED).waitFor();
      assert.equal(await mine.getByLabel('Name').inputValue(), 'QA thirteen B');
      assert.equal(await tab.getByTestId('project-name-now').innerText(), 'Now: QA thirteen AA');
      assert.equal(await tab.evaluate(() => document.activeElement?.id), 'project-name');
      assert.equal((await api('GET', at.base)).name, 'QA thirteen AA');

      await mine.getByRole('button', { name: 'Rename' }).click();
      await mine.getByText('Renamed.').waitFor();
      assert.equal((await api('GET', at.base)).name, 'QA thirteen B');
      assert.deepEqual(unexpected(tabErrors), []);
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });
});

test('private network access switched in a tab whose project changed meanwhile: refused, the switch shows what is set and keeps the keyboard', async (t) => {
  await guarded(t, 'network-two-tabs', async () => {
    const path = `/p/${at.project}/settings/general`;
    await page.goto(`${suite.cloud.url}${path}`);
    const { tab, tabErrors } = await openSecondTab(suite, path);
    try {
      const form = page.getByRole('form', { name: 'Project name' });
      await form.getByLabel('Name').fill('QA thirteen C');
      await form.getByRole('button', { name: 'Rename' }).click();
      await form.getByText('Renamed.').waitFor();

      const sw = tab.getByRole('switch', { name: /reach private networks/ });
      await sw.click();
      await tab.getByText(CHANGED).waitFor();
      await tab.waitForFunction(() => document.activeElement?.getAttribute('role') === 'switch');
      assert.equal(await sw.isChecked(), false);
      assert.equal((await api('GET', at.base)).allow_private_network ?? false, false);

      await sw.click();
      await tab.getByText('Private network access is on.').waitFor();
      await tab.waitForFunction(() => document.activeElement?.getAttribute('role') === 'switch');
      assert.equal((await api('GET', at.base)).allow_private_network, true);
      assert.deepEqual(unexpected(tabErrors), []);
      assert.deepEqual(errors, []);
    } finally {
      await tab.close();
    }
  });
});
