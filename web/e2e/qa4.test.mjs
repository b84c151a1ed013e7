// Editor fixes from a fourth QA pass, against the real local cloud: the publishing panel keeps
// unsaved route edits across its tabs and asks before closing over them; a decimal in a
// whole-number setting is refused at the field and never autosaved; the curl example fills a
// path variable with a labelled sample and the copied command works when pasted into a shell;
// ports connect with the keyboard; a bundle with two flows of one name imports with the second
// renamed, the new name checked in the editor and by the API. Set up through the API, driven
// through the editor.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { flowNode } from './cloud.mjs';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

const suite = cloudSuite('qa4');
const session = projectSession(suite, { email: 'qa4@example.com', project: 'QA four', prepare: ({ api, at }) => api('POST', `${at.base}/stages`, { name: 'live' }) });
/** Runs a test step in the session (set up on first use), keeping a screenshot of the page. */
const { guarded } = session;

const saved = () => page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved/ }).waitFor();

test('unsaved route edits survive the other tabs of the publishing panel, and closing over them asks first', async (t) => {
  await guarded(t, 'panel-keeps-route-draft', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'drafty' });
    await session.openPublishing(f);
    const form = page.getByRole('form', { name: 'Route' });
    await form.getByLabel('Method').selectOption('POST');
    await form.getByRole('button', { name: '+ Variable' }).click();
    await form.getByLabel('Segment 2 name').fill('id');
    await page.getByTestId('trigger-unsaved').waitFor();

    // Stages, Versions and back: the edits are still in the form (they were lost)
    await page.getByRole('tab', { name: 'Stages' }).click();
    await page.getByTestId('stage-live').waitFor();
    assert.equal(await form.isVisible(), false);
    await page.getByRole('tab', { name: 'Versions' }).click();
    await page.getByRole('tab', { name: 'Route' }).click();
    assert.equal(await form.getByLabel('Method').inputValue(), 'POST');
    assert.equal(await form.getByLabel('Segment 2 name').inputValue(), 'id');
    assert.equal(await form.getByTestId('route-pattern').innerText(), 'POST /drafty/{id}');

    // closing asks; Keep editing keeps them, Escape does too
    await page.locator('[data-testid=publishing-panel-toggle]').click();
    const ask = page.getByRole('alertdialog', { name: 'You have unsaved changes' });
    await ask.waitFor();
    await page.screenshot({ path: `${suite.shots}panel-unsaved-ask.png` });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Keep editing');
    await page.keyboard.press('Escape');
    await ask.waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Close the publishing panel' }).click();
    await ask.getByRole('button', { name: 'Keep editing' }).click();
    assert.equal(await form.getByLabel('Segment 2 name').inputValue(), 'id');

    // saved: closing asks nothing; Discard, after another edit, closes without saving it
    await form.getByRole('button', { name: 'Save route' }).click();
    await form.getByText('Saved', { exact: true }).waitFor();
    assert.equal((await api('GET', `${at.base}/flows/${f.id}/route`)).pattern, '/drafty/{id}');
    await form.getByLabel('Method').selectOption('PUT');
    await page.getByRole('button', { name: 'Close the publishing panel' }).click();
    await ask.getByRole('button', { name: 'Discard' }).click();
    await page.getByRole('complementary', { name: 'Publishing panel' }).waitFor({ state: 'detached' });
    assert.equal((await api('GET', `${at.base}/flows/${f.id}/route`)).method, 'POST');
    await page.locator('[data-testid=publishing-panel-toggle]').click();
    assert.equal(await form.getByLabel('Method').inputValue(), 'POST');
    await page.locator('[data-testid=publishing-panel-toggle]').click();
    await page.getByRole('complementary', { name: 'Publishing panel' }).waitFor({ state: 'detached' });
    assert.deepEqual(errors, []);
  });
});

test('a decimal in Retries is refused at the field, naming it, and the draft is never saved with it', async (t) => {
  await guarded(t, 'retries-whole-number', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'retrying',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('fetch', 'http.request', 0, { url: 'https://example.com' })], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="fetch"]').click();
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    await inspector.getByText('Settings', { exact: true }).click();
    // (http.request also has an input named retries, labelled in lower case)
    const retries = inspector.getByRole('spinbutton', { name: 'Retries', exact: true });
    await retries.fill('1.5');
    const why = inspector.getByTestId('setting-problem-retries');
    assert.equal(await why.innerText(), 'Retries must be a whole number: the value stays unset.');
    assert.equal(await retries.getAttribute('aria-invalid'), 'true');
    // an integer input of the node refuses a decimal the same way
    const max = inspector.getByRole('spinbutton', { name: 'max_response_bytes' });
    await max.fill('10.5');
    await inspector.getByText('Max response bytes must be a whole number: the value stays unset.').waitFor();
    await why.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${suite.shots}retries-refused.png` });
    // autosave had a decimal to send and answered a technical 422; nothing invalid is sent now
    await page.waitForTimeout(1500);
    const state = await page.getByRole('status', { name: 'Save state' }).innerText();
    assert.doesNotMatch(state, /Unprocessable|line 1 column|expected int/);
    assert.equal((await api('GET', `${at.base}/flows/${f.id}`)).draft.document.nodes[0].settings, undefined);
    await retries.fill('3');
    await why.waitFor({ state: 'detached' });
    await max.fill('1000');
    await saved();
    const n = (await api('GET', `${at.base}/flows/${f.id}`)).draft.document.nodes[0];
    assert.deepEqual(n.settings, { retries: 3 });
    assert.equal(n.values.max_response_bytes, 1000);
    assert.deepEqual(errors, []);
  });
});

test('the curl example fills /hello/{name} with a labelled sample, and the copied command works in a shell', async (t) => {
  await guarded(t, 'curl-sample', async () => {
    const document = JSON.parse(await readFile(new URL('../../examples/hello-route.json', import.meta.url), 'utf8'));
    const f = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'hello', document });
    await api('POST', `${at.base}/flows/${f.id}/publish`, { stage: 'live' });
    const slug = (await api('GET', at.base)).slug;
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.cloud.url });
    await session.openPublishing(f);
    const form = page.getByRole('form', { name: 'Route' });
    await form.getByLabel('curl on').selectOption('live');
    const url = `http://${slug}-live.localhost:${suite.cloud.port}/hello/ada`;
    await form.getByTestId('curl-example').filter({ hasText: `curl -i '${url}'` }).waitFor();
    assert.equal(await form.getByTestId('curl-samples').innerText(), 'Sample values in the path: {name} = ada. Put in your own before running it.');
    assert.equal(await form.getByTestId('trigger-url-live').innerText(), `http://${slug}-live.localhost:${suite.cloud.port}/hello/{name}`);
    await form.getByRole('button', { name: 'Copy the curl example' }).click();
    await form.getByRole('button', { name: 'Copy the curl example' }).filter({ hasText: 'Copied' }).waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(copied, `curl -i '${url}'`);
    // pasted into a shell, it calls the route with the sample
    const { stdout } = await promisify(execFile)('bash', ['-c', `${copied} --max-time 20 -sS`]);
    assert.match(stdout, /^HTTP\/1\.1 200/);
    assert.match(stdout, /"name":\s*"ada"/);
    assert.deepEqual(errors, []);
  });
});

test('ports connect with the keyboard: C on the focused node, search the inputs, Enter; Escape cancels', async (t) => {
  await guarded(t, 'keyboard-connect', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'keys',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('add', 'math.add', 0, { a: 1, b: 2 }), flowNode('log', 'debug.log', 320, {})], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="log"]').waitFor();
    assert.equal(await page.locator('.react-flow__edge').count(), 0);

    // the ? sheet lists it
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.getByRole('row', { name: /^C Connect an output of the focused or selected node/ }).waitFor();
    await page.keyboard.press('?');
    await sheet.waitFor({ state: 'detached' });

    // focus the node as Tab does, then C
    await page.locator('.react-flow__node[data-id="add"]').focus();
    await page.keyboard.press('c');
    const dialog = page.getByRole('dialog', { name: 'Connect from add' });
    await dialog.waitFor();
    assert.equal(await dialog.getByRole('combobox', { name: 'Output' }).inputValue(), 'result');
    await page.keyboard.type('log');
    const options = dialog.getByRole('listbox', { name: 'Inputs' }).getByRole('option');
    assert.deepEqual((await options.allInnerTexts()).map((s) => s.split(/\s/)[0]), ['log.node', 'log.message', 'log.value', 'log.level']);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.screenshot({ path: `${suite.shots}keyboard-connect-dialog.png` });
    assert.equal(await dialog.getByRole('listbox', { name: 'Inputs' }).getByRole('option', { selected: true }).innerText().then((s) => s.split(/\s/)[0]), 'log.value');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Connected add.result to log.value' }).waitFor();
    await page.locator('.react-flow__edge').first().waitFor();
    assert.equal(await page.locator('.react-flow__edge').count(), 1);
    // focus went back to the node it started from
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), 'add');
    await saved();
    assert.deepEqual((await api('GET', `${at.base}/flows/${f.id}`)).draft.document.connections.map(({ from, to }) => ({ from, to })), [
      { from: { node: 'add', port: 'result' }, to: { node: 'log', port: 'value' } },
    ]);

    // again: the taken input is listed greyed, saying why; Escape cancels and changes nothing
    await page.keyboard.press('c');
    await dialog.waitFor();
    const taken = dialog.getByRole('option', { name: /^log\.value / });
    assert.equal(await taken.getAttribute('aria-disabled'), 'true');
    assert.match(await taken.innerText(), /already connected from add\.result/);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'No connection made' }).waitFor();
    assert.equal(await page.locator('.react-flow__edge').count(), 1);
    assert.deepEqual(errors, []);
  });
});

test('importing a bundle with two flows of one name: the second is imported under a free name, checked here and by the API', async (t) => {
  await guarded(t, 'import-same-name', async () => {
    // a bundle from before names were unique; the project has "Report (2)" already
    await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'Report (2)' });
    const document = { schema: 'polysynergy/flow@1', nodes: [], connections: [] };
    const bundle = {
      format: 'polysynergy/bundle@1',
      project: 'Old',
      flows: [
        { name: 'Report', kind: 'blueprint', document },
        { name: 'report', kind: 'blueprint', document },
      ],
    };
    await page.goto(`${suite.cloud.url}/p/${at.project}/settings/export`);
    const section = page.getByRole('region', { name: 'Import' });
    await section.getByLabel('Bundle file (.json)').setInputFiles({ name: 'old.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(bundle)) });
    await section.getByRole('table', { name: 'Import preview' }).waitFor();
    await section.getByText('2 flows in the bundle; 1 collides by name (1 with another flow of the bundle).').waitFor();
    assert.equal(await section.getByTestId('import-item-1').getByRole('cell').nth(2).innerText(), 'Same name as flow 1 of the bundle (“Report”)');
    const what = section.getByLabel('What to do with report (flow 2)');
    assert.equal(await what.inputValue(), 'rename');
    assert.deepEqual(await what.locator('option').allInnerTexts(), ['Import as…', 'Skip']);
    const name = section.getByLabel('New name for report (flow 2)');
    // the suggestion passes over the project's "Report (2)"
    assert.equal(await name.inputValue(), 'report (3)');
    const importButton = section.getByRole('button', { name: 'Import', exact: true });

    // checked here: a project flow's name, or the other flow's
    await name.fill(' REPORT (2)');
    await section.getByTestId('import-problem-1').filter({ hasText: 'This project has a flow named “Report (2)” (names ignore case).' }).waitFor();
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    assert.equal(await importButton.isDisabled(), true);
    await name.fill('report');
    await section.getByTestId('import-problem-1').filter({ hasText: 'Flow 1 of the bundle (“Report”) is imported under this name too.' }).waitFor();
    await page.screenshot({ path: `${suite.shots}import-same-name-checked.png` });

    // a name taken after the preview: the API's 422 is shown at the input
    await name.fill('Weekly report');
    await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'weekly report' });
    await importButton.click();
    await section.getByRole('alert').filter({ hasText: 'Nothing was imported: one flow needs another choice, marked below.' }).waitFor();
    assert.match(await section.getByTestId('import-problem-1').innerText(), /weekly report.*has this name too/);
    assert.equal(await name.getAttribute('aria-invalid'), 'true');
    await page.screenshot({ path: `${suite.shots}import-same-name-refused.png` });

    await name.fill('Weekly report 2');
    await section.getByTestId('import-problem-1').waitFor({ state: 'detached' });
    await importButton.click();
    const result = section.getByRole('table', { name: 'Import result' });
    await result.waitFor();
    await section.getByText('Import done: 2 imported, 0 skipped.').waitFor();
    assert.deepEqual(await result.getByRole('link').allInnerTexts(), ['Report', 'Weekly report 2']);
    const names = (await api('GET', `${at.base}/flows`)).items.map((f) => f.name).sort();
    for (const n of ['Report', 'Report (2)', 'Weekly report 2', 'weekly report']) assert.ok(names.includes(n), `${n} in ${names}`);
    // the browser logs the refused request itself; nothing else went wrong
    assert.deepEqual(errors.filter((e) => !/Failed to load resource: the server responded with a status of 422/.test(e)), []);
  });
});
