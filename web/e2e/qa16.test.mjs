// The workspace's settings against the real local cloud: an admin renames the workspace from
// the top bar's Settings and the new name shows in the top bar at once; a rename made
// elsewhere meanwhile is refused (412) with the typed name kept and the name now shown. An
// invited member leaves the workspace after a dialog naming it: it is gone from their switcher
// (also after a reload) and from the members, and their own workspace opens. The last admin
// is not offered Leave, and when the members changed since the page read them the API's
// refusal is shown in its words. Nothing widens the page at 800 or 480 px.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchConsole } from './browser.mjs';
import { signInForApi } from './cloud.mjs';
import { cloudSuite, freshPage } from './suite.mjs';

const suite = cloudSuite('qa16');

const CHANGED = 'Changed by someone else since you opened it — what it is now is shown. Apply your change again, or discard it.';

/** The console errors other than the refusals these tests ask for (Chromium logs each 409 and 412). */
const unexpected = (list) => list.filter((e) => !/Failed to load resource: the server responded with a status of 4(09|12)/.test(e));

/** A, signed in in a page of their own, with their workspace (its id). */
let owner = null;
const ownerOf = async () =>
  (owner ??= (async () => {
    const page = await freshPage(suite);
    const errors = watchConsole(page);
    const a = await signInForApi(page, suite.cloud, 'qa16-a@example.com');
    const tenant = (await a('GET', '/me')).memberships[0].tenant;
    return { a, page, errors, tenant };
  })());

async function guarded(t, page, name, f) {
  try {
    await f();
    await page.screenshot({ path: `${suite.shots}${name}.png` });
  } catch (e) {
    await page.screenshot({ path: `${suite.shots}${name}-failure.png` }).catch(() => {});
    t.diagnostic(suite.cloud.log());
    throw e;
  }
}

/** What scrolls sideways: the page and the app's main box. */
const sideways = (page) =>
  page.evaluate(() =>
    [document.documentElement, document.querySelector('.ps-app-main')].filter((e) => e && e.scrollWidth > e.clientWidth + 1).map((e) => `${e.tagName}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`),
  );

/** Opens the workspace's settings from the top bar. */
async function openSettings(page) {
  await page.locator('header.ps-topbar').getByRole('link', { name: 'Workspace settings' }).click();
  await page.getByRole('heading', { name: 'Workspace settings', level: 1 }).waitFor();
}

test('an admin renames the workspace from Settings: the top bar shows the new name at once; a rename elsewhere meanwhile is refused and the typed name kept', async (t) => {
  const { a, page, errors, tenant } = await ownerOf();
  await guarded(t, page, 'rename', async () => {
    await openSettings(page);
    const form = page.getByRole('form', { name: 'Workspace name' });
    const name = form.getByRole('textbox', { name: 'Name' });
    assert.equal(await name.inputValue(), (await a('GET', `/tenants/${tenant}`)).name);
    await name.fill('QA sixteen team');
    await form.getByRole('button', { name: 'Rename' }).click();
    await form.getByRole('status').filter({ hasText: 'Renamed.' }).waitFor();
    assert.equal((await a('GET', `/tenants/${tenant}`)).name, 'QA sixteen team');
    // the top bar (one workspace: its name) follows without a reload
    await page.locator('header.ps-topbar').getByText('QA sixteen team', { exact: true }).waitFor();

    // renamed elsewhere (another tab, the API) while the form is open
    await a('PATCH', `/tenants/${tenant}`, { name: 'Renamed elsewhere' });
    await name.fill('QA 16 team');
    await form.getByRole('button', { name: 'Rename' }).click();
    await form.getByText(CHANGED).waitFor();
    assert.equal(await form.getByTestId('workspace-name-now').innerText(), 'Now: “Renamed elsewhere”');
    assert.equal(await name.inputValue(), 'QA 16 team');
    assert.equal(await name.evaluate((el) => el === document.activeElement), true, 'the focus is back in the name');
    assert.equal((await a('GET', `/tenants/${tenant}`)).name, 'Renamed elsewhere');
    await page.locator('header.ps-topbar').getByText('Renamed elsewhere', { exact: true }).waitFor();
    await page.screenshot({ path: `${suite.shots}rename-refused.png` });
    // again, over the tag read again
    await form.getByRole('button', { name: 'Rename' }).click();
    await form.getByRole('status').filter({ hasText: 'Renamed.' }).waitFor();
    assert.equal((await a('GET', `/tenants/${tenant}`)).name, 'QA 16 team');
    await page.locator('header.ps-topbar').getByText('QA 16 team', { exact: true }).waitFor();
    assert.equal(await form.getByText(CHANGED).count(), 0);

    // the only admin (and only member) is not offered Leave, and is told why
    await page.getByText('You are the only admin of QA 16 team, so you cannot leave it').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Leave workspace' }).count(), 0);

    for (const width of [800, 480]) {
      await page.setViewportSize({ width, height: 800 });
      assert.deepEqual(await sideways(page), [], `the workspace settings widen the page at ${width} px`);
      await page.screenshot({ path: `${suite.shots}rename-${width}.png` });
    }
    await page.setViewportSize({ width: 1400, height: 880 });
    assert.deepEqual(unexpected(errors), []);
  });
});

test('an invited member leaves the workspace after a dialog naming it: it is gone from their switcher and the members, and their own workspace opens', async (t) => {
  const { a, tenant } = await ownerOf();
  const team = (await a('GET', `/tenants/${tenant}`)).name;
  await a('POST', `/tenants/${tenant}/invitations`, { email: 'qa16-b@example.com', role: 'editor' });
  const page = await freshPage(suite);
  const errors = watchConsole(page);
  await guarded(t, page, 'leave', async () => {
    const b = await signInForApi(page, suite.cloud, 'qa16-b@example.com');
    const own = (await b('GET', '/me')).memberships[0];
    await b('POST', `/me/invitations/${tenant}/accept`);
    await page.reload();
    const switcher = page.getByRole('combobox', { name: 'Workspace' });
    await switcher.selectOption(tenant);
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    await openSettings(page);
    // an editor: the name without a form
    await page.getByText('Only admins can rename the workspace.').waitFor();
    assert.equal(await page.getByRole('form', { name: 'Workspace name' }).count(), 0);

    const leave = page.getByRole('button', { name: 'Leave workspace' });
    await leave.click();
    const dialog = page.getByRole('dialog', { name: `Leave “${team}”?` });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), /You lose access to every project of .* at once/);
    assert.equal(await dialog.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === document.activeElement), true, 'the focus starts on Cancel');
    for (const width of [800, 480]) {
      await page.setViewportSize({ width, height: 800 });
      assert.deepEqual(await sideways(page), [], `the dialog widens the page at ${width} px`);
      const box = await dialog.boundingBox();
      assert.ok(box.x >= 0 && box.x + box.width <= width, `the dialog at ${box.x}..${box.x + box.width} of ${width}`);
      await page.screenshot({ path: `${suite.shots}leave-dialog-${width}.png` });
    }
    await page.setViewportSize({ width: 1400, height: 880 });
    // Escape leaves nothing and gives the focus back
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await leave.evaluate((el) => el === document.activeElement), true, 'the focus is back on Leave workspace');
    assert.ok((await b('GET', '/me')).memberships.some((m) => m.tenant === tenant), 'Escape left the workspace');

    await leave.click();
    await dialog.getByRole('button', { name: 'Leave workspace' }).click();
    const note = page.getByTestId('left-workspace');
    await note.getByText(`You left “${team}”. You are in “${own.tenant_name}” now.`).waitFor();
    assert.equal(await note.evaluate((el) => el === document.activeElement), true, 'the focus is on the note');
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    // one workspace left: no switcher, its name in the top bar
    assert.equal(await switcher.count(), 0, 'the switcher still shows');
    await page.locator('header.ps-topbar').getByText(own.tenant_name, { exact: true }).waitFor();
    await assert.rejects(b('GET', `/tenants/${tenant}`), /404/);
    assert.ok(!(await a('GET', `/tenants/${tenant}/members`)).items.some((m) => m.email === 'qa16-b@example.com'), 'B is still a member');
    // the server agrees after a reload
    await page.reload();
    await page.getByRole('heading', { name: 'Projects' }).waitFor();
    assert.equal(await switcher.count(), 0, 'the switcher shows after a reload');
    assert.deepEqual(
      (await b('GET', '/me')).memberships.map((m) => m.tenant),
      [own.tenant],
    );
    assert.deepEqual(unexpected(errors), []);
  });
});

test('the API refuses its last admin leaving (the members changed since the page read them): the dialog says so in its words', async (t) => {
  const { a, page, errors, tenant } = await ownerOf();
  await a('POST', `/tenants/${tenant}/invitations`, { email: 'qa16-c@example.com', role: 'admin' });
  const other = await freshPage(suite);
  await guarded(t, page, 'last-admin', async () => {
    const c = await signInForApi(other, suite.cloud, 'qa16-c@example.com');
    await c('POST', `/me/invitations/${tenant}/accept`);
    const { sub } = await c('GET', '/me');
    await page.reload();
    await page.getByRole('heading', { name: 'Workspace settings', level: 1 }).waitFor();
    const leave = page.getByRole('button', { name: 'Leave workspace' });
    await leave.click();
    // C is made a viewer meanwhile: A is the last admin again
    await a('PATCH', `/tenants/${tenant}/members/${sub}`, { role: 'viewer' });
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Leave workspace' }).click();
    await dialog.getByRole('alert').filter({ hasText: "You are the tenant's last admin: make another member admin first, then leave." }).waitFor();
    const close = dialog.getByRole('button', { name: 'Close' });
    assert.equal(await close.evaluate((el) => el === document.activeElement), true, 'the focus is on Close');
    await page.getByText(/You are the only admin of .*, so you cannot leave it/).waitFor();
    await close.click();
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await leave.count(), 0);
    assert.ok((await a('GET', '/me')).memberships.some((m) => m.tenant === tenant), 'A left');
    assert.deepEqual(unexpected(errors), []);
  });
  await other.context().close();
});
