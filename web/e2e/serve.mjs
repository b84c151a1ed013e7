// A small static server for browser tests: web/dist with the SPA fallback, plus the one API
// call the playground needs (the node catalogue), answered from the committed fixture. The
// full journey against `polysynergy dev` replaces this once the local cloud serves the API.

import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const dist = join(here, '..', 'dist');
const catalogFile = join(here, '..', 'src', 'fixtures', 'catalog.json');

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
};

/** Starts the server on a random loopback port; resolves to its URL and a close function. */
export async function serveDist() {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    try {
      if (url.pathname === '/api/v1/nodes') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(await readFile(catalogFile));
        return;
      }
      if (url.pathname.startsWith('/api/')) {
        res.writeHead(404, { 'Content-Type': 'application/problem+json' });
        res.end(JSON.stringify({ title: 'Not Found', status: 404 }));
        return;
      }
      let file = normalize(join(dist, url.pathname));
      if (!file.startsWith(dist) || !extname(file)) file = join(dist, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': types[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end('not found');
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}
