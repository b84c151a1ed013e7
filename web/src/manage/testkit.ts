// Test helpers for the management screens: a real ApiClient over a scripted fetch that
// answers by method and path and records every request (method, path, query, JSON body).

import { ApiClient } from '../api/client';

export interface Recorded {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  /** The If-Match header sent (null: none). */
  ifMatch: string | null;
}

type Reply = { status: number; body?: unknown; headers?: Record<string, string> };
export type Answer = Reply | ((call: Recorded) => Reply);

/** Routes: "METHOD /path/after/the/project" (or after the tenant when it starts with "~"). */
export function fakeApi(routes: Record<string, Answer | Answer[]>) {
  const calls: Recorded[] = [];
  const queues = new Map<string, Answer[]>(Object.entries(routes).map(([k, v]) => [k, Array.isArray(v) ? [...v] : [v]]));
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const u = new URL(String(input), 'http://editor.test');
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    const full = decodeURIComponent(u.pathname);
    const rel = full.startsWith('/api/v1/tenants/T1/projects/P1') ? full.slice('/api/v1/tenants/T1/projects/P1'.length) : '~' + full.slice('/api/v1/tenants/T1'.length);
    const ifMatch = (init?.headers as Record<string, string> | undefined)?.['If-Match'] ?? null;
    const call: Recorded = { method, path: rel, query: u.searchParams, body, ifMatch };
    calls.push(call);
    const q = queues.get(`${method} ${rel}`);
    if (!q || q.length === 0) return new Response(JSON.stringify({ title: 'Not found', status: 404, detail: `no fake for ${method} ${rel}` }), { status: 404 });
    const a = q.length > 1 ? q.shift()! : q[0]!;
    const { status, body: out, headers } = typeof a === 'function' ? a(call) : a;
    if (status === 204 || out === undefined) return new Response(null, { status: status === 200 ? 204 : status, headers });
    return new Response(JSON.stringify(out), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers } });
  };
  const api = new ApiClient({ baseUrl: '/api/v1', tenant: 'T1', retries: 0, fetch: fetchImpl as typeof fetch, sleep: async () => {} });
  /** The recorded requests other than reads. */
  const writes = () => calls.filter((c) => c.method !== 'GET');
  return { api, calls, writes };
}

/** A 422 problem naming fields, as the API writes them. */
export function invalid(detail: string, errors: { location: string; message: string }[]) {
  return { status: 422, body: { title: 'Unprocessable Entity', status: 422, detail, errors } };
}

/** The API's 412: the item changed since its tag was read; nothing was written. */
export function changed(current = '"now"') {
  return {
    status: 412,
    body: {
      type: 'urn:polysynergy:problem:changed',
      title: 'Precondition Failed',
      status: 412,
      detail: 'header.if-match: it changed since it was read',
      errors: [{ location: 'header.if-match', message: 'it changed since it was read', value: '"old"' }],
      current_etag: current,
    },
  };
}
