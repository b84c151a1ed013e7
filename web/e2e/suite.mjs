// What a browser test file against the local cloud sets up: a screenshot folder under
// test-results/, the real local cloud and headless Chromium, started before its tests and
// stopped after them (also when one fails).

import { mkdir } from 'node:fs/promises';
import { after, before } from 'node:test';
import { launch, watchConsole } from './browser.mjs';
import { createProject, signInForApi, startCloud } from './cloud.mjs';

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

/**
 * A signed-in user with a project of their own, set up once, on first use, in one page of the
 * suite: { page, api, errors, at } once set up. `prepare(session)` runs after the project is
 * created. guarded(t, name, f) sets up, runs f and keeps a screenshot of the page (and the
 * cloud's log when f fails).
 */
/**
 * The page, API client, console errors and project of the session whose guarded step runs
 * now: live bindings a test file imports instead of keeping copies of its own.
 */
export let page = null;
export let api = null;
export let errors = null;
export let at = null;

export function projectSession(suite, { email, project, prepare }) {
  const session = { page: null, api: null, errors: null, at: null };
  let ready = null;
  const setUp = () =>
    (ready ??= (async () => {
      session.page = await freshPage(suite);
      session.errors = watchConsole(session.page);
      session.api = await signInForApi(session.page, suite.cloud, email);
      session.at = await createProject(session.api, project);
      if (prepare) await prepare(session);
    })());
  /** Opens a flow of the project in the editor, with its publishing panel shown. */
  session.openPublishing = async (flow) => {
    await session.page.goto(`${suite.cloud.url}/p/${session.at.project}/f/${flow.id}`);
    await session.page.getByRole('tab', { name: flow.name, exact: true }).waitFor();
    await session.page.locator('[data-testid=publishing-panel-toggle]').click();
  };
  session.guarded = async (t, name, f) => {
    try {
      await setUp();
      ({ page, api, errors, at } = session);
      await f();
      await session.page.screenshot({ path: `${suite.shots}${name}.png` });
    } catch (e) {
      await session.page?.screenshot({ path: `${suite.shots}${name}-failure.png` }).catch(() => {});
      t.diagnostic(suite.cloud.log());
      throw e;
    }
  };
  return session;
}

/**
 * A second tab of the signed-in user (its session copied, as a duplicated tab has it), at path
 * of the suite's local cloud, with its console watched; closed by the caller.
 */
export async function secondTab(suite, path) {
  const storage = await page.evaluate(() => JSON.stringify(Object.fromEntries(Object.entries(sessionStorage))));
  const tab = await page.context().newPage();
  const tabErrors = watchConsole(tab);
  await tab.addInitScript((s) => {
    for (const [k, v] of Object.entries(JSON.parse(s))) sessionStorage.setItem(k, v);
  }, storage);
  await tab.goto(`${suite.cloud.url}${path}`);
  return { tab, tabErrors };
}
