// Editor fixes from a third QA pass (a user coming from n8n), against the real local cloud. Set up
// through the API, driven through the editor.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowNode } from './cloud.mjs';
import { cloudSuite, projectSession, page, api, errors, at } from './suite.mjs';

// a route flow that can be published: an HTTP route node answering 'ok' (a flow with no nodes cannot be)
const routeDoc = { schema: 'polysynergy/flow@1', nodes: [flowNode('route', 'trigger.route', 0, {}), flowNode('reply', 'http.response', 300, { body: 'ok' })], connections: [{ from: { node: 'route', port: 'true_path' }, to: { node: 'reply', port: 'node' } }] };

const suite = cloudSuite('sweep');
const session = projectSession(suite, { email: 'sweep@example.com', project: 'Sweep' });
/** Runs a test step in the session (set up on first use), keeping a screenshot of the page. */
const { guarded } = session;

test("a time zone typed out in full and left for Save is the one saved; +00:00 finds the zones at UTC, kolkata finds Asia/Kolkata", async (t) => {
  await guarded(t, 'time-zone-typed', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'schedule', name: 'typed zone' });
    await session.openPublishing(f);
    const form = page.getByRole('form', { name: 'Schedule' });
    const zone = form.getByRole('combobox', { name: 'Time zone' });
    await zone.waitFor();

    await zone.click();
    await zone.fill('+00:00');
    const list = form.getByRole('listbox', { name: 'Time zones' });
    await list.getByRole('option', { name: /^Europe\/London/ }).waitFor();
    assert.equal(await list.getByText(/No time zone matches/).count(), 0);

    // Chromium lists Asia/Calcutta: the picker lists it as Asia/Kolkata, found by either name
    await zone.fill('kolkata');
    await list.getByRole('option', { name: /^Asia\/Kolkata/ }).waitFor();
    assert.equal(await list.getByRole('option').count(), 1);

    // typed out, not picked from the list, then Save: the list closes under the pointer without
    // moving Save away, and the zone typed is the one saved (it was put back, and UTC saved)
    await zone.fill('Asia/Kolkata');
    await list.waitFor();
    await form.getByRole('button', { name: 'Save schedule' }).click();
    await form.getByText('Saved', { exact: true }).waitFor();
    assert.equal(await zone.inputValue(), 'Asia/Kolkata');
    await form.getByTestId('tz-now').filter({ hasText: /^Asia\/Kolkata is UTC\+05:30 now/ }).waitFor();
    assert.equal((await api('GET', `${at.base}/flows/${f.id}/schedule`)).timezone, 'Asia/Kolkata');
    assert.deepEqual(errors, []);
  });
});

test('a paused run shows what the approval asks, with its data, and resumes from the editor', async (t) => {
  await guarded(t, 'approval-question', async () => {
    const link = (from, to, port = 'true_path') => ({ from: { node: from, port }, to: { node: to, port: 'node' } });
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'ship',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [
          flowNode('start', 'trigger.manual', 0, {}),
          flowNode('ask', 'control.approval', 300, { message: 'Ship order 42?', data: { order: 42, total: 12.5 } }),
          flowNode('yes', 'debug.log', 600, { message: 'shipped: {{ ask.comment }}' }),
        ],
        connections: [link('start', 'ask'), link('ask', 'yes')],
      },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="ask"]').waitFor();
    await page.getByRole('button', { name: '▶ Run' }).click();
    await page.locator('[data-handle="ask"].ps-run-paused').waitFor({ timeout: 20000 });
    const form = page.getByRole('group', { name: 'Resume the paused run' });
    // the approver sees the question and its data (they were only in the raw output)
    await form.getByTestId('pause-question').filter({ hasText: /^Ship order 42\?$/ }).waitFor();
    assert.deepEqual(JSON.parse(await form.getByTestId('pause-data').textContent()), { order: 42, total: 12.5 });
    await form.locator('.cm-content').click();
    await page.keyboard.press('Control+a');
    await page.keyboard.insertText('{"approved": true, "comment": "ok"}');
    await form.getByRole('button', { name: 'Resume' }).click();
    await page.locator('[data-handle="yes"].ps-run-success').waitFor({ timeout: 20000 });
    const panel = page.getByRole('region', { name: 'Run', exact: true });
    await panel.getByText('shipped: ok').waitFor();
    assert.deepEqual(errors, []);
  });
});

test('on a narrow window the project panel starts as a rail, so the toolbar and inspector fit without scrolling sideways', async (t) => {
  await guarded(t, 'narrow-window', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'narrow',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('start', 'trigger.manual', 0, {})], connections: [] },
    });
    // a fresh start on this browser: no choice remembered
    await page.evaluate(() => localStorage.removeItem('ps.projectPanel'));
    await page.setViewportSize({ width: 1100, height: 760 });
    try {
      await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
      await page.locator('[data-handle="start"]').waitFor();
      const fits = async () => {
        const main = await page.locator('.ps-app-main').evaluate((e) => e.scrollWidth - e.clientWidth);
        assert.equal(main, 0, 'nothing to scroll sideways');
        for (const box of [await page.getByRole('button', { name: 'Settings', exact: true }).boundingBox(), await page.getByRole('complementary', { name: 'Inspector' }).boundingBox()])
          assert.ok(box.x + box.width <= 1100, `in view: ${JSON.stringify(box)}`);
      };
      // Run, Settings and the inspector were past the right edge, behind a sideways scroll
      await fits();
      await page.getByRole('button', { name: 'Show the project panel' }).click();
      await page.getByRole('link', { name: 'narrow' }).waitFor();
      await page.getByRole('button', { name: 'Hide the project panel' }).click();
      await page.getByRole('link', { name: 'narrow' }).waitFor({ state: 'detached' });
      await fits();
    } finally {
      await page.evaluate(() => localStorage.removeItem('ps.projectPanel'));
      await page.setViewportSize({ width: 1400, height: 880 });
    }
    assert.deepEqual(errors, []);
  });
});

test('nodes and connections built from the palette are named by their handles for assistive technology', async (t) => {
  await guarded(t, 'canvas-names', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'named' });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.getByText('This flow is empty.').waitFor();
    const search = page.getByRole('searchbox', { name: 'Search nodes' });
    for (const q of ['manual', 'log']) {
      await search.fill(q);
      await page.keyboard.press('Enter');
    }
    await page.getByRole('button', { name: 'Layout' }).click();
    await page.waitForTimeout(500); // the fit after the layout has settled
    // ids made in the editor (n_…) named nothing: a node had no name, a connection read
    // "Edge from n_lgfn01lmt3ps to n_lgt70264bqf5"
    const manual = page.getByRole('group', { name: 'manual, Manual play', exact: true });
    const log = page.getByRole('group', { name: 'log, Log', exact: true });
    await manual.waitFor();
    await log.waitFor();
    const from = await manual.locator('.react-flow__handle[data-handleid="true_path"]').boundingBox();
    const to = await log.locator('.react-flow__handle[data-handleid="node"]').boundingBox();
    await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
    await page.mouse.down();
    await page.mouse.move(to.x + to.width / 2, to.y + to.height / 2, { steps: 8 });
    await page.mouse.up();
    await page.getByRole('group', { name: 'Connection from manual.true_path to log.node', exact: true }).waitFor();
    // a long handle stays inside its node (it ran past the right edge), whole in its tooltip
    const long = 'a_very_long_handle_that_keeps_going_and_going_for_quite_a_while';
    await log.locator('.ps-node-header').click();
    const handle = page.getByRole('complementary', { name: 'Inspector' }).getByLabel(/^Handle/);
    await handle.fill(long);
    await handle.press('Enter');
    const named = page.locator(`.react-flow__node:has([data-handle="${long}"])`);
    const node = await named.boundingBox();
    const text = await named.locator('.ps-node-handle').boundingBox();
    assert.ok(text.x + text.width <= node.x + node.width, `the handle inside the node: ${JSON.stringify({ text, node })}`);
    assert.equal(await named.locator('.ps-node-handle').getAttribute('title'), long);
    assert.deepEqual(errors, []);
  });
});

test('a 128-character secret or variable key, a long version message and a long flow name in the publish matrix wrap instead of pushing the page sideways', async (t) => {
  await guarded(t, 'long-words', async () => {
    const key = 'K'.repeat(128);
    await api('PUT', `${at.base}/secrets/${key}/stages/mock`, { value: 'x' });
    await api('PUT', `${at.base}/env/${key}`, { values: { mock: `https://example.com/${'a'.repeat(150)}` } });
    const sideways = () => page.evaluate(() => [...document.querySelectorAll('*')].filter((e) => ['auto', 'scroll'].includes(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1).map((e) => e.className));
    for (const [section, action] of [['secrets', /^Set a value of/], ['env', /^Edit/]]) {
      await page.goto(`${suite.cloud.url}/p/${at.project}/settings/${section}`);
      await page.getByText(key).waitFor();
      assert.deepEqual(await sideways(), [], `${section}: nothing scrolls sideways`);
      const b = await page.getByRole('button', { name: action }).first().boundingBox();
      assert.ok(b.x + b.width <= 1400, `${section}: ${action} in view`);
    }
    const f = await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'versioned' });
    await api('POST', `${at.base}/flows/${f.id}/versions`, { message: `see ${'x'.repeat(200)}` });
    await session.openPublishing(f);
    await page.getByTestId('version-1').waitFor();
    assert.deepEqual(await sideways(), []);
    // the publish matrix: a 200-character flow name pushed the stages and Publish out of view
    const routeFlow = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'r'.repeat(200) });
    await page.goto(`${suite.cloud.url}/p/${at.project}/publish`);
    const publish = page.getByRole('button', { name: `Publish ${'r'.repeat(200)} to mock` });
    await publish.waitFor();
    assert.deepEqual(await sideways(), []);
    const p = await publish.boundingBox();
    assert.ok(p.x + p.width <= 1400, `Publish in view: ${JSON.stringify(p)}`);
    await api('DELETE', `${at.base}/flows/${routeFlow.id}`);
    assert.deepEqual(errors, []);
  });
});

test("clicking the publishing panel's selected tab again keeps the panel, and what was typed in it", async (t) => {
  await guarded(t, 'panel-tab-again', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'schedule', name: 'tab again' });
    await session.openPublishing(f);
    const form = page.getByRole('form', { name: 'Schedule' });
    const cron = form.getByRole('textbox', { name: /^Cron/ });
    await cron.fill('*/5 * * * *');
    // it closed the panel, the edited cron lost with it
    await page.getByRole('tab', { name: 'Schedule', exact: true }).click();
    await form.waitFor();
    assert.equal(await cron.inputValue(), '*/5 * * * *');
    assert.equal(await page.locator('[data-testid=publishing-panel-toggle]').getAttribute('aria-pressed'), 'true');
    assert.deepEqual(errors, []);
  });
});

test("changing a route flow's run saving in its settings marks the stages it is published on as serving older settings", async (t) => {
  await guarded(t, 'run-saving-differs', async () => {
    await api('POST', `${at.base}/stages`, { name: 'live' }).catch(() => undefined);
    const f = await api('POST', `${at.base}/flows`, { kind: 'route', name: 'saving', document: routeDoc });
    const fp = `${at.base}/flows/${f.id}`;
    await api('PUT', `${fp}/route`, { method: 'GET', segments: [{ kind: 'static', value: 'saving' }] });
    await api('POST', `${fp}/publish`, { stage: 'live' });
    await session.openPublishing(f);
    const live = page.getByTestId('stage-route-live');
    await live.getByTestId('served-route-live').waitFor();
    assert.equal(await live.getByTestId('route-differs-live').count(), 0);

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Flow settings' });
    await dialog.getByText('Save failed runs only').click();
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.waitFor({ state: 'detached' });
    // the API says so at once; the panel said nothing until the page was loaded again
    await live.getByTestId('route-differs-live').filter({ hasText: /run saving changed/ }).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=publish-stage] option')].some((o) => o.textContent === 'live · v1 · route changed'));
    // the select (120 px) cuts "· route changed" off the chosen stage: its border and tooltip say it
    await page.locator('[data-testid=publish-stage]').selectOption('live');
    await page.locator('[data-testid=publish-stage].ps-differs').waitFor();
    assert.match(await page.locator('[data-testid=publish-stage]').getAttribute('title'), /live serves older route settings/);
    assert.deepEqual(errors, []);
  });
});

test('a comment or a hex number in an expression is not taken for a node name', async (t) => {
  await guarded(t, 'expression-comment', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'commented',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [flowNode('start', 'trigger.manual', 0, {}), flowNode('say', 'debug.log', 300, { message: 'x' })],
        connections: [{ from: { node: 'start', port: 'true_path' }, to: { node: 'say', port: 'node' } }],
      },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="say"]').waitFor();
    await page.locator('.react-flow__node:has([data-handle="say"]) .ps-node-header').click();
    const value = page.getByRole('complementary', { name: 'Inspector' }).getByRole('textbox', { name: 'value', exact: true });
    // "refers to "the", which is not a node handle" (and "x1F") while the server found nothing
    await value.fill('{{ start.input ?? 0x1F /* the default */ }}');
    await page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved/ }).waitFor();
    await page.getByRole('button', { name: '✓ No problems' }).click();
    await page.getByLabel('Problems', { exact: true }).getByTestId('server-check').filter({ hasText: /^Checked by the server at revision \d+\.$/ }).waitFor();
    await page.getByRole('button', { name: '✓ No problems' }).click();
    assert.equal(await page.locator('[data-testid=field-problems-value]').count(), 0);
    assert.equal(await page.locator('.ps-expr-chip.bad').count(), 0);
    assert.deepEqual(errors, []);
  });
});

test("a literal of the wrong type shows once after the server's check (its words and the editor's differed, so both showed)", async (t) => {
  await guarded(t, 'literal-once', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'worded',
      document: {
        schema: 'polysynergy/flow@1',
        nodes: [
          flowNode('start', 'trigger.manual', 0, {}),
          { ...flowNode('wait', 'control.delay', 300, { ms: 'soon' }), settings: { retries: 11 } },
          flowNode('say', 'debug.log', 600, { message: 'x' }),
        ],
        connections: [
          { from: { node: 'start', port: 'true_path' }, to: { node: 'wait', port: 'node' } },
          { from: { node: 'wait', port: 'true_path' }, to: { node: 'say', port: 'node' } },
        ],
      },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('[data-handle="say"]').waitFor();
    // an edit elsewhere saves a revision, which the server checks
    await page.locator('.react-flow__node:has([data-handle="say"]) .ps-node-header').click();
    await page.getByRole('complementary', { name: 'Inspector' }).getByRole('textbox', { name: 'value', exact: true }).fill('y');
    await page.getByRole('button', { name: '⚠ 2 problems' }).click();
    const panel = page.getByLabel('Problems', { exact: true });
    await panel.getByTestId('server-check').filter({ hasText: /^Checked by the server at revision \d+\.$/ }).waitFor();
    await page.waitForTimeout(300);
    assert.deepEqual(
      (await panel.locator('li').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim()),
      ['wait retries must be between 0 and 10', 'wait.ms input "ms" takes a number, not string "soon"'],
    );
    await page.getByRole('button', { name: '⚠ 2 problems' }).waitFor();
    assert.deepEqual(errors, []);
  });
});

test('the problems list is a region its button controls, and Escape closes it back to the button', async (t) => {
  await guarded(t, 'problems-keyboard', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'problems by keyboard',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('wait', 'control.delay', 0, { ms: -1 })], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    const button = page.getByRole('button', { name: '⚠ 1 problem' });
    await button.focus();
    await page.keyboard.press('Enter');
    const region = page.getByRole('region', { name: 'Problems', exact: true });
    await region.waitFor();
    assert.equal(await button.getAttribute('aria-controls'), await region.getAttribute('id'));
    await region.getByRole('button', { name: /^wait\.ms/ }).focus();
    await page.keyboard.press('Escape');
    await region.waitFor({ state: 'detached' });
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), '⚠ 1 problem');
    assert.deepEqual(errors, []);
  });
});

test('nodes added one after another from the palette line up left to right, none covering another, the new one in view', async (t) => {
  await guarded(t, 'palette-placement', async () => {
    const f = await api('POST', `${at.base}/flows`, { kind: 'blueprint', name: 'placed' });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.getByText('This flow is empty.').waitFor();
    const search = page.getByRole('searchbox', { name: 'Search nodes' });
    for (const q of ['manual', 'http request', 'approval', 'log']) {
      await search.fill(q);
      await page.keyboard.press('Enter');
      await page.waitForTimeout(300); // the pan to the new node
    }
    // each went 32 px from the last at the middle of the view: the 400 px HTTP request hid the rest
    const boxes = await page.locator('.react-flow__node').evaluateAll((ns) => ns.map((n) => n.getBoundingClientRect().toJSON()));
    assert.equal(boxes.length, 4);
    for (let i = 1; i < boxes.length; i++) assert.ok(boxes[i].x >= boxes[i - 1].x + boxes[i - 1].width, `node ${i} right of node ${i - 1}: ${JSON.stringify(boxes)}`);
    const canvas = await page.locator('.ps-canvas-box').boundingBox();
    const last = boxes.at(-1);
    assert.ok(last.x >= canvas.x && last.x + last.width <= canvas.x + canvas.width, `the last one in view: ${JSON.stringify({ last, canvas })}`);
    assert.deepEqual(errors, []);
  });
});

test('a number input keeps its value while what is typed is not a number yet (1e on the way to 1e3), and says so', async (t) => {
  await guarded(t, 'number-typing', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'typing numbers',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('wait', 'control.delay', 0, { ms: 12 })], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('.react-flow__node:has([data-handle="wait"]) .ps-node-header').click();
    const ms = page.getByRole('complementary', { name: 'Inspector' }).getByRole('spinbutton', { name: 'ms' });
    await ms.press('End');
    await page.keyboard.type('e');
    // the browser reads "12e" as empty: the value went, while the field still showed 12e
    assert.equal(await ms.getAttribute('aria-invalid'), 'true');
    await page.getByText('Not a number yet: the value stays 12.').waitFor();
    await page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved/ }).waitFor();
    assert.deepEqual((await api('GET', `${at.base}/flows/${f.id}`)).draft.document.nodes[0].values, { ms: 12 });
    await page.keyboard.type('3');
    await page.getByText('Not a number yet').waitFor({ state: 'detached' });
    await page.getByRole('status', { name: 'Save state' }).filter({ hasText: /^Saved/ }).waitFor();
    assert.equal(await ms.inputValue(), '12000');
    assert.deepEqual(errors, []);
  });
});

test('code values are coloured for the dark theme (the light style put true in dark blue on the dark panel)', async (t) => {
  await guarded(t, 'dark-code', async () => {
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'dark code',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('reply', 'http.response', 0, { body: { ok: true, n: 1 } })], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('.react-flow__node:has([data-handle="reply"]) .ps-node-header').click();
    const token = page.locator('.ps-inspector .cm-content span', { hasText: /^true$/ });
    await token.waitFor();
    const colour = () => token.evaluate((e) => getComputedStyle(e).color);
    const light = await colour();
    await page.getByRole('button', { name: 'Toggle theme' }).click();
    try {
      await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
      const dark = await colour();
      assert.notEqual(dark, light);
      // contrast against the code panel: the token is light on the dark theme
      const lum = (c) => {
        const [r, g, b] = c.match(/\d+/g).slice(0, 3).map(Number);
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
      };
      assert.ok(lum(dark) > 0.5, `a light colour on the dark panel: ${dark}`);
    } finally {
      await page.getByRole('button', { name: 'Toggle theme' }).click();
    }
    assert.deepEqual(errors, []);
  });
});

test("the project's General settings show AWS access: in the local cloud the machine's own credentials and the external ID to copy; an AWS node's role_arn explains itself", async (t) => {
  await guarded(t, 'aws-access', async () => {
    const external = `polysynergy-${at.tenant}-${at.project}`;
    assert.equal((await api('GET', at.base)).aws_trust.external_id, external);
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: suite.cloud.url });
    await page.goto(`${suite.cloud.url}/p/${at.project}/settings/general`);
    const aws = page.getByRole('region', { name: 'AWS access' });
    await aws.waitFor();
    assert.match(await aws.getByRole('note').innerText(), /own AWS credentials/);
    assert.equal(await aws.getByLabel('External ID').innerText(), external);
    // no platform account here: no principal, no policy to paste
    assert.equal(await aws.getByLabel('Principal to trust').count(), 0);
    assert.equal(await aws.getByLabel('Trust policy of the role').count(), 0);
    await aws.getByRole('button', { name: 'Copy external ID' }).click();
    await aws.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), external);
    await aws.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${suite.shots}aws-access-local.png` });

    // the node's role_arn input shows its help like the other inputs, pointing here
    const f = await api('POST', `${at.base}/flows`, {
      kind: 'blueprint',
      name: 'bucket',
      document: { schema: 'polysynergy/flow@1', nodes: [flowNode('get', 'aws.s3_get', 0, {})], connections: [] },
    });
    await page.goto(`${suite.cloud.url}/p/${at.project}/f/${f.id}`);
    await page.locator('.react-flow__node:has([data-handle="get"]) .ps-node-header').click();
    const field = page.getByRole('complementary', { name: 'Inspector' }).locator('.ps-field', { has: page.locator('.ps-label', { hasText: /^Role ARN/ }) });
    const help = field.locator('.ps-hint');
    await help.waitFor();
    assert.match(await help.innerText(), /external ID.*the project's settings show it/s);
    assert.deepEqual(errors, []);
  });
});
