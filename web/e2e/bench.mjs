// Editor figures for `make bench` (reported, not asserted):
//  - initial JavaScript: gzip size of the scripts index.html loads (lazy chunks excluded);
//  - a 500-node flow: time until every node is on the canvas, and from pressing a node to the
//    frame after a 200 px drag has moved it, in headless Chromium.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { launch } from './browser.mjs';
import { serveDist } from './serve.mjs';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

async function initialJs() {
  const html = await readFile(join(dist, 'index.html'), 'utf8');
  const srcs = [...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="([^"]+\.js)"/g)].map((m) => m[1]);
  let gz = 0;
  let raw = 0;
  for (const s of new Set(srcs)) {
    const b = await readFile(join(dist, s.replace(/^\//, '')));
    raw += b.length;
    gz += gzipSync(b, { level: 9 }).length;
  }
  return { files: srcs.length, raw, gz };
}

function bigFlow(n) {
  const nodes = [];
  const connections = [];
  nodes.push({ id: 'n0', handle: 'start', type: 'trigger.manual', position: { x: 0, y: 0 } });
  for (let i = 1; i < n; i++) {
    nodes.push({ id: `n${i}`, handle: `log_${i}`, type: 'debug.log', position: { x: (i % 25) * 280, y: Math.floor(i / 25) * 200 }, values: { message: `step ${i} {{ start.input }}` } });
    connections.push({ from: { node: `n${i - 1}`, port: 'true_path' }, to: { node: `n${i}`, port: 'node' } });
  }
  return { schema: 'polysynergy/flow@1', nodes, connections, groups: [] };
}

const js = await initialJs();
console.log(`initial JavaScript: ${js.files} file(s), ${(js.raw / 1024).toFixed(1)} KiB, ${(js.gz / 1024).toFixed(1)} KiB gzip (budget 500 KiB)`);

const server = await serveDist();
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const flow = JSON.stringify(bigFlow(500));
  await page.addInitScript((f) => localStorage.setItem('ps.playground.v1', f), flow);
  const t0 = Date.now();
  await page.goto(`${server.url}/playground`);
  await page.waitForFunction(() => document.querySelectorAll('.react-flow__node').length > 0, null, { timeout: 60000 });
  const opened = Date.now() - t0;
  const rendered = await page.locator('.react-flow__node').count();
  const node = page.locator('.react-flow__node').first();
  // press a node and drag it 200 px; the time runs until the frame after it has moved
  const drag = async (dx) => {
    const box = await node.locator('.ps-node-titles').boundingBox();
    const x = box.x + box.width / 2;
    const y = box.y + box.height / 2;
    const before = await node.evaluate((el) => el.style.transform);
    const t = Date.now();
    await page.mouse.move(x, y);
    await page.mouse.down();
    await page.mouse.move(x + dx / 2, y + dx / 5, { steps: 5 });
    await page.mouse.move(x + dx, y + (dx * 2) / 5, { steps: 5 });
    await page.waitForFunction((b) => document.querySelector('.react-flow__node')?.style.transform !== b, before, { polling: 'raf' });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r(null))));
    const ms = Date.now() - t;
    await page.mouse.up();
    return ms;
  };
  const dragged = await drag(200);
  await page.waitForTimeout(500);
  const again = await drag(-200);
  console.log(`500-node flow: opened in ${opened} ms (${rendered} nodes in the viewport drawn), a 200 px drag answered in ${dragged} ms the first time (selecting it opens the inspector) and ${again} ms the next (target ≤ 1500 ms)`);
} finally {
  await browser.close();
  await server.close();
}
