// Invitations wait for consent, against the real local cloud: user A invites B's e-mail
// address; B signs in to their own workspace, sees the invitation on the projects screen,
// accepts it with the keyboard, and A's workspace appears in the switcher and opens. C
// declines theirs: it is gone for C and from A's list of pending invitations, and C joins
// nothing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { watchConsole } from './browser.mjs';
import { createProject, signInForApi } from './cloud.mjs';
import { cloudSuite, freshPage } from './suite.mjs';

const suite = cloudSuite('qa11');

/** A's workspace (renamed, so its name is known) with a project. */
let team = null;
const teamOf = async () =>
  (team ??= (async () => {
    const page = await freshPage(suite);
    const a = await signInForApi(page, suite.cloud, 'qa11-a@example.com');
    const at = await createProject(a, 'Team project');
    await a('PATCH', `/tenants/${at.tenant}`, { name: 'QA eleven team' });
    return { a, page, ...at };
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

test('B accepts an invitation with the keyboard: the workspace appears in the switcher and opens', async (t) => {
  const { a, tenant } = await teamOf();
  await a('POST', `/tenants/${tenant}/invitations`, { email: 'qa11-b@example.com', role: 'editor' });
  const page = await freshPage(suite);
  const errors = watchConsole(page);
  await guarded(t, page, 'accept', async () => {
    const b = await signInForApi(page, suite.cloud, 'qa11-b@example.com');
    // signing in joined nothing: B is in their own new workspace only
    await assert.rejects(b('GET', `/tenants/${tenant}`), /404/);
    assert.equal(await page.getByRole('combobox', { name: 'Workspace' }).count(), 0, 'one workspace: no switcher');
    const invitations = page.getByRole('region', { name: 'Invitations' });
    const accept = invitations.getByRole('button', { name: 'Accept the invitation to QA eleven team' });
    await accept.waitFor();
    const row = invitations.getByRole('listitem').filter({ hasText: 'QA eleven team' });
    assert.match(await row.textContent(), /as editor, invited by .*qa11-a@example\.com/);

    await accept.focus();
    await page.keyboard.press('Enter');
    await invitations.getByRole('status').filter({ hasText: 'You joined QA eleven team.' }).waitFor();
    await invitations.getByText('No pending invitations.').waitFor();
    // the switcher lists A's workspace now
    const switcher = page.getByRole('combobox', { name: 'Workspace' });
    await switcher.waitFor();
    const options = await switcher.locator('option').allTextContents();
    assert.ok(options.includes('QA eleven team (editor)'), `switcher options ${JSON.stringify(options)}`);
    // the focus is on the button that opens it
    const open = invitations.getByRole('button', { name: 'Open QA eleven team' });
    assert.equal(await open.evaluate((el) => el === document.activeElement), true, 'the focus is on Open');
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: /Team project/ }).waitFor();
    assert.equal(await switcher.inputValue(), tenant);
    // in it now: nothing left to open
    await open.waitFor({ state: 'detached' });
    assert.equal(await invitations.getByRole('heading', { name: 'Invitations' }).evaluate((el) => el === document.activeElement), true, 'the focus stays in the section');

    const members = await a('GET', `/tenants/${tenant}/members`);
    assert.ok(members.items.some((m) => m.email === 'qa11-b@example.com' && m.role === 'editor'), JSON.stringify(members.items));
    assert.deepEqual((await a('GET', `/tenants/${tenant}/invitations`)).items, []);
    assert.deepEqual(errors, []);
  });
});

test('C declines an invitation: it is gone for C and for the inviter, and C joins nothing', async (t) => {
  const { a, tenant } = await teamOf();
  await a('POST', `/tenants/${tenant}/invitations`, { email: 'qa11-c@example.com', role: 'viewer' });
  const page = await freshPage(suite);
  const errors = watchConsole(page);
  await guarded(t, page, 'decline', async () => {
    const c = await signInForApi(page, suite.cloud, 'qa11-c@example.com');
    const invitations = page.getByRole('region', { name: 'Invitations' });
    const decline = invitations.getByRole('button', { name: 'Decline the invitation to QA eleven team' });
    await decline.click();
    await invitations.getByText('No pending invitations.').waitFor();
    assert.equal(await invitations.getByRole('heading', { name: 'Invitations' }).evaluate((el) => el === document.activeElement), true, 'the focus went back to the heading');
    assert.deepEqual((await a('GET', `/tenants/${tenant}/invitations`)).items, []);
    assert.deepEqual(await c('GET', '/me/invitations'), { items: [] });
    await assert.rejects(c('GET', `/tenants/${tenant}`), /404/);
    const me = await c('GET', '/me');
    assert.equal(me.memberships.length, 1);
    assert.equal(await page.getByRole('combobox', { name: 'Workspace' }).count(), 0, 'still one workspace: no switcher');
    // reloading shows no invitation either
    await page.reload();
    await page.getByRole('region', { name: 'Invitations' }).getByText('No pending invitations.').waitFor();
    assert.deepEqual(errors, []);
  });
});
