// The publishing panel's route and schedule forms against the real local cloud: a save sends
// the tag the form read as If-Match, so a change made elsewhere meanwhile (another tab, the
// API) is not silently overwritten — the save is refused (412), nothing is written, the form
// keeps what was typed, says the item changed and shows it as it is now; saving again applies
// the change on top. Set up through the API, driven through the editor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signInForApi } from './cloud.mjs';
import { cloudSuite, freshPage, projectSession, page, api, errors, at } from './suite.mjs';

const suite = cloudSuite('qa14');
const session = projectSession(suite, { email: 'qa14@example.com', project: 'QA fourteen' });
const { guarded } = session;

const CHANGED = 'Changed by someone else since you opened it — what it is now is shown. Apply your change again, or discard it.';

/** The console errors other than the refused saves' own (Chromium logs each 412 answer). */
const unexpected = (list) => list.filter((e) => !/Failed to load resource: the server responded with a status of 412/.test(e));

test('a route saved elsewhere while the form is open is not overwritten: the save is refused, keeps what was typed, shows the route now, and saves on top when asked', async (t) => {
  await guarded(t, 'route-changed', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'contested' });
    await session.openPublishing(f);
    const form = page.getByRole('form', { name: 'Route' });
    await form.getByLabel('Description').fill('mine');

    // someone else changes the route meanwhile
    const before = await api('GET', `${at.base}/flows/${f.id}/route`);
    await api('PUT', `${at.base}/flows/${f.id}/route`, { method: 'POST', segments: before.segments, description: 'theirs' });

    await form.getByRole('button', { name: 'Save route' }).click();
    await form.getByText(CHANGED).waitFor();
    assert.equal(await form.getByTestId('route-now').innerText(), `Now: POST ${before.pattern}`);
    assert.equal(await form.getByLabel('Description').inputValue(), 'mine');
    assert.equal(await form.getByLabel('Method').inputValue(), before.method);
    assert.equal((await api('GET', `${at.base}/flows/${f.id}/route`)).description, 'theirs');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Save route');
    await page.screenshot({ path: `${suite.shots}route-refused.png` });

    // saving again goes over the tag read with the refusal
    await form.getByRole('button', { name: 'Save route' }).click();
    await form.getByText('Saved', { exact: true }).waitFor();
    const now = await api('GET', `${at.base}/flows/${f.id}/route`);
    assert.equal(now.description, 'mine');
    assert.equal(now.method, before.method);
    assert.equal(await form.getByText(CHANGED).count(), 0);
    assert.deepEqual(unexpected(errors), []);
    errors.length = 0;
  });
});

test('a schedule saved elsewhere while the form is open is not overwritten: the save is refused, keeps the expression typed, shows the schedule now, and saves on top when asked', async (t) => {
  await guarded(t, 'schedule-changed', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'schedule', name: 'nightly', schedule: { cron: '0 3 * * *', timezone: 'UTC', enabled: true } });
    await session.openPublishing(f);
    const form = page.getByRole('form', { name: 'Schedule' });
    await form.getByLabel(/^Cron/).fill('*/30 * * * *');

    await api('PUT', `${at.base}/flows/${f.id}/schedule`, { cron: '0 4 * * *', timezone: 'UTC', enabled: false });

    await form.getByRole('button', { name: 'Save schedule' }).click();
    await form.getByText(CHANGED).waitFor();
    assert.equal(await form.getByTestId('schedule-now').innerText(), 'Now: 0 4 * * * (UTC), disabled.');
    assert.equal(await form.getByLabel(/^Cron/).inputValue(), '*/30 * * * *');
    assert.equal(await form.getByRole('switch', { name: 'Enabled' }).isChecked(), true);
    assert.equal((await api('GET', `${at.base}/flows/${f.id}/schedule`)).cron, '0 4 * * *');
    await page.screenshot({ path: `${suite.shots}schedule-refused.png` });

    await form.getByRole('button', { name: 'Save schedule' }).click();
    await form.getByText('Saved', { exact: true }).waitFor();
    const now = await api('GET', `${at.base}/flows/${f.id}/schedule`);
    assert.equal(now.cron, '*/30 * * * *');
    // what the form held is what was saved: enabled, as it showed it (the other change disabled it)
    assert.equal(now.enabled, true);
    assert.deepEqual(unexpected(errors), []);
    errors.length = 0;
  });
});

test('a project renamed elsewhere while the projects list is open is not renamed over from it: refused with the name now, the typed name kept, then renamed on top', async (t) => {
  await guarded(t, 'project-rename-changed', async () => {
    await page.goto(`${suite.cloud.url}/`);
    const row = page.getByRole('listitem').filter({ has: page.getByRole('link', { name: /QA fourteen/ }) });
    await row.getByRole('button', { name: 'Rename' }).click();
    // editing, the row's link gives way to the form: the one form of the list
    await page.getByRole('textbox', { name: 'Project name' }).fill('Mine');

    // renamed meanwhile through the API (another tab, say)
    await api('PATCH', at.base, { name: 'Theirs' });

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: CHANGED }).waitFor();
    assert.equal(await page.getByRole('alert').filter({ hasText: CHANGED }).innerText(), `${CHANGED} Now: “Theirs”.`);
    assert.equal(await page.getByRole('textbox', { name: 'Project name' }).inputValue(), 'Mine');
    assert.equal((await api('GET', at.base)).name, 'Theirs');
    await page.screenshot({ path: `${suite.shots}project-rename-refused.png` });

    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('textbox', { name: 'Project name' }).waitFor({ state: 'detached' });
    await page.getByRole('link', { name: /Mine/ }).waitFor();
    assert.equal((await api('GET', at.base)).name, 'Mine');
    assert.deepEqual(unexpected(errors), []);
    errors.length = 0;
  });
});

test("a member's role changed with the keyboard keeps the keyboard on the role select once the change is answered (it fell to the body)", async (t) => {
  await guarded(t, 'member-role-focus', async () => {
    // a second member: invited, signed in in their own browser context, accepted
    const other = await freshPage(suite);
    try {
      await api('POST', `/tenants/${at.tenant}/invitations`, { email: 'qa14-bob@example.com', role: 'editor' });
      const bob = await signInForApi(other, suite.cloud, 'qa14-bob@example.com');
      await bob('POST', `/me/invitations/${at.tenant}/accept`);
    } finally {
      await other.context().close();
    }
    await page.goto(`${suite.cloud.url}/p/${at.project}/settings/members`);
    const select = page.getByRole('combobox', { name: 'Role of qa14-bob@example.com' });
    await select.focus();
    await page.keyboard.press('ArrowDown'); // editor → admin, answered by the API
    await page.waitForFunction(() => {
      const el = document.querySelector('select[aria-label="Role of qa14-bob@example.com"]');
      return el && !el.disabled && el.value === 'admin';
    });
    assert.equal((await api('GET', `/tenants/${at.tenant}/members`)).items.find((m) => m.email === 'qa14-bob@example.com').role, 'admin');
    await page.waitForFunction(() => document.activeElement?.getAttribute('aria-label') === 'Role of qa14-bob@example.com');
    // and the keyboard goes on from there: another change with the arrows
    await page.keyboard.press('ArrowUp');
    await page.waitForFunction(() => {
      const el = document.querySelector('select[aria-label="Role of qa14-bob@example.com"]');
      return el && !el.disabled && el.value === 'editor' && document.activeElement === el;
    });
    assert.equal((await api('GET', `/tenants/${at.tenant}/members`)).items.find((m) => m.email === 'qa14-bob@example.com').role, 'editor');
    assert.deepEqual(errors, []);
  });
});
