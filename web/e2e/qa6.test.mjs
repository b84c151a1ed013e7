// Editor gaps from a sixth pass, against the real local cloud: keyboard connecting picks the
// output and the input, shows the inputs that cannot take it greyed with why, and gives the
// focus back to the canvas; the publishing panel lays out without scrolling sideways down to
// 360 px. Set up through the API, driven through the editor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowNode } from './cloud.mjs';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

const suite = cloudSuite('qa6');
const session = projectSession(suite, { email: 'qa6@example.com', project: 'QA six', prepare: ({ api, at }) => api('POST', `${at.base}/stages`, { name: 'live' }) });
/** Runs a test step in the session (set up on first use), keeping a screenshot of the page. */
const { guarded } = session;

const saved = () => page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved/ }).waitFor();

test('keyboard connecting: pick the output, then the input; the ones that cannot take it are greyed with why; focus returns to the node', async (t) => {
  await guarded(t, 'keyboard-connect-output', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'pick ports',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [flowNode('add', 'math.add', 0, { a: 1, b: 2 }), flowNode('log', 'debug.log', 320, {}), flowNode('resp', 'http.response', 640, {})],
        connections: [],
      },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="resp"]').waitFor();

    // a click selects (and focuses) the node; C opens the dialog with the search focused
    await page.locator('.react-flow__node[data-id="add"] .ps-node-header').click();
    await page.keyboard.press('c');
    const dialog = page.getByRole('dialog', { name: 'Connect from add' });
    await dialog.waitFor();
    const search = dialog.getByRole('combobox', { name: 'To input' });
    const listbox = dialog.getByRole('listbox', { name: 'Inputs' });
    assert.equal(await search.evaluate((e) => e === document.activeElement), true);
    const output = dialog.getByRole('combobox', { name: 'Output' });
    const outputs = await output.locator('option').allInnerTexts();
    assert.equal(outputs.length, 3);
    assert.match(outputs[0], /^result \(number\) · \d+ inputs can take it$/);
    assert.match(outputs[1], /^true path \(any\) · \d+ inputs can take it$/);
    assert.match(outputs[2], /^false path \(object\) · \d+ inputs can take it$/);
    // the output with the keyboard: Shift+Tab to it, ↓ picks the next, Tab back to the search
    await page.keyboard.press('Shift+Tab');
    assert.equal(await output.evaluate((e) => e === document.activeElement), true);
    await page.keyboard.press('ArrowDown');
    assert.equal(await output.inputValue(), 'true_path');
    await page.keyboard.press('Tab');
    assert.equal(await search.evaluate((e) => e === document.activeElement), true);

    // typed to nothing, it says so; Escape cancels and the focus is back on the node
    await page.keyboard.type('nothing like it');
    await dialog.getByRole('status').filter({ hasText: 'No input matches “nothing like it”.' }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), 'add');

    // the inputs that cannot take it are listed after, greyed, saying why; Enter on one says why
    await page.keyboard.press('c');
    await dialog.waitFor();
    await page.keyboard.type('resp status');
    const status = listbox.getByRole('option', { name: /^resp\.status / });
    assert.equal(await status.getAttribute('aria-disabled'), 'true');
    assert.match(await status.innerText(), /takes integer, not number/);
    await page.screenshot({ path: `${suite.shots}keyboard-connect-greyed.png` });
    await page.keyboard.press('Enter');
    await dialog.getByRole('status').filter({ hasText: 'resp.status cannot take add.result: it takes integer, not number.' }).waitFor();
    assert.equal(await dialog.isVisible(), true);
    assert.equal(await page.locator('.react-flow__edge').count(), 0);

    // another output, another input: connected, said, and the focus is back on the node
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Tab');
    await search.fill('');
    await page.keyboard.type('log node');
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('status').filter({ hasText: 'Connected add.true_path to log.node' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-id')), 'add');
    await saved();
    assert.deepEqual((await api('GET', `${at.base}/flows/${f.id}`)).draft.document.connections.map(({ from, to }) => ({ from, to })), [
      { from: { node: 'add', port: 'true_path' }, to: { node: 'log', port: 'node' } },
    ]);
    assert.deepEqual(errors, []);
  });
});

test('the publishing panel lays out without scrolling sideways at 800, 400 and 360 px, on every tab', async (t) => {
  await guarded(t, 'publishing-narrow', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'narrow route' });
    await api('POST', `${at.base}/flows/${f.id}/versions`, { message: `a version message with a long word ${'x'.repeat(80)}` });
    const s = await api('POST', `${at.base}/flows`, { kind: 'schedule', name: 'narrow schedule' });
    /** What scrolls sideways: the page, the app's main box, the panel and anything in it; and the panel's box. */
    const measure = () =>
      page.evaluate(() => {
        const panel = document.querySelector('.ps-pub-panel');
        const box = panel.getBoundingClientRect();
        const sideways = [document.documentElement, document.querySelector('.ps-app-main'), panel, ...panel.querySelectorAll('*')]
          .filter((e) => e.scrollWidth > e.clientWidth && (e === document.documentElement || e === panel || ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) || e.classList.contains('ps-app-main')))
          .map((e) => `${e.tagName}.${e.className}: ${e.scrollWidth} > ${e.clientWidth}`);
        const out = [...panel.querySelectorAll('*')]
          .filter((e) => {
            const r = e.getBoundingClientRect();
            return r.width > 0 && (r.right > box.right + 0.5 || r.left < box.left - 0.5);
          })
          .map((e) => `${e.tagName}.${e.className}`);
        return { sideways, out, left: box.left, right: box.right, width: innerWidth };
      });
    try {
      for (const [flow, tabs] of [
        [f, ['Route', 'Stages', 'Versions']],
        [s, ['Schedule', 'Stages']],
      ]) {
        await page.setViewportSize({ width: 1400, height: 880 });
        await session.openPublishing(flow);
        for (const w of [800, 400, 360]) {
          await page.setViewportSize({ width: w, height: 760 });
          for (const tab of tabs) {
            await page.getByRole('complementary', { name: 'Publishing panel' }).getByRole('tab', { name: tab, exact: true }).click();
            await page.waitForTimeout(100);
            const m = await measure();
            assert.deepEqual(m.sideways, [], `${flow.name} at ${w} px, ${tab}: nothing scrolls sideways`);
            assert.deepEqual(m.out, [], `${flow.name} at ${w} px, ${tab}: everything inside the panel`);
            assert.ok(m.left >= 0 && m.right <= m.width + 0.5, `${flow.name} at ${w} px, ${tab}: the panel in the window (${m.left}..${m.right} of ${m.width})`);
            if (w === 400 && tab === tabs[0]) await page.screenshot({ path: `${suite.shots}publishing-${flow.kind}-400.png` });
          }
        }
        // still closes from its own button on the phone-sized sheet
        await page.getByRole('button', { name: 'Close the publishing panel' }).click();
        await page.getByRole('complementary', { name: 'Publishing panel' }).waitFor({ state: 'detached' });
      }
    } finally {
      await page.setViewportSize({ width: 1400, height: 880 });
    }
    assert.deepEqual(errors, []);
  });
});

test('Delete on a focused inspector button leaves the node; on the canvas it removes it, and undo brings it back', async (t) => {
  await guarded(t, 'delete-in-inspector', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'keys in panels',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('add', 'math.add', 0, { a: 1, b: 2 }), flowNode('log', 'debug.log', 320, {})], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="log"]').waitFor();
    await page.locator('.react-flow__node[data-id="add"] .ps-node-header').click();
    const inspector = page.getByRole('complementary', { name: 'Inspector' });
    await inspector.getByRole('button', { name: 'Connect…' }).focus();
    for (const key of ['Delete', 'Backspace', 'Control+d']) await page.keyboard.press(key);
    await page.waitForTimeout(200);
    assert.equal(await page.locator('.react-flow__node').count(), 2);
    assert.equal(await inspector.getByLabel(/^Handle/).inputValue(), 'add');
    // on the canvas: removed; Ctrl+Z in the inspector's panel still undoes
    await page.locator('.react-flow__node[data-id="add"] .ps-node-header').click();
    await page.keyboard.press('Delete');
    await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length === 1);
    await page.getByRole('complementary', { name: 'Inspector' }).click({ position: { x: 20, y: 200 } });
    await page.keyboard.press('Control+z');
    await page.locator('[data-handle="add"]').waitFor();
    await saved();
    assert.equal((await api('GET', `${at.base}/flows/${f.id}`)).draft.document.nodes.length, 2);
    assert.deepEqual(errors, []);
  });
});

test('▶ Run waits on an empty flow, saying why, and no failed run is recorded; a node added, it runs', async (t) => {
  await guarded(t, 'run-empty-flow', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'nothing yet' });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.getByText('This flow is empty.').waitFor();
    const run = page.getByRole('button', { name: '▶ Run' });
    assert.equal(await run.isDisabled(), true);
    assert.equal(await run.getAttribute('title'), 'Nothing to run yet: add a trigger (or any node) from the palette first');
    const search = page.getByRole('searchbox', { name: 'Search nodes' });
    await search.fill('manual');
    await page.keyboard.press('Enter');
    await page.locator('.react-flow__node').first().waitFor();
    assert.equal(await run.isDisabled(), false);
    await saved();
    await run.click();
    await page.getByRole('region', { name: 'Run' }).locator('.ps-run-success').waitFor();
    const runs = (await api('GET', `${at.base}/flows/${f.id}/runs`)).items;
    assert.deepEqual(runs.map((r) => r.status), ['success']);
    assert.deepEqual(errors, []);
  });
});

test("the history's 'Started' times tick while it is open, the exact time in their tooltip", async (t) => {
  await guarded(t, 'history-ticks', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'ticking',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('start', 'trigger.manual', 0, {})], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="start"]').waitFor();
    await page.getByRole('button', { name: '▶ Run' }).click();
    await page.getByRole('region', { name: 'Run' }).locator('.ps-run-success').waitFor();
    await page.getByRole('button', { name: 'History', exact: true }).click();
    const when = page.getByRole('region', { name: 'Run history' }).locator('tbody tr time').first();
    await when.waitFor();
    const first = await when.innerText();
    assert.match(first, /^(\d+ s ago|just now)$/);
    assert.match(await when.getAttribute('title'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(.+\)$/);
    // a few seconds on, without a reload, it says so
    await page.waitForFunction((before) => {
      const t = document.querySelector('.ps-run-history tbody tr time');
      return t && t.textContent !== before && /^\d+ s ago$/.test(t.textContent);
    }, first, { timeout: 5000 });
    const later = Number((await when.innerText()).split(' ')[0]);
    assert.ok(later >= 1, `ticked: ${first} → ${later} s ago`);
    // the filters are as wide as their options, not half the row each
    const history = page.getByRole('region', { name: 'Run history' });
    for (const name of ['Stage', 'Status']) {
      const box = await history.getByRole('combobox', { name }).boundingBox();
      assert.ok(box.width < 200, `${name} is ${box.width} px wide`);
    }
    assert.deepEqual(errors, []);
  });
});

test("the publishing panel's and the run panel's tabs move with the arrow keys", async (t) => {
  await guarded(t, 'tabs-arrow-keys', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'route',
      name: 'tabbed',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [flowNode('route', 'trigger.route', 0, {}), flowNode('resp', 'http.response', 320, { body: 'hi' })],
        connections: [{ from: { node: 'route', port: 'true_path' }, to: { node: 'resp', port: 'node' } }],
      },
    });
    await session.openPublishing(f);
    const panel = page.getByRole('complementary', { name: 'Publishing panel' });
    await panel.getByRole('form', { name: 'Route' }).waitFor();
    await panel.getByRole('tab', { name: 'Route' }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await panel.getByRole('tab', { name: 'Stages' }).getAttribute('aria-selected'), 'true');
    await panel.getByTestId('stage-live').waitFor();
    await page.keyboard.press('End');
    await panel.getByTestId('versions-list').or(panel.getByText(/No versions yet/)).first().waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Versions');
    // Tab leaves the tabs for the panel's content
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), null);
    await page.getByRole('button', { name: 'Close the publishing panel' }).click();

    await page.getByRole('button', { name: '▶ Run' }).click();
    const run = page.getByRole('region', { name: 'Run', exact: true });
    await run.locator('.ps-run-success').waitFor();
    // the run's end is said in a live region
    assert.equal(await run.getByRole('status', { name: 'Run status' }).innerText(), 'success');
    await run.getByRole('tab', { name: /^Logs/ }).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal(await run.getByRole('tab', { name: /^Output/ }).getAttribute('aria-selected'), 'true');
    await run.getByRole('tabpanel').locator('dt', { hasText: 'resp' }).waitFor();
    assert.deepEqual(errors, []);
  });
});

test('closing the publishing panel, the history or the chat from inside gives the focus back to its toolbar button', async (t) => {
  await guarded(t, 'focus-back', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'focus back',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('chat', 'ai.chat_trigger', 0, {})], connections: [] },
    });
    await session.openPublishing(f);
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') || document.activeElement?.textContent);
    await page.getByRole('complementary', { name: 'Publishing panel' }).getByRole('tab', { name: 'Versions' }).focus();
    await page.keyboard.press('Escape');
    await page.getByRole('complementary', { name: 'Publishing panel' }).waitFor({ state: 'detached' });
    assert.equal(await focused(), 'Publishing panel');

    await page.getByRole('button', { name: 'History', exact: true }).click();
    await page.getByRole('region', { name: 'Run history' }).getByRole('button', { name: 'Close the run history' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('region', { name: 'Run history' }).waitFor({ state: 'detached' });
    assert.equal(await focused(), 'History');

    await page.getByRole('toolbar', { name: 'Flow' }).getByRole('button', { name: 'Chat', exact: true }).click();
    await page.getByRole('textbox', { name: 'Message' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('complementary', { name: 'Chat' }).waitFor({ state: 'detached' });
    assert.equal(await focused(), 'Chat');
    assert.deepEqual(errors, []);
  });
});

test('the chat panel stays in the window without scrolling sideways at 800 and 400 px, with the project panel shown', async (t) => {
  await guarded(t, 'chat-narrow', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'narrow chat',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('chat', 'ai.chat_trigger', 0, {})], connections: [] },
    });
    try {
      await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
      await page.locator('[data-handle="chat"]').waitFor();
      await page.getByRole('toolbar', { name: 'Flow' }).getByRole('button', { name: 'Chat', exact: true }).click();
      for (const w of [800, 400]) {
        await page.setViewportSize({ width: w, height: 760 });
        if (await page.getByRole('button', { name: 'Show the project panel' }).isVisible()) await page.getByRole('button', { name: 'Show the project panel' }).click();
        await page.waitForTimeout(100);
        const m = await page.evaluate(() => {
          const panel = document.querySelector('.ps-chat-panel');
          const b = panel.getBoundingClientRect();
          const main = document.querySelector('.ps-app-main');
          return { left: b.left, right: b.right, width: b.width, page: document.documentElement.scrollWidth - document.documentElement.clientWidth, main: main.scrollWidth - main.clientWidth };
        });
        assert.ok(m.left >= 0 && m.right <= w + 0.5, `at ${w} px the chat is in the window: ${JSON.stringify(m)}`);
        assert.ok(m.width >= Math.min(380, w) - 1, `at ${w} px the chat is not squeezed: ${JSON.stringify(m)}`);
        assert.equal(m.page, 0);
        assert.equal(m.main, 0);
        await page.getByRole('textbox', { name: 'Message' }).waitFor();
      }
      await page.screenshot({ path: `${suite.shots}chat-400.png` });
    } finally {
      await page.setViewportSize({ width: 1400, height: 880 });
    }
    assert.deepEqual(errors, []);
  });
});

test("creating a project explains the slug and shows a refused slug at its field, the API's words and all", async (t) => {
  await guarded(t, 'create-project-slug', async () => {
    const slug = (await api('GET', at.base.replace(/\/projects\/.*/, `/projects/${at.project}`))).slug;
    await page.goto(`${suite.cloud.url}/`);
    const form = page.getByRole('form', { name: 'New project' });
    await form.getByRole('textbox', { name: 'Name' }).fill('Another');
    const field = form.getByRole('textbox', { name: 'Slug' });
    assert.equal(await field.inputValue(), 'another');
    const described = () => field.evaluate((e) => (e.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent));
    assert.deepEqual(await described(), ['Names the project in its trigger addresses (another-{stage}.…): unique, changeable later under General.']);
    await field.fill('Bad slug!');
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    assert.match((await described())[0], /Lowercase letters, digits and hyphens/);
    // taken by this session's project: the API says so at the field
    await field.fill(slug);
    await form.getByRole('button', { name: 'Create project' }).click();
    await page.waitForFunction(() => document.querySelector('form[aria-label="New project"] input[aria-invalid="true"]'));
    const said = (await described())[0];
    assert.match(said, /^Slug /, `the slug's error: ${said}`);
    assert.equal(await form.getByRole('alert').count(), 0);
    await page.screenshot({ path: `${suite.shots}create-project-slug.png` });
    // the refused create is logged by the browser: expected here, not left for the next test
    for (const e of errors.filter((x) => /status of (409|422)/.test(x))) errors.splice(errors.indexOf(e), 1);
    assert.deepEqual(errors, []);
  });
});

test('a new flow named like one of the project is refused as typed; Escape goes back to its +', async (t) => {
  await guarded(t, 'new-flow-name', async () => {
    await api('POST', `${at.base}/flows`, { kind: 'route', name: 'Taken Name' });
    await page.goto(`${suite.cloud.url}/p/${at.project}`);
    const routes = page.getByRole('region', { name: 'Routes' });
    await routes.getByRole('link', { name: 'Taken Name' }).waitFor();
    const blueprints = page.getByRole('region', { name: 'Blueprints' });
    await blueprints.getByRole('button', { name: 'New blueprint' }).click();
    const input = blueprints.getByRole('textbox', { name: 'New blueprint name' });
    await input.fill('taken name');
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    await blueprints.getByText('A route named “Taken Name” exists in this project (names ignore case).').waitFor();
    await page.keyboard.press('Enter');
    await page.waitForTimeout(300);
    assert.equal((await api('GET', `${at.base}/flows`)).items.filter((f) => f.name.toLowerCase() === 'taken name').length, 1);
    await page.keyboard.press('Escape');
    await input.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'New blueprint');
    assert.deepEqual(errors, []);
  });
});

test('a refused project rename keeps the form and what was typed, saying why at the field', async (t) => {
  await guarded(t, 'rename-refused', async () => {
    const p = await api('POST', `${at.base.replace(/\/projects\/.*/, '')}/projects`, { name: 'Renamed later' });
    await page.goto(`${suite.cloud.url}/`);
    await page.locator('.ps-project-row').filter({ hasText: 'Renamed later' }).getByRole('button', { name: 'Rename' }).click();
    // the row being renamed shows its name in the input, not as text
    const row = page.locator('.ps-project-row').filter({ has: page.getByRole('textbox', { name: 'Project name' }) });
    const input = row.getByRole('textbox', { name: 'Project name' });
    const long = 'n'.repeat(140);
    await input.fill(long);
    await row.getByRole('button', { name: 'Save' }).click();
    await page.waitForFunction(() => document.querySelector('.ps-project-row input[aria-invalid="true"]'));
    assert.equal(await input.inputValue(), long);
    const why = await input.evaluate((e) => document.getElementById(e.getAttribute('aria-describedby'))?.textContent);
    assert.match(why, /^Name /);
    await input.fill('Renamed now');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.locator('.ps-project-row').filter({ hasText: 'Renamed now' }).getByRole('button', { name: 'Rename' }).waitFor();
    assert.equal((await api('GET', `${at.base.replace(/\/projects\/.*/, '')}/projects/${p.id}`)).name, 'Renamed now');
    for (const e of errors.filter((x) => /status of (400|422)/.test(x))) errors.splice(errors.indexOf(e), 1);
    assert.deepEqual(errors, []);
  });
});

test('settings fields are named by their labels only, also while they say what is wrong', async (t) => {
  await guarded(t, 'field-names', async () => {
    await page.goto(`${suite.cloud.url}/p/${at.project}/settings/secrets`);
    const form = page.getByRole('form', { name: 'New secret' });
    await form.getByRole('textbox', { name: 'Key', exact: true }).fill('bad key!');
    await form.getByRole('button', { name: 'Save secret' }).click();
    const key = form.getByRole('textbox', { name: 'Key', exact: true });
    assert.equal(await key.getAttribute('aria-invalid'), 'true');
    const value = form.getByLabel('Value', { exact: true });
    assert.equal(await value.getAttribute('aria-invalid'), 'true');
    // its help is its description
    assert.match(await value.evaluate((e) => e.getAttribute('aria-describedby').split(' ').map((id) => document.getElementById(id)?.textContent).join(' | ')), /Sealed when saved; never shown again\./);
    await page.goto(`${suite.cloud.url}/p/${at.project}/settings/stages`);
    const stage = page.getByRole('textbox', { name: 'Stage name', exact: true });
    await stage.fill('Bad-Stage');
    await page.getByRole('button', { name: 'Add stage' }).click();
    assert.equal(await stage.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByText('A lowercase letter, then up to 31 lowercase letters or digits (no dashes). "mock" is reserved.').count(), 1);
    assert.deepEqual(errors, []);
  });
});
