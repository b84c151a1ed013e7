// Starts the real local cloud (`polysynergy dev`) for a browser test: a free port chosen by
// the server itself (--port 0), a temporary data dir (--reset), the editor from web/dist.
// The test gets the base URL, a way to mint dev-user tokens, the server's log (printed when
// a test fails) and stop(), which ends the server even when the test did not finish.

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const web = fileURLToPath(new URL('..', import.meta.url));
const repo = join(web, '..');

/** The CLI the journey runs: POLYSYNERGY_BIN, or build/polysynergy (`make build`). */
export async function cliPath() {
  const bin = process.env.POLYSYNERGY_BIN ?? join(repo, 'build', 'polysynergy');
  if (existsSync(bin)) return bin;
  // `npm run test:browser` without make: build it the way the Makefile does
  const go = existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go';
  await run(go, ['build', '-o', bin, './cmd/polysynergy'], { cwd: repo, maxBuffer: 1 << 24 });
  return bin;
}

/**
 * Starts `polysynergy dev` and waits until it answers. Resolves to
 * { url, port, dataDir, log(), token(email), stop() }.
 */
export async function startCloud({ timeoutMs = 60000 } = {}) {
  const bin = await cliPath();
  const dataDir = await mkdtemp(join(tmpdir(), 'ps-journey-'));
  const dist = join(web, 'dist');
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`no built editor in ${dist}: run \`make web\` first`);
  const child = spawn(bin, ['dev', '--port', '0', '--data-dir', dataDir, '--reset', '--web', dist, '-v'], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  // the test process ending in any way (a timeout, an uncaught error) ends the server too
  const reap = () => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', reap);

  const stop = async () => {
    if (!exited) {
      child.kill('SIGINT');
      const t = setTimeout(() => child.kill('SIGKILL'), 15000);
      await exit;
      clearTimeout(t);
    }
    process.removeListener('exit', reap);
    await rm(dataDir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + timeoutMs;
    let url = null;
    while (!url) {
      if (exited) throw new Error(`polysynergy dev exited (${JSON.stringify(exited)}) before it was ready`);
      if (Date.now() > deadline) throw new Error('polysynergy dev did not print its address in time');
      const m = /Editor\s+(http:\/\/localhost:\d+)/.exec(out);
      if (m) url = m[1];
      else await new Promise((r) => setTimeout(r, 100));
    }
    // ready: the runtime config and the API answer
    for (;;) {
      if (exited) throw new Error(`polysynergy dev exited (${JSON.stringify(exited)})`);
      try {
        const [c, n] = await Promise.all([fetch(`${url}/config.json`), fetch(`${url}/api/v1/openapi.json`)]);
        if (c.ok && n.ok) break;
      } catch {
        /* not yet */
      }
      if (Date.now() > deadline) throw new Error(`polysynergy dev at ${url} did not become ready`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const port = Number(new URL(url).port);
    return {
      url,
      port,
      dataDir,
      log: () => out,
      /** An access token of the dev user with this e-mail (created when new). */
      token: async (email) => (await run(bin, ['dev', 'token', '--user', email, '--data-dir', dataDir])).stdout.trim(),
      stop,
    };
  } catch (e) {
    await stop();
    e.message += `\n--- polysynergy dev log ---\n${out}`;
    throw e;
  }
}

/**
 * Signs a new dev user in through the editor's sign-in page and returns a client for the
 * REST API with that user's token: api(method, path, body) → the decoded answer (it fails
 * the test on any answer that is not 2xx).
 */
export async function signInForApi(page, cloud, email) {
  await page.goto(cloud.url);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('textbox', { name: 'E-mail' }).fill(email);
  await page.getByRole('button', { name: 'Create user and sign in' }).click();
  await page.getByRole('heading', { name: 'Projects' }).waitFor();
  const token = await page.evaluate(() => {
    const k = Object.keys(sessionStorage).find((x) => x.startsWith('oidc.user'));
    return k ? JSON.parse(sessionStorage.getItem(k)).access_token : null;
  });
  if (!token) throw new Error('no access token in the session after signing in');
  return async (method, path, body) => {
    const r = await fetch(`${cloud.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const text = await r.text();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

/**
 * Creates a project in the signed-in user's first tenant through the REST API and returns
 * { tenant, project, base } (base: the project's API path).
 */
export async function createProject(api, name) {
  const tenant = (await api('GET', '/me')).memberships[0].tenant;
  const project = (await api('POST', `/tenants/${tenant}/projects`, { name })).id;
  return { tenant, project, base: `/tenants/${tenant}/projects/${project}` };
}

/** A flow document's node: id and handle alike, at (x, 0). */
export function flowNode(id, type, x, values) {
  return { id, handle: id, type, position: { x, y: 0 }, values };
}
