// Browser test of the editor in headless Chromium: palette → nodes → a connection → a value
// with {{ }} autocomplete → refusal of an incompatible connection → undo → copy/paste.
// Run with `npm run test:browser` after `npm run build`. Screenshots go to test-results/.

import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { launch, watchConsole } from './browser.mjs';
import { serveDist } from './serve.mjs';

const shots = new URL('../test-results/', import.meta.url).pathname;
let server;
let browser;
let page;
let errors;

before(async () => {
  await mkdir(shots, { recursive: true });
  server = await serveDist();
  browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1400, height: 880 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  page = await context.newPage();
  errors = watchConsole(page);
  await page.goto(`${server.url}/playground`);
  await page.getByRole('listbox').first().waitFor();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

const nodeByHandle = (h) => page.locator(`.react-flow__node:has([data-handle="${h}"])`);
const output = (h, port) => page.locator(`[data-handle="${h}"] .ps-port-output[data-port="${port}"] .react-flow__handle`);
const input = (h, port) => page.locator(`[data-handle="${h}"] .ps-port-input[data-port="${port}"] .react-flow__handle`);

async function drag(from, to) {
  const a = await from.boundingBox();
  const b = await to.boundingBox();
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  await page.mouse.move(a.x + a.width / 2 + 20, a.y + a.height / 2 + 5, { steps: 4 });
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2, { steps: 12 });
  await page.mouse.up();
}

test('places nodes from the palette by click and keyboard', async () => {
  await page.getByRole('option', { name: 'Manual' }).click();
  await nodeByHandle('manual').waitFor();
  const search = page.getByRole('searchbox', { name: 'Search nodes' });
  await search.fill('log');
  await page.keyboard.press('Enter');
  await nodeByHandle('log').waitFor();
  await search.fill('');
  await page.getByRole('button', { name: 'Layout' }).click();
  await page.waitForTimeout(400);
  assert.equal(await page.locator('.react-flow__node').count(), 2);
});

test('connects true_path to a node input and shows it green', async () => {
  await drag(output('manual', 'true_path'), input('log', 'node'));
  await page.locator('.react-flow__edge').first().waitFor();
  assert.equal(await page.locator('.react-flow__edge.ps-edge-true').count(), 1);
});

test('edits a value with {{ }} autocomplete of upstream handles', async () => {
  await nodeByHandle('log').locator('.ps-node-header').click();
  const box = page.getByRole('textbox', { name: 'value', exact: true });
  await box.click();
  await page.keyboard.type('{{');
  assert.equal(await box.inputValue(), '{{  }}');
  await page.keyboard.type('ma');
  const option = page.locator('.ps-completion', { hasText: 'manual' });
  await option.waitFor();
  await page.keyboard.press('Enter');
  await page.keyboard.type('.inp');
  await page.locator('.ps-completion', { hasText: 'input' }).waitFor();
  await page.keyboard.press('Enter');
  assert.equal(await box.inputValue(), '{{ manual.input }}');
  await page.screenshot({ path: `${shots}editor-inspector.png` });
  assert.match(await nodeByHandle('log').locator('.ps-port-input[data-port="value"]').innerText(), /manual\.input/);
});

test('refuses an incompatible connection and says why', async () => {
  const search = page.getByRole('searchbox', { name: 'Search nodes' });
  await search.fill('number');
  await page.locator('[data-type-id="variable.number"]').click();
  await search.fill('delay');
  await page.keyboard.press('Enter');
  await search.fill('');
  await page.getByRole('button', { name: 'Layout' }).click();
  await page.waitForTimeout(400);
  await drag(output('variable_number', 'value'), input('delay', 'ms'));
  await page.getByRole('status').filter({ hasText: 'cannot feed' }).waitFor();
  assert.equal(await page.locator('.react-flow__edge').count(), 1);
});

test('undoes and redoes with the keyboard', async () => {
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  const before = await page.locator('.react-flow__node').count();
  await page.keyboard.press('Control+z'); // the layout
  assert.equal(await page.locator('.react-flow__node').count(), before);
  await page.keyboard.press('Control+z'); // adding the delay node
  assert.equal(await page.locator('.react-flow__node').count(), before - 1);
  assert.equal(await page.locator('[data-handle="delay"]').count(), 0);
  await page.keyboard.press('Control+Shift+z');
  assert.equal(await page.locator('.react-flow__node').count(), before);
});

test('copies and pastes nodes as JSON through the clipboard', async () => {
  await page.getByRole('button', { name: 'Layout' }).click();
  await page.waitForTimeout(400);
  await nodeByHandle('log').locator('.ps-node-header').click();
  await page.keyboard.press('Control+c');
  const text = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(text, /"kind": "polysynergy\/clipboard@1"/);
  await page.locator('.react-flow__pane').click({ position: { x: 40, y: 40 } });
  await page.keyboard.press('Control+v');
  await nodeByHandle('log_2').waitFor();
  await page.keyboard.press('Control+d');
  await nodeByHandle('log_3').waitFor();
});

test('shows the shortcut sheet and validation problems', async () => {
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('Shift+?');
  await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
  await page.screenshot({ path: `${shots}editor-shortcuts.png` });
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  await page.screenshot({ path: `${shots}editor-canvas.png` });
  assert.deepEqual(errors, []);
});

test('the toolbar keeps every control in view at 1280 px and at the narrowest 1024 px', async () => {
  for (const width of [1280, 1024]) {
    await page.setViewportSize({ width, height: 800 });
    const m = await page.evaluate(() => {
      const bar = document.querySelector('[role="toolbar"][aria-label="Flow"]');
      const b = bar.getBoundingClientRect();
      const out = [...bar.querySelectorAll('button, select, [role="status"]')]
        .map((el) => ({ name: el.getAttribute('aria-label') || el.textContent.trim(), r: el.getBoundingClientRect() }))
        .filter(({ r }) => r.left < b.left - 0.5 || r.right > b.right + 0.5 || r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5)
        .map(({ name }) => name);
      return { out, scroll: bar.scrollWidth, client: bar.clientWidth, page: document.documentElement.scrollWidth };
    });
    assert.deepEqual(m.out, [], `controls outside the toolbar at ${width} px`);
    assert.ok(m.scroll <= m.client, `the toolbar overflows at ${width} px: ${m.scroll} > ${m.client}`);
    assert.ok(m.page <= width, `the page scrolls sideways at ${width} px: ${m.page}`);
    await page.getByRole('button', { name: 'Toggle theme' }).click({ trial: true });
  }
  await page.setViewportSize({ width: 1400, height: 880 });
});
