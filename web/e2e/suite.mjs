// What a browser test file against the local cloud sets up: a screenshot folder under
// test-results/, the real local cloud and headless Chromium, started before its tests and
// stopped after them (also when one fails).

import { mkdir } from 'node:fs/promises';
import { after, before } from 'node:test';
import { launch } from './browser.mjs';
import { startCloud } from './cloud.mjs';

/**
 * Registers the file's before and after hooks and returns { shots, cloud, browser }; cloud and
 * browser are set once `before` has run.
 */
export function cloudSuite(name) {
  const suite = { shots: new URL(`../test-results/${name}/`, import.meta.url).pathname, cloud: null, browser: null };
  before(async () => {
    await mkdir(suite.shots, { recursive: true });
    suite.cloud = await startCloud();
    suite.browser = await launch();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.cloud?.stop();
  });
  return suite;
}

/** A new page in a fresh browser context (its own session) of the usual editor size. */
export async function freshPage(suite) {
  return (await suite.browser.newContext({ viewport: { width: 1400, height: 880 } })).newPage();
}
